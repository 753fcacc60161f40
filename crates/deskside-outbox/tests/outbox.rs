//! The outbox against a fake Request Tracker on loopback: delivery, the state machine, no
//! duplicate after a 500 that created the ticket, `Retry-After`, a crash while `sending`
//! (simulated by abandoning the attempt and reopening the database), permanent failures.

#![expect(clippy::unwrap_used, reason = "tests: a panic is the failure report")]

use std::time::{Duration, Instant};

use deskside_helpdesk::testing::{FakeRt, Faults, Server};
use deskside_helpdesk::{
    Attachment, Connector, Outgoing, Remote, Rt, Secret, SendError, Settings, Urgency,
};
use deskside_outbox::{DeliverOptions, Event, NewTicket, Outbox, State};

fn rt_for(server: &Server) -> Rt {
    rt_at(&server.url())
}

fn rt_at(url: &str) -> Rt {
    let mut s = Settings::new("rt", Some(url.parse().unwrap()));
    s.queue = Some("General".into());
    s.token = Some(Secret::new("t0ken"));
    s.timeout = Duration::from_secs(5);
    Rt::new(&s).unwrap()
}

/// A fresh outbox in a temporary directory (kept while the first value lives) and a fake RT
/// on loopback answering with `faults`.
async fn outbox_and_rt(faults: Faults) -> (tempfile::TempDir, Outbox, FakeRt, Server) {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::open(&dir.path().join("outbox.sqlite3")).unwrap();
    let fake = FakeRt::new();
    fake.set_faults(faults);
    let server = fake.serve().await.unwrap();
    (dir, outbox, fake, server)
}

fn ticket(subject: &str) -> NewTicket {
    NewTicket {
        subject: subject.into(),
        body: "Deskside summary\nRoot cause: none\n".into(),
        urgency: Urgency::Normal,
        category: None,
        contact: Some("jdoe@corp.example".into()),
        requester: None,
        attachments: vec![Attachment {
            name: "deskside-bundle.json".into(),
            content_type: "application/json".into(),
            data: br#"{"schema":"deskside.bundle/1"}"#.to_vec(),
        }],
    }
}

fn quick() -> DeliverOptions {
    DeliverOptions {
        backoff_base: Duration::from_millis(50),
        backoff_cap: Duration::from_millis(200),
        settle: Duration::from_secs(1),
        ..DeliverOptions::default()
    }
}

#[tokio::test]
async fn a_queued_ticket_is_delivered_once_with_its_key_and_attachment() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::open(&dir.path().join("outbox.sqlite3")).unwrap();
    let entry = outbox.enqueue(ticket("Printer jammed"), "rt").unwrap();
    assert_eq!(entry.state, State::Queued);
    assert_eq!(entry.attempts, 0);
    assert!(uuid_v4(&entry.key), "{}", entry.key);
    let out = outbox.outgoing(entry.id).unwrap();
    assert!(
        out.body
            .ends_with(&format!("Deskside reference: {}\n", entry.key))
    );
    assert_eq!(out.attachments.len(), 1);

    let fake = FakeRt::new();
    let server = fake.serve().await.unwrap();
    let events = outbox
        .deliver_due(&rt_for(&server), &quick())
        .await
        .unwrap();
    assert!(matches!(&events[..], [Event::Delivered { remote, .. }] if remote.id == "1"));
    let e = outbox.get(entry.id).unwrap();
    assert_eq!(e.state, State::Delivered);
    assert_eq!(e.attempts, 1);
    let remote = e.remote.unwrap();
    assert_eq!(
        remote.url.unwrap(),
        format!("{}Ticket/Display.html?id=1", server.url())
    );
    assert_eq!(fake.count_by_key().get(&entry.key), Some(&1));
    // Nothing more to do: a second run sends nothing.
    assert!(
        outbox
            .deliver_due(&rt_for(&server), &quick())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(fake.tickets().len(), 1);
    let created = &fake.tickets()[0].body;
    assert_eq!(
        created["Attachments"][0]["FileName"],
        "deskside-bundle.json"
    );
}

