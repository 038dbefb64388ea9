//! Full-text search over tickets: a document per ticket (number, title, description, details,
//! comments), indexed with PostgreSQL's tsvector + GIN or SQLite's FTS5.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE TABLE ticket_search (ticket_id uuid PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE, document text NOT NULL)",
                )
                .await?;
                db.execute_unprepared("CREATE INDEX ix_ticket_search_fts ON ticket_search USING GIN (to_tsvector('simple', document))")
                    .await?;
            }
            _ => {
                db.execute_unprepared(
                    "CREATE VIRTUAL TABLE ticket_search USING fts5(ticket_id UNINDEXED, document, tokenize = 'unicode61')",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("DROP TABLE ticket_search").await?;
        Ok(())
    }
}
