//! The published OpenAPI description fuzzed with schemathesis against the real server
//! (SQLite, no helpdesk): a bounded run (30 examples per operation, fixed seed, every phase)
//! must find no 5xx, and the server must still be running afterwards with no panic in its
//! log. Signed endpoints answer the fuzzer `401` (it cannot sign), which exercises the
//! header checks with arbitrary values.
//!
//! schemathesis comes from `tests/install-schemathesis.sh` (`$DESKSIDE_SCHEMATHESIS` names
//! another binary). Without it the test prints `SKIPPED` and passes, unless
//! `DESKSIDE_SERVER_FUZZ_REQUIRED=1` (CI).
#![expect(
    clippy::disallowed_methods,
    reason = "the test runs schemathesis itself"
)]

#[expect(dead_code, reason = "this file uses a part of the shared helpers")]
mod common;

use std::path::PathBuf;
use std::process::Command;

fn schemathesis() -> Option<PathBuf> {
    let path = std::env::var_os("DESKSIDE_SCHEMATHESIS")
        .filter(|v| !v.is_empty())
        .map_or_else(
            || {
                let tools = std::env::var_os("DESKSIDE_SERVER_TOOLS").map_or_else(
                    || PathBuf::from("/opt/deskside-server-tools"),
                    PathBuf::from,
                );
                tools.join("venv/bin/schemathesis")
            },
            PathBuf::from,
        );
    path.exists().then_some(path)
}

#[test]
fn fuzzing_the_openapi_finds_no_server_error() {
    let Some(st) = schemathesis() else {
        let why = "schemathesis is not installed (bash crates/deskside-server/tests/install-schemathesis.sh)";
        assert!(
            std::env::var("DESKSIDE_SERVER_FUZZ_REQUIRED").as_deref() != Ok("1"),
            "{why}, and DESKSIDE_SERVER_FUZZ_REQUIRED=1"
        );
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!("SKIPPED fuzzing_the_openapi_finds_no_server_error: {why}\n").as_bytes(),
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.sqlite3");
    let mut server = common::Server::start_with(db.to_str().unwrap(), None, "");
    let out = Command::new(&st)
        .current_dir(dir.path())
        .args(["run", &server.url("/v1/openapi.json")])
        .args([
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "30",
            "--seed",
            "1",
        ])
        .args(["--no-shrink", "--workers", "2"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let alive = server
        .child
        .as_mut()
        .is_some_and(|c| c.try_wait().is_ok_and(|s| s.is_none()));
    assert!(alive, "the server died during fuzzing:\n{}", server.log());
    assert!(!server.log().contains("panicked"), "{}", server.log());
    assert!(out.status.success(), "schemathesis found problems:\n{text}");
    let summary = text
        .lines()
        .find(|l| l.contains("generated,"))
        .unwrap_or("no summary");
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!("schemathesis: {}\n", summary.trim()).as_bytes(),
    );
}
