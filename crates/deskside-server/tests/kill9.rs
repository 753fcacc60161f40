//! `kill -9` of the server at random moments while it relays tickets to a (slow) helpdesk,
//! at least 30 times, then a clean run: every ticket is in the helpdesk exactly once. The
//! helpdesk creates a ticket at once and answers 150 ms later, so a kill often lands between
//! "created" and "the server knows": the next instance must find it by key, not create it
//! again. Runs on PostgreSQL (the several-instance database) and on SQLite.
//! `DESKSIDE_KILL_SEED` replays a run.
#![expect(
    clippy::unwrap_used,
    clippy::print_stderr,
    reason = "tests: a panic is the failure report; the figures are printed"
)]

#[expect(dead_code, reason = "this file uses a part of the shared helpers")]
mod common;

use std::time::Duration;

use common::{Server, client, enrol, key, relay_counts, signed, upload};
use deskside_helpdesk::testing::{FakeRt, Faults};
use deskside_server_core::testing::cluster_or_skip;

const TICKETS_PER_DEVICE: u32 = 6;
const DEVICES: u8 = 4;
const KILLS: u32 = 30;

async fn kill_loop(database: &str) {
    let seed = std::env::var("DESKSIDE_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    let mut rng = fastrand::Rng::with_seed(seed);
    let fake = FakeRt::new();
    fake.set_faults(Faults {
        delay: Duration::from_millis(150),
        ..Faults::default()
    });
    let rt = fake.serve().await.unwrap();
    let relay = "tickets_per_hour = 100\nsettle_ms = 1500\nlease_ms = 3500";
    // All tickets are stored first, by a server without a helpdesk; then the delivering
    // server is killed again and again.
    let mut server = Server::start_with(database, None, relay);
    let c = client();
    let secret = server.secret(u32::from(DEVICES));
    let mut total = 0;
    // The tickets go in while the server already delivers.
    for d in 0..DEVICES {
        let dev = enrol(&c, &server, &secret, d + 1).await;
        for n in 0..TICKETS_PER_DEVICE {
            let r = signed(
                &c,
                &server,
                &dev,
                reqwest::Method::POST,
                "/v1/tickets",
                upload(&key(u32::from(d), n), &format!("kill test {d}/{n}")),
            )
            .send()
            .await
            .unwrap();
            assert_eq!(r.status().as_u16(), 201, "{}", server.log());
            total += 1;
        }
    }
    server.kill9();
    server.write_config(database, Some(&rt.url()), relay);
    server.restart();
    for _ in 0..KILLS {
        tokio::time::sleep(Duration::from_millis(rng.u64(50..700))).await;
        server.kill9();
        server.restart();
    }
    let mut delivered = serde_json::Value::Null;
    for _ in 0..300 {
        delivered = relay_counts(&server)["delivered"].clone();
        if delivered == total {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let counts = fake.count_by_key();
    let dup = counts.values().filter(|n| **n > 1).count();
    let requests = rt.requests();
    let creates = requests.iter().filter(|r| r.method == "POST").count();
    // A search by key: the recovery after a create whose answer the killed server never saw.
    let searches = requests
        .iter()
        .filter(|r| r.method == "GET" && r.path().ends_with("/tickets"))
        .count();
    eprintln!(
        "kill -9 (seed {seed}, {database}): {KILLS} kills, {total} tickets, {} in the helpdesk, \
         {dup} duplicated, {creates} create requests, {searches} searches by key after an \
         uncertain create",
        counts.len()
    );
    assert_eq!(delivered, total, "seed {seed}: {}", server.log());
    assert_eq!(
        counts.len(),
        usize::try_from(total).unwrap(),
        "seed {seed}: {counts:?}"
    );
    assert_eq!(dup, 0, "seed {seed}: duplicates {counts:?}");
    assert!(
        searches > 0,
        "seed {seed}: no kill landed during a create; the test proved nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill9_during_relay_delivery_postgres() {
    let Some(cluster) = cluster_or_skip("kill9_during_relay_delivery_postgres") else {
        return;
    };
    kill_loop(&cluster.url("postgres")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill9_during_relay_delivery_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    kill_loop(dir.path().join("server.sqlite3").to_str().unwrap()).await;
}
