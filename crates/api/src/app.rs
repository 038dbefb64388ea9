//! Assembling the process: connect and prepare the database, build the HTTP server with its
//! middleware stack, start the in-process worker.

use std::net::TcpListener;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::http::{Method, header};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use servdesk_persistence::{DatabaseConnection, db};
use servdesk_usecases::Desk;
use servdesk_usecases::config::Config;
use servdesk_usecases::storage::Storage;
use utoipa_actix_web::{AppExt, scope};
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::authenticate;
use crate::auth::holders::SessionHolders;
use crate::auth::tokens::JwtKeys;
use crate::conventions::methods::MethodIndex;
use crate::conventions::rate_limit::{self, Limiter};
use crate::conventions::{characters, headers, idempotency, problems};
use crate::observability::metrics::{self, Metrics};
use crate::observability::request_id;
use crate::state::AppState;
use crate::{bootstrap, openapi, routes};

/// Opens the configured database (creating the SQLite data directory) and applies pending
/// migrations unless that is switched off.
pub async fn open_database(config: &Config) -> Result<DatabaseConnection, String> {
    if config.is_sqlite() {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| format!("cannot create {}: {e}", config.data_dir.display()))?;
    }
    let db = db::connect(&config.database_url, config.database_pool_size, config.database_acquire_timeout)
        .await
        .map_err(|e| format!("cannot connect to the database: {e}"))?;
    if config.migrate_on_start {
        db::migrate_up(&db).await.map_err(|e| format!("migrations failed: {e}"))?;
    }
    Ok(db)
}

/// Everything `serve` and `worker` need: the database, the signing secret, the first admin.
pub async fn prepare(config: Config) -> Result<AppState, String> {
    let db = open_database(&config).await?;
    let secret = bootstrap::jwt_secret(&db, &config).await?;
    bootstrap::first_admin(&db, &config).await?;
    bootstrap::level_numbers(&db).await?;
    let storage = Storage::from_config(&config)?;
    tracing::info!(storage = storage.description(), "attachments storage");
    Ok(AppState {
        jwt: Arc::new(JwtKeys::new(secret.as_bytes())),
        session_holders: Arc::new(SessionHolders::new(config.session_check)),
        limiter: Arc::new(Limiter::new(config.rate_limits)),
        // A key of its own for signing, derived from the token secret.
        desk: Desk {
            signing_key: Arc::new(servdesk_usecases::secrets::derive_key(&secret, "servdesk web form issue time")),
            renderer: Arc::new(crate::dto::records::ApiRecords),
            rows: Some(Arc::new(crate::routes::directory::DirectoryRows)),
            ..Desk::new(db, Arc::new(config), storage)
        },
        metrics: Arc::new(Metrics::default()),
    })
}

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods([Method::GET, Method::POST, Method::PATCH, Method::PUT, Method::DELETE])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::ACCEPT,
            idempotency::HEADER,
            request_id::HEADER,
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            request_id::HEADER,
            idempotency::REPLAYED,
            rate_limit::POLICY,
            rate_limit::STATE,
        ])
        .max_age(3600)
        // Same-origin callers (Swagger UI) send an Origin too: never refuse, only omit the
        // CORS headers for origins not on the list, and let the browser enforce.
        .block_on_origin_mismatch(false);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// The HTTP server on `listener`, ready to be awaited.
pub fn server(state: AppState, listener: TcpListener) -> std::io::Result<actix_web::dev::Server> {
    let doc = openapi::document();
    let method_index = MethodIndex::from_document(&doc);
    // Serialized once and shared by every worker (Swagger UI reads it from the route too): a
    // parsed copy per worker would hold tens of megabytes each.
    let doc_json = web::Bytes::from(serde_json::to_vec(&doc).map_err(std::io::Error::other)?);
    drop(doc);
    crate::memory::give_back();
    let workers = match state.config.http_workers {
        0 if state.config.is_sqlite() => 2,
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    };
    let server = HttpServer::new(move || {
        let limit = state.config.json_limit_bytes;
        let doc_json = doc_json.clone();
        let method_index = method_index.clone();
        let (app, _) = App::new()
            .into_utoipa_app()
            .app_data(web::Data::new(state.clone()))
            .app_data(problems::json_config(limit))
            .app_data(problems::path_config())
            .app_data(method_index.clone())
            .app_data(problems::query_config())
            .app_data(problems::payload_config(limit))
            // Before the /api/v1 scope, which would otherwise claim /api/v1/openapi.json.
            .map(|app| {
                app.route(
                    "/api/v1/openapi.json",
                    web::get().to(move || {
                        let body = doc_json.clone();
                        async move { HttpResponse::Ok().content_type("application/json").body(body) }
                    }),
                )
                .service(SwaggerUi::new("/docs/{_:.*}").config(utoipa_swagger_ui::Config::from("/api/v1/openapi.json")))
            })
            .service(scope::scope("/api/v1").configure(routes::api_v1))
            .configure(routes::operational)
            .split_for_parts();
        let app = app
            .route(
                "/docs",
                web::get().to(|| async { HttpResponse::PermanentRedirect().insert_header((header::LOCATION, "/docs/")).finish() }),
            )
            .default_service(web::to(move |req: HttpRequest| {
                let method_index = method_index.clone();
                async move { method_index.respond(&req) }
            }))
            .wrap(from_fn(characters::middleware))
            .wrap(from_fn(idempotency::middleware))
            .wrap(from_fn(rate_limit::middleware))
            .wrap(from_fn(authenticate))
            .wrap(cors(&state.config.cors_origins))
            // Outside the staff CORS layer: web forms answer their own origins (and preflights).
            .wrap(from_fn(routes::forms::cors::middleware))
            .wrap(from_fn(problems::normalize))
            .wrap(from_fn(headers::middleware))
            .wrap(from_fn(metrics::middleware))
            .wrap(from_fn(request_id::middleware))
            // Outermost: a stated time holds for everything the request does.
            .wrap(from_fn(crate::conventions::clock::middleware));
        crate::memory::give_back();
        app
    })
    .workers(workers)
    .shutdown_timeout(10)
    .listen(listener)?
    .run();
    Ok(server)
}
