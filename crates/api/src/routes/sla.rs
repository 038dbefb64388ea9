//! Business calendars and SLA policies (admins keep them; every staff member reads them).

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use servdesk_domain::business_time::{self, Calendar, Holiday, Range};
use servdesk_domain::errors::field;
use servdesk_domain::sla::{BusinessCalendar, Conditions, DEFAULT_WARN_PERCENT, Policy, Targets};
use servdesk_domain::tickets::Channel;
use servdesk_persistence::sla as store;
use servdesk_usecases::sla::{self as usecase, WEEKDAYS};
use servdesk_usecases::{Error, FieldError};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::{Authorized, can};
use crate::conventions::etag::{IfMatch, created, versioned};
use crate::conventions::validation;
use crate::error::{ApiError, ApiResult, Problem};
use crate::openapi::{NotFound, StaleVersion, tags};
use crate::state::AppState;
use crate::wire;

/// A working range of a day, local time.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RangeIo {
    /// `HH:MM`.
    #[schema(example = "08:00", pattern = "^[0-9]{2}:[0-9]{2}$")]
    pub from: String,
    /// `HH:MM`; `24:00` ends the day.
    #[schema(example = "16:00", pattern = "^[0-9]{2}:[0-9]{2}$")]
    pub to: String,
}

/// Working ranges per weekday; a day left out (or empty) is a day off.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct WeekIo {
    #[serde(default)]
    pub monday: Vec<RangeIo>,
    #[serde(default)]
    pub tuesday: Vec<RangeIo>,
    #[serde(default)]
    pub wednesday: Vec<RangeIo>,
    #[serde(default)]
    pub thursday: Vec<RangeIo>,
    #[serde(default)]
    pub friday: Vec<RangeIo>,
    #[serde(default)]
    pub saturday: Vec<RangeIo>,
    #[serde(default)]
    pub sunday: Vec<RangeIo>,
}

