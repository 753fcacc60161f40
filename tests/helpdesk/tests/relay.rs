//! Device → Deskside server → real Request Tracker 5, with no helpdesk credential on the
//! device: `desksidectl` has only `[server] url` and a one-time enrolment secret; the real
//! `deskside-server` binary (SQLite) holds RT's token (from its environment) and relays the
//! ticket. Checks: the ticket reaches RT exactly once with its attachment, the device's config,
//! data directory and home hold no RT token (and its key file is owner-only), the same secret
//! cannot enrol a second device, and a device revoked by IT is refused (`auth.revoked`) while
//! its next ticket stays queued on the device.
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
    child: Child,
    port: u16,
    config: PathBuf,
    dir: tempfile::TempDir,
    token: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(rt: &Rt) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("deskside-server-")
            .tempdir()
            .unwrap();
        let port = deskside_test_support::server_port().unwrap();
        let config = dir.path().join("server.toml");
        std::fs::write(
            &config,
            format!(
                "[server]\nlisten = \"127.0.0.1:{port}\"\n[database]\nurl = \"{}\"\n\
                 [relay]\ndeliver_interval_ms = 200\nstatus_refresh_s = 10\n\
                 [helpdesk]\nkind = \"rt\"\nurl = \"{}\"\nqueue = \"General\"\n\
                 token = \"env:DESKSIDE_TEST_RT_TOKEN\"\nkey_field = \"Deskside Key\"\ntimeout_s = 20\n",
                dir.path().join("server.sqlite3").display(),
                rt.url()
            ),
        )
        .unwrap();
        let token = rt.connector_token().to_owned();
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let child = Command::new(server_bin())
            .arg("--config")
            .arg(&config)
            .arg("serve")
            .env("DESKSIDE_TEST_RT_TOKEN", &token)
            .env("DESKSIDE_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "{}: {e} (build it: cargo build -p deskside-server)",
                    server_bin().display()
                )
            });
        let this = Self {
            child,
            port,
            config,
            dir,
            token,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "server did not start:\n{}",
                this.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        this
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
