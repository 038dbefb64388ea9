//! Tasks (work orders) of tickets, numbered per ticket from the ticket's own counter
//! (`tickets.task_seq`, incremented under the ticket's row lock: no gaps, no repeats).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tasks {
    Table,
    Id,
    TicketId,
    Seq,
    Number,
    Title,
    Description,
    CategoryId,
    TypeId,
    PlannedStart,
    PlannedEnd,
    CustomerId,
    LocationId,
    ContactId,
    PriorityId,
    AssigneeId,
    PartnerId,
    Paid,
    NotifyAssignee,
    Status,
    CompletedAt,
    CreatedBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
    TaskSeq,
}

#[derive(DeriveIden)]
enum DictionaryEntries {
    Table,
    Id,
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
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Partners {
    Table,
    Id,
}

fn fk(from: Tasks, to_table: impl IntoIden, to_col: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(Tasks::Table, from).to(to_table, to_col).on_delete(ForeignKeyAction::Restrict).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Tasks as T;
        manager.alter_table(Table::alter().table(Tickets::Table).add_column(integer(Tickets::TaskSeq).default(0)).to_owned()).await?;
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .col(uuid(T::Id).primary_key())
                    .col(uuid(T::TicketId))
                    .col(integer(T::Seq))
                    .col(string_len(T::Number, 48).unique_key())
                    .col(string_len(T::Title, 200))
                    .col(text_null(T::Description))
                    .col(uuid_null(T::CategoryId))
                    .col(uuid_null(T::TypeId))
                    .col(timestamp_with_time_zone_null(T::PlannedStart))
                    .col(timestamp_with_time_zone_null(T::PlannedEnd))
                    .col(uuid_null(T::CustomerId))
                    .col(uuid_null(T::LocationId))
                    .col(uuid_null(T::ContactId))
                    .col(uuid(T::PriorityId))
                    .col(uuid_null(T::AssigneeId))
                    .col(uuid_null(T::PartnerId))
                    .col(boolean(T::Paid).default(false))
                    .col(boolean(T::NotifyAssignee).default(false))
                    .col(string_len(T::Status, 16))
                    .col(timestamp_with_time_zone_null(T::CompletedAt))
                    .col(uuid_null(T::CreatedBy))
                    .col(big_integer(T::Version).default(1))
                    .col(timestamp_with_time_zone(T::CreatedAt))
                    .col(timestamp_with_time_zone(T::UpdatedAt))
                    .foreign_key(&mut fk(T::TicketId, Tickets::Table, Tickets::Id))
                    .foreign_key(&mut fk(T::CategoryId, DictionaryEntries::Table, DictionaryEntries::Id))
                    .foreign_key(&mut fk(T::TypeId, DictionaryEntries::Table, DictionaryEntries::Id))
                    .foreign_key(&mut fk(T::PriorityId, DictionaryEntries::Table, DictionaryEntries::Id))
                    .foreign_key(&mut fk(T::CustomerId, Customers::Table, Customers::Id))
                    .foreign_key(&mut fk(T::LocationId, Locations::Table, Locations::Id))
                    .foreign_key(&mut fk(T::ContactId, Contacts::Table, Contacts::Id))
                    .foreign_key(&mut fk(T::AssigneeId, Users::Table, Users::Id))
                    .foreign_key(&mut fk(T::PartnerId, Partners::Table, Partners::Id))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("ix_tasks_ticket", vec![T::TicketId, T::Seq]),
            ("ix_tasks_assignee_planned", vec![T::AssigneeId, T::PlannedStart]),
            ("ix_tasks_partner", vec![T::PartnerId, T::Id]),
            ("ix_tasks_status", vec![T::Status, T::Id]),
        ] {
            let mut index = Index::create().name(name).table(T::Table).to_owned();
            for col in cols {
                index.col(col);
            }
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Tasks::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Tickets::Table).drop_column(Tickets::TaskSeq).to_owned()).await
    }
}
