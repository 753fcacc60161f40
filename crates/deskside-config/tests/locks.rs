//! Key locking, as a managed-policy layer will use it: a locked key keeps the locking layer's value
//! (or the default) whatever higher or lower layers say, and each ignored value becomes a note.
//! The layers here are built in code; `policy_*.rs` test the policy readers.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a panic is the failure report"
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use deskside_config::{Layer, Ownership, Source, SourceKind, load_layers};

fn layer(kind: SourceKind, path: &str, text: &str) -> Layer {
    Layer::from_str(kind, Some(Path::new(path)), text).unwrap()
}

fn policy(text: &str, locked: &[&str]) -> Layer {
    Layer {
        source: Source {
            kind: SourceKind::Policy,
            path: Some(PathBuf::from("/etc/deskside/policy.toml")),
        },
        table: text.parse().unwrap(),
        locked: locked.iter().map(|s| (*s).to_owned()).collect(),
        owner: Ownership::Admin,
        origins: Default::default(),
    }
}

const USER: &str = "/home/u/.config/deskside/config.toml";

#[test]
fn locked_key_ignores_lower_layers_and_says_so() {
    let user = layer(
        SourceKind::User,
        USER,
        "[network]\nprobe_urls = [\"http://user.test/\"]\n",
    );
    let policy = policy(
        "[network]\nprobe_urls = [\"https://policy.test/\"]\n",
        &["network.probe_urls"],
    );
    let loaded = load_layers(vec![user, policy]).unwrap();
    assert_eq!(loaded.config.network.probe_urls, ["https://policy.test/"]);
    assert_eq!(
        loaded.notes,
        [
            "`network.probe_urls` set in /home/u/.config/deskside/config.toml is ignored: locked by policy"
        ]
    );
    let p = &loaded.provenance["network.probe_urls"];
    assert_eq!(p.source.kind, SourceKind::Policy);
    assert!(p.locked);
    assert!(!loaded.provenance["network.dns_names"].locked);
    let json = loaded.to_show_json();
    assert_eq!(json["keys"]["network.probe_urls"]["locked"], true);
    assert_eq!(json["keys"]["network.probe_urls"]["source"], "policy");
    assert_eq!(json["notes"][0], loaded.notes[0]);
}

#[test]
fn locked_key_ignores_higher_layers_too() {
    // A lower-precedence layer that locks still wins over higher ones.
    let mut system = layer(
        SourceKind::System,
        "/etc/deskside/config.toml",
        "[vpn]\nrequired = true\n",
    );
    system.locked.insert("vpn.required".into());
    let user = layer(SourceKind::User, USER, "[vpn]\nrequired = false\n");
    let explicit = layer(
        SourceKind::Explicit,
        "/tmp/e.toml",
        "[vpn]\nrequired = false\ninterfaces = [\"wg0\"]\n",
    );
    let loaded = load_layers(vec![system, user, explicit]).unwrap();
    assert!(loaded.config.vpn.required);
    assert_eq!(loaded.config.vpn.interfaces, ["wg0"]);
    assert_eq!(
        loaded.notes,
        [
            "`vpn.required` set in /home/u/.config/deskside/config.toml is ignored: locked by system",
            "`vpn.required` set in /tmp/e.toml is ignored: locked by system",
        ]
    );
}

