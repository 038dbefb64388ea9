//! The change feed takes in products, contracts and statements too (the ERP keeps its price
//! lists, its contracts and what it invoices in step with them): the same triggers as the
//! records fed from the start (`m20261205_000029_changes`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables added to the feed, and the name each resource has there.
const FED: [(&str, &str); 3] = [("products", "product"), ("contracts", "contract"), ("statements", "statement")];

const ACTIONS: [(&str, &str, &str); 3] = [("INSERT", "NEW", "created"), ("UPDATE", "NEW", "updated"), ("DELETE", "OLD", "deleted")];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (table, resource) in FED {
            match manager.get_database_backend() {
                DbBackend::Postgres => {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER changes_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} \
                         FOR EACH ROW EXECUTE FUNCTION record_change('{resource}')"
                    ))
                    .await?;
                }
                _ => {
                    let now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
                    for (event, row, action) in ACTIONS {
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
        for (table, _) in FED {
            match manager.get_database_backend() {
                DbBackend::Postgres => {
                    db.execute_unprepared(&format!("DROP TRIGGER changes_{table} ON {table}")).await?;
                }
                _ => {
                    for (_, _, action) in ACTIONS {
                        db.execute_unprepared(&format!("DROP TRIGGER changes_{table}_{action}")).await?;
                    }
                }
            }
        }
        Ok(())
    }
}
