//! `servdesk demo`: fills an empty installation with a realistic month so a new user sees
//! every list and report with data in it.
//!
//! The month goes in through the API itself — a server on a loopback port of this process,
//! each request stating when it happens (`X-Servdesk-Now`, turned on for this server only) —
//! so every record is checked, numbered, put on timelines and measured exactly as a real
//! month's would be. The same month comes out each time (the dice are seeded), shifted to
//! the last whole month before today.

mod month;

use std::net::TcpListener;

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use servdesk_domain::{Email, Role};
use servdesk_persistence::users;
use servdesk_usecases::config::{Config, RateLimits};

use crate::auth::passwords;
use servdesk_usecases::secrets::random_token;

/// What the demo made, to tell the person who ran it.
#[derive(Debug, Clone, Default)]
pub struct Filled {
    pub first_day: chrono::NaiveDate,
    pub last_day: chrono::NaiveDate,
    pub calls: usize,
    pub tickets: usize,
    pub tasks: usize,
    /// Who to log in as: the demo's manager (an admin) and every demo user's password.
    pub manager_email: String,
    pub password: String,
}

/// Fills the installation `config` names; refuses one that holds tickets already.
pub async fn fill(mut config: Config) -> Result<Filled, String> {
    config.clock_header = true;
    config.rate_limits = RateLimits::off();
    config.http_workers = 1;
    let zone = config.time_zone;
    let state = crate::app::prepare(config).await?;
    if servdesk_persistence::tickets::count(&state.db).await.map_err(|e| e.to_string())? > 0 {
        return Err("the database already holds tickets: the demo fills an empty installation only".to_owned());
    }
    let password = random_token(12).map_err(|e| e.to_string())?;
    let manager_email = "manager@demo.example.com".to_owned();
    let email = Email::parse(&manager_email).map_err(|e| e.to_string())?;
    let password_hash = passwords::hash(password.clone()).await.map_err(|e| e.to_string())?;
    let new = users::NewUser {
        email,
        name: "Demo Manager".to_owned(),
        role: Role::Admin,
        password_hash,
        phone: None,
        extension: None,
        partner_id: None,
        cost_rate_minor: 0,
    };
    users::create(&state.db, new, crate::state::now()).await.map_err(|e| format!("cannot create the demo's manager: {e}"))?;

    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let base = format!("http://{}", listener.local_addr().map_err(|e| e.to_string())?);
    let server = crate::app::server(state, listener).map_err(|e| e.to_string())?;
    let handle = server.handle();
    tokio::spawn(server);
    let api = Api::new(base, password.clone());
    let filled = month::fill(&api, zone, &manager_email).await;
    handle.stop(true).await;
    let mut filled = filled?;
    filled.manager_email = manager_email;
    filled.password = password;
    Ok(filled)
}

/// A staff member the demo acts as.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub id: String,
    pub email: String,
    token: std::sync::Arc<std::sync::Mutex<String>>,
}

/// The API of the demo's server, spoken at stated instants.
pub(crate) struct Api {
    base: String,
    client: reqwest::Client,
    password: String,
}

impl Api {
    fn new(base: String, password: String) -> Self {
        Self { base, client: reqwest::Client::builder().no_proxy().build().unwrap_or_default(), password }
    }

    /// Logs `email` in (with the demo's password).
    pub async fn log_in(&self, email: &str) -> Result<Person, String> {
        let res = self
            .client
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"email": email, "password": self.password}))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let pair: Value = res.json().await.map_err(|e| e.to_string())?;
        let token = pair["access_token"].as_str().ok_or_else(|| format!("cannot log in as {email}: {pair}"))?.to_owned();
        let me: Value = self
            .client
            .get(format!("{}/api/v1/me", self.base))
            .bearer_auth(&token)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        let id = me["id"].as_str().unwrap_or_default().to_owned();
        Ok(Person { id, email: email.to_owned(), token: std::sync::Arc::new(std::sync::Mutex::new(token)) })
    }

    /// Sends `body` to `path` as `who` at `at`; the answer of a success, else an error
    /// naming the request. An access token that ran out is renewed once.
    pub async fn send(&self, who: &Person, at: DateTime<Utc>, method: Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        for attempt in 0..2 {
            let token = who.token.lock().map(|t| t.clone()).unwrap_or_default();
            let mut req = self
                .client
                .request(method.clone(), format!("{}/api/v1{path}", self.base))
                .bearer_auth(token)
                .header(crate::conventions::clock::HEADER, at.to_rfc3339());
            if let Some(body) = &body {
                req = req.json(body);
            }
            let res = req.send().await.map_err(|e| e.to_string())?;
            let status = res.status();
            let answer: Value = res.json().await.unwrap_or(Value::Null);
            if status.is_success() {
                return Ok(answer);
            }
            if status == reqwest::StatusCode::UNAUTHORIZED && attempt == 0 {
                let fresh = self.log_in(&who.email).await?;
                let token = fresh.token.lock().map(|t| t.clone()).unwrap_or_default();
                if let Ok(mut held) = who.token.lock() {
                    *held = token;
                }
                continue;
            }
            return Err(format!("{method} {path} at {at}: {status} {answer}"));
        }
        Err(format!("{method} {path}: not authorised"))
    }

    pub async fn post(&self, who: &Person, at: DateTime<Utc>, path: &str, body: Value) -> Result<Value, String> {
        self.send(who, at, Method::POST, path, Some(body)).await
    }

    pub async fn get(&self, who: &Person, at: DateTime<Utc>, path: &str) -> Result<Value, String> {
        self.send(who, at, Method::GET, path, None).await
    }

    pub fn password(&self) -> &str {
        &self.password
    }
}