fn uuid_v4(key: &str) -> bool {
    key.len() == 36
        && key.as_bytes()[14] == b'4'
        && key.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

#[tokio::test]
async fn a_500_after_the_ticket_was_created_does_not_duplicate_it() {
    let (_dir, outbox, fake, server) = outbox_and_rt(Faults {
        fail_after_create: 1,
        ..Faults::default()
    })
    .await;
    let rt = rt_for(&server);
    let entry = outbox.enqueue(ticket("VPN down"), "rt").unwrap();

    let events = outbox.deliver_due(&rt, &quick()).await.unwrap();
    assert!(
        matches!(&events[..], [Event::Retrying { reason, .. }] if reason.contains("HTTP 500")),
        "{events:?}"
    );
    let e = outbox.get(entry.id).unwrap();
    assert_eq!(e.state, State::Queued);
    assert!(e.next_attempt_at.is_some());
    assert_eq!(fake.tickets().len(), 1, "the 500 created the ticket");

    let events = outbox
        .deliver_due(
            &rt,
            &DeliverOptions {
                ignore_backoff: true,
                ..quick()
            },
        )
        .await
        .unwrap();
    assert!(
        matches!(&events[..], [Event::Delivered { remote, .. }] if remote.id == "1"),
        "{events:?}"
    );
    assert_eq!(
        fake.count_by_key().get(&entry.key),
        Some(&1),
        "no duplicate"
    );
    // The second attempt searched, and did not create.
    let posts = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 1);
    let search = server
        .requests()
        .into_iter()
        .find(|r| r.method == "GET")
        .unwrap();
    let query = search
        .query()
        .into_iter()
        .find(|(k, _)| k == "query")
        .unwrap()
        .1;
    assert_eq!(query, format!("CF.{{Deskside Key}} = '{}'", entry.key));
}

#[tokio::test]
async fn deliver_now_retries_within_its_budget_and_honours_retry_after() {
    let (_dir, outbox, fake, server) = outbox_and_rt(Faults {
        rate_limit: 1,
        retry_after_s: 2,
        ..Faults::default()
    })
    .await;
    let entry = outbox.enqueue(ticket("Slow down"), "rt").unwrap();
    let started = Instant::now();
    let e = outbox
        .deliver_now(
            &rt_for(&server),
            entry.id,
            &quick(),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(e.state, State::Delivered, "{e:?}");
    assert_eq!(e.attempts, 2);
    assert!(
        elapsed >= Duration::from_secs(2),
        "waited only {elapsed:?} after Retry-After: 2"
    );
    assert!(elapsed < Duration::from_secs(6), "{elapsed:?}");
    assert_eq!(fake.tickets().len(), 1);
}

#[tokio::test]
async fn retry_after_holds_even_a_flush_that_ignores_backoff() {
    let (_dir, outbox, _fake, server) = outbox_and_rt(Faults {
        rate_limit: 1,
        retry_after_s: 60,
        ..Faults::default()
    })
    .await;
    let rt = rt_for(&server);
    let entry = outbox.enqueue(ticket("Held"), "rt").unwrap();
    let events = outbox.deliver_due(&rt, &quick()).await.unwrap();
    assert!(matches!(&events[..], [Event::Retrying { reason, .. }] if reason.contains("429")));
    let now = outbox
        .deliver_due(
            &rt,
            &DeliverOptions {
                ignore_backoff: true,
                ..quick()
            },
        )
        .await
        .unwrap();
    assert!(now.is_empty(), "the helpdesk asked for 60 s: {now:?}");
    let e = outbox.get(entry.id).unwrap();
    assert_eq!(e.state, State::Queued);
    // Within a minute of now, not within the 200 ms backoff cap.
    let next = time::OffsetDateTime::parse(
        e.next_attempt_at.as_deref().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let ahead = next - time::OffsetDateTime::now_utc();
    assert!(ahead > time::Duration::seconds(50), "{ahead}");
    assert_eq!(server.requests().len(), 1);
}

/// A connector that creates the ticket and then never finishes: the process "dies" while the
/// ticket is `sending`, after the helpdesk created it.
struct DiesAfterCreate(Rt);

impl Connector for DiesAfterCreate {
    fn kind(&self) -> &'static str {
        "rt"
    }
    async fn create(&self, t: &Outgoing) -> Result<Remote, SendError> {
        let _ = self.0.create(t).await;
        std::future::pending().await
    }
}

#[tokio::test]
async fn a_crash_while_sending_is_checked_by_key_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outbox.sqlite3");
    let fake = FakeRt::new();
    let server = fake.serve().await.unwrap();
    let id;
    {
        let outbox = Outbox::open(&path).unwrap();
        id = outbox.enqueue(ticket("Crash"), "rt").unwrap().id;
        let dying = DiesAfterCreate(rt_for(&server));
        let options = quick();
        let run = outbox.deliver_due(&dying, &options);
        // Abandon the attempt once the helpdesk has the ticket.
        let _ = tokio::time::timeout(Duration::from_millis(800), run).await;
        assert_eq!(fake.tickets().len(), 1);
        assert_eq!(outbox.get(id).unwrap().state, State::Sending);
    }
    // "Restart": a new connection to the same file.
    let outbox = Outbox::open(&path).unwrap();
    assert_eq!(outbox.get(id).unwrap().state, State::Sending);
    // The dead process's create may still be in progress at the helpdesk: not searched yet.
    let events = outbox
        .deliver_due(&rt_for(&server), &quick())
        .await
        .unwrap();
    assert!(
        matches!(&events[..], [Event::Retrying { .. }]),
        "{events:?}"
    );
    tokio::time::sleep(quick().settle).await;
    let events = outbox
        .deliver_due(&rt_for(&server), &quick())
        .await
        .unwrap();
    assert!(
        matches!(&events[..], [Event::Delivered { .. }]),
        "{events:?}"
    );
    assert_eq!(fake.tickets().len(), 1, "found by key, not created again");
    assert_eq!(outbox.get(id).unwrap().attempts, 2);
}

