//! Custom fields: the definitions admins make per ticket or task category, and the values on
//! tickets and tasks (one JSON object per record, keyed by the field's key).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CustomFieldDefinitions {
    Table,
    Id,
    Entity,
    CategoryId,
    Key,
    Label,
    Kind,
    Required,
    Min,
    Max,
    Pattern,
    Options,
    Position,
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
                    .table(CustomFieldDefinitions::Table)
                    .col(uuid(CustomFieldDefinitions::Id).primary_key())
                    .col(string_len(CustomFieldDefinitions::Entity, 20))
                    .col(uuid_null(CustomFieldDefinitions::CategoryId))
                    .col(string_len(CustomFieldDefinitions::Key, 64))
                    .col(string_len(CustomFieldDefinitions::Label, 200))
                    .col(string_len(CustomFieldDefinitions::Kind, 20))
                    .col(boolean(CustomFieldDefinitions::Required).default(false))
                    .col(double_null(CustomFieldDefinitions::Min))
                    .col(double_null(CustomFieldDefinitions::Max))
                    .col(text_null(CustomFieldDefinitions::Pattern))
                    .col(text(CustomFieldDefinitions::Options))
                    .col(integer(CustomFieldDefinitions::Position).default(0))
                    .col(boolean(CustomFieldDefinitions::Active).default(true))
                    .col(big_integer(CustomFieldDefinitions::Version).default(1))
                    .col(timestamp_with_time_zone(CustomFieldDefinitions::CreatedAt))
                    .col(timestamp_with_time_zone(CustomFieldDefinitions::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // A key names one field of a kind of record, whatever its category.
        manager
            .create_index(
                Index::create()
                    .name("ux_custom_field_definitions_key")
                    .table(CustomFieldDefinitions::Table)
                    .col(CustomFieldDefinitions::Entity)
                    .col(CustomFieldDefinitions::Key)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for table in ["tickets", "tasks"] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(ColumnDef::new(Alias::new("custom_fields")).text().not_null().default("{}"))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["tickets", "tasks"] {
            manager.alter_table(Table::alter().table(Alias::new(table)).drop_column(Alias::new("custom_fields")).to_owned()).await?;
        }
        manager.drop_table(Table::drop().table(CustomFieldDefinitions::Table).to_owned()).await
    }
}
