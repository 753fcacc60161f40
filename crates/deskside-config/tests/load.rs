//! Loading real files from a temp directory: precedence, provenance, missing files, errors that
//! name the file, and the `config show` JSON.

mod support;

use deskside_config::{Config, ConfigError, ENV_EXPLICIT, ENV_USER, SourceKind, load};
use support::TestEnv;

/// Leaf keys of the typed config (`section.key`), counted from its serialized form.
fn leaf_key_count() -> usize {
    let value = serde_json::to_value(Config::default()).unwrap_or_default();
    let sections = value.as_object().map(|o| o.values().collect::<Vec<_>>());
    let count: usize = sections
        .unwrap_or_default()
        .iter()
        .map(|t| t.as_object().map_or(0, serde_json::Map::len))
        .sum();
    assert!(count > 0, "the config serializes to sections of keys");
    count
}

#[test]
fn no_files_gives_the_defaults() {
    let env = TestEnv::new();
    let loaded = load(&env.options(None, None, None, &[])).unwrap();
    assert_eq!(loaded.config, Config::default());
    assert!(loaded.notes.is_empty());
    assert_eq!(loaded.layers.len(), 1);
    assert_eq!(loaded.provenance.len(), leaf_key_count());
    assert!(
        loaded
            .provenance
            .values()
            .all(|p| p.source.kind == SourceKind::Default && !p.locked)
    );
}

#[test]
fn later_layers_win_per_leaf_key_and_lists_are_replaced() {
    let env = TestEnv::new();
    let system = env.write(
        "etc/config.toml",
        "[network]\ndns_timeout_ms = 1000\nprobe_urls = [\"http://a.test/\", \"http://b.test/\"]\n[vpn]\nrequired = true\n",
    );
    let user = env.write(
        "user/config.toml",
        "[network]\ndns_timeout_ms = 2000\nprobe_urls = [\"https://c.test/\"]\n",
    );
    let explicit = env.write("explicit.toml", "[network]\nhttp_timeout_ms = 4000\n");
    let loaded = load(&env.options(Some(&system), Some(&user), Some(&explicit), &[])).unwrap();

    let n = &loaded.config.network;
    assert_eq!(n.dns_timeout_ms, 2000);
    assert_eq!(n.probe_urls, vec!["https://c.test/".to_owned()]);
    assert_eq!(n.http_timeout_ms, 4000);
    assert!(loaded.config.vpn.required);
    assert_eq!(n.quality_samples, 20);

    let source = |key: &str| {
        let p = &loaded.provenance[key];
        (p.source.kind, p.source.path.clone())
    };
    assert_eq!(
        source("network.dns_timeout_ms"),
        (SourceKind::User, Some(user.clone()))
    );
    assert_eq!(
        source("network.probe_urls"),
        (SourceKind::User, Some(user.clone()))
    );
    assert_eq!(
        source("network.http_timeout_ms"),
        (SourceKind::Explicit, Some(explicit.clone()))
    );
    assert_eq!(
        source("vpn.required"),
        (SourceKind::System, Some(system.clone()))
    );
    assert_eq!(source("clock.warn_offset_s"), (SourceKind::Default, None));
    let kinds: Vec<SourceKind> = loaded.layers.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            SourceKind::Default,
            SourceKind::System,
            SourceKind::User,
            SourceKind::Explicit
        ]
    );
}

#[test]
fn missing_system_and_user_files_are_skipped() {
    let env = TestEnv::new();
    let loaded = load(&env.options(
        Some(&env.path("nope/system.toml")),
        Some(&env.path("nope/user.toml")),
        None,
        &[],
    ))
    .unwrap();
    assert_eq!(loaded.layers.len(), 1);
}

#[test]
fn missing_explicit_file_is_an_error_naming_it() {
    let env = TestEnv::new();
    let missing = env.path("missing.toml");
    let err = load(&env.options(None, None, Some(&missing), &[])).unwrap_err();
    assert_eq!(err.code(), "config.unreadable");
    assert!(
        err.to_string()
            .starts_with(&format!("{}: cannot read config file", missing.display())),
        "{err}"
    );
}

