//! Admin-only keys. Keys that run programs (`fixes.actions`) are accepted from the system file
//! and policy and refused with `config.admin_only` from the user and explicit files; keys that
//! carry or direct a credential are ignored with a note from a layer that is not admin-owned.
//! Ownership of real files is decided from their owner and mode: the suite runs as root, so a
//! temp file is root-owned, and `chown` to another uid makes one that is not.

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
        "[helpdesk]\nkind = \"\"\n[branding]\naccent_color = \"\"\n",
    );
    let loaded = load_layers(vec![system, user]).unwrap();
    assert_eq!(loaded.config.helpdesk.kind, None);
    assert_eq!(
        loaded.config.helpdesk.url.as_deref(),
        Some("http://127.0.0.1:1/")
    );
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
        let err = load_layers(vec![layer(SourceKind::System, "/s.toml", text)]).unwrap_err();
        assert_eq!(err.key(), Some(key), "{err}");
        assert!(err.to_string().contains("expected"), "{err}");
    }
}

const SYSTEM: &str = "/etc/deskside/config.toml";
const USER: &str = "/home/u/.config/deskside/config.toml";
const HELPDESK: &str =
    "[helpdesk]\nkind = \"rt\"\nurl = \"https://rt.corp.example/\"\ntoken = \"admin-token\"\n";

/// The attack this closes: the system layer supplies the token, a user file re-points the URL.
#[test]
fn a_user_file_cannot_repoint_the_helpdesk_url_the_system_token_goes_to() {
    let user = layer(
        SourceKind::User,
        USER,
        "[helpdesk]\nurl = \"https://evil.example/\"\ntoken = \"x\"\nsmtp_host = \"mail.evil.example\"\n[vpn]\nconnection = \"/home/u/wg.conf\"\n[security]\nallow_http_hosts = [\"evil.example\"]\n[clock]\nwarn_offset_s = 30\n",
    );
    let loaded = load_layers(vec![layer(SourceKind::System, SYSTEM, HELPDESK), user]).unwrap();
    let h = &loaded.config.helpdesk;
    assert_eq!(h.url.as_deref(), Some("https://rt.corp.example/"));
    assert_eq!(h.token.as_deref(), Some("admin-token"));
    assert_eq!(h.smtp_host, None);
    assert_eq!(loaded.config.vpn.connection, None);
    assert!(loaded.config.security.allow_http_hosts.is_empty());
    assert_eq!(
        loaded.config.clock.warn_offset_s, 30,
        "other keys still apply"
    );
    assert_eq!(
        loaded.provenance["helpdesk.url"].source.kind,
        SourceKind::System
    );
    for key in [
        "helpdesk.url",
        "helpdesk.token",
        "helpdesk.smtp_host",
        "vpn.connection",
        "security.allow_http_hosts",
    ] {
        let note = loaded
            .notes
            .iter()
            .find(|n| n.starts_with(&format!("`{key}` set in {USER} is ignored")))
            .unwrap_or_else(|| panic!("no note for {key}: {:?}", loaded.notes));
        assert!(note.contains("not admin-owned"), "{note}");
        assert!(note.contains("the user's own config file"), "{note}");
    }
    assert_eq!(loaded.notes.len(), 5, "{:?}", loaded.notes);
    let json = loaded.to_show_json();
    assert_eq!(json["notes"].as_array().map(Vec::len), Some(5));
    assert_eq!(json["keys"]["helpdesk.url"]["source"], "system");
}

#[test]
fn an_explicit_file_built_from_text_is_not_admin_owned() {
    let explicit = layer(
        SourceKind::Explicit,
        "/tmp/mine.toml",
        "[helpdesk]\nurl = \"https://elsewhere.example/\"\n",
    );
    let loaded = load_layers(vec![layer(SourceKind::System, SYSTEM, HELPDESK), explicit]).unwrap();
    assert_eq!(
        loaded.config.helpdesk.url.as_deref(),
        Some("https://rt.corp.example/")
    );
    assert!(
        loaded.notes[0].contains("this explicit file is not admin-owned"),
        "{:?}",
        loaded.notes
    );
}

