//! Time worked: each user's cost rate (and, for partners' field staff, their partner), the
//! running stopwatches (one per user: the user is the key) and the time entries they write.
//! Also the per-user calendar feed token (its hash) the planner's iCalendar feed checks.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    CostRateMinor,
    CalendarTokenHash,
}

#[derive(DeriveIden)]
enum Timers {
    Table,
    UserId,
    TicketId,
    TaskId,
    StartedAt,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TimeEntries {
    Table,
    Id,
    UserId,
    TicketId,
    TaskId,
    CustomerId,
    StartedAt,
    EndedAt,
    WorkDate,
    Minutes,
    Note,
    Billable,
    RateMinor,
    CostMinor,
    NeedsReview,
    Source,
    CreatedBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Tasks {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
}

fn fk(table: impl IntoIden, from: impl IntoIden, to_table: impl IntoIden, to_col: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(table, from).to(to_table, to_col).on_delete(ForeignKeyAction::Restrict).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Users::Table).add_column(big_integer(Users::CostRateMinor).default(0)).to_owned()).await?;
        manager
            .alter_table(Table::alter().table(Users::Table).add_column(string_len_null(Users::CalendarTokenHash, 64)).to_owned())
            .await?;
        // sea-query cannot add a foreign key to an existing SQLite table; both databases accept
        // a REFERENCES clause on a new nullable column.
        let uuid_type = if manager.get_database_backend() == DbBackend::Sqlite { "uuid_text" } else { "uuid" };
        manager
            .get_connection()
            .execute_unprepared(&format!("ALTER TABLE users ADD COLUMN partner_id {uuid_type} NULL REFERENCES partners (id)"))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Timers::Table)
                    .col(uuid(Timers::UserId).primary_key())
                    .col(uuid(Timers::TicketId))
                    .col(uuid_null(Timers::TaskId))
                    .col(timestamp_with_time_zone(Timers::StartedAt))
                    .col(text_null(Timers::Note))
                    .col(timestamp_with_time_zone(Timers::CreatedAt))
                    .foreign_key(&mut fk(Timers::Table, Timers::UserId, Users::Table, Users::Id))
                    .foreign_key(&mut fk(Timers::Table, Timers::TicketId, Tickets::Table, Tickets::Id))
                    .foreign_key(&mut fk(Timers::Table, Timers::TaskId, Tasks::Table, Tasks::Id))
                    .to_owned(),
            )
            .await?;
        use TimeEntries as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(uuid(E::Id).primary_key())
                    .col(uuid(E::UserId))
                    .col(uuid(E::TicketId))
                    .col(uuid_null(E::TaskId))
                    .col(uuid_null(E::CustomerId))
                    .col(timestamp_with_time_zone_null(E::StartedAt))
                    .col(timestamp_with_time_zone_null(E::EndedAt))
                    .col(date(E::WorkDate))
                    .col(integer(E::Minutes))
                    .col(text_null(E::Note))
                    .col(boolean(E::Billable))
                    .col(big_integer(E::RateMinor))
                    .col(big_integer(E::CostMinor))
                    .col(boolean(E::NeedsReview).default(false))
                    .col(string_len(E::Source, 16))
                    .col(uuid_null(E::CreatedBy))
                    .col(big_integer(E::Version).default(1))
                    .col(timestamp_with_time_zone(E::CreatedAt))
                    .col(timestamp_with_time_zone(E::UpdatedAt))
                    .foreign_key(&mut fk(E::Table, E::UserId, Users::Table, Users::Id))
                    .foreign_key(&mut fk(E::Table, E::TicketId, Tickets::Table, Tickets::Id))
                    .foreign_key(&mut fk(E::Table, E::TaskId, Tasks::Table, Tasks::Id))
                    .foreign_key(&mut fk(E::Table, E::CustomerId, Customers::Table, Customers::Id))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("ix_time_entries_ticket", vec![E::TicketId, E::WorkDate]),
            ("ix_time_entries_task", vec![E::TaskId]),
            ("ix_time_entries_user", vec![E::UserId, E::WorkDate]),
            ("ix_time_entries_customer", vec![E::CustomerId, E::WorkDate]),
            ("ix_time_entries_date", vec![E::WorkDate, E::Id]),
        ] {
            let mut index = Index::create().name(name).table(E::Table).to_owned();
            for col in cols {
                index.col(col);
            }
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(TimeEntries::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Timers::Table).to_owned()).await?;
        for column in ["partner_id", "calendar_token_hash", "cost_rate_minor"] {
            manager.get_connection().execute_unprepared(&format!("ALTER TABLE users DROP COLUMN {column}")).await?;
        }
        Ok(())
    }
}
