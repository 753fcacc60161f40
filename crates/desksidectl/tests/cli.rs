//! The CLI's contract with scripts: exit codes, JSON shapes, and config errors that name the
//! file, the key and the problem. Hermetic: system and user config layers are switched off,
//! HOME is a temp dir, and nothing here touches the network.

#![expect(
    clippy::disallowed_methods,
    reason = "tests drive the real binary as a script would"
)]
#![expect(clippy::unwrap_used, reason = "tests: a panic is the failure report")]

use std::path::Path;
use std::process::Output;

use support::{desksidectl, json};

mod support;

fn cli(args: &[&str], home: &Path) -> Output {
    desksidectl(home).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn wrong_type_exits_2_naming_file_key_and_expectation() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "[network]\ndns_names = 5\n").unwrap();
    for args in [
        vec!["--config", file.to_str().unwrap(), "config", "validate"],
        vec!["--config", file.to_str().unwrap(), "diagnose", "--json"],
    ] {
        let out = cli(&args, dir.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("bad.toml"), "{err}");
        assert!(err.contains("network.dns_names"), "{err}");
        assert!(err.contains("expected a list of strings"), "{err}");
        assert!(
            out.stdout.is_empty(),
            "nothing on stdout when the run cannot start"
        );
    }
}

#[test]
fn unknown_key_suggests_the_right_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("typo.toml");
    std::fs::write(&file, "[vpn]\nrequird = true\n").unwrap();
    let out = cli(
        &["--config", file.to_str().unwrap(), "config", "validate"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("vpn.requird") && err.contains("required"),
        "{err}"
    );
    assert!(err.contains("config.unknown_key"), "{err}");
}

#[test]
fn missing_explicit_file_and_syntax_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli(
        &[
            "--config",
            "/nonexistent/deskside.toml",
            "config",
            "validate",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/nonexistent/deskside.toml"),
        "{}",
        stderr(&out)
    );
    let file = dir.path().join("broken.toml");
    std::fs::write(&file, "[network\nprobe_urls = [").unwrap();
    let out = cli(
        &["--config", file.to_str().unwrap(), "config", "validate"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("broken.toml"), "{}", stderr(&out));
}

#[test]
fn config_show_json_reports_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mine.toml");
    std::fs::write(&file, "[clock]\nwarn_offset_s = 30\n").unwrap();
    let out = cli(
        &[
            "--config",
            file.to_str().unwrap(),
            "config",
            "show",
            "--json",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["config"]["clock"]["warn_offset_s"], 30);
    assert_eq!(v["keys"]["clock.warn_offset_s"]["source"], "explicit");
    assert_eq!(v["keys"]["clock.fail_offset_s"]["source"], "default");
    assert_eq!(v["keys"]["clock.fail_offset_s"]["locked"], false);
    let out = cli(
        &["--config", file.to_str().unwrap(), "config", "show"],
        dir.path(),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("clock.warn_offset_s = 30"), "{text}");
}

#[test]
fn info_json_is_a_device_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli(&["info", "--json"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["schema"], "deskside.device/1");
    assert!(
        v["network"]["interfaces"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );
    let text = cli(&["info"], dir.path());
    assert!(String::from_utf8_lossy(&text.stdout).contains("Network"));
}

#[test]
fn disk_only_diagnosis_needs_no_network_and_reports_json() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("disk.toml");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(
        &file,
        format!(
            "[disk]\npaths = [{p:?}]\ntemp_paths = [{p:?}]\nwarn_free_percent = 0.001\nfail_free_percent = 0.0001\nwarn_free_inodes_percent = 0.001\nfail_free_inodes_percent = 0.0001\n",
            p = data.to_str().unwrap()
        ),
    )
    .unwrap();
    let out = cli(
        &[
            "--config",
            file.to_str().unwrap(),
            "diagnose",
            "--json",
            "--category",
            "disk",
        ],
        dir.path(),
    );
    let v = json(&out);
    let ids: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["disk.space", "disk.inodes", "disk.temp"]);
    assert_eq!(v["diagnosis"]["status"], "healthy", "{v:#}");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn bad_arguments_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli(&["diagnose", "--category", "printers"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}

/// A user file re-pointing the helpdesk is ignored with a note; plain HTTP allowed by IT is a
/// warning; plain HTTP elsewhere is an error naming the key and the fix. The system file is
/// admin-owned when this test runs as root (as the suite does); otherwise only the note is
/// checked. Unix: it reads the file's owner uid (on Windows only the machine-wide location is
/// admin-owned).
#[cfg(unix)]
#[test]
fn config_validate_notes_ignored_admin_keys_and_warns_on_allowed_http() {
    use std::os::unix::fs::MetadataExt as _;
    let dir = tempfile::tempdir().unwrap();
    let system = dir.path().join("system.toml");
    std::fs::write(
        &system,
        "[helpdesk]\nkind = \"rt\"\nurl = \"http://rt.corp.example/\"\nqueue = \"General\"\ntoken = \"t\"\n[security]\nallow_http_hosts = [\"rt.corp.example\"]\n",
    )
    .unwrap();
    let root = std::fs::metadata(&system).unwrap().uid() == 0;
    let user = dir.path().join("user.toml");
    std::fs::write(&user, "[helpdesk]\nurl = \"https://evil.example/\"\n").unwrap();
    let run = || {
        desksidectl(dir.path())
            .args(["config", "validate"])
            .env("DESKSIDE_SYSTEM_CONFIG", &system)
            .env("DESKSIDE_USER_CONFIG", &user)
            .output()
            .unwrap()
    };
    let out = run();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(
            "note: `helpdesk.url` set in {} is ignored",
            user.display()
        )),
        "{text}"
    );
    if !root {
        return;
    }
    assert!(
        text.contains(
            "warning: `helpdesk.url` sends credentials over plain http:// to rt.corp.example"
        ),
        "{text}"
    );

    std::fs::write(
        &system,
        "[helpdesk]\nkind = \"rt\"\nurl = \"http://rt.corp.example/\"\n",
    )
    .unwrap();
    let out = run();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("key `helpdesk.url`"), "{err}");
    assert!(err.contains("config.insecure_url"), "{err}");
    assert!(err.contains("allow_http_hosts"), "{err}");
}
