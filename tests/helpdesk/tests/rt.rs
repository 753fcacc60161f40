//! `desksidectl ticket submit` and `outbox flush` against a real Request Tracker 5 on loopback:
//! the ticket and its evidence arrive intact (read back through RT's own API with another
//! user's token), and the faults real servers show — down, 500 after creating, 429, slow —
//! end with exactly one ticket per key.

use std::time::{Duration, Instant};

use deskside_helpdesk_tests::fixtures::{
    JANE, PLANTED, assert_technician_order, check_evidence, evidence_files, flush_until_settled,
    isolated_via_proxy, key_of, leaks, remote_id, submit, submit_planted,
};
use deskside_helpdesk_tests::{Deskside, Fault, FaultProxy, Kind, Rt, Rule, require};

const CREATE: &str = "/REST/2.0/ticket";

fn only_ticket(outbox: &[serde_json::Value]) -> &serde_json::Value {
    assert_eq!(outbox.len(), 1, "{outbox:#?}");
    &outbox[0]
}

#[test]
fn ticket_with_evidence_arrives_intact() {
    require!(Kind::Rt);
    let rt = Rt::start().unwrap();
    // A live diagnosis runs: the CLI sits in a namespace with only loopback and a proxy.
    let (mut ds, _proxy) = isolated_via_proxy(rt.addr(), |url| rt.helpdesk_toml(url, 20) + JANE);
    ds.set_user("jdoe");
    let (log, shot, expected_png) = evidence_files(&ds);
    let subject = "VPN drops every ten minutes";
    let description =
        "The VPN disconnects every ten minutes since Monday.\nRestarting did not help.";
    let run = submit(
        &ds,
        subject,
        description,
        &[
            "--category",
            "vpn",
            "--urgency",
            "high",
            "--contact",
            "jdoe@deskside.test",
            "--attach-diagnostics",
            "--attach",
            log.to_str().unwrap(),
            "--screenshot",
            shot.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.describe());
    let out = run.json();
    assert_eq!(out["state"], "delivered", "{}", run.describe());
    let key = key_of(&run);
    let id = remote_id(&out);

    // Read back through RT's API as root, not through the connector.
    assert_eq!(rt.tickets_with_key(&key).unwrap(), [id]);
    let t = rt.ticket(id).unwrap();
    // `[host/jdoe] <root cause>: <the user's subject>`
    assert!(
        t.subject.starts_with('[') && t.subject.contains("/jdoe]") && t.subject.ends_with(subject),
        "subject: {}",
        t.subject
    );
    assert_eq!(t.key.as_deref(), Some(key.as_str()));
    // The requester is the user (the identity mapping wins over the typed contact).
    assert_eq!(t.requester.as_deref(), Some("jane.doe@deskside.test"));
    assert!(t.body.starts_with("Deskside summary"), "body:\n{}", t.body);
    assert_technician_order(&t.body);
    assert!(
        t.body
            .contains("Reported by: jdoe <jane.doe@deskside.test>"),
        "body:\n{}",
        t.body
    );
    assert!(t.body.contains(description), "body:\n{}", t.body);
    assert!(
        t.body.contains(&key),
        "no reference line in the body:\n{}",
        t.body
    );
    check_evidence(&t.files, subject, &expected_png);

    let outbox = ds.outbox().unwrap();
    let entry = only_ticket(&outbox);
    assert_eq!(entry["state"], "delivered");
    assert_eq!(remote_id(entry), id);
    assert_eq!(entry["key"], key);
}

#[test]
fn planted_secrets_never_reach_rt() {
    require!(Kind::Rt);
    let rt = Rt::start().unwrap();
    let (ds, _proxy) = isolated_via_proxy(rt.addr(), |url| rt.helpdesk_toml(url, 20));
    let run = submit_planted(&ds, "shot.png", PLANTED[0]);
    assert_eq!(run.json()["state"], "delivered", "{}", run.describe());
    let t = rt.ticket(remote_id(&run.json())).unwrap();
    assert!(!t.files.is_empty());
    let mut found = leaks(t.subject.as_bytes());
    found.extend(leaks(t.body.as_bytes()));
    for f in &t.files {
        found.extend(leaks(&f.data));
        // The helpdesk credential itself must never travel inside a ticket.
        assert!(
            !String::from_utf8_lossy(&f.data).contains(rt.connector_token()),
            "the RT token is in {}",
            f.name
        );
    }
    assert!(
        found.is_empty(),
        "planted secrets reached RT: {found:?}\nbody:\n{}",
        t.body
    );
    // The user's own text still arrives (redaction hides values, not the message).
    assert!(
        t.body.contains("VPN fails since this morning"),
        "body:\n{}",
        t.body
    );
}

#[test]
fn server_down_at_submit_queues_then_delivers_once() {
    require!(Kind::Rt);
    let mut rt = Rt::start().unwrap();
    let ds = Deskside::new(&rt.helpdesk_toml(&rt.url(), 5)).unwrap();
    rt.stop();
    let run = submit(
        &ds,
        "Printer offline",
        "The 3rd floor printer is offline.",
        &[],
    );
    assert_eq!(run.code, Some(0), "queued is success: {}", run.describe());
    assert_eq!(run.json()["state"], "queued", "{}", run.describe());
    let key = key_of(&run);
    let outbox = ds.outbox().unwrap();
    assert_eq!(only_ticket(&outbox)["state"], "queued");

    rt.restart().unwrap();
    let outbox = flush_until_settled(&ds, true, Duration::from_secs(60));
    let entry = only_ticket(&outbox);
    assert_eq!(entry["state"], "delivered", "{entry:#}");
    assert_eq!(rt.tickets_with_key(&key).unwrap(), [remote_id(entry)]);

    // Flushing again sends nothing more.
    let again = ds.run(["outbox", "flush", "--now", "--json"]).unwrap();
    assert_eq!(again.code, Some(0), "{}", again.describe());
    assert_eq!(rt.tickets_with_key(&key).unwrap().len(), 1);
    assert_eq!(rt.all_ticket_ids().unwrap().len(), 1);
}

#[test]
fn error_500_after_create_makes_no_duplicate() {
    require!(Kind::Rt);
    let rt = Rt::start().unwrap();
    let proxy = FaultProxy::start(rt.addr()).unwrap();
    proxy.add(Rule::new(Fault::StatusAfterForward(500)).on("POST", CREATE));
    let ds = Deskside::new(&rt.helpdesk_toml(&proxy.url(), 10)).unwrap();
    let run = submit(&ds, "Outlook crashes", "Outlook crashes on start.", &[]);
    assert!(matches!(run.code, Some(0)), "{}", run.describe());
    let key = key_of(&run);
    // RT has the ticket although the connector was told 500.
    assert_eq!(rt.tickets_with_key(&key).unwrap().len(), 1);

    let outbox = flush_until_settled(&ds, true, Duration::from_secs(60));
    let entry = only_ticket(&outbox);
    assert_eq!(entry["state"], "delivered", "{entry:#}");
    let ids = rt.tickets_with_key(&key).unwrap();
    assert_eq!(ids, [remote_id(entry)], "duplicate tickets for one key");
    let creates = proxy.exchanges_to("POST", CREATE);
    assert_eq!(
        creates.len(),
        1,
        "the connector created again instead of finding the ticket"
    );
    assert!(
        proxy
            .exchanges()
            .iter()
            .any(|e| e.method == "GET" && e.started > creates[0].started),
        "no search by key after the 500"
    );
}

#[test]
fn retry_after_429_is_honoured() {
    require!(Kind::Rt);
    let rt = Rt::start().unwrap();
    let proxy = FaultProxy::start(rt.addr()).unwrap();
    let retry_after = 4;
    proxy.add(
        Rule::new(Fault::TooManyRequests {
            retry_after_s: retry_after,
        })
        .on("POST", CREATE),
    );
    let ds = Deskside::new(&rt.helpdesk_toml(&proxy.url(), 10)).unwrap();
    let run = submit(&ds, "Teams has no sound", "No sound in Teams calls.", &[]);
    assert_eq!(run.code, Some(0), "{}", run.describe());
    let key = key_of(&run);
    // Not `--now`: a flush must leave a ticket alone until its Retry-After has passed.
    let outbox = flush_until_settled(&ds, false, Duration::from_secs(60));
    assert_eq!(only_ticket(&outbox)["state"], "delivered");
    assert_eq!(rt.tickets_with_key(&key).unwrap().len(), 1);

    let creates = proxy.exchanges_to("POST", CREATE);
    assert_eq!(creates.len(), 2, "{creates:#?}");
    assert_eq!(creates[0].status, Some(429));
    let gap = creates[1].started - creates[0].finished;
    println!(
        "429 Retry-After: {retry_after} s; next attempt after {:.2} s",
        gap.as_secs_f64()
    );
    assert!(
        gap >= Duration::from_secs(retry_after) - Duration::from_millis(100),
        "retried after {gap:?}, before Retry-After {retry_after} s"
    );
    assert!(
        gap < Duration::from_secs(retry_after + 20),
        "waited far too long: {gap:?}"
    );
}

#[test]
fn slow_server_times_out_then_retry_finds_the_ticket() {
    require!(Kind::Rt);
    let rt = Rt::start().unwrap();
    let proxy = FaultProxy::start(rt.addr()).unwrap();
    let timeout_s = 2;
    proxy.add(Rule::new(Fault::DelayResponse(Duration::from_secs(8))).on("POST", CREATE));
    let ds = Deskside::new(&rt.helpdesk_toml(&proxy.url(), timeout_s)).unwrap();
    let started = Instant::now();
    let run = submit(&ds, "Disk full", "My disk is full.", &[]);
    let took = started.elapsed();
    assert_eq!(run.code, Some(0), "{}", run.describe());
    // The answer never came within timeout_s: the submit gave up on it (and may have retried
    // at once, finding the ticket by its key) instead of waiting for the slow server.
    assert!(
        took < Duration::from_secs(7),
        "submit waited {took:?} although timeout_s = {timeout_s}"
    );
    let key = key_of(&run);

    let outbox = flush_until_settled(&ds, true, Duration::from_secs(60));
    let entry = only_ticket(&outbox);
    assert_eq!(entry["state"], "delivered", "{entry:#}");
    assert!(entry["attempts"].as_u64() >= Some(2), "{entry:#}");
    assert_eq!(rt.tickets_with_key(&key).unwrap(), [remote_id(entry)]);
    assert!(proxy.wait_idle(Duration::from_secs(15)));
    assert_eq!(proxy.exchanges_to("POST", CREATE).len(), 1, "created twice");
    println!(
        "slow server: submit returned after {:.2} s (timeout_s = {timeout_s}), state {}, attempts {}",
        took.as_secs_f64(),
        run.json()["state"],
        entry["attempts"]
    );
}