#[tokio::test]
async fn a_crash_before_sending_creates_exactly_one_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outbox.sqlite3");
    let fake = FakeRt::new();
    let server = fake.serve().await.unwrap();
    let outbox = Outbox::open(&path).unwrap();
    let id = outbox.enqueue(ticket("Crash early"), "rt").unwrap().id;
    drop(outbox);
    let outbox = Outbox::open(&path).unwrap();
    let events = outbox
        .deliver_due(&rt_for(&server), &quick())
        .await
        .unwrap();
    assert!(matches!(&events[..], [Event::Delivered { .. }]));
    assert_eq!(fake.tickets().len(), 1);
    assert_eq!(outbox.get(id).unwrap().state, State::Delivered);
}

#[tokio::test]
async fn a_refused_ticket_fails_permanently_with_a_copy_as_email_text() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::open(&dir.path().join("outbox.sqlite3")).unwrap();
    let server = Server::start(|_| {
        deskside_helpdesk::testing::Reply::json(
            400,
            &serde_json::json!({"message": "Invalid queue"}),
        )
    })
    .await
    .unwrap();
    let entry = outbox.enqueue(ticket("Bad queue"), "rt").unwrap();
    let events = outbox
        .deliver_due(&rt_for(&server), &quick())
        .await
        .unwrap();
    assert!(
        matches!(&events[..], [Event::Failed { reason, .. }] if reason.contains("Invalid queue")),
        "{events:?}"
    );
    let e = outbox.get(entry.id).unwrap();
    assert_eq!(e.state, State::Failed);
    assert!(e.error.unwrap().contains("HTTP 400"));
    let mail = outbox
        .copy_as_email(entry.id, Some("helpdesk@corp.example"))
        .unwrap();
    assert!(mail.starts_with("To: helpdesk@corp.example\nSubject: Bad queue\n\nDeskside summary"));
    assert!(mail.contains(&entry.key));
    assert!(mail.contains("deskside-bundle.json"));
    // Failed tickets are not retried by a flush, but can be put back.
    assert!(
        outbox
            .deliver_due(&rt_for(&server), &quick())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(outbox.retry(entry.id).unwrap().state, State::Queued);
}

#[tokio::test]
async fn a_helpdesk_that_is_down_keeps_the_ticket_queued_until_it_returns() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::open(&dir.path().join("outbox.sqlite3")).unwrap();
    // A port with nothing listening: bind, note it, close.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut s = Settings::new(
        "rt",
        Some(format!("http://127.0.0.1:{port}/").parse().unwrap()),
    );
    s.queue = Some("General".into());
    s.token = Some(Secret::new("t"));
    let down = Rt::new(&s).unwrap();
    let entry = outbox.enqueue(ticket("Offline"), "rt").unwrap();
    let events = outbox.deliver_due(&down, &quick()).await.unwrap();
    assert!(
        matches!(&events[..], [Event::Retrying { reason, .. }] if reason.contains("cannot connect")),
        "{events:?}"
    );
    assert_eq!(outbox.get(entry.id).unwrap().state, State::Queued);

    let fake = FakeRt::new();
    let server = fake.serve().await.unwrap();
    let events = outbox
        .deliver_due(
            &rt_for(&server),
            &DeliverOptions {
                ignore_backoff: true,
                ..quick()
            },
        )
        .await
        .unwrap();
    assert!(matches!(&events[..], [Event::Delivered { .. }]));
    // Connection refused means nothing was sent: no search was needed before creating.
    assert!(server.requests().iter().all(|r| r.method == "POST"));
    assert_eq!(fake.tickets().len(), 1);
}