impl WeekIo {
    fn days(&self) -> [&Vec<RangeIo>; 7] {
        [&self.monday, &self.tuesday, &self.wednesday, &self.thursday, &self.friday, &self.saturday, &self.sunday]
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
pub struct HolidayIo {
    pub date: NaiveDate,
    /// Every year on the same day (its year is then ignored).
    #[serde(default)]
    pub yearly: bool,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub name: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({
    "name": "Ljubljana office", "time_zone": "Europe/Ljubljana",
    "week": {"monday": [{"from": "08:00", "to": "12:00"}, {"from": "12:30", "to": "16:00"}], "friday": [{"from": "08:00", "to": "14:00"}]},
    "holidays": [{"date": "2027-12-25", "yearly": true, "name": "Christmas"}, {"date": "2027-03-29", "name": "Easter Monday"}]
}))]
pub struct CalendarIn {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// An IANA time zone name: working hours are local time there, across DST changes.
    #[schema(example = "Europe/Ljubljana", max_length = 64)]
    pub time_zone: String,
    pub week: WeekIo,
    #[serde(default)]
    #[validate(nested, length(max = 1000))]
    #[schema(max_items = 1000)]
    pub holidays: Vec<HolidayIo>,
}

impl CalendarIn {
    fn calendar(self) -> ApiResult<BusinessCalendar> {
        let mut errors = Vec::new();
        let time_zone = business_time::time_zone(&self.time_zone);
        if time_zone.is_none() {
            errors.push(FieldError::new("time_zone", field::TIME_ZONE, format!("{:?} is not an IANA time zone name", self.time_zone)));
        }
        let mut week: [Vec<Range>; 7] = Default::default();
        for (day, ranges) in self.week.days().into_iter().enumerate() {
            for (i, r) in ranges.iter().enumerate() {
                match (business_time::parse_time_of_day(&r.from), business_time::parse_time_of_day(&r.to)) {
                    (Some(from), Some(to)) => week[day].push(Range::new(from, to)),
                    _ => errors.push(FieldError::new(format!("week.{}[{i}]", WEEKDAYS[day]), field::TIME_OF_DAY, "from and to are HH:MM")),
                }
            }
        }
        let (Some(time_zone), true) = (time_zone, errors.is_empty()) else { return Err(ApiError(Error::validation(errors))) };
        Ok(BusinessCalendar {
            id: Uuid::nil(),
            name: self.name.trim().to_owned(),
            calendar: Calendar {
                time_zone,
                week,
                holidays: self
                    .holidays
                    .into_iter()
                    .map(|h| Holiday { date: h.date, yearly: h.yearly, name: validation::clean(h.name) })
                    .collect(),
            },
            version: 0,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct CalendarOut {
    pub id: Uuid,
    pub name: String,
    pub time_zone: String,
    pub week: WeekIo,
    pub holidays: Vec<HolidayIo>,
    pub version: i64,
}

impl From<BusinessCalendar> for CalendarOut {
    fn from(c: BusinessCalendar) -> Self {
        let day = |i: usize| -> Vec<RangeIo> {
            c.calendar.week[i]
                .iter()
                .map(|r| RangeIo { from: business_time::format_time_of_day(r.start), to: business_time::format_time_of_day(r.end) })
                .collect()
        };
        Self {
            id: c.id,
            name: c.name.clone(),
            time_zone: c.calendar.time_zone.name().to_owned(),
            week: WeekIo {
                monday: day(0),
                tuesday: day(1),
                wednesday: day(2),
                thursday: day(3),
                friday: day(4),
                saturday: day(5),
                sunday: day(6),
            },
            holidays: c.calendar.holidays.iter().map(|h| HolidayIo { date: h.date, yearly: h.yearly, name: h.name.clone() }).collect(),
            version: c.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CalendarsOut {
    pub items: Vec<CalendarOut>,
}

/// Which tickets a policy is for: every list given must contain the ticket's value.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema, Validate)]
pub struct ConditionsIo {
    #[serde(default)]
    #[validate(length(max = 100))]
    #[schema(max_items = 100)]
    pub priority_ids: Vec<Uuid>,
    #[serde(default)]
    #[validate(length(max = 1000))]
    #[schema(max_items = 1000)]
    pub customer_ids: Vec<Uuid>,
    #[serde(default)]
    #[validate(length(max = 1000))]
    #[schema(max_items = 1000)]
    pub contract_ids: Vec<Uuid>,
    /// Ticket categories.
    #[serde(default)]
    #[validate(length(max = 100))]
    #[schema(max_items = 100)]
    pub category_ids: Vec<Uuid>,
    #[serde(default)]
    #[schema(schema_with = wire::channels)]
    pub channels: Vec<Channel>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({
    "name": "Urgent, business hours", "position": 10, "calendar_id": "01933b5e-0000-7000-8000-000000000000",
    "conditions": {"priority_ids": ["01933b5e-0000-7000-8000-000000000001"]},
    "first_response_minutes": 30, "next_response_minutes": 120, "resolution_minutes": 480, "warn_at_percent": 80
}))]
pub struct PolicyIn {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Policies are tried smallest first; the first whose conditions hold applies.
    #[serde(default)]
    pub position: i32,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    #[validate(nested)]
    pub conditions: ConditionsIo,
    /// The business calendar its clocks run on.
    pub calendar_id: Uuid,
    /// Business minutes from the report to the first public reply by staff.
    #[schema(minimum = 1, maximum = 527040)]
    pub first_response_minutes: Option<i64>,
    /// Business minutes from a customer's reply to staff's public answer.
    #[schema(minimum = 1, maximum = 527040)]
    pub next_response_minutes: Option<i64>,
    /// Business minutes from the report to resolution, pending time left out.
    #[schema(minimum = 1, maximum = 527040)]
    pub resolution_minutes: Option<i64>,
    /// Warn when this share of a target's time has run (1–99, default 80).
    #[schema(minimum = 1, maximum = 99)]
    pub warn_at_percent: Option<u8>,
}

fn yes() -> bool {
    true
}

impl PolicyIn {
    fn policy(self) -> Policy {
        Policy {
            id: Uuid::nil(),
            name: self.name.trim().to_owned(),
            position: self.position,
            active: self.active,
            conditions: Conditions {
                priority_ids: self.conditions.priority_ids,
                customer_ids: self.conditions.customer_ids,
                contract_ids: self.conditions.contract_ids,
                category_ids: self.conditions.category_ids,
                channels: self.conditions.channels,
            },
            calendar_id: self.calendar_id,
            targets: Targets {
                first_response: self.first_response_minutes,
                next_response: self.next_response_minutes,
                resolution: self.resolution_minutes,
            },
            warn_at_percent: self.warn_at_percent.unwrap_or(DEFAULT_WARN_PERCENT),
            version: 0,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PolicyOut {
    pub id: Uuid,
    pub name: String,
    pub position: i32,
    pub active: bool,
    pub conditions: ConditionsIo,
    pub calendar_id: Uuid,
    pub first_response_minutes: Option<i64>,
    pub next_response_minutes: Option<i64>,
    pub resolution_minutes: Option<i64>,
    pub warn_at_percent: u8,
    pub version: i64,
}

impl From<Policy> for PolicyOut {
    fn from(p: Policy) -> Self {
        Self {
            id: p.id,
            name: p.name,
            position: p.position,
            active: p.active,
            conditions: ConditionsIo {
                priority_ids: p.conditions.priority_ids,
                customer_ids: p.conditions.customer_ids,
                contract_ids: p.conditions.contract_ids,
                category_ids: p.conditions.category_ids,
                channels: p.conditions.channels,
            },
            calendar_id: p.calendar_id,
            first_response_minutes: p.targets.first_response,
            next_response_minutes: p.targets.next_response,
            resolution_minutes: p.targets.resolution,
            warn_at_percent: p.warn_at_percent,
            version: p.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PoliciesOut {
    pub items: Vec<PolicyOut>,
}

const INVALID_CALENDAR: &str =
    "`validation_failed`: an unknown time zone, a time that is not HH:MM, ranges of a day that run backwards or overlap";
const INVALID_POLICY: &str = "`validation_failed`: no target, a target or warning out of range, an unknown calendar, or a condition naming \
                              an unknown priority, category, customer or contract";

/// The business calendars.
#[utoipa::path(
    operation_id = "list_business_calendars",
    tag = tags::SLA,
    responses((status = 200, body = CalendarsOut)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/sla/calendars")]
pub async fn list_calendars(_auth: Authorized<can::DictionariesRead>, state: web::Data<AppState>) -> ApiResult<web::Json<CalendarsOut>> {
    Ok(web::Json(CalendarsOut { items: store::calendars(&state.db).await?.into_iter().map(CalendarOut::from).collect() }))
}

/// Adds a business calendar.
#[utoipa::path(
    operation_id = "create_business_calendar",
    tag = tags::SLA,
    request_body = CalendarIn,
    responses(
        (status = 201, body = CalendarOut, headers(("ETag" = String), ("Location" = String))),
        (status = 422, description = INVALID_CALENDAR, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[post("/sla/calendars")]
pub async fn create_calendar(
    _auth: Authorized<can::DictionariesManage>,
    state: web::Data<AppState>,
    body: web::Json<CalendarIn>,
) -> ApiResult<HttpResponse> {
    body.validate()?;
    let c = usecase::create_calendar(&state, body.into_inner().calendar()?).await?;
    Ok(created(format!("/api/v1/sla/calendars/{}", c.id), c.version, &CalendarOut::from(c)))
}

/// One business calendar.
#[utoipa::path(
    operation_id = "get_business_calendar",
    tag = tags::SLA,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CalendarOut, headers(("ETag" = String))), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/sla/calendars/{id}")]
pub async fn get_calendar(
    _auth: Authorized<can::DictionariesRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let c = store::calendar(&state.db, id.into_inner()).await?;
    Ok(versioned(HttpResponse::Ok(), c.version, &CalendarOut::from(c)))
}

/// Replaces a business calendar. Tickets' due times follow at their next change.
#[utoipa::path(
    operation_id = "replace_business_calendar",
    tag = tags::SLA,
    params(("id" = Uuid, Path), IfMatch),
    request_body = CalendarIn,
    responses(
        (status = 200, body = CalendarOut, headers(("ETag" = String))),
        NotFound,
        StaleVersion,
        (status = 422, description = INVALID_CALENDAR, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[put("/sla/calendars/{id}")]
pub async fn replace_calendar(
    _auth: Authorized<can::DictionariesManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<CalendarIn>,
) -> ApiResult<HttpResponse> {
    body.validate()?;
    let c = usecase::replace_calendar(&state, id.into_inner(), if_match.0, body.into_inner().calendar()?).await?;
    Ok(versioned(HttpResponse::Ok(), c.version, &CalendarOut::from(c)))
}

/// Deletes a calendar no policy runs on.
#[utoipa::path(
    operation_id = "delete_business_calendar",
    tag = tags::SLA,
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted"),
        NotFound,
        (status = 409, description = "`calendar_in_use`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[delete("/sla/calendars/{id}")]
pub async fn delete_calendar(
    _auth: Authorized<can::DictionariesManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    usecase::delete_calendar(&state, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The SLA policies, in the order they are tried.
#[utoipa::path(
    operation_id = "list_sla_policies",
    tag = tags::SLA,
    responses((status = 200, body = PoliciesOut)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/sla/policies")]
pub async fn list_policies(_auth: Authorized<can::DictionariesRead>, state: web::Data<AppState>) -> ApiResult<web::Json<PoliciesOut>> {
    Ok(web::Json(PoliciesOut { items: store::policies(&state.db).await?.into_iter().map(PolicyOut::from).collect() }))
}

/// Adds an SLA policy.
#[utoipa::path(
    operation_id = "create_sla_policy",
    tag = tags::SLA,
    request_body = PolicyIn,
    responses(
        (status = 201, body = PolicyOut, headers(("ETag" = String), ("Location" = String))),
        (status = 422, description = INVALID_POLICY, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[post("/sla/policies")]
pub async fn create_policy(
    _auth: Authorized<can::DictionariesManage>,
    state: web::Data<AppState>,
    body: web::Json<PolicyIn>,
) -> ApiResult<HttpResponse> {
    body.validate()?;
    let p = usecase::create_policy(&state, body.into_inner().policy()).await?;
    Ok(created(format!("/api/v1/sla/policies/{}", p.id), p.version, &PolicyOut::from(p)))
}

/// One SLA policy.
#[utoipa::path(
    operation_id = "get_sla_policy",
    tag = tags::SLA,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = PolicyOut, headers(("ETag" = String))), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/sla/policies/{id}")]
pub async fn get_policy(
    _auth: Authorized<can::DictionariesRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let p = store::policy(&state.db, id.into_inner()).await?;
    Ok(versioned(HttpResponse::Ok(), p.version, &PolicyOut::from(p)))
}

/// Replaces an SLA policy.
#[utoipa::path(
    operation_id = "replace_sla_policy",
    tag = tags::SLA,
    params(("id" = Uuid, Path), IfMatch),
    request_body = PolicyIn,
    responses(
        (status = 200, body = PolicyOut, headers(("ETag" = String))),
        NotFound,
        StaleVersion,
        (status = 422, description = INVALID_POLICY, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[put("/sla/policies/{id}")]
pub async fn replace_policy(
    _auth: Authorized<can::DictionariesManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<PolicyIn>,
) -> ApiResult<HttpResponse> {
    body.validate()?;
    let p = usecase::replace_policy(&state, id.into_inner(), if_match.0, body.into_inner().policy()).await?;
    Ok(versioned(HttpResponse::Ok(), p.version, &PolicyOut::from(p)))
}

/// Deletes an SLA policy.
#[utoipa::path(
    operation_id = "delete_sla_policy",
    tag = tags::SLA,
    params(("id" = Uuid, Path)),
    responses((status = 204, description = "Deleted"), NotFound),
    security(("bearer" = []))
)]
#[delete("/sla/policies/{id}")]
pub async fn delete_policy(
    _auth: Authorized<can::DictionariesManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    usecase::delete_policy(&state, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// One target's clock.
#[derive(Serialize, ToSchema)]
pub struct ClockOut {
    #[schema(schema_with = wire::sla_target)]
    pub target: servdesk_domain::sla::Target,
    pub target_minutes: i64,
    /// When it falls due; `null` while the ticket is pending.
    pub due_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When it is at risk (the policy's warning share of its time run).
    pub warn_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Met then (the clock stopped).
    pub met_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Business minutes run, pending time left out.
    pub elapsed_minutes: i64,
    /// Business minutes left (negative once missed); `null` once met.
    pub remaining_minutes: Option<i64>,
    pub breached: bool,
}

/// A ticket's SLA: its policy and each target's clock now.
#[derive(Serialize, ToSchema)]
pub struct TicketSlaOut {
    /// `null` when no policy applies to the ticket (then `targets` is empty).
    pub policy_id: Option<Uuid>,
    pub policy_name: Option<String>,
    #[schema(schema_with = wire::sla_state_or_null)]
    pub state: Option<servdesk_domain::sla::SlaState>,
    /// Business minutes the ticket was pending (the clocks held).
    pub paused_minutes: i64,
    /// Pending now, since then.
    pub paused_since: Option<chrono::DateTime<chrono::Utc>>,
    pub targets: Vec<ClockOut>,
}

/// The ticket's SLA clocks: for each target of its policy the due time, the business minutes
/// run and left, and whether it was missed; how long it was pending.
#[utoipa::path(
    operation_id = "get_ticket_sla",
    tag = tags::SLA,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = TicketSlaOut), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tickets/{id}/sla")]
pub async fn ticket_sla(
    auth: Authorized<can::TicketsRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<TicketSlaOut>> {
    let Some(t) = usecase::ticket_clocks(&state, auth.principal(), id.into_inner()).await? else {
        return Ok(web::Json(TicketSlaOut {
            policy_id: None,
            policy_name: None,
            state: None,
            paused_minutes: 0,
            paused_since: None,
            targets: Vec::new(),
        }));
    };
    Ok(web::Json(TicketSlaOut {
        policy_id: Some(t.policy.id),
        policy_name: Some(t.policy.name),
        state: Some(t.state),
        paused_minutes: t.paused_minutes,
        paused_since: t.paused_since,
        targets: t
            .clocks
            .iter()
            .map(|c| ClockOut {
                target: c.target,
                target_minutes: c.target_minutes,
                due_at: c.due_at,
                warn_at: c.warn_at,
                met_at: c.met_at,
                elapsed_minutes: c.elapsed_minutes,
                remaining_minutes: c.remaining_minutes(),
                breached: c.breached,
            })
            .collect(),
    }))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(ticket_sla);
    cfg.service(list_calendars)
        .service(create_calendar)
        .service(get_calendar)
        .service(replace_calendar)
        .service(delete_calendar)
        .service(list_policies)
        .service(create_policy)
        .service(get_policy)
        .service(replace_policy)
        .service(delete_policy);
}
