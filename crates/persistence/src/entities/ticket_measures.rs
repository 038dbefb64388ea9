use sea_orm::entity::prelude::*;

/// A ticket's measures for reports (see `servdesk_domain::reports::Measures`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_measures")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub ticket_id: Uuid,
    pub class: Option<String>,
    pub class_since: Option<DateTimeUtc>,
    pub new_seconds: i64,
    pub open_seconds: i64,
    pub pending_seconds: i64,
    pub resolved_seconds: i64,
    pub first_response_at: Option<DateTimeUtc>,
    pub first_response_by: Option<Uuid>,
    pub first_response_minutes: Option<i64>,
    pub first_response_business_minutes: Option<i64>,
    pub closed_at: Option<DateTimeUtc>,
    pub closed_by: Option<Uuid>,
    pub close_minutes: Option<i64>,
    pub close_business_minutes: Option<i64>,
    pub reopens: i32,
    pub first_response_state: Option<String>,
    pub first_response_due_at: Option<DateTimeUtc>,
    pub resolution_state: Option<String>,
    pub resolution_due_at: Option<DateTimeUtc>,
    pub next_response_state: Option<String>,
    pub next_response_due_at: Option<DateTimeUtc>,
    pub next_responses_met: i32,
    pub next_responses_missed: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
