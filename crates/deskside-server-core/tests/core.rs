//! The server's domain against both databases: every scenario runs on SQLite and on a private
//! PostgreSQL cluster (skipped with a message when PostgreSQL is not installed, unless
//! `DESKSIDE_SERVER_PG_REQUIRED=1`). No HTTP: the tests call `Core` as the routes do.
#![expect(clippy::unwrap_used, reason = "tests: a panic is the failure report")]

use std::collections::HashMap;
use std::time::Duration;

use deskside_helpdesk::testing::{FakeRt, Faults};
use deskside_helpdesk::{Rt, Secret, Settings, Urgency};
use deskside_server_api::sign::{public_key_text, sign_request};
use deskside_server_api::{EnrollRequest, RelayState, TicketUpload, WireAttachment};
use deskside_server_core::auth::Request;
use deskside_server_core::relay::{DeliverOptions, Outcome};
use deskside_server_core::testing::{PgCluster, cluster_or_skip};
use deskside_server_core::{Core, CoreError, Db, Limits};
use ed25519_dalek::SigningKey;

/// A database per scenario; the cluster lives as long as the guard.
enum Guard {
    Sqlite(#[expect(dead_code, reason = "kept for its Drop")] tempfile::TempDir),
    Pg(#[expect(dead_code, reason = "kept for its Drop")] PgCluster),
}

async fn sqlite(limits: Limits) -> (Guard, Core) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::sqlite(&dir.path().join("server.sqlite3"))
        .await
        .unwrap();
    (Guard::Sqlite(dir), Core::new(db, limits))
}

async fn postgres(name: &str, limits: Limits) -> Option<(Guard, Core)> {
    let cluster = cluster_or_skip(name)?;
    let db = Db::postgres(&cluster.url("postgres"), None, 4)
        .await
        .unwrap();
    Some((Guard::Pg(cluster), Core::new(db, limits)))
}

/// Runs `$body(core)` on SQLite, then on PostgreSQL.
macro_rules! both {
    ($name:ident, $limits:expr, $body:ident) => {
        mod $name {
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                let (_g, core) = super::sqlite($limits).await;
                $body(core).await;
            }
            #[tokio::test]
            async fn postgres() {
                let Some((_g, core)) = super::postgres(stringify!($name), $limits).await else {
                    return;
                };
                $body(core).await;
            }
        }
    };
}

struct Dev {
    key: SigningKey,
    key_id: String,
}

fn now_s() -> i64 {
    deskside_server_core::now_ms() / 1000
}

/// A fresh nonce: a process-wide counter and the time, 32 hex digits.
fn nonce() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    format!("{:016x}{n:016x}", deskside_server_core::now_ms())
}

async fn enrol(core: &Core, secret: &str, seed: u8) -> Result<Dev, CoreError> {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let r = core
        .enroll(&EnrollRequest {
            secret: secret.into(),
            public_key: public_key_text(&key),
            device_name: format!("laptop-{seed}"),
            os_user: "jdoe".into(),
        })
        .await?;
    Ok(Dev {
        key,
        key_id: r.key_id,
    })
}

fn headers(
    dev: &Dev,
    method: &str,
    path: &str,
    body: &[u8],
    ts: i64,
    nonce: &str,
) -> HashMap<String, String> {
    sign_request(&dev.key, &dev.key_id, method, path, body, ts, nonce)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}

async fn call(
    core: &Core,
    h: &HashMap<String, String>,
    method: &str,
    path: &str,
    body: &[u8],
) -> Result<deskside_server_core::enroll::Device, CoreError> {
    core.authenticate(
        Request {
            method,
            path_and_query: path,
            body,
        },
        |name| h.get(name).map(String::as_str),
    )
    .await
}

fn upload(key: &str, subject: &str) -> Vec<u8> {
    serde_json::to_vec(&TicketUpload {
        key: key.into(),
        subject: subject.into(),
        body: format!("It broke.\nDeskside reference: {key}\n"),
        urgency: Urgency::Normal,
        category: None,
        contact: None,
        attachments: vec![WireAttachment {
            name: "deskside-bundle.json".into(),
            content_type: "application/json".into(),
            data_base64: "e30=".into(),
        }],
    })
    .unwrap()
}

const KEY1: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";
const KEY2: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

