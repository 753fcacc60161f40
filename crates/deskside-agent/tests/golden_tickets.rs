//! The golden ticket bodies in `docs/tickets.md` are what the code renders for three faults
//! (DNS, VPN, disk), from the fixtures in `tests/fixtures/tickets/` with the default
//! `[tickets]` policy and a `tickets.requester` template. This test fails when the code and the
//! document drift apart; regenerate the document's blocks with
//! `DESKSIDE_BLESS=1 cargo test -p deskside-agent --test golden_tickets`.

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "test")]

use std::collections::BTreeSet;
use std::path::PathBuf;

use deskside_evidence::{BuildOptions, Evidence, LocalClock, TicketRequest, Urgency};
use serde_json::Value;

const FAULTS: [&str; 3] = ["dns", "vpn", "disk"];
/// The key the outbox would give; fixed so the document is stable.
const KEY: &str = "3f6c1a9e-52d4-4b7e-9a0c-8e1f2d3b4a5c";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> Value {
    let path = root().join(format!("tests/fixtures/tickets/{name}.json"));
    serde_json::from_slice(&std::fs::read(&path).expect("fixture")).expect("fixture JSON")
}

/// Subject and body exactly as a connector sends them (the outbox appends the reference line).
fn rendered(fault: &str) -> String {
    let f = fixture(fault);
    let mut device = fixture("device");
    if let Some(volumes) = f.get("device_volumes") {
        device["volumes"] = volumes.clone();
    }
    let mut config = deskside_config::Config::default();
    config.tickets.requester = Some("{user}@corp.example".into());
    let options = BuildOptions {
        unticked: BTreeSet::new(),
        policy: deskside_agent::ticket::policy(&config),
        requester: Some(deskside_agent::ticket::requester_for(&config, "jdoe")),
        app_version: Some("1.4.0".into()),
        clock: Some(LocalClock {
            offset_seconds: 3600,
            zone: Some("Europe/Berlin".into()),
        }),
        ..BuildOptions::default()
    };
    let request = TicketRequest {
        subject: f["subject"].as_str().unwrap().into(),
        description: f["description"].as_str().unwrap().into(),
        urgency: serde_json::from_value::<Urgency>(f["urgency"].clone()).unwrap(),
        ..TicketRequest::default()
    };
    let evidence = Evidence {
        device: Some(device),
        diagnosis: Some(f["report"].clone()),
        fixes: deskside_agent::ticket::titled_fixes(f["fixes"].as_array().unwrap().clone()),
        ..Evidence::default()
    };
    let now = time::macros::datetime!(2026-11-23 09:43:05 UTC);
    let bundle = deskside_evidence::build(&request, evidence, &options, now).unwrap();
    let r = deskside_evidence::render(&bundle).unwrap();
    format!(
        "Subject: {}\n\n{}\n{}{KEY}\n",
        r.subject,
        r.body.trim_end(),
        deskside_helpdesk::REFERENCE_PREFIX
    )
}

fn markers(fault: &str) -> (String, String) {
    (
        format!("<!-- golden:{fault} -->\n```text\n"),
        format!("```\n<!-- /golden:{fault} -->"),
    )
}

#[test]
fn golden_ticket_bodies_in_docs_match_the_code() {
    let path = root().join("../../docs/tickets.md");
    let mut doc = std::fs::read_to_string(&path).unwrap();
    let bless = std::env::var_os("DESKSIDE_BLESS").is_some();
    let mut drift = Vec::new();
    for fault in FAULTS {
        let (start, end) = markers(fault);
        let from = doc
            .find(&start)
            .unwrap_or_else(|| panic!("docs/tickets.md has no {start:?} block"))
            + start.len();
        let to = from + doc[from..].find(&end).expect("end marker");
        let want = rendered(fault);
        if doc[from..to] != want {
            drift.push(fault);
            doc.replace_range(from..to, &want);
        }
    }
    if bless {
        std::fs::write(&path, doc).unwrap();
    } else {
        assert!(
            drift.is_empty(),
            "docs/tickets.md is out of date for {drift:?}; run DESKSIDE_BLESS=1 cargo test -p deskside-agent --test golden_tickets"
        );
    }
}

#[test]
fn the_golden_bodies_say_what_a_technician_needs() {
    let dns = rendered("dns");
    assert!(
        dns.starts_with("Subject: [lt-0417/jdoe] Name lookup (DNS): Cannot open any website\n")
    );
    assert!(
        dns.contains("upstream server(s) 10.20.0.53, 10.20.0.54"),
        "{dns}"
    );
    assert!(
        dns.contains("Clear the DNS cache (net.flush_dns): not fixed"),
        "{dns}"
    );
    assert!(dns.contains("Category: Network and VPN"), "{dns}");
    assert!(
        dns.contains("Reported by: jdoe <jdoe@corp.example> on lt-0417"),
        "{dns}"
    );
    let vpn = rendered("vpn");
    assert!(
        vpn.contains("VPN peer: 203.0.113.10:51820, last handshake 9 min before the check"),
        "{vpn}"
    );
    let disk = rendered("disk");
    assert!(
        disk.contains("1.2 GiB free of 468.0 GiB (0.3%) on /"),
        "{disk}"
    );
    assert!(
        !disk.contains("Volume /:"),
        "the finding already names the volume: {disk}"
    );
    assert!(disk.contains("Category: Hardware"), "{disk}");
    for body in [&dns, &vpn, &disk] {
        assert!(!body.contains(".123"), "no fractions of seconds: {body}");
        assert!(body.contains("+01:00 (Europe/Berlin)"), "{body}");
    }
}
