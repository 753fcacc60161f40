//! Exactly-once delivery under `kill -9`: N tickets are queued, then `outbox flush --now` is
//! started and killed with SIGKILL at a random moment, at least 50 times — at start-up, during
//! requests to a real Request Tracker (a create takes most of a second there, so many kills land
//! between "RT created the ticket" and "the outbox recorded it") and between tickets. Then the
//! outbox is flushed to completion and every ticket must be in RT exactly once, by key. A
//! recording proxy in front of RT tells how many kills hit a request in flight.

#![expect(clippy::panic, reason = "test helper")]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use deskside_helpdesk_tests::fixtures::{flush_until_settled, key_of, remote_id};
use deskside_helpdesk_tests::{Deskside, FaultProxy, Kind, Rt, require};

/// Tickets queued at the start, and added whenever all were delivered before enough kills.
const TICKETS: usize = 40;
const TOP_UP: usize = 10;
const KILLS: usize = 50;

#[test]
fn kill_9_during_flush_loses_and_duplicates_nothing() {
    require!(Kind::Rt);
    let rt = Rt::start().unwrap();
    let proxy = FaultProxy::start(rt.addr()).unwrap();
    let ds = Deskside::new(&rt.helpdesk_toml(&proxy.url(), 10)).unwrap();

    let mut keys = Vec::new();
    queue(&ds, &mut keys, TICKETS);
    let seed = std::env::var("DESKSIDE_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    let mut rng = fastrand::Rng::with_seed(seed);
    let (mut kills, mut mid_request, mut finished_runs) = (0_usize, 0_usize, 0_usize);
    let started = Instant::now();
    while kills < KILLS {
        let mut child = ds.spawn(["outbox", "flush", "--now"]).unwrap();
        std::thread::sleep(Duration::from_millis(rng.u64(5..1500)));
        if child.try_wait().unwrap().is_some() {
            finished_runs += 1;
            continue;
        }
        let in_flight = proxy.in_flight();
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        if status.code().is_some() {
            // It finished on its own between the check and the kill.
            finished_runs += 1;
            continue;
        }
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9),
            "{status:?}"
        );
        kills += 1;
        if in_flight > 0 {
            mid_request += 1;
        }
        // The outbox must stay readable after every kill.
        let list = ds.run(["outbox", "list", "--json"]).unwrap();
        assert_eq!(
            list.code,
            Some(0),
            "outbox unreadable after a kill: {}",
            list.describe()
        );
        // Everything went through before enough kills: queue more, so every kill still
        // lands in a flush with work to do.
        if list.json()["tickets"]
            .as_array()
            .is_some_and(|t| t.iter().all(|t| t["state"] == "delivered"))
        {
            queue(&ds, &mut keys, TOP_UP);
        }
    }
    let delivered_while_killing = ds
        .outbox()
        .unwrap()
        .iter()
        .filter(|t| t["state"] == "delivered")
        .count();

    let tickets = keys.len();
    let outbox = flush_until_settled(&ds, true, Duration::from_secs(180));
    assert_eq!(outbox.len(), tickets);
    let undelivered: Vec<_> = outbox
        .iter()
        .filter(|t| t["state"] != "delivered")
        .collect();
    assert!(undelivered.is_empty(), "{undelivered:#?}");

    // Count on the server, by key.
    let mut on_server: BTreeMap<String, usize> = BTreeMap::new();
    for key in rt.all_keys().unwrap() {
        *on_server.entry(key.unwrap_or_default()).or_default() += 1;
    }
    let lost = keys.iter().filter(|k| !on_server.contains_key(*k)).count();
    let dup: usize = on_server.values().map(|n| n.saturating_sub(1)).sum();
    let strangers = on_server.keys().filter(|k| !keys.contains(k)).count();
    println!(
        "kill -9 test (seed {seed}): kills={kills} (during a request: {mid_request}), \
         flush runs that finished before their kill={finished_runs}, \
         delivered while killing={delivered_while_killing}/{tickets}, \
         tickets={tickets}, on server={}, lost={lost}, dup={dup}, unknown={strangers}, \
         creates sent={}, took {:.1} s",
        on_server.values().sum::<usize>(),
        proxy.exchanges_to("POST", "/REST/2.0/ticket").len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        kills >= KILLS,
        "only {kills} kills: every ticket was delivered first"
    );
    assert_eq!((lost, dup, strangers), (0, 0, 0), "{on_server:#?}");
    // The outbox's record of each ticket names the ticket RT has for its key.
    for t in &outbox {
        let key = t["key"].as_str().unwrap();
        assert_eq!(rt.tickets_with_key(key).unwrap(), [remote_id(t)], "{t:#}");
    }
}

/// Queues `n` more tickets with `ticket submit --no-send`, recording their keys.
fn queue(ds: &Deskside, keys: &mut Vec<String>, n: usize) {
    for _ in 0..n {
        let i = keys.len();
        let run = ds
            .run([
                "ticket",
                "submit",
                "--subject",
                &format!("kill-9 ticket {i}"),
                "--description",
                "queued for the kill -9 test",
                "--no-send",
                "--json",
            ])
            .unwrap_or_else(|e| panic!("desksidectl: {e}"));
        assert_eq!(run.code, Some(0), "{}", run.describe());
        assert_eq!(run.json()["state"], "queued", "{}", run.describe());
        keys.push(key_of(&run));
    }
}
