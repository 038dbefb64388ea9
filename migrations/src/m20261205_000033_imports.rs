//! Bulk imports of the directory (onboarding from a previous system): the uploaded file, its
//! progress and counts, and the rows it could not take with why. The file is kept in the row
//! until the import has run (it is text, at most the configured size), so an accepted upload
//! is in the same commit as the job that reads it and is never lost.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Imports {
    Table,
    Id,
    Kind,
    Format,
    DryRun,
    Status,
    FileName,
    Content,
    TotalRows,
    ProcessedRows,
    CreatedRows,
    UpdatedRows,
    FailedRows,
    Error,
    RequestedBy,
    StartedAt,
    FinishedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ImportErrors {
    Table,
    Id,
    ImportId,
    RowNumber,
    ExternalRef,
    Field,
    Code,
    Message,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Imports as I;
        manager
            .create_table(
                Table::create()
                    .table(I::Table)
                    .col(uuid(I::Id).primary_key())
                    .col(string_len(I::Kind, 20))
                    .col(string_len(I::Format, 8))
                    .col(boolean(I::DryRun).default(false))
                    .col(string_len(I::Status, 16))
                    .col(string_len_null(I::FileName, 255))
                    .col(text_null(I::Content))
                    .col(integer(I::TotalRows).default(0))
                    .col(integer(I::ProcessedRows).default(0))
                    .col(integer(I::CreatedRows).default(0))
                    .col(integer(I::UpdatedRows).default(0))
                    .col(integer(I::FailedRows).default(0))
                    .col(text_null(I::Error))
                    .col(uuid_null(I::RequestedBy))
                    .col(timestamp_with_time_zone_null(I::StartedAt))
                    .col(timestamp_with_time_zone_null(I::FinishedAt))
                    .col(big_integer(I::Version).default(1))
                    .col(timestamp_with_time_zone(I::CreatedAt))
                    .col(timestamp_with_time_zone(I::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager.create_index(Index::create().name("ix_imports_updated").table(I::Table).col(I::UpdatedAt).col(I::Id).to_owned()).await?;

        // One row per problem (a row of the file may have several); ids (UUID v7) in the
        // order found.
        use ImportErrors as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(uuid(E::Id).primary_key())
                    .col(uuid(E::ImportId))
                    .col(integer(E::RowNumber))
                    .col(string_len_null(E::ExternalRef, 128))
                    .col(string_len_null(E::Field, 200))
                    .col(string_len(E::Code, 64))
                    .col(text(E::Message))
                    .foreign_key(ForeignKey::create().from(E::Table, E::ImportId).to(I::Table, I::Id).on_delete(ForeignKeyAction::Cascade))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_import_errors_import").table(E::Table).col(E::ImportId).col(E::Id).to_owned())
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ImportErrors::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Imports::Table).to_owned()).await?;
        Ok(())
    }
}
