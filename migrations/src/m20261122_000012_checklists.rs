//! Checklists: to-do lines on a ticket or on one of its tasks (`task_id` set). Every line
//! carries its ticket, so a ticket's checklist progress is one indexed count.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ChecklistItems {
    Table,
    Id,
    TicketId,
    TaskId,
    Position,
    Text,
    Checked,
    CheckedBy,
    CheckedAt,
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
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ChecklistItems as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(uuid(C::Id).primary_key())
                    .col(uuid(C::TicketId))
                    .col(uuid_null(C::TaskId))
                    .col(integer(C::Position))
                    .col(string_len(C::Text, 500))
                    .col(boolean(C::Checked).default(false))
                    .col(uuid_null(C::CheckedBy))
                    .col(timestamp_with_time_zone_null(C::CheckedAt))
                    .col(big_integer(C::Version).default(1))
                    .col(timestamp_with_time_zone(C::CreatedAt))
                    .col(timestamp_with_time_zone(C::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(C::Table, C::TicketId)
                            .to(Tickets::Table, Tickets::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create().from(C::Table, C::TaskId).to(Tasks::Table, Tasks::Id).on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create().from(C::Table, C::CheckedBy).to(Users::Table, Users::Id).on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_checklist_items_ticket")
                    .table(C::Table)
                    .col(C::TicketId)
                    .col(C::TaskId)
                    .col(C::Position)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_checklist_items_task").table(C::Table).col(C::TaskId).col(C::Position).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ChecklistItems::Table).to_owned()).await
    }
}
