use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "task_materials")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub task_id: Uuid,
    pub ticket_id: Uuid,
    pub position: i32,
    pub description: String,
    pub quantity_milli: i64,
    pub unit: String,
    pub unit_price_minor: i64,
    pub total_minor: i64,
    pub created_at: DateTimeUtc,
    pub billed_statement_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
