use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "billing_rates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub scope: String,
    pub scope_key: String,
    pub role: Option<String>,
    pub user_id: Option<Uuid>,
    pub category_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub rate_minor: i64,
    pub currency: String,
    pub valid_from: Date,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
