//! Opening the database: an embedded SQLite file by default, PostgreSQL by URL.

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};
use servdesk_migrations::{Migrator, MigratorTrait};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of(conn: &impl ConnectionTrait) -> Self {
        match conn.get_database_backend() {
            DbBackend::Postgres => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }
}

/// A pooled PostgreSQL connection idle this long is pinged before it is handed out.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(30);

/// Connects and checks the connection.
///
/// SQLite gets a single pooled connection: writers serialise anyway, and one connection
/// means no `SQLITE_BUSY` between our own tasks. WAL keeps readers of the file (backups,
/// the operator's `sqlite3`) from blocking us. PostgreSQL gets a real pool.
/// A pool of `pool_size` connections (one on SQLite). A request that gets no connection
/// within `acquire_timeout` fails at once (the API answers 503) instead of queueing behind
/// an outage.
pub async fn connect(url: &str, pool_size: u32, acquire_timeout: Duration) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options.sqlx_logging(false).acquire_timeout(acquire_timeout).connect_timeout(acquire_timeout);
    if url.starts_with("sqlite:") {
        options.max_connections(1).min_connections(1).idle_timeout(None::<Duration>).max_lifetime(None::<Duration>).map_sqlx_sqlite_opts(
            |o| {
                o.create_if_missing(true)
                    .foreign_keys(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(30))
            },
        );
        // The one connection lives in this process: there is nothing to ping.
        options.test_before_acquire(false);
    } else {
        // A ping on every checkout would double the round trips of a read. A connection in
        // use is known to be alive; one idle for a while may have been dropped by the server,
        // a proxy or a firewall, so only that one is pinged (and replaced if dead). A hot
        // connection a server restart ends fails its statement, which answers 503 (nothing
        // is written) and leaves the pool for a new one.
        options.max_connections(pool_size.max(2)).min_connections(1).test_before_acquire_if_idle_for(PING_WHEN_IDLE_FOR);
    }
    let db = Database::connect(options).await?;
    db.execute_unprepared("SELECT 1").await?;
    Ok(db)
}

pub async fn migrate_up(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

pub async fn migrate_down(db: &DatabaseConnection, steps: u32) -> Result<(), DbErr> {
    Migrator::down(db, Some(steps)).await
}

/// `(name, applied)` for every migration this build knows.
pub async fn migration_status(db: &DatabaseConnection) -> Result<Vec<(String, bool)>, DbErr> {
    Ok(Migrator::get_migration_with_status(db)
        .await?
        .iter()
        .map(|m| (m.name().to_owned(), m.status() == servdesk_migrations::MigrationStatus::Applied))
        .collect())
}

/// The `n`th bind parameter in raw SQL: `$n` on PostgreSQL, `?n` on SQLite.
pub(crate) fn placeholder(backend: DbBackend, n: usize) -> String {
    if backend == DbBackend::Postgres { format!("${n}") } else { format!("?{n}") }
}

/// A list of ids for `IN (…)` in raw SQL, its parameters numbered from `first`. PostgreSQL
/// takes them as one array parameter, so the statement text is the same for any number of
/// ids (prepared once per connection, planned cheaply); SQLite has no arrays: one numbered
/// placeholder per id (reusable in several parts of the statement).
pub(crate) fn id_list(backend: DbBackend, ids: &[uuid::Uuid], first: usize) -> (String, Vec<sea_orm::Value>) {
    if backend == DbBackend::Postgres {
        let array = format!("{{{}}}", ids.iter().map(uuid::Uuid::to_string).collect::<Vec<_>>().join(","));
        (format!("SELECT unnest(CAST(${first} AS uuid[]))"), vec![array.into()])
    } else {
        let list = (first..first + ids.len()).map(|n| placeholder(backend, n)).collect::<Vec<_>>().join(", ");
        (list, ids.iter().map(|id| (*id).into()).collect())
    }
}

/// Whether the database answers: what `/ready` reports.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.execute_unprepared("SELECT 1").await.map(drop)
}
