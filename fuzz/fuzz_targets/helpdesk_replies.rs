//! Hostile helpdesk answers: each HTTP connector (RT, Redmine, JSM, Zendesk, Freshservice,
//! ServiceNow, GLPI, Zammad, webhook) creates, attaches, searches or reads a ticket against a
//! loopback server that plays the answers in the input, in order (then `404`). Whatever comes
//! back, the connector must return a `Remote`/status or a classified `SendError`, never panic.
//!
//! Input layout (text, so seeds are readable): a first line `<kind> <op>` (`rt create`; `op`
//! is `create`, `attach`, `find` or `status`), then answers separated by lines `===`, each a
//! status line, header lines, a blank line and the body.
#![no_main]

use std::collections::VecDeque;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use deskside_helpdesk::testing::{Reply, Server};
use deskside_helpdesk::{
    Attachment, Connector, Helpdesk, Outgoing, Remote, Secret, Settings, Urgency, from_config,
    parse_retry_after,
};
use libfuzzer_sys::fuzz_target;

const KINDS: &[&str] = &[
    "rt",
    "redmine",
    "jsm",
    "zendesk",
    "freshservice",
    "servicenow",
    "glpi",
    "zammad",
    "webhook",
];
const OPS: &[&str] = &["create", "attach", "find", "status"];
/// A fresh server (and connectors) after this many inputs: the server keeps every request.
const SERVER_LIFETIME: u32 = 256;

static ANSWERS: Mutex<VecDeque<Reply>> = Mutex::new(VecDeque::new());

struct World {
    rt: tokio::runtime::Runtime,
    server: Option<Server>,
    connectors: Vec<Helpdesk>,
    uses: u32,
}

fn settings(kind: &str, url: &str) -> Settings {
    let mut s = Settings::new(kind, url::Url::parse(url).ok());
    s.queue = Some("General".into());
    s.token = Some(Secret::new("t0ken"));
    s.project = Some("it".into());
    s.api_key = Some(Secret::new("k3y"));
    s.key_field_id = Some(7);
    s.user = Some("agent@example.test".into());
    s.password = Some(Secret::new("pw"));
    s.service_desk_id = Some("1".into());
    s.request_type_id = Some("2".into());
    s.group = Some("Users".into());
    s.app_token = Some(Secret::new("app"));
    s.secret = Some(Secret::new("hook"));
    s.from = Some("user@example.test".into());
    s.to = Some("it@example.test".into());
    s.timeout = Duration::from_secs(5);
    s
}

impl World {
    fn fresh(&mut self) {
        self.server = None;
        let server = self
            .rt
            .block_on(Server::start(|_| {
                ANSWERS
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .pop_front()
                    .unwrap_or_else(|| Reply::status(404))
            }))
            .expect("loopback server");
        self.connectors = KINDS
            .iter()
            .map(|k| from_config(&settings(k, &server.url())).expect("connector settings"))
            .collect();
        self.server = Some(server);
        self.uses = 0;
    }
}

fn world() -> &'static Mutex<World> {
    static WORLD: OnceLock<Mutex<World>> = OnceLock::new();
    WORLD.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        Mutex::new(World {
            rt,
            server: None,
            connectors: Vec::new(),
            uses: SERVER_LIFETIME,
        })
    })
}

/// One answer: `STATUS`, headers, blank line, body.
fn answer(text: &str) -> Reply {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.trim().parse::<u16>().ok())
        .map_or(200, |s| 100 + s % 500);
    let mut reply = Reply::status(status);
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            let (name, value) = (name.trim(), value.trim());
            // Header names and values must be sendable at all.
            if !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && value.bytes().all(|b| (0x20..0x7f).contains(&b))
            {
                if name.eq_ignore_ascii_case("retry-after") {
                    let _ = parse_retry_after(value, std::time::SystemTime::now());
                }
                reply = reply.with_header(name, value);
            }
        }
    }
    reply.body = body.as_bytes().to_vec();
    reply
}

fn ticket() -> Outgoing {
    Outgoing {
        key: "0f8fad5b-d9cb-469f-a165-70867728950e".into(),
        subject: "Wi-Fi drops".into(),
        body: "It drops every hour.".into(),
        urgency: Urgency::High,
        category: Some("network".into()),
        contact: Some("user@example.test".into()),
        requester: None,
        attachments: vec![Attachment {
            name: "bundle.json".into(),
            content_type: "application/json".into(),
            data: b"{}".to_vec(),
        }],
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
    let mut words = first.split_whitespace();
    let pick = |word: Option<&str>, names: &[&str], byte: usize| {
        word.and_then(|w| names.iter().position(|n| *n == w))
            .unwrap_or_else(|| usize::from(data.get(byte).copied().unwrap_or(0)) % names.len())
    };
    let kind = pick(words.next(), KINDS, 0);
    let op = pick(words.next(), OPS, 1);

    let mut world = world().lock().unwrap_or_else(PoisonError::into_inner);
    if world.uses >= SERVER_LIFETIME {
        world.fresh();
    }
    world.uses += 1;
    {
        let mut answers = ANSWERS.lock().unwrap_or_else(PoisonError::into_inner);
        answers.clear();
        answers.extend(rest.split("\n===\n").map(answer));
    }
    let t = ticket();
    let remote = Remote {
        id: "42".into(),
        url: None,
    };
    let c = &world.connectors[kind];
    world.rt.block_on(async {
        match op {
            0 => {
                let _ = c.create(&t).await;
            }
            1 => {
                let _ = c.attach(&remote, &t).await;
            }
            2 => {
                let _ = c.find_by_key(&t).await;
            }
            _ => {
                let _ = c.status(&remote).await;
            }
        }
    });
});
