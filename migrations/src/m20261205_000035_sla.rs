//! SLA policies on business calendars, and each ticket's SLA state: its policy, what its
//! clocks were computed from (pauses, the customer's reply awaiting an answer) and what lists
//! filter and sort by (the earliest due time and warning of its running clocks, whether a
//! target was missed), with which warnings and breaches were told already and when the next
//! may fall due (what the watcher looks for).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum BusinessCalendars {
    Table,
    Id,
    Name,
    TimeZone,
    Week,
    Holidays,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SlaPolicies {
    Table,
    Id,
    Name,
    Position,
    Active,
    Conditions,
    CalendarId,
    FirstResponseMinutes,
    NextResponseMinutes,
    ResolutionMinutes,
    WarnAtPercent,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    SlaPolicyId,
    SlaDueAt,
    SlaWarnAt,
    SlaBreached,
    SlaPausedSince,
    SlaPauses,
    SlaAwaitingSince,
    SlaTold,
    SlaWatchAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use BusinessCalendars as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(uuid(C::Id).primary_key())
                    .col(string_len(C::Name, 200))
                    .col(string_len(C::TimeZone, 64))
                    .col(text(C::Week))
                    .col(text(C::Holidays))
                    .col(big_integer(C::Version).default(1))
                    .col(timestamp_with_time_zone(C::CreatedAt))
                    .col(timestamp_with_time_zone(C::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        use SlaPolicies as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(uuid(P::Id).primary_key())
                    .col(string_len(P::Name, 200))
                    .col(integer(P::Position).default(0))
                    .col(boolean(P::Active).default(true))
                    .col(text(P::Conditions))
                    .col(uuid(P::CalendarId))
                    .col(integer_null(P::FirstResponseMinutes))
                    .col(integer_null(P::NextResponseMinutes))
                    .col(integer_null(P::ResolutionMinutes))
                    .col(integer(P::WarnAtPercent).default(80))
                    .col(big_integer(P::Version).default(1))
                    .col(timestamp_with_time_zone(P::CreatedAt))
                    .col(timestamp_with_time_zone(P::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create().from(P::Table, P::CalendarId).to(C::Table, C::Id).on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        use Tickets as T;
        let columns = [
            ColumnDef::new(T::SlaPolicyId).uuid().null().to_owned(),
            ColumnDef::new(T::SlaDueAt).timestamp_with_time_zone().null().to_owned(),
            ColumnDef::new(T::SlaWarnAt).timestamp_with_time_zone().null().to_owned(),
            ColumnDef::new(T::SlaBreached).boolean().not_null().default(false).to_owned(),
            ColumnDef::new(T::SlaPausedSince).timestamp_with_time_zone().null().to_owned(),
            ColumnDef::new(T::SlaPauses).text().not_null().default("[]").to_owned(),
            ColumnDef::new(T::SlaAwaitingSince).timestamp_with_time_zone().null().to_owned(),
            ColumnDef::new(T::SlaTold).text().not_null().default("").to_owned(),
            ColumnDef::new(T::SlaWatchAt).timestamp_with_time_zone().null().to_owned(),
        ];
        // One column per statement: SQLite adds one at a time.
        for mut column in columns {
            manager.alter_table(Table::alter().table(T::Table).add_column(&mut column).to_owned()).await?;
        }
        // What the warning job and `sla=` lists look for.
        manager.create_index(Index::create().name("ix_tickets_sla_due").table(T::Table).col(T::SlaDueAt).to_owned()).await?;
        manager.create_index(Index::create().name("ix_tickets_sla_warn").table(T::Table).col(T::SlaWarnAt).to_owned()).await?;
        manager.create_index(Index::create().name("ix_tickets_sla_watch").table(T::Table).col(T::SlaWatchAt).to_owned()).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Tickets as T;
        manager.drop_index(Index::drop().name("ix_tickets_sla_watch").table(T::Table).to_owned()).await?;
        manager.drop_index(Index::drop().name("ix_tickets_sla_warn").table(T::Table).to_owned()).await?;
        manager.drop_index(Index::drop().name("ix_tickets_sla_due").table(T::Table).to_owned()).await?;
        for column in
            [T::SlaTold, T::SlaAwaitingSince, T::SlaPauses, T::SlaPausedSince, T::SlaBreached, T::SlaWarnAt, T::SlaDueAt, T::SlaPolicyId]
        {
            manager.alter_table(Table::alter().table(T::Table).drop_column(column).to_owned()).await?;
        }
        manager.drop_table(Table::drop().table(SlaPolicies::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(BusinessCalendars::Table).to_owned()).await?;
        Ok(())
    }
}
