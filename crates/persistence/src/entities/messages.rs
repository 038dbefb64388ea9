use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub direction: String,
    pub channel: String,
    pub event: Option<String>,
    pub status: String,
    pub ticket_id: Option<Uuid>,
    pub call_id: Option<Uuid>,
    pub comment_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub to_address: String,
    pub to_name: Option<String>,
    pub from_address: Option<String>,
    pub from_name: Option<String>,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub language: Option<String>,
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub reference_ids: String,
    pub auto_submitted: Option<String>,
    pub attachment_ids: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub source_job_id: Option<Uuid>,
    pub raw_key: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
