//! Ticket delivery by both shells against a real Request Tracker 5 on loopback. The tray path
//! is `desksidectl agent run` — the very worker the tray app spawns — and the CLI path is
//! `ticket submit` + `outbox flush`. Every test counts tickets through RT's own API with
//! root's token: 500 after create, a create that lands after the client gave up (with
//! `timeout_s` = 30, the settle regression), `kill -9` of the worker mid-delivery, and the
//! helpdesk stopped for ~10 s while a ticket is submitted (delivered within a minute of its
//! return by the worker; at once by `outbox flush`).

#![expect(clippy::panic, reason = "test helpers fail the test with a message")]
#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a panic is the failure report"
)]
#![expect(
    clippy::print_stdout,
    reason = "the measured figures are the test's report"
)]

use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use deskside_helpdesk_tests::fixtures::{flush_until_settled, key_of, remote_id, submit};
use deskside_helpdesk_tests::{Deskside, Fault, FaultProxy, Kind, Rt, Rule, require};
use serde_json::Value;

const CREATE: &str = "/REST/2.0/ticket";

/// `desksidectl agent run` in the background, its stdout in a file; killed when dropped.
struct Agent {
    child: Child,
    out: PathBuf,
}

impl Agent {
    fn start(ds: &Deskside) -> Self {
        let n = fastrand::u32(..);
        let out = ds.scratch().join(format!("agent-{n}.out"));
        let file = std::fs::File::create(&out).unwrap();
        let err = std::fs::File::create(out.with_extension("err")).unwrap();
        let child = ds
            .command(["agent", "run"])
            .env("DESKSIDE_LOG", "info")
            .stdout(Stdio::from(file))
            .stderr(Stdio::from(err))
            .spawn()
            .unwrap_or_else(|e| panic!("desksidectl agent run: {e}"));
        Self { child, out }
    }

    /// What it printed so far (stdout, then its log).
    fn output(&self) -> String {
        format!(
            "--- agent stdout\n{}\n--- agent log\n{}",
            std::fs::read_to_string(&self.out).unwrap_or_default(),
            std::fs::read_to_string(self.out.with_extension("err")).unwrap_or_default()
        )
    }

