//! Pay data on the wire: a colleague's hourly cost rate, and the labour cost of time, are
//! shown only to callers with [`Permission::CostsRead`] (and one's own to oneself); `null`
//! to everyone else.
//!
//! Costs appear inside many responses (tickets, tasks, time entries and their totals), so
//! who is looking is set once per request by the authentication middleware ([`scope`]) and
//! read where those responses are built. Outside a request nothing is shown.

use std::future::Future;

use servdesk_domain::{Permission, Principal};
use uuid::Uuid;

#[derive(Clone, Copy, Default)]
struct Viewer {
    user_id: Option<Uuid>,
    sees_costs: bool,
}

tokio::task_local! {
    static VIEWER: Viewer;
}

/// Runs `f` (the rest of the request) with `principal` as the one looking.
pub async fn scope<F: Future>(principal: Option<&Principal>, f: F) -> F::Output {
    let viewer = principal.map(|p| Viewer { user_id: p.user_id(), sees_costs: p.can(Permission::CostsRead) }).unwrap_or_default();
    VIEWER.scope(viewer, f).await
}

/// `amount` if the caller may see the pay data of `owner` (`None`: of several people).
pub fn shown(owner: Option<Uuid>, amount: i64) -> Option<i64> {
    let viewer = VIEWER.try_with(|v| *v).unwrap_or_default();
    let own = owner.is_some() && owner == viewer.user_id;
    (viewer.sees_costs || own).then_some(amount)
}

#[cfg(test)]
mod tests {
    use servdesk_domain::Role;

    use super::*;

    fn user(role: Role) -> Principal {
        Principal::User { id: Uuid::now_v7(), role, session_id: Uuid::nil() }
    }

    #[tokio::test]
    async fn a_technician_sees_their_own_cost_and_no_one_elses() {
        let tech = user(Role::Technician);
        let me = tech.user_id();
        let (own, other, total) = scope(Some(&tech), async { (shown(me, 10), shown(Some(Uuid::now_v7()), 10), shown(None, 10)) }).await;
        assert_eq!((own, other, total), (Some(10), None, None));
    }

    #[tokio::test]
    async fn finance_sees_every_cost_and_nothing_is_shown_outside_a_request() {
        assert_eq!(scope(Some(&user(Role::Finance)), async { shown(None, 7) }).await, Some(7));
        assert_eq!(shown(None, 7), None);
    }
}
