use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "billing_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub period: String,
    pub period_first: Date,
    pub period_last: Date,
    pub customer_id: Option<Uuid>,
    pub status: String,
    pub currency: String,
    pub customers_total: i32,
    pub customers_done: i32,
    pub statements_count: i32,
    pub error: Option<String>,
    pub requested_by: Option<Uuid>,
    pub computed_at: Option<DateTimeUtc>,
    pub finalized_at: Option<DateTimeUtc>,
    pub finalized_by: Option<Uuid>,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