#[test]
fn plain_http_to_another_host_is_refused_naming_key_file_and_remedy() {
    let text = HELPDESK.replace("https://rt.corp.example/", "http://rt.corp.example/");
    let err = load_layers(vec![layer(SourceKind::System, SYSTEM, &text)]).unwrap_err();
    assert_eq!(err.code(), "config.insecure_url");
    assert_eq!(err.key(), Some("helpdesk.url"));
    let msg = err.to_string();
    assert!(msg.starts_with(SYSTEM), "{msg}");
    assert!(msg.contains("(in the system config)"), "{msg}");
    assert!(msg.contains("use an https:// URL"), "{msg}");
    assert!(
        msg.contains(r#"allow_http_hosts = ["rt.corp.example"]"#),
        "{msg}"
    );
}

#[test]
fn plain_http_to_this_machine_is_accepted_without_warning() {
    for url in [
        "http://127.0.0.1:8080/",
        "http://127.1.2.3/",
        "http://[::1]:9/",
        "http://localhost/",
        "http://LOCALHOST:1/",
    ] {
        let text = HELPDESK.replace("https://rt.corp.example/", url);
        let loaded = load_layers(vec![layer(SourceKind::System, SYSTEM, &text)])
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        assert!(loaded.warnings.is_empty(), "{url}: {:?}", loaded.warnings);
    }
    for url in [
        "http://128.0.0.1/",
        "http://[::2]/",
        "http://localhost.evil.example/",
    ] {
        let text = HELPDESK.replace("https://rt.corp.example/", url);
        let err = load_layers(vec![layer(SourceKind::System, SYSTEM, &text)]).unwrap_err();
        assert_eq!(err.code(), "config.insecure_url", "{url}");
    }
}

#[test]
fn an_allowed_host_gets_plain_http_with_a_warning() {
    let text = format!(
        "{}[security]\nallow_http_hosts = [\"RT.corp.example\", \"[fd00::1]\"]\n",
        HELPDESK.replace(
            "https://rt.corp.example/",
            "http://rt.corp.example:8080/rt/"
        )
    );
    let loaded = load_layers(vec![layer(SourceKind::System, SYSTEM, &text)]).unwrap();
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    let w = &loaded.warnings[0];
    assert!(w.contains("`helpdesk.url`"), "{w}");
    assert!(w.contains("plain http:// to rt.corp.example"), "{w}");
    assert!(w.contains(SYSTEM), "{w}");
    assert_eq!(loaded.to_show_json()["warnings"][0], w.as_str());
    let v6 = text.replace("http://rt.corp.example:8080/rt/", "http://[fd00::1]/");
    assert_eq!(
        load_layers(vec![layer(SourceKind::System, SYSTEM, &v6)])
            .unwrap()
            .warnings
            .len(),
        1
    );
}

#[test]
fn a_user_file_cannot_allow_plain_http() {
    let text = HELPDESK.replace("https://rt.corp.example/", "http://rt.corp.example/");
    let system = layer(SourceKind::System, SYSTEM, &text);
    let user = layer(
        SourceKind::User,
        USER,
        "[security]\nallow_http_hosts = [\"rt.corp.example\"]\n",
    );
    let err = load_layers(vec![system, user]).unwrap_err();
    assert_eq!(err.code(), "config.insecure_url");
}

#[test]
fn allow_list_entries_must_be_bare_hosts() {
    for bad in [
        "http://rt.corp.example",
        "rt.corp.example:8080",
        "*.corp.example",
        "",
        "a b",
        "fd00::1",
    ] {
        let text = format!("[security]\nallow_http_hosts = [{bad:?}]\n");
        let err = load_layers(vec![layer(SourceKind::System, SYSTEM, &text)]).expect_err(bad);
        assert_eq!(err.key(), Some("security.allow_http_hosts"), "{bad}: {err}");
        assert!(err.to_string().contains("expected a host name"), "{err}");
    }
}

// Unix only: these judge a real file's owner uid and mode bits; on Windows only the
// machine-wide location counts, which `owner.rs`'s unit tests cover as data.
#[cfg(unix)]
mod files {
    //! Real files in a temp dir: ownership comes from the file's owner and mode.

    use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
    use std::path::{Path, PathBuf};

    use deskside_config::{ENV_EXPLICIT, ENV_SYSTEM, ENV_USER, LoadOptions, Loaded, Os, load};

    use super::*;

    /// A temp dir holding `name` with `text`, and whether this process is root (the owner of
    /// a file it just made is its effective uid).
    fn file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf, bool) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let root = std::fs::metadata(&path).unwrap().uid() == 0;
        (dir, path, root)
    }

    fn load_with(system: Option<&Path>, explicit: Option<&Path>) -> Loaded {
        let show = |p: Option<&Path>| p.map(|p| p.display().to_string()).unwrap_or_default();
        let opts = LoadOptions::from_vars(
            Os::Linux,
            None,
            [
                (ENV_SYSTEM, show(system)),
                (ENV_USER, String::new()),
                (ENV_EXPLICIT, show(explicit)),
            ],
        );
        load(&opts).unwrap()
    }

    /// Regression (issue 15): a root-owned `--config` file was trusted with security-sensitive
    /// keys. Only mandatory policy and the root-owned system file may set them: the explicit
    /// file's value is ignored with a note, the system file's value stands.
    #[test]
    fn a_root_owned_explicit_file_is_not_trusted_with_admin_only_keys() {
        let (_dir, explicit, _root) = file("e.toml", HELPDESK);
        let loaded = load_with(None, Some(&explicit));
        assert_eq!(loaded.config.helpdesk.url, None);
        assert_eq!(loaded.config.helpdesk.token, None);
        assert_eq!(loaded.config.helpdesk.kind.as_deref(), Some("rt"));
        assert!(
            loaded.notes[0].contains("--config or DESKSIDE_CONFIG is never trusted"),
            "{:?}",
            loaded.notes
        );

        let (_sdir, system, root) = file("config.toml", HELPDESK);
        let redirect = HELPDESK.replace("rt.corp.example", "elsewhere.example");
        let (_edir, explicit, _) = file("e.toml", &redirect);
        let loaded = load_with(Some(&system), Some(&explicit));
        if root {
            assert_eq!(
                loaded.config.helpdesk.url.as_deref(),
                Some("https://rt.corp.example/")
            );
        }
        assert!(
            loaded
                .notes
                .iter()
                .any(|n| n.contains("`helpdesk.url`") && n.contains("e.toml")),
            "{:?}",
            loaded.notes
        );
    }

    #[test]
    fn a_group_writable_or_foreign_owned_system_file_is_not_admin_owned() {
        let (_dir, system, root) = file("config.toml", HELPDESK);
        std::fs::set_permissions(&system, std::fs::Permissions::from_mode(0o664)).unwrap();
        let loaded = load_with(Some(&system), None);
        assert_eq!(loaded.config.helpdesk.url, None);
        assert_eq!(loaded.config.helpdesk.kind.as_deref(), Some("rt"));
        if !root {
            return; // the rest needs root to chown
        }
        assert!(
            loaded.notes[0].contains("group or others may write it (mode 0664)"),
            "{:?}",
            loaded.notes
        );

        std::fs::set_permissions(&system, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::os::unix::fs::chown(&system, Some(4242), Some(4242)).unwrap();
        let loaded = load_with(Some(&system), None);
        assert_eq!(loaded.config.helpdesk.token, None);
        assert!(
            loaded
                .notes
                .iter()
                .any(|n| n.contains("owned by uid 4242, not root")),
            "{:?}",
            loaded.notes
        );

        // Back to root: honoured again.
        std::os::unix::fs::chown(&system, Some(0), Some(0)).unwrap();
        let loaded = load_with(Some(&system), None);
        assert_eq!(loaded.config.helpdesk.token.as_deref(), Some("admin-token"));
    }

    #[test]
    fn actions_in_a_foreign_owned_system_file_are_ignored_not_an_error() {
        let (_dir, system, root) = file("config.toml", ACTION);
        if root {
            std::os::unix::fs::chown(&system, Some(4242), None).unwrap();
        }
        let loaded = load_with(Some(&system), None);
        assert!(loaded.config.fixes.actions.is_empty());
        assert!(
            loaded.notes[0].starts_with("`fixes.actions` set in"),
            "{:?}",
            loaded.notes
        );
    }
}

#[test]
fn config_show_redacts_credentials_but_not_keyring_references() {
    let text = format!("{HELPDESK}api_key = \"keyring:deskside/redmine\"\n");
    let loaded = load_layers(vec![layer(SourceKind::System, SYSTEM, &text)]).unwrap();
    assert_eq!(loaded.config.helpdesk.token.as_deref(), Some("admin-token"));
    let json = loaded.to_show_json();
    assert_eq!(json["keys"]["helpdesk.token"]["value"], "<redacted>");
    assert_eq!(json["config"]["helpdesk"]["token"], "<redacted>");
    assert_eq!(
        json["keys"]["helpdesk.api_key"]["value"],
        "keyring:deskside/redmine"
    );
    assert!(!json.to_string().contains("admin-token"), "{json}");
    assert_eq!(
        json["keys"]["helpdesk.password"]["value"],
        serde_json::Value::Null
    );
}
