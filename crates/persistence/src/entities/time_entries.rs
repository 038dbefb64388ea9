use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "time_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub ticket_id: Uuid,
    pub task_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub started_at: Option<DateTimeUtc>,
    pub ended_at: Option<DateTimeUtc>,
    pub work_date: Date,
    pub minutes: i32,
    pub note: Option<String>,
    pub billable: bool,
    pub rate_minor: i64,
    pub cost_minor: i64,
    pub needs_review: bool,
    pub source: String,
    pub created_by: Option<Uuid>,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub billed_statement_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
