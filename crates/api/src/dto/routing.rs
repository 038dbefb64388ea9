//! Where a request is sent: shown by web forms and triage rules alike.

use serde::{Deserialize, Serialize};
use servdesk_domain::forms::Routing;
use utoipa::ToSchema;
use uuid::Uuid;

/// Where a request goes: a team, a ticket category, type and priority (each optional).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct RoutingDto {
    pub team_id: Option<Uuid>,
    pub category_id: Option<Uuid>,
    pub type_id: Option<Uuid>,
    pub priority_id: Option<Uuid>,
}

impl From<RoutingDto> for Routing {
    fn from(r: RoutingDto) -> Self {
        Routing { team_id: r.team_id, category_id: r.category_id, type_id: r.type_id, priority_id: r.priority_id }
    }
}

impl From<Routing> for RoutingDto {
    fn from(r: Routing) -> Self {
        RoutingDto { team_id: r.team_id, category_id: r.category_id, type_id: r.type_id, priority_id: r.priority_id }
    }
}
