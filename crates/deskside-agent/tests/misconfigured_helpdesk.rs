//! A ticket queued for a helpdesk the configuration cannot use (a required key missing) does
//! not wait forever at "Waiting to send": the worker fails it with a plain reason, and the user
//! gets the copy-as-email fallback; a keyring or relay set-up is left alone.

use deskside_outbox::{NewTicket, Outbox, State};

fn ticket() -> NewTicket {
    NewTicket {
        subject: "VPN".into(),
        body: "Deskside summary\n".into(),
        urgency: deskside_helpdesk::Urgency::Normal,
        category: None,
        contact: None,
        requester: None,
        attachments: Vec::new(),
    }
}

#[test]
fn a_queued_ticket_for_an_incomplete_helpdesk_fails_with_a_plain_reason() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::open(&dir.path().join("outbox.sqlite3")).unwrap();
    let id = outbox.enqueue(ticket(), "jsm").unwrap().id;

    let mut config = deskside_config::Config::default();
    // Tickets through the Deskside server's relay do not use [helpdesk]: left alone.
    config.helpdesk.kind = Some("jsm".into());
    config.server.url = Some("https://deskside.corp.example/".into());
    assert!(
        deskside_agent::ticket::fail_if_misconfigured(&config, &outbox)
            .unwrap()
            .is_empty()
    );
    config.server.url = None;
    config.helpdesk.url = Some("https://desk.example.com".into());
    let failed = deskside_agent::ticket::fail_if_misconfigured(&config, &outbox).unwrap();
    assert_eq!(failed, [id]);
    let e = outbox.get(id).unwrap();
    assert_eq!(e.state, State::Failed);
    let reason = e.error.unwrap();
    assert!(
        reason.starts_with("the helpdesk is not set up correctly on this computer"),
        "{reason}"
    );
    assert!(reason.contains("helpdesk.user"), "{reason}");

    // Once IT completes the config, a retried ticket is not failed again.
    outbox.retry(id).unwrap();
    config.helpdesk.user = Some("agent@corp.example".into());
    config.helpdesk.token = Some("t".into());
    config.helpdesk.service_desk_id = Some("1".into());
    config.helpdesk.request_type_id = Some("10".into());
    assert!(
        deskside_agent::ticket::fail_if_misconfigured(&config, &outbox)
            .unwrap()
            .is_empty()
    );
    assert_eq!(outbox.get(id).unwrap().state, State::Queued);
}
