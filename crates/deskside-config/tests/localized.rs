//! Localised admin text: a plain string or a `{ default, de, fr-CA, … }` table, resolved for the
//! user's locale with BCP 47 fallback when the configuration is loaded, in files and in policy,
//! for text keys and admin action titles; a malformed table drops (policy) or refuses (file)
//! that key only, naming it.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a panic is the failure report"
)]

use std::path::Path;

use deskside_config::{
    ENV_EXPLICIT, ENV_SYSTEM, ENV_USER, Layer, LoadOptions, Os, SourceKind, load, load_layers,
    load_layers_for,
};

const SYSTEM: &str = "[branding]\norganization = { default = \"Acme IT\", de = \"Acme-IT\", de-CH = \"Acme-IT Schweiz\" }\n\
[[fixes.actions]]\nid = \"restart-agent\"\ntitle = { default = \"Restart the agent\", fr = \"Redémarrer l'agent\" }\n\
description = \"Restarts the management agent.\"\nprogram = \"/usr/bin/systemctl\"\n";

fn system() -> Layer {
    Layer::from_str(
        SourceKind::System,
        Some(Path::new("/etc/deskside/config.toml")),
        SYSTEM,
    )
    .unwrap()
}

#[test]
fn tables_resolve_by_locale_with_fallback() {
    for (locale, org, title) in [
        (Some("de-CH"), "Acme-IT Schweiz", "Restart the agent"),
        (Some("de-AT"), "Acme-IT", "Restart the agent"),
        (Some("fr-FR"), "Acme IT", "Redémarrer l'agent"),
        (None, "Acme IT", "Restart the agent"),
    ] {
        let loaded = load_layers_for(vec![system()], locale).unwrap();
        assert_eq!(
            loaded.config.branding.organization.as_deref(),
            Some(org),
            "{locale:?}"
        );
        assert_eq!(loaded.config.fixes.actions[0].title, title, "{locale:?}");
        assert_eq!(
            loaded.config.fixes.actions[0].description.as_deref(),
            Some("Restarts the management agent.")
        );
    }
}

#[test]
fn the_locale_comes_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    std::fs::write(&file, SYSTEM).unwrap();
    let opts = LoadOptions::from_vars(
        Os::Linux,
        None,
        [
            (ENV_SYSTEM, file.display().to_string()),
            (ENV_USER, String::new()),
            (ENV_EXPLICIT, String::new()),
            ("LANG", "de_CH.UTF-8".to_owned()),
        ],
    );
    let loaded = load(&opts).unwrap();
    assert_eq!(
        loaded.config.branding.organization.as_deref(),
        Some("Acme-IT Schweiz")
    );
}

#[test]
fn a_table_without_default_is_an_error_naming_the_key() {
    let text = "[branding]\norganization = { de = \"Acme-IT\" }\n";
    let err = Layer::from_str(SourceKind::User, Some(Path::new("/u.toml")), text).unwrap_err();
    assert_eq!(err.key(), Some("branding.organization"));
    assert!(err.to_string().contains("`default`"), "{err}");

    // In policy, only that key is dropped.
    let (layer, errors) = Layer::from_str_lenient(
        SourceKind::Policy,
        Some(Path::new("/p.toml")),
        &format!("{text}[vpn]\nrequired = true\n"),
    )
    .unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].key(), Some("branding.organization"));
    let loaded = load_layers(vec![layer]).unwrap();
    assert!(loaded.config.vpn.required);
    assert_eq!(loaded.config.branding.organization, None);
}

#[test]
fn a_plain_key_does_not_take_a_table() {
    let text = "[helpdesk]\nqueue = { default = \"General\" }\n";
    let err = Layer::from_str(SourceKind::System, None, text).unwrap_err();
    assert_eq!(err.code(), "config.wrong_type", "{err}");
}
