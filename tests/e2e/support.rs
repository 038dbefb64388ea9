//! Spawning the app for a test and talking to it.

use std::net::TcpListener;
use std::path::PathBuf;

use reqwest::{Method, RequestBuilder, Response};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use servdesk_api::state::AppState;
use servdesk_usecases::config::Config;

pub const ADMIN_EMAIL: &str = "admin@servdesk.test";
pub const ADMIN_PASSWORD: &str = "admin-password-1234";
pub const PASSWORD: &str = "a long test password";

/// A database of its own for one test, removed when the test ends.
enum TestDb {
    Sqlite,
    Postgres { admin_url: String, name: String },
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
    handle: actix_web::dev::ServerHandle,
    db: TestDb,
    dir: PathBuf,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns with a configuration adjusted by `adjust` (limits, timeouts).
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = std::env::temp_dir().join(format!("servdesk-test-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let (url, db) = match std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            Some(admin_url) => {
                let name = format!("servdesk_test_{}", uuid::Uuid::now_v7().simple());
                let admin = Database::connect(&admin_url).await.expect("connect to TEST_DATABASE_URL");
                admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
                admin.close().await.ok();
                let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b);
                (format!("{base}/{name}"), TestDb::Postgres { admin_url: admin_url.clone(), name })
            }
            None => (format!("sqlite://{}?mode=rwc", dir.join("servdesk.db").display()), TestDb::Sqlite),
        };
        let mut config = Config::for_database(url, dir.clone());
        config.admin_email = ADMIN_EMAIL.to_owned();
        config.admin_password = Some(ADMIN_PASSWORD.to_owned());
        config.http_workers = 1;
        config.database_pool_size = 5;
        // Tests fire requests far faster than people; the rate limit tests set their own.
        config.rate_limits = servdesk_usecases::config::RateLimits::off();
        adjust(&mut config);
        let state = servdesk_api::app::prepare(config).await.unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = servdesk_api::app::server(state.clone(), listener).unwrap();
        let handle = server.handle();
        tokio::spawn(server);
        servdesk_usecases::storage::install_crypto_provider();
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        TestApp { base, client, state, handle, db, dir }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The test database's URL on PostgreSQL, for a connection of the test's own beside the
    /// server's pool (`None` on SQLite).
    pub fn postgres_url(&self) -> Option<String> {
        match &self.db {
            TestDb::Postgres { admin_url, name } => {
                Some(format!("{}/{name}", admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b)))
            }
            TestDb::Sqlite => None,
        }
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let req = self.client.request(method, self.url(path));
        match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token)).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Response {
        self.request(Method::POST, path, Some(token)).json(&body).send().await.unwrap()
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Response {
        self.request(Method::PATCH, path, Some(token)).json(&body).send().await.unwrap()
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.request(Method::DELETE, path, Some(token)).send().await.unwrap()
    }

    pub async fn try_login(&self, email: &str, password: &str) -> Response {
        self.client.post(self.url("/api/v1/auth/login")).json(&json!({"email": email, "password": password})).send().await.unwrap()
    }

    /// Logs in; returns the whole token pair.
    pub async fn login(&self, email: &str, password: &str) -> Value {
        let res = self.try_login(email, password).await;
        assert_eq!(res.status(), 200, "login of {email} failed");
        res.json().await.unwrap()
    }

    pub async fn admin_token(&self) -> String {
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await["access_token"].as_str().unwrap().to_owned()
    }

    /// Creates a user of `role` (as the admin) and logs them in: `(user id, access token)`.
    /// A partner user works for a partner created for them.
    pub async fn user(&self, role: &str) -> (String, String) {
        let partner = if role == "partner" {
            let admin = self.admin_token().await;
            let partner = create(self, &admin, "/api/v1/partners", json!({"name": format!("Partner {}", uuid::Uuid::now_v7())})).await;
            Some(id(&partner))
        } else {
            None
        };
        self.user_with(role, json!({"partner_id": partner})).await
    }

    /// Creates a user of `role` with `extra` fields (`partner_id`, `cost_rate_minor`, …) and
    /// logs them in: `(user id, access token)`.
    pub async fn user_with(&self, role: &str, extra: Value) -> (String, String) {
        let admin = self.admin_token().await;
        let email = format!("{role}-{}@servdesk.test", uuid::Uuid::now_v7().simple());
        let mut body = json!({"email": email, "name": format!("Test {role}"), "role": role, "password": PASSWORD});
        for (k, v) in extra.as_object().into_iter().flatten() {
            body[k] = v.clone();
        }
        let res = self.post("/api/v1/users", &admin, body).await;
        assert_eq!(res.status(), 201);
        let user: Value = res.json().await.unwrap();
        let token = self.login(&email, PASSWORD).await["access_token"].as_str().unwrap().to_owned();
        (user["id"].as_str().unwrap().to_owned(), token)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Sends the stop command; the server's threads wind down on their own.
        drop(self.handle.stop(false));
        if let TestDb::Postgres { admin_url, name } = &self.db {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // A runtime of its own: Drop cannot await, and the test's runtime is ending.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async {
                    if let Ok(admin) = Database::connect(&admin_url).await {
                        let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                        let _ = admin.close().await;
                    }
                });
            })
            .join();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Asserts a problem response with `status` and `code`; returns the document.
