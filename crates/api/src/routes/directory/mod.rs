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

/// Writes the rows of a bulk import through each kind's create and upsert, so a row is
/// checked as the same record sent to the API would be (see `servdesk_usecases::imports`).
pub struct DirectoryRows;

impl servdesk_usecases::imports::RowWriter for DirectoryRows {
    fn write<'a>(
        &'a self,
        desk: &'a servdesk_usecases::Desk,
        conn: &'a servdesk_persistence::DatabaseTransaction,
        kind: servdesk_domain::imports::ImportKind,
        row: serde_json::Map<String, serde_json::Value>,
    ) -> futures_util::future::BoxFuture<'a, servdesk_usecases::Result<servdesk_usecases::imports::Written>> {
        use servdesk_domain::imports::ImportKind;
        Box::pin(async move {
            let config = &desk.config;
            let created = match kind {
                ImportKind::Customers => customers::import_row(conn, config, row).await,
                ImportKind::Contacts => contacts::import_row(conn, config, row).await,
                ImportKind::Locations => locations::import_row(conn, config, row).await,
                ImportKind::Products => products::import_row(conn, config, row).await,
                ImportKind::Equipment => equipment::import_row(conn, config, row).await,
            }
            .map_err(|e| e.0)?;
            Ok(if created { servdesk_usecases::imports::Written::Created } else { servdesk_usecases::imports::Written::Updated })
        })
    }
}

/// The two routes by external reference of a directory kind: `PUT` (the upsert a sync job
/// replays, see `conventions::external_ref`) and `GET`; and `import_row`, one row of a bulk
/// import (the upsert when the row has an external reference, else a create). Each kind
/// names its types, paths and how a new one is created from the upsert's body; the rest is
/// the same for all. The module brings `get` and `put` (the route attributes the OpenAPI
/// derive reads by name), and `insert` and `change` that work on a given connection.
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
        record: $record:ty,
        location: $location:tt,
        insert: |$conn:ident, $config:ident, $body:ident| $insert:expr $(,)?
    ) => {
        /// Creates or changes the record with the reference; `true` when it was created.
        async fn upsert_row(
            conn: &impl servdesk_persistence::ConnectionTrait,
            config: &servdesk_usecases::config::Config,
            reference: &str,
            body: serde_json::Value,
        ) -> crate::error::ApiResult<($record, bool)> {
            use crate::conventions::external_ref::{self, Upsert};
            match external_ref::upsert::<$create, $update>(conn, $table, reference, body).await? {
                Upsert::Create($body) => {
                    let ($conn, $config) = (conn, config);
                    Ok(($insert?, true))
                }
                Upsert::Update(id, body) => Ok((change(conn, config, id, None, body).await?, false)),
            }
        }

        /// One row of a bulk import (the create body as a JSON object); `true` when it
        /// created a record, `false` when it changed the one with its external reference.
        pub(crate) async fn import_row(
            conn: &impl servdesk_persistence::ConnectionTrait,
            config: &servdesk_usecases::config::Config,
            row: serde_json::Map<String, serde_json::Value>,
        ) -> crate::error::ApiResult<bool> {
            match crate::conventions::external_ref::of_row(&row)? {
                Some(reference) => Ok(upsert_row(conn, config, &reference, serde_json::Value::Object(row)).await?.1),
                None => {
                    let $body: $create = crate::conventions::external_ref::body_as(serde_json::Value::Object(row))?;
                    let ($conn, $config) = (conn, config);
                    $insert?;
                    Ok(true)
                }
            }
        }

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
            state: actix_web::web::Data<crate::state::AppState>,
            reference: actix_web::web::Path<String>,
            body: actix_web::web::Json<serde_json::Value>,
        ) -> crate::error::ApiResult<actix_web::HttpResponse> {
            let txn = servdesk_persistence::TransactionTrait::begin(&state.db).await?;
            let (record, new) = upsert_row(&txn, &state.config, &reference, body.into_inner()).await?;
            servdesk_usecases::commit(txn).await?;
            let (id, version) = (record.id, record.version);
            let out = <$out>::from(record);
            Ok(if new {
                crate::conventions::etag::created(format!("{}/{id}", $location), version, &out)
            } else {
                crate::conventions::etag::versioned(actix_web::HttpResponse::Ok(), version, &out)
            })
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
