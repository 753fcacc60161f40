//! The fleet view against both databases (SQLite, a private PostgreSQL): reports from many
//! devices at once through two `Core`s on one database (two server instances) open exactly
//! one incident with exactly one relay ticket; every device then sees it; the network scope;
//! announcements; a ticket filed during an incident names it; resolution by IT and by devices
//! reporting healthy; caps and validation.
#![expect(clippy::unwrap_used, reason = "tests: a panic is the failure report")]

use std::time::Duration;

use deskside_helpdesk::testing::FakeRt;
use deskside_helpdesk::{Rt, Secret, Settings, Urgency};
use deskside_server_api::fleet::{FleetReport, IssueKind, ReportStatus, fingerprint};
use deskside_server_api::sign::public_key_text;
use deskside_server_api::{EnrollRequest, TicketUpload};
use deskside_server_core::enroll::Device;
use deskside_server_core::fleet::FleetSettings;
use deskside_server_core::relay::{DeliverOptions, Outcome};
use deskside_server_core::testing::{PgCluster, cluster_or_skip};
use deskside_server_core::{Core, Db, Limits};
use ed25519_dalek::SigningKey;

enum Guard {
    Sqlite(#[expect(dead_code, reason = "kept for its Drop")] tempfile::TempDir),
    Pg(#[expect(dead_code, reason = "kept for its Drop")] PgCluster),
}

fn limits() -> Limits {
    Limits {
        requests_per_minute: 10_000,
        fleet: FleetSettings {
            fleet_devices: 10,
            network_devices: 3,
            window: Duration::from_secs(600),
            resolve_after: Duration::from_millis(1),
            reports_per_hour: 5,
        },
        ..Limits::default()
    }
}

/// Two cores (two instances) on one fresh database.
async fn two_sqlite() -> (Guard, Core, Core) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.sqlite3");
    let a = Db::sqlite(&path).await.unwrap();
    let b = Db::sqlite(&path).await.unwrap();
    (
        Guard::Sqlite(dir),
        Core::new(a, limits()),
        Core::new(b, limits()),
    )
}

async fn two_postgres(name: &str) -> Option<(Guard, Core, Core)> {
    let cluster = cluster_or_skip(name)?;
    let a = Db::postgres(&cluster.url("postgres"), None, 4)
        .await
        .unwrap();
    let b = Db::postgres(&cluster.url("postgres"), None, 4)
        .await
        .unwrap();
    Some((
        Guard::Pg(cluster),
        Core::new(a, limits()),
        Core::new(b, limits()),
    ))
}

macro_rules! both {
    ($name:ident, $body:ident) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let (_g, a, b) = super::two_sqlite().await;
                $body(a, b).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let Some((_g, a, b)) = super::two_postgres(stringify!($name)).await else {
                    return;
                };
                $body(a, b).await;
            }
        }
    };
}

async fn devices(core: &Core, n: u8) -> Vec<Device> {
    let s = core
        .create_enroll_secret(i64::from(n), Duration::from_secs(3600), None)
        .await
        .unwrap();
    let mut out = Vec::new();
    for seed in 1..=n {
        let key = SigningKey::from_bytes(&[seed; 32]);
        let r = core
            .enroll(&EnrollRequest {
                secret: s.secret.clone(),
                public_key: public_key_text(&key),
                device_name: format!("laptop-{seed}"),
                os_user: "jdoe".into(),
            })
            .await
            .unwrap();
        out.push(core.device_by_key(&r.key_id).await.unwrap().unwrap());
    }
    out
}

fn report(root_cause: Option<&str>, network: Option<&str>) -> Vec<u8> {
    serde_json::to_vec(&FleetReport {
        root_cause: root_cause.map(str::to_owned),
        status: if root_cause.is_some() {
            ReportStatus::Broken
        } else {
            ReportStatus::Healthy
        },
        network: network.map(str::to_owned),
        vpn_up: Some(false),
    })
    .unwrap()
}

