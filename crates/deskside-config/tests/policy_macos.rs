//! The macOS policy mapping on property lists shaped as configuration profiles deliver them: a
//! binary managed-preferences plist (forced keys, a `Recommended` dictionary), a per-user XML
//! one, and a `.mobileconfig` with a direct payload and a Custom Settings (MCX) payload. Also
//! the reader over a managed-preferences folder this test creates. Pure mapping: any OS.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a panic is the failure report"
)]

use deskside_config::policy::MACOS_BUNDLE_ID;
#[cfg(unix)]
use deskside_config::policy::PolicySources;
use deskside_config::policy::macos::{layers_from_mobileconfig, layers_from_plist};
use deskside_config::{SourceKind, load_layers};

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/macos/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn managed_preferences_are_mandatory_with_a_recommended_dictionary() {
    let label = "/Library/Managed Preferences/dev.deskside.tray.plist";
    let read = layers_from_plist(label, &bytes("dev.deskside.tray.plist"));
    let errors: Vec<String> = read.errors.iter().map(ToString::to_string).collect();
    let kinds: Vec<SourceKind> = read.layers.iter().map(|l| l.source.kind).collect();
    assert_eq!(kinds, [SourceKind::Recommended, SourceKind::Policy]);
    let loaded = load_layers(read.layers).unwrap();
    let c = &loaded.config;
    assert_eq!(
        c.network.probe_urls,
        ["https://probe.corp.example/generate_204"]
    );
    assert_eq!(c.network.dns_timeout_ms, 900);
    assert!((c.network.warn_loss_percent - 2.5).abs() < f64::EPSILON);
    assert!(c.tickets.redact_personal);
    assert!(c.vpn.required, "a dotted top-level key");
    assert_eq!(c.helpdesk.url.as_deref(), Some("https://rt.corp.example/"));
    assert_eq!(c.fixes.actions[0].program, "/usr/local/bin/agentctl");
    assert_eq!(c.app.check_interval_s, 900);
    assert!(!c.app.notify);
    assert_eq!(
        c.vpn.connection, None,
        "security-sensitive: not from recommended"
    );
    let p = &loaded.provenance["network.dns_timeout_ms"];
    assert!(p.locked);
    assert_eq!(p.source.path.as_ref().unwrap().to_str(), Some(label));
    assert_eq!(p.origin.as_deref(), Some("network → dns_timeout_ms"));
    assert_eq!(
        loaded.provenance["app.notify"].origin.as_deref(),
        Some("Recommended → app → notify")
    );
    // The bad values: dropped alone, each error naming the file, key and expectation.
    assert_eq!(c.tickets.max_attempts, 50);
    let all: Vec<String> = errors
        .into_iter()
        .chain(loaded.policy_errors.iter().map(|e| e.message.clone()))
        .collect();
    for expected in [
        format!(
            "{label}: key `tickets.max_attempts`: expected a non-negative integer, found a string"
        ),
        format!(
            "{label}: cannot read this policy: key `branding.logo_date`: a date, data or UID value \
             cannot be a setting; use a string, number, boolean, array or dictionary"
        ),
    ] {
        assert!(all.contains(&expected), "{expected}\n{all:#?}");
    }
}

#[test]
fn a_mobileconfig_maps_direct_and_custom_settings_payloads() {
    let read = layers_from_mobileconfig(
        "deskside.mobileconfig",
        &bytes("deskside.mobileconfig"),
        MACOS_BUNDLE_ID,
    );
    let kinds: Vec<SourceKind> = read.layers.iter().map(|l| l.source.kind).collect();
    assert_eq!(
        kinds,
        [
            SourceKind::Policy,
            SourceKind::Recommended,
            SourceKind::Policy
        ]
    );
    let errors: Vec<String> = read.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [
            "deskside.mobileconfig: key `clock.warn_offset_s`: expected a non-negative integer, found a string"
        ]
    );
    let loaded = load_layers(read.layers).unwrap();
    let c = &loaded.config;
    assert_eq!(c.network.dns_timeout_ms, 1200);
    assert_eq!(c.tickets.forbid, ["logs"]);
    assert!(c.vpn.required);
    assert_eq!(c.app.check_interval_s, 1200);
    assert_eq!(
        loaded.provenance["vpn.required"].origin.as_deref(),
        Some("profile payload \"Deskside (Custom Settings)\": vpn → required")
    );

    let err = layers_from_mobileconfig("x", b"<plist><dict/></plist>", MACOS_BUNDLE_ID);
    assert_eq!(err.errors[0].code(), "config.policy_format");
    let none = layers_from_mobileconfig(
        "deskside.mobileconfig",
        &bytes("deskside.mobileconfig"),
        "com.other.app",
    );
    assert!(
        none.errors[0]
            .to_string()
            .contains("no payload for com.other.app")
    );
}

#[cfg(unix)]
#[test]
fn the_reader_applies_the_user_file_then_the_device_file_which_wins() {
    let dir = tempfile::tempdir().unwrap();
    let device = dir.path().join(format!("{MACOS_BUNDLE_ID}.plist"));
    std::fs::write(&device, bytes("dev.deskside.tray.plist")).unwrap();
    std::fs::create_dir(dir.path().join("jdoe")).unwrap();
    std::fs::write(
        dir.path()
            .join("jdoe")
            .join(format!("{MACOS_BUNDLE_ID}.plist")),
        bytes("user-dev.deskside.tray.plist"),
    )
    .unwrap();
    let read = deskside_config::policy::read(&PolicySources::MacManagedPreferences {
        dir: dir.path().to_path_buf(),
        user: Some("jdoe".into()),
    });
    use std::os::unix::fs::MetadataExt as _;
    if std::fs::metadata(&device).unwrap().uid() != 0 {
        assert!(
            read.errors
                .iter()
                .all(|e| e.code() == "config.policy_untrusted")
        );
        return;
    }
    let loaded = load_layers(read.layers).unwrap();
    assert_eq!(loaded.config.network.dns_timeout_ms, 900, "device wins");
    assert_eq!(loaded.config.network.http_timeout_ms, 4000, "user-only key");
}

#[test]
fn garbage_is_a_format_error_not_a_panic() {
    for input in [
        &b""[..],
        b"bplist00",
        b"<?xml version=\"1.0\"?><plist><array/></plist>",
    ] {
        let read = layers_from_plist("x.plist", input);
        assert!(read.layers.is_empty());
        assert_eq!(read.errors[0].code(), "config.policy_format");
    }
}
