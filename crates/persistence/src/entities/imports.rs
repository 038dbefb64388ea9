use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "imports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: String,
    pub format: String,
    pub dry_run: bool,
    pub status: String,
    pub file_name: Option<String>,
    pub content: Option<String>,
    pub total_rows: i32,
    pub processed_rows: i32,
    pub created_rows: i32,
    pub updated_rows: i32,
    pub failed_rows: i32,
    pub error: Option<String>,
    pub requested_by: Option<Uuid>,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
