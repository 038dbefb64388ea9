//! Web forms that websites embed or post to: their fields, routing, allowed origins and
//! language. A submission becomes a call (its answers kept in the call's metadata).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebForms {
    Table,
    Id,
    Slug,
    Title,
    Description,
    Language,
    Fields,
    AllowedOrigins,
    SuccessText,
    ThankYouUrl,
    AutoConvert,
    Routing,
    MinFillSeconds,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebForms::Table)
                    .col(uuid(WebForms::Id).primary_key())
                    .col(string_len_uniq(WebForms::Slug, 64))
                    .col(string_len(WebForms::Title, 200))
                    .col(text_null(WebForms::Description))
                    .col(string_len(WebForms::Language, 16))
                    .col(text(WebForms::Fields))
                    .col(text(WebForms::AllowedOrigins))
                    .col(text(WebForms::SuccessText))
                    .col(text_null(WebForms::ThankYouUrl))
                    .col(boolean(WebForms::AutoConvert).default(false))
                    .col(text(WebForms::Routing))
                    .col(integer(WebForms::MinFillSeconds).default(3))
                    .col(boolean(WebForms::Active).default(true))
                    .col(big_integer(WebForms::Version).default(1))
                    .col(timestamp_with_time_zone(WebForms::CreatedAt))
                    .col(timestamp_with_time_zone(WebForms::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(WebForms::Table).to_owned()).await
    }
}
