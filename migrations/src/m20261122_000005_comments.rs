//! Ticket comments: public replies to the contact and internal notes. Never edited.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TicketComments {
    Table,
    Id,
    TicketId,
    AuthorUserId,
    AuthorApiKeyId,
    Visibility,
    Body,
    Mentions,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tickets {
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
        use TicketComments as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(uuid(C::Id).primary_key())
                    .col(uuid(C::TicketId))
                    .col(uuid_null(C::AuthorUserId))
                    .col(uuid_null(C::AuthorApiKeyId))
                    .col(string_len(C::Visibility, 16))
                    .col(text(C::Body))
                    .col(text(C::Mentions).default("[]"))
                    .col(timestamp_with_time_zone(C::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(C::Table, C::TicketId)
                            .to(Tickets::Table, Tickets::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(C::Table, C::AuthorUserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(Index::create().name("ix_ticket_comments_ticket").table(C::Table).col(C::TicketId).col(C::Id).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(TicketComments::Table).to_owned()).await
    }
}
