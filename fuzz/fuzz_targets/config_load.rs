//! The config loader on arbitrary file text: parse and check a layer, then merge it with the
//! defaults, as a user file and as a managed-policy layer that locks every section and key it
//! names. Like `crates/deskside-config/tests/robustness.rs`, but coverage-guided: the result
//! is `Ok` or a typed error whose message names the file. Never a panic.
#![no_main]

use std::path::Path;

use deskside_config::{ConfigError, Layer, SourceKind, load_layers};
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

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
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
