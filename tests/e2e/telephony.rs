//! Telephony: the PBX reports phone calls with a `telephony:write` key; a customer's call
//! becomes a `phone` call linked to their contact and naming who answered by extension, a
//! missed one a call-back; the desk's outbound calls are not kept; the caller card shows
//! the caller's waiting calls and equipment.

use serde_json::{Value, json};

use crate::support::{TestApp, create, expect_problem, id};

#[tokio::test]
async fn the_pbx_logs_answered_and_missed_calls_linked_to_the_contact_and_the_agent() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let pbx = create(&app, &admin, "/api/v1/api-keys", json!({"name": "PBX", "scopes": ["telephony:write"]})).await;
    let pbx = pbx["secret"].as_str().unwrap().to_owned();
    let (agent_id, _) = app.user("agent").await;
    let res = app.patch(&format!("/api/v1/users/{agent_id}"), &admin, json!({"extension": "214"})).await;
    assert_eq!(res.status(), 200);
    let customer = create(&app, &admin, "/api/v1/customers", json!({"name": "Pekarna"})).await;
    let contact =
        create(&app, &admin, "/api/v1/contacts", json!({"name": "Eva", "customer_id": id(&customer), "phones": ["+386 40 111 222"]})).await;
    let product = create(&app, &admin, "/api/v1/products", json!({"name": "Oven"})).await;
    create(&app, &admin, "/api/v1/equipment", json!({"product_id": id(&product), "serial_number": "OV-1", "customer_id": id(&customer)}))
        .await;

    let answered = json!({"caller": "+386 40 111 222", "direction": "inbound", "started_at": "2026-12-01T08:15:00Z", "duration_seconds": 200, "agent_extension": "214", "recording_url": "https://pbx.example.com/rec/1.mp3"});
    let res = app.post("/api/v1/telephony/calls", &pbx, answered).await;
    assert_eq!(res.status(), 201);
    let out: Value = res.json().await.unwrap();
    let call = &out["call"];
    assert_eq!((call["channel"].as_str(), call["contact_id"].as_str()), (Some("phone"), Some(id(&contact).as_str())));
    assert_eq!(call["subject"], "Phone call from +38640111222 (3 min 20 s)");
    assert_eq!(call["metadata"]["telephony"]["agent_user_id"], agent_id.as_str());
    assert!(call["body"].as_str().unwrap().contains("Recording: https://pbx.example.com/rec/1.mp3"));

    let missed = json!({"caller": "+38640111222", "direction": "inbound", "started_at": "2026-12-01T09:00:00Z", "missed": true});
    let out: Value = app.post("/api/v1/telephony/calls", &pbx, missed).await.json().await.unwrap();
    assert_eq!(out["call"]["subject"], "Missed call from +38640111222: call back");
    assert_eq!(out["call"]["metadata"]["call_back"], true);

    let outbound = json!({"caller": "+38615550100", "called": "+38640111222", "direction": "outbound", "started_at": "2026-12-01T10:00:00Z", "duration_seconds": 60});
    let res = app.post("/api/v1/telephony/calls", &pbx, outbound).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["outcome"], "not_kept");

    // The caller card now shows both waiting calls and the customer's oven.
    let card: Value = app.get("/api/v1/contacts/lookup?phone=%2B38640111222", &admin).await.json().await.unwrap();
    assert_eq!(card["open_calls"].as_array().unwrap().len(), 2);
    assert_eq!(card["equipment"][0]["serial_number"], "OV-1");

    let future = json!({"caller": "+38640111222", "direction": "inbound", "started_at": "2099-01-01T00:00:00Z"});
    expect_problem(app.post("/api/v1/telephony/calls", &pbx, future).await, 422, "validation_failed").await;
    // A lookup-only key may not report calls.
    let reader = create(&app, &admin, "/api/v1/api-keys", json!({"name": "Popup", "scopes": ["telephony:read"]})).await;
    let res = app
        .post(
            "/api/v1/telephony/calls",
            reader["secret"].as_str().unwrap(),
            json!({"caller": "1", "direction": "inbound", "started_at": "2026-12-01T09:00:00Z"}),
        )
        .await;
    expect_problem(res, 403, "forbidden").await;
}
