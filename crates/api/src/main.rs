//! The `servdesk` binary: `serve` (default), `worker`, `migrate`, `openapi`, `demo`, `user create`.

use std::net::TcpListener;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use servdesk_api::{app, auth::passwords, openapi, state::now};
use servdesk_domain::{Email, Role, password};
use servdesk_persistence::{db, users};
use servdesk_usecases::config::{Config, LogFormat};
use servdesk_usecases::jobs::Worker;
use tokio::sync::watch;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "servdesk", version, about = "Servdesk: service desk and field service backend")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (and run the job worker in-process unless --no-worker).
    Serve {
        #[arg(long)]
        no_worker: bool,
    },
    /// Run only the background job worker.
    Worker,
    /// Apply, revert or list migrations.
    Migrate {
        #[command(subcommand)]
        action: Option<MigrateAction>,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Fill an empty installation with a realistic month (customers, calls from every
    /// channel, tickets in every state, tasks, time, SLA breaches) to look at.
    Demo,
    /// Manage users from the command line.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
}

#[derive(Subcommand)]
enum MigrateAction {
    /// Apply pending migrations (default).
    Up,
    /// Revert the last migration.
    Down,
    /// List migrations and whether they are applied.
    Status,
}

#[derive(Subcommand)]
enum UserAction {
    /// Create a user; prints a generated password when none is given.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, env = "SERVDESK_NEW_USER_PASSWORD")]
        password: Option<String>,
    },
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("SERVDESK_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    match format {
        LogFormat::Json => tracing_subscriber::fmt().json().with_current_span(true).with_env_filter(filter).init(),
        LogFormat::Pretty => {
            tracing_subscriber::fmt().with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout())).with_env_filter(filter).init()
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        return match serde_json::to_string_pretty(&openapi::document()) {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        };
    }
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    init_logging(config.log_format);
    let result = match cli.command.unwrap_or(Command::Serve { no_worker: false }) {
        Command::Serve { no_worker } => serve(config, !no_worker).await,
        Command::Worker => run_worker(config).await,
        Command::Migrate { action } => migrate(config, action.unwrap_or(MigrateAction::Up)).await,
        Command::User { action: UserAction::Create { email, role, name, password } } => {
            create_user(config, email, role, name, password).await
        }
        Command::Demo => demo(config).await,
        Command::Openapi => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

fn fail(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("servdesk: {e}");
    ExitCode::FAILURE
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
            return;
        }
    }
    let _ = ctrl_c.await;
}

async fn serve(config: Config, with_worker: bool) -> Result<(), String> {
    let bind = config.bind.clone();
    let worker_settings = config.worker.clone();
    let state = app::prepare(config).await?;
    let listener = TcpListener::bind(&bind).map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    tracing::info!(address = %bind, docs = %format!("http://{bind}/docs/"), "Servdesk is listening");
    let (stop, stopped) = watch::channel(false);
    let registry = servdesk_channels::registry(&state)?;
    let worker = with_worker.then(|| tokio::spawn(Worker::new(state.db.clone(), registry, worker_settings).run(stopped)));
    let server = app::server(state, listener).map_err(|e| e.to_string())?;
    let result = server.await.map_err(|e| e.to_string());
    let _ = stop.send(true);
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    result
}

async fn demo(config: Config) -> Result<(), String> {
    let filled = servdesk_api::demo::fill(config).await?;
    println!(
        "The demo filled {} to {}: {} calls, {} tickets, {} tasks.",
        filled.first_day, filled.last_day, filled.calls, filled.tickets, filled.tasks
    );
    println!("Log in as {} (an admin) — every demo user's password is {}", filled.manager_email, filled.password);
    println!(
        "The staff: maja@ (coordinator), ana@ and luka@ (agents), marko@ and tina@ (technicians), petra@ (finance), all @demo.example.com."
    );
    println!("Start it with `servdesk`, then open the reports, e.g. /api/v1/reports/tickets?period={}", filled.first_day.format("%Y-%m"));
    Ok(())
}

async fn run_worker(config: Config) -> Result<(), String> {
    let settings = config.worker.clone();
    let state = app::prepare(config).await?;
    let (stop, stopped) = watch::channel(false);
    let worker = tokio::spawn(Worker::new(state.db.clone(), servdesk_channels::registry(&state)?, settings).run(stopped));
    shutdown_signal().await;
    let _ = stop.send(true);
    worker.await.map_err(|e| e.to_string())
}

async fn migrate(mut config: Config, action: MigrateAction) -> Result<(), String> {
    config.migrate_on_start = false;
    let conn = app::open_database(&config).await?;
    match action {
        MigrateAction::Up => db::migrate_up(&conn).await.map_err(|e| e.to_string())?,
        MigrateAction::Down => db::migrate_down(&conn, 1).await.map_err(|e| e.to_string())?,
        MigrateAction::Status => {
            for (name, applied) in db::migration_status(&conn).await.map_err(|e| e.to_string())? {
                println!("{} {name}", if applied { "applied" } else { "pending" });
            }
        }
    }
    Ok(())
}

async fn create_user(config: Config, email: String, role: String, name: Option<String>, given: Option<String>) -> Result<(), String> {
    let email = Email::parse(&email).map_err(|e| format!("--email: {e}"))?;
    let role = Role::parse(&role)
        .ok_or_else(|| format!("--role must be one of {}", Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")))?;
    let (secret, generated) = match given {
        Some(p) => (p, false),
        None => (servdesk_api::auth::tokens::random_token(15).map_err(|e| e.to_string())?, true),
    };
    password::check(&secret).map_err(|e| format!("--password {e}"))?;
    // Not `prepare`: an operator creating the first admin by hand gets no generated one.
    let db = app::open_database(&config).await?;
    let password_hash = passwords::hash(secret.clone()).await.map_err(|e| e.to_string())?;
    let name = name.unwrap_or_else(|| email.as_str().split('@').next().unwrap_or_default().to_owned());
    let user = users::create(
        &db,
        users::NewUser { email, name, role, password_hash, phone: None, extension: None, partner_id: None, cost_rate_minor: 0 },
        now(),
    )
    .await
    .map_err(|e| e.to_string())?;
    println!("created {} ({}) id {}", user.email, user.role, user.id);
    if generated {
        println!("password: {secret}");
    }
    Ok(())
}
