//! The relay connector against a scripted server: enrolment on first use (key file 0600, the
//! secret sent once), signed requests the real verifier accepts, and the mapping of the
//! server's `{code, message}` answers to the outbox's retry decisions.
#![expect(clippy::unwrap_used, reason = "tests: a panic is the failure report")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use deskside_helpdesk::testing::{Recorded, Reply, Server};
use deskside_helpdesk::{Connector, Outgoing, Relay, Secret, SendError, Urgency};
use deskside_server_api::sign::Signed;
use serde_json::json;

const KEY: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

fn ticket() -> Outgoing {
    Outgoing {
        key: KEY.into(),
        subject: "VPN".into(),
        body: format!("It drops.\nDeskside reference: {KEY}\n"),
        urgency: Urgency::Normal,
        category: None,
        contact: None,
        requester: None,
        attachments: vec![],
    }
}

/// A server that enrols anyone and answers tickets with `answer`; it remembers the public key.
async fn server(answer: Reply) -> (Server, Arc<Mutex<Vec<u8>>>) {
    let public = Arc::new(Mutex::new(Vec::new()));
    let p = public.clone();
    let s = Server::start(move |r: &Recorded| {
        if r.target == "/v1/enroll" {
            let v = r.json();
            let pk = deskside_server_api::sign::parse_public_key(v["public_key"].as_str().unwrap())
                .unwrap();
            *p.lock().unwrap() = pk.to_vec();
            return Reply::json(201, &json!({"key_id": "dk_test", "device_id": 7}));
        }
        answer.clone()
    })
    .await
    .unwrap();
    (s, public)
}

fn relay(s: &Server, dir: &std::path::Path) -> Relay {
    Relay::new(
        s.url().parse().unwrap(),
        Some(Secret::new("dse_secret")),
        dir.to_owned(),
        Duration::from_secs(5),
    )
    .unwrap()
}

#[tokio::test]
async fn enrols_once_signs_and_maps_acceptance() {
    let dir = tempfile::tempdir().unwrap();
    let (s, public) = server(Reply::json(
        201,
        &json!({"key": KEY, "state": "accepted", "remote_id": null, "remote_url": null, "error": null}),
    ))
    .await;
    let r = relay(&s, dir.path());
    let remote = r.create(&ticket()).await.unwrap();
    assert_eq!(remote.id, KEY);
    r.create(&ticket()).await.unwrap();
    let reqs = s.requests();
    assert_eq!(reqs.iter().filter(|q| q.target == "/v1/enroll").count(), 1);
    // The key file is owner-only and holds no enrolment secret.
    let file = dir.path().join("server-key.json");
    // Owner-only by mode bits on Unix; on Windows the file inherits the per-user data
    // folder's ACL (docs/platforms.md).
    #[cfg(unix)]
    {
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&file).unwrap().permissions(),
        );
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }
    assert!(
        !std::fs::read_to_string(&file)
            .unwrap()
            .contains("dse_secret")
    );
    // Every ticket request verifies with the enrolled public key.
    let pk: [u8; 32] = public.lock().unwrap().as_slice().try_into().unwrap();
    for q in reqs.iter().filter(|q| q.target == "/v1/tickets") {
        let signed = Signed::from_headers(|h| q.header(h)).unwrap();
        assert_eq!(signed.key_id, "dk_test");
        signed.verify(&pk, "POST", "/v1/tickets", &q.body).unwrap();
    }
    // A new relay on the same folder reuses the key: no second enrolment.
    relay(&s, dir.path()).create(&ticket()).await.unwrap();
    assert_eq!(
        s.requests()
            .iter()
            .filter(|q| q.target == "/v1/enroll")
            .count(),
        1
    );
}

fn api(status: u16, code: &str) -> Reply {
    Reply::json(
        status,
        &json!({"code": code, "message": format!("server says {code}")}),
    )
}

#[tokio::test]
async fn server_codes_map_to_retry_decisions() {
    for (status, code, permanent) in [
        (401, "auth.clock_skew", false),
        (401, "auth.replay", false),
        (401, "auth.bad_signature", true),
        (401, "auth.bad_digest", true),
        (409, "relay.key_conflict", true),
        (413, "request.too_large", true),
        (400, "request.invalid", true),
        (429, "relay.rate_limited", false),
        (500, "server.database", false),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (s, _) = server(api(status, code)).await;
        let e = relay(&s, dir.path()).create(&ticket()).await.unwrap_err();
        assert_eq!(
            matches!(e, SendError::Permanent { .. }),
            permanent,
            "{code}: {e:?}"
        );
        if status != 500 && status != 429 {
            assert!(e.to_string().contains(code), "{code}: {e}");
        }
    }
}

#[tokio::test]
async fn a_revoked_key_is_forgotten_and_the_ticket_waits() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = server(api(401, "auth.revoked")).await;
    let r = relay(&s, dir.path());
    let e = r.create(&ticket()).await.unwrap_err();
    assert!(matches!(e, SendError::Transient { .. }), "{e:?}");
    assert!(
        !dir.path().join("server-key.json").exists(),
        "the useless key is removed"
    );
    assert_eq!(r.enrolment().await.key_id, None);
}

#[tokio::test]
async fn find_by_key_is_none_on_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = server(api(404, "relay.not_found")).await;
    assert_eq!(
        relay(&s, dir.path()).find_by_key(&ticket()).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn without_a_secret_nothing_is_sent_and_the_ticket_waits() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = server(Reply::status(500)).await;
    let r = Relay::new(
        s.url().parse().unwrap(),
        None,
        dir.path().to_owned(),
        Duration::from_secs(5),
    )
    .unwrap();
    let e = r.create(&ticket()).await.unwrap_err();
    assert!(matches!(e, SendError::Transient { .. }), "{e:?}");
    assert!(e.to_string().contains("server.enroll_secret"), "{e}");
    assert!(s.requests().is_empty());
}
