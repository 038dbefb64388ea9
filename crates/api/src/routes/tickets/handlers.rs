//! Ticket handlers: authorise, read or call the use case (which writes in one transaction with
//! its timeline event), answer.

use std::collections::HashMap;

use actix_web::{HttpResponse, get, patch, post, put, web};
use servdesk_domain::dictionaries::DictionaryKind;
use servdesk_domain::tickets::{self as rules};
use servdesk_persistence::tickets::{self, TicketFilter};
use servdesk_persistence::{Cursor, TransactionTrait};
use servdesk_usecases::access::visibility;
use servdesk_usecases::tickets::{Edited, edit, open, progress, statuses};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::dto::{CreateTicket, TicketFilterParams, UpdateTicket};
use super::events::EventOut;
use crate::auth::{Authorized, can};
use crate::conventions::etag::{IfMatch, created, versioned};
use crate::conventions::export::{ExportParams, Representation, csv_download, every_page, representation};
use crate::conventions::external_ref::{self, Upsert};
use crate::conventions::pagination::{PageParams, Paged, encode};
use crate::dto::TicketOut;
use crate::dto::names::Names;
use crate::error::{ApiResult, Problem};
use crate::openapi::tags;
use crate::openapi::{NotFound, StaleVersion};
use crate::state::{AppState, now};

/// Opens a ticket (coordinators, agents, `tickets:write` keys). Its number is
/// `T-YYYY-NNNNNN`, its status the default of class `new`.
#[utoipa::path(
    operation_id = "create_ticket",
    tag = tags::TICKETS,
    request_body = CreateTicket,
    responses((status = 201, body = TicketOut, headers(("ETag" = String), ("Location" = String)))),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/tickets")]
pub async fn create(
    auth: Authorized<can::TicketsWrite>,
    state: web::Data<AppState>,
    body: web::Json<CreateTicket>,
) -> ApiResult<HttpResponse> {
    insert(&state, auth.principal(), body.into_inner()).await
}

/// Creates one (the POST and the upsert).
async fn insert(state: &AppState, principal: &servdesk_domain::Principal, body: CreateTicket) -> ApiResult<HttpResponse> {
    body.validate()?;
    let txn = state.db.begin().await?;
    let ticket = open(&txn, state, principal, body.into(), None, None).await?;
    let statuses = statuses(state, &txn, &[ticket.status_id]).await?;
    servdesk_usecases::commit(txn).await?;
    // A new ticket has no tasks yet.
    Ok(created(format!("/api/v1/tickets/{}", ticket.id), ticket.version, &TicketOut::new(ticket, &statuses, &HashMap::new())))
}

/// One ticket (404 also when the caller may not see it).
#[utoipa::path(
    operation_id = "get_ticket",
    tag = tags::TICKETS,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = TicketOut, headers(("ETag" = String))), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tickets/{id}")]
pub async fn get(auth: Authorized<can::TicketsRead>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let visibility = visibility(&state.db, auth.principal()).await?;
    let ticket = tickets::get_visible(&state.db, id.into_inner(), &visibility).await?;
    let statuses = statuses(&state, &state.db, &[ticket.status_id]).await?;
    let progress = progress(&state.db, [&ticket]).await?;
    Ok(versioned(HttpResponse::Ok(), ticket.version, &TicketOut::new(ticket, &statuses, &progress)))
}