async fn deliver_all(core: &Core) -> FakeRt {
    let fake = FakeRt::new();
    let server = fake.serve().await.unwrap();
    let mut settings = Settings::new("rt", Some(server.url().parse().unwrap()));
    settings.queue = Some("General".into());
    settings.token = Some(Secret::new("t0ken"));
    settings.timeout = Duration::from_secs(5);
    let rt = Rt::new(&settings).unwrap();
    let options = DeliverOptions {
        settle: Duration::from_millis(300),
        ..DeliverOptions::for_timeout(Duration::from_secs(5))
    };
    for _ in 0..50 {
        let outcomes = core.deliver_due(&rt, &options).await.unwrap();
        if outcomes.is_empty() {
            break;
        }
        assert!(
            outcomes
                .iter()
                .all(|o| matches!(o, Outcome::Delivered { .. })),
            "{outcomes:?}"
        );
    }
    std::mem::forget(server);
    fake
}

async fn many_devices_one_incident(a: Core, b: Core) {
    let devs = devices(&a, 30).await;
    let salt = a.known_issues().await.unwrap().salt;
    assert_eq!(salt, b.known_issues().await.unwrap().salt, "one salt");
    let net = fingerprint(&salt, &["10.0.0.1".into()], &["10.0.0.53".into()]).unwrap();
    // 30 devices at once, alternating between the two instances, all "vpn.tunnel" but each
    // on its own network (so only the fleet-wide threshold of 10 applies).
    let mut tasks = Vec::new();
    for (n, d) in devs.iter().enumerate() {
        let core = if n % 2 == 0 { a.clone() } else { b.clone() };
        let d = d.clone();
        let own = fingerprint(&salt, &[format!("10.9.{n}.1")], &[]).unwrap();
        tasks.push(tokio::spawn(async move {
            core.record_report(&d, &report(Some("vpn.tunnel"), Some(&own)))
                .await
                .unwrap()
        }));
    }
    let mut answered = 0;
    for t in tasks {
        if t.await.unwrap().known_issue.is_some() {
            answered += 1;
        }
    }
    assert!(
        answered >= 21,
        "at least those after the 10th see it: {answered}"
    );
    let open = a.incidents(false).await.unwrap();
    assert_eq!(open.len(), 1, "{open:?}");
    let incident = &open[0];
    assert_eq!(incident.root_cause, "vpn.tunnel");
    assert_eq!(incident.network, None);
    // Late reports keep counting into the same incident; the count is exact after one more.
    a.record_report(&devs[0], &report(Some("vpn.tunnel"), Some(&net)))
        .await
        .unwrap();
    let open = b.incidents(false).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].devices, 30);
    // Exactly one relay ticket (filed by the server itself), even after sweeps on both.
    a.fleet_sweep().await.unwrap();
    b.fleet_sweep().await.unwrap();
    assert_eq!(
        a.relay_counts().await.unwrap(),
        vec![("queued".to_owned(), 1)]
    );
    // Every device sees the known issue, and it explains their diagnosis.
    for d in &devs {
        let _ = d;
        let k = b.known_issues().await.unwrap();
        let hits: Vec<_> = k
            .issues
            .iter()
            .filter(|i| i.is_open() && i.matches(Some("vpn.tunnel"), Some(&net)))
            .collect();
        assert_eq!(hits.len(), 1);
    }
    // Delivered once, with the counts and examples.
    let fake = deliver_all(&a).await;
    let tickets = fake.tickets();
    assert_eq!(tickets.len(), 1, "{tickets:?}");
    let body = tickets[0].body.to_string();
    assert!(body.contains("Incident #"), "{body}");
    assert!(body.contains("vpn.tunnel"), "{body}");
    assert!(body.contains("laptop-"), "examples: {body}");
    let k = a.known_issues().await.unwrap();
    assert!(k.issues[0].ticket.is_some(), "the helpdesk number is shown");

    // A ticket filed now is linked, and its body names the incident.
    let key = "0f8fad5b-d9cb-469f-a165-70867728950e";
    let upload = serde_json::to_vec(&TicketUpload {
        key: key.into(),
        subject: "VPN broken".into(),
        body: format!("It broke.\nDeskside reference: {key}\n"),
        urgency: Urgency::Normal,
        category: None,
        contact: None,
        attachments: vec![],
    })
    .unwrap();
    b.accept_ticket(&devs[3], &upload).await.unwrap();
    let fake = deliver_all(&b).await;
    let body = fake.tickets()[0].body.to_string();
    assert!(
        body.contains(&format!(
            "Known issue: filed while Deskside incident #{}",
            incident.id
        )),
        "{body}"
    );
    assert_eq!(a.incidents(false).await.unwrap()[0].linked_tickets, 1);

    // Resolution: quiet, and a device reported healthy since → resolved by the sweep; devices
    // still see it for a day, as resolved.
    a.record_report(&devs[1], &report(None, Some(&net)))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(b.fleet_sweep().await.unwrap(), 1);
    assert!(a.incidents(false).await.unwrap().is_empty());
    let k = a.known_issues().await.unwrap();
    assert!(k.issues[0].resolved_at.is_some());
    // A new wave opens a new incident (the old one is resolved).
    for d in &devs[..10] {
        b.record_report(d, &report(Some("vpn.tunnel"), None))
            .await
            .unwrap();
    }
    let all = a.incidents(true).await.unwrap();
    assert_eq!(all.len(), 2, "{all:?}");
    let closed = a.close_incident(all[0].id).await.unwrap();
    assert_eq!(closed.resolved_by.as_deref(), Some("it"));
    assert_eq!(
        a.close_incident(all[0].id).await.err().unwrap().code(),
        "admin.not_found"
    );
}
both!(fleet_incident, many_devices_one_incident);