#[tokio::test]
async fn out_of_attempts_is_a_permanent_failure() {
    let (_dir, outbox, _fake, server) = outbox_and_rt(Faults {
        unavailable: 10,
        ..Faults::default()
    })
    .await;
    let entry = outbox.enqueue(ticket("Never"), "rt").unwrap();
    let options = DeliverOptions {
        ignore_backoff: true,
        max_attempts: 2,
        ..quick()
    };
    outbox
        .deliver_due(&rt_for(&server), &options)
        .await
        .unwrap();
    let events = outbox
        .deliver_due(&rt_for(&server), &options)
        .await
        .unwrap();
    assert!(
        matches!(&events[..], [Event::Failed { reason, .. }] if reason.starts_with("gave up after 2 attempts")),
        "{events:?}"
    );
    assert_eq!(outbox.get(entry.id).unwrap().state, State::Failed);
}

#[tokio::test]
async fn status_of_delivered_tickets_is_polled_and_changes_are_reported() {
    let (_dir, outbox, _fake, server) = outbox_and_rt(Faults::default()).await;
    let rt = rt_for(&server);
    let entry = outbox.enqueue(ticket("Status"), "rt").unwrap();
    outbox.deliver_due(&rt, &quick()).await.unwrap();
    let seq = outbox.get(entry.id).unwrap().seq;
    let changed = outbox.refresh_status(&rt).await.unwrap();
    assert_eq!(changed.len(), 1);
    let status = changed[0].status.clone().unwrap();
    assert_eq!(status.status, "open");
    assert_eq!(status.last_reply.as_deref(), Some("We are on it."));
    assert_eq!(outbox.changes_since(seq).unwrap().len(), 1);
    // Same answer again: nothing new to tell the user.
    assert!(outbox.refresh_status(&rt).await.unwrap().is_empty());
}

#[tokio::test]
async fn deliver_now_keeps_to_its_budget_on_a_slow_helpdesk() {
    let (_dir, outbox, fake, server) = outbox_and_rt(Faults {
        delay: Duration::from_secs(4),
        ..Faults::default()
    })
    .await;
    let entry = outbox.enqueue(ticket("Slow"), "rt").unwrap();
    let started = Instant::now();
    let e = outbox
        .deliver_now(&rt_for(&server), entry.id, &quick(), Duration::from_secs(2))
        .await
        .unwrap();
    let took = started.elapsed();
    assert!(took < Duration::from_millis(3500), "{took:?}");
    assert_eq!(e.state, State::Queued);
    assert!(e.error.unwrap().contains("did not answer in time"));
    // The helpdesk did create it (it was only slow): the next run finds it, no duplicate.
    tokio::time::sleep(Duration::from_secs(3)).await;
    fake.set_faults(Faults::default());
    let events = outbox
        .deliver_due(
            &rt_for(&server),
            &DeliverOptions {
                ignore_backoff: true,
                ..quick()
            },
        )
        .await
        .unwrap();
    assert!(
        matches!(&events[..], [Event::Delivered { .. }]),
        "{events:?}"
    );
    assert_eq!(fake.tickets().len(), 1);
}

/// A helpdesk that is still processing a create when the client gives up: the ticket appears
/// only after the client's timeout. This is how RT under load produced duplicates before the
/// settle window (a search right after the timeout found nothing, so the ticket was created
/// again).
struct LandsLate {
    url: String,
    delay: Duration,
}

impl Connector for LandsLate {
    fn kind(&self) -> &'static str {
        "rt"
    }
    async fn create(&self, t: &Outgoing) -> Result<Remote, SendError> {
        let (late, delay, t) = (rt_at(&self.url), self.delay, t.clone());
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let _ = late.create(&t).await;
        });
        Err(SendError::Transient {
            reason: "timed out".into(),
            maybe_created: true,
            retry_after: None,
            in_flight: true,
            unreachable: true,
        })
    }
    async fn find_by_key(&self, t: &Outgoing) -> Result<Option<Remote>, SendError> {
        rt_at(&self.url).find_by_key(t).await
    }
}

