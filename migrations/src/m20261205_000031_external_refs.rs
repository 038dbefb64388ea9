//! External references: the ERP's id of customers, contacts, locations, products, equipment,
//! tickets and tasks (documents have theirs since `documents_erp`), unique per kind, so a
//! sync job finds what it wrote before and can be replayed safely.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 7] = ["customers", "contacts", "locations", "products", "equipment", "tickets", "tasks"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(ColumnDef::new(Alias::new("external_ref")).string_len(128).null())
                        .to_owned(),
                )
                .await?;
            // Unique where set: many records have none (NULLs never collide).
            manager
                .create_index(
                    Index::create()
                        .name(format!("ux_{table}_external_ref"))
                        .table(Alias::new(table))
                        .col(Alias::new("external_ref"))
                        .unique()
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager.drop_index(Index::drop().name(format!("ux_{table}_external_ref")).table(Alias::new(table)).to_owned()).await?;
            manager.alter_table(Table::alter().table(Alias::new(table)).drop_column(Alias::new("external_ref")).to_owned()).await?;
        }
        Ok(())
    }
}
