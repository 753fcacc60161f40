//! Server benchmarks (ignored; `scripts/bench-server.sh` builds the release binary and runs
//! them): on SQLite and on a private PostgreSQL side by side, with no helpdesk (acceptance
//! only):
//!
//! * accepted relay tickets per second, each with a 1 MiB bundle (≈1.4 MB request), 8 at a
//!   time from 8 devices;
//! * signed status polls per second (`GET /v1/tickets/{key}`), 32 at a time, with p50/p99;
//! * the server's RSS at idle and its peak under that load (`VmRSS`, `VmHWM`).
#![expect(
    clippy::unwrap_used,
    clippy::print_stderr,
    reason = "benchmark: a panic is the failure report; the figures are printed"
)]

#[expect(dead_code, reason = "this file uses a part of the shared helpers")]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::{Device, Server, client, enrol, key, signed};
use deskside_helpdesk::Urgency;
use deskside_server_api::{TicketUpload, WireAttachment};
use deskside_server_core::testing::cluster_or_skip;

const DEVICES: u8 = 8;
const TICKETS: u32 = 160;
const POLLS: u32 = 20_000;
const POLL_CONCURRENCY: usize = 32;

fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn big_upload(k: &str, bundle: &str) -> Vec<u8> {
    serde_json::to_vec(&TicketUpload {
        key: k.into(),
        subject: "benchmark ticket".into(),
        body: format!("Benchmark.\nDeskside reference: {k}\n"),
        urgency: Urgency::Normal,
        category: None,
        contact: None,
        attachments: vec![WireAttachment {
            name: "deskside-bundle.json".into(),
            content_type: "application/json".into(),
            data_base64: bundle.to_owned(),
        }],
    })
    .unwrap()
}

async fn bench(label: &str, database: &str) {
    let relay =
        "tickets_per_hour = 1000000\nrequests_per_minute = 10000000\nmax_request_bytes = 4194304";
    let server = Server::start_with(database, None, relay);
    let pid = server.child.as_ref().unwrap().id();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_kb = status_kb(pid, "VmRSS:");
    let c = client();
    let secret = server.secret(u32::from(DEVICES));
    let mut devices = Vec::new();
    for d in 0..DEVICES {
        devices.push(Arc::new(enrol(&c, &server, &secret, d + 1).await));
    }
    let mut raw = vec![0_u8; 1 << 20];
    for (i, b) in raw.iter_mut().enumerate() {
        *b = u8::try_from((i * 7919) % 251).unwrap();
    }
    let bundle = Arc::new(base64::engine::general_purpose::STANDARD.encode(&raw));
    let server = Arc::new(server);

    // Tickets: each device sends its share, the devices in parallel.
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (d, dev) in devices.iter().enumerate() {
        let (c, server, dev, bundle) = (c.clone(), server.clone(), dev.clone(), bundle.clone());
        let d = u32::try_from(d).unwrap();
        tasks.push(tokio::spawn(async move {
            for n in 0..TICKETS / u32::from(DEVICES) {
                let body = big_upload(&key(d, n), &bundle);
                let r = signed(
                    &c,
                    &server,
                    &dev,
                    reqwest::Method::POST,
                    "/v1/tickets",
                    body,
                )
                .send()
                .await
                .unwrap();
                assert_eq!(r.status().as_u16(), 201);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let ticket_rate = f64::from(TICKETS) / start.elapsed().as_secs_f64();

    // Status polls.
    let start = Instant::now();
    let per_task = POLLS / u32::try_from(POLL_CONCURRENCY).unwrap();
    let mut tasks = Vec::new();
    for t in 0..POLL_CONCURRENCY {
        let (c, server) = (c.clone(), server.clone());
        let dev: Arc<Device> = devices[t % devices.len()].clone();
        let d = u32::try_from(t % devices.len()).unwrap();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per_task as usize);
            for i in 0..per_task {
                let path = format!("/v1/tickets/{}", key(d, i % (TICKETS / u32::from(DEVICES))));
                let t0 = Instant::now();
                let r = signed(&c, &server, &dev, reqwest::Method::GET, &path, Vec::new())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status().as_u16(), 200);
                let _ = r.bytes().await;
                lat.push(t0.elapsed());
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    let elapsed = start.elapsed().as_secs_f64();
    lat.sort();
    let pct = |p: f64| {
        let i = ((lat.len() as f64) * p).ceil() as usize;
        lat[i.clamp(1, lat.len()) - 1].as_secs_f64() * 1000.0
    };
    let poll_rate = lat.len() as f64 / elapsed;
    let peak_kb = status_kb(pid, "VmHWM:");
    eprintln!(
        "bench {label}: {ticket_rate:.1} tickets/s accepted (1 MiB bundle, {TICKETS} tickets, 8 devices); \
         {poll_rate:.0} signed status polls/s ({} polls, {POLL_CONCURRENCY} concurrent), p50 {:.1} ms, p99 {:.1} ms; \
         RSS idle {:.1} MiB, peak {:.1} MiB",
        lat.len(),
        pct(0.50),
        pct(0.99),
        idle_kb as f64 / 1024.0,
        peak_kb as f64 / 1024.0,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: scripts/bench-server.sh"]
async fn bench_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    bench(
        "sqlite",
        dir.path().join("server.sqlite3").to_str().unwrap(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: scripts/bench-server.sh"]
async fn bench_postgres() {
    let Some(cluster) = cluster_or_skip("bench_postgres") else {
        return;
    };
    bench("postgres", &cluster.url("postgres")).await;
}
