use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tickets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub number: String,
    pub title: String,
    pub description: Option<String>,
    pub details: Option<String>,
    pub channel: String,
    pub call_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub location_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub equipment_id: Option<Uuid>,
    pub serial_number: Option<String>,
    pub category_id: Option<Uuid>,
    pub type_id: Option<Uuid>,
    pub priority_id: Uuid,
    pub status_id: Uuid,
    pub team_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub expected_close_on: Option<Date>,
    pub reported_at: DateTimeUtc,
    pub warranty: bool,
    pub warranty_default: bool,
    pub warranty_override_reason: Option<String>,
    pub paid: bool,
    /// JSON array of strings.
    pub tags: String,
    pub created_by: Option<Uuid>,
    pub first_response_at: Option<DateTimeUtc>,
    pub resolved_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub alarm_key: Option<String>,
    pub alarm_count: i32,
    pub alarm_last_seen_at: Option<DateTimeUtc>,
    pub alarm_resolved_at: Option<DateTimeUtc>,
    pub has_work: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
