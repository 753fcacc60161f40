//! Benchmarks against a real Request Tracker 5 on loopback, run by `scripts/bench-tickets.sh`
//! (ignored in the normal test run; they print figures, they assert only correctness):
//! - submit latency of a ticket with a ~1 MB bundle (a 1 MB screenshot plus the JSON), end to
//!   end through the CLI (start, device snapshot, bundle, outbox, send, record): median of N;
//! - drain of 200 queued tickets by one `outbox flush --now`: total and per ticket.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use deskside_helpdesk_tests::fixtures::{key_of, noise_png, remote_id, submit, write};
use deskside_helpdesk_tests::{Deskside, Kind, Rt, require};

fn runs() -> usize {
    std::env::var("DESKSIDE_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[test]
#[ignore = "benchmark: run with scripts/bench-tickets.sh"]
fn bench_submit_1mb_bundle_to_rt() {
    require!(Kind::Rt);
    let rt = Rt::start().unwrap();
    let ds = Deskside::new(&rt.helpdesk_toml(&rt.url(), 60)).unwrap();
    // 590×590 RGB, incompressible: 1.04 MB as stored.
    let png = noise_png(590, 590, 7);
    let shot = write(ds.scratch(), "big.png", &png);
    let shot = shot.to_str().unwrap();
    let args = ["--screenshot", shot];
    let warm = submit(&ds, "warm-up", "warm-up", &args);
    assert_eq!(warm.json()["state"], "delivered", "{}", warm.describe());

    let n = runs();
    let mut times = Vec::with_capacity(n);
    let mut last = None;
    for i in 0..n {
        let started = Instant::now();
        let run = submit(&ds, &format!("bench {i}"), "1 MB bundle", &args);
        times.push(started.elapsed());
        assert_eq!(run.json()["state"], "delivered", "{}", run.describe());
        last = Some(run);
    }
    let last = last.unwrap();
    let t = rt.ticket(remote_id(&last.json())).unwrap();
    let bytes: usize = t.files.iter().map(|f| f.data.len()).sum();
    assert!(
        t.files.iter().any(|f| f.data == png),
        "the screenshot arrived changed"
    );
    times.sort();

    // Baseline: the same attachment straight to REST2 (no CLI, no outbox), to tell the
    // server's share from Deskside's.
    let client = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .unwrap();
    let body = serde_json::json!({
        "Queue": "General", "Subject": "baseline", "Content": "1 MB", "ContentType": "text/plain",
        "Attachments": [{"FileName": "big.png", "FileType": "image/png",
            "FileContent": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &png)}],
    });
    let mut raw = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        let resp = client
            .post(format!("{}REST/2.0/ticket", rt.url()))
            .header("Authorization", format!("token {}", rt.connector_token()))
            .json(&body)
            .send()
            .unwrap();
        assert_eq!(resp.status().as_u16(), 201);
        raw.push(started.elapsed());
    }
    raw.sort();
    println!(
        "BENCH baseline: the same 1 MB attachment POSTed straight to RT REST2: median {:.0} ms",
        ms(raw[n / 2])
    );
    println!(
        "BENCH submit to local RT, {:.2} MB bundle (screenshot {:.2} MB + JSON), end to end via the CLI: \
         median {:.0} ms, min {:.0} ms, max {:.0} ms over {n} runs",
        bytes as f64 / 1e6,
        png.len() as f64 / 1e6,
        ms(times[n / 2]),
        ms(times[0]),
        ms(times[n - 1]),
    );
}

#[test]
#[ignore = "benchmark: run with scripts/bench-tickets.sh"]
fn bench_drain_200_queued_tickets_to_rt() {
    require!(Kind::Rt);
    let tickets = 200;
    let rt = Rt::start().unwrap();
    let ds = Deskside::new(&rt.helpdesk_toml(&rt.url(), 60)).unwrap();
    let queued_at = Instant::now();
    let mut keys = BTreeSet::new();
    for i in 0..tickets {
        let run = submit(
            &ds,
            &format!("drain {i}"),
            "queued for the drain benchmark",
            &["--no-send"],
        );
        assert_eq!(run.json()["state"], "queued", "{}", run.describe());
        keys.insert(key_of(&run));
    }
    let queue_time = queued_at.elapsed();

    let started = Instant::now();
    let run = ds.run(["outbox", "flush", "--now", "--json"]).unwrap();
    let took = started.elapsed();
    assert_eq!(run.code, Some(0), "{}", run.describe());
    let outbox = ds.outbox().unwrap();
    assert_eq!(
        outbox.iter().filter(|t| t["state"] == "delivered").count(),
        tickets
    );
    let on_server: Vec<Option<String>> = rt.all_keys().unwrap();
    let distinct: BTreeSet<String> = on_server.iter().flatten().cloned().collect();
    assert_eq!(on_server.len(), tickets);
    assert_eq!(distinct, keys);
    println!(
        "BENCH drain of {tickets} queued tickets to local RT by one `outbox flush --now`: \
         total {:.1} s, {:.0} ms per ticket (queueing them with --no-send took {:.1} s, {:.0} ms each)",
        took.as_secs_f64(),
        ms(took) / tickets as f64,
        queue_time.as_secs_f64(),
        ms(queue_time) / tickets as f64,
    );
}
