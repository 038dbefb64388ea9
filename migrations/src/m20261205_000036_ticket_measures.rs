//! Each ticket's measures for reports (see `servdesk_domain::reports::Measures`): kept
//! beside the ticket as it changes, so a report over a million tickets reads one narrow row
//! per ticket instead of replaying timelines; and the indexes reports find their period by.
//! Tickets that exist already get their measures from what the ticket row keeps (calendar
//! minutes; business minutes and class times start with their next change).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TicketMeasures {
    Table,
    TicketId,
    Class,
    ClassSince,
    NewSeconds,
    OpenSeconds,
    PendingSeconds,
    ResolvedSeconds,
    FirstResponseAt,
    FirstResponseBy,
    FirstResponseMinutes,
    FirstResponseBusinessMinutes,
    ClosedAt,
    ClosedBy,
    CloseMinutes,
    CloseBusinessMinutes,
    Reopens,
    FirstResponseState,
    FirstResponseDueAt,
    ResolutionState,
    ResolutionDueAt,
    NextResponseState,
    NextResponseDueAt,
    NextResponsesMet,
    NextResponsesMissed,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
}

/// What reports find their period by.
const INDEXES: [(&str, &str, &str); 6] = [
    ("ix_tickets_created_at", "tickets", "created_at"),
    ("ix_tickets_closed_at", "tickets", "closed_at"),
    ("ix_ticket_measures_first_response", "ticket_measures", "first_response_at"),
    ("ix_ticket_measures_closed", "ticket_measures", "closed_at"),
    ("ix_ticket_comments_created_at", "ticket_comments", "created_at"),
    ("ix_calls_created_at", "calls", "created_at"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use TicketMeasures as M;
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .col(uuid(M::TicketId).primary_key())
                    .col(string_len_null(M::Class, 16))
                    .col(timestamp_with_time_zone_null(M::ClassSince))
                    .col(big_integer(M::NewSeconds).default(0))
                    .col(big_integer(M::OpenSeconds).default(0))
                    .col(big_integer(M::PendingSeconds).default(0))
                    .col(big_integer(M::ResolvedSeconds).default(0))
                    .col(timestamp_with_time_zone_null(M::FirstResponseAt))
                    .col(uuid_null(M::FirstResponseBy))
                    .col(big_integer_null(M::FirstResponseMinutes))
                    .col(big_integer_null(M::FirstResponseBusinessMinutes))
                    .col(timestamp_with_time_zone_null(M::ClosedAt))
                    .col(uuid_null(M::ClosedBy))
                    .col(big_integer_null(M::CloseMinutes))
                    .col(big_integer_null(M::CloseBusinessMinutes))
                    .col(integer(M::Reopens).default(0))
                    .col(string_len_null(M::FirstResponseState, 16))
                    .col(timestamp_with_time_zone_null(M::FirstResponseDueAt))
                    .col(string_len_null(M::ResolutionState, 16))
                    .col(timestamp_with_time_zone_null(M::ResolutionDueAt))
                    .col(string_len_null(M::NextResponseState, 16))
                    .col(timestamp_with_time_zone_null(M::NextResponseDueAt))
                    .col(integer(M::NextResponsesMet).default(0))
                    .col(integer(M::NextResponsesMissed).default(0))
                    .foreign_key(
                        ForeignKey::create()
                            .from(M::Table, M::TicketId)
                            .to(Tickets::Table, Tickets::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for (name, table, column) in INDEXES {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON {table} ({column})")).await?;
        }
        // Reopenings are counted from the timeline: a small index of just those.
        db.execute_unprepared("CREATE INDEX ix_ticket_events_reopened ON ticket_events (at) WHERE kind = 'reopened'").await?;
        let minutes = |from: &str, to: &str| match manager.get_database_backend() {
            DbBackend::Postgres => format!("CAST(FLOOR(EXTRACT(EPOCH FROM ({to} - {from})) / 60) AS BIGINT)"),
            _ => format!("CAST((julianday({to}) - julianday({from})) * 1440 AS INTEGER)"),
        };
        db.execute_unprepared(&format!(
            "INSERT INTO ticket_measures (ticket_id, class, class_since, first_response_at, first_response_minutes, closed_at, close_minutes) \
             SELECT t.id, d.class, t.updated_at, t.first_response_at, \
                    CASE WHEN t.first_response_at IS NULL THEN NULL ELSE {} END, \
                    t.closed_at, CASE WHEN t.closed_at IS NOT NULL AND d.class = 'closed' THEN {} ELSE NULL END \
               FROM tickets t LEFT JOIN dictionary_entries d ON d.id = t.status_id",
            minutes("t.reported_at", "t.first_response_at"),
            minutes("t.reported_at", "t.closed_at")
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS ix_ticket_events_reopened").await?;
        for (name, _, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}")).await?;
        }
        manager.drop_table(Table::drop().table(TicketMeasures::Table).to_owned()).await?;
        Ok(())
    }
}
