use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contracts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub number: String,
    pub customer_id: Uuid,
    pub name: String,
    pub status: String,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    pub cycle: String,
    pub timing: String,
    pub currency: String,
    pub included_minutes: i64,
    pub hourly_rate_minor: Option<i64>,
    pub notes: Option<String>,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