async fn network_scope_announcements_and_caps(a: Core, b: Core) {
    let devs = devices(&a, 6).await;
    let salt = a.fleet_salt().await.unwrap();
    let office = fingerprint(&salt, &["10.0.0.1".into()], &["10.0.0.53".into()]).unwrap();
    let home = fingerprint(&salt, &["192.168.1.1".into()], &[]).unwrap();
    for d in &devs[..3] {
        b.record_report(d, &report(Some("dns.resolve"), Some(&office)))
            .await
            .unwrap();
    }
    let open = a.incidents(false).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].network.as_deref(), Some(office.as_str()));
    // Same root cause elsewhere: not this incident.
    let other = a
        .record_report(&devs[4], &report(Some("dns.resolve"), Some(&home)))
        .await
        .unwrap();
    assert_eq!(other.known_issue, None);
    let same = a
        .record_report(&devs[5], &report(Some("dns.resolve"), Some(&office)))
        .await
        .unwrap();
    assert!(same.known_issue.is_some());

    // Announcements.
    let ann = a
        .announce("Printer on floor 3 is being replaced")
        .await
        .unwrap();
    let k = b.known_issues().await.unwrap();
    assert!(k.issues.iter().any(|i| i.kind == IssueKind::Announcement
        && i.message.as_deref() == Some("Printer on floor 3 is being replaced")));
    assert_eq!(b.announcements(false).await.unwrap().len(), 1);
    b.close_announcement(ann.id).await.unwrap();
    assert!(a.announcements(false).await.unwrap().is_empty());
    assert_eq!(
        a.announce("  ").await.err().unwrap().code(),
        "request.invalid"
    );

    // Caps and validation.
    let d = &devs[0];
    let e = a.record_report(d, &vec![b' '; 5000]).await.err().unwrap();
    assert_eq!(e.code(), "request.too_large");
    let e = a
        .record_report(
            d,
            br#"{"root_cause":"Jane Doe","status":"broken","network":null,"vpn_up":null}"#,
        )
        .await
        .err()
        .unwrap();
    assert_eq!(e.code(), "request.invalid");
    let e = a
        .record_report(
            d,
            br#"{"root_cause":null,"status":"healthy","network":null,"vpn_up":null,"host":"x"}"#,
        )
        .await
        .err()
        .unwrap();
    assert_eq!(e.code(), "request.invalid");
    // Five per hour: this device already sent one; four more pass, the next is limited.
    for _ in 0..4 {
        a.record_report(d, &report(None, None)).await.unwrap();
    }
    let e = b.record_report(d, &report(None, None)).await.err().unwrap();
    assert_eq!((e.code(), e.status()), ("relay.rate_limited", 429));
    let o = a.fleet_overview().await.unwrap();
    assert_eq!(o.devices_enrolled, 6);
    assert_eq!(o.devices_reporting_24h, 5, "devs[3] never reported");
    assert_eq!(o.causes[0].root_cause, "dns.resolve");
    assert_eq!(o.causes[0].devices, 5);
}
both!(fleet_scope, network_scope_announcements_and_caps);
