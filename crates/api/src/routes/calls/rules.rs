//! Triage rules (coordinators): ordered conditions → one action, applied to every call at
//! intake. The first active rule that matches acts; what it did is on the call's metadata
//! (`rule`) and, when it converts, on the ticket's timeline (`rule_applied`).

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use servdesk_domain::tickets::Channel;
use servdesk_domain::triage::{Action, Conditions, Rule};
use servdesk_persistence::triage_rules::RuleSpec;
use servdesk_usecases::triage as usecase;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::{Authorized, can};
use crate::conventions::etag::{IfMatch, created, versioned};
use crate::conventions::validation;
use crate::dto::RoutingDto;
use crate::error::{ApiResult, Problem};
use crate::openapi::{NotFound, StaleVersion, tags};
use crate::state::AppState;
use crate::wire;

/// What a call must be; every condition given must hold (an empty list allows anything).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ConditionsDto {
    #[schema(schema_with = wire::channels)]
    pub channels: Vec<Channel>,
    /// Slugs of the web forms it came through.
    pub form_slugs: Vec<String>,
    pub customer_ids: Vec<Uuid>,
    /// The sender's email domain (`example.com` also matches its subdomains).
    pub sender_domains: Vec<String>,
    /// Any of these words in the subject (whole words, any case).
    pub subject_words: Vec<String>,
    /// A monitoring alarm's dedup key starting with this.
    pub dedup_key_prefix: Option<String>,
}

/// What the rule does: `convert` (with routing and tags), `dismiss` (as spam) or `tag`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActionDto {
    Convert {
        #[serde(default)]
        routing: RoutingDto,
        #[serde(default)]
        tags: Vec<String>,
    },
    Dismiss,
    Tag {
        tags: Vec<String>,
    },
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({
    "name": "Alarms from Globex go to the night shift",
    "position": 10,
    "conditions": {"channels": ["api"], "dedup_key_prefix": "globex-"},
    "action": {"kind": "convert", "routing": {"team_id": "01933b5e-0000-7000-8000-000000000020"}, "tags": ["alarm"]}
}))]
pub struct RuleIn {
    #[validate(custom(function = "validation::not_blank"), length(max = 200))]
    #[schema(max_length = 200)]
    pub name: String,
    /// Lower first; rules with equal positions are tried in the order they were made.
    #[serde(default)]
    pub position: i32,
    #[serde(default = "yes")]
    pub active: bool,
    pub conditions: ConditionsDto,
    pub action: ActionDto,
}

fn yes() -> bool {
    true
}

impl From<RuleIn> for RuleSpec {
    fn from(r: RuleIn) -> Self {
        let c = r.conditions;
        RuleSpec {
            name: r.name.trim().to_owned(),
            position: r.position,
            active: r.active,
            conditions: Conditions {
                channels: c.channels,
                form_slugs: c.form_slugs,
                customer_ids: c.customer_ids,
                sender_domains: c.sender_domains,
                subject_words: c.subject_words,
                dedup_key_prefix: c.dedup_key_prefix,
            },
            action: match r.action {
                ActionDto::Convert { routing, tags } => Action::Convert { routing: routing.into(), tags },
                ActionDto::Dismiss => Action::Dismiss,
                ActionDto::Tag { tags } => Action::Tag { tags },
            },
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RuleOut {
    pub id: Uuid,
    pub name: String,
    pub position: i32,
    pub active: bool,
    pub conditions: ConditionsDto,
    pub action: ActionDto,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Rule> for RuleOut {
    fn from(r: Rule) -> Self {
        let c = r.conditions;
        RuleOut {
            id: r.id,
            name: r.name,
            position: r.position,
            active: r.active,
            conditions: ConditionsDto {
                channels: c.channels,
                form_slugs: c.form_slugs,
                customer_ids: c.customer_ids,
                sender_domains: c.sender_domains,
                subject_words: c.subject_words,
                dedup_key_prefix: c.dedup_key_prefix,
            },
            action: match r.action {
                Action::Convert { routing, tags } => ActionDto::Convert { routing: routing.into(), tags },
                Action::Dismiss => ActionDto::Dismiss,
                Action::Tag { tags } => ActionDto::Tag { tags },
            },
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RulesOut {
    /// In the order they are tried.
    pub items: Vec<RuleOut>,
}

const INVALID: &str =
    "`validation_failed`: no condition, a tag rule without tags, blank words, or a routing to something that does not exist";

/// Adds a triage rule.
#[utoipa::path(
    operation_id = "create_triage_rule",
    tag = tags::CALLS,
    request_body = RuleIn,
    responses((status = 201, body = RuleOut), (status = 422, description = INVALID, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[post("/triage-rules")]
pub async fn create(_auth: Authorized<can::CallsTriage>, state: web::Data<AppState>, body: web::Json<RuleIn>) -> ApiResult<HttpResponse> {
    body.validate()?;
    let rule = usecase::create(&state, body.into_inner().into()).await?;
    Ok(created(format!("/api/v1/triage-rules/{}", rule.id), rule.version, &RuleOut::from(rule)))
}

/// The triage rules in the order they are tried.
#[utoipa::path(operation_id = "list_triage_rules", tag = tags::CALLS, responses((status = 200, body = RulesOut)), security(("bearer" = [])))]
#[get("/triage-rules")]
pub async fn list(_auth: Authorized<can::CallsTriage>, state: web::Data<AppState>) -> ApiResult<web::Json<RulesOut>> {
    Ok(web::Json(RulesOut { items: usecase::list(&state).await?.into_iter().map(RuleOut::from).collect() }))
}

/// One triage rule.
#[utoipa::path(
    operation_id = "get_triage_rule",
    tag = tags::CALLS,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = RuleOut), NotFound),
    security(("bearer" = []))
)]
#[get("/triage-rules/{id}")]
pub async fn get(_auth: Authorized<can::CallsTriage>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let rule = usecase::get(&state, id.into_inner()).await?;
    Ok(versioned(HttpResponse::Ok(), rule.version, &RuleOut::from(rule)))
}

/// Replaces a triage rule (`If-Match` guards a colleague's change).
#[utoipa::path(
    operation_id = "replace_triage_rule",
    tag = tags::CALLS,
    params(("id" = Uuid, Path), IfMatch),
    request_body = RuleIn,
    responses(
        (status = 200, body = RuleOut),
        NotFound,
        StaleVersion,
        (status = 422, description = INVALID, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[put("/triage-rules/{id}")]
pub async fn replace(
    _auth: Authorized<can::CallsTriage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<RuleIn>,
) -> ApiResult<HttpResponse> {
    body.validate()?;
    let rule = usecase::replace(&state, id.into_inner(), if_match.0, body.into_inner().into()).await?;
    Ok(versioned(HttpResponse::Ok(), rule.version, &RuleOut::from(rule)))
}

/// Deletes a triage rule (what it did stays recorded).
#[utoipa::path(
    operation_id = "delete_triage_rule",
    tag = tags::CALLS,
    params(("id" = Uuid, Path)),
    responses((status = 204, description = "Deleted"), NotFound),
    security(("bearer" = []))
)]
#[delete("/triage-rules/{id}")]
pub async fn remove(_auth: Authorized<can::CallsTriage>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    usecase::delete(&state, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create).service(list).service(get).service(replace).service(remove);
}