#[test]
fn explicit_file_from_the_environment() {
    let env = TestEnv::new();
    let explicit = env.write("e.toml", "[clock]\nwarn_offset_s = 30\n");
    let value = explicit.display().to_string();
    let loaded = load(&env.options(None, None, None, &[(ENV_EXPLICIT, &value)])).unwrap();
    assert_eq!(loaded.config.clock.warn_offset_s, 30);
    assert_eq!(
        loaded.provenance["clock.warn_offset_s"].source.kind,
        SourceKind::Explicit
    );
}

#[test]
fn user_file_found_through_home() {
    let env = TestEnv::new();
    let user = env.write(
        ".config/deskside/config.toml",
        "[system]\nuptime_warn_days = 7\n",
    );
    let mut opts = env.options(None, None, None, &[]);
    let home = env.dir.path().display().to_string();
    opts.env = Box::new(move |name| match name {
        "HOME" => Some(home.clone()),
        "DESKSIDE_SYSTEM_CONFIG" => Some(String::new()),
        _ => None,
    });
    assert_eq!(opts.paths().user.as_deref(), Some(user.as_path()));
    let loaded = load(&opts).unwrap();
    assert_eq!(loaded.config.system.uptime_warn_days, 7);
    assert_eq!(
        loaded.provenance["system.uptime_warn_days"]
            .source
            .path
            .as_deref(),
        Some(user.as_path())
    );
}

#[test]
fn empty_override_skips_the_user_layer() {
    let env = TestEnv::new();
    env.write(
        ".config/deskside/config.toml",
        "[system]\nuptime_warn_days = 7\n",
    );
    let opts = env.options(None, None, None, &[(ENV_USER, "")]);
    assert_eq!(load(&opts).unwrap().config.system.uptime_warn_days, 14);
}

#[test]
fn errors_name_the_real_file() {
    let env = TestEnv::new();
    let user = env.write("u.toml", "[network]\ndns_nmes = [\"a\"]\n");
    let err = load(&env.options(None, Some(&user), None, &[])).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: unknown key `network.dns_nmes` (did you mean `dns_names`?) (line 2)",
            user.display()
        )
    );
}

#[test]
fn cross_layer_ordering_error_names_both_files() {
    let env = TestEnv::new();
    let system = env.write("s.toml", "[disk]\nfail_free_percent = 8\n");
    let user = env.write("u.toml", "[disk]\nwarn_free_percent = 6\n");
    let err = load(&env.options(Some(&system), Some(&user), None, &[])).unwrap_err();
    assert_eq!(err.code(), "config.invalid_value");
    assert_eq!(
        err.to_string(),
        format!(
            "{}: key `disk.fail_free_percent`: must be less than `disk.warn_free_percent` (6, from {}), found 8 (line 2)",
            system.display(),
            user.display()
        )
    );
}

#[test]
fn ordering_error_against_a_default_blames_the_changed_key() {
    let env = TestEnv::new();
    let user = env.write("u.toml", "[clock]\nfail_offset_s = 10\n");
    let err = load(&env.options(None, Some(&user), None, &[])).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: key `clock.fail_offset_s`: must be greater than `clock.warn_offset_s` (60, from default), found 10 (line 2)",
            user.display()
        )
    );
}

