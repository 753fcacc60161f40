//! `desksidectl ticket submit` against a real Redmine 5 on loopback: the issue and its evidence
//! arrive intact (read back through Redmine's REST API with admin's key), no planted secret
//! reaches it, and a 500 after the issue was created does not produce a second one.

use std::time::Duration;

use deskside_helpdesk_tests::fixtures::{
    PLANTED, assert_technician_order, check_evidence, evidence_files, flush_until_settled,
    isolated_via_proxy, key_of, leaks, remote_id, submit, submit_planted,
};
use deskside_helpdesk_tests::{Deskside, Fault, FaultProxy, Kind, Redmine, Rule, require};

#[test]
fn issue_with_evidence_arrives_intact() {
    require!(Kind::Redmine);
    let rm = Redmine::start().unwrap();
    // A live diagnosis runs: the CLI sits in a namespace with only loopback and a proxy.
    let (ds, _proxy) = isolated_via_proxy(rm.addr(), |url| rm.helpdesk_toml(url, 20));

    let (log, shot, expected_png) = evidence_files(&ds);
    let subject = "Wi-Fi keeps asking for the password";
    let description = "Since the update the office Wi-Fi asks for my password every hour.";
    let run = submit(
        &ds,
        subject,
        description,
        &[
            "--urgency",
            "low",
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
    let id = remote_id(&run.json());
    assert_eq!(rm.tickets_with_key(&key).unwrap(), [id]);
    let t = rm.ticket(id).unwrap();
    assert!(t.subject.ends_with(subject), "subject: {}", t.subject);
    assert!(t.body.contains(&key), "no reference line:\n{}", t.body);
    assert!(t.body.contains(description), "description:\n{}", t.body);
    assert!(
        t.body.starts_with("Deskside summary"),
        "description:\n{}",
        t.body
    );
    assert_technician_order(&t.body);
    check_evidence(&t.files, subject, &expected_png);
    // The key is in the "Deskside Key" field, where Redmine's filter (and agents) find it —
    // with the connector's least-privilege key (a Reporter, not an administrator).
    assert_eq!(
        t.key.as_deref(),
        Some(key.as_str()),
        "the issue's Deskside Key field is empty"
    );
    assert_eq!(rm.tickets_with_key_field(&key).unwrap(), [id]);
}

#[test]
fn issue_is_filed_as_the_user() {
    require!(Kind::Redmine);
    let rm = Redmine::start().unwrap();
    rm.add_reporter("jdoe", "jdoe@deskside.test").unwrap();
    // Impersonation needs an administrator's key (Redmine ignores the header otherwise).
    let toml = rm
        .helpdesk_toml(&rm.url(), 20)
        .replace(rm.api_key(), rm.admin_key())
        + "impersonate = true\n[tickets]\nrequester = \"{user}@deskside.test\"\n";
    let mut ds = Deskside::new(&toml).unwrap();
    ds.set_user("jdoe");
    let run = submit(&ds, "Printer jams", "The printer on floor 2 jams.", &[]);
    assert_eq!(run.json()["state"], "delivered", "{}", run.describe());
    let t = rm.ticket(remote_id(&run.json())).unwrap();
    assert_eq!(
        t.requester.as_deref(),
        Some("jdoe"),
        "the author is the user"
    );
    assert!(
        t.body.contains("Reported by: jdoe <jdoe@deskside.test>"),
        "{}",
        t.body
    );
    assert_technician_order(&t.body);

    // A login Redmine does not know: filed as the connector's account, the body names the user.
    let mut ds = Deskside::new(&toml).unwrap();
    ds.set_user("ghost");
    let run = submit(&ds, "Mouse broken", "The mouse does not click.", &[]);
    assert_eq!(run.json()["state"], "delivered", "{}", run.describe());
    let t = rm.ticket(remote_id(&run.json())).unwrap();
    assert_eq!(t.requester.as_deref(), Some("admin"));
    assert!(
        t.body.contains("Reported by: ghost <ghost@deskside.test>"),
        "{}",
        t.body
    );
}

#[test]
fn planted_secrets_never_reach_redmine() {
    require!(Kind::Redmine);
    let rm = Redmine::start().unwrap();
    let (ds, _proxy) = isolated_via_proxy(rm.addr(), |url| rm.helpdesk_toml(url, 20));
    // Planted secrets in the description, a log and the screenshot's metadata.
    let run = submit_planted(&ds, "shot2.png", PLANTED[1]);
    assert_eq!(run.json()["state"], "delivered", "{}", run.describe());
    let t = rm.ticket(remote_id(&run.json())).unwrap();
    let mut found = leaks(t.subject.as_bytes());
    found.extend(leaks(t.body.as_bytes()));
    for f in &t.files {
        found.extend(leaks(&f.data));
        assert!(
            !String::from_utf8_lossy(&f.data).contains(rm.api_key()),
            "the Redmine API key is in {}",
            f.name
        );
    }
    assert!(
        found.is_empty(),
        "planted secrets reached Redmine: {found:?}"
    );
}

#[test]
fn error_500_after_create_makes_no_duplicate() {
    require!(Kind::Redmine);
    let rm = Redmine::start().unwrap();
    let proxy = FaultProxy::start(rm.addr()).unwrap();
    proxy.add(Rule::new(Fault::StatusAfterForward(500)).on("POST", "/issues.json"));
    let ds = Deskside::new(&rm.helpdesk_toml(&proxy.url(), 20)).unwrap();
    let run = submit(&ds, "Laptop fan loud", "The fan is loud all the time.", &[]);
    assert_eq!(run.code, Some(0), "{}", run.describe());
    let key = key_of(&run);
    assert_eq!(rm.tickets_with_key(&key).unwrap().len(), 1);
    let outbox = flush_until_settled(&ds, true, Duration::from_secs(90));
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0]["state"], "delivered", "{outbox:#?}");
    assert_eq!(rm.tickets_with_key(&key).unwrap(), [remote_id(&outbox[0])]);
    assert_eq!(
        rm.all_keys().unwrap().len(),
        1,
        "more than one issue in the project"
    );
    assert_eq!(
        proxy.exchanges_to("POST", "/issues.json").len(),
        1,
        "created twice"
    );
}