#[test]
fn section_lock_covers_every_key_and_unset_keys_keep_the_default() {
    let user = layer(
        SourceKind::User,
        USER,
        "[network]\ndns_timeout_ms = 9000\n[clock]\nwarn_offset_s = 5\n",
    );
    let policy = policy("[network]\nhttp_timeout_ms = 2000\n", &["network"]);
    let loaded = load_layers(vec![policy, user]).unwrap();
    assert_eq!(loaded.config.network.dns_timeout_ms, 1500);
    assert_eq!(loaded.config.network.http_timeout_ms, 2000);
    assert_eq!(loaded.config.clock.warn_offset_s, 5);
    let dns = &loaded.provenance["network.dns_timeout_ms"];
    assert_eq!((dns.source.kind, dns.locked), (SourceKind::Default, true));
    let http = &loaded.provenance["network.http_timeout_ms"];
    assert_eq!((http.source.kind, http.locked), (SourceKind::Policy, true));
    assert!(
        loaded
            .provenance
            .iter()
            .filter(|(k, _)| k.starts_with("network."))
            .all(|(_, p)| p.locked)
    );
    assert!(!loaded.provenance["clock.warn_offset_s"].locked);
    assert_eq!(
        loaded.notes,
        [
            "`network.dns_timeout_ms` set in /home/u/.config/deskside/config.toml is ignored: locked by policy"
        ]
    );
}

#[test]
fn unlocked_policy_keys_override_like_any_higher_layer() {
    let explicit = layer(
        SourceKind::Explicit,
        "/tmp/e.toml",
        "[clock]\nwarn_offset_s = 5\n",
    );
    let policy = policy("[clock]\nwarn_offset_s = 7\n", &[]);
    // Given first, the policy layer still applies last: precedence follows the kind.
    let loaded = load_layers(vec![policy, explicit]).unwrap();
    assert_eq!(loaded.config.clock.warn_offset_s, 7);
    assert!(loaded.notes.is_empty());
    let kinds: Vec<SourceKind> = loaded.layers.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            SourceKind::Default,
            SourceKind::Explicit,
            SourceKind::Policy
        ]
    );
}

#[test]
fn highest_locking_layer_owns_a_key_locked_twice() {
    let mut system = layer(
        SourceKind::System,
        "/etc/deskside/config.toml",
        "[system]\nuptime_warn_days = 3\n",
    );
    system.locked.insert("system".into());
    let policy = policy(
        "[system]\nuptime_warn_days = 30\n",
        &["system.uptime_warn_days"],
    );
    let loaded = load_layers(vec![system, policy]).unwrap();
    assert_eq!(loaded.config.system.uptime_warn_days, 30);
    assert_eq!(
        loaded.notes,
        ["`system.uptime_warn_days` set in /etc/deskside/config.toml is ignored: locked by policy"]
    );
}

#[test]
fn policy_layers_are_checked_like_files_but_a_bad_key_drops_only_that_key() {
    let p = policy(
        "[network]\ndns_names = 3\nprobe_url = []\ndns_timeout_ms = 900\n",
        &["netwrk", "network.dns_timeout_ms"],
    );
    let loaded = load_layers(vec![p]).unwrap();
    assert_eq!(loaded.config.network.dns_timeout_ms, 900);
    assert!(loaded.provenance["network.dns_timeout_ms"].locked);
    assert_eq!(loaded.config.network.dns_names, ["www.example.com"]);
    let messages: Vec<&str> = loaded
        .policy_errors
        .iter()
        .map(|e| e.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "/etc/deskside/policy.toml: key `network.dns_names`: expected a list of strings, found an integer",
            "/etc/deskside/policy.toml: unknown key `network.probe_url` (did you mean `probe_urls`?)",
            "/etc/deskside/policy.toml: cannot lock unknown key `netwrk` (did you mean `network`?)",
        ]
    );
    assert_eq!(loaded.policy_errors[0].code, "config.wrong_type");
    assert_eq!(
        loaded.policy_errors[0].key.as_deref(),
        Some("network.dns_names")
    );
}

