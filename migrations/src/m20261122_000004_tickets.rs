//! Tickets and their timeline. A ticket's number comes from the `ticket` sequence; its status,
//! priority, category and type reference dictionary entries (RESTRICT: an entry in use cannot
//! be deleted). Timeline events are append-only: the audit log.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
    Number,
    Title,
    Description,
    Details,
    Channel,
    CallId,
    CustomerId,
    LocationId,
    ContactId,
    EquipmentId,
    SerialNumber,
    CategoryId,
    TypeId,
    PriorityId,
    StatusId,
    TeamId,
    AssigneeId,
    ExpectedCloseOn,
    ReportedAt,
    Warranty,
    WarrantyDefault,
    WarrantyOverrideReason,
    Paid,
    Tags,
    CreatedBy,
    FirstResponseAt,
    ResolvedAt,
    ClosedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TicketEvents {
    Table,
    Id,
    TicketId,
    Kind,
    ActorUserId,
    ActorApiKeyId,
    At,
    Data,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Locations {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Equipment {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum DictionaryEntries {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Teams {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

fn restrict(col: Tickets, table: impl IntoIden, id: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(Tickets::Table, col).to(table, id).on_delete(ForeignKeyAction::Restrict).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Tickets as T;
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .col(uuid(T::Id).primary_key())
                    .col(string_len_uniq(T::Number, 32))
                    .col(string_len(T::Title, 300))
                    .col(text_null(T::Description))
                    .col(text_null(T::Details))
                    .col(string_len(T::Channel, 16))
                    .col(uuid_null(T::CallId))
                    .col(uuid_null(T::CustomerId))
                    .col(uuid_null(T::LocationId))
                    .col(uuid_null(T::ContactId))
                    .col(uuid_null(T::EquipmentId))
                    .col(string_len_null(T::SerialNumber, 100))
                    .col(uuid_null(T::CategoryId))
                    .col(uuid_null(T::TypeId))
                    .col(uuid(T::PriorityId))
                    .col(uuid(T::StatusId))
                    .col(uuid_null(T::TeamId))
                    .col(uuid_null(T::AssigneeId))
                    .col(date_null(T::ExpectedCloseOn))
                    .col(timestamp_with_time_zone(T::ReportedAt))
                    .col(boolean(T::Warranty).default(false))
                    .col(boolean(T::WarrantyDefault).default(false))
                    .col(text_null(T::WarrantyOverrideReason))
                    .col(boolean(T::Paid).default(false))
                    .col(text(T::Tags).default("[]"))
                    .col(uuid_null(T::CreatedBy))
                    .col(timestamp_with_time_zone_null(T::FirstResponseAt))
                    .col(timestamp_with_time_zone_null(T::ResolvedAt))
                    .col(timestamp_with_time_zone_null(T::ClosedAt))
                    .col(big_integer(T::Version).default(1))
                    .col(timestamp_with_time_zone(T::CreatedAt))
                    .col(timestamp_with_time_zone(T::UpdatedAt))
                    .foreign_key(&mut restrict(T::CustomerId, Customers::Table, Customers::Id))
                    .foreign_key(&mut restrict(T::LocationId, Locations::Table, Locations::Id))
                    .foreign_key(&mut restrict(T::ContactId, Contacts::Table, Contacts::Id))
                    .foreign_key(&mut restrict(T::EquipmentId, Equipment::Table, Equipment::Id))
                    .foreign_key(&mut restrict(T::CategoryId, DictionaryEntries::Table, DictionaryEntries::Id))
                    .foreign_key(&mut restrict(T::TypeId, DictionaryEntries::Table, DictionaryEntries::Id))
                    .foreign_key(&mut restrict(T::PriorityId, DictionaryEntries::Table, DictionaryEntries::Id))
                    .foreign_key(&mut restrict(T::StatusId, DictionaryEntries::Table, DictionaryEntries::Id))
                    .foreign_key(&mut restrict(T::TeamId, Teams::Table, Teams::Id))
                    .foreign_key(&mut restrict(T::AssigneeId, Users::Table, Users::Id))
                    .foreign_key(&mut restrict(T::CreatedBy, Users::Table, Users::Id))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("ix_tickets_updated", vec![T::UpdatedAt, T::Id]),
            ("ix_tickets_status", vec![T::StatusId]),
            ("ix_tickets_customer", vec![T::CustomerId]),
            ("ix_tickets_assignee", vec![T::AssigneeId]),
            ("ix_tickets_team", vec![T::TeamId]),
            ("ix_tickets_equipment", vec![T::EquipmentId]),
        ] {
            let mut index = Index::create();
            index.name(name).table(T::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }

        use TicketEvents as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(uuid(E::Id).primary_key())
                    .col(uuid(E::TicketId))
                    .col(string_len(E::Kind, 64))
                    .col(uuid_null(E::ActorUserId))
                    .col(uuid_null(E::ActorApiKeyId))
                    .col(timestamp_with_time_zone(E::At))
                    .col(text(E::Data))
                    .foreign_key(ForeignKey::create().from(E::Table, E::TicketId).to(T::Table, T::Id).on_delete(ForeignKeyAction::Restrict))
                    .foreign_key(
                        ForeignKey::create()
                            .from(E::Table, E::ActorUserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_ticket_events_ticket").table(E::Table).col(E::TicketId).col(E::Id).to_owned())
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(TicketEvents::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Tickets::Table).to_owned()).await
    }
}
