//! Contacts, and the caller lookup that telephony and intake use.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use serde::{Deserialize, Serialize};
use servdesk_domain::directory::NotificationChannel;
use servdesk_domain::errors::field;
use servdesk_domain::phone::PhoneNumber;
use servdesk_persistence::directory::contacts::{self, ContactChanges, ContactFilter, NewContact};
use servdesk_persistence::directory::customers;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::{clean, clean_patch, referenced};
use crate::auth::{Authorized, can};
use crate::conventions::etag::{IfMatch, created, versioned};
use crate::conventions::pagination::{PageParams, Paged};
use crate::conventions::patch::double_option;
use crate::conventions::validation::{self, Fields};
use crate::dto::directory::{ContactOut, CustomerOut};
use crate::error::{ApiResult, Problem};
use crate::openapi::tags;
use crate::openapi::{NotFound, StaleVersion};
use crate::state::{AppState, now};
use crate::wire;
use servdesk_domain::directory::Contact;
use servdesk_persistence::{ConnectionTrait, TransactionTrait};
use servdesk_usecases::config::Config;

fn email_channel() -> NotificationChannel {
    NotificationChannel::Email
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"customer_id": "01933b5e-0000-7000-8000-000000000000", "name": "Maja Horvat", "email": "Maja.Horvat@Novak.si", "phones": ["040 123 456"], "preferred_channel": "sms", "language": "sl"}))]
pub struct CreateContact {
    pub customer_id: Uuid,
    #[validate(custom(function = "validation::not_blank"), length(max = 200))]
    #[schema(max_length = 200, min_length = 1, pattern = r"\S")]
    pub name: String,
    pub email: Option<String>,
    /// Any common format; stored as E.164.
    #[serde(default)]
    #[validate(length(max = 10))]
    #[schema(max_items = 10)]
    pub phones: Vec<String>,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub job_title: Option<String>,
    #[serde(default)]
    pub portal_access: bool,
    #[serde(default = "email_channel")]
    #[schema(schema_with = wire::notification_channel)]
    pub preferred_channel: NotificationChannel,
    #[validate(length(max = 16))]
    #[schema(max_length = 16)]
    pub language: Option<String>,
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
    /// The ERP's id for it, unique among contacts (`PUT /api/v1/contacts/by-external-ref/{ref}`
    /// finds it; `?external_ref=` lists it).
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128)]
    pub external_ref: Option<String>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"phones": ["+386 40 123 456", "01 234 56 78"], "job_title": null}))]
