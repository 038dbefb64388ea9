//! One column of many rows by their ids, for views that show a name beside an id.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, TryGetableMany};
use uuid::Uuid;

use crate::error::StoreError;

/// `column` of each row of `E` whose `id` is in `ids`, read in chunks of a thousand ids (an
/// `IN` list stays well inside both databases' limits on bound values); an id with no row is
/// left out.
pub(crate) async fn column_by_id<E, V>(
    conn: &impl ConnectionTrait,
    id: E::Column,
    column: E::Column,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, V>, StoreError>
where
    E: EntityTrait,
    (Uuid, V): TryGetableMany,
{
    let mut found = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        let rows: Vec<(Uuid, V)> =
            E::find().select_only().column(id).column(column).filter(id.is_in(chunk.iter().copied())).into_tuple().all(conn).await?;
        found.extend(rows);
    }
    Ok(found)
}
