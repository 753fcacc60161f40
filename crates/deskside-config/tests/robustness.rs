//! The loader never panics: arbitrary text and TOML-shaped text both end in `Ok` or a typed error
//! whose message names the layer, and pathological inputs (deep nesting, huge files) are refused
//! cleanly.

use std::path::Path;

use deskside_config::{ConfigError, Layer, SourceKind, load_layers};
use proptest::prelude::*;

const LABEL: &str = "/etc/deskside/config.toml";

/// Parses and merges `text`; on error, checks the message names the file.
fn run(text: &str) {
    let result = Layer::from_str(SourceKind::User, Some(Path::new(LABEL)), text)
        .and_then(|layer| load_layers(vec![layer]));
    if let Err(err) = result {
        let message = err.to_string();
        assert!(message.starts_with(LABEL), "{message}");
        assert!(err.code().starts_with("config."));
    }
}

fn section() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("network".to_owned()),
        Just("vpn".to_owned()),
        Just("disk".to_owned()),
        Just("clock".to_owned()),
        Just("system".to_owned()),
        "[a-z_]{1,10}",
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("probe_urls"),
        Just("probe_expect_body"),
        Just("dns_names"),
        Just("dns_timeout_ms"),
        Just("http_timeout_ms"),
        Just("quality_samples"),
        Just("warn_loss_percent"),
        Just("fail_loss_percent"),
        Just("warn_latency_ms"),
        Just("fail_latency_ms"),
        Just("warn_jitter_ms"),
        Just("pac_url"),
        Just("required"),
        Just("interfaces"),
        Just("corporate_subnets"),
        Just("internal_names"),
        Just("internal_urls"),
        Just("handshake_max_age_s"),
        Just("paths"),
        Just("warn_free_percent"),
        Just("fail_free_percent"),
        Just("warn_free_inodes_percent"),
        Just("fail_free_inodes_percent"),
        Just("temp_paths"),
        Just("temp_warn_bytes"),
        Just("warn_offset_s"),
        Just("fail_offset_s"),
        Just("uptime_warn_days"),
        Just("x.y"),
    ]
    .prop_map(str::to_owned)
}

fn value() -> impl Strategy<Value = String> {
    let scalar = prop_oneof![
        any::<i64>().prop_map(|i| i.to_string()),
        (0u32..400).prop_map(|i| i.to_string()),
        any::<f64>().prop_map(|f| format!("{f:?}")),
        Just("nan".to_owned()),
        Just("-inf".to_owned()),
        Just("true".to_owned()),
        Just("1979-05-27T07:32:00Z".to_owned()),
        "[ -~]{0,20}".prop_map(|s| format!("{s:?}")),
        Just("\"http://ok.test/\"".to_owned()),
        Just("\"10.0.0.0/8\"".to_owned()),
        Just("{ a = 1 }".to_owned()),
    ];
    prop_oneof![
        scalar.clone(),
        prop::collection::vec(scalar, 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
    ]
}

fn toml_ish() -> impl Strategy<Value = String> {
    // Mostly well-formed lines, so merging and semantic validation are reached, not just the parser.
    let line = prop_oneof![
        2 => section().prop_map(|s| format!("[{s}]")),
        8 => (key(), value()).prop_map(|(k, v)| format!("{k} = {v}")),
        1 => "[ -~]{0,30}",
    ];
    prop::collection::vec(line, 0..12).prop_map(|lines| lines.join("\n"))
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        run(&text);
    }

    #[test]
    fn toml_ish_text_never_panics(text in toml_ish()) {
        run(&text);
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for text in [
        format!("a = {}{}", "[".repeat(100_000), "]".repeat(100_000)),
        format!("a = {}", "{ b = ".repeat(50_000)),
        "[".repeat(100_000),
    ] {
        run(&text);
    }
}

#[test]
fn huge_text_is_too_large() {
    let text = format!("[network]\ndns_names = [\"{}\"]\n", "a".repeat(1024 * 1024));
    let err = Layer::from_str(SourceKind::User, Some(Path::new(LABEL)), &text).unwrap_err();
    assert!(matches!(err, ConfigError::TooLarge { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("/etc/deskside/config.toml: file too large")
    );
}

/// The policy readers on damaged input (every fixture cut short and with bytes flipped): a
/// result or a `config.*` error, never a panic, and never a failed load from policy alone.
#[test]
fn policy_readers_survive_damaged_input() {
    use deskside_config::policy::{MACOS_BUNDLE_ID, PolicyRead, macos, windows};
    fn check(read: PolicyRead) {
        for e in &read.errors {
            assert!(e.code().starts_with("config."), "{e}");
        }
        if let Err(e) = load_layers(read.layers) {
            assert!(e.code().starts_with("config."), "{e}");
        }
    }
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    for name in [
        "windows/hklm-export.reg",
        "windows/hkcu-export.reg",
        "macos/dev.deskside.tray.plist",
        "macos/user-dev.deskside.tray.plist",
        "macos/deskside.mobileconfig",
    ] {
        let original = std::fs::read(format!("{dir}/{name}")).unwrap();
        let mut inputs = Vec::new();
        for cut in (0..original.len()).step_by(13) {
            inputs.push(original[..cut].to_vec());
        }
        for at in (0..original.len()).step_by(17) {
            let mut flipped = original.clone();
            flipped[at] ^= 0x5a;
            inputs.push(flipped);
        }
        for data in inputs {
            if let Ok(text) = windows::decode_reg_file("x.reg", &data)
                && let Ok(values) = windows::parse_reg_export("x.reg", &text)
            {
                check(windows::layers_from_values(&values));
            }
            check(macos::layers_from_plist("x.plist", &data));
            check(macos::layers_from_mobileconfig(
                "x.mobileconfig",
                &data,
                MACOS_BUNDLE_ID,
            ));
        }
    }
}
