//! Attachments in an S3 bucket: the same API against a real S3 server (s3s-fs, started by
//! `tests/s3/server.sh` from `.ci/run`, which exports `SERVDESK_TEST_S3`), speaking SigV4
//! and multipart uploads over HTTP.

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::attachments::PNG;
use crate::support::{TestApp, create, expect_problem, files_under, id};

/// The private S3 server of the run.
struct S3Server {
    endpoint: String,
    access_key_id: String,
    secret_access_key: String,
    bucket: String,
    /// Where s3s-fs keeps the bucket's objects as files.
    root: std::path::PathBuf,
}

fn s3_server() -> S3Server {
    let dir = std::env::var("SERVDESK_TEST_S3").unwrap_or_default();
    assert!(
        !dir.is_empty(),
        "the S3 tests need the test S3 server: `bash tests/s3/server.sh start /tmp/servdesk-s3` and \
         `export SERVDESK_TEST_S3=/tmp/servdesk-s3` — `bash .ci/run` does both"
    );
    let env = std::fs::read_to_string(format!("{dir}/env")).expect("SERVDESK_TEST_S3/env");
    let get =
        |key: &str| env.lines().find_map(|l| l.strip_prefix(&format!("{key}="))).unwrap_or_else(|| panic!("{key} in {dir}/env")).to_owned();
    S3Server {
        endpoint: get("ENDPOINT"),
        access_key_id: get("ACCESS_KEY_ID"),
        secret_access_key: get("SECRET_ACCESS_KEY"),
        bucket: get("BUCKET"),
        root: get("ROOT").into(),
    }
}

/// An app whose attachments go to a prefix of its own in the test bucket; the prefix's
/// directory on the server's disk is returned with it.
async fn app_on_s3(s3: &S3Server, secret: &str) -> (TestApp, std::path::PathBuf) {
    let prefix = format!("run-{}", uuid::Uuid::now_v7().simple());
    let settings = vec![
        ("aws_endpoint".to_owned(), s3.endpoint.clone()),
        ("aws_allow_http".to_owned(), "true".to_owned()),
        ("aws_region".to_owned(), "us-east-1".to_owned()),
        ("aws_access_key_id".to_owned(), s3.access_key_id.clone()),
        ("aws_secret_access_key".to_owned(), secret.to_owned()),
    ];
    let url = format!("s3://{}/{prefix}", s3.bucket);
    let app = TestApp::spawn_with(move |c| {
        c.storage_url = url;
        c.s3_settings = settings;
    })
    .await;
    (app, s3.root.join(&s3.bucket).join(prefix))
}

/// Uploads `(filename, declared content type, bytes)`.
async fn upload(app: &TestApp, token: &str, path: &str, files: Vec<(&str, &str, Vec<u8>)>) -> reqwest::Response {
    let form = files.into_iter().fold(Form::new(), |form, (name, declared, bytes)| {
        form.part("file", Part::bytes(bytes).file_name(name.to_owned()).mime_str(declared).unwrap())
    });
    app.request(Method::POST, path, Some(token)).multipart(form).send().await.unwrap()
}

#[tokio::test]
async fn attachments_are_written_to_the_bucket_in_parts_read_back_whole_and_removed_with_their_rows() {
    let s3 = s3_server();
    let (app, prefix_dir) = app_on_s3(&s3, &s3.secret_access_key).await;
    let admin = app.admin_token().await;
    let t = create(&app, &admin, "/api/v1/tickets", json!({"title": "Kotao curi"})).await;
    let path = format!("/api/v1/tickets/{}/attachments", id(&t));

    // 12 MiB: three parts of object_store's 5 MiB multipart upload.
    let log: Vec<u8> =
        (0..12 * 1024 * 1024 / 64).flat_map(|i| format!("{i:>12} tlak 1,2 bar; ventil zamijenjen; kotao OK.\n").into_bytes()).collect();
    let res = upload(&app, &admin, &path, vec![("kotao.png", "image/png", PNG.to_vec()), ("dnevnik.txt", "text/plain", log.clone())]).await;
    assert_eq!(res.status(), 201);
    let items = res.json::<Value>().await.unwrap()["items"].as_array().unwrap().clone();
    assert_eq!((items[0]["content_type"].as_str(), items[1]["content_type"].as_str()), (Some("image/png"), Some("text/plain")));

    // The bytes are objects in the bucket, under the configured prefix.
    let objects = files_under(&prefix_dir);
    assert_eq!(objects.len(), 2, "{objects:?}");
    assert!(objects.iter().all(|p| p.strip_prefix(&prefix_dir).unwrap().starts_with("attachments")), "{objects:?}");
    assert!(objects.iter().any(|p| std::fs::read(p).unwrap() == log));
    assert!(objects.iter().any(|p| std::fs::read(p).unwrap() == PNG));

    // Downloads stream them back from the bucket.
    let res = app.get(items[1]["content_url"].as_str().unwrap(), &admin).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-length"], log.len().to_string().as_str());
    assert!(res.bytes().await.unwrap().as_ref() == log.as_slice(), "the 12 MiB file came back changed");

    // A refused request leaves no object (its good file's finished upload is removed too).
    let disguised = b"<html><script>alert(1)</script></html>".to_vec();
    let res = upload(&app, &admin, &path, vec![("ok.png", "image/png", PNG.to_vec()), ("photo.png", "image/png", disguised)]).await;
    expect_problem(res, 422, "validation_failed").await;
    assert_eq!(files_under(&prefix_dir).len(), 2);

    // Removing the attachment removes its object.
    let res = app.delete(&format!("/api/v1/attachments/{}", id(&items[0])), &admin).await;
    assert_eq!(res.status(), 204);
    let left = files_under(&prefix_dir);
    assert_eq!(left.len(), 1);
    assert_eq!(std::fs::read(&left[0]).unwrap(), log);
}

#[tokio::test]
async fn a_bucket_that_refuses_the_credentials_answers_503_and_keeps_nothing() {
    let s3 = s3_server();
    let (app, prefix_dir) = app_on_s3(&s3, "not-the-secret").await;
    let admin = app.admin_token().await;
    let t = create(&app, &admin, "/api/v1/tickets", json!({"title": "Pumpa ne radi"})).await;
    let path = format!("/api/v1/tickets/{}/attachments", id(&t));

    let res = upload(&app, &admin, &path, vec![("pumpa.png", "image/png", PNG.to_vec())]).await;
    let body = expect_problem(res, 503, "storage_unavailable").await;
    assert!(!body["detail"].as_str().unwrap().contains("not-the-secret"));
    let listed: Value = app.get(&path, &admin).await.json().await.unwrap();
    assert!(listed["items"].as_array().unwrap().is_empty(), "no row without its object");
    assert!(files_under(&prefix_dir).is_empty());
}
