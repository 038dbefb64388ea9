use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "task_completions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub task_id: Uuid,
    pub ticket_id: Uuid,
    pub work_done: String,
    pub signer_name: Option<String>,
    pub signed_at: Option<DateTimeUtc>,
    pub signature_attachment_id: Option<Uuid>,
    pub completed_at: DateTimeUtc,
    pub completed_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
