//! What the connector tests submit and how they judge what arrived: a log file, a screenshot
//! PNG with and without a metadata chunk, planted secrets, and checks of a server's copy of the
//! evidence. Assertion helpers: they panic with a message naming what differs.

#![expect(
    clippy::panic,
    reason = "test support: failing the calling test with a clear message is the point"
)]

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{Deskside, FaultProxy, RemoteFile, Run, sha256_hex};

/// Secrets planted in what the user submits; none may reach a server.
pub const PLANTED: &[&str] = &[
    "hunter2-PLANTED-pw",
    "ghp_PLANTEDtoken0123456789abcdefABCDEF0123",
    "PLANTEDbearer.eyJhbGciOiJIUzI1NiJ9.c2VjcmV0",
    "PLANTED-url-secret",
    "AKIAPLANTED12345678",
];

/// A description that carries the planted secrets the way users paste them.
#[must_use]
pub fn secret_description() -> String {
    format!(
        "VPN fails since this morning. I tried: password={}\n\
         my token is {}\n\
         curl -H 'Authorization: Bearer {}' https://intranet.corp.example/\n\
         proxy https://jdoe:{}@proxy.corp.example:8080\n\
         aws_access_key_id = {}\n",
        PLANTED[0], PLANTED[1], PLANTED[2], PLANTED[3], PLANTED[4]
    )
}

/// The log file attached with `--attach`: plain text, no secrets, so it must arrive intact.
pub const LOG_TEXT: &str = "2026-05-04T09:00:01Z vpn: connecting to gw.corp.example\n\
2026-05-04T09:00:03Z vpn: handshake ok\n\
2026-05-04T09:10:03Z vpn: peer timeout, reconnecting\n";

/// A log file that carries planted secrets.
#[must_use]
pub fn secret_log() -> String {
    format!(
        "2026-05-04T09:00:01Z app: login user=jdoe password={}\n\
         2026-05-04T09:00:02Z app: GET https://api.corp.example/?access_token={}\n\
         2026-05-04T09:00:03Z app: Authorization: Bearer {}\n",
        PLANTED[0], PLANTED[1], PLANTED[2]
    )
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, data).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFF_u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1_u32, 0_u32);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(u32::MAX).to_be_bytes());
    let mut typed = kind.to_vec();
    typed.extend_from_slice(data);
    out.extend_from_slice(&typed);
    out.extend_from_slice(&crc32(&typed).to_be_bytes());
}

/// A real 64×48 RGB PNG (a gradient; zlib "stored" blocks, so no compressor is needed).
/// With `text`, a `tEXt` chunk carries it — metadata Deskside must strip before sending.
#[must_use]
pub fn png(text: Option<&str>) -> Vec<u8> {
    png_image(64, 48, text, |x, y| {
        [(x * 4) as u8, (y * 5) as u8, ((x + y) * 2) as u8]
    })
}

/// A `w`×`h` RGB PNG of pseudo-random pixels (so it is as large as a real screenshot of that
/// many pixels would be before compression): `3·w·h` bytes and a little more.
#[must_use]
pub fn noise_png(w: u32, h: u32, seed: u64) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(seed);
    png_image(w, h, None, |_, _| [rng.u8(..), rng.u8(..), rng.u8(..)])
}

fn png_image(
    w: u32,
    h: u32,
    text: Option<&str>,
    mut pixel: impl FnMut(u32, u32) -> [u8; 3],
) -> Vec<u8> {
    let mut raw = Vec::new();
    for y in 0..h {
        raw.push(0); // filter: none
        for x in 0..w {
            raw.extend_from_slice(&pixel(x, y));
        }
    }
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65535).collect();
    for (i, block) in blocks.iter().enumerate() {
        z.push(u8::from(i + 1 == blocks.len()));
        let len = u16::try_from(block.len()).unwrap_or(u16::MAX);
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(block);
    }
    z.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    if let Some(t) = text {
        let mut data = b"Comment\0".to_vec();
        data.extend_from_slice(t.as_bytes());
        chunk(&mut out, b"tEXt", &data);
    }
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// What a submit with full evidence needs on disk: (log path, screenshot path, PNG expected on
/// the server = the screenshot without its metadata chunk).
pub fn evidence_files(ds: &Deskside) -> (PathBuf, PathBuf, Vec<u8>) {
    let log = write(ds.scratch(), "vpn.log", LOG_TEXT.as_bytes());
    let shot = write(
        ds.scratch(),
        "shot.png",
        &png(Some("Author: jdoe on LAPTOP-PLANTED-meta")),
    );
    (log, shot, png(None))
}

/// `ticket submit … --json` with the given extra arguments.
pub fn submit(ds: &Deskside, subject: &str, description: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "ticket",
        "submit",
        "--subject",
        subject,
        "--description",
        description,
    ];
    args.extend_from_slice(extra);
    args.push("--json");
    ds.run(&args).unwrap_or_else(|e| panic!("desksidectl: {e}"))
}

/// The `[tickets]` identity mapping the requester tests use: `jdoe` is Jane Doe.
pub const JANE: &str = "\n[tickets]\nrequesters = [\"jdoe = jane.doe@deskside.test\"]\n";

/// The body's sections, in the technician's order.
pub fn assert_technician_order(body: &str) {
    let mut at = 0;
    for heading in [
        "Deskside summary",
        "Reported by: ",
        "What the user reported",
        "What was checked",
        "What was found",
        "What was done",
        "Device",
        "Attached",
        "Deskside reference: ",
    ] {
        let found = body[at..]
            .find(heading)
            .unwrap_or_else(|| panic!("{heading:?} missing or out of order in:\n{body}"));
        at += found + heading.len();
    }
}

