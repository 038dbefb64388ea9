//! Login, refresh rotation and reuse detection, logout, rate limits, API keys, roles.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, TestApp, expect_problem};

#[tokio::test]
async fn login_returns_a_token_pair_that_authenticates_me() {
    let app = TestApp::spawn().await;
    let pair = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(pair["token_type"], "Bearer");
    assert_eq!(pair["expires_in"], 900);
    let me: Value = app.get("/api/v1/me", pair["access_token"].as_str().unwrap()).await.json().await.unwrap();
    assert_eq!(me["kind"], "user");
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert_eq!(me["role"], "admin");
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let wrong_password = expect_problem(app.try_login(ADMIN_EMAIL, "not the password").await, 401, "invalid_credentials").await;
    let unknown = expect_problem(app.try_login("nobody@servdesk.test", "not the password").await, 401, "invalid_credentials").await;
    assert_eq!(wrong_password, unknown);
}

#[tokio::test]
async fn failed_logins_are_limited_per_account_with_retry_after() {
    let app = TestApp::spawn_with(|c| c.login_max_failures_per_account = 3).await;
    for _ in 0..3 {
        let res = app.try_login(ADMIN_EMAIL, "wrong").await;
        assert_eq!(res.status(), 401);
    }
    // Even the right password is refused while the account is locked out.
    let res = app.try_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let retry_after: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry_after > 0 && retry_after <= 15 * 60, "{retry_after}");
    expect_problem(res, 429, "too_many_login_attempts").await;
}

#[tokio::test]
async fn failed_logins_are_limited_per_client_address_across_accounts() {
    let app = TestApp::spawn_with(|c| c.login_max_failures_per_ip = 4).await;
    for i in 0..4 {
        let email = format!("someone{i}@servdesk.test");
        let res = app.try_login(&email, "wrong").await;
        assert_eq!(res.status(), 401);
    }
    let res = app.try_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    expect_problem(res, 429, "too_many_login_attempts").await;
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.client.post(app.url("/api/v1/auth/refresh")).json(&json!({"refresh_token": token})).send().await.unwrap()
}

#[tokio::test]
async fn a_refresh_token_rotates_and_its_reuse_revokes_the_whole_session() {
    let app = TestApp::spawn().await;
    let first = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let res = refresh(&app, first["refresh_token"].as_str().unwrap()).await;
    assert_eq!(res.status(), 200);
    let second: Value = res.json().await.unwrap();
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_eq!(app.get("/api/v1/me", second["access_token"].as_str().unwrap()).await.status(), 200);

    // The old token again: a copy is in someone's hands. The family dies.
    expect_problem(refresh(&app, first["refresh_token"].as_str().unwrap()).await, 401, "refresh_token_reused").await;
    expect_problem(refresh(&app, second["refresh_token"].as_str().unwrap()).await, 401, "invalid_refresh_token").await;
    expect_problem(app.get("/api/v1/me", second["access_token"].as_str().unwrap()).await, 401, "session_revoked").await;
    // Other sessions of the same user are not affected.
    let other = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(app.get("/api/v1/me", other["access_token"].as_str().unwrap()).await.status(), 200);
}

#[tokio::test]
async fn logout_ends_the_session_at_once() {
    let app = TestApp::spawn().await;
    let pair = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    // Used once, so its session check is remembered: logout must still apply at once.
    assert_eq!(app.get("/api/v1/me", pair["access_token"].as_str().unwrap()).await.status(), 200);
    let res = app.client.post(app.url("/api/v1/auth/logout")).json(&json!({"refresh_token": pair["refresh_token"]})).send().await.unwrap();
    assert_eq!(res.status(), 204);
    expect_problem(app.get("/api/v1/me", pair["access_token"].as_str().unwrap()).await, 401, "session_revoked").await;
    expect_problem(refresh(&app, pair["refresh_token"].as_str().unwrap()).await, 401, "invalid_refresh_token").await;
}

#[tokio::test]
async fn bad_tokens_get_distinct_401_codes() {
    let app = TestApp::spawn().await;
    expect_problem(app.request(Method::GET, "/api/v1/me", None).send().await.unwrap(), 401, "missing_credentials").await;
    expect_problem(app.get("/api/v1/me", "not.a.jwt").await, 401, "invalid_token").await;
    let res = app.request(Method::GET, "/api/v1/me", None).header("authorization", "Basic YWRtaW46YWRtaW4=").send().await.unwrap();
    expect_problem(res, 401, "invalid_credentials").await;
    expect_problem(app.get("/api/v1/me", "sdk_nope_nope").await, 401, "invalid_api_key").await;
}

#[tokio::test]
async fn changing_my_password_ends_my_other_sessions_but_not_this_one() {
    let app = TestApp::spawn().await;
    let (_, _) = app.user("agent").await;
    let admin_other = app.admin_token().await;
    let admin = app.admin_token().await;
    let res = app.post("/api/v1/me/password", &admin, json!({"current_password": "wrong one!", "new_password": "short"})).await;
    let problem = expect_problem(res, 422, "validation_failed").await;
    let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["current_password", "new_password"]);

    let res = app
        .post("/api/v1/me/password", &admin, json!({"current_password": ADMIN_PASSWORD, "new_password": "the new admin password"}))
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(app.get("/api/v1/me", &admin).await.status(), 200);
    expect_problem(app.get("/api/v1/me", &admin_other).await, 401, "session_revoked").await;
    app.login(ADMIN_EMAIL, "the new admin password").await;
}