async fn enrolment_spends_uses_and_honours_expiry(core: Core) {
    let s = core
        .create_enroll_secret(2, Duration::from_secs(3600), Some("test".into()))
        .await
        .unwrap();
    assert!(s.secret.starts_with("dse_"));
    let a = enrol(&core, &s.secret, 1).await.unwrap();
    let b = enrol(&core, &s.secret, 2).await.unwrap();
    assert_ne!(a.key_id, b.key_id);
    let third = enrol(&core, &s.secret, 3).await.err().unwrap();
    assert_eq!(third.code(), "enroll.invalid_secret");
    assert_eq!(third.status(), 401);
    assert_eq!(
        enrol(&core, "dse_wrong", 4).await.err().unwrap().code(),
        "enroll.invalid_secret"
    );
    let short = core
        .create_enroll_secret(5, Duration::from_millis(1), None)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(
        enrol(&core, &short.secret, 5).await.err().unwrap().code(),
        "enroll.invalid_secret",
        "an expired secret is refused"
    );
    let bad = core
        .enroll(&EnrollRequest {
            secret: s.secret.clone(),
            public_key: "AAAA".into(),
            device_name: "x".into(),
            os_user: "y".into(),
        })
        .await
        .err()
        .unwrap();
    assert_eq!(bad.code(), "request.invalid");
    // The secret is stored only as a hash.
    let devices = core.devices().await.unwrap();
    assert_eq!(devices.len(), 2);
}
both!(
    enrolment,
    Limits::default(),
    enrolment_spends_uses_and_honours_expiry
);

async fn signed_requests_are_checked(core: Core) {
    let s = core
        .create_enroll_secret(1, Duration::from_secs(3600), None)
        .await
        .unwrap();
    let dev = enrol(&core, &s.secret, 9).await.unwrap();
    let n = nonce();
    let h = headers(&dev, "GET", "/v1/device", b"", now_s(), &n);
    let me = call(&core, &h, "GET", "/v1/device", b"").await.unwrap();
    assert_eq!(me.key_id, dev.key_id);
    // The same request again: a replay.
    let e = call(&core, &h, "GET", "/v1/device", b"")
        .await
        .err()
        .unwrap();
    assert_eq!((e.code(), e.status()), ("auth.replay", 401));
    // Tampered body, path, method.
    let body = upload(KEY1, "VPN down");
    let h = headers(&dev, "POST", "/v1/tickets", &body, now_s(), &nonce());
    let mut tampered = body.clone();
    tampered[10] ^= 1;
    assert_eq!(
        call(&core, &h, "POST", "/v1/tickets", &tampered)
            .await
            .err()
            .unwrap()
            .code(),
        "auth.bad_digest"
    );
    assert_eq!(
        call(&core, &h, "POST", "/v1/tickets?x=1", &body)
            .await
            .err()
            .unwrap()
            .code(),
        "auth.bad_signature"
    );
    // A signature by another key under this key id.
    let thief = Dev {
        key: SigningKey::from_bytes(&[42; 32]),
        key_id: dev.key_id.clone(),
    };
    let h = headers(&thief, "GET", "/v1/device", b"", now_s(), &nonce());
    assert_eq!(
        call(&core, &h, "GET", "/v1/device", b"")
            .await
            .err()
            .unwrap()
            .code(),
        "auth.bad_signature"
    );
    // Clock skew both ways.
    for ts in [now_s() - 301, now_s() + 301] {
        let h = headers(&dev, "GET", "/v1/device", b"", ts, &nonce());
        let e = call(&core, &h, "GET", "/v1/device", b"")
            .await
            .err()
            .unwrap();
        assert_eq!(e.code(), "auth.clock_skew");
    }
    // Unknown key id.
    let ghost = Dev {
        key: SigningKey::from_bytes(&[43; 32]),
        key_id: "dk_nobody".into(),
    };
    let h = headers(&ghost, "GET", "/v1/device", b"", now_s(), &nonce());
    assert_eq!(
        call(&core, &h, "GET", "/v1/device", b"")
            .await
            .err()
            .unwrap()
            .code(),
        "auth.unknown_key"
    );
    // Unsigned.
    let e = call(&core, &HashMap::new(), "GET", "/v1/device", b"")
        .await
        .err()
        .unwrap();
    assert_eq!(e.code(), "auth.unsigned");
    // Revoked: refused from the next request on.
    let revoked = core.revoke(&dev.key_id).await.unwrap();
    assert!(revoked.revoked_at.is_some());
    let h = headers(&dev, "GET", "/v1/device", b"", now_s(), &nonce());
    let e = call(&core, &h, "GET", "/v1/device", b"")
        .await
        .err()
        .unwrap();
    assert_eq!((e.code(), e.status()), ("auth.revoked", 401));
    assert_eq!(
        core.revoke("99999").await.err().unwrap().code(),
        "admin.no_device"
    );
}
both!(signatures, Limits::default(), signed_requests_are_checked);

fn small_limits() -> Limits {
    Limits {
        tickets_per_hour: 2,
        max_request_bytes: 4096,
        ..Limits::default()
    }
}

