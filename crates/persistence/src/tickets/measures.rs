//! Each ticket's measures for reports, read and written beside its SLA standing (see
//! `sla::refresh`): one row per ticket, written whole.

use sea_orm::sea_query::{Expr, InsertStatement, OnConflict, SelectStatement};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, Iterable};
use servdesk_domain::dictionaries::StatusClass;
use servdesk_domain::reports::{ClassSeconds, Measures, Outcome, TargetState};
use uuid::Uuid;

use crate::entities::ticket_measures as row;
use crate::error::StoreError;

fn outcome(state: Option<String>, due_at: Option<chrono::DateTime<chrono::Utc>>) -> Outcome {
    Outcome { state: state.as_deref().and_then(TargetState::parse), due_at }
}

fn measures_of(m: row::Model) -> Measures {
    Measures {
        class: m.class.as_deref().and_then(StatusClass::parse),
        class_since: m.class_since,
        seconds_in: ClassSeconds { new: m.new_seconds, open: m.open_seconds, pending: m.pending_seconds, resolved: m.resolved_seconds },
        first_response_at: m.first_response_at,
        first_response_by: m.first_response_by,
        first_response_minutes: m.first_response_minutes,
        first_response_business_minutes: m.first_response_business_minutes,
        closed_at: m.closed_at,
        closed_by: m.closed_by,
        close_minutes: m.close_minutes,
        close_business_minutes: m.close_business_minutes,
        reopens: m.reopens,
        first_response: outcome(m.first_response_state, m.first_response_due_at),
        resolution: outcome(m.resolution_state, m.resolution_due_at),
        next_response: outcome(m.next_response_state, m.next_response_due_at),
        next_responses_met: m.next_responses_met,
        next_responses_missed: m.next_responses_missed,
    }
}

/// The ticket's measures (empty for a ticket not measured yet).
pub async fn get(conn: &impl ConnectionTrait, ticket_id: Uuid) -> Result<Measures, StoreError> {
    Ok(row::Entity::find_by_id(ticket_id).one(conn).await?.map(measures_of).unwrap_or_default())
}

fn model(ticket_id: Uuid, m: &Measures) -> row::ActiveModel {
    let state = |o: &Outcome| o.state.map(|s| s.as_str().to_owned());
    row::ActiveModel {
        ticket_id: Set(ticket_id),
        class: Set(m.class.map(|c| c.as_str().to_owned())),
        class_since: Set(m.class_since),
        new_seconds: Set(m.seconds_in.new),
        open_seconds: Set(m.seconds_in.open),
        pending_seconds: Set(m.seconds_in.pending),
        resolved_seconds: Set(m.seconds_in.resolved),
        first_response_at: Set(m.first_response_at),
        first_response_by: Set(m.first_response_by),
        first_response_minutes: Set(m.first_response_minutes),
        first_response_business_minutes: Set(m.first_response_business_minutes),
        closed_at: Set(m.closed_at),
        closed_by: Set(m.closed_by),
        close_minutes: Set(m.close_minutes),
        close_business_minutes: Set(m.close_business_minutes),
        reopens: Set(m.reopens),
        first_response_state: Set(state(&m.first_response)),
        first_response_due_at: Set(m.first_response.due_at),
        resolution_state: Set(state(&m.resolution)),
        resolution_due_at: Set(m.resolution.due_at),
        next_response_state: Set(state(&m.next_response)),
        next_response_due_at: Set(m.next_response.due_at),
        next_responses_met: Set(m.next_responses_met),
        next_responses_missed: Set(m.next_responses_missed),
    }
}

/// Writes the ticket's measures.
pub async fn put(conn: &impl ConnectionTrait, ticket_id: Uuid, m: &Measures) -> Result<(), StoreError> {
    let model = model(ticket_id, m);
    let every_other = row::Column::iter().filter(|c| !matches!(c, row::Column::TicketId));
    row::Entity::insert(model)
        .on_conflict(OnConflict::column(row::Column::TicketId).update_columns(every_other).to_owned())
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// A new ticket's first measures as `INSERT INTO ticket_measures … SELECT` of `values`'s
/// rows, for writing them in the statement that writes the ticket: `values` is handed the
/// row's values in column order and adds what ties it to the ticket's row.
pub(crate) fn insert_first(
    ticket_id: Uuid,
    m: &Measures,
    values: impl FnOnce(Vec<Expr>) -> SelectStatement,
) -> Result<InsertStatement, StoreError> {
    let model = model(ticket_id, m);
    let exprs = row::Column::iter().map(|c| crate::insert_select::value(&model, c)).collect();
    crate::insert_select::insert(row::Entity, row::Column::iter(), values(exprs))
}