pub struct UpdateContact {
    /// Moves the contact to another customer.
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub customer_id: Option<Uuid>,
    #[validate(custom(function = "validation::not_blank"), length(max = 200))]
    #[schema(max_length = 200, min_length = 1, pattern = r"\S")]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub email: Option<Option<String>>,
    /// Replaces the whole list.
    #[validate(length(max = 10))]
    #[schema(max_items = 10)]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub phones: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub job_title: Option<Option<String>>,
    pub portal_access: Option<bool>,
    #[schema(schema_with = wire::notification_channel)]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub preferred_channel: Option<NotificationChannel>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 16))]
    #[schema(max_length = 16)]
    pub language: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub notes: Option<Option<String>>,
    pub active: Option<bool>,
    /// The ERP's id for it; `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128)]
    pub external_ref: Option<Option<String>>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactFilterParams {
    /// Search in name, email and job title, and in phone numbers by digits.
    pub q: Option<String>,
    pub customer_id: Option<Uuid>,
    pub active: Option<bool>,
    /// Only the record with this external reference.
    pub external_ref: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LookupParams {
    /// The caller's number in any common format.
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// A contact who matched, with their customer.
#[derive(Serialize, ToSchema)]
pub struct CallerMatch {
    pub contact: ContactOut,
    pub customer: CustomerOut,
}

/// The caller card: who is calling, for telephony pop-ups and intake.
#[derive(Serialize, ToSchema)]
pub struct CallerCard {
    /// The number or address looked up, normalised.
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Active contacts with that phone or email; empty for an unknown caller.
    pub matches: Vec<CallerMatch>,
    /// Open tickets of those contacts or their customers (newest first, at most 20) that
    /// the caller may see.
    pub open_tickets: Vec<crate::dto::TicketOut>,
    /// Their calls still waiting for triage (newest first, at most 20); empty for a caller
    /// who may not read calls.
    pub open_calls: Vec<CallerCall>,
    /// The units of their customers in service (at most 50), with warranty ends.
    pub equipment: Vec<crate::dto::directory::EquipmentOut>,
}

/// A call of the caller still waiting for triage.
#[derive(Serialize, ToSchema)]
pub struct CallerCall {
    pub id: Uuid,
    pub number: String,
    #[schema(schema_with = crate::wire::channel)]
    pub channel: servdesk_domain::tickets::Channel,
    pub subject: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

fn phones(fields: &mut Fields, raw: &[String], region: servdesk_domain::phone::Region) -> Vec<PhoneNumber> {
    raw.iter().enumerate().filter_map(|(i, p)| fields.phone(&format!("phones[{i}]"), Some(p), region)).collect()
}

/// Lists contacts.
#[utoipa::path(
    operation_id = "list_contacts",
    tag = tags::DIRECTORY,
    params(PageParams, ContactFilterParams),
    responses((status = 200, body = Paged<ContactOut>)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/contacts")]
pub async fn list(
    _auth: Authorized<can::DirectoryRead>,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    filter: web::Query<ContactFilterParams>,
) -> ApiResult<web::Json<Paged<ContactOut>>> {
    let filter = ContactFilter {
        external_ref: filter.external_ref.clone(),
        q: filter.q.clone(),
        customer_id: filter.customer_id,
        active: filter.active,
    };
    let page = contacts::list(&state.db, &filter, page.to_request()?).await?;
    Ok(web::Json(Paged::from_page(page, ContactOut::from)))
}

/// Finds who is calling by phone number or email: the caller card.
#[utoipa::path(
    tag = tags::DIRECTORY,
    params(LookupParams),
    responses((status = 200, body = CallerCard)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/contacts/lookup")]
pub async fn lookup(
    auth: Authorized<can::CallerLookup>,
    state: web::Data<AppState>,
    query: web::Query<LookupParams>,
) -> ApiResult<web::Json<CallerCard>> {
    let mut fields = Fields::default();
    if query.phone.is_none() && query.email.is_none() {
        fields.add("phone", field::REQUIRED, "give phone or email");
    }
    let phone = fields.phone("phone", query.phone.as_deref(), state.config.default_phone_region);
    let email = fields.email("email", query.email.as_deref());
    fields.finish()?;
    let found = contacts::find_by_email_or_phone(&state.db, email.as_ref(), phone.as_ref()).await?;
    let contact_ids: Vec<Uuid> = found.iter().map(|c| c.id).collect();
    let mut customer_ids: Vec<Uuid> = found.iter().map(|c| c.customer_id).collect();
    customer_ids.sort();
    customer_ids.dedup();
    let mut matches = Vec::with_capacity(found.len());
    for contact in found {
        let customer = customers::get(&state.db, contact.customer_id).await?;
        matches.push(CallerMatch { contact: contact.into(), customer: customer.into() });
    }
    let visibility = servdesk_usecases::access::visibility(&state.db, auth.principal()).await?;
    let open = servdesk_persistence::tickets::open_for(&state.db, &contact_ids, &customer_ids, &visibility, 20).await?;
    let needed: Vec<uuid::Uuid> = open.iter().map(|t| t.status_id).collect();
    let statuses = servdesk_usecases::tickets::statuses(&state, &state.db, &needed).await?;
    let progress = servdesk_usecases::tickets::progress(&state.db, &open).await?;
    let open_tickets = open.into_iter().map(|t| crate::dto::TicketOut::new(t, &statuses, &progress)).collect();
    let open_calls = if auth.principal().can(servdesk_domain::Permission::CallsRead) {
        servdesk_persistence::calls::waiting_of_contacts(&state.db, &contact_ids, 20)
            .await?
            .into_iter()
            .map(|c| CallerCall { id: c.id, number: c.number, channel: c.channel, subject: c.subject, created_at: c.created_at })
            .collect()
    } else {
        Vec::new()
    };
    let mut equipment = Vec::new();
    for customer_id in &customer_ids {
        let filter = servdesk_persistence::directory::equipment::EquipmentFilter {
            customer_id: Some(*customer_id),
            active: Some(true),
            ..Default::default()
        };
        let page =
            servdesk_persistence::directory::equipment::list(&state.db, &filter, servdesk_persistence::PageRequest::first(50)).await?;
        equipment.extend(page.items.into_iter().map(crate::dto::directory::EquipmentOut::from));
    }
    equipment.truncate(50);
    Ok(web::Json(CallerCard {
        phone: phone.map(|p| p.to_string()),
        email: email.map(|e| e.to_string()),
        matches,
        open_tickets,
        open_calls,
        equipment,
    }))
}

/// Creates a contact of a customer.
#[utoipa::path(
    operation_id = "create_contact",
    tag = tags::DIRECTORY,
    request_body = CreateContact,
    responses((status = 201, body = ContactOut, headers(("ETag" = String), ("Location" = String)))),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/contacts")]
pub async fn create(
    _auth: Authorized<can::DirectoryWrite>,
    state: web::Data<AppState>,
    body: web::Json<CreateContact>,
) -> ApiResult<HttpResponse> {
    let txn = state.db.begin().await?;
    let contact = insert(&txn, &state.config, body.into_inner()).await?;
    servdesk_usecases::commit(txn).await?;
    Ok(created(format!("/api/v1/contacts/{}", contact.id), contact.version, &ContactOut::from(contact)))
}

/// Creates one (the POST and the upsert).
async fn insert(conn: &impl ConnectionTrait, config: &Config, body: CreateContact) -> ApiResult<Contact> {
    let region = config.default_phone_region;
    let mut fields = Fields::check(&body);
    let email = fields.email("email", body.email.as_deref());
    let phones = phones(&mut fields, &body.phones, region);
    fields.finish()?;
    referenced("customer_id", customers::get(conn, body.customer_id).await)?;
    let new = NewContact {
        external_ref: clean(body.external_ref.clone()),
        customer_id: body.customer_id,
        name: body.name.trim().to_owned(),
        email,
        phones,
        job_title: clean(body.job_title),
        portal_access: body.portal_access,
        preferred_channel: body.preferred_channel,
        language: clean(body.language),
        notes: clean(body.notes),
    };
    Ok(contacts::create(conn, new, now()).await?)
}

/// One contact.
#[utoipa::path(
    operation_id = "get_contact",
    tag = tags::DIRECTORY,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ContactOut, headers(("ETag" = String))), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/contacts/{id}")]
pub async fn get(_auth: Authorized<can::DirectoryRead>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let contact = contacts::get(&state.db, id.into_inner()).await?;
    Ok(versioned(HttpResponse::Ok(), contact.version, &ContactOut::from(contact)))
}

/// Changes a contact; `phones` replaces the list.
#[utoipa::path(
    operation_id = "update_contact",
    tag = tags::DIRECTORY,
    params(("id" = Uuid, Path), IfMatch),
    request_body = UpdateContact,
    responses(
        (status = 200, body = ContactOut, headers(("ETag" = String))),
        NotFound,
        StaleVersion
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[patch("/contacts/{id}")]
pub async fn patch(
    _auth: Authorized<can::DirectoryWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<UpdateContact>,
) -> ApiResult<HttpResponse> {
    let txn = state.db.begin().await?;
    let contact = change(&txn, &state.config, id.into_inner(), if_match.0, body.into_inner()).await?;
    servdesk_usecases::commit(txn).await?;
    Ok(versioned(HttpResponse::Ok(), contact.version, &ContactOut::from(contact)))
}

/// Changes one (the PATCH and the upsert).
async fn change(conn: &impl ConnectionTrait, config: &Config, id: Uuid, expected: Option<i64>, body: UpdateContact) -> ApiResult<Contact> {
    let region = config.default_phone_region;
    let mut fields = Fields::check(&body);
    let changes = ContactChanges {
        external_ref: clean_patch(body.external_ref.clone()),
        customer_id: body.customer_id,
        name: body.name.map(|v| v.trim().to_owned()),
        email: body.email.map(|e| fields.email("email", e.as_deref())),
        phones: body.phones.as_deref().map(|p| phones(&mut fields, p, region)),
        job_title: clean_patch(body.job_title),
        portal_access: body.portal_access,
        preferred_channel: body.preferred_channel,
        language: clean_patch(body.language),
        notes: clean_patch(body.notes),
        active: body.active,
    };
    fields.finish()?;
    if let Some(customer_id) = changes.customer_id {
        referenced("customer_id", customers::get(conn, customer_id).await)?;
    }
    Ok(contacts::update(conn, id, expected, changes, now()).await?)
}

/// Deletes a contact nothing refers to; 409 `contact_in_use` otherwise.
#[utoipa::path(
    operation_id = "delete_contact",
    tag = tags::DIRECTORY,
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "deleted"),
        NotFound,
        (status = 409, description = "`contact_in_use`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[delete("/contacts/{id}")]
pub async fn delete(_auth: Authorized<can::DirectoryDelete>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let txn = servdesk_persistence::TransactionTrait::begin(&state.db).await?;
    contacts::delete(&txn, id.into_inner()).await?;
    servdesk_usecases::commit(txn).await?;
    Ok(HttpResponse::NoContent().finish())
}

super::by_external_ref_routes! {
    table: "contacts",
    path: "/contacts/by-external-ref/{ref}",
    upsert: (
        "upsert_contact_by_external_ref",
        "Creates or changes the contact with this external reference, so a sync job can send the same thing again safely: the create body; 201 when it is new, 200 when it existed — then the fields the body names are set (as `PATCH` would) and the rest keep their values."
    ),
    get: ("get_contact_by_external_ref", "The contact with this external reference."),
    body: CreateContact,
    update: UpdateContact,
    out: ContactOut,
    read: contacts::get,
    record: Contact,
    location: "/api/v1/contacts",
    insert: |conn, config, body| insert(conn, config, body).await,
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(upsert).service(by_external_ref);
    cfg.service(lookup).service(list).service(create).service(get).service(patch).service(delete);
}
