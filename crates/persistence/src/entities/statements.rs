use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "statements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub run_id: Uuid,
    pub customer_id: Uuid,
    pub number: Option<String>,
    pub status: String,
    pub period_first: Date,
    pub period_last: Date,
    pub totals: String,
    pub lines_count: i32,
    pub late_lines: i32,
    pub unpriced_lines: i32,
    pub invoice_number: Option<String>,
    pub invoice_issued_on: Option<Date>,
    pub invoice_external_ref: Option<String>,
    pub invoiced_at: Option<DateTimeUtc>,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
