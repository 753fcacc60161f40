//! Keys that run programs (`fixes.actions`) are IT's alone: accepted from the system file and
//! policy, refused with `config.admin_only` from the user and explicit files.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a panic is the failure report"
)]

use std::path::Path;

use deskside_config::{Layer, SourceKind, load_layers};

const ACTION: &str = r#"
[[fixes.actions]]
id = "restart-agent"
title = "Restart the management agent"
program = "/usr/bin/systemctl"
args = ["restart", "acme-agent.service"]
elevate = true
addresses = ["system.uptime"]
"#;

fn layer(kind: SourceKind, path: &str, text: &str) -> Layer {
    Layer::from_str(kind, Some(Path::new(path)), text).unwrap()
}

#[test]
fn actions_from_the_system_file_are_accepted() {
    let loaded = load_layers(vec![layer(
        SourceKind::System,
        "/etc/deskside/config.toml",
        ACTION,
    )])
    .unwrap();
    let actions = &loaded.config.fixes.actions;
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0].id, "restart-agent");
    assert_eq!(actions[0].args, ["restart", "acme-agent.service"]);
    assert!(actions[0].elevate);
    assert_eq!(actions[0].timeout_s, 60);
}

#[test]
fn actions_from_user_or_explicit_files_are_refused() {
    for (kind, path) in [
        (SourceKind::User, "/home/u/.config/deskside/config.toml"),
        (SourceKind::Explicit, "/tmp/mine.toml"),
    ] {
        let err = load_layers(vec![layer(kind, path, ACTION)]).unwrap_err();
        assert_eq!(err.code(), "config.admin_only");
        assert_eq!(err.key(), Some("fixes.actions"));
        let text = err.to_string();
        assert!(text.contains(path), "{text}");
        assert!(
            text.contains("system config file or a managed policy"),
            "{text}"
        );
    }
}

#[test]
fn bad_actions_name_the_item_and_the_problem() {
    for (text, needle) in [
        (
            ACTION.replace("/usr/bin/systemctl", "systemctl"),
            "must be an absolute path",
        ),
        (
            ACTION.replace("restart-agent", "Restart Agent"),
            "`id` must be",
        ),
        (format!("{ACTION}{ACTION}"), "used by an earlier action"),
        (
            ACTION.replace("elevate = true", "timeout_s = 0"),
            "`timeout_s` must be between 1 and 3600",
        ),
    ] {
        let err = load_layers(vec![layer(
            SourceKind::System,
            "/etc/deskside/config.toml",
            &text,
        )])
        .unwrap_err();
        assert_eq!(err.key(), Some("fixes.actions"), "{err}");
        assert!(err.to_string().contains(needle), "{err}");
        assert!(err.to_string().contains("item 1") || err.to_string().contains("item 2"));
    }
    let err = Layer::from_str(
        SourceKind::System,
        None,
        &ACTION.replace("elevate", "shell"),
    )
    .unwrap_err();
    assert_eq!(err.code(), "config.unknown_key");
}

#[test]
fn an_empty_string_clears_any_text_key() {
    let system = layer(
        SourceKind::System,
        "/etc/deskside/config.toml",
        "[helpdesk]\nkind = \"rt\"\nurl = \"http://127.0.0.1:1/\"\n[branding]\naccent_color = \"#112233\"\n",
    );
    let user = layer(
        SourceKind::User,
        "/home/u/.config/deskside/config.toml",
        "[helpdesk]\nurl = \"\"\n[branding]\naccent_color = \"\"\n",
    );
    let loaded = load_layers(vec![system, user]).unwrap();
    assert_eq!(loaded.config.helpdesk.kind.as_deref(), Some("rt"));
    assert_eq!(loaded.config.helpdesk.url, None);
    assert_eq!(loaded.config.branding.accent_color, "#1d4ed8");
}

#[test]
fn vpn_client_must_be_one_reconnect_can_drive() {
    let ok = "[vpn]\nclient = \"networkmanager\"\nconnection = \"Corp VPN\"\n";
    assert!(load_layers(vec![layer(SourceKind::User, "/u.toml", ok)]).is_ok());
    for (text, key) in [
        ("[vpn]\nclient = \"cisco\"\n", "vpn.client"),
        (
            "[vpn]\nconnection = \"--config=/tmp/x\"\n",
            "vpn.connection",
        ),
    ] {
        let err = load_layers(vec![layer(SourceKind::User, "/u.toml", text)]).unwrap_err();
        assert_eq!(err.key(), Some(key), "{err}");
        assert!(err.to_string().contains("expected"), "{err}");
    }
}
