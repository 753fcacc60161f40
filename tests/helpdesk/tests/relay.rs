//! Device → Deskside server → real Request Tracker 5, with no helpdesk credential on the
//! device: `desksidectl` has only `[server] url` and a one-time enrolment secret; the real
//! `deskside-server` binary (SQLite) holds RT's token (from its environment) and relays the
//! ticket. Checks: the ticket reaches RT exactly once with its attachment, the device's config,
//! data directory and home hold no RT token (and its key file is owner-only), the same secret
//! cannot enrol a second device, and a device revoked by IT is refused (`auth.revoked`) while
//! its next ticket stays queued on the device. Then the server is killed with SIGKILL 30
//! times while it delivers to RT: each ticket still reaches RT exactly once.
#![expect(
    clippy::disallowed_methods,
    reason = "the test starts the server binary itself"
)]
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests: a panic is the failure report"
)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use deskside_helpdesk_tests::fixtures::{key_of, submit, write};
use deskside_helpdesk_tests::{Deskside, Kind, Rt, repo_root, require};

/// The server under test: `$DESKSIDE_SERVER`, else the workspace's debug build.
fn server_bin() -> PathBuf {
    std::env::var_os("DESKSIDE_SERVER")
        .filter(|v| !v.is_empty())
        .map_or_else(
            || repo_root().join("target/debug/deskside-server"),
            PathBuf::from,
        )
}

struct Server {
    child: Option<Child>,
    port: u16,
    config: PathBuf,
    dir: tempfile::TempDir,
    token: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

impl Server {
    fn start(rt: &Rt) -> Self {
        Self::start_with(
            rt,
            "deliver_interval_ms = 200\nstatus_refresh_s = 10",
            20,
            true,
        )
    }

    /// A server on a free port with `relay` lines in `[relay]`, RT requests timing out after
    /// `timeout_s`; without `helpdesk` it accepts and keeps tickets but delivers none.
    fn start_with(rt: &Rt, relay: &str, timeout_s: u64, helpdesk: bool) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("deskside-server-")
            .tempdir()
            .unwrap();
        let port = deskside_test_support::server_port().unwrap();
        let config = dir.path().join("server.toml");
        let mut this = Self {
            child: None,
            port,
            config,
            dir,
            token: rt.connector_token().to_owned(),
        };
        this.write_config(rt, relay, timeout_s, helpdesk);
        this.spawn();
        this
    }

    fn write_config(&self, rt: &Rt, relay: &str, timeout_s: u64, helpdesk: bool) {
        let helpdesk = if helpdesk {
            format!(
                "[helpdesk]\nkind = \"rt\"\nurl = \"{}\"\nqueue = \"General\"\n\
                 token = \"env:DESKSIDE_TEST_RT_TOKEN\"\nkey_field = \"Deskside Key\"\ntimeout_s = {timeout_s}\n",
                rt.url()
            )
        } else {
            String::new()
        };
        std::fs::write(
            &self.config,
            format!(
                "[server]\nlisten = \"127.0.0.1:{}\"\n[database]\nurl = \"{}\"\n[relay]\n{relay}\n{helpdesk}",
                self.port,
                self.dir.path().join("server.sqlite3").display(),
            ),
        )
        .unwrap();
    }

