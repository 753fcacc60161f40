//! Shared by the server's process tests: start the real binary with a config, run its admin
//! commands, enrol devices and sign their requests.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests: a panic is the failure report"
)]
#![expect(
    clippy::disallowed_methods,
    reason = "the tests start the server binary itself"
)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use deskside_helpdesk::Urgency;
use deskside_server_api::sign::{public_key_text, sign_request};
use deskside_server_api::{EnrollResponse, TicketUpload, WireAttachment};
use ed25519_dalek::SigningKey;
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_deskside-server");

/// The server binary: `$DESKSIDE_SERVER_BIN` (a release build, for benchmarks), else this
/// build's.
pub fn bin() -> PathBuf {
    std::env::var_os("DESKSIDE_SERVER_BIN")
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from(BIN), PathBuf::from)
}

/// A running `deskside-server serve`; killed (SIGKILL) on drop.
pub struct Server {
    pub child: Option<Child>,
    pub port: u16,
    pub config: PathBuf,
    pub dir: tempfile::TempDir,
    /// Extra environment of the server and its admin commands.
    pub env: Vec<(String, String)>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

impl Server {
    /// Starts a server on `database` delivering to an RT at `helpdesk_url`; `extra_relay`
    /// is added to `[relay]`.
    pub fn start(database: &str, helpdesk_url: &str, extra_relay: &str) -> Self {
        Self::start_with(database, Some(helpdesk_url), extra_relay)
    }

    /// As [`Server::start`]; without a helpdesk it accepts tickets and delivers none.
    pub fn start_with(database: &str, helpdesk_url: Option<&str>, extra_relay: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = deskside_test_support::server_port().unwrap();
        let config = dir.path().join("server.toml");
        let mut this = Self {
            child: None,
            port,
            config,
            dir,
            env: Vec::new(),
        };
        this.write_config(database, helpdesk_url, extra_relay);
        this.restart();
        this
    }

    /// Starts a server on `database` without a helpdesk, with `extra` config text (whole
    /// sections) and extra environment variables.
    pub fn start_with_env(database: &str, extra: &str, env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = deskside_test_support::server_port().unwrap();
        let config = dir.path().join("server.toml");
        let mut this = Self {
            child: None,
            port,
            config,
            dir,
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        };
        this.write_config(database, None, extra);
        this.restart();
        this
    }

    /// Rewrites the config (takes effect at the next start).
    pub fn write_config(&self, database: &str, helpdesk_url: Option<&str>, extra_relay: &str) {
        let helpdesk = helpdesk_url.map_or_else(String::new, |url| {
            format!(
                "[helpdesk]\nkind = \"rt\"\nurl = \"{url}\"\nqueue = \"General\"\n\
                 token = \"env:TEST_RT_TOKEN\"\ntimeout_s = 1\n"
            )
        });
        std::fs::write(
            &self.config,
            format!(
                "[server]\nlisten = \"127.0.0.1:{}\"\n[database]\nurl = \"{database}\"\n\
                 [relay]\ndeliver_interval_ms = 100\n{extra_relay}\n{helpdesk}",
                self.port
            ),
        )
        .unwrap();
    }

    /// Waits until the port accepts connections.
    pub fn wait_up(&mut self) {
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!("the server exited ({status}): {}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the server did not start: {}", self.log());
    }

    /// Kills the process with SIGKILL and reaps it.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the process again with the same config (after [`Server::kill9`]).
    pub fn restart(&mut self) {
        self.child = Some(spawn(
            &self.config,
            &self.dir.path().join("server.log"),
            &self.env,
        ));
        self.wait_up();
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Runs an admin command against the same config; returns stdout.
    pub fn admin(&self, args: &[&str]) -> String {
        let out = Command::new(bin())
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .env("TEST_RT_TOKEN", "t0ken")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// A new enrolment secret with `uses`.
    pub fn secret(&self, uses: u32) -> String {
        let v: Value = serde_json::from_str(&self.admin(&[
            "enroll-secret",
            "create",
            "--uses",
            &uses.to_string(),
            "--expires",
            "1h",
            "--json",
        ]))
        .unwrap();
        v["secret"].as_str().unwrap().to_owned()
    }
}

fn spawn(config: &std::path::Path, log: &std::path::Path, env: &[(String, String)]) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    Command::new(bin())
        .arg("--config")
        .arg(config)
        .arg("serve")
        .env("TEST_RT_TOKEN", "t0ken")
        .env("DESKSIDE_LOG", "info")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

/// An enrolled device.
pub struct Device {
    pub key: SigningKey,
    pub key_id: String,
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// Enrols a device with key seed `seed` at `server`.
pub async fn enrol(client: &reqwest::Client, server: &Server, secret: &str, seed: u8) -> Device {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let r = client
        .post(server.url("/v1/enroll"))
        .json(&serde_json::json!({
            "secret": secret,
            "public_key": public_key_text(&key),
            "device_name": format!("laptop-{seed}"),
            "os_user": "jdoe",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let e: EnrollResponse = r.json().await.unwrap();
    Device {
        key,
        key_id: e.key_id,
    }
}

pub fn nonce() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{:016x}{:016x}",
        deskside_server_core::now_ms(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A signed request from `dev` to `server`.
pub fn signed(
    client: &reqwest::Client,
    server: &Server,
    dev: &Device,
    method: reqwest::Method,
    path: &str,
    body: Vec<u8>,
) -> reqwest::RequestBuilder {
    let headers = sign_request(
        &dev.key,
        &dev.key_id,
        method.as_str(),
        path,
        &body,
        deskside_server_core::now_ms() / 1000,
        &nonce(),
    );
    let mut rb = client.request(method, server.url(path)).body(body);
    for (k, v) in headers {
        rb = rb.header(k, v);
    }
    rb
}

/// A ticket upload with a small bundle.
pub fn upload(key: &str, subject: &str) -> Vec<u8> {
    serde_json::to_vec(&TicketUpload {
        key: key.into(),
        subject: subject.into(),
        body: format!("It broke.\nDeskside reference: {key}\n"),
        urgency: Urgency::High,
        category: None,
        contact: Some("jdoe@corp.example".into()),
        attachments: vec![WireAttachment {
            name: "deskside-bundle.json".into(),
            content_type: "application/json".into(),
            data_base64: "eyJhIjoxfQ==".into(),
        }],
    })
    .unwrap()
}

/// A UUID-shaped key for ticket `n` of device `d`.
pub fn key(d: u32, n: u32) -> String {
    format!("{d:08x}-0000-4000-8000-{n:012x}")
}

/// `(status, code)` of an error answer (checks the `{code, message}` shape).
pub async fn error_of(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let v: Value = r.json().await.unwrap();
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    (status, v["code"].as_str().unwrap().to_owned())
}

/// `relay status --json` as a map.
pub fn relay_counts(server: &Server) -> Value {
    serde_json::from_str(&server.admin(&["relay", "status", "--json"])).unwrap()
}