/// Lists the tickets the caller may see, filtered.
///
/// Custom fields filter as `cf.<key>=<value>` (any number of them, all must hold; a multiple
/// choice matches when it includes the value); an unknown key answers 422.
///
/// `Accept: text/csv` (or `format=csv`) exports every ticket the filter selects (not a page;
/// at most 100,000, else 422 `export_too_large`) as a spreadsheet: names beside ids, a
/// column `cf.<key>` per active custom field of tickets (multiple choices joined by `|`).
#[utoipa::path(
    operation_id = "list_tickets",
    tag = tags::TICKETS,
    params(PageParams, TicketFilterParams, ExportParams),
    responses(
        (status = 200, content(
            (Paged<TicketOut> = "application/json"),
            (String = "text/csv", example = json!("number,title,status,status_class,priority,…,cf.meter\r\nT-2027-000001,Leak under the sink,New,new,Normal,…,1234\r\n"))
        )),
        (status = 422, description = "`export_too_large`: more than 100,000 tickets to export; narrow the filter", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tickets")]
pub async fn list(
    auth: Authorized<can::TicketsRead>,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    filter: web::Query<TicketFilterParams>,
    export: web::Query<ExportParams>,
    req: actix_web::HttpRequest,
) -> ApiResult<HttpResponse> {
    let representation = representation(&req, &state.config, &export, &["json", "csv"])?;
    let visibility = visibility(&state.db, auth.principal()).await?;
    let f = filter.into_inner();
    // A class filter lists its statuses from the dictionary snapshot (a status added by
    // another process joins within the snapshot's 5 s, as it does on display).
    let status_ids = match f.status_class {
        Some(class) => Some(statuses(&state, &state.db, &[]).await?.iter().filter(|s| s.class == Some(class)).map(|s| s.id).collect()),
        None => None,
    };
    let custom = servdesk_usecases::custom_fields::filters(
        &state.db,
        servdesk_domain::custom_fields::FieldEntity::Ticket,
        &crate::conventions::validation::query_pairs(&req),
    )
    .await?;
    let filter = TicketFilter {
        custom,
        sla: f.sla.map(|state| (state, now())),
        external_ref: f.external_ref,
        q: f.q,
        status_ids,
        status_id: f.status_id,
        team_id: f.team_id,
        assignee_id: f.assignee_id,
        unassigned: f.unassigned,
        customer_id: f.customer_id,
        contact_id: f.contact_id,
        equipment_id: f.equipment_id,
        priority_id: f.priority_id,
        category_id: f.category_id,
        type_id: f.type_id,
        channel: f.channel,
        warranty: f.warranty,
        created_from: f.created_from,
        created_to: f.created_to,
        updated_from: f.updated_from,
        updated_to: f.updated_to,
    };
    if let Representation::Csv(format) = representation {
        let all = every_page(|request| tickets::list(&state.db, &filter, &visibility, request)).await?;
        let needed: Vec<Uuid> = all.iter().map(|t| t.status_id).collect();
        let statuses = statuses(&state, &state.db, &needed).await?;
        let progress = progress(&state.db, &all).await?;
        let kinds = [DictionaryKind::Priority, DictionaryKind::TicketCategory, DictionaryKind::TicketType];
        let names = Names::load(&state.db, &kinds, all.iter().filter_map(|t| t.customer_id)).await?;
        let fields = servdesk_usecases::custom_fields::columns(&state.db, servdesk_domain::custom_fields::FieldEntity::Ticket).await?;
        let rows: Vec<TicketOut> = all.into_iter().map(|t| TicketOut::new(t, &statuses, &progress)).collect();
        return Ok(csv_download("tickets.csv", super::export::csv(&rows, &names, &fields, format)));
    }
    let page = tickets::list(&state.db, &filter, &visibility, page.to_request_with_due()?).await?;
    let needed: Vec<Uuid> = page.items.iter().map(|t| t.status_id).collect();
    let statuses = statuses(&state, &state.db, &needed).await?;
    let progress = progress(&state.db, &page.items).await?;
    Ok(HttpResponse::Ok().json(Paged::from_page(page, |t| TicketOut::new(t, &statuses, &progress))))
}

/// Changes a ticket's fields (`If-Match` guards against lost updates). Status and assignment
/// have their own actions. Each change is a `fields_changed` event with before and after.
#[utoipa::path(
    operation_id = "update_ticket",
    tag = tags::TICKETS,
    params(("id" = Uuid, Path), IfMatch),
    request_body = UpdateTicket,
    responses(
        (status = 200, body = TicketOut, headers(("ETag" = String))),
        NotFound,
        StaleVersion
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[patch("/tickets/{id}")]
pub async fn update(
    auth: Authorized<can::TicketsWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<UpdateTicket>,
) -> ApiResult<HttpResponse> {
    change(&state, auth.principal(), id.into_inner(), if_match.0, body.into_inner()).await
}

/// Changes one (the PATCH and the upsert).
async fn change(
    state: &AppState,
    principal: &servdesk_domain::Principal,
    id: Uuid,
    expected: Option<i64>,
    body: UpdateTicket,
) -> ApiResult<HttpResponse> {
    body.validate()?;
    let Edited { ticket, statuses, progress } = edit(state, principal, id, expected, body.into()).await?;
    Ok(versioned(HttpResponse::Ok(), ticket.version, &TicketOut::new(ticket, &statuses, &progress)))
}

/// The ticket's timeline, oldest first: the audit log.
#[utoipa::path(
    tag = tags::TICKETS,
    params(("id" = Uuid, Path), PageParams),
    responses((status = 200, body = Paged<EventOut>), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tickets/{id}/events")]
pub async fn events(
    auth: Authorized<can::TicketsRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Paged<EventOut>>> {
    let (after, limit) = page.append_only("events")?;
    let visibility = visibility(&state.db, auth.principal()).await?;
    let ticket = tickets::get_visible(&state.db, id.into_inner(), &visibility).await?;
    let (events, next) = tickets::events(&state.db, ticket.id, after, limit).await?;
    Ok(web::Json(Paged { items: events.into_iter().map(EventOut::from).collect(), next_cursor: next.map(|id| encode(Cursor::Id(id))) }))
}

/// A past ticket like this one, with why.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SimilarOut {
    pub ticket: TicketOut,
    /// Higher is more alike: 2 per shared word of title and description, 5 for the same
    /// equipment, 1 for the same customer.
    pub score: u32,
    pub same_equipment: bool,
    pub same_customer: bool,
    pub shared_words: Vec<String>,
}

/// Closed tickets like this one — similar text, the same equipment or the same customer —
/// best first (at most 10).
#[utoipa::path(
    operation_id = "list_similar_tickets",
    tag = tags::TICKETS,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<SimilarOut>), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tickets/{id}/similar")]
pub async fn similar(
    auth: Authorized<can::TicketsRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<SimilarOut>>> {
    let visibility = visibility(&state.db, auth.principal()).await?;
    let ticket = tickets::get_visible(&state.db, id.into_inner(), &visibility).await?;
    let text = format!("{} {}", ticket.title, ticket.description.as_deref().unwrap_or(""));
    let terms: Vec<String> = servdesk_persistence::search::terms(&text).into_iter().filter(|t| t.chars().count() > 2).collect();
    let candidates = tickets::similar_candidates(&state.db, &ticket, &terms, &visibility, 200).await?;
    let needed: Vec<Uuid> = candidates.iter().map(|t| t.status_id).collect();
    let statuses = statuses(&state, &state.db, &needed).await?;
    let progress = progress(&state.db, &candidates).await?;
    let mut ranked: Vec<(rules::Similarity, servdesk_domain::tickets::Ticket)> =
        candidates.into_iter().map(|c| (rules::similarity(&ticket, &c), c)).filter(|(s, _)| s.score > 0).collect();
    ranked.sort_by(|a, b| b.0.score.cmp(&a.0.score).then(b.1.id.cmp(&a.1.id)));
    Ok(web::Json(
        ranked
            .into_iter()
            .take(10)
            .map(|(s, t)| SimilarOut {
                ticket: TicketOut::new(t, &statuses, &progress),
                score: s.score,
                same_equipment: s.same_equipment,
                same_customer: s.same_customer,
                shared_words: s.shared_words,
            })
            .collect(),
    ))
}

/// Registers this module's routes.
/// Creates or changes the ticket with this external reference, so a sync job can send the
/// same thing again safely: the create body; 201 when it is new, 200 when it existed — then
/// the fields the body names are set (as `PATCH` would) and the rest keep their values; what
/// only a new ticket takes (channel, equipment and serial, team and assignee, reported time)
/// is left as it is — assign and move it through its own routes.
#[utoipa::path(
    operation_id = "upsert_ticket_by_external_ref",
    tag = tags::TICKETS,
    params(("ref" = String, Path, description = "The ERP's id for it, 1 to 128 characters")),
    request_body = CreateTicket,
    responses(
        (status = 200, body = TicketOut, headers(("ETag" = String))),
        (status = 201, body = TicketOut, headers(("ETag" = String), ("Location" = String))),
        NotFound,
        (status = 409, description = "`external_ref_taken`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`, `invalid_body`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[put("/tickets/by-external-ref/{ref}")]
pub async fn upsert(
    auth: Authorized<can::TicketsWrite>,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    body: web::Json<serde_json::Value>,
) -> ApiResult<HttpResponse> {
    match external_ref::upsert::<CreateTicket, UpdateTicket>(&state.db, "tickets", &reference, body.into_inner()).await? {
        Upsert::Create(body) => insert(&state, auth.principal(), body).await,
        Upsert::Update(id, body) => change(&state, auth.principal(), id, None, body).await,
    }
}

/// The ticket with this external reference (404 also when the caller may not see it).
#[utoipa::path(
    operation_id = "get_ticket_by_external_ref",
    tag = tags::TICKETS,
    params(("ref" = String, Path, description = "The ERP's id for it")),
    responses((status = 200, body = TicketOut, headers(("ETag" = String))), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tickets/by-external-ref/{ref}")]
pub async fn by_external_ref(
    auth: Authorized<can::TicketsRead>,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = external_ref::existing(&state.db, "tickets", &reference).await?;
    let visibility = visibility(&state.db, auth.principal()).await?;
    let ticket = tickets::get_visible(&state.db, id, &visibility).await?;
    let statuses = statuses(&state, &state.db, &[ticket.status_id]).await?;
    let progress = progress(&state.db, [&ticket]).await?;
    Ok(versioned(HttpResponse::Ok(), ticket.version, &TicketOut::new(ticket, &statuses, &progress)))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(upsert).service(by_external_ref);
    cfg.service(create).service(list).service(get).service(update).service(events).service(similar);
}