    /// SIGKILL, as `kill -9` does.
    fn kill(mut self) {
        self.child.kill().unwrap();
        let status = self.child.wait().unwrap();
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9),
            "{status:?}"
        );
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `outbox list` until every ticket is delivered or failed; panics with the agent's
/// output after `within`.
fn settled(ds: &Deskside, agent: &Agent, within: Duration) -> Vec<Value> {
    let deadline = Instant::now() + within;
    loop {
        let outbox = ds.outbox().unwrap();
        if !outbox.is_empty()
            && outbox
                .iter()
                .all(|t| t["state"] == "delivered" || t["state"] == "failed")
        {
            return outbox;
        }
        assert!(
            Instant::now() < deadline,
            "not settled within {within:?}: {outbox:#?}\n{}",
            agent.output()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn queue(ds: &Deskside, subject: &str) -> String {
    let run = ds
        .run([
            "ticket",
            "submit",
            "--subject",
            subject,
            "--description",
            "queued for the delivery tests",
            "--no-send",
            "--json",
        ])
        .unwrap();
    assert_eq!(run.json()["state"], "queued", "{}", run.describe());
    key_of(&run)
}

fn only(outbox: &[Value]) -> &Value {
    assert_eq!(outbox.len(), 1, "{outbox:#?}");
    &outbox[0]
}

/// Counts by key on the server: (lost, duplicated, strangers).
fn count_on_server(rt: &Rt, keys: &[String]) -> (usize, usize, usize) {
    let mut on_server = std::collections::BTreeMap::<String, usize>::new();
    for key in rt.all_keys().unwrap() {
        *on_server.entry(key.unwrap_or_default()).or_default() += 1;
    }
    let lost = keys.iter().filter(|k| !on_server.contains_key(*k)).count();
    let dup = on_server.values().map(|n| n.saturating_sub(1)).sum();
    let strangers = on_server.keys().filter(|k| !keys.contains(k)).count();
    (lost, dup, strangers)
}

#[test]
fn tray_path_500_after_create_makes_no_duplicate() {
    require!(Kind::Rt);
    let rt = Rt::start().unwrap();
    let proxy = FaultProxy::start(rt.addr()).unwrap();
    proxy.add(Rule::new(Fault::StatusAfterForward(500)).on("POST", CREATE));
    let ds = Deskside::new(&rt.helpdesk_toml(&proxy.url(), 10)).unwrap();
    let key = queue(&ds, "Outlook crashes (tray)");
    let agent = Agent::start(&ds);
    let outbox = settled(&ds, &agent, Duration::from_secs(60));
    let entry = only(&outbox);
    assert_eq!(entry["state"], "delivered", "{entry:#}\n{}", agent.output());
    assert_eq!(rt.tickets_with_key(&key).unwrap(), [remote_id(entry)]);
    assert_eq!(proxy.exchanges_to("POST", CREATE).len(), 1, "created twice");
    let notice = format!(
        "notice: Your request was sent to IT as ticket #{}",
        remote_id(entry)
    );
    assert!(agent.output().contains(&notice), "{}", agent.output());
}

/// Bug: the tray used a 30 s settle window whatever `helpdesk.timeout_s` was. A create that
/// reaches RT 32 s after it was sent (held by the proxy; the submit gave up after 2 s) was
/// searched for at 30 s, not found, and created again. Both shells now settle for
/// `timeout_s + 5` s.
fn settle_case(tray: bool) {
    let rt = Rt::start().unwrap();
    let proxy = FaultProxy::start(rt.addr()).unwrap();
    let held = Duration::from_secs(32);
    proxy.add(Rule::new(Fault::DelayRequest(held)).on("POST", CREATE));
    let config = format!(
        "{}\n[tickets]\nsubmit_wait_s = 2\n",
        rt.helpdesk_toml(&proxy.url(), 30)
    );
    let ds = Deskside::new(&config).unwrap();
    let started = Instant::now();
    let run = submit(&ds, "Slow create", "The first create lands late.", &[]);
    assert_eq!(run.json()["state"], "queued", "{}", run.describe());
    let key = key_of(&run);
    let outbox = if tray {
        let agent = Agent::start(&ds);
        let outbox = settled(&ds, &agent, Duration::from_secs(60));
        assert_eq!(only(&outbox)["state"], "delivered", "{}", agent.output());
        outbox
    } else {
        flush_until_settled(&ds, false, Duration::from_secs(60))
    };
    let entry = only(&outbox);
    assert_eq!(entry["state"], "delivered", "{entry:#}");
    assert!(proxy.wait_idle(Duration::from_secs(10)));
    assert_eq!(
        rt.tickets_with_key(&key).unwrap(),
        [remote_id(entry)],
        "duplicate tickets for one key"
    );
    let creates = proxy.exchanges_to("POST", CREATE);
    assert_eq!(creates.len(), 1, "created again: {creates:#?}");
    println!(
        "settle ({}): create held {held:?}, delivered after {:.1} s, attempts {}",
        if tray { "agent" } else { "flush" },
        started.elapsed().as_secs_f64(),
        entry["attempts"]
    );
}

#[test]
fn tray_path_waits_out_a_settle_beyond_timeout_s() {
    require!(Kind::Rt);
    settle_case(true);
}

#[test]
fn cli_path_waits_out_a_settle_beyond_timeout_s() {
    require!(Kind::Rt);
    settle_case(false);
}

#[test]
fn tray_path_kill_9_during_delivery_loses_and_duplicates_nothing() {
    require!(Kind::Rt);
    let rt = Rt::start().unwrap();
    let proxy = FaultProxy::start(rt.addr()).unwrap();
    let ds = Deskside::new(&rt.helpdesk_toml(&proxy.url(), 3)).unwrap();
    let mut keys: Vec<String> = (0..12)
        .map(|i| queue(&ds, &format!("agent kill-9 ticket {i}")))
        .collect();
    let seed = std::env::var("DESKSIDE_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    let mut rng = fastrand::Rng::with_seed(seed);
    let (mut kills, mut mid_request) = (0, 0);
    let started = Instant::now();
    while kills < 15 && started.elapsed() < Duration::from_secs(30) {
        let agent = Agent::start(&ds);
        std::thread::sleep(Duration::from_millis(rng.u64(100..1500)));
        if proxy.in_flight() > 0 {
            mid_request += 1;
        }
        agent.kill();
        kills += 1;
        if ds
            .outbox()
            .unwrap()
            .iter()
            .all(|t| t["state"] == "delivered")
        {
            keys.push(queue(&ds, &format!("agent kill-9 ticket {}", keys.len())));
        }
    }
    let agent = Agent::start(&ds);
    let outbox = settled(&ds, &agent, Duration::from_secs(40));
    assert_eq!(outbox.len(), keys.len());
    assert!(
        outbox.iter().all(|t| t["state"] == "delivered"),
        "{outbox:#?}"
    );
    let (lost, dup, strangers) = count_on_server(&rt, &keys);
    println!(
        "agent kill -9 (seed {seed}): kills={kills} (during a request: {mid_request}), tickets={}, \
         lost={lost}, dup={dup}, unknown={strangers}, creates sent={}, took {:.1} s",
        keys.len(),
        proxy.exchanges_to("POST", CREATE).len(),
        started.elapsed().as_secs_f64()
    );
    assert!(kills >= 10, "only {kills} kills");
    assert_eq!((lost, dup, strangers), (0, 0, 0));
    for t in &outbox {
        let key = t["key"].as_str().unwrap();
        assert_eq!(rt.tickets_with_key(key).unwrap(), [remote_id(t)], "{t:#}");
    }
}

/// A ticket submitted while RT is stopped: queued after its quick retries, with its next
/// attempt at most a minute away.
fn submit_during_outage(ds: &Deskside) -> (String, u64) {
    let run = submit(ds, "Printer offline", "The printer is offline.", &[]);
    assert_eq!(run.code, Some(0), "{}", run.describe());
    assert_eq!(run.json()["state"], "queued", "{}", run.describe());
    let entry = ds.outbox().unwrap().remove(0);
    let attempts = entry["attempts"].as_u64().unwrap();
    let next = entry["next_attempt_at"].as_str().unwrap().to_owned();
    println!("submitted during the outage: {attempts} attempts, next attempt {next}");
    (key_of(&run), attempts)
}

#[test]
fn tray_path_delivers_within_a_minute_of_the_helpdesk_returning() {
    require!(Kind::Rt);
    let mut rt = Rt::start().unwrap();
    let config = format!(
        "{}\n[tickets]\nsubmit_wait_s = 3\n",
        rt.helpdesk_toml(&rt.url(), 5)
    );
    let ds = Deskside::new(&config).unwrap();
    let agent = Agent::start(&ds);
    let outage = Instant::now();
    rt.stop();
    let (key, attempts) = submit_during_outage(&ds);
    std::thread::sleep(Duration::from_secs(10).saturating_sub(outage.elapsed()));
    rt.restart().unwrap();
    let back = Instant::now();
    let outbox = settled(&ds, &agent, Duration::from_secs(60));
    let took = back.elapsed();
    let entry = only(&outbox);
    assert_eq!(entry["state"], "delivered", "{entry:#}\n{}", agent.output());
    assert_eq!(rt.tickets_with_key(&key).unwrap(), [remote_id(entry)]);
    println!(
        "outage {:.1} s; the agent delivered {:.1} s after RT was back (attempts {})",
        back.duration_since(outage).as_secs_f64(),
        took.as_secs_f64(),
        entry["attempts"]
    );
    assert!(took < Duration::from_secs(60), "took {took:?}");
    // While RT was down the agent probed instead of trying: one more attempt, the one that
    // delivered.
    assert_eq!(entry["attempts"].as_u64(), Some(attempts + 1), "{entry:#}");
}

/// Bug: `outbox flush` did nothing after an outage because the ticket's next attempt was in
/// the future. A flush is the user's "send now".
#[test]
fn flush_after_outage_delivers_at_once() {
    require!(Kind::Rt);
    let mut rt = Rt::start().unwrap();
    let config = format!(
        "{}\n[tickets]\nsubmit_wait_s = 3\n",
        rt.helpdesk_toml(&rt.url(), 5)
    );
    let ds = Deskside::new(&config).unwrap();
    rt.stop();
    let (key, attempts) = submit_during_outage(&ds);
    // Still down: the flush says so and costs the ticket no attempt.
    let down = ds.run(["outbox", "flush", "--json"]).unwrap();
    assert_eq!(down.code, Some(1), "{}", down.describe());
    assert!(
        down.stderr.contains("cannot be reached"),
        "{}",
        down.describe()
    );
    assert_eq!(
        only(&ds.outbox().unwrap())["attempts"].as_u64(),
        Some(attempts)
    );

    rt.restart().unwrap();
    let started = Instant::now();
    let run = ds.run(["outbox", "flush", "--json"]).unwrap();
    println!(
        "flush after the outage: exit {:?} in {:.2} s",
        run.code,
        started.elapsed().as_secs_f64()
    );
    assert_eq!(run.code, Some(0), "{}", run.describe());
    let entry = only(&ds.outbox().unwrap()).clone();
    assert_eq!(entry["state"], "delivered", "{entry:#}");
    assert_eq!(rt.tickets_with_key(&key).unwrap(), [remote_id(&entry)]);
    assert_eq!(rt.all_ticket_ids().unwrap().len(), 1);
}
