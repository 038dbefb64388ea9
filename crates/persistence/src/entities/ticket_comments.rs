use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_comments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub author_user_id: Option<Uuid>,
    pub author_api_key_id: Option<Uuid>,
    pub visibility: String,
    pub body: String,
    /// JSON array of the mentioned users' ids.
    pub mentions: String,
    pub created_at: DateTimeUtc,
    /// The contact who wrote it by email.
    pub author_contact_id: Option<Uuid>,
    /// The address it came from (by email).
    pub author_email: Option<String>,
    /// The quoted history below an emailed reply.
    pub quoted_text: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
