//! Keyset pagination shared by every list: stable under concurrent inserts, no OFFSET.
//!
//! Without `updated_since` a list is ordered by id (UUID v7, so creation order); with it,
//! by `(updated_at, id)`, which is what an integrator syncing changes needs.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Condition, IntoCondition};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// After this id, in id order.
    Id(Uuid),
    /// After this `(updated_at, id)`, in change order.
    Updated(DateTime<Utc>, Uuid),
}

#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub limit: u64,
    pub after: Option<Cursor>,
    pub updated_since: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next: self.next }
    }

    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page { items: self.items.into_iter().map(f).collect::<Result<_, E>>()?, next: self.next })
    }
}

/// For append-only lists paged by id: `rows` were fetched with `limit + 1`; keeps `limit` of
/// them and answers the id to continue after when there were more.
pub fn split_by_id<T>(mut rows: Vec<T>, limit: u64, id: impl Fn(&T) -> Uuid) -> (Vec<T>, Option<Uuid>) {
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
    conn: &impl sea_orm::ConnectionTrait,
    select: Select<E>,
    id_col: C,
    updated_col: C,
    req: PageRequest,
    key: impl Fn(&E::Model) -> (DateTime<Utc>, Uuid),
) -> Result<Page<E::Model>, sea_orm::DbErr>
where
    E: EntityTrait,
    C: ColumnTrait,
{
    let by_change = req.updated_since.is_some();
    let mut select = select;
    if let Some(since) = req.updated_since {
        select = select.filter(updated_col.gte(since));
    }
    select = match req.after {
        Some(Cursor::Id(id)) => select.filter(id_col.gt(id)),
        Some(Cursor::Updated(at, id)) => select.filter(after_change(updated_col, id_col, at, id)),
        None => select,
    };
    select = if by_change { select.order_by_asc(updated_col).order_by_asc(id_col) } else { select.order_by_asc(id_col) };
    let mut items = select.limit(req.limit + 1).all(conn).await?;
    let next = if items.len() as u64 > req.limit {
        items.truncate(req.limit as usize);
        items.last().map(|m| {
            let (at, id) = key(m);
            if by_change { Cursor::Updated(at, id) } else { Cursor::Id(id) }
        })
    } else {
        None
    };
    Ok(Page { items, next })
}

fn after_change<C: ColumnTrait>(updated_col: C, id_col: C, at: DateTime<Utc>, id: Uuid) -> Condition {
    Condition::any().add(updated_col.gt(at)).add(Condition::all().add(updated_col.eq(at)).add(id_col.gt(id))).into_condition()
}