#[tokio::test]
async fn a_create_still_in_progress_after_a_timeout_is_not_duplicated() {
    let (_dir, outbox, fake, server) = outbox_and_rt(Faults::default()).await;
    let id = outbox.enqueue(ticket("Lands late"), "rt").unwrap().id;
    let late = LandsLate {
        url: server.url(),
        delay: Duration::from_millis(700),
    };
    let now = DeliverOptions {
        ignore_backoff: true,
        ..quick()
    };
    // The create "times out"; the helpdesk creates the ticket 0.7 s later.
    let events = outbox.deliver_due(&late, &now).await.unwrap();
    assert!(
        matches!(&events[..], [Event::Retrying { .. }]),
        "{events:?}"
    );
    // Retried at once (as `outbox flush --now` would): inside the settle window nothing is
    // searched or created.
    let events = outbox
        .deliver_due(&rt_at(&server.url()), &now)
        .await
        .unwrap();
    assert!(
        matches!(&events[..], [Event::Retrying { .. }]),
        "{events:?}"
    );
    let e = outbox.get(id).unwrap();
    assert!(e.error.unwrap().contains("earlier attempt"));
    assert_eq!(e.attempts, 1, "a postponed attempt is not counted");
    // After the window the search finds the late ticket: one ticket, delivered.
    tokio::time::sleep(quick().settle).await;
    let events = outbox
        .deliver_due(&rt_at(&server.url()), &now)
        .await
        .unwrap();
    assert!(
        matches!(&events[..], [Event::Delivered { .. }]),
        "{events:?}"
    );
    assert_eq!(fake.tickets().len(), 1, "no duplicate");
}

/// An RT connector for a loopback port where nothing listens (connection refused).
fn rt_nowhere() -> Rt {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    rt_at(&format!("http://127.0.0.1:{port}/"))
}

/// Seconds from now until the entry's next attempt.
fn secs_until_next(e: &deskside_outbox::Entry) -> i64 {
    let at = time::OffsetDateTime::parse(
        e.next_attempt_at.as_deref().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    (at - time::OffsetDateTime::now_utc()).whole_seconds()
}

/// Real defaults (30 s base, 1 h cap, 1 min while unreachable), quick retries sped up.
fn submit_like() -> DeliverOptions {
    DeliverOptions {
        quick_pause: Duration::from_millis(5),
        quick_pause_cap: Duration::from_millis(20),
        ..DeliverOptions::default()
    }
}

/// Bug: a ticket submitted while the helpdesk was unreachable was retried 9 times inside the
/// submit window, each retry grew the backoff exponent, and the next attempt was set 51
/// minutes later. The whole `deliver_now` call is one round, and an unreachable helpdesk
/// caps the backoff at a minute.
#[tokio::test]
async fn backoff_after_nine_quick_retries_is_short() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::open(&dir.path().join("outbox.sqlite3")).unwrap();
    let entry = outbox.enqueue(ticket("Submitted offline"), "rt").unwrap();
    let done = outbox
        .deliver_now(
            &rt_nowhere(),
            entry.id,
            &submit_like(),
            Duration::from_secs(1),
        )
        .await
        .unwrap();
    assert_eq!(done.state, State::Queued);
    assert!(done.attempts >= 9, "only {} quick retries", done.attempts);
    let wait = secs_until_next(&done);
    println!(
        "after {} quick retries: next attempt in {wait} s",
        done.attempts
    );
    assert!((0..=60).contains(&wait), "next attempt in {wait} s");
    assert!(outbox.waiting_for_helpdesk().unwrap());

    // A second failed round against a still unreachable helpdesk stays within the minute.
    let events = outbox
        .deliver_due(
            &rt_nowhere(),
            &DeliverOptions {
                ignore_backoff: true,
                ..submit_like()
            },
        )
        .await
        .unwrap();
    assert!(
        matches!(&events[..], [Event::Retrying { .. }]),
        "{events:?}"
    );
    let wait = secs_until_next(&outbox.get(entry.id).unwrap());
    assert!((0..=60).contains(&wait), "second round: {wait} s");
}

