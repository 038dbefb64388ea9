use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "billed_fee_periods")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub contract_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub period_first: Date,
    pub statement_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
