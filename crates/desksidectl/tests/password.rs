//! `desksidectl password` without a directory: argument and stdin rules, exit codes and the
//! `{"error":{code,message}}` shape for refusals that need no server (feature off, bad input,
//! VPN pre-flight, unreachable directory). The real-directory tests live in
//! `crates/deskside-password/tests/directories`.

#![expect(
    clippy::disallowed_methods,
    reason = "tests drive the real binary as a script would"
)]
#![expect(clippy::unwrap_used, reason = "tests: a panic is the failure report")]

use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

use support::{desksidectl, json};

mod support;

fn cli(home: &Path, config: &str, args: &[&str], stdin: &str) -> Output {
    let file = home.join("config.toml");
    std::fs::write(&file, config).unwrap();
    let mut child = desksidectl(home)
        .arg("--config")
        .arg(&file)
        .args(args)
        .env("DESKSIDE_DATA_DIR", home.join("data"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn error_code(o: &Output) -> String {
    json(o)["error"]["code"].as_str().unwrap().to_owned()
}

const LDAP: &str = "[password]\nsource = \"ldap\"\nuser_dn_template = \"uid={user},dc=x\"\n";

#[test]
fn feature_off_is_exit_2_not_configured() {
    let home = tempfile::tempdir().unwrap();
    let o = cli(
        home.path(),
        "",
        &["password", "status", "--json", "--user", "a"],
        "",
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(error_code(&o), "not_configured");
}

#[test]
fn change_needs_password_stdin_and_two_lines() {
    let home = tempfile::tempdir().unwrap();
    let config = format!("{LDAP}url = \"ldaps://127.0.0.1:1\"\n");
    let o = cli(home.path(), &config, &["password", "change", "--json"], "");
    assert_eq!(
        o.status.code(),
        Some(2),
        "clap refuses a change without --password-stdin"
    );
    let o = cli(
        home.path(),
        &config,
        &[
            "password",
            "change",
            "--json",
            "--password-stdin",
            "--user",
            "a",
        ],
        "one\n",
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(error_code(&o), "bad_input");
}

#[test]
fn non_ldap_url_is_a_config_error_naming_the_key() {
    let home = tempfile::tempdir().unwrap();
    let config = format!("{LDAP}url = \"https://dc.example.invalid\"\n");
    let o = cli(
        home.path(),
        &config,
        &["password", "status", "--user", "a"],
        "",
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("password.url") && err.contains("ldaps"),
        "{err}"
    );
}

#[test]
fn internal_directory_without_vpn_is_refused_before_connecting() {
    let home = tempfile::tempdir().unwrap();
    let config = format!(
        "{LDAP}url = \"ldaps://127.0.0.1:1\"\ninternal = true\n[vpn]\ninterfaces = [\"deskside-test-no-such-vpn*\"]\n"
    );
    let o = cli(
        home.path(),
        &config,
        &[
            "password",
            "change",
            "--json",
            "--password-stdin",
            "--user",
            "a",
        ],
        "Old-Pass-1\nBlue-Tractor-Singing-42\n",
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        error_code(&o),
        "vpn_required",
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn unreachable_directory_is_exit_1_with_code_and_message() {
    let home = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = format!("{LDAP}url = \"ldaps://127.0.0.1:{port}\"\n");
    let o = cli(
        home.path(),
        &config,
        &[
            "password",
            "change",
            "--json",
            "--password-stdin",
            "--user",
            "a",
        ],
        "Old-Pass-1\nBlue-Tractor-Singing-42\n",
    );
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["error"]["code"], "directory_unreachable");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot reach")
    );
    // Status without a saved password: nothing live, nothing cached, the reason given.
    let o = cli(
        home.path(),
        &config,
        &["password", "status", "--json", "--user", "a"],
        "",
    );
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["state"], "unknown");
    assert_eq!(v["problem"]["code"], "credential_needed");
}

#[test]
fn manual_source_shows_the_pages() {
    let home = tempfile::tempdir().unwrap();
    let config = "[password]\nsource = \"manual\"\nchange_url = \"https://sspr.example.invalid/change\"\nreset_url = \"https://sspr.example.invalid/reset\"\n";
    let o = cli(
        home.path(),
        config,
        &["password", "status", "--user", "a"],
        "",
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("https://sspr.example.invalid/change"),
        "{text}"
    );
    let o = cli(
        home.path(),
        config,
        &[
            "password",
            "change",
            "--json",
            "--password-stdin",
            "--user",
            "a",
        ],
        "a\nb\n",
    );
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["error"]["code"], "unsupported");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("sspr.example.invalid/change")
    );
}