async fn relay_accepts_idempotently_with_caps(core: Core) {
    let s = core
        .create_enroll_secret(2, Duration::from_secs(3600), None)
        .await
        .unwrap();
    let a = enrol(&core, &s.secret, 1).await.unwrap();
    let b = enrol(&core, &s.secret, 2).await.unwrap();
    let da = core.device_by_key(&a.key_id).await.unwrap().unwrap();
    let db = core.device_by_key(&b.key_id).await.unwrap().unwrap();
    let body = upload(KEY1, "Printer jam");
    let (st, new) = core.accept_ticket(&da, &body).await.unwrap();
    assert!(new);
    assert_eq!(st.state, RelayState::Accepted);
    // Sent again (the device did not see the answer): the same ticket, not new, not counted.
    for _ in 0..3 {
        let (again, new) = core.accept_ticket(&da, &body).await.unwrap();
        assert!(!new);
        assert_eq!(again, st);
    }
    // Another device, or other content, with the same key: conflict.
    assert_eq!(
        core.accept_ticket(&db, &body).await.err().unwrap().code(),
        "relay.key_conflict"
    );
    assert_eq!(
        core.accept_ticket(&da, &upload(KEY1, "Other"))
            .await
            .err()
            .unwrap()
            .code(),
        "relay.key_conflict"
    );
    // Status only for the owner.
    assert_eq!(core.ticket_status(&da, KEY1).await.unwrap().key, KEY1);
    assert_eq!(
        core.ticket_status(&db, KEY1).await.err().unwrap().code(),
        "relay.not_found"
    );
    // Size cap.
    let big = vec![b' '; 5000];
    let e = core.accept_ticket(&da, &big).await.err().unwrap();
    assert_eq!((e.code(), e.status()), ("request.too_large", 413));
    // Rate limit: 2 new tickets per hour.
    core.accept_ticket(&da, &upload(KEY2, "Second"))
        .await
        .unwrap();
    let e = core
        .accept_ticket(
            &da,
            &upload("11111111-2222-4333-8444-555555555555", "Third"),
        )
        .await
        .err()
        .unwrap();
    assert_eq!((e.code(), e.status()), ("relay.rate_limited", 429));
    assert!(e.retry_after_s().unwrap() > 0);
    // Garbage.
    assert_eq!(
        core.accept_ticket(&db, b"{").await.err().unwrap().code(),
        "request.invalid"
    );
    assert_eq!(
        core.accept_ticket(&db, &upload("x' OR 1=1", "s"))
            .await
            .err()
            .unwrap()
            .code(),
        "request.invalid"
    );
}
both!(
    relay_accept,
    small_limits(),
    relay_accepts_idempotently_with_caps
);

fn quick() -> DeliverOptions {
    DeliverOptions {
        backoff_base: Duration::from_millis(10),
        backoff_cap: Duration::from_millis(50),
        unreachable_cap: Duration::from_millis(50),
        settle: Duration::from_millis(300),
        ..DeliverOptions::for_timeout(Duration::from_secs(5))
    }
}

async fn relay_delivers_exactly_once_through_faults(core: Core) {
    let s = core
        .create_enroll_secret(1, Duration::from_secs(3600), None)
        .await
        .unwrap();
    let a = enrol(&core, &s.secret, 1).await.unwrap();
    let da = core.device_by_key(&a.key_id).await.unwrap().unwrap();
    core.accept_ticket(&da, &upload(KEY1, "One")).await.unwrap();
    core.accept_ticket(&da, &upload(KEY2, "Two")).await.unwrap();
    let fake = FakeRt::new();
    // The first create is made and answered 500: the ticket exists, the server does not know.
    fake.set_faults(Faults {
        fail_after_create: 1,
        ..Faults::default()
    });
    let server = fake.serve().await.unwrap();
    let mut settings = Settings::new("rt", Some(server.url().parse().unwrap()));
    settings.queue = Some("General".into());
    settings.token = Some(Secret::new("t0ken"));
    settings.timeout = Duration::from_secs(5);
    let rt = Rt::new(&settings).unwrap();
    let options = quick();
    let mut delivered = 0;
    for _ in 0..100 {
        for o in core.deliver_due(&rt, &options).await.unwrap() {
            if matches!(o, Outcome::Delivered { .. }) {
                delivered += 1;
            }
        }
        if delivered == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(delivered, 2);
    let counts = fake.count_by_key();
    assert_eq!(counts.get(KEY1), Some(&1), "{counts:?}");
    assert_eq!(counts.get(KEY2), Some(&1), "{counts:?}");
    let st = core.ticket_status(&da, KEY1).await.unwrap();
    assert_eq!(st.state, RelayState::Delivered);
    assert!(st.remote_id.is_some());
    assert_eq!(
        core.relay_counts().await.unwrap(),
        vec![("delivered".to_owned(), 2)]
    );
}
both!(
    relay_delivery,
    Limits::default(),
    relay_delivers_exactly_once_through_faults
);

/// A helpdesk that files at once and answers status reads, counting them.
#[derive(Default)]
struct Answering {
    status_reads: std::sync::atomic::AtomicUsize,
}

impl deskside_helpdesk::Connector for Answering {
    fn kind(&self) -> &'static str {
        "test"
    }

    async fn create(
        &self,
        _ticket: &deskside_helpdesk::Outgoing,
    ) -> Result<deskside_helpdesk::Remote, deskside_helpdesk::SendError> {
        Ok(deskside_helpdesk::Remote {
            id: "77".into(),
            url: None,
        })
    }

    async fn status(
        &self,
        remote: &deskside_helpdesk::Remote,
    ) -> Result<Option<deskside_helpdesk::RemoteStatus>, deskside_helpdesk::SendError> {
        self.status_reads
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(Some(deskside_helpdesk::RemoteStatus {
            status: "resolved".into(),
            last_reply: Some(format!("Fixed your VPN (#{}).", remote.id)),
            last_reply_at: Some("2026-12-07 09:00:00".into()),
        }))
    }
}

