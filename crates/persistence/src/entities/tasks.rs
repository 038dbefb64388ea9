use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub seq: i32,
    pub number: String,
    pub title: String,
    pub description: Option<String>,
    pub category_id: Option<Uuid>,
    pub type_id: Option<Uuid>,
    pub planned_start: Option<DateTimeUtc>,
    pub planned_end: Option<DateTimeUtc>,
    pub customer_id: Option<Uuid>,
    pub location_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub priority_id: Uuid,
    pub assignee_id: Option<Uuid>,
    pub partner_id: Option<Uuid>,
    pub paid: bool,
    pub warranty: bool,
    pub notify_assignee: bool,
    pub status: String,
    pub completed_at: Option<DateTimeUtc>,
    pub created_by: Option<Uuid>,
    /// The ERP's id for it (unique where set).
    pub external_ref: Option<String>,
    /// Custom field values: a JSON object keyed by the field's key.
    pub custom_fields: String,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
