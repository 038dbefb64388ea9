//! The directory: customers and their locations, contacts (with the caller lookup),
//! partners, products and equipment.

pub mod contacts;
pub mod customers;
pub mod equipment;
pub mod locations;
pub mod partners;
pub mod portal_accounts;
pub mod products;

use utoipa_actix_web::service_config::ServiceConfig;

pub(crate) use crate::conventions::validation::{clean, clean_patch, referenced};

/// The directory's routes. Contacts register `/contacts/lookup` before `/contacts/{id}`, which would otherwise take "lookup" for an id.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.configure(customers::configure)
        .configure(locations::configure)
        .configure(contacts::configure)
        .configure(portal_accounts::configure)
        .configure(partners::configure)
        .configure(products::configure)
        .configure(equipment::configure);
}

/// The two routes by external reference of a directory kind: `PUT` (the upsert a sync job
/// replays, see `conventions::external_ref`) and `GET`. Each kind names its types, paths and
/// how a new one is created from the upsert's body; the rest is the same for all. The module
/// brings `get` and `put` (the route attributes the OpenAPI derive reads by name).
macro_rules! by_external_ref_routes {
    (
        table: $table:tt,
        path: $path:tt,
        upsert: ($upsert_id:tt, $upsert_doc:tt),
        get: ($get_id:tt, $get_doc:tt),
        body: $create:ty,
        update: $update:ty,
        out: $out:ty,
        read: $read:path,
        insert: |$state:ident, $body:ident| $insert:expr $(,)?
    ) => {
        #[doc = $upsert_doc]
        #[utoipa::path(
            operation_id = $upsert_id,
            tag = crate::openapi::tags::DIRECTORY,
            params(("ref" = String, Path, description = "The ERP's id for it, 1 to 128 characters")),
            request_body = $create,
            responses(
                (status = 200, body = $out, headers(("ETag" = String))),
                (status = 201, body = $out, headers(("ETag" = String), ("Location" = String))),
                crate::openapi::NotFound,
                (status = 409, description = "`external_ref_taken`", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 422, description = "`validation_failed`, `invalid_body`", body = crate::error::Problem, content_type = "application/problem+json")
            ),
            security(("bearer" = []), ("api_key" = []))
        )]
        #[put($path)]
        pub async fn upsert(
            _auth: crate::auth::Authorized<crate::auth::can::DirectoryWrite>,
            $state: actix_web::web::Data<crate::state::AppState>,
            reference: actix_web::web::Path<String>,
            body: actix_web::web::Json<serde_json::Value>,
        ) -> crate::error::ApiResult<actix_web::HttpResponse> {
            use crate::conventions::external_ref::{self, Upsert};
            match external_ref::upsert::<$create, $update>(&$state.db, $table, &reference, body.into_inner()).await? {
                Upsert::Create($body) => $insert,
                Upsert::Update(id, body) => change(&$state, id, None, body).await,
            }
        }

        #[doc = $get_doc]
        #[utoipa::path(
            operation_id = $get_id,
            tag = crate::openapi::tags::DIRECTORY,
            params(("ref" = String, Path, description = "The ERP's id for it")),
            responses((status = 200, body = $out, headers(("ETag" = String))), crate::openapi::NotFound),
            security(("bearer" = []), ("api_key" = []))
        )]
        #[get($path)]
        pub async fn by_external_ref(
            _auth: crate::auth::Authorized<crate::auth::can::DirectoryRead>,
            state: actix_web::web::Data<crate::state::AppState>,
            reference: actix_web::web::Path<String>,
        ) -> crate::error::ApiResult<actix_web::HttpResponse> {
            let id = crate::conventions::external_ref::existing(&state.db, $table, &reference).await?;
            let found = $read(&state.db, id).await?;
            Ok(crate::conventions::etag::versioned(actix_web::HttpResponse::Ok(), found.version, &<$out>::from(found)))
        }
    };
}

pub(crate) use by_external_ref_routes;
