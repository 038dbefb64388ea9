//! Keyset pagination shared by every list: stable under concurrent inserts, no OFFSET.
//!
//! A list is ordered by id (UUID v7, so creation order) or by `(updated_at, id)`, either way
//! up or down; `updated_since` always orders by change, oldest first, which is what an
//! integrator syncing changes needs. The cursor says which order it continues, so a cursor
//! cannot be replayed against another order.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Condition, IntoCondition};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QueryTrait, Select, Statement,
};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// After this id, in id order.
    Id(Uuid),
    /// After this `(updated_at, id)`, in change order.
    Updated(DateTime<Utc>, Uuid),
    /// Before this id, newest first.
    IdDesc(Uuid),
    /// Before this `(updated_at, id)`, most recently changed first.
    UpdatedDesc(DateTime<Utc>, Uuid),
    /// After this `(due time, id)`, nearest due first (`None`: among those with none).
    Due(Option<DateTime<Utc>>, Uuid),
}

/// The order of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Oldest first (the default).
    #[default]
    Created,
    /// Newest first.
    CreatedDesc,
    /// Least recently changed first (what `updated_since` uses).
    Updated,
    /// Most recently changed first.
    UpdatedDesc,
    /// The nearest due time first, those with none last (lists with a due time: see
    /// [`fetch_by_due_as`]).
    Due,
}

impl Sort {
    pub fn by_change(self) -> bool {
        matches!(self, Sort::Updated | Sort::UpdatedDesc)
    }

    pub fn descending(self) -> bool {
        matches!(self, Sort::CreatedDesc | Sort::UpdatedDesc)
    }

    /// Whether `cursor` continues a list in this order.
    pub fn continues(self, cursor: Cursor) -> bool {
        matches!(
            (self, cursor),
            (Sort::Created, Cursor::Id(_))
                | (Sort::CreatedDesc, Cursor::IdDesc(_))
                | (Sort::Updated, Cursor::Updated(..))
                | (Sort::UpdatedDesc, Cursor::UpdatedDesc(..))
                | (Sort::Due, Cursor::Due(..))
        )
    }
}

#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub limit: u64,
    pub after: Option<Cursor>,
    pub updated_since: Option<DateTime<Utc>>,
    pub sort: Sort,
}

impl PageRequest {
    /// The first `limit` items, oldest first.
    pub fn first(limit: u64) -> Self {
        Self { limit, after: None, updated_since: None, sort: Sort::Created }
    }
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    /// No items and no next page.
    pub fn empty() -> Self {
        Page { items: Vec::new(), next: None }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next: self.next }
    }

    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page { items: self.items.into_iter().map(f).collect::<Result<_, E>>()?, next: self.next })
    }
}

/// `select` with `LIMIT n` written into its SQL rather than bound as a parameter.
///
/// PostgreSQL cannot reuse one plan for a prepared statement whose LIMIT is a parameter: the
/// generic plan has to assume the query returns a tenth of the table, always looks dearer
/// than a custom one, so every execution is planned afresh (on the ticket list that was a
/// quarter of the database's time). `n` is a number computed here, never request text.
pub fn with_literal_limit<E: EntityTrait>(select: Select<E>, backend: DbBackend, n: u64) -> Statement {
    let mut statement = select.build(backend);
    statement.sql.push_str(&format!(" LIMIT {n}"));
    statement
}

/// At most `n` rows of `select` (the limit written into the SQL: see [`with_literal_limit`]).
pub async fn all_limited<E: EntityTrait>(conn: &impl ConnectionTrait, select: Select<E>, n: u64) -> Result<Vec<E::Model>, DbErr> {
    all_limited_as::<E, E::Model>(conn, select, n).await
}

/// [`all_limited`], each row read as `M`.
pub async fn all_limited_as<E: EntityTrait, M: FromQueryResult + Send>(
    conn: &impl ConnectionTrait,
    select: Select<E>,
    n: u64,
) -> Result<Vec<M>, DbErr> {
    M::find_by_statement(with_literal_limit(select, conn.get_database_backend(), n)).all(conn).await
}

/// `rows` were fetched with `limit + 1`: keeps `limit` of them and answers the key (`id` of
/// the last kept row) to continue after when there were more.
pub fn split_page<T, K>(mut rows: Vec<T>, limit: u64, id: impl Fn(&T) -> K) -> (Vec<T>, Option<K>) {
    if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        let next = rows.last().map(id);
        (rows, next)
    } else {
        (rows, None)
    }
}

