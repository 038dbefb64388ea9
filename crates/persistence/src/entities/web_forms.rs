use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "web_forms")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub description: Option<String>,
    pub language: String,
    pub fields: String,
    pub allowed_origins: String,
    pub success_text: String,
    pub thank_you_url: Option<String>,
    pub auto_convert: bool,
    pub routing: String,
    pub min_fill_seconds: i32,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
