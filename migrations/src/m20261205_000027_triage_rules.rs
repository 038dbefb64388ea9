//! Triage rules: ordered conditions and an action, applied to every call at intake.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TriageRules {
    Table,
    Id,
    Name,
    Position,
    Active,
    Conditions,
    Action,
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
                    .table(TriageRules::Table)
                    .col(uuid(TriageRules::Id).primary_key())
                    .col(string_len(TriageRules::Name, 200))
                    .col(integer(TriageRules::Position))
                    .col(boolean(TriageRules::Active).default(true))
                    .col(text(TriageRules::Conditions))
                    .col(text(TriageRules::Action))
                    .col(big_integer(TriageRules::Version).default(1))
                    .col(timestamp_with_time_zone(TriageRules::CreatedAt))
                    .col(timestamp_with_time_zone(TriageRules::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(TriageRules::Table).to_owned()).await
    }
}
