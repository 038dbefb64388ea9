use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "statement_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub statement_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub position: i32,
    pub kind: String,
    pub basis: Option<String>,
    pub description: String,
    pub contract_id: Option<Uuid>,
    pub service_id: Option<Uuid>,
    pub period_first: Option<Date>,
    pub period_last: Option<Date>,
    pub days_first: Option<Date>,
    pub days_last: Option<Date>,
    pub ticket_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    pub time_entry_id: Option<Uuid>,
    pub material_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub work_date: Option<Date>,
    pub minutes: i64,
    pub included_minutes: i64,
    pub allowance_from: Option<Date>,
    pub billed_minutes: i64,
    pub quantity_milli: Option<i64>,
    pub unit: Option<String>,
    pub unit_price_minor: Option<i64>,
    pub rate_source: Option<String>,
    pub rate_id: Option<Uuid>,
    pub amount_minor: i64,
    pub currency: String,
    pub late: bool,
    pub unpriced: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
