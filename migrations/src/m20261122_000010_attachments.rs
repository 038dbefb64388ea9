//! Attachments: metadata in the database, content in the object store under `storage_key`.
//! An attachment belongs to a call, a ticket or both (a converted call's files stay with the
//! call and show on its ticket), and optionally to one comment of that ticket.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
    CallId,
    TicketId,
    CommentId,
    Filename,
    ContentType,
    SizeBytes,
    Sha256,
    StorageKey,
    UploadedByUserId,
    UploadedByApiKeyId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Calls {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum TicketComments {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Attachments as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(uuid(A::Id).primary_key())
                    .col(uuid_null(A::CallId))
                    .col(uuid_null(A::TicketId))
                    .col(uuid_null(A::CommentId))
                    .col(string_len(A::Filename, 255))
                    .col(string_len(A::ContentType, 255))
                    .col(big_integer(A::SizeBytes))
                    .col(string_len(A::Sha256, 64))
                    .col(string_len(A::StorageKey, 255).unique_key())
                    .col(uuid_null(A::UploadedByUserId))
                    .col(uuid_null(A::UploadedByApiKeyId))
                    .col(timestamp_with_time_zone(A::CreatedAt))
                    .foreign_key(
                        ForeignKey::create().from(A::Table, A::CallId).to(Calls::Table, Calls::Id).on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(A::Table, A::TicketId)
                            .to(Tickets::Table, Tickets::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(A::Table, A::CommentId)
                            .to(TicketComments::Table, TicketComments::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(Index::create().name("ix_attachments_ticket").table(A::Table).col(A::TicketId).col(A::Id).to_owned()).await?;
        manager.create_index(Index::create().name("ix_attachments_call").table(A::Table).col(A::CallId).col(A::Id).to_owned()).await?;
        manager.create_index(Index::create().name("ix_attachments_comment").table(A::Table).col(A::CommentId).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Attachments::Table).to_owned()).await
    }
}
