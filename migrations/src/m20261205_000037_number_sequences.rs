//! Contention-free yearly numbers on PostgreSQL (see `servdesk_domain::numbering::Scheme`).
//!
//! `servdesk_next_number(name, period)` draws the next value of a database sequence of its
//! own per name and year (`servdesk_number_ticket_2027`), creating it on the first draw of
//! the year. A sequence is not transactional: a draw takes no lock that lives until the
//! commit, so creates no longer queue behind one counter row — and a create that rolls back
//! leaves a gap. A new sequence starts after the gapless counter of the same name and year,
//! so switching schemes in the middle of a year never repeats a number.
//!
//! The year's sequence is created under an advisory lock. A second creator that waited on
//! that lock may still hold the catalogue's "no such relation" from before it waited; its
//! `CREATE SEQUENCE` then fails as a duplicate, which the inner block takes as "it exists".
//! The inner block (a subtransaction) runs only on the first draws of a year.
//! SQLite keeps the counter table: it has one writer at a time, so the counter costs nothing.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NEXT_NUMBER: &str = r#"
CREATE OR REPLACE FUNCTION servdesk_next_number(seq_name text, seq_period integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  rel text := format('servdesk_number_%s_%s', seq_name, seq_period);
  counted bigint;
BEGIN
  IF to_regclass(rel) IS NULL THEN
    PERFORM pg_advisory_xact_lock(hashtext(rel));
    SELECT last_value INTO counted FROM sequences WHERE name = seq_name AND period = seq_period;
    BEGIN
      EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I START WITH %s', rel, COALESCE(counted, 0) + 1);
    EXCEPTION WHEN unique_violation OR duplicate_table THEN
      NULL;
    END;
  END IF;
  RETURN nextval(rel);
END
$$"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager.get_connection().execute_unprepared(NEXT_NUMBER).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager.get_connection().execute_unprepared("DROP FUNCTION IF EXISTS servdesk_next_number(text, integer)").await?;
        }
        Ok(())
    }
}