    /// Starts the binary (its log appended to `server.log`) and waits for its port.
    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("server.log"))
            .unwrap();
        self.child = Some(
            Command::new(server_bin())
                .arg("--config")
                .arg(&self.config)
                .arg("serve")
                .env("DESKSIDE_TEST_RT_TOKEN", &self.token)
                .env("DESKSIDE_LOG", "info")
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| {
                    panic!(
                        "{}: {e} (build it: cargo build -p deskside-server)",
                        server_bin().display()
                    )
                }),
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "server did not start:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL: no shutdown, no flush; whatever it was doing is cut off.
    fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    fn admin(&self, args: &[&str]) -> String {
        let out = Command::new(server_bin())
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .env("DESKSIDE_TEST_RT_TOKEN", &self.token)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "deskside-server {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

/// Every file under `dir`, recursively.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn device_files_through_the_server_relay_into_rt_without_a_helpdesk_credential() {
    require!(Kind::Rt);
    let rt = Rt::start().unwrap();
    let server = Server::start(&rt);
    let created: serde_json::Value = serde_json::from_str(&server.admin(&[
        "enroll-secret",
        "create",
        "--uses",
        "1",
        "--expires",
        "1h",
        "--json",
    ]))
    .unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    let device_config = format!(
        "[server]\nurl = \"{}\"\nenroll_secret = \"{secret}\"\n[tickets]\nsubmit_wait_s = 5\n",
        server.url()
    );
    let ds = Deskside::new(&device_config).unwrap();

    // Explicit enrolment, then status: accepted by the server.
    let run = ds.run(["server", "enroll", "--json"]).unwrap();
    assert_eq!(run.code, Some(0), "{}", run.describe());
    let key_id = run.json()["key_id"].as_str().unwrap().to_owned();
    let run = ds.run(["server", "status"]).unwrap();
    assert_eq!(run.code, Some(0), "{}", run.describe());
    assert!(
        run.stdout.contains("accepted by the server"),
        "{}",
        run.describe()
    );

    // A ticket with a file: accepted by the server (delivered, for the device's outbox) …
    let log = write(
        ds.scratch(),
        "vpn.log",
        b"line 1\nline 2: handshake timeout\n",
    );
    let run = submit(
        &ds,
        "VPN drops every ten minutes",
        "Since Monday the VPN drops every ten minutes.",
        &["--attach", log.to_str().unwrap()],
    );
    assert_eq!(run.code, Some(0), "{}\n{}", run.describe(), server.log());
    assert_eq!(run.json()["state"], "delivered", "{}", run.describe());
    let key = key_of(&run);

    // … and in RT once the server has delivered it, exactly once.
    let deadline = Instant::now() + Duration::from_secs(90);
    let ids = loop {
        let ids = rt.tickets_with_key(&key).unwrap();
        if !ids.is_empty() || Instant::now() > deadline {
            break ids;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(
        ids.len(),
        1,
        "tickets with key {key}: {ids:?}\n{}",
        server.log()
    );
    let t = rt.ticket(ids[0]).unwrap();
    // `[host/user] …`: the device/user tag the ticket body rendering puts first.
    assert!(
        t.subject.ends_with("VPN drops every ten minutes"),
        "subject: {}",
        t.subject
    );
    assert!(t.body.contains("Since Monday"), "{}", t.body);
    assert!(t.body.contains(&key), "no reference line:\n{}", t.body);
    // The attached log travels inside the evidence bundle, byte for byte.
    let bundle = t
        .files
        .iter()
        .find(|f| f.name == "deskside-bundle.json")
        .unwrap_or_else(|| panic!("no bundle in {:?}", t.files));
    assert!(
        String::from_utf8_lossy(&bundle.data).contains("line 2: handshake timeout"),
        "the log is not in the bundle"
    );
    // The technician answers and resolves it in RT: the device sees both through the server
    // (the server reads RT; the device never talks to it).
    rt.reply(ids[0], "Your VPN profile was renewed; reconnect once.")
        .unwrap();
    rt.set_status(ids[0], "resolved").unwrap();
    let deadline = Instant::now() + Duration::from_secs(40);
    let shown = loop {
        let run = ds.run(["ticket", "status"]).unwrap();
        assert_eq!(run.code, Some(0), "{}", run.describe());
        if run.stdout.contains("resolved") || Instant::now() > deadline {
            break run;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert!(
        shown
            .stdout
            .contains(&format!("#{} in the helpdesk: resolved", ids[0])),
        "{}\n{}",
        shown.describe(),
        server.log()
    );
    assert!(
        shown.stdout.contains("Your VPN profile was renewed"),
        "{}",
        shown.describe()
    );
    // Flushing again and waiting changes nothing: still one ticket.
    let run = ds.run(["outbox", "flush", "--json"]).unwrap();
    assert_eq!(run.code, Some(0), "{}", run.describe());
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(rt.tickets_with_key(&key).unwrap().len(), 1);

    // No helpdesk credential anywhere on the device side; the key file is owner-only.
    let mut device_files = Vec::new();
    files(ds.scratch(), &mut device_files);
    assert!(!device_files.is_empty());
    for f in &device_files {
        let bytes = std::fs::read(f).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&server.token),
            "the RT token is in {}",
            f.display()
        );
    }
    let key_file = ds.data_dir().join("server-key.json");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&key_file).unwrap().permissions(),
    );
    assert_eq!(mode & 0o077, 0, "key file mode {mode:o}");
    // No device private key, enrolment secret or RT token in the server's files (config,
    // database with its WAL, log).
    let private =
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&key_file).unwrap())
            .unwrap()["private_key"]
            .as_str()
            .unwrap()
            .to_owned();
    let mut server_files = Vec::new();
    files(server.dir.path(), &mut server_files);
    for f in &server_files {
        let text = String::from_utf8_lossy(&std::fs::read(f).unwrap_or_default()).into_owned();
        assert!(
            !text.contains(&private),
            "device private key in {}",
            f.display()
        );
        assert!(
            !text.contains(&secret),
            "the enrolment secret in {}",
            f.display()
        );
        // The RT token came from the environment: not in the config, database or log.
        assert!(
            !text.contains(&server.token),
            "the RT token in {}",
            f.display()
        );
    }

    // The secret was for one device: a second device cannot enrol with it.
    let other = Deskside::new(&device_config).unwrap();
    let run = other.run(["server", "enroll"]).unwrap();
    assert_eq!(run.code, Some(1), "{}", run.describe());
    assert!(
        run.stderr.contains("enroll.invalid_secret"),
        "{}",
        run.describe()
    );

    // IT revokes the device: status says so; a new ticket stays queued on the device.
    server.admin(&["devices", "revoke", &key_id]);
    let run = ds.run(["server", "status"]).unwrap();
    assert_eq!(run.code, Some(1), "{}", run.describe());
    assert!(run.stdout.contains("auth.revoked"), "{}", run.describe());
    let run = submit(&ds, "Printer offline", "It is offline.", &[]);
    assert_ne!(run.json()["state"], "delivered", "{}", run.describe());
    assert_eq!(rt.all_ticket_ids().unwrap().len(), 1, "{}", server.log());
}

