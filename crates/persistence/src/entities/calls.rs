use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calls")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub number: String,
    pub channel: String,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub from_name: Option<String>,
    pub from_email: Option<String>,
    pub from_phone: Option<String>,
    /// JSON object: what the channel told us (headers, form fields, device data).
    pub metadata: String,
    pub customer_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub dedup_key: Option<String>,
    pub action: String,
    pub state: String,
    pub ticket_id: Option<Uuid>,
    pub dismiss_reason: Option<String>,
    pub triaged_by_user_id: Option<Uuid>,
    pub triaged_by_api_key_id: Option<Uuid>,
    pub triaged_at: Option<DateTimeUtc>,
    pub acknowledged: bool,
    /// The alarm's identity: its dedup key within its customer or API key.
    pub alarm_key: Option<String>,
    pub alarm_count: i64,
    pub alarm_last_seen_at: Option<DateTimeUtc>,
    pub alarm_resolved_at: Option<DateTimeUtc>,
    pub created_by_user_id: Option<Uuid>,
    pub created_by_api_key_id: Option<Uuid>,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
