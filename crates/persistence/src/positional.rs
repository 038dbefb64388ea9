//! Reading rows by position, straight from the driver.
//!
//! sea-orm's derived models look every column up by name (a hash lookup per value) and turn
//! each NULL into an error whose message is formatted and then thrown away. On a 50-row page
//! of tickets that was over a third of the server's CPU. Hot paths therefore select their
//! columns in a fixed order and read them here: by position, NULL as `None`, with the same
//! sqlx decoders sea-orm itself uses (so the values are identical on both databases).
//!
//! [`positional_model!`] declares, next to an entity, the column list and the reader from one
//! field list, so the two cannot drift apart; a field missing from the list fails to compile.

use sea_orm::sqlx::postgres::{PgRow, Postgres};
use sea_orm::sqlx::sqlite::{Sqlite, SqliteRow};
use sea_orm::sqlx::{Decode, Row, Type};
use sea_orm::{DbErr, QueryResult};

/// A value both drivers can decode (`Option<T>` reads NULL as `None`).
pub trait Cell: Sized + for<'r> Decode<'r, Postgres> + Type<Postgres> + for<'r> Decode<'r, Sqlite> + Type<Sqlite> {}

impl<T> Cell for T where T: Sized + for<'r> Decode<'r, Postgres> + Type<Postgres> + for<'r> Decode<'r, Sqlite> + Type<Sqlite> {}

enum DriverRow<'a> {
    Postgres(&'a PgRow),
    Sqlite(&'a SqliteRow),
}

/// The cells of one row, read left to right.
pub struct Cells<'a> {
    row: DriverRow<'a>,
    next: usize,
}

impl<'a> Cells<'a> {
    pub fn of(result: &'a QueryResult) -> Result<Self, DbErr> {
        let row = match (result.try_as_pg_row(), result.try_as_sqlite_row()) {
            (Some(row), _) => DriverRow::Postgres(row),
            (None, Some(row)) => DriverRow::Sqlite(row),
            (None, None) => return Err(DbErr::Custom("positional rows need a PostgreSQL or SQLite connection".to_owned())),
        };
        Ok(Self { row, next: 0 })
    }

    /// The next cell's value.
    pub fn next<T: Cell>(&mut self) -> Result<T, DbErr> {
        let index = self.next;
        self.next += 1;
        let value = match self.row {
            DriverRow::Postgres(row) => row.try_get::<T, usize>(index),
            DriverRow::Sqlite(row) => row.try_get::<T, usize>(index),
        };
        value.map_err(|e| DbErr::Type(format!("column {index}: {e}")))
    }
}

/// Declares, inside an entity module, `Positional` (the `Model` read by position) and
/// `COLUMNS` (what to select, in that order):
///
/// ```ignore
/// positional_model!(id: Id, number: Number, title: Title);
/// Entity::find().select_only().columns(COLUMNS.iter().copied()).into_model::<Positional>()
/// ```
macro_rules! positional_model {
    ($($field:ident: $column:ident),+ $(,)?) => {
        /// The model, read by position from a select of [`COLUMNS`].
        pub struct Positional(pub Model);

        /// Every column, in the order [`Positional`] reads them.
        pub const COLUMNS: &[Column] = &[$(Column::$column),+];

        impl sea_orm::FromQueryResult for Positional {
            fn from_query_result(result: &sea_orm::QueryResult, _prefix: &str) -> Result<Self, sea_orm::DbErr> {
                let mut cells = crate::positional::Cells::of(result)?;
                // Struct fields are evaluated in the order written: the order of COLUMNS.
                Ok(Positional(Model { $($field: cells.next()?),+ }))
            }
        }
    };
}

pub(crate) use positional_model;
