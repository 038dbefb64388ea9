//! Calls: stored as they came, numbered from the `call` sequence, triaged once (the state
//! change is conditional, so two coordinators cannot both triage one call).

use chrono::{DateTime, Datelike, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder};
use servdesk_domain::Actor;
use servdesk_domain::calls::{AlarmAction, CallState, DismissReason};
use servdesk_domain::numbering::{self, Scheme};
use servdesk_domain::tickets::Channel;
use servdesk_domain::webhooks::{Event, EventType};
use uuid::Uuid;

use crate::alarm_state::{self, AlarmColumns, Report};
use crate::entities::calls as row;
use crate::error::StoreError;
use crate::page::{self, Page, PageRequest};
use crate::sequences;

pub use servdesk_domain::calls::Call;

pub struct NewCall {
    pub channel: Channel,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub from_name: Option<String>,
    pub from_email: Option<String>,
    pub from_phone: Option<String>,
    pub metadata: serde_json::Value,
    pub customer_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub dedup_key: Option<String>,
    /// The alarm's identity (`calls::alarm_identity`), with `dedup_key`.
    pub alarm_key: Option<String>,
    pub action: AlarmAction,
    pub acknowledged: bool,
    pub created_by: Actor,
}

fn to_call(m: row::Model) -> Result<Call, StoreError> {
    let corrupt = |what: &str| StoreError::corrupt("calls", format!("{}: {what}", m.id));
    Ok(Call {
        channel: Channel::parse(&m.channel).ok_or_else(|| corrupt("channel"))?,
        action: AlarmAction::parse(&m.action).ok_or_else(|| corrupt("action"))?,
        state: CallState::parse(&m.state).ok_or_else(|| corrupt("state"))?,
        dismiss_reason: m
            .dismiss_reason
            .as_deref()
            .map(|r| DismissReason::parse(r).ok_or_else(|| corrupt("dismiss_reason")))
            .transpose()?,
        metadata: serde_json::from_str(&m.metadata).map_err(|_| corrupt("metadata"))?,
        triaged_by: Actor { user_id: m.triaged_by_user_id, api_key_id: m.triaged_by_api_key_id },
        created_by: Actor { user_id: m.created_by_user_id, api_key_id: m.created_by_api_key_id },
        id: m.id,
        number: m.number,
        subject: m.subject,
        body: m.body,
        from_name: m.from_name,
        from_email: m.from_email,
        from_phone: m.from_phone,
        customer_id: m.customer_id,
        contact_id: m.contact_id,
        dedup_key: m.dedup_key,
        ticket_id: m.ticket_id,
        triaged_at: m.triaged_at,
        acknowledged: m.acknowledged,
        alarm_key: m.alarm_key,
        alarm_count: m.alarm_count,
        alarm_last_seen_at: m.alarm_last_seen_at,
        alarm_resolved_at: m.alarm_resolved_at,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub async fn create(
    conn: &impl ConnectionTrait,
    new: NewCall,
    prefix: &str,
    scheme: Scheme,
    now: DateTime<Utc>,
) -> Result<Call, StoreError> {
    let year = now.year();
    let number = numbering::format(prefix, year, sequences::draw(conn, scheme, "call", year).await?);
    let call = to_call(
        row::ActiveModel {
            id: Set(Uuid::now_v7()),
            number: Set(number),
            channel: Set(new.channel.as_str().to_owned()),
            subject: Set(new.subject),
            body: Set(new.body),
            from_name: Set(new.from_name),
            from_email: Set(new.from_email),
            from_phone: Set(new.from_phone),
            metadata: Set(new.metadata.to_string()),
            customer_id: Set(new.customer_id),
            contact_id: Set(new.contact_id),
            dedup_key: Set(new.dedup_key),
            action: Set(new.action.as_str().to_owned()),
            state: Set(CallState::Untriaged.as_str().to_owned()),
            ticket_id: Set(None),
            dismiss_reason: Set(None),
            triaged_by_user_id: Set(None),
            triaged_by_api_key_id: Set(None),
            triaged_at: Set(None),
            acknowledged: Set(new.acknowledged),
            alarm_last_seen_at: Set(new.alarm_key.as_ref().map(|_| now)),
            alarm_key: Set(new.alarm_key),
            alarm_count: Set(1),
            alarm_resolved_at: Set(None),
            created_by_user_id: Set(new.created_by.user_id),
            created_by_api_key_id: Set(new.created_by.api_key_id),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(conn)
        .await?,
    )?;
    crate::webhooks::tell(conn, &[Event::new(EventType::CallReceived, "call", call.id)], now).await?;
    Ok(call)
}

/// The untriaged call of an alarm (by its identity), if one waits.
pub async fn untriaged_by_alarm_key(conn: &impl ConnectionTrait, alarm_key: &str) -> Result<Option<Call>, StoreError> {
    let found = row::Entity::find()
        .filter(row::Column::AlarmKey.eq(alarm_key))
        .filter(row::Column::State.eq(CallState::Untriaged.as_str()))
        .order_by_desc(row::Column::Id)
        .one(conn)
        .await?;
    found.map(to_call).transpose()
}

fn alarm_columns() -> AlarmColumns<row::Column> {
    AlarmColumns {
        id: row::Column::Id,
        count: row::Column::AlarmCount,
        last_seen_at: row::Column::AlarmLastSeenAt,
        resolved_at: row::Column::AlarmResolvedAt,
        version: row::Column::Version,
        updated_at: row::Column::UpdatedAt,
    }
}

/// Counts one more trigger of a waiting alarm call (a trigger after a clear sets it again).
pub async fn repeat_alarm(conn: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<Call, StoreError> {
    alarm_state::record::<row::Entity>(conn, alarm_columns(), id, Report::Fired, now).await?;
    get(conn, id).await
}

/// Records that a waiting alarm call's alarm cleared.
pub async fn resolve_alarm(conn: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<Call, StoreError> {
    alarm_state::record::<row::Entity>(conn, alarm_columns(), id, Report::Cleared, now).await?;
    get(conn, id).await
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Call, StoreError> {
    to_call(row::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?)
}

/// Calls in creation order (oldest first), optionally of one state.
pub async fn list(conn: &impl ConnectionTrait, state: Option<CallState>, req: PageRequest) -> Result<Page<Call>, StoreError> {
    let mut select = row::Entity::find();
    if let Some(state) = state {
        select = select.filter(row::Column::State.eq(state.as_str()));
    }
    page::fetch(conn, select, row::Column::Id, row::Column::UpdatedAt, req, |m| (m.updated_at, m.id)).await?.try_map(to_call)
}

/// Records whether the sender was (or will be) acknowledged.
pub async fn set_acknowledged(conn: &impl ConnectionTrait, id: Uuid, acknowledged: bool) -> Result<(), StoreError> {
    row::Entity::update_many()
        .col_expr(row::Column::Acknowledged, Expr::value(acknowledged))
        .filter(row::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Adds `entries` (a JSON object) to the call's metadata, replacing keys it has.
pub async fn add_metadata(
    conn: &impl ConnectionTrait,
    id: Uuid,
    entries: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<Call, StoreError> {
    let call = get(conn, id).await?;
    let mut metadata = call.metadata;
    if let (Some(into), Some(from)) = (metadata.as_object_mut(), entries.as_object()) {
        for (k, v) in from {
            into.insert(k.clone(), v.clone());
        }
    }
    row::Entity::update_many()
        .col_expr(row::Column::Metadata, Expr::value(metadata.to_string()))
        .col_expr(row::Column::UpdatedAt, Expr::value(now))
        .filter(row::Column::Id.eq(id))
        .exec(conn)
        .await?;
    get(conn, id).await
}

/// The calls of these contacts still waiting for triage, newest first (at most `limit`).
pub async fn waiting_of_contacts(conn: &impl ConnectionTrait, contact_ids: &[Uuid], limit: u64) -> Result<Vec<Call>, StoreError> {
    if contact_ids.is_empty() {
        return Ok(Vec::new());
    }
    use sea_orm::{QueryOrder, QuerySelect};
    row::Entity::find()
        .filter(row::Column::ContactId.is_in(contact_ids.iter().copied()))
        .filter(row::Column::State.eq(CallState::Untriaged.as_str()))
        .order_by_desc(row::Column::Id)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(to_call)
        .collect()
}

/// The requests a portal user made that are still waiting to be triaged (once triaged they
/// are tickets, or dismissed), oldest first: a requester's own, a manager's company's.
pub async fn waiting_for_portal(
    conn: &impl ConnectionTrait,
    visibility: &servdesk_domain::Visibility,
    req: PageRequest,
) -> Result<Page<Call>, StoreError> {
    let scope = match visibility {
        servdesk_domain::Visibility::Requester { contact_id } => row::Column::ContactId.eq(*contact_id),
        servdesk_domain::Visibility::Company { customer_id } => row::Column::CustomerId.eq(*customer_id),
        _ => return Ok(Page::empty()),
    };
    let select = row::Entity::find().filter(scope).filter(row::Column::State.eq(CallState::Untriaged.as_str()));
    page::fetch(conn, select, row::Column::Id, row::Column::UpdatedAt, req, |m| (m.updated_at, m.id)).await?.try_map(to_call)
}

/// The triage outcome, recorded only if the call is still untriaged. False when someone
/// else triaged it first.
pub async fn triage(
    conn: &impl ConnectionTrait,
    id: Uuid,
    state: CallState,
    ticket_id: Option<Uuid>,
    reason: Option<DismissReason>,
    by: Actor,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let result = row::Entity::update_many()
        .col_expr(row::Column::State, Expr::value(state.as_str()))
        .col_expr(row::Column::TicketId, Expr::value(ticket_id))
        .col_expr(row::Column::DismissReason, Expr::value(reason.map(|r| r.as_str())))
        .col_expr(row::Column::TriagedByUserId, Expr::value(by.user_id))
        .col_expr(row::Column::TriagedByApiKeyId, Expr::value(by.api_key_id))
        .col_expr(row::Column::TriagedAt, Expr::value(now))
        .col_expr(row::Column::Version, Expr::col(row::Column::Version).add(1))
        .col_expr(row::Column::UpdatedAt, Expr::value(now))
        .filter(row::Column::Id.eq(id))
        .filter(row::Column::State.eq(CallState::Untriaged.as_str()))
        .exec(conn)
        .await?;
    let triaged = result.rows_affected == 1;
    if triaged {
        let previous = serde_json::json!({"state": CallState::Untriaged.as_str()});
        let event = Event { previous: Some(previous), ..Event::new(EventType::CallTriaged, "call", id) };
        crate::webhooks::tell(conn, &[event], now).await?;
    }
    Ok(triaged)
}
