//! Users and teams: validation, uniqueness, history-preserving deletes, membership.

use serde_json::{Value, json};

use crate::support::{PASSWORD, TestApp, expect_problem};

#[tokio::test]
async fn creating_a_user_reports_every_invalid_field_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = app
        .post("/api/v1/users", &admin, json!({"email": "not-an-email", "name": " ", "role": "agent", "password": "short", "phone": "abc"}))
        .await;
    let problem = expect_problem(res, 422, "validation_failed").await;
    let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["email", "name", "password", "phone"]);
    let listed: Value = app.get("/api/v1/users", &admin).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "nothing was written");
}

#[tokio::test]
async fn an_unknown_role_is_refused_as_invalid_body() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res =
        app.post("/api/v1/users", &admin, json!({"email": "a@servdesk.test", "name": "A", "role": "root", "password": PASSWORD})).await;
    expect_problem(res, 422, "invalid_body").await;
}

#[tokio::test]
async fn emails_are_unique_case_insensitively() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let body = json!({"email": "Ana.Kos@Example.com", "name": "Ana", "role": "agent", "password": PASSWORD});
    let created: Value = app.post("/api/v1/users", &admin, body).await.json().await.unwrap();
    assert_eq!(created["email"], "ana.kos@example.com");
    let res = app
        .post("/api/v1/users", &admin, json!({"email": "ana.kos@EXAMPLE.com", "name": "Ana 2", "role": "agent", "password": PASSWORD}))
        .await;
    expect_problem(res, 409, "email_taken").await;
    // Logging in works with any case.
    app.login("ANA.KOS@example.com", PASSWORD).await;
}

#[tokio::test]
async fn a_user_with_history_is_deactivated_never_deleted() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (with_history, _) = app.user("agent").await;
    expect_problem(app.delete(&format!("/api/v1/users/{with_history}"), &admin).await, 409, "user_has_history").await;

    let fresh: Value = app
        .post("/api/v1/users", &admin, json!({"email": "new@servdesk.test", "name": "New", "role": "agent", "password": PASSWORD}))
        .await
        .json()
        .await
        .unwrap();
    let id = fresh["id"].as_str().unwrap();
    assert_eq!(app.delete(&format!("/api/v1/users/{id}"), &admin).await.status(), 204);
    expect_problem(app.get(&format!("/api/v1/users/{id}"), &admin).await, 404, "not_found").await;
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_demoted_or_deactivated() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let me: Value = app.get("/api/v1/me", &admin).await.json().await.unwrap();
    let id = me["id"].as_str().unwrap();
    expect_problem(app.patch(&format!("/api/v1/users/{id}"), &admin, json!({"active": false})).await, 409, "last_admin").await;
    expect_problem(app.patch(&format!("/api/v1/users/{id}"), &admin, json!({"role": "agent"})).await, 409, "last_admin").await;
    let (second, _) = app.user("agent").await;
    app.patch(&format!("/api/v1/users/{second}"), &admin, json!({"role": "admin"})).await;
    assert_eq!(app.patch(&format!("/api/v1/users/{id}"), &admin, json!({"role": "coordinator"})).await.status(), 200);
}

#[tokio::test]
async fn an_admin_password_reset_ends_the_users_sessions() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (id, token) = app.user("finance").await;
    let res = app.post(&format!("/api/v1/users/{id}/password"), &admin, json!({"password": "reset by the admin"})).await;
    assert_eq!(res.status(), 204);
    expect_problem(app.get("/api/v1/me", &token).await, 401, "session_revoked").await;
}

#[tokio::test]
async fn users_are_searchable_and_filterable() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    app.post(
        "/api/v1/users",
        &admin,
        json!({"email": "marko.horvat@example.hr", "name": "Marko Horvat", "role": "technician", "password": PASSWORD}),
    )
    .await;
    app.post("/api/v1/users", &admin, json!({"email": "iva@example.hr", "name": "Iva Novak", "role": "agent", "password": PASSWORD})).await;
    let found: Value = app.get("/api/v1/users?q=horv", &admin).await.json().await.unwrap();
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    assert_eq!(found["items"][0]["name"], "Marko Horvat");
    let techs: Value = app.get("/api/v1/users?role=technician", &admin).await.json().await.unwrap();
    assert_eq!(techs["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn teams_have_members_and_membership_changes_bump_the_version() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (user_id, _) = app.user("technician").await;
    let res = app.post("/api/v1/teams", &admin, json!({"name": "Field Zagreb"})).await;
    assert_eq!(res.status(), 201);
    assert!(res.headers().get("location").is_some());
    let team: Value = res.json().await.unwrap();
    let id = team["id"].as_str().unwrap();
    expect_problem(app.post("/api/v1/teams", &admin, json!({"name": "Field Zagreb"})).await, 409, "team_name_taken").await;

    let res = app.post(&format!("/api/v1/teams/{id}/members"), &admin, json!({"user_id": user_id})).await;
    assert_eq!(res.status(), 200);
    let with_member: Value = res.json().await.unwrap();
    assert_eq!(with_member["member_ids"], json!([user_id]));
    assert_eq!(with_member["version"], 2);
    let unknown = uuid::Uuid::now_v7();
    let res = app.post(&format!("/api/v1/teams/{id}/members"), &admin, json!({"user_id": unknown})).await;
    expect_problem(res, 422, "validation_failed").await;

    // Removing a member; removing them twice is a 404.
    assert_eq!(app.delete(&format!("/api/v1/teams/{id}/members/{user_id}"), &admin).await.status(), 204);
    let after: Value = app.get(&format!("/api/v1/teams/{id}"), &admin).await.json().await.unwrap();
    assert_eq!(after["member_ids"], json!([]));
    expect_problem(app.delete(&format!("/api/v1/teams/{id}/members/{user_id}"), &admin).await, 404, "not_found").await;
    assert_eq!(app.delete(&format!("/api/v1/teams/{id}"), &admin).await.status(), 204);
}
