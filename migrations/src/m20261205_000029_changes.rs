//! The change feed: every insert, update and delete of the records integrators sync, written
//! by database triggers (so no code path can forget one, bulk statements included) with the
//! writing transaction's id. A reader pages by (transaction id, sequence) and, on
//! PostgreSQL, only up to the oldest transaction still running: an entry of a transaction
//! that commits late is never skipped.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables in the feed, and the name each resource has there.
pub const FED: [(&str, &str); 11] = [
    ("tickets", "ticket"),
    ("ticket_comments", "comment"),
    ("calls", "call"),
    ("tasks", "task"),
    ("checklist_items", "checklist_item"),
    ("time_entries", "time_entry"),
    ("documents", "document"),
    ("customers", "customer"),
    ("contacts", "contact"),
    ("locations", "location"),
    ("equipment", "equipment"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE TABLE changes (seq bigserial PRIMARY KEY, txid bigint NOT NULL, resource varchar(32) NOT NULL, \
                     resource_id uuid NOT NULL, action varchar(8) NOT NULL, at timestamptz NOT NULL DEFAULT now())",
                )
                .await?;
                db.execute_unprepared("CREATE INDEX ix_changes_position ON changes (txid, seq)").await?;
                db.execute_unprepared("CREATE INDEX ix_changes_at ON changes (at)").await?;
                db.execute_unprepared(
                    "CREATE FUNCTION record_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                     IF TG_OP = 'DELETE' THEN \
                       INSERT INTO changes (txid, resource, resource_id, action) VALUES (txid_current(), TG_ARGV[0], OLD.id, 'deleted'); \
                       RETURN OLD; \
                     END IF; \
                     INSERT INTO changes (txid, resource, resource_id, action) \
                       VALUES (txid_current(), TG_ARGV[0], NEW.id, CASE WHEN TG_OP = 'INSERT' THEN 'created' ELSE 'updated' END); \
                     RETURN NEW; END $$",
                )
                .await?;
                for (table, resource) in FED {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER changes_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} \
                         FOR EACH ROW EXECUTE FUNCTION record_change('{resource}')"
                    ))
                    .await?;
                }
            }
            _ => {
                // SQLite has one writer at a time: the sequence is the commit order.
                db.execute_unprepared(
                    "CREATE TABLE changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, txid INTEGER NOT NULL DEFAULT 0, \
                     resource TEXT NOT NULL, resource_id BLOB NOT NULL, action TEXT NOT NULL, at TEXT NOT NULL)",
                )
                .await?;
                db.execute_unprepared("CREATE INDEX ix_changes_at ON changes (at)").await?;
                let now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
                for (table, resource) in FED {
                    for (event, row, action) in [("INSERT", "NEW", "created"), ("UPDATE", "NEW", "updated"), ("DELETE", "OLD", "deleted")] {
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER changes_{table}_{action} AFTER {event} ON {table} BEGIN \
                             INSERT INTO changes (txid, resource, resource_id, action, at) VALUES (0, '{resource}', {row}.id, '{action}', {now}); END"
                        ))
                        .await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                for (table, _) in FED {
                    db.execute_unprepared(&format!("DROP TRIGGER changes_{table} ON {table}")).await?;
                }
                db.execute_unprepared("DROP FUNCTION record_change()").await?;
            }
            _ => {
                for (table, _) in FED {
                    for action in ["created", "updated", "deleted"] {
                        db.execute_unprepared(&format!("DROP TRIGGER changes_{table}_{action}")).await?;
                    }
                }
            }
        }
        db.execute_unprepared("DROP TABLE changes").await?;
        Ok(())
    }
}
