//! Bulk inserts on PostgreSQL: one column per bind parameter, as a binary array read back
//! with `UNNEST` — a few parameters for any number of rows, and nothing for PostgreSQL to
//! parse. The driver binds arrays without NULL elements, so a nullable column carries a
//! sentinel that `NULLIF` turns back into NULL (values no row can hold: the nil uuid, the
//! year 1, `i64::MIN`, the empty text).

use chrono::NaiveDate;
use sea_orm::Value;
use sea_orm::sea_query::ArrayType;
use uuid::Uuid;

#[derive(Clone, Copy)]
pub(crate) enum Type {
    Uuid,
    Int,
    BigInt,
    Date,
    Text,
    Bool,
}

/// One column's values.
pub(crate) struct Column {
    name: &'static str,
    kind: Type,
    values: Vec<Value>,
}

fn null_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NaiveDate::MIN)
}

impl Column {
    pub fn new(name: &'static str, kind: Type, capacity: usize) -> Self {
        Self { name, kind, values: Vec::with_capacity(capacity) }
    }

    pub fn uuid(&mut self, v: Option<Uuid>) {
        self.values.push(v.unwrap_or(Uuid::nil()).into());
    }

    pub fn int(&mut self, v: i32) {
        self.values.push(v.into());
    }

    pub fn bigint(&mut self, v: Option<i64>) {
        self.values.push(v.unwrap_or(i64::MIN).into());
    }

    pub fn date(&mut self, v: Option<NaiveDate>) {
        self.values.push(v.unwrap_or_else(null_date).into());
    }

    pub fn text(&mut self, v: Option<&str>) {
        self.values.push(v.unwrap_or_default().to_owned().into());
    }

    pub fn bool(&mut self, v: bool) {
        self.values.push(v.into());
    }

    /// The column as read from the `UNNEST` alias `u`, its sentinel back to NULL.
    fn select(&self) -> String {
        let column = format!("u.{}", self.name);
        match self.kind {
            Type::Uuid => format!("NULLIF({column}, '00000000-0000-0000-0000-000000000000'::uuid)"),
            Type::BigInt => format!("NULLIF({column}, {})", i64::MIN),
            Type::Date => format!("NULLIF({column}, DATE '0001-01-01')"),
            Type::Text => format!("NULLIF({column}, '')"),
            Type::Int | Type::Bool => column,
        }
    }

    fn array(self) -> Value {
        let kind = match self.kind {
            Type::Uuid => ArrayType::Uuid,
            Type::Int => ArrayType::Int,
            Type::BigInt => ArrayType::BigInt,
            Type::Date => ArrayType::ChronoDate,
            Type::Text => ArrayType::String,
            Type::Bool => ArrayType::Bool,
        };
        Value::Array(kind, Some(Box::new(self.values)))
    }
}

/// `INSERT INTO table (…) SELECT … FROM UNNEST($1, …)` of `columns`, with its parameters.
pub(crate) fn insert(table: &str, columns: Vec<Column>) -> (String, Vec<Value>) {
    let names = columns.iter().map(|c| c.name).collect::<Vec<_>>().join(", ");
    let selects = columns.iter().map(Column::select).collect::<Vec<_>>().join(", ");
    let params = (1..=columns.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    let sql = format!("INSERT INTO {table} ({names}) SELECT {selects} FROM UNNEST({params}) AS u({names})");
    (sql, columns.into_iter().map(Column::array).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_columns_read_their_sentinel_back_as_null() {
        let mut id = Column::new("id", Type::Uuid, 2);
        id.uuid(None);
        let mut note = Column::new("note", Type::Text, 2);
        note.text(Some("x"));
        let (sql, values) = insert("t", vec![id, note]);
        assert_eq!(
            sql,
            "INSERT INTO t (id, note) SELECT NULLIF(u.id, '00000000-0000-0000-0000-000000000000'::uuid), NULLIF(u.note, '') FROM UNNEST($1, $2) AS u(id, note)"
        );
        assert_eq!(values.len(), 2);
    }
}