/// Answered errors (a 503) still back off by rounds, not by quick retries: one round of
/// nine 503s waits the first step (15–30 s), not an hour; and such a ticket does not count
/// as waiting for an unreachable helpdesk.
#[tokio::test]
async fn answered_errors_back_off_one_step_per_round() {
    let (_dir, outbox, fake, server) = outbox_and_rt(Faults {
        unavailable: 1000,
        ..Faults::default()
    })
    .await;
    let entry = outbox.enqueue(ticket("Helpdesk overloaded"), "rt").unwrap();
    let done = outbox
        .deliver_now(
            &rt_for(&server),
            entry.id,
            &submit_like(),
            Duration::from_secs(1),
        )
        .await
        .unwrap();
    assert_eq!(done.state, State::Queued);
    assert!(done.attempts >= 9, "only {} quick retries", done.attempts);
    let wait = secs_until_next(&done);
    assert!((14..=30).contains(&wait), "next attempt in {wait} s");
    assert!(!outbox.waiting_for_helpdesk().unwrap());
    assert!(fake.tickets().is_empty());

    // Later rounds grow past the unreachable cap: the helpdesk answered, it is overloaded.
    let options = DeliverOptions {
        ignore_backoff: true,
        ..submit_like()
    };
    for _ in 0..3 {
        outbox
            .deliver_due(&rt_for(&server), &options)
            .await
            .unwrap();
    }
    let wait = secs_until_next(&outbox.get(entry.id).unwrap());
    assert!((119..=240).contains(&wait), "round 4 of a 503: {wait} s");
}

/// Every caller derives its options from the config: a settle window longer than the request
/// timeout (the tray once used 30 s with `timeout_s` = 40 and could search while its own
/// create was still running, creating a duplicate).
#[test]
fn options_from_config_settle_beyond_the_request_timeout() {
    let mut config = deskside_config::Config::default();
    config.helpdesk.timeout_s = 40;
    config.tickets.max_attempts = 7;
    let o = DeliverOptions::from_config(&config);
    assert_eq!(o.settle, Duration::from_secs(45));
    assert_eq!(o.max_attempts, 7);
    assert!(!o.ignore_backoff);
    assert_eq!(o.unreachable_cap, Duration::from_secs(60));
}

/// An outbox file written before rounds, reachability and the settle time were recorded
/// opens, keeps its tickets and delivers them.
#[tokio::test]
async fn an_outbox_with_the_first_schema_opens_and_delivers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outbox.sqlite3");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(
            "CREATE TABLE tickets (
                id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE,
                subject TEXT NOT NULL, helpdesk TEXT NOT NULL, payload TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'delivered', 'failed')),
                attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL,
                hold_until INTEGER NOT NULL DEFAULT 0, maybe_created INTEGER NOT NULL DEFAULT 0,
                attached INTEGER NOT NULL DEFAULT 0, remote_id TEXT, remote_url TEXT, error TEXT,
                status TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
                delivered_at INTEGER, seq INTEGER NOT NULL DEFAULT 0);
             CREATE INDEX tickets_due ON tickets (state, next_attempt_at);
             CREATE TABLE attachments (
                ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
                idx INTEGER NOT NULL, name TEXT NOT NULL, content_type TEXT NOT NULL,
                data BLOB NOT NULL, PRIMARY KEY (ticket_id, idx));
             INSERT INTO tickets (key, subject, helpdesk, payload, state, attempts, next_attempt_at,
                created_at, updated_at, seq)
             VALUES ('0b6f0f0e-8d0c-4a57-9a55-5d1f3f1b2c3d', 'Old ticket', 'rt',
                '{\"body\":\"queued by an older Deskside\",\"urgency\":\"normal\",\"category\":null,\"contact\":null}',
                'queued', 12, 4102444800000, 1700000000000, 1700000000000, 1);
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let outbox = Outbox::open(&path).unwrap();
    let old = outbox.list().unwrap();
    assert_eq!(old.len(), 1);
    assert_eq!(
        (old[0].subject.as_str(), old[0].attempts),
        ("Old ticket", 12)
    );
    assert!(!outbox.waiting_for_helpdesk().unwrap());
    let version: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 2);

    let fake = FakeRt::new();
    let server = fake.serve().await.unwrap();
    // Due in 2100: only a flush that ignores the backoff takes it now.
    let events = outbox
        .deliver_due(
            &rt_for(&server),
            &DeliverOptions {
                ignore_backoff: true,
                ..quick()
            },
        )
        .await
        .unwrap();
    assert!(
        matches!(&events[..], [Event::Delivered { .. }]),
        "{events:?}"
    );
    assert_eq!(fake.tickets().len(), 1);
    // Opening it again changes nothing.
    let again = Outbox::open(&path).unwrap();
    assert_eq!(again.get(old[0].id).unwrap().state, State::Delivered);
}
