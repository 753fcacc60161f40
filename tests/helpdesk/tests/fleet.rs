//! Fifty devices, one incident, one ticket in the real Request Tracker 5: fifty devices
//! simulated in this process with the real relay client (`deskside_helpdesk::Relay`: real
//! enrolment with one 50-use secret, real Ed25519-signed requests, each with its own key
//! file) report the same root cause at once to the real `deskside-server` on loopback — on
//! SQLite, then as two instances on one private PostgreSQL with the devices split between
//! them. Exactly one incident is opened and exactly one incident ticket reaches RT (through
//! the relay outbox); every device then sees the known issue with all fifty devices and the
//! RT ticket number; a ticket a device still files lands in RT naming the incident; IT
//! closes the incident and the devices see it resolved.
#![expect(
    clippy::disallowed_methods,
    reason = "the test starts the server binary itself"
)]
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests: a panic is the failure report"
)]
#![expect(
    clippy::print_stderr,
    reason = "the test prints the figures it measured"
)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use deskside_helpdesk::fleet::{FleetReport, ReportStatus, fingerprint};
use deskside_helpdesk::{Connector as _, Outgoing, Relay, Secret, Urgency};
use deskside_helpdesk_tests::{Kind, Rt, repo_root, require};
use serde_json::Value;

