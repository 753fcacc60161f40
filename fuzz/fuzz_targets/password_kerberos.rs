//! What MIT/Heimdal `kinit` and `kpasswd` print, mapped to an expiry or a refusal. The input is
//! in the layout of `crates/deskside-password/tests/fixtures/kerberos/*.txt` (`exit: N`,
//! `--- stdout`, `--- stderr`); anything else is fed as both streams. None may panic.
#![no_main]

use deskside_password::{
    fuzzing, kinit_outcome, kpasswd_outcome, kpasswd_reason, parse_expiry_warning,
};
use libfuzzer_sys::fuzz_target;

/// (exit code, stdout, stderr) from the fixture layout.
fn split(text: &str) -> (Option<i32>, &str, &str) {
    let code = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("exit:"))
        .and_then(|c| c.trim().parse().ok());
    let Some((_, rest)) = text.split_once("--- stdout\n") else {
        return (code, text, text);
    };
    match rest.split_once("--- stderr\n") {
        Some((out, err)) => (code, out, err),
        None => (code, rest, ""),
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (code, stdout, stderr) = split(&text);
    let principal = "user@EXAMPLE.TEST";
    let label = "kdc.example.test";
    for code in [code, Some(0), Some(1), None] {
        let _ = kinit_outcome(code, stdout, stderr, principal, label);
        let _ = kpasswd_outcome(code, stdout, stderr, principal, label);
    }
    let _ = parse_expiry_warning(stdout);
    let _ = kpasswd_reason(stderr);
    let _ = fuzzing::ticket_error(stdout, stderr, principal, label);
});
