use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "equipment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub product_id: Uuid,
    pub serial_number: String,
    pub customer_id: Option<Uuid>,
    pub location_id: Option<Uuid>,
    pub installed_on: Option<Date>,
    pub warranty_end: Option<Date>,
    pub warranty_end_overridden: bool,
    pub notes: Option<String>,
    pub contract_id: Option<Uuid>,
    pub active: bool,
    /// The ERP's id for it (unique where set).
    pub external_ref: Option<String>,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