#[test]
fn invalid_locked_value_is_blamed_on_the_policy_and_dropped() {
    let mut p = policy(
        "[disk]\nwarn_free_percent = 150\nfail_free_percent = 4\n",
        &["disk"],
    );
    p.source.path = None;
    let loaded = load_layers(vec![p]).unwrap();
    assert_eq!(
        loaded.policy_errors[0].message,
        "policy: key `disk.warn_free_percent`: expected a percentage from 0 to 100, found 150"
    );
    assert_eq!(loaded.policy_errors.len(), 1);
    // The bad key keeps the default; the good one of the same policy applies, still locked.
    assert!((loaded.config.disk.warn_free_percent - 10.0).abs() < f64::EPSILON);
    assert!((loaded.config.disk.fail_free_percent - 4.0).abs() < f64::EPSILON);
    assert!(loaded.provenance["disk.fail_free_percent"].locked);
}

#[test]
fn lock_set_is_empty_for_file_layers() {
    let l = layer(SourceKind::User, USER, "[clock]\nwarn_offset_s = 5\n");
    assert_eq!(l.locked, BTreeSet::new());
}

/// Regression (issue 15): a rule over two keys where only the other key came from policy
/// failed the whole load; now the policy's value is dropped, with an error naming the policy
/// source and the dropped key.
#[test]
fn cross_key_conflict_drops_the_policy_key_not_the_load() {
    const SYSTEM: &str = "/etc/deskside/config.toml";
    let system = layer(
        SourceKind::System,
        SYSTEM,
        "[helpdesk]\nkind = \"email\"\nsmtp_tls = \"none\"\nsmtp_host = \"127.0.0.1\"\n",
    );
    let p = policy("[helpdesk]\nsmtp_host = \"smtp.corp.example\"\n", &[]);
    let loaded = load_layers(vec![system, p]).unwrap();
    assert_eq!(loaded.policy_errors.len(), 1, "{:?}", loaded.policy_errors);
    let e = &loaded.policy_errors[0];
    assert_eq!(e.key.as_deref(), Some("helpdesk.smtp_host"));
    assert!(
        e.message.starts_with(
            "/etc/deskside/policy.toml: key `helpdesk.smtp_host`: dropped: it conflicts with `helpdesk.smtp_tls`: \"none\" (plain SMTP)"
        ),
        "{}",
        e.message
    );
    assert!(e.message.contains(SYSTEM), "{}", e.message);
    // The file's values stand; the policy's conflicting one is gone (and not locked).
    assert_eq!(
        loaded.config.helpdesk.smtp_host.as_deref(),
        Some("127.0.0.1")
    );
    assert_eq!(loaded.config.helpdesk.smtp_tls, "none");
    assert!(!loaded.provenance["helpdesk.smtp_host"].locked);

    // The same with recommended policy on the other side of an ordering: the user's
    // fail threshold stays, the recommended warn threshold below it is dropped.
    let recommended = Layer {
        source: Source {
            kind: SourceKind::Recommended,
            path: Some(PathBuf::from("/etc/deskside/policies/recommended/10.toml")),
        },
        ..policy("[disk]\nwarn_free_percent = 6.0\n", &[])
    };
    let user = layer(SourceKind::User, USER, "[disk]\nfail_free_percent = 8.0\n");
    let loaded = load_layers(vec![recommended, user]).unwrap();
    assert_eq!(loaded.policy_errors.len(), 1, "{:?}", loaded.policy_errors);
    assert_eq!(
        loaded.policy_errors[0].key.as_deref(),
        Some("disk.warn_free_percent")
    );
    assert!(
        loaded.policy_errors[0]
            .message
            .contains("/etc/deskside/policies/recommended/10.toml"),
        "{}",
        loaded.policy_errors[0].message
    );
    assert!((loaded.config.disk.fail_free_percent - 8.0).abs() < f64::EPSILON);
    assert!((loaded.config.disk.warn_free_percent - 10.0).abs() < f64::EPSILON);

    // Two files in conflict still refuse the load: no policy value to drop.
    let system = layer(
        SourceKind::System,
        SYSTEM,
        "[helpdesk]\nsmtp_tls = \"none\"\nsmtp_host = \"smtp.corp.example\"\n",
    );
    assert!(load_layers(vec![system]).is_err());
}
