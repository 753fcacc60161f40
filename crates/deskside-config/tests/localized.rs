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

#[test]
fn branding_contact_block_and_links_are_checked_and_localised() {
    let text = "[branding]\nproduct_name = { default = \"Acme Help\", de = \"Acme Hilfe\" }\n\
                contact_phone = \"+1 555 0100\"\ncontact_email = \"it@corp.example\"\n\
                contact_portal = \"https://it.corp.example/\"\n\
                contact_hours = { default = \"Mon-Fri 8-18\", de = \"Mo-Fr 8-18 Uhr\" }\n\
                support_links = [\"Known issues = https://status.corp.example/\"]\n\
                accent_color = \"#0b3d91\"\n";
    let layer = Layer::from_str(SourceKind::System, None, text).unwrap();
    let loaded = load_layers_for(vec![layer], Some("de-DE")).unwrap();
    let b = &loaded.config.branding;
    assert_eq!(b.product_name.as_deref(), Some("Acme Hilfe"));
    assert_eq!(b.contact_hours.as_deref(), Some("Mo-Fr 8-18 Uhr"));
    assert_eq!(b.support_links.len(), 1);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);

    for (bad, key) in [
        ("contact_email = \"it at corp\"", "branding.contact_email"),
        (
            "support_links = [\"no url here\"]",
            "branding.support_links",
        ),
        (
            "contact_portal = \"ftp://it.corp.example/\"",
            "branding.contact_portal",
        ),
    ] {
        let layer =
            Layer::from_str(SourceKind::System, None, &format!("[branding]\n{bad}\n")).unwrap();
        let err = load_layers(vec![layer]).unwrap_err();
        assert_eq!(err.key(), Some(key), "{err}");
    }
}

#[test]
fn an_accent_under_aa_contrast_is_a_warning_not_an_error() {
    let layer = Layer::from_str(
        SourceKind::System,
        None,
        "[branding]\naccent_color = \"#ffdd00\"\n",
    )
    .unwrap();
    let loaded = load_layers(vec![layer]).unwrap();
    assert_eq!(loaded.config.branding.accent_color, "#ffdd00");
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.contains("branding.accent_color")
                && w.contains("light theme")
                && w.contains("4.5:1")),
        "{:?}",
        loaded.warnings
    );
}