#[tokio::test]
async fn a_deactivated_user_is_locked_out_immediately() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (id, token) = app.user("technician").await;
    assert_eq!(app.get("/api/v1/me", &token).await.status(), 200);
    let res = app.patch(&format!("/api/v1/users/{id}"), &admin, json!({"active": false})).await;
    assert_eq!(res.status(), 200);
    expect_problem(app.get("/api/v1/me", &token).await, 401, "session_revoked").await;
    let me: Value = app.get(&format!("/api/v1/users/{id}"), &admin).await.json().await.unwrap();
    let email = me["email"].as_str().unwrap();
    let res = app.try_login(email, PASSWORD).await;
    expect_problem(res, 401, "invalid_credentials").await;
}

#[tokio::test]
async fn roles_are_checked_on_every_route() {
    let app = TestApp::spawn().await;
    let (_, agent) = app.user("agent").await;
    let (_, partner) = app.user("partner").await;
    assert_eq!(app.get("/api/v1/users", &agent).await.status(), 200);
    expect_problem(app.get("/api/v1/users", &partner).await, 403, "forbidden").await;
    let res =
        app.post("/api/v1/users", &agent, json!({"email": "x@servdesk.test", "name": "X", "role": "admin", "password": PASSWORD})).await;
    expect_problem(res, 403, "forbidden").await;
    expect_problem(app.get("/api/v1/jobs", &agent).await, 403, "forbidden").await;
    expect_problem(app.post("/api/v1/api-keys", &agent, json!({"name": "k", "scopes": ["tickets:read"]})).await, 403, "forbidden").await;
    // A role change applies to tokens already issued, at once.
    let (id, coordinator) = app.user("coordinator").await;
    let admin = app.admin_token().await;
    expect_problem(app.get("/api/v1/jobs", &coordinator).await, 403, "forbidden").await;
    app.patch(&format!("/api/v1/users/{id}"), &admin, json!({"role": "admin"})).await;
    assert_eq!(app.get("/api/v1/jobs", &coordinator).await.status(), 200);
}

#[tokio::test]
async fn a_session_ended_by_another_process_stops_working_within_the_session_check_time() {
    let app = TestApp::spawn_with(|c| c.session_check = std::time::Duration::from_millis(1500)).await;
    let pair = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let token = pair["access_token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/me", token).await.status(), 200);
    // Another process of the installation logs the session out: this one learns of it from
    // the database once its remembered check is older than SERVDESK_SESSION_CHECK_SECS.
    let session_id = servdesk_persistence::sessions::session_of_refresh_token(
        &app.state.db,
        &servdesk_api::auth::tokens::sha256_hex(pair["refresh_token"].as_str().unwrap()),
    )
    .await
    .unwrap()
    .unwrap();
    servdesk_persistence::sessions::revoke(&app.state.db, session_id, "logout", chrono::Utc::now()).await.unwrap();
    assert_eq!(app.get("/api/v1/me", token).await.status(), 200, "still remembered here");
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    expect_problem(app.get("/api/v1/me", token).await, 401, "session_revoked").await;
}

#[tokio::test]
async fn an_api_key_authenticates_with_its_scopes_and_stops_when_revoked() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = app.post("/api/v1/api-keys", &admin, json!({"name": "ERP sync", "scopes": ["users:read", "tickets:read"]})).await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with(&format!("sdk_{}_", created["prefix"].as_str().unwrap())));
    let id = created["id"].as_str().unwrap();

    assert_eq!(app.get("/api/v1/users", &secret).await.status(), 200);
    let me: Value = app.get("/api/v1/me", &secret).await.json().await.unwrap();
    assert_eq!(me["kind"], "api_key");
    assert_eq!(me["scopes"], json!(["tickets:read", "users:read"]));
    let res =
        app.post("/api/v1/users", &secret, json!({"email": "k@servdesk.test", "name": "K", "role": "agent", "password": PASSWORD})).await;
    expect_problem(res, 403, "forbidden").await;

    // The secret is never shown again; use is tracked.
    let shown: Value = app.get(&format!("/api/v1/api-keys/{id}"), &admin).await.json().await.unwrap();
    assert!(shown.get("secret").is_none());
    assert!(shown["last_used_at"].is_string(), "{shown}");
    let listed = app.get("/api/v1/api-keys", &admin).await.text().await.unwrap();
    assert!(!listed.contains(&secret));

    assert_eq!(app.delete(&format!("/api/v1/api-keys/{id}"), &admin).await.status(), 200);
    expect_problem(app.get("/api/v1/users", &secret).await, 401, "invalid_api_key").await;
    // A wrong secret with a real prefix is refused the same way.
    let forged = format!("sdk_{}_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", created["prefix"].as_str().unwrap());
    expect_problem(app.get("/api/v1/users", &forged).await, 401, "invalid_api_key").await;
}

#[tokio::test]
async fn a_jwt_secret_generated_on_first_start_is_kept_across_restarts() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let again = servdesk_api::bootstrap::jwt_secret(&app.state.db, &app.state.config).await.unwrap();
    let keys = servdesk_api::auth::tokens::JwtKeys::new(again.as_bytes());
    assert!(keys.verify(&token).is_ok(), "a restarted process must accept tokens issued before");
}
