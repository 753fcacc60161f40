//! Ticket benchmarks, printed as figures:
//! 1. submit latency with a 1 MB bundle: build + redact + render, queue durably, deliver;
//! 2. outbox drain: 200 queued tickets delivered by one `deliver_due`.
//!
//! Against a fake Request Tracker on loopback by default; set `DESKSIDE_BENCH_RT_URL` and
//! `DESKSIDE_BENCH_RT_TOKEN` (queue `DESKSIDE_BENCH_RT_QUEUE`, default `General`) to measure a
//! real RT on loopback instead.
//!
//! `cargo run --release -p deskside-outbox --example outbox_bench`

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]
#![expect(clippy::unwrap_used, reason = "a benchmark: a panic is the report")]

use std::time::{Duration, Instant};

use deskside_evidence::{BuildOptions, Evidence, LogFile, TicketRequest, Urgency};
use deskside_helpdesk::testing::FakeRt;
use deskside_helpdesk::{Rt, Secret, Settings};
use deskside_outbox::{DeliverOptions, NewTicket, Outbox, State};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let fake = FakeRt::new();
    let (url, token, queue, real) = match std::env::var("DESKSIDE_BENCH_RT_URL") {
        Ok(url) => (
            url,
            std::env::var("DESKSIDE_BENCH_RT_TOKEN").unwrap_or_default(),
            std::env::var("DESKSIDE_BENCH_RT_QUEUE").unwrap_or_else(|_| "General".into()),
            true,
        ),
        Err(_) => {
            let server = fake.serve().await.unwrap();
            let url = server.url();
            // Keep the server alive for the whole run.
            std::mem::forget(server);
            (url, "bench-token".into(), "General".into(), false)
        }
    };
    let mut s = Settings::new("rt", Some(url.parse().unwrap()));
    s.queue = Some(queue);
    s.token = Some(Secret::new(token));
    let rt = Rt::new(&s).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let target = if real {
        "real RT"
    } else {
        "fake RT on loopback"
    };

    // 1. Submit latency with a 1 MB bundle (a 1 MiB log with a few secrets to redact).
    let log: String = (0..20_000)
        .map(|i| {
            format!(
                "2026-01-01T10:{:02}:{:02} vpn[42]: state {i} token=abc{i}def\n",
                i / 60 % 60,
                i % 60
            )
        })
        .collect();
    let log = log.as_bytes()[..1024 * 1024].to_vec();
    let request = TicketRequest {
        subject: "Benchmark: VPN drops".into(),
        description: "A 1 MB bundle.".into(),
        urgency: Urgency::Normal,
        ..TicketRequest::default()
    };
    let mut options = BuildOptions::default();
    options.policy.max_log_bytes = 2 * 1024 * 1024;
    let outbox = Outbox::open(&dir.path().join("submit.sqlite3")).unwrap();
    let deliver = DeliverOptions::default();
    let (mut build_t, mut queue_t, mut send_t, mut total_t) = (vec![], vec![], vec![], vec![]);
    let mut size = 0;
    for _ in 0..10 {
        let t0 = Instant::now();
        let evidence = Evidence {
            logs: vec![LogFile {
                name: "vpn.log".into(),
                original_bytes: log.len() as u64,
                content: log.clone(),
            }],
            ..Evidence::default()
        };
        let bundle = deskside_evidence::build(
            &request,
            evidence,
            &options,
            time::OffsetDateTime::now_utc(),
        )
        .unwrap();
        let rendered = deskside_evidence::render(&bundle).unwrap();
        size = rendered
            .attachments
            .iter()
            .map(|a| a.data.len())
            .sum::<usize>();
        let t1 = Instant::now();
        let entry = outbox
            .enqueue(NewTicket::from_rendered(rendered, &request), "rt")
            .unwrap();
        let t2 = Instant::now();
        let done = outbox
            .deliver_now(&rt, entry.id, &deliver, Duration::from_secs(30))
            .await
            .unwrap();
        let t3 = Instant::now();
        assert_eq!(done.state, State::Delivered, "{done:?}");
        build_t.push(t1 - t0);
        queue_t.push(t2 - t1);
        send_t.push(t3 - t2);
        total_t.push(t3 - t0);
    }
    for v in [&mut build_t, &mut queue_t, &mut send_t, &mut total_t] {
        v.sort();
    }
    println!(
        "submit, {:.2} MB bundle, to {target} (10 runs, median / max ms):",
        size as f64 / 1e6
    );
    for (name, v) in [
        ("build+redact+render", &build_t),
        ("queue (fsync)", &queue_t),
        ("deliver", &send_t),
        ("total", &total_t),
    ] {
        println!(
            "  {name:<20} {:>8.1} / {:>8.1}",
            ms(percentile(v, 0.5)),
            ms(percentile(v, 1.0))
        );
    }

    // 2. Drain 200 queued tickets (10 KB bundles).
    let outbox = Outbox::open(&dir.path().join("drain.sqlite3")).unwrap();
    let small = vec![b'x'; 10 * 1024];
    let t0 = Instant::now();
    for i in 0..200 {
        let ticket = NewTicket {
            subject: format!("Benchmark ticket {i}"),
            body: "Deskside summary\n".into(),
            urgency: Urgency::Normal,
            category: None,
            contact: None,
            requester: None,
            attachments: vec![deskside_helpdesk::Attachment {
                name: "deskside-bundle.json".into(),
                content_type: "application/json".into(),
                data: small.clone(),
            }],
        };
        outbox.enqueue(ticket, "rt").unwrap();
    }
    let queued = t0.elapsed();
    let t1 = Instant::now();
    let events = outbox.deliver_due(&rt, &deliver).await.unwrap();
    let drained = t1.elapsed();
    let delivered = outbox
        .list()
        .unwrap()
        .iter()
        .filter(|e| e.state == State::Delivered)
        .count();
    println!("outbox drain to {target}:");
    println!(
        "  queue 200 tickets     {:>8.1} ms ({:.1} ms each)",
        ms(queued),
        ms(queued) / 200.0
    );
    println!(
        "  deliver 200 tickets   {:>8.1} ms ({:.1} tickets/s), {delivered} delivered, {} events",
        ms(drained),
        200.0 / drained.as_secs_f64(),
        events.len()
    );
}
