//! Drops the single-column ticket indexes that the `(column, id)` indexes of migration 9
//! cover (same leading column: equality lookups and foreign-key checks use those as well).
//! Each index costs every ticket insert a write and a lock; with thirteen, an insert took
//! more locks than a PostgreSQL backend's sixteen fast-path slots (docs/benchmarks.md).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const REDUNDANT: [(&str, &str); 4] = [
    ("ix_tickets_status", "status_id"),
    ("ix_tickets_customer", "customer_id"),
    ("ix_tickets_assignee", "assignee_id"),
    ("ix_tickets_team", "team_id"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, _) in REDUNDANT {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}")).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, column) in REDUNDANT {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON tickets ({column})")).await?;
        }
        Ok(())
    }
}
