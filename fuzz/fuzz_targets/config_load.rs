//! The config loader on arbitrary file text: parse and check a layer, then merge it with the
//! defaults, as a user file and as a managed-policy layer that locks every section and key it
//! names; and the policy readers on arbitrary bytes: a `reg export` file (UTF-16LE or UTF-8)
//! through the registry mapping, a managed-preferences property list and a `.mobileconfig`,
//! each merged over the defaults; the macOS preferred-locale reader and localised-text
//! resolution (a translations table, for a locale taken from the input). Like `crates/deskside-config/tests/robustness.rs`, but
//! coverage-guided: the result is `Ok` or a typed error whose message names its source. Never
//! a panic.
#![no_main]

use std::path::Path;

use deskside_config::policy::{MACOS_BUNDLE_ID, PolicyRead, macos, windows};
use deskside_config::{ConfigError, Layer, SourceKind, load_layers, load_layers_for, localized};
use libfuzzer_sys::fuzz_target;

const USER: &str = "/home/u/.config/deskside/config.toml";
const POLICY: &str = "/etc/deskside/policy.toml";

fn check(result: Result<deskside_config::Loaded, ConfigError>) {
    if let Err(err) = result {
        let message = err.to_string();
        assert!(
            message.starts_with(USER) || message.starts_with(POLICY),
            "error does not name its file: {message}"
        );
        assert!(err.code().starts_with("config."), "code {}", err.code());
    }
}

/// Policy errors carry a `config.*` code; the merge is `Ok` or a typed error.
fn check_policy(read: PolicyRead) {
    for e in &read.errors {
        assert!(e.code().starts_with("config."), "code {}", e.code());
    }
    match load_layers(read.layers) {
        Ok(loaded) => {
            for e in &loaded.policy_errors {
                assert!(e.code.starts_with("config."), "code {}", e.code);
            }
        }
        Err(e) => assert!(e.code().starts_with("config."), "code {}", e.code()),
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = windows::decode_reg_file("fuzz.reg", data)
        && let Ok(values) = windows::parse_reg_export("fuzz.reg", &text)
    {
        check_policy(windows::layers_from_values(&values));
    }
    check_policy(macos::layers_from_plist("fuzz.plist", data));
    check_policy(macos::layers_from_mobileconfig(
        "fuzz.mobileconfig",
        data,
        MACOS_BUNDLE_ID,
    ));
    if let Some(locale) = localized::macos_preferred_locale(data) {
        assert!(localized::is_tag(&locale), "{locale}");
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The first line as a locale, the rest as a file whose translations resolve for it.
    let (locale, rest) = text.split_once('\n').unwrap_or((text, ""));
    if let Ok(user) = Layer::from_str(SourceKind::User, Some(Path::new(USER)), rest) {
        check(load_layers_for(vec![user], Some(locale)));
    }
    let user = Layer::from_str(SourceKind::User, Some(Path::new(USER)), text);
    let policy = Layer::from_str(SourceKind::Policy, Some(Path::new(POLICY)), text);
    if let Ok(user) = &user {
        check(load_layers(vec![user.clone()]));
    }
    if let Ok(mut policy) = policy {
        let mut locks = Vec::new();
        for (section, values) in &policy.table {
            locks.push(section.clone());
            for name in values.as_table().into_iter().flatten().map(|(n, _)| n) {
                locks.push(format!("{section}.{name}"));
            }
        }
        policy.locked.extend(locks);
        let mut layers = vec![policy];
        if let Ok(user) = user {
            layers.push(user);
        }
        check(load_layers(layers));
    }
});