const DEVICES: usize = 50;

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
    fn start(rt: &Rt, database: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("deskside-fleet-")
            .tempdir()
            .unwrap();
        let database = if database.is_empty() {
            dir.path().join("server.sqlite3").display().to_string()
        } else {
            database.to_owned()
        };
        let port = deskside_test_support::server_port().unwrap();
        let config = dir.path().join("server.toml");
        std::fs::write(
            &config,
            format!(
                "[server]\nlisten = \"127.0.0.1:{port}\"\n[database]\nurl = \"{database}\"\n\
                 [relay]\ndeliver_interval_ms = 200\n\
                 [fleet]\nfleet_devices = 10\nnetwork_devices = 0\nwindow_minutes = 15\n\
                 [helpdesk]\nkind = \"rt\"\nurl = \"{}\"\nqueue = \"General\"\n\
                 token = \"env:DESKSIDE_TEST_RT_TOKEN\"\nkey_field = \"Deskside Key\"\ntimeout_s = 20\n",
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

/// RT tickets whose subject starts with "Incident #".
fn incident_tickets(rt: &Rt) -> Vec<u64> {
    rt.search("Queue = 'General' AND Subject LIKE 'Incident #'")
        .unwrap()
}

fn wait_for<T>(what: &str, within: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn scenario(tok: &tokio::runtime::Runtime, rt: &Rt, servers: &[Server]) {
    let secret: Value = serde_json::from_str(&servers[0].admin(&[
        "enroll-secret",
        "create",
        "--uses",
        &DEVICES.to_string(),
        "--expires",
        "1h",
        "--json",
    ]))
    .unwrap();
    let secret = secret["secret"].as_str().unwrap().to_owned();
    let before = incident_tickets(rt).len();
    let mut dirs = Vec::new();
    let mut relays = Vec::new();
    for n in 0..DEVICES {
        let dir = tempfile::tempdir().unwrap();
        let server = &servers[n % servers.len()];
        relays.push(Arc::new(
            Relay::new(
                url::Url::parse(&server.url()).unwrap(),
                Some(Secret::new(&secret)),
                dir.path().to_owned(),
                Duration::from_secs(20),
            )
            .unwrap(),
        ));
        dirs.push(dir);
    }
    // Every device at once: enrol (first use), fetch the salt, report.
    let started = Instant::now();
    let tasks: Vec<_> = relays
        .iter()
        .map(|relay| {
            let relay = relay.clone();
            tok.spawn(async move {
                let known = relay.known_issues().await.unwrap();
                let network = fingerprint(
                    &known.salt,
                    &["198.51.100.1".into()],
                    &["198.51.100.53".into()],
                );
                relay
                    .report(&FleetReport {
                        root_cause: Some("vpn.tunnel".into()),
                        status: ReportStatus::Broken,
                        network,
                        vpn_up: Some(false),
                    })
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut told = 0;
    for t in tasks {
        if tok.block_on(t).unwrap().known_issue.is_some() {
            told += 1;
        }
    }
    eprintln!(
        "{DEVICES} devices enrolled and reported in {} ms; {told} were told at once",
        started.elapsed().as_millis()
    );
    assert!(told >= DEVICES - 10, "told {told}");

    // One incident, on every instance's view of the database.
    for s in servers {
        let list: Value = serde_json::from_str(&s.admin(&["incidents", "list", "--json"])).unwrap();
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 1, "{list:?}\n{}", s.log());
        assert_eq!(list[0]["devices"], DEVICES, "{list:?}");
    }
    let list: Value =
        serde_json::from_str(&servers[0].admin(&["incidents", "list", "--json"])).unwrap();
    let incident_id = list[0]["id"].as_i64().unwrap();
    let ticket_key = list[0]["ticket_key"].as_str().unwrap().to_owned();

    // Exactly one incident ticket in RT, with the counts and examples.
    let ids = wait_for("the incident ticket in RT", Duration::from_secs(60), || {
        let ids = rt.tickets_with_key(&ticket_key).unwrap();
        (!ids.is_empty()).then_some(ids)
    });
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(rt.tickets_with_key(&ticket_key).unwrap(), ids);
    assert_eq!(ids.len(), 1);
    assert_eq!(
        incident_tickets(rt).len(),
        before + 1,
        "one incident ticket"
    );
    let t = rt.ticket(ids[0]).unwrap();
    assert!(t.subject.contains("vpn.tunnel"), "{}", t.subject);
    assert!(t.body.contains("Examples:"), "{}", t.body);
    assert!(
        t.files
            .iter()
            .any(|f| f.name == format!("incident-{incident_id}-examples.json")),
        "{:?}",
        t.files.iter().map(|f| &f.name).collect::<Vec<_>>()
    );

    // Every device sees it: open, all fifty, with RT's ticket number.
    let rt_id = ids[0].to_string();
    for relay in &relays {
        let known = tok.block_on(relay.known_issues()).unwrap();
        let network = fingerprint(
            &known.salt,
            &["198.51.100.1".into()],
            &["198.51.100.53".into()],
        );
        let hit = known
            .issues
            .iter()
            .find(|i| i.is_open() && i.matches(Some("vpn.tunnel"), network.as_deref()))
            .unwrap_or_else(|| panic!("no known issue: {known:?}"));
        assert_eq!(hit.devices, i64::try_from(DEVICES).unwrap());
        assert_eq!(hit.ticket.as_deref(), Some(rt_id.as_str()));
    }

    // A ticket a user still files is linked: RT gets it naming the incident.
    let key = format!("{:08x}-0000-4000-8000-000000000001", fastrand::u32(..));
    tok.block_on(relays[7].create(&Outgoing {
        key: key.clone(),
        subject: "VPN broken".into(),
        body: format!("The VPN does not connect.\nDeskside reference: {key}\n"),
        urgency: Urgency::High,
        category: None,
        contact: Some("jdoe@corp.example".into()),
        requester: None,
        attachments: vec![],
    }))
    .unwrap();
    let linked = wait_for("the linked ticket in RT", Duration::from_secs(60), || {
        rt.tickets_with_key(&key).unwrap().first().copied()
    });
    let body = rt.ticket(linked).unwrap().body;
    assert!(
        body.contains(&format!(
            "Known issue: filed while Deskside incident #{incident_id} was open"
        )),
        "{body}"
    );
    assert!(
        body.contains(&format!("its helpdesk ticket is #{rt_id}")),
        "{body}"
    );

    // IT closes it; devices see it resolved.
    servers[servers.len() - 1].admin(&["incidents", "close", &incident_id.to_string()]);
    let known = tok.block_on(relays[0].known_issues()).unwrap();
    let issue = known
        .issues
        .iter()
        .find(|i| i.id == format!("incident-{incident_id}"))
        .unwrap();
    assert!(issue.resolved_at.is_some());
    assert_eq!(incident_tickets(rt).len(), before + 1, "still one");
}

#[test]
fn fifty_devices_one_incident_ticket_in_rt_sqlite_and_two_postgres_instances() {
    require!(Kind::Rt);
    // The RT harness is blocking; the devices run on this runtime.
    let tok = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    let rt = Rt::start().unwrap();
    let sqlite = Server::start(&rt, "");
    scenario(&tok, &rt, std::slice::from_ref(&sqlite));
    drop(sqlite);

    let Some(cluster) = deskside_server_core::testing::cluster_or_skip("fleet_rt") else {
        return;
    };
    let url = cluster.url("postgres");
    let a = Server::start(&rt, &url);
    let b = Server::start(&rt, &url);
    scenario(&tok, &rt, &[a, b]);
}