fn quick_refresh() -> Limits {
    Limits {
        status_refresh: Duration::from_millis(400),
        ..Limits::default()
    }
}

/// The device's status poll carries the helpdesk's status and reply; the helpdesk is read by
/// the worker, once per ticket per refresh age, never inside the poll; only the ticket's own
/// device sees it.
async fn helpdesk_status_flows_back_to_the_device(core: Core) {
    use std::sync::atomic::Ordering;
    let s = core
        .create_enroll_secret(2, Duration::from_secs(3600), None)
        .await
        .unwrap();
    let a = enrol(&core, &s.secret, 1).await.unwrap();
    let b = enrol(&core, &s.secret, 2).await.unwrap();
    let da = core.device_by_key(&a.key_id).await.unwrap().unwrap();
    let db = core.device_by_key(&b.key_id).await.unwrap().unwrap();
    core.accept_ticket(&da, &upload(KEY1, "One")).await.unwrap();
    let hd = Answering::default();
    // Not delivered yet: nothing to read, nothing wanted.
    let (st, wanted) = core.ticket_followup(&da, KEY1).await.unwrap();
    assert_eq!((st.state, wanted), (RelayState::Accepted, false));
    assert_eq!(core.refresh_followups(&hd, 16).await.unwrap(), 0);
    core.deliver_due(&hd, &quick()).await.unwrap();

    let (st, wanted) = core.ticket_followup(&da, KEY1).await.unwrap();
    assert_eq!(st.state, RelayState::Delivered);
    assert_eq!(st.helpdesk_status, None, "not read yet");
    assert!(wanted, "the first poll asks the worker to read it");
    let (_, again) = core.ticket_followup(&da, KEY1).await.unwrap();
    assert!(!again, "already wanted");
    assert_eq!(
        hd.status_reads.load(Ordering::SeqCst),
        0,
        "never read inside a poll"
    );

    assert_eq!(core.refresh_followups(&hd, 16).await.unwrap(), 1);
    let (st, wanted) = core.ticket_followup(&da, KEY1).await.unwrap();
    assert_eq!(st.helpdesk_status.as_deref(), Some("resolved"));
    assert_eq!(st.last_reply.as_deref(), Some("Fixed your VPN (#77)."));
    assert_eq!(st.last_reply_at.as_deref(), Some("2026-12-07 09:00:00"));
    assert!(!wanted, "fresh");
    // Polls within the refresh age do not reach the helpdesk.
    for _ in 0..5 {
        core.ticket_followup(&da, KEY1).await.unwrap();
    }
    assert_eq!(core.refresh_followups(&hd, 16).await.unwrap(), 0);
    assert_eq!(hd.status_reads.load(Ordering::SeqCst), 1);
    // Another device cannot read it.
    assert!(matches!(
        core.ticket_followup(&db, KEY1).await,
        Err(CoreError::NotFound)
    ));
    // After the refresh age a poll wants it again.
    tokio::time::sleep(Duration::from_millis(450)).await;
    let (_, wanted) = core.ticket_followup(&da, KEY1).await.unwrap();
    assert!(wanted);
    assert_eq!(core.refresh_followups(&hd, 16).await.unwrap(), 1);
    assert_eq!(hd.status_reads.load(Ordering::SeqCst), 2);
}
both!(
    relay_followup,
    quick_refresh(),
    helpdesk_status_flows_back_to_the_device
);