pub async fn expect_problem(res: Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status().as_u16(), status, "status of {}", res.url());
    let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert!(content_type.starts_with("application/problem+json"), "content type {content_type}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status);
    body
}

/// A documented path with its parameters filled in: a fresh id for ids, a real dictionary
/// for `{kind}`.
pub fn concrete(path: &str) -> String {
    path.split('/')
        .map(|seg| match seg {
            "{kind}" => "ticket-statuses".to_owned(),
            s if s.starts_with('{') => uuid::Uuid::now_v7().to_string(),
            s => s.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// POSTs `body` and expects 201; returns the created resource.
pub async fn create(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let res = app.post(path, token, body).await;
    let status = res.status();
    let body: Value = res.json().await.unwrap_or_default();
    assert_eq!(status, 201, "POST {path}: {body}");
    body
}

/// Uploads `form` to the ticket as `token`; the first stored file's id.
pub async fn attach(app: &TestApp, token: &str, ticket: &str, form: reqwest::multipart::Form) -> String {
    let res =
        app.request(Method::POST, &format!("/api/v1/tickets/{ticket}/attachments"), Some(token)).multipart(form).send().await.unwrap();
    let status = res.status();
    let uploaded: Value = res.json().await.unwrap_or_default();
    assert_eq!(status, 201, "upload to {ticket}: {uploaded}");
    uploaded["items"][0]["id"].as_str().unwrap().to_owned()
}

/// The id of the ticket status of `class` (the default one of the class, or the first).
pub async fn status_of_class(app: &TestApp, token: &str, class: &str) -> String {
    let statuses: Value = app.get("/api/v1/dictionaries/ticket-statuses", token).await.json().await.unwrap();
    let of_class: Vec<&Value> = statuses["items"].as_array().unwrap().iter().filter(|s| s["class"] == class).collect();
    of_class.iter().find(|s| s["is_default"] == true).or(of_class.first()).map(|s| id(s)).unwrap()
}

/// The `id` of a resource.
pub fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

impl TestApp {
    /// Runs the job worker (every handler this app's configuration registers) until no
    /// job is due; returns how many ran.
    pub async fn run_jobs(&self) -> usize {
        let registry = servdesk_channels::registry(&self.state).unwrap();
        let worker = servdesk_usecases::jobs::Worker::new(self.state.db.clone(), registry, self.state.config.worker.clone());
        let mut total = 0;
        for _ in 0..100 {
            let ran = worker.run_once().await.unwrap();
            if ran == 0 {
                break;
            }
            total += ran;
        }
        total
    }

    /// The outbox (as the admin), oldest first.
    pub async fn outbox(&self) -> Vec<Value> {
        let admin = self.admin_token().await;
        let res = self.get("/api/v1/outbox?limit=200", &admin).await;
        assert_eq!(res.status(), 200);
        let page: Value = res.json().await.unwrap();
        page["items"].as_array().unwrap().clone()
    }
}

/// The private Postfix and Dovecot the email tests use (`tests/mail/servers.sh`, started by
/// `.ci/run`, which exports `SERVDESK_TEST_MAIL`).
pub struct MailServers {
    pub smtp_port: u16,
    pub fault_smtp_port: u16,
    pub fault_postfix_config: String,
    pub imap_port: u16,
}

pub fn mail_servers() -> MailServers {
    let dir = std::env::var("SERVDESK_TEST_MAIL").unwrap_or_default();
    assert!(
        !dir.is_empty(),
        "the email tests need the test mail servers: `bash tests/mail/servers.sh start /tmp/servdesk-mail` (as root) and \
         `export SERVDESK_TEST_MAIL=/tmp/servdesk-mail` — `bash .ci/run` does both"
    );
    let env = std::fs::read_to_string(format!("{dir}/env")).expect("SERVDESK_TEST_MAIL/env");
    let get =
        |key: &str| env.lines().find_map(|l| l.strip_prefix(&format!("{key}="))).unwrap_or_else(|| panic!("{key} in {dir}/env")).to_owned();
    MailServers {
        smtp_port: get("SMTP_PORT").parse().unwrap(),
        fault_smtp_port: get("FAULT_SMTP_PORT").parse().unwrap(),
        fault_postfix_config: get("FAULT_POSTFIX_CONFIG"),
        imap_port: get("IMAP_PORT").parse().unwrap(),
    }
}

/// Every file below `dir` (none if it does not exist).
pub fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() { dirs.push(path) } else { found.push(path) }
        }
    }
    found
}

