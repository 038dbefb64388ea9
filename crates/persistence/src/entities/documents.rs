use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "documents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ticket_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub statement_id: Option<Uuid>,
    pub kind: String,
    pub number: String,
    pub issued_on: Date,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub status: String,
    pub external_ref: Option<String>,
    pub attachment_id: Option<Uuid>,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
