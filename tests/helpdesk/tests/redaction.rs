//! The prose-secret corpus (`crates/deskside-evidence/tests/fixtures/prose-secrets.txt`) on
//! real servers: a ticket whose subject, description and contact hold every planted secret
//! (passwords, PINs and keys written in sentences in several languages, tokens, connection
//! strings, a private key) is filed through `desksidectl ticket submit` to a real RT 5, Redmine 5
//! and SMTP sink. What each server received — read back through its own API, or the message as
//! the sink stored it — holds 0 planted secrets (subject, body, the JSON bundle), every innocent
//! sentence arrives exactly as written, and the CLI printed no secret either.

#![expect(clippy::unwrap_used, reason = "test helper")]

use deskside_helpdesk_tests::fixtures::{remote_id, submit};
use deskside_helpdesk_tests::{Deskside, Kind, Redmine, RemoteFile, Rt, SmtpSink, require};

/// Planted in the subject and the contact, on top of the corpus in the description.
const SUBJECT_SECRET: &str = "Subj3ct!Pw";
const CONTACT_SECRET: &str = "6604";

struct Corpus {
    secrets: Vec<String>,
    innocent: Vec<String>,
    description: String,
}

/// The corpus file: `S` lines with the secret between `[[` and `]]`, `I` lines innocent.
fn corpus() -> Corpus {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../crates/deskside-evidence/tests/fixtures/prose-secrets.txt"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let (mut secrets, mut planted, mut innocent) = (Vec::new(), Vec::new(), Vec::new());
    for line in text.lines() {
        let line = line.replace("\\n", "\n");
        if let Some(s) = line.strip_prefix("S ") {
            let (open, close) = (s.find("[[").unwrap(), s.find("]]").unwrap());
            secrets.push(s[open + 2..close].to_owned());
            planted.push(format!(
                "{}{}{}",
                &s[..open],
                &s[open + 2..close],
                &s[close + 2..]
            ));
        } else if let Some(s) = line.strip_prefix("I ") {
            innocent.push(s.to_owned());
        }
    }
    assert!(secrets.len() >= 50 && innocent.len() >= 40);
    // Planted and innocent sentences interleaved, one a line.
    let mut lines = Vec::new();
    for i in 0..planted.len().max(innocent.len()) {
        lines.extend(planted.get(i).cloned());
        lines.extend(innocent.get(i).cloned());
    }
    secrets.extend([SUBJECT_SECRET.to_owned(), CONTACT_SECRET.to_owned()]);
    Corpus {
        secrets,
        innocent,
        description: lines.join("\n"),
    }
}

/// Files the corpus ticket and checks what the CLI printed.
fn file_corpus(ds: &Deskside, c: &Corpus) -> serde_json::Value {
    let subject = format!("VPN: my password is {SUBJECT_SECRET} and it is refused");
    let contact = format!("jdoe@deskside.test, my PIN: {CONTACT_SECRET}");
    let run = submit(ds, &subject, &c.description, &["--contact", &contact]);
    assert_eq!(run.code, Some(0), "{}", run.describe());
    let out = run.json();
    assert_eq!(out["state"], "delivered", "{}", run.describe());
    let printed = format!("{}{}", run.stdout, run.stderr);
    let leaked = leaked(&c.secrets, printed.as_bytes());
    assert!(leaked.is_empty(), "the CLI printed {leaked:?}");
    out
}

/// The planted secrets found in `haystack`.
fn leaked<'a>(secrets: &'a [String], haystack: &[u8]) -> Vec<&'a str> {
    let text = String::from_utf8_lossy(haystack);
    secrets
        .iter()
        .filter(|s| text.contains(s.as_str()))
        .map(String::as_str)
        .collect()
}

/// 0 planted secrets anywhere the server received them; every innocent sentence intact in the
/// body and in the JSON bundle's description.
fn check_received(c: &Corpus, server: &str, subject: &str, body: &str, files: &[RemoteFile]) {
    let mut found = leaked(&c.secrets, subject.as_bytes());
    found.extend(leaked(&c.secrets, body.as_bytes()));
    for f in files {
        found.extend(leaked(&c.secrets, &f.data));
    }
    assert!(
        found.is_empty(),
        "{server} received {} planted secret(s): {found:?}\nbody:\n{body}",
        found.len()
    );
    let body_lines: Vec<&str> = body.lines().map(|l| l.trim_end_matches('\r')).collect();
    let bundle = files.iter().find(|f| f.name == "deskside-bundle.json");
    assert!(
        bundle.is_some(),
        "{server}: no bundle among {:?}",
        names(files)
    );
    let json: serde_json::Value = serde_json::from_slice(&bundle.unwrap().data).unwrap();
    let description = json["request"]["description"].as_str().unwrap_or_default();
    for s in &c.innocent {
        assert!(
            body_lines.contains(&s.as_str()),
            "{server}: the innocent sentence {s:?} is not intact in the body:\n{body}"
        );
        assert!(
            description.lines().any(|l| l == s),
            "{server}: {s:?} is not intact in the bundle"
        );
    }
    assert!(
        json["request"]["contact"]
            .as_str()
            .is_some_and(|c| c.starts_with("jdoe@deskside.test")),
        "{server}: the contact address itself is kept"
    );
    assert!(json["redactions"]["secrets"].as_u64().unwrap() >= c.secrets.len() as u64);
}

fn names(files: &[RemoteFile]) -> Vec<&str> {
    files.iter().map(|f| f.name.as_str()).collect()
}

#[test]
fn rt_receives_no_planted_secret_and_every_innocent_sentence() {
    require!(Kind::Rt);
    let rt = Rt::start().unwrap();
    let ds = Deskside::new(&rt.helpdesk_toml(&rt.url(), 20)).unwrap();
    let c = corpus();
    let out = file_corpus(&ds, &c);
    let t = rt.ticket(remote_id(&out)).unwrap();
    assert_eq!(t.key.as_deref(), Some(key_of_json(&out).as_str()));
    check_received(&c, "RT", &t.subject, &t.body, &t.files);
}

#[test]
fn redmine_receives_no_planted_secret_and_every_innocent_sentence() {
    require!(Kind::Redmine);
    let rm = Redmine::start().unwrap();
    let ds = Deskside::new(&rm.helpdesk_toml(&rm.url(), 20)).unwrap();
    let c = corpus();
    let out = file_corpus(&ds, &c);
    let t = rm.ticket(remote_id(&out)).unwrap();
    check_received(&c, "Redmine", &t.subject, &t.body, &t.files);
}

#[test]
fn the_smtp_sink_receives_no_planted_secret_and_every_innocent_sentence() {
    require!(Kind::Smtp);
    let sink = SmtpSink::start().unwrap();
    let ds = Deskside::new(&SmtpSink::helpdesk_toml(
        sink.port(),
        "deskside@deskside.test",
        "helpdesk@deskside.test",
    ))
    .unwrap();
    let c = corpus();
    file_corpus(&ds, &c);
    let mails = sink.messages().unwrap();
    assert_eq!(mails.len(), 1, "{}", sink.log_tail());
    let m = &mails[0];
    // The message as received (every encoding as sent) and decoded.
    let raw = leaked(&c.secrets, &m.raw);
    assert!(raw.is_empty(), "the raw message holds {raw:?}");
    check_received(&c, "the SMTP sink", &m.subject, &m.text, &m.attachments);
}

/// The reference key from the CLI's JSON.
fn key_of_json(out: &serde_json::Value) -> String {
    out["key"].as_str().unwrap().to_owned()
}