/// `ticket submit` of a report full of planted secrets: in the description, in an attached
/// log (`app.log`) and in the metadata of the screenshot `shot_name` (the secret `in_png`).
pub fn submit_planted(ds: &Deskside, shot_name: &str, in_png: &str) -> Run {
    let log = write(ds.scratch(), "app.log", secret_log().as_bytes());
    let shot = write(ds.scratch(), shot_name, &png(Some(in_png)));
    let utf8 = |p: &Path| {
        p.to_str()
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("not UTF-8: {}", p.display()))
    };
    submit(
        ds,
        "Cannot log in to the portal",
        &secret_description(),
        &[
            "--attach-diagnostics",
            "--attach",
            &utf8(&log),
            "--screenshot",
            &utf8(&shot),
        ],
    )
}

/// The ticket's key from a submit's JSON, failing with the run's output.
pub fn key_of(run: &Run) -> String {
    run.json()["key"]
        .as_str()
        .unwrap_or_else(|| panic!("no key in the submit output:\n{}", run.describe()))
        .to_owned()
}

/// Checks the attachments a helpdesk holds against what was submitted: the JSON bundle (schema,
/// the user's words, the log byte for byte, the screenshot's hash) and the PNG, byte for byte.
pub fn check_evidence(files: &[RemoteFile], subject: &str, expected_png: &[u8]) -> Value {
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    let json = files
        .iter()
        .find(|f| f.name.ends_with(".json"))
        .unwrap_or_else(|| panic!("no JSON bundle among {names:?}"));
    let bundle: Value = serde_json::from_slice(&json.data)
        .unwrap_or_else(|e| panic!("the bundle {} is not JSON: {e}", json.name));
    assert_eq!(bundle["schema"], "deskside.bundle/1", "{bundle:#}");
    assert_eq!(bundle["request"]["subject"], subject);
    assert!(
        bundle["device"].is_object(),
        "no device snapshot: {bundle:#}"
    );
    let logs = bundle["logs"].as_array().cloned().unwrap_or_default();
    assert!(
        logs.iter().any(|l| l["text"] == LOG_TEXT),
        "the attached log did not arrive byte for byte: {logs:#?}"
    );
    let png = files
        .iter()
        .find(|f| f.name.ends_with(".png"))
        .unwrap_or_else(|| panic!("no screenshot among {names:?}"));
    assert_eq!(
        sha256_hex(&png.data),
        sha256_hex(expected_png),
        "the screenshot on the server differs from the one submitted (metadata removed): {} vs {} bytes",
        png.data.len(),
        expected_png.len()
    );
    assert_eq!(bundle["screenshot"]["sha256"], sha256_hex(expected_png));
    assert_eq!(png.content_type, "image/png");
    bundle
}

/// Every planted secret found in `haystack` (bytes of a ticket body, attachment or message).
#[must_use]
pub fn leaks(haystack: &[u8]) -> Vec<&'static str> {
    let text = String::from_utf8_lossy(haystack);
    PLANTED
        .iter()
        .copied()
        .filter(|s| text.contains(s))
        .collect()
}

/// Runs `outbox flush [--now] --json` every half second until every ticket in the outbox is
/// delivered or failed, or `within` has passed; returns the outbox (`outbox list --json`).
pub fn flush_until_settled(ds: &Deskside, now: bool, within: std::time::Duration) -> Vec<Value> {
    let deadline = std::time::Instant::now() + within;
    loop {
        let mut args = vec!["outbox", "flush", "--json"];
        if now {
            args.push("--now");
        }
        let run = ds.run(&args).unwrap_or_else(|e| panic!("desksidectl: {e}"));
        let outbox = ds.outbox().unwrap_or_else(|e| panic!("desksidectl: {e}"));
        let settled = outbox
            .iter()
            .all(|t| t["state"] == "delivered" || t["state"] == "failed");
        if settled && !outbox.is_empty() {
            return outbox;
        }
        if std::time::Instant::now() > deadline {
            panic!(
                "the outbox did not settle within {} s; last flush:\n{}\noutbox: {outbox:#?}",
                within.as_secs(),
                run.describe()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}

/// The remote id of a delivered outbox or submit entry, as a number.
pub fn remote_id(entry: &Value) -> u64 {
    let id = &entry["remote"]["id"];
    id.as_u64()
        .or_else(|| id.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("no numeric remote id in {entry:#}"))
}

/// A `desksidectl` environment in its own network namespace (so a live diagnosis cannot reach
/// anything) with a recording proxy inside it forwarding to `upstream`; `helpdesk_toml` gets
/// the proxy's URL and returns the config.
pub fn isolated_via_proxy(
    upstream: std::net::SocketAddr,
    helpdesk_toml: impl FnOnce(&str) -> String,
) -> (Deskside, FaultProxy) {
    let ds = Deskside::isolated("").unwrap_or_else(|e| panic!("isolated desksidectl: {e}"));
    let proxy = FaultProxy::start_in(upstream, ds.netns())
        .unwrap_or_else(|e| panic!("proxy in the namespace: {e}"));
    ds.set_config(&helpdesk_toml(&proxy.url()))
        .unwrap_or_else(|e| panic!("config: {e}"));
    (ds, proxy)
}
