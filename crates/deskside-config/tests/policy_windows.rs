//! The Windows policy mapping, on `reg export` files as reg.exe writes them (UTF-16LE with a
//! byte-order mark, CRLF, `hex(N):` data wrapped with `\`): HKLM and HKCU policy keys, the
//! `Recommended` subkey, ADMX-style list subkeys, every value type, and the bad values that
//! drop their key only. Pure: runs on any OS.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a panic is the failure report"
)]

use deskside_config::policy::PolicyRead;
use deskside_config::policy::windows::{
    RegData, decode_reg_file, layers_from_values, parse_reg_export,
};
use deskside_config::{SourceKind, load_layers};

fn fixture(name: &str) -> Vec<deskside_config::policy::windows::RegValue> {
    let path = format!(
        "{}/tests/fixtures/windows/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(
        &bytes[..2],
        [0xFF, 0xFE],
        "reg.exe writes UTF-16LE with a BOM"
    );
    let text = decode_reg_file(name, &bytes).unwrap();
    parse_reg_export(name, &text).unwrap()
}

fn read_both() -> PolicyRead {
    let mut values = fixture("hklm-export.reg");
    values.extend(fixture("hkcu-export.reg"));
    layers_from_values(&values)
}

#[test]
fn reg_export_values_decode_by_type() {
    let values = fixture("hklm-export.reg");
    let get = |name: &str| {
        values
            .iter()
            .find(|v| v.name == name)
            .map(|v| v.data.clone())
            .unwrap()
    };
    assert_eq!(
        get("probe_urls"),
        RegData::MultiSz(vec![
            "https://probe.corp.example/generate_204".into(),
            "http://probe2.corp.example/ok".into()
        ])
    );
    assert_eq!(get("dns_timeout_ms"), RegData::Dword(1000));
    assert_eq!(get("max_bundle_bytes"), RegData::Qword(8_388_608));
    assert_eq!(
        get("krb5_config"),
        RegData::ExpandSz(r"%ProgramData%\MIT\Kerberos5\krb5.ini".into())
    );
    assert_eq!(get("queue"), RegData::Sz(r#"Desk "Side" \ Support"#.into()));
    assert_eq!(
        values.iter().find(|v| v.name == "2").unwrap().key,
        r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Deskside\tickets\forbid"
    );
}

#[test]
fn registry_policy_maps_to_keys_with_levels_and_locks() {
    let read = read_both();
    let kinds: Vec<(SourceKind, String)> = read
        .layers
        .iter()
        .map(|l| {
            (
                l.source.kind,
                l.source.path.as_ref().unwrap().display().to_string(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (
                SourceKind::Policy,
                r"HKCU\SOFTWARE\Policies\Deskside".into()
            ),
            (
                SourceKind::Policy,
                r"HKLM\SOFTWARE\Policies\Deskside".into()
            ),
            (
                SourceKind::Recommended,
                r"HKLM\SOFTWARE\Policies\Deskside\Recommended".into()
            ),
        ]
    );
    let errors: Vec<String> = read.errors.iter().map(ToString::to_string).collect();
    let loaded = load_layers(read.layers).unwrap();
    let c = &loaded.config;
    assert_eq!(
        c.network.probe_urls,
        [
            "https://probe.corp.example/generate_204",
            "http://probe2.corp.example/ok"
        ]
    );
    // Machine policy wins over user policy; the user's other key still applies.
    assert_eq!(c.network.dns_timeout_ms, 1000);
    assert_eq!(c.network.http_timeout_ms, 3000);
    assert!((c.network.warn_loss_percent - 2.5).abs() < f64::EPSILON);
    assert!(
        c.tickets.redact_personal,
        "section and value names ignore case"
    );
    assert_eq!(c.tickets.max_bundle_bytes, 8_388_608);
    assert_eq!(c.tickets.forbid, ["screenshot", "logs"]);
    assert_eq!(c.helpdesk.url.as_deref(), Some("https://rt.corp.example/"));
    assert_eq!(
        c.helpdesk.queue.as_deref(),
        Some(r#"Desk "Side" \ Support"#)
    );
    assert_eq!(c.helpdesk.timeout_s, 20, "digits in a REG_SZ count");
    assert_eq!(c.fixes.actions.len(), 1);
    assert_eq!(
        c.fixes.actions[0].program,
        r"C:\Program Files\Acme\agent.exe"
    );
    assert_eq!(c.fixes.auto, ["net.flush_dns"]);
    assert_eq!(c.password.warn_days, [10, 5, 1]);
    assert_eq!(c.app.check_interval_s, 600);
    assert!(!c.app.notify);

    let p = &loaded.provenance["network.dns_timeout_ms"];
    assert_eq!(p.source.kind, SourceKind::Policy);
    assert!(p.locked);
    assert_eq!(
        p.origin.as_deref(),
        Some(r"HKLM\SOFTWARE\Policies\Deskside\network\dns_timeout_ms")
    );
    assert_eq!(p.overrode[1].source.kind, SourceKind::Policy, "HKCU's 100");
    assert_eq!(p.overrode[1].value, "100");
    assert_eq!(
        loaded.provenance["tickets.forbid"].origin.as_deref(),
        Some(r"HKLM\SOFTWARE\Policies\Deskside\tickets\forbid")
    );
    assert!(!loaded.provenance["app.notify"].locked, "recommended");

    // Bad values: dropped one by one, each error naming the registry path, key and expectation.
    let all: Vec<String> = errors
        .into_iter()
        .chain(loaded.policy_errors.iter().map(|e| e.message.clone()))
        .collect();
    let hklm = r"HKLM\SOFTWARE\Policies\Deskside";
    for expected in [
        format!(
            "{hklm}: key `tickets.max_attempts`: expected a non-negative integer, found a string"
        ),
        format!("{hklm}: unknown key `helpdesk.unknown_thing`"),
        format!(
            "{hklm}\\Recommended: key `vpn.required`: expected true or false, found an integer"
        ),
    ] {
        assert!(all.contains(&expected), "{expected}\n{all:#?}");
    }
    assert_eq!(c.tickets.max_attempts, 50);
    assert!(!c.vpn.required);
    // vpn.connection is security-sensitive: recommended policy may not set it.
    assert_eq!(c.vpn.connection, None);
    assert!(loaded.notes.iter().any(|n| n.starts_with(&format!(
        "`vpn.connection` set in {hklm}\\Recommended is ignored"
    ))));
}

#[test]
fn utf8_and_regedit4_files_parse_too_and_garbage_is_an_error_naming_the_line() {
    let text = "REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Deskside\\vpn]\n\"required\"=dword:00000001\n";
    let decoded = decode_reg_file("x.reg", text.as_bytes()).unwrap();
    let values = parse_reg_export("x.reg", &decoded).unwrap();
    let loaded = load_layers(layers_from_values(&values).layers).unwrap();
    assert!(loaded.config.vpn.required);

    let err = parse_reg_export(
        "x.reg",
        "Windows Registry Editor Version 5.00\n\"a\"=dword:1\n",
    )
    .unwrap_err();
    assert_eq!(err.code(), "config.policy_format");
    assert_eq!(
        err.to_string(),
        "x.reg: cannot read this policy: line 2: a value before any [key] line"
    );
    let err = parse_reg_export("x.reg", "[HKEY_LOCAL_MACHINE\\X]\n\"a\"=dword:zz\n").unwrap_err();
    assert!(err.to_string().contains("line 2: unreadable value data"));
    assert!(decode_reg_file("x.reg", &[0xFF, 0xFE, 0x41]).is_err());
}

#[test]
fn values_outside_the_policy_key_are_ignored_and_stray_values_named() {
    let text = "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Other]\n\"x\"=dword:1\n\
                [HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Deskside]\n\"probe_urls\"=\"x\"\n";
    let values = parse_reg_export("x.reg", text).unwrap();
    let read = layers_from_values(&values);
    assert_eq!(read.layers.len(), 1);
    assert!(read.layers[0].table.is_empty());
    assert_eq!(read.errors.len(), 1);
    assert!(
        read.errors[0]
            .to_string()
            .contains("policy values belong in a section subkey"),
        "{}",
        read.errors[0]
    );
}
