//! The real `deskside-server` binary over HTTP, on SQLite and on a private PostgreSQL
//! cluster: enrolment through the admin CLI's secret, signed requests, replayed and tampered
//! requests refused, the relay delivering to a fake RT exactly once, revocation through the
//! CLI, and the `{code, message}` error shape.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests: a panic is the failure report"
)]

#[expect(dead_code, reason = "this file uses a part of the shared helpers")]
mod common;

use std::time::Duration;

use common::{Device, Server, client, error_of, signed};
use deskside_helpdesk::Urgency;
use deskside_helpdesk::testing::FakeRt;
use deskside_server_api::sign::public_key_text;
use deskside_server_api::{EnrollResponse, TicketStatus, TicketUpload, WireAttachment};
use deskside_server_core::testing::cluster_or_skip;
use ed25519_dalek::SigningKey;
use serde_json::Value;

const KEY: &str = "3f2b8a4e-1c5d-4e6f-8a9b-0c1d2e3f4a5b";

async fn scenario(database: &str) {
    let fake = FakeRt::new();
    let rt = fake.serve().await.unwrap();
    let server = Server::start(database, &rt.url(), "tickets_per_hour = 5");
    let client = client();
    assert_eq!(
        client
            .get(server.url("/healthz"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok"
    );
    // The admin creates a secret; a device enrols with it.
    let created: Value = serde_json::from_str(&server.admin(&[
        "enroll-secret",
        "create",
        "--uses",
        "1",
        "--expires",
        "1h",
        "--json",
    ]))
    .unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    let key = SigningKey::from_bytes(&[5; 32]);
    let enrol = |secret: String, key: &SigningKey| {
        client
            .post(server.url("/v1/enroll"))
            .json(&serde_json::json!({
                "secret": secret,
                "public_key": public_key_text(key),
                "device_name": "laptop-5",
                "os_user": "jdoe",
            }))
    };
    let r = enrol(secret.clone(), &key).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let e: EnrollResponse = r.json().await.unwrap();
    let dev = Device {
        key,
        key_id: e.key_id,
    };
    // The secret had one use.
    let r = enrol(secret, &SigningKey::from_bytes(&[6; 32]))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r).await, (401, "enroll.invalid_secret".to_owned()));

    // A ticket through the relay.
    let upload = serde_json::to_vec(&TicketUpload {
        key: KEY.into(),
        subject: "VPN drops every 10 minutes".into(),
        body: format!("It drops.\nDeskside reference: {KEY}\n"),
        urgency: Urgency::High,
        category: None,
        contact: Some("jdoe@corp.example".into()),
        attachments: vec![WireAttachment {
            name: "deskside-bundle.json".into(),
            content_type: "application/json".into(),
            data_base64: "eyJhIjoxfQ==".into(),
        }],
    })
    .unwrap();
    let req = signed(
        &client,
        &server,
        &dev,
        reqwest::Method::POST,
        "/v1/tickets",
        upload.clone(),
    )
    .build()
    .unwrap();
    let replay = req.try_clone().unwrap();
    let r = client.execute(req).await.unwrap();
    assert_eq!(r.status().as_u16(), 201, "{}", server.log());
    // The very same request again: refused as a replay.
    let r = client.execute(replay).await.unwrap();
    assert_eq!(error_of(r).await, (401, "auth.replay".to_owned()));
    // Sent again properly (a new nonce): the same ticket, 200.
    let r = signed(
        &client,
        &server,
        &dev,
        reqwest::Method::POST,
        "/v1/tickets",
        upload.clone(),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // Tampered: the body changed after signing.
    let mut req = signed(
        &client,
        &server,
        &dev,
        reqwest::Method::POST,
        "/v1/tickets",
        upload.clone(),
    )
    .build()
    .unwrap();
    let mut evil = upload.clone();
    evil.extend_from_slice(b" ");
    *req.body_mut() = Some(evil.into());
    let r = client.execute(req).await.unwrap();
    assert_eq!(error_of(r).await, (401, "auth.bad_digest".to_owned()));
    // Unsigned.
    let r = client
        .post(server.url("/v1/tickets"))
        .body(upload.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r).await, (401, "auth.unsigned".to_owned()));

    // The server delivers it to the helpdesk once.
    let mut status = None;
    for _ in 0..100 {
        let r = signed(
            &client,
            &server,
            &dev,
            reqwest::Method::GET,
            &format!("/v1/tickets/{KEY}"),
            vec![],
        )
        .send()
        .await
        .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let s: TicketStatus = r.json().await.unwrap();
        if s.remote_id.is_some() {
            status = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = status.unwrap_or_else(|| panic!("not delivered: {}", server.log()));
    assert_eq!(status.remote_id.as_deref(), Some("1"));
    assert_eq!(fake.count_by_key().get(KEY), Some(&1));
    // The helpdesk got the device's ticket with the server's token, not anything of the device's.
    let creates: Vec<_> = rt
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(creates.len(), 1);
    assert_eq!(creates[0].header("authorization"), Some("token t0ken"));
    assert!(!String::from_utf8_lossy(&creates[0].body).contains(&dev.key_id));

    // The admin sees the device and revokes it; its next request is refused.
    let list = server.admin(&["devices", "list"]);
    assert!(
        list.contains(&dev.key_id) && list.contains("active"),
        "{list}"
    );
    server.admin(&["devices", "revoke", &dev.key_id]);
    let r = signed(
        &client,
        &server,
        &dev,
        reqwest::Method::GET,
        "/v1/device",
        vec![],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(error_of(r).await, (401, "auth.revoked".to_owned()));
    let status_json = server.admin(&["relay", "status", "--json"]);
    assert!(status_json.contains("\"delivered\":1"), "{status_json}");
    // An unknown route answers in the same shape.
    let r = client.get(server.url("/v2/nothing")).send().await.unwrap();
    assert_eq!(error_of(r).await, (404, "request.no_route".to_owned()));
}

#[tokio::test]
async fn sqlite_enrol_relay_replay_revoke() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.sqlite3");
    scenario(db.to_str().unwrap()).await;
}

#[tokio::test]
async fn postgres_enrol_relay_replay_revoke() {
    let Some(cluster) = cluster_or_skip("postgres_enrol_relay_replay_revoke") else {
        return;
    };
    scenario(&cluster.url("postgres")).await;
}
