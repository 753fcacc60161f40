//! `desksidectl ticket` and `outbox` as scripts and the helpdesk system tests use them: the
//! JSON contract, exit codes, delivery to a fake Request Tracker on loopback, faults (down,
//! 500 after create, 429 with Retry-After, refused), `kill -9` during delivery, a full disk,
//! and a preview that carries no planted secret. Hermetic: config layers and the data dir
//! point into temp dirs, and every server is on 127.0.0.1.

#![expect(
    clippy::disallowed_methods,
    reason = "tests drive the real binary as a script would"
)]
#![expect(clippy::unwrap_used, reason = "tests: a panic is the failure report")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use deskside_helpdesk::testing::{FakeRt, Faults, Reply, Server};
use serde_json::Value;
use support::{desksidectl, json};

mod support;

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn config(&self, body: &str) -> PathBuf {
        let path = self.dir.path().join("config.toml");
        std::fs::write(&path, body).unwrap();
        path
    }

    fn rt_config(&self, url: &str) -> PathBuf {
        self.config(&format!(
            "[helpdesk]\nkind = \"rt\"\nurl = \"{url}\"\nqueue = \"General\"\ntoken = \"1-14-secrettoken\"\nkey_field = \"Deskside Key\"\ntimeout_s = 5\n[tickets]\nsubmit_wait_s = 8\n"
        ))
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = desksidectl(self.dir.path());
        c.args(args)
            // Helpdesk URLs and credentials are honoured only from the (root-owned) system file
            // or mandatory policy, never from DESKSIDE_CONFIG.
            .env(
                "DESKSIDE_SYSTEM_CONFIG",
                self.dir.path().join("config.toml"),
            )
            .env("DESKSIDE_DATA_DIR", self.data());
        c
    }

    async fn run(&self, args: &[&str]) -> Output {
        let mut c = self.command(args);
        tokio::task::spawn_blocking(move || c.output().unwrap())
            .await
            .unwrap()
    }
}

const SUBMIT: &[&str] = &[
    "ticket",
    "submit",
    "--subject",
    "VPN drops every few minutes",
    "--description",
    "Since this morning.",
    "--urgency",
    "high",
    "--contact",
    "jdoe@corp.example",
    "--json",
];

