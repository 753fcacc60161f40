//! `desksidectl ticket submit` with the e-mail connector against a real SMTP server (aiosmtpd on
//! loopback): the message arrives with the evidence attached, attachments decode to the bytes
//! submitted, and no planted secret is in anything the sink received.

#![expect(clippy::unwrap_used, reason = "test helper")]

use deskside_helpdesk_tests::fixtures::{
    JANE, PLANTED, assert_technician_order, check_evidence, evidence_files, key_of, leaks, submit,
    submit_planted,
};
use deskside_helpdesk_tests::{Deskside, Kind, SmtpSink, TcpBridge, require};

/// The CLI in a namespace with only loopback (a live diagnosis runs) and a TCP bridge there to
/// the sink.
fn isolated(sink: &SmtpSink) -> (Deskside, TcpBridge) {
    let mut ds = Deskside::isolated("").unwrap();
    let bridge = TcpBridge::start_in(sink.addr(), ds.netns()).unwrap();
    ds.set_config(
        &(SmtpSink::helpdesk_toml(
            bridge.port(),
            "deskside@deskside.test",
            "helpdesk@deskside.test",
        ) + JANE),
    )
    .unwrap();
    ds.set_user("jdoe");
    (ds, bridge)
}

#[test]
fn message_with_evidence_reaches_the_sink() {
    require!(Kind::Smtp);
    let sink = SmtpSink::start().unwrap();
    let (ds, _bridge) = isolated(&sink);
    let (log, shot, expected_png) = evidence_files(&ds);
    let subject = "Second screen stays black";
    let description = "The second screen stays black after docking.";
    let run = submit(
        &ds,
        subject,
        description,
        &[
            "--attach-diagnostics",
            "--attach",
            log.to_str().unwrap(),
            "--screenshot",
            shot.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.describe());
    assert_eq!(run.json()["state"], "delivered", "{}", run.describe());
    let key = key_of(&run);

    let mails = sink.messages().unwrap();
    assert_eq!(mails.len(), 1, "{}", sink.log_tail());
    let m = &mails[0];
    assert!(m.subject.contains(subject), "subject: {}", m.subject);
    assert_eq!(m.to, ["helpdesk@deskside.test"]);
    assert_eq!(m.from, ["deskside@deskside.test"]);
    assert!(m.text.contains(description), "text:\n{}", m.text);
    assert!(m.text.contains(&key), "no reference line:\n{}", m.text);
    assert_technician_order(&m.text);
    // Replies go to the user; the shared sender carries their name.
    let raw = String::from_utf8_lossy(&m.raw);
    assert!(
        raw.contains("Reply-To: jane.doe@deskside.test"),
        "no Reply-To for the user:\n{raw}"
    );
    assert!(
        raw.contains("From: \"jdoe via Deskside\" <deskside@deskside.test>"),
        "{raw}"
    );
    check_evidence(&m.attachments, subject, &expected_png);
}

#[test]
fn planted_secrets_never_reach_the_sink() {
    require!(Kind::Smtp);
    let sink = SmtpSink::start().unwrap();
    let (ds, _bridge) = isolated(&sink);
    let run = submit_planted(&ds, "shot.png", PLANTED[2]);
    assert_eq!(run.json()["state"], "delivered", "{}", run.describe());
    let mails = sink.messages().unwrap();
    assert_eq!(mails.len(), 1);
    // The raw message (all encodings as sent) and every decoded attachment.
    let mut found = leaks(&mails[0].raw);
    found.extend(leaks(mails[0].text.as_bytes()));
    for a in &mails[0].attachments {
        found.extend(leaks(&a.data));
    }
    assert!(
        found.is_empty(),
        "planted secrets reached the SMTP sink: {found:?}"
    );
    assert!(mails[0].text.contains("VPN fails since this morning"));
}
