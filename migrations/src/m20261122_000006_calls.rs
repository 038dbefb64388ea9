//! Calls: raw inbound messages awaiting triage, numbered `C-YYYY-NNNNNN`; and the alarm
//! columns of tickets, so a monitoring system's repeated trigger lands on its open ticket.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Calls {
    Table,
    Id,
    Number,
    Channel,
    Subject,
    Body,
    FromName,
    FromEmail,
    FromPhone,
    Metadata,
    CustomerId,
    ContactId,
    DedupKey,
    Action,
    State,
    TicketId,
    DismissReason,
    TriagedByUserId,
    TriagedByApiKeyId,
    TriagedAt,
    Acknowledged,
    CreatedByUserId,
    CreatedByApiKeyId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
    AlarmKey,
    AlarmCount,
    AlarmLastSeenAt,
    AlarmResolvedAt,
}

/// Rows to lock on, by name: serialises work on one monitoring alarm across processes.
#[derive(DeriveIden)]
enum NamedLocks {
    Table,
    Name,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Calls as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(uuid(C::Id).primary_key())
                    .col(string_len_uniq(C::Number, 32))
                    .col(string_len(C::Channel, 16))
                    .col(text_null(C::Subject))
                    .col(text_null(C::Body))
                    .col(string_len_null(C::FromName, 200))
                    .col(string_len_null(C::FromEmail, 254))
                    .col(string_len_null(C::FromPhone, 32))
                    .col(text(C::Metadata).default("{}"))
                    .col(uuid_null(C::CustomerId))
                    .col(uuid_null(C::ContactId))
                    .col(string_len_null(C::DedupKey, 200))
                    .col(string_len(C::Action, 16))
                    .col(string_len(C::State, 16))
                    .col(uuid_null(C::TicketId))
                    .col(string_len_null(C::DismissReason, 16))
                    .col(uuid_null(C::TriagedByUserId))
                    .col(uuid_null(C::TriagedByApiKeyId))
                    .col(timestamp_with_time_zone_null(C::TriagedAt))
                    .col(boolean(C::Acknowledged).default(false))
                    .col(uuid_null(C::CreatedByUserId))
                    .col(uuid_null(C::CreatedByApiKeyId))
                    .col(big_integer(C::Version).default(1))
                    .col(timestamp_with_time_zone(C::CreatedAt))
                    .col(timestamp_with_time_zone(C::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(C::Table, C::CustomerId)
                            .to(Customers::Table, Customers::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(C::Table, C::ContactId)
                            .to(Contacts::Table, Contacts::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(C::Table, C::TicketId)
                            .to(Tickets::Table, Tickets::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(Index::create().name("ix_calls_state").table(C::Table).col(C::State).col(C::Id).to_owned()).await?;
        manager.create_index(Index::create().name("ix_calls_updated").table(C::Table).col(C::UpdatedAt).col(C::Id).to_owned()).await?;

        manager
            .create_table(Table::create().table(NamedLocks::Table).col(string_len(NamedLocks::Name, 250).primary_key()).to_owned())
            .await?;

        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for col in [
            string_len_null(Tickets::AlarmKey, 200),
            integer(Tickets::AlarmCount).default(0).to_owned(),
            timestamp_with_time_zone_null(Tickets::AlarmLastSeenAt),
            timestamp_with_time_zone_null(Tickets::AlarmResolvedAt),
        ] {
            manager.alter_table(Table::alter().table(Tickets::Table).add_column(col).to_owned()).await?;
        }
        manager.create_index(Index::create().name("ix_tickets_alarm_key").table(Tickets::Table).col(Tickets::AlarmKey).to_owned()).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("ix_tickets_alarm_key").table(Tickets::Table).to_owned()).await?;
        for col in [Tickets::AlarmResolvedAt, Tickets::AlarmLastSeenAt, Tickets::AlarmCount, Tickets::AlarmKey] {
            manager.alter_table(Table::alter().table(Tickets::Table).drop_column(col).to_owned()).await?;
        }
        manager.drop_table(Table::drop().table(NamedLocks::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Calls::Table).to_owned()).await
    }
}