fn decode_b64(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_delivers_with_the_json_contract_and_the_bundle_attached() {
    let env = Env::new();
    let fake = FakeRt::new();
    let server = fake.serve().await.unwrap();
    env.rt_config(&server.url());
    let out = env.run(SUBMIT).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["attempts", "error", "id", "key", "remote", "state"]);
    assert_eq!(v["state"], "delivered");
    assert_eq!(v["remote"]["id"], "1");
    assert_eq!(
        v["remote"]["url"],
        format!("{}Ticket/Display.html?id=1", server.url())
    );
    assert_eq!(v["attempts"], 1);
    assert!(v["error"].is_null());
    let key = v["key"].as_str().unwrap();
    assert_eq!(fake.count_by_key().get(key), Some(&1));

    let created = &fake.tickets()[0].body;
    assert_eq!(created["Queue"], "General");
    assert_eq!(created["Requestor"], "jdoe@corp.example");
    assert!(
        created["Content"]
            .as_str()
            .unwrap()
            .starts_with("Deskside summary")
    );
    assert!(
        created["Content"]
            .as_str()
            .unwrap()
            .ends_with(&format!("Deskside reference: {key}\n"))
    );
    let bundle: Value = serde_json::from_slice(&decode_b64(
        created["Attachments"][0]["FileContent"].as_str().unwrap(),
    ))
    .unwrap();
    assert_eq!(bundle["schema"], "deskside.bundle/1");
    assert_eq!(bundle["request"]["urgency"], "high");
    assert!(
        bundle["device"]["hostname"].is_string(),
        "device snapshot included"
    );
    // The token is sent as RT wants it and never printed.
    let req = &server.requests()[0];
    assert_eq!(req.header("authorization"), Some("token 1-14-secrettoken"));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("secrettoken"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("secrettoken"));

    let list = json(&env.run(&["outbox", "list", "--json"]).await);
    let t = &list["tickets"][0];
    for field in [
        "id",
        "key",
        "subject",
        "state",
        "remote",
        "attempts",
        "next_attempt_at",
        "error",
        "created_at",
    ] {
        assert!(t.get(field).is_some(), "outbox list lacks {field}: {t}");
    }
    assert_eq!(t["state"], "delivered");
    assert_eq!(t["key"], key);
    assert!(env.data().join("outbox.sqlite3").exists());

    let status = env.run(&["ticket", "status", "--json"]).await;
    assert_eq!(status.status.code(), Some(0));
    let s = json(&status);
    assert_eq!(s["tickets"][0]["status"]["status"], "open");
    assert_eq!(s["tickets"][0]["status"]["last_reply"], "We are on it.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_helpdesk_that_is_down_leaves_the_ticket_queued_and_flush_delivers_it_once() {
    let env = Env::new();
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    env.rt_config(&format!("http://127.0.0.1:{closed}/"));
    let started = Instant::now();
    let out = env.run(SUBMIT).await;
    assert_eq!(out.status.code(), Some(0), "queued is success");
    let v = json(&out);
    assert_eq!(v["state"], "queued");
    assert!(v["remote"].is_null());
    assert!(
        v["error"].as_str().unwrap().contains("cannot connect"),
        "{v}"
    );
    assert!(v["attempts"].as_u64().unwrap() >= 1);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "bounded by submit_wait_s"
    );

    // Still down: flush leaves it queued and exits 1.
    let out = env.run(&["outbox", "flush", "--now", "--json"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["tickets"][0]["state"], "queued");

    let fake = FakeRt::new();
    let server = fake.serve().await.unwrap();
    env.rt_config(&server.url());
    let out = env.run(&["outbox", "flush", "--now", "--json"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = json(&out);
    assert_eq!(list["tickets"][0]["state"], "delivered");
    assert_eq!(fake.tickets().len(), 1);
    // Nothing left: another flush sends nothing.
    let out = env.run(&["outbox", "flush", "--now", "--json"]).await;
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(fake.tickets().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_send_queues_only() {
    let env = Env::new();
    let fake = FakeRt::new();
    let server = fake.serve().await.unwrap();
    env.rt_config(&server.url());
    let mut args = SUBMIT.to_vec();
    args.push("--no-send");
    let v = json(&env.run(&args).await);
    assert_eq!(v["state"], "queued");
    assert_eq!(v["attempts"], 0);
    assert!(server.requests().is_empty());
    let out = env.run(&["outbox", "flush", "--json"]).await;
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(fake.tickets().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_after_create_and_a_429_still_give_exactly_one_ticket() {
    let env = Env::new();
    let fake = FakeRt::new();
    fake.set_faults(Faults {
        fail_after_create: 1,
        rate_limit: 0,
        ..Faults::default()
    });
    let server = fake.serve().await.unwrap();
    env.rt_config(&server.url());
    let v = json(&env.run(SUBMIT).await);
    assert_eq!(v["state"], "delivered", "{v}");
    assert_eq!(v["attempts"], 2);
    assert_eq!(
        fake.count_by_key().get(v["key"].as_str().unwrap()),
        Some(&1)
    );

    fake.set_faults(Faults {
        rate_limit: 1,
        retry_after_s: 2,
        ..Faults::default()
    });
    let started = Instant::now();
    let v = json(&env.run(SUBMIT).await);
    assert_eq!(v["state"], "delivered", "{v}");
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "Retry-After: 2 honoured"
    );
    assert_eq!(
        fake.count_by_key().get(v["key"].as_str().unwrap()),
        Some(&1)
    );
    assert_eq!(
        fake.tickets().len(),
        2,
        "one ticket per submit, the 500 one included"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_ticket_exits_1_and_can_be_copied_as_email() {
    let env = Env::new();
    let server =
        Server::start(|_| Reply::json(403, &serde_json::json!({"message": "Permission Denied"})))
            .await
            .unwrap();
    env.rt_config(&server.url());
    let out = env.run(SUBMIT).await;
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["state"], "failed");
    assert!(v["error"].as_str().unwrap().contains("HTTP 403"), "{v}");
    let id = v["id"].to_string();
    let mail = env.run(&["outbox", "email", &id]).await;
    assert_eq!(mail.status.code(), Some(0));
    let text = String::from_utf8_lossy(&mail.stdout);
    assert!(
        text.starts_with("Subject: [")
            && text.contains("] VPN drops every few minutes\n\nDeskside summary"),
        "{text}"
    );
    let dir = env.dir.path().join("export");
    let out = env
        .run(&["outbox", "export", &id, dir.to_str().unwrap()])
        .await;
    assert_eq!(out.status.code(), Some(0));
    let bundle: Value =
        serde_json::from_slice(&std::fs::read(dir.join("deskside-bundle.json")).unwrap()).unwrap();
    assert_eq!(bundle["schema"], "deskside.bundle/1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_config_and_bad_input_exit_2_with_a_code() {
    let env = Env::new();
    env.config("[tickets]\nsubmit_wait_s = 1\n");
    let out = env.run(SUBMIT).await;
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["error"]["code"], "helpdesk.not_configured");
    assert!(
        !env.data().join("outbox.sqlite3").exists(),
        "nothing queued"
    );

    env.config("[helpdesk]\nkind = \"rt\"\nurl = \"http://127.0.0.1:9/\"\n");
    let out = env.run(SUBMIT).await;
    assert_eq!(out.status.code(), Some(2));
    let e = json(&out);
    assert_eq!(e["error"]["code"], "helpdesk.missing_key");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("helpdesk.queue"),
        "{e}"
    );

    env.config(
        "[helpdesk]\nkind = \"email\"\nsmtp_host = \"mail.corp.example\"\nsmtp_tls = \"none\"\n",
    );
    let out = env.run(SUBMIT).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("helpdesk.smtp_tls"));

    env.config("[tickets]\nforbid = [\"webcam\"]\nmax_bundle_bytes = 10\n");
    let out = env.run(&["config", "validate"]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("tickets.forbid") && err.contains("\"webcam\""),
        "{err}"
    );

    env.rt_config("http://127.0.0.1:9/");
    let mut args = SUBMIT.to_vec();
    args.extend(["--screenshot", "/nonexistent/shot.png"]);
    let out = env.run(&args).await;
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["error"]["code"], "ticket.bad_screenshot");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_shows_the_redacted_bundle_and_queues_nothing() {
    let env = Env::new();
    env.config("[tickets]\nforbid = [\"screenshot\"]\nredact_personal = true\n");
    let log = env.dir.path().join("vpn.log");
    std::fs::write(
        &log,
        "10:00 connect\nAuthorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqZG9lIn0.c2lnbmF0dXJlMTIz\n10:01 password=Winter2026!\n10:02 dropped\n",
    )
    .unwrap();
    let shot = env.dir.path().join("shot.png");
    std::fs::write(&shot, b"\x89PNG\r\n\x1a\nnot really").unwrap();
    let out = env
        .run(&[
            "ticket",
            "preview",
            "--subject",
            "Cannot log in",
            "--description",
            "I pasted my key AKIAIOSFODNN7EXAMPLE by mistake",
            "--attach",
            log.to_str().unwrap(),
            "--screenshot",
            shot.to_str().unwrap(),
            "--json",
        ])
        .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for secret in ["eyJzdWIiOiJqZG9lIn0", "Winter2026!", "AKIAIOSFODNN7EXAMPLE"] {
        assert!(!text.contains(secret), "{secret} survived the preview");
    }
    let v = json(&out);
    assert!(v["body"].as_str().unwrap().contains(
        "Left out: screenshot (not allowed by your organisation's settings (tickets.forbid))"
    ));
    assert_eq!(v["bundle"]["logs"][0]["name"], "vpn.log");
    assert!(
        v["bundle"]["logs"][0]["text"]
            .as_str()
            .unwrap()
            .contains("10:02 dropped")
    );
    assert!(v["redactions"]["secrets"].as_u64().unwrap() >= 3);
    assert_eq!(v["attachments"].as_array().unwrap().len(), 1);
    assert!(
        !env.data().join("outbox.sqlite3").exists(),
        "a preview queues nothing"
    );
}

/// `kill -9` at random points while a flush is sending: after a final flush every ticket is in
/// the helpdesk exactly once. (The system tests repeat this 50 times against real RT.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_delivery_loses_and_duplicates_nothing() {
    let env = Env::new();
    let fake = FakeRt::new();
    fake.set_faults(Faults {
        delay: Duration::from_millis(150),
        ..Faults::default()
    });
    let server = fake.serve().await.unwrap();
    env.rt_config(&server.url());
    let mut keys = Vec::new();
    for round in 0..6_u64 {
        let mut args = SUBMIT.to_vec();
        args.push("--no-send");
        for _ in 0..2 {
            let v = json(&env.run(&args).await);
            keys.push(v["key"].as_str().unwrap().to_owned());
        }
        let mut child = env
            .command(&["outbox", "flush", "--now", "--json"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill somewhere between "before the first request" and "mid second ticket".
        tokio::time::sleep(Duration::from_millis(40 + round * 60 + fastrand_ms())).await;
        let _ = child.kill(); // SIGKILL on Unix
        let _ = tokio::task::spawn_blocking(move || child.wait()).await;
    }
    // A ticket killed mid-create is searched for only after the settle window
    // (timeout_s + 5 s): flush until nothing is left.
    let deadline = std::time::Instant::now() + Duration::from_secs(40);
    let out = loop {
        let out = env.run(&["outbox", "flush", "--now", "--json"]).await;
        if out.status.code() == Some(0) || std::time::Instant::now() > deadline {
            break out;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let counts = fake.count_by_key();
    for key in &keys {
        assert_eq!(counts.get(key), Some(&1), "ticket {key}: {counts:?}");
    }
    assert_eq!(fake.tickets().len(), keys.len(), "no stray tickets");
}

fn fastrand_ms() -> u64 {
    u64::from(std::process::id() % 40)
}

/// A full disk: the submit exits 2 with a clear message and the tickets already queued are
/// intact. Needs root to mount a small tmpfs (the test's own, in its temp dir).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_the_new_ticket_and_keeps_the_old_ones() {
    let env = Env::new();
    let data = env.data();
    std::fs::create_dir_all(&data).unwrap();
    if !mount_tmpfs(&data, "2m") {
        eprintln!("skipped: cannot mount a tmpfs here (needs root)");
        return;
    }
    let _unmount = Unmount(data.clone());
    env.rt_config("http://127.0.0.1:9/");
    let mut args = SUBMIT.to_vec();
    args.push("--no-send");
    let first = json(&env.run(&args).await);
    assert_eq!(first["state"], "queued");
    // A log large enough that the ticket cannot fit in what is left.
    let big = env.dir.path().join("big.log");
    let noise: String = (0..40_000)
        .map(|i| format!("{i:x}-{}\n", i * 7919))
        .collect();
    std::fs::write(&big, noise).unwrap();
    let mut args = args.clone();
    args.extend(["--attach", big.to_str().unwrap()]);
    let cfg = env.dir.path().join("config.toml");
    let mut c = std::fs::read_to_string(&cfg).unwrap();
    c.push_str("max_log_bytes = 4194304\nmax_bundle_bytes = 16777216\n");
    std::fs::write(&cfg, c).unwrap();
    // Fill the disk.
    let ballast = data.join("ballast");
    let _ = std::fs::write(&ballast, vec![0_u8; 1_900_000]);
    let out = env.run(&args).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let e = json(&out);
    assert_eq!(e["error"]["code"], "outbox.disk_full", "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("free some space")
    );
    let _ = std::fs::remove_file(&ballast);
    let list = json(&env.run(&["outbox", "list", "--json"]).await);
    let tickets = list["tickets"].as_array().unwrap();
    assert_eq!(
        tickets.len(),
        1,
        "the earlier ticket is intact, the new one absent"
    );
    assert_eq!(tickets[0]["key"], first["key"]);
}

fn mount_tmpfs(dir: &Path, size: &str) -> bool {
    Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(dir)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

struct Unmount(PathBuf);

impl Drop for Unmount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// A password written in a sentence is hidden, listed with its id and kind (never its value),
/// counted exactly, and `--reveal ID` sends that one value as typed; an unknown id is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_lists_a_prose_password_and_reveal_undoes_it() {
    let env = Env::new();
    env.config("");
    let base = [
        "ticket",
        "preview",
        "--subject",
        "VPN",
        "--description",
        "My VPN password is Hunter2! and the PIN pad is broken",
        "--untick",
        "device",
    ];
    let out = env.run(&base).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("Hunter2!"), "{text}");
    assert!(text.contains("the PIN pad is broken"), "{text}");
    assert!(text.contains("--- hidden before sending: 1 ---"), "{text}");
    assert!(
        text.contains("description:1  a password (hidden): My VPN password is [password] and"),
        "{text}"
    );

    let mut args = base.to_vec();
    args.push("--json");
    let v = json(&env.run(&args).await);
    assert_eq!(v["hidden"][0]["id"], "description:1");
    assert_eq!(v["hidden"][0]["kind"], "password");
    assert_eq!(v["redactions"]["secrets"], 1);
    assert_eq!(v["hidden_elsewhere"], 0);

    args.extend(["--reveal", "description:1"]);
    let v = json(&env.run(&args).await);
    assert!(
        v["body"]
            .as_str()
            .unwrap()
            .contains("My VPN password is Hunter2!"),
        "the undone value is sent as typed"
    );
    assert_eq!(v["hidden"][0]["revealed"], true);
    assert_eq!(v["redactions"]["secrets"], 0);

    let mut args = base.to_vec();
    args.extend(["--reveal", "description:7", "--json"]);
    let out = env.run(&args).await;
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["error"]["code"], "ticket.bad_reveal");
}
