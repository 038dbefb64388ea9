//! Start duties: the JWT signing secret, the first admin, and numbers that survive a change
//! of numbering scheme.

use servdesk_domain::{Email, Role, password};
use servdesk_persistence::users::NewUser;
use servdesk_persistence::{DatabaseConnection, sequences, settings, users};
use servdesk_usecases::config::Config;

use crate::auth::passwords;
use crate::auth::tokens::random_token;
use crate::state::now;

const JWT_SECRET_KEY: &str = "jwt_secret";

/// The configured secret, or the one generated on first start and kept in the database
/// (so restarts, and every process of a deployment, accept the same tokens).
pub async fn jwt_secret(db: &DatabaseConnection, config: &Config) -> Result<String, String> {
    if let Some(secret) = &config.jwt_secret {
        return Ok(secret.clone());
    }
    let candidate = random_token(48).map_err(|e| e.to_string())?;
    settings::get_or_insert(db, JWT_SECRET_KEY, candidate, now()).await.map_err(|e| e.to_string())
}

/// Levels the gapless counters and the sequences of the increasing scheme, so that an
/// installation switching `SERVDESK_NUMBERING` (all its processes restarted) never issues a
/// number twice.
pub async fn level_numbers(db: &DatabaseConnection) -> Result<(), String> {
    sequences::level(db).await.map_err(|e| format!("levelling the number sequences: {e}"))
}

/// With no users at all, creates the admin from `SERVDESK_ADMIN_EMAIL`/`_PASSWORD`, or with a
/// generated password printed once to the log.
pub async fn first_admin(db: &DatabaseConnection, config: &Config) -> Result<(), String> {
    if users::count(db).await.map_err(|e| e.to_string())? > 0 {
        return Ok(());
    }
    let email =
        Email::parse(&config.admin_email).map_err(|_| format!("SERVDESK_ADMIN_EMAIL {:?} is not an email address", config.admin_email))?;
    let (password, generated) = match &config.admin_password {
        Some(p) => {
            password::check(p).map_err(|e| format!("SERVDESK_ADMIN_PASSWORD {e}"))?;
            (p.clone(), false)
        }
        None => (random_token(15).map_err(|e| e.to_string())?, true),
    };
    let password_hash = passwords::hash(password.clone()).await.map_err(|e| e.to_string())?;
    let created = users::create(
        db,
        NewUser {
            extension: None,
            email: email.clone(),
            name: "Administrator".to_owned(),
            role: Role::Admin,
            password_hash,
            phone: None,
            partner_id: None,
            cost_rate_minor: 0,
        },
        now(),
    )
    .await;
    match created {
        Ok(_) if generated => {
            tracing::warn!(email = %email, password = %password, "created the first admin with a generated password; it is shown only this once — log in and change it");
        }
        Ok(_) => tracing::info!(email = %email, "created the first admin from SERVDESK_ADMIN_EMAIL/SERVDESK_ADMIN_PASSWORD"),
        // Another process created it at the same moment.
        Err(servdesk_persistence::StoreError::Conflict { .. }) => {}
        Err(e) => return Err(e.to_string()),
    }
    Ok(())
}