#[test]
fn semantic_errors_name_key_and_expectation() {
    let env = TestEnv::new();
    let cases: &[(&str, &str)] = &[
        (
            "[disk]\nwarn_free_percent = 120\n",
            "key `disk.warn_free_percent`: expected a percentage from 0 to 100, found 120",
        ),
        (
            "[disk]\nwarn_free_percent = nan\n",
            "key `disk.warn_free_percent`: expected a percentage from 0 to 100, found NaN",
        ),
        (
            "[network]\ndns_timeout_ms = 0\n",
            "key `network.dns_timeout_ms`: expected a value from 1 to 60000, found 0",
        ),
        (
            "[network]\nhttp_timeout_ms = 60001\n",
            "key `network.http_timeout_ms`: expected a value from 1 to 60000, found 60001",
        ),
        (
            "[network]\nquality_samples = 0\n",
            "key `network.quality_samples`: expected a value from 1 to 200, found 0",
        ),
        (
            "[network]\nprobe_urls = []\n",
            "key `network.probe_urls`: expected at least one item, found an empty list",
        ),
        (
            "[network]\nprobe_urls = [\"ftp://x.test/\"]\n",
            "key `network.probe_urls`: expected an http:// or https:// URL, found \"ftp://x.test/\" (scheme `ftp` is not http or https)",
        ),
        (
            "[network]\nprobe_urls = [\"http://ok.test/\", \"not a url\"]\n",
            "key `network.probe_urls`: item 2: expected an http:// or https:// URL, found \"not a url\" (relative URL without a base)",
        ),
        (
            "[network]\npac_url = \"file:///etc/proxy.pac\"\n",
            "key `network.pac_url`: expected an http:// or https:// URL, found \"file:///etc/proxy.pac\" (scheme `file` is not http or https)",
        ),
        (
            "[network]\ndns_names = [\"a b\"]\n",
            "key `network.dns_names`: expected a host name such as \"intranet.example.com\", found a name containing whitespace (\"a b\")",
        ),
        (
            "[vpn]\ninternal_names = [\"ok\", \"\"]\n",
            "key `vpn.internal_names`: item 2: expected a host name such as \"intranet.example.com\", found an empty name (\"\")",
        ),
        (
            "[vpn]\ninterfaces = [\"wg*\", \" \"]\n",
            "key `vpn.interfaces`: item 2: expected a non-empty glob pattern such as \"wg*\"",
        ),
        (
            "[vpn]\nhandshake_max_age_s = 0\n",
            "key `vpn.handshake_max_age_s`: expected a value greater than 0, found 0",
        ),
        (
            "[disk]\npaths = [\"\"]\n",
            "key `disk.paths`: expected a non-empty path, found \"\"",
        ),
        (
            "[network]\nwarn_latency_ms = 600\n",
            "key `network.warn_latency_ms`: must be less than `network.fail_latency_ms` (600, from default), found 600",
        ),
    ];
    for (text, expected) in cases {
        let user = env.write("u.toml", text);
        let err = load(&env.options(None, Some(&user), None, &[])).unwrap_err();
        assert_eq!(err.code(), "config.invalid_value", "{text}");
        let message = err.to_string();
        let prefix = format!("{}: ", user.display());
        assert!(message.starts_with(&prefix), "{message}");
        assert!(
            message[prefix.len()..].starts_with(expected),
            "{text}\n got: {message}\nwant: {expected}"
        );
    }
}

#[test]
fn valid_values_load() {
    let env = TestEnv::new();
    let user = env.write(
        "u.toml",
        r#"
[network]
probe_urls = ["https://probe.test/ok"]
probe_expect_body = "Success"
dns_names = ["intranet.test"]
quality_samples = 200
warn_loss_percent = 0
fail_loss_percent = 100
pac_url = "http://wpad.test/wpad.dat"

[vpn]
required = true
interfaces = ["wg0"]
corporate_subnets = ["10.0.0.0/8", "fd00::/8"]
internal_names = ["git.corp.test"]
internal_urls = ["https://git.corp.test/"]

[disk]
paths = ["/", "/home"]
warn_free_percent = 20.5
fail_free_percent = 0

[clock]
warn_offset_s = 1
fail_offset_s = 2
"#,
    );
    let c = load(&env.options(None, Some(&user), None, &[]))
        .unwrap()
        .config;
    assert_eq!(c.vpn.corporate_subnets.len(), 2);
    assert_eq!(c.network.probe_expect_body.as_deref(), Some("Success"));
    assert!((c.disk.warn_free_percent - 20.5).abs() < f64::EPSILON);
}

