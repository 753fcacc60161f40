//! The privileged helper refuses everything but catalogue fixes that need administrator rights
//! with valid arguments, and admin actions from the system config file: each refusal exits 2
//! with a JSON error and a message on stderr. Every case here is refused before anything runs,
//! so no fix is ever applied to this machine. The environment cannot widen what it accepts:
//! `DESKSIDE_SYSTEM_CONFIG` pointing at a file with an action is ignored.

#![expect(
    clippy::disallowed_methods,
    reason = "tests drive the real helper binary as pkexec would"
)]
#![expect(clippy::unwrap_used, reason = "tests: a panic is the failure report")]

use std::process::{Command, Output};

use serde_json::Value;

fn helper(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_deskside-elevate"));
    cmd.args(args).env_clear().env("PATH", "/usr/bin:/bin");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn refused(args: &[&str], code: &str) {
    refused_with(args, &[], code);
}

fn refused_with(args: &[&str], envs: &[(&str, &str)], code: &str) {
    let out = helper(args, envs);
    assert_eq!(out.status.code(), Some(2), "{args:?} was not refused");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], code, "{args:?}: {v}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("deskside-elevate: "), "{stderr}");
}

#[test]
fn unknown_fix_ids_are_refused() {
    refused(&["apply", "net.format_disk"], "fix.not_in_catalogue");
    refused(&["apply", "../../bin/sh"], "fix.not_in_catalogue");
    refused(&["undo", "net.nope"], "fix.not_in_catalogue");
}

#[test]
fn bad_arguments_are_refused() {
    refused(
        &[
            "apply",
            "net.restart_interface",
            "--interface",
            "eth0;reboot",
        ],
        "fix.bad_argument",
    );
    refused(
        &["apply", "net.restart_interface", "--interface", "-x"],
        "fix.bad_argument",
    );
    refused(
        &["apply", "system.restart_prompt", "--minutes", "0"],
        "fix.bad_argument",
    );
    refused(
        &["apply", "net.flush_dns", "--url", "http://x/"],
        "fix.refused",
    );
    refused(&["apply", "net.flush_dns", "--interface"], "fix.refused");
    refused(&["run", "net.flush_dns"], "fix.refused");
    refused(&[], "fix.refused");
    refused(&["sh", "-c", "id"], "fix.refused");
}

#[test]
fn fixes_that_need_no_elevation_are_refused() {
    refused(&["apply", "disk.clear_temp"], "fix.no_elevation_needed");
    refused(&["apply", "net.forget_captive"], "fix.no_elevation_needed");
    refused(&["undo", "net.clear_proxy"], "fix.no_elevation_needed");
}

#[test]
fn a_connection_not_in_the_system_config_is_refused() {
    refused(
        &["apply", "vpn.reconnect", "--connection", "/tmp/evil.conf"],
        "fix.refused",
    );
}

#[test]
fn actions_not_in_the_system_config_are_refused_whatever_the_environment_says() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("system.toml");
    std::fs::write(
        &file,
        "[[fixes.actions]]\nid = \"evil\"\ntitle = \"E\"\nprogram = \"/usr/bin/id\"\nelevate = true\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    for var in [
        "DESKSIDE_SYSTEM_CONFIG",
        "DESKSIDE_CONFIG",
        "DESKSIDE_USER_CONFIG",
    ] {
        refused_with(&["action", "evil"], &[(var, path)], "fix.refused");
    }
}
