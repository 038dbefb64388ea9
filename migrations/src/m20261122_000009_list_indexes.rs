//! Indexes that serve the ticket list's filters in its default order, and a stored tsvector
//! for PostgreSQL's full-text search (found by the first benchmark, docs/benchmarks.md).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, &str); 4] = [
    ("ix_tickets_customer_id_id", "customer_id, id"),
    ("ix_tickets_status_id_id", "status_id, id"),
    ("ix_tickets_team_id_id", "team_id, id"),
    ("ix_tickets_assignee_id_id", "assignee_id, id"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, cols) in INDEXES {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON tickets ({cols})")).await?;
        }
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("DROP INDEX ix_ticket_search_fts").await?;
            db.execute_unprepared(
                "ALTER TABLE ticket_search ADD COLUMN ts tsvector GENERATED ALWAYS AS (to_tsvector('simple', document)) STORED",
            )
            .await?;
            db.execute_unprepared("CREATE INDEX ix_ticket_search_ts ON ticket_search USING GIN (ts)").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("DROP INDEX ix_ticket_search_ts").await?;
            db.execute_unprepared("ALTER TABLE ticket_search DROP COLUMN ts").await?;
            db.execute_unprepared("CREATE INDEX ix_ticket_search_fts ON ticket_search USING GIN (to_tsvector('simple', document))").await?;
        }
        for (name, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
        }
        Ok(())
    }
}
