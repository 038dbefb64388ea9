//! `tickets.has_work`: whether a ticket has (or had) tasks, checklist lines or time, so the
//! responses of the many tickets that never do skip reading their rollups.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tickets {
    Table,
    HasWork,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Tickets::Table).add_column(boolean(Tickets::HasWork).default(false)).to_owned()).await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE tickets SET has_work = TRUE WHERE id IN \
                 (SELECT ticket_id FROM tasks UNION SELECT ticket_id FROM checklist_items UNION SELECT ticket_id FROM time_entries)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Tickets::Table).drop_column(Tickets::HasWork).to_owned()).await
    }
}