/// Runs `select` as one page. `key` reads the `(updated_at, id)` of a row to build the cursor.
pub async fn fetch<E, C>(
    conn: &impl ConnectionTrait,
    select: Select<E>,
    id_col: C,
    updated_col: C,
    req: PageRequest,
    key: impl Fn(&E::Model) -> (DateTime<Utc>, Uuid),
) -> Result<Page<E::Model>, DbErr>
where
    E: EntityTrait,
    C: ColumnTrait,
{
    fetch_as::<E, E::Model, C>(conn, select, id_col, updated_col, req, key).await
}

/// [`fetch`], with each row read as `M` (a positional model of the select's columns).
pub async fn fetch_as<E, M, C>(
    conn: &impl ConnectionTrait,
    select: Select<E>,
    id_col: C,
    updated_col: C,
    req: PageRequest,
    key: impl Fn(&M) -> (DateTime<Utc>, Uuid),
) -> Result<Page<M>, DbErr>
where
    E: EntityTrait,
    M: FromQueryResult + Sized + Send,
    C: ColumnTrait,
{
    let sort = if req.updated_since.is_some() { Sort::Updated } else { req.sort };
    let mut select = select;
    if let Some(since) = req.updated_since {
        select = select.filter(updated_col.gte(since));
    }
    select = match req.after.filter(|c| sort.continues(*c)) {
        Some(Cursor::Id(id)) => select.filter(id_col.gt(id)),
        Some(Cursor::IdDesc(id)) => select.filter(id_col.lt(id)),
        Some(Cursor::Updated(at, id)) => select.filter(
            Condition::any().add(updated_col.gt(at)).add(Condition::all().add(updated_col.eq(at)).add(id_col.gt(id))).into_condition(),
        ),
        Some(Cursor::UpdatedDesc(at, id)) => select.filter(
            Condition::any().add(updated_col.lt(at)).add(Condition::all().add(updated_col.eq(at)).add(id_col.lt(id))).into_condition(),
        ),
        Some(Cursor::Due(..)) | None => select,
    };
    select = match sort {
        Sort::Created => select.order_by_asc(id_col),
        Sort::CreatedDesc => select.order_by_desc(id_col),
        Sort::Updated => select.order_by_asc(updated_col).order_by_asc(id_col),
        Sort::UpdatedDesc => select.order_by_desc(updated_col).order_by_desc(id_col),
        Sort::Due => return Err(DbErr::Custom("this list has no due time to order by".to_owned())),
    };
    let items = all_limited_as::<E, M>(conn, select, req.limit + 1).await?;
    let (items, last) = split_page(items, req.limit, |m| key(m));
    let next = last.map(|(at, id)| match sort {
        Sort::Created | Sort::Due => Cursor::Id(id),
        Sort::CreatedDesc => Cursor::IdDesc(id),
        Sort::Updated => Cursor::Updated(at, id),
        Sort::UpdatedDesc => Cursor::UpdatedDesc(at, id),
    });
    Ok(Page { items, next })
}

/// Runs `select` as one page in [`Sort::Due`] order: by `due_col` (nulls last), then id.
/// `key` reads the `(due, id)` of a row to build the cursor.
pub async fn fetch_by_due_as<E, M, C>(
    conn: &impl ConnectionTrait,
    select: Select<E>,
    id_col: C,
    due_col: C,
    req: PageRequest,
    key: impl Fn(&M) -> (Option<DateTime<Utc>>, Uuid),
) -> Result<Page<M>, DbErr>
where
    E: EntityTrait,
    M: FromQueryResult + Sized + Send,
    C: ColumnTrait,
{
    let select = match req.after.filter(|c| Sort::Due.continues(*c)) {
        Some(Cursor::Due(Some(due), id)) => select.filter(
            Condition::any()
                .add(due_col.gt(due))
                .add(Condition::all().add(due_col.eq(due)).add(id_col.gt(id)))
                .add(due_col.is_null())
                .into_condition(),
        ),
        Some(Cursor::Due(None, id)) => select.filter(due_col.is_null()).filter(id_col.gt(id)),
        _ => select,
    };
    let select = select.order_by_with_nulls(due_col, sea_orm::Order::Asc, sea_orm::sea_query::NullOrdering::Last).order_by_asc(id_col);
    let items = all_limited_as::<E, M>(conn, select, req.limit + 1).await?;
    let (items, last) = split_page(items, req.limit, |m| key(m));
    Ok(Page { items, next: last.map(|(due, id)| Cursor::Due(due, id)) })
}
