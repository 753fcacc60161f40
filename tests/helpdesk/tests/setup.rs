//! Set-up that fails loudly, against the real RT and Redmine: `desksidectl helpdesk test`
//! passes with the right settings and names what to fix with a wrong token, key, queue or
//! project; `config validate` refuses a connector missing its required keys.

#![expect(clippy::unwrap_used, clippy::panic, reason = "test helpers")]

use deskside_helpdesk_tests::{Deskside, Kind, Redmine, Rt, require};
use serde_json::Value;

fn test_setup(ds: &Deskside) -> (Option<i32>, Vec<Value>, String) {
    let run = ds.run(["helpdesk", "test", "--json"]).unwrap();
    let steps = run.json()["steps"].as_array().cloned().unwrap_or_default();
    (run.code, steps, run.describe())
}

fn step<'a>(steps: &'a [Value], name: &str) -> &'a Value {
    steps
        .iter()
        .find(|s| s["step"] == name)
        .unwrap_or_else(|| panic!("no {name} step in {steps:?}"))
}

#[test]
fn rt_setup_test_names_what_to_fix() {
    require!(Kind::Rt);
    let rt = Rt::start().unwrap();
    let good = rt.helpdesk_toml(&rt.url(), 10);
    let ds = Deskside::new(&good).unwrap();
    let (code, steps, out) = test_setup(&ds);
    assert_eq!(code, Some(0), "{out}");
    for s in ["reachable", "credentials", "permission"] {
        assert_eq!(step(&steps, s)["status"], "ok", "{out}");
    }

    ds.set_config(&good.replace(rt.connector_token(), "1-99-wrongtoken"))
        .unwrap();
    let (code, steps, out) = test_setup(&ds);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(step(&steps, "reachable")["status"], "ok", "{out}");
    let cred = step(&steps, "credentials");
    assert_eq!(cred["status"], "failed", "{out}");
    assert!(
        cred["detail"].as_str().unwrap().contains("helpdesk.token"),
        "{out}"
    );

    ds.set_config(&good.replace("queue = \"General\"", "queue = \"Nope\""))
        .unwrap();
    let (code, steps, out) = test_setup(&ds);
    assert_eq!(code, Some(1), "{out}");
    let perm = step(&steps, "permission");
    assert_eq!(perm["status"], "failed", "{out}");
    assert!(
        perm["detail"].as_str().unwrap().contains("General"),
        "{out}"
    );

    // The text form says what to fix too.
    let run = ds.run(["helpdesk", "test"]).unwrap();
    assert!(run.stdout.contains("FAILED"), "{}", run.describe());
    assert!(run.stdout.contains("helpdesk.queue"), "{}", run.describe());
}

#[test]
fn redmine_setup_test_names_what_to_fix() {
    require!(Kind::Redmine);
    let rm = Redmine::start().unwrap();
    let good = rm.helpdesk_toml(&rm.url(), 10);
    let ds = Deskside::new(&good).unwrap();
    let (code, steps, out) = test_setup(&ds);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(step(&steps, "permission")["status"], "ok", "{out}");

    ds.set_config(&good.replace(rm.api_key(), "0123456789abcdef0123456789abcdef01234567"))
        .unwrap();
    let (code, steps, out) = test_setup(&ds);
    assert_eq!(code, Some(1), "{out}");
    let cred = step(&steps, "credentials");
    assert_eq!(cred["status"], "failed", "{out}");
    assert!(
        cred["detail"]
            .as_str()
            .unwrap()
            .contains("helpdesk.api_key"),
        "{out}"
    );

    ds.set_config(&good.replace("project = \"it-support\"", "project = \"no-such\""))
        .unwrap();
    let (code, steps, out) = test_setup(&ds);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(step(&steps, "permission")["status"], "failed", "{out}");

    // Impersonation with the Reporter's key: Redmine would ignore it; the test says so.
    ds.set_config(&format!("{good}impersonate = true\n"))
        .unwrap();
    let (code, steps, out) = test_setup(&ds);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(step(&steps, "impersonation")["status"], "failed", "{out}");
}

#[test]
fn config_validate_names_every_missing_connector_key() {
    // No server needed: the check reads only the config.
    let ds =
        Deskside::new("[helpdesk]\nkind = \"jsm\"\nurl = \"https://desk.example.com\"\n").unwrap();
    let run = ds.run(["config", "validate"]).unwrap();
    assert_eq!(run.code, Some(2), "{}", run.describe());
    for key in [
        "helpdesk.user",
        "helpdesk.token",
        "helpdesk.service_desk_id",
        "helpdesk.request_type_id",
    ] {
        assert!(run.stderr.contains(key), "{key}: {}", run.describe());
    }
    // The same check keeps a ticket from being queued for it.
    let run = ds
        .run([
            "ticket",
            "submit",
            "--subject",
            "x",
            "--description",
            "y",
            "--json",
        ])
        .unwrap();
    assert_eq!(run.code, Some(2), "{}", run.describe());
    assert_eq!(run.json()["error"]["code"], "helpdesk.missing_key");
    let run = ds.run(["helpdesk", "test", "--json"]).unwrap();
    assert_eq!(run.code, Some(2), "{}", run.describe());
}

#[test]
fn a_ticket_queued_before_the_config_broke_fails_with_the_reason() {
    let complete = "[helpdesk]\nkind = \"jsm\"\nurl = \"https://desk.example.com\"\n\
                    user = \"agent@example.com\"\ntoken = \"t\"\nservice_desk_id = \"1\"\n\
                    request_type_id = \"10\"\n";
    let ds = Deskside::new(complete).unwrap();
    let run = ds
        .run([
            "ticket",
            "submit",
            "--subject",
            "x",
            "--description",
            "y",
            "--no-send",
            "--json",
        ])
        .unwrap();
    assert_eq!(run.json()["state"], "queued", "{}", run.describe());
    // IT removes the token: `outbox flush` cannot send, and says why for good.
    ds.set_config(&complete.replace("token = \"t\"\n", ""))
        .unwrap();
    let run = ds.run(["outbox", "flush", "--json"]).unwrap();
    assert_eq!(run.code, Some(2), "{}", run.describe());
    let outbox = ds.outbox().unwrap();
    assert_eq!(outbox[0]["state"], "failed", "{outbox:?}");
    let error = outbox[0]["error"].as_str().unwrap();
    assert!(
        error.starts_with("the helpdesk is not set up correctly on this computer")
            && error.contains("helpdesk.token"),
        "{error}"
    );
}
