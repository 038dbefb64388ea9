//! Canned responses: reply templates per language.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CannedResponses {
    Table,
    Id,
    Name,
    Language,
    Body,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use CannedResponses as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(uuid(C::Id).primary_key())
                    .col(string_len(C::Name, 200))
                    .col(string_len(C::Language, 16))
                    .col(text(C::Body))
                    .col(boolean(C::Active).default(true))
                    .col(big_integer(C::Version).default(1))
                    .col(timestamp_with_time_zone(C::CreatedAt))
                    .col(timestamp_with_time_zone(C::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ux_canned_name_language").table(C::Table).col(C::Name).col(C::Language).unique().to_owned())
            .await?;
        manager.create_index(Index::create().name("ix_canned_updated").table(C::Table).col(C::UpdatedAt).col(C::Id).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(CannedResponses::Table).to_owned()).await
    }
}
