//! PostgreSQL: the search's postings — one row per word of each ticket's search document,
//! keyed `(term, ticket_id)`, kept from the document's tsvector by a trigger in the same
//! transaction. A search by words then reads the rarest words' tickets in id order straight
//! from this key, instead of testing documents one by one until enough match
//! (docs/benchmarks.md). SQLite's FTS5 table is an inverted index already.
//!
//! `COLLATE "C"`: terms are compared byte for byte (equality is all a lookup needs), whatever
//! the database's locale.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The trigger adds the words a document gained and removes those it lost.
const SYNC: &str = r#"
CREATE FUNCTION ticket_terms_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  before text[] := CASE WHEN TG_OP <> 'INSERT' THEN tsvector_to_array(OLD.ts) ELSE '{}' END;
  after text[] := CASE WHEN TG_OP <> 'DELETE' THEN tsvector_to_array(NEW.ts) ELSE '{}' END;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    DELETE FROM ticket_terms WHERE ticket_id = OLD.ticket_id AND term = ANY (before) AND NOT term = ANY (after);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO ticket_terms (term, ticket_id) SELECT l, NEW.ticket_id FROM unnest(after) AS l WHERE NOT l = ANY (before);
  END IF;
  RETURN NULL;
END
$$"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared("CREATE TABLE ticket_terms (term text COLLATE \"C\" NOT NULL, ticket_id uuid NOT NULL)").await?;
        db.execute_unprepared(SYNC).await?;
        // The trigger first: it locks out writers of the search table until this commits, so
        // no document changes between the copy below and the trigger taking over.
        db.execute_unprepared(
            "CREATE TRIGGER ticket_terms_sync AFTER INSERT OR UPDATE OF document OR DELETE ON ticket_search \
             FOR EACH ROW EXECUTE FUNCTION ticket_terms_sync()",
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO ticket_terms (term, ticket_id) SELECT l, ticket_id FROM ticket_search, unnest(tsvector_to_array(ts)) AS l",
        )
        .await?;
        // The key after the copy: one sorted build instead of millions of inserts.
        db.execute_unprepared("ALTER TABLE ticket_terms ADD PRIMARY KEY (term, ticket_id)").await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared("DROP TRIGGER ticket_terms_sync ON ticket_search").await?;
        db.execute_unprepared("DROP FUNCTION ticket_terms_sync()").await?;
        db.execute_unprepared("DROP TABLE ticket_terms").await?;
        Ok(())
    }
}