#[test]
fn empty_string_unsets_an_optional_key() {
    let env = TestEnv::new();
    let system = env.write(
        "s.toml",
        "[network]\npac_url = \"http://wpad.test/wpad.dat\"\n",
    );
    let user = env.write("u.toml", "[network]\npac_url = \"\"\n");
    let loaded = load(&env.options(Some(&system), Some(&user), None, &[])).unwrap();
    assert_eq!(loaded.config.network.pac_url, None);
    let only_system = load(&env.options(Some(&system), None, None, &[])).unwrap();
    assert_eq!(
        only_system.config.network.pac_url.as_deref(),
        Some("http://wpad.test/wpad.dat")
    );
}

#[test]
fn huge_file_is_refused_as_too_large() {
    let env = TestEnv::new();
    let mut text = String::from("[network]\n");
    while text.len() <= 1024 * 1024 {
        text.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    let user = env.write("u.toml", text);
    let err = load(&env.options(None, Some(&user), None, &[])).unwrap_err();
    assert_eq!(err.code(), "config.too_large");
    assert!(
        err.to_string()
            .starts_with(&format!("{}: file too large (", user.display())),
        "{err}"
    );
}

#[test]
fn non_utf8_file_is_refused_with_its_line() {
    let env = TestEnv::new();
    let user = env.write("u.toml", b"[network]\ndns_names = [\"caf\xe9\"]\n");
    let err = load(&env.options(None, Some(&user), None, &[])).unwrap_err();
    assert_eq!(err.code(), "config.not_utf8");
    assert_eq!(
        err.to_string(),
        format!(
            "{}: not valid UTF-8 text (line 2); save the file as UTF-8",
            user.display()
        )
    );
}

#[test]
fn a_directory_is_unreadable() {
    let env = TestEnv::new();
    let err = load(&env.options(None, Some(env.dir.path()), None, &[])).unwrap_err();
    assert!(matches!(err, ConfigError::Unreadable { .. }), "{err:?}");
}

#[test]
fn show_json_has_values_sources_and_layers() {
    let env = TestEnv::new();
    let user = env.write("u.toml", "[vpn]\ncorporate_subnets = [\"10.0.0.0/8\"]\n");
    let json = load(&env.options(None, Some(&user), None, &[]))
        .unwrap()
        .to_show_json();
    let key = &json["keys"]["vpn.corporate_subnets"];
    assert_eq!(key["value"], serde_json::json!(["10.0.0.0/8"]));
    assert_eq!(key["source"], "user");
    assert_eq!(key["path"], user.display().to_string());
    assert_eq!(key["locked"], false);
    let default_key = &json["keys"]["network.pac_url"];
    assert_eq!(default_key["value"], serde_json::Value::Null);
    assert_eq!(default_key["source"], "default");
    assert_eq!(json["config"]["clock"]["fail_offset_s"], 300);
    assert_eq!(
        json["layers"][0],
        serde_json::json!({"source": "default", "path": null})
    );
    assert_eq!(json["layers"][1]["source"], "user");
    assert_eq!(json["notes"], serde_json::json!([]));
    assert_eq!(json["keys"].as_object().unwrap().len(), leaf_key_count());
}

#[test]
fn app_and_branding_keys_are_validated() {
    let env = TestEnv::new();
    for (text, key) in [
        (
            "[branding]\naccent_color = \"blue\"\n",
            "branding.accent_color",
        ),
        ("[app]\ncheck_interval_s = 5\n", "app.check_interval_s"),
        ("[app]\nautostart = \"yes\"\n", "app.autostart"),
    ] {
        let file = env.write("bad.toml", text);
        let err = load(&env.options(None, None, Some(&file), &[])).unwrap_err();
        assert!(err.to_string().contains(key), "{text}: {err}");
    }
    let file = env.write("ok.toml", "[branding]\norganization = \"Acme\"\naccent_color = \"#0a7f3c\"\n[app]\nautostart = false\n");
    let ok = load(&env.options(None, None, Some(&file), &[])).unwrap();
    assert_eq!(ok.config.branding.organization.as_deref(), Some("Acme"));
    assert!(!ok.config.app.autostart);
}