/// The server killed with SIGKILL 30 times at random moments while it delivers 12 tickets to
/// the real RT (requests time out after 3 s, leases 5 s): afterwards each ticket is in RT
/// exactly once. (`crates/deskside-server/tests/kill9.rs` does the same against a fake RT that
/// answers late on purpose, on both databases.)
#[test]
fn kill9_while_relaying_to_real_rt_files_each_ticket_once() {
    require!(Kind::Rt);
    let rt = Rt::start().unwrap();
    let relay =
        "deliver_interval_ms = 100\ntickets_per_hour = 100\nsettle_ms = 4000\nlease_ms = 6000";
    // The tickets go in first, to a server with no helpdesk yet: all 12 wait in its database.
    let mut server = Server::start_with(&rt, relay, 3, false);
    let created: serde_json::Value = serde_json::from_str(&server.admin(&[
        "enroll-secret",
        "create",
        "--uses",
        "2",
        "--expires",
        "1h",
        "--json",
    ]))
    .unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    let device_config = format!(
        "[server]\nurl = \"{}\"\nenroll_secret = \"{secret}\"\n[tickets]\nsubmit_wait_s = 10\n",
        server.url()
    );
    let mut keys = Vec::new();
    for d in 0..2 {
        let ds = Deskside::new(&device_config).unwrap();
        for n in 0..6 {
            let run = submit(
                &ds,
                &format!("kill test {d}/{n}"),
                "Relayed under fire.",
                &[],
            );
            assert_eq!(run.json()["state"], "delivered", "{}", run.describe());
            keys.push(key_of(&run));
        }
    }
    assert!(rt.all_ticket_ids().unwrap().is_empty());

    // Now with RT: killed at random moments, 30 times.
    server.kill9();
    server.write_config(&rt, relay, 3, true);
    let seed = std::env::var("DESKSIDE_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    let mut rng = fastrand::Rng::with_seed(seed);
    for _ in 0..30 {
        server.spawn();
        std::thread::sleep(Duration::from_millis(rng.u64(50..600)));
        server.kill9();
    }
    server.spawn();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let ids = rt.all_ticket_ids().unwrap();
        if ids.len() >= keys.len() || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    // Settled: a late duplicate would show up within a settle window more.
    std::thread::sleep(Duration::from_secs(5));
    for key in &keys {
        let ids = rt.tickets_with_key(key).unwrap();
        assert_eq!(
            ids.len(),
            1,
            "seed {seed}: key {key} in RT as {ids:?}\n{}",
            server.log()
        );
    }
    assert_eq!(
        rt.all_ticket_ids().unwrap().len(),
        keys.len(),
        "seed {seed}: {}",
        server.log()
    );
    let status = server.admin(&["relay", "status"]);
    assert!(status.contains("delivered"), "{status}");
    // How often a kill cut a create off: the next instance found that ticket by key.
    let log = server.log();
    eprintln!(
        "kill -9 against real RT (seed {seed}): 30 kills, {} tickets in RT once each; of {} \
         deliveries logged, {} found the ticket by key after a kill cut its create off",
        keys.len(),
        log.matches("ticket delivered to the helpdesk").count(),
        log.matches("found after an uncertain attempt").count()
    );
}