/// A fresh address in the test mail domain, with its own mailbox.
pub fn mailbox_address(name: &str) -> String {
    format!("{name}-{}@example.test", uuid::Uuid::now_v7().simple())
}

impl MailServers {
    /// A logged-in IMAP session on `address`'s mailbox (any user, password `secret`).
    async fn session(&self, address: &str) -> async_imap::Session<tokio::net::TcpStream> {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", self.imap_port)).await.unwrap();
        let mut client = async_imap::Client::new(tcp);
        client.read_response().await.unwrap();
        client.login(address, "secret").await.map_err(|(e, _)| e).unwrap()
    }

    /// The raw messages in `address`'s INBOX, waiting up to 10 s for at least `expected`.
    pub async fn inbox(&self, address: &str, expected: usize) -> Vec<Vec<u8>> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let found = self.fetch_all(address).await;
            if found.len() >= expected || std::time::Instant::now() > deadline {
                return found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    async fn fetch_all(&self, address: &str) -> Vec<Vec<u8>> {
        use futures_util::TryStreamExt;
        let mut session = self.session(address).await;
        let mailbox = session.select("INBOX").await.unwrap();
        let mut out = Vec::new();
        if mailbox.exists > 0 {
            // PEEK: reading must not mark them seen (the IMAP poller looks for unseen mail).
            let fetched: Vec<_> = session.fetch("1:*", "BODY.PEEK[]").await.unwrap().try_collect().await.unwrap();
            out = fetched.iter().filter_map(|f| f.body().map(<[u8]>::to_vec)).collect();
        }
        session.logout().await.ok();
        out
    }

    /// Puts a message into `address`'s INBOX and creates `folder` beside it.
    pub async fn append(&self, address: &str, raw: &[u8], folder: &str) {
        let mut session = self.session(address).await;
        session.append("INBOX", None, None, raw).await.unwrap();
        session.create(folder).await.unwrap();
        session.logout().await.ok();
    }

    /// How many messages `address`'s `folder` holds.
    pub async fn count(&self, address: &str, folder: &str) -> u32 {
        let mut session = self.session(address).await;
        let exists = session.examine(folder).await.unwrap().exists;
        session.logout().await.ok();
        exists
    }

    /// Runs `postfix` on the fault-test instance (`stop`, `start`).
    pub fn fault_postfix(&self, action: &str) {
        let out = std::process::Command::new("postfix").args(["-c", &self.fault_postfix_config, action]).output().unwrap();
        assert!(out.status.success(), "postfix {action}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

/// A TCP proxy on 127.0.0.1 in front of a server (the test's PostgreSQL), to cut the line
/// as an outage would — open connections dropped, new ones refused — and bring it back.
pub struct Proxy {
    pub addr: std::net::SocketAddr,
    target: String,
    tasks: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Proxy {
    pub async fn start(target: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Proxy { addr: listener.local_addr().unwrap(), target: target.to_owned(), tasks: Default::default() };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: tokio::net::TcpListener) {
        let (target, tasks) = (self.target.clone(), self.tasks.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                let pipe = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks.lock().unwrap().push(pipe);
            }
        });
        self.tasks.lock().unwrap().push(accept);
    }

    /// Drops every connection and stops listening.
    pub fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    /// Listens again on the same address.
    pub async fn resume(&self) {
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        self.serve(listener);
    }
}
