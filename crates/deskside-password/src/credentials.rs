//! Saved credentials after a password change. Deskside updates the OS-keyring entries it
//! manages (its own `deskside-password` entry, and the `password.keyring_entries` the admin
//! names) through the `keyring` crate — Secret Service or keyutils on Linux, Credential Manager
//! on Windows, Keychain on macOS — and only where an entry already exists. Credentials it cannot
//! update (802.1X Wi-Fi and VPN profiles, mail apps, mapped drives) are listed for the user, so a
//! stale copy does not lock the account: NetworkManager profiles the user can read are detected
//! (pure parser below), the rest comes from `password.other_credentials`.

use std::path::Path;

use serde::Serialize;

use crate::error::PasswordError;
use crate::secret::Password;

/// Keyring service of the entry Deskside itself keeps (user = account name), used to read
/// expiry without asking for the password each time.
pub const OWN_SERVICE: &str = "deskside-password";

/// Where NetworkManager keeps connection profiles on Linux.
pub const NM_CONNECTIONS_DIR: &str = "/etc/NetworkManager/system-connections";

/// What happened to one keyring entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyringOutcome {
    /// Now holds the new password.
    Updated,
    /// No such entry: nothing to update.
    NotPresent,
    /// The keyring refused or is unavailable.
    Failed,
}

/// One keyring entry Deskside tried to update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyringUpdate {
    /// Service name.
    pub service: String,
    /// User name.
    pub user: String,
    /// Outcome.
    pub outcome: KeyringOutcome,
    /// For `failed`: why.
    pub message: Option<String>,
}

/// A saved credential the user must update by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManualCredential {
    /// `wifi`, `vpn`, `network` or `configured`.
    pub kind: String,
    /// What the user will recognise ("Wi-Fi network CorpWiFi").
    pub name: String,
    /// Where to update it.
    pub hint: String,
}

fn entry(service: &str, user: &str) -> Result<keyring::Entry, keyring::Error> {
    keyring::Entry::new(service, user)
}

/// Updates each existing entry in `entries` to `new`. Blocking (D-Bus / OS calls): run it off
/// the async runtime.
#[must_use]
pub fn sync_keyring(entries: &[(String, String)], new: &Password) -> Vec<KeyringUpdate> {
    entries
        .iter()
        .map(|(service, user)| {
            let outcome = entry(service, user).and_then(|e| {
                // Read only to learn whether it exists; the old secret is dropped at once.
                match e.get_password() {
                    Ok(old) => {
                        drop(Password::new(old));
                        e.set_password(new.expose())
                            .map(|()| KeyringOutcome::Updated)
                    }
                    Err(keyring::Error::NoEntry) => Ok(KeyringOutcome::NotPresent),
                    Err(err) => Err(err),
                }
            });
            let (outcome, message) = match outcome {
                Ok(o) => (o, None),
                Err(e) => (KeyringOutcome::Failed, Some(e.to_string())),
            };
            tracing::debug!(%service, %user, ?outcome, "keyring entry");
            KeyringUpdate {
                service: service.clone(),
                user: user.clone(),
                outcome,
                message,
            }
        })
        .collect()
}

/// Saves `password` as Deskside's own entry for `account`. Blocking.
///
/// # Errors
/// [`PasswordError::Keyring`] when the OS keyring is unavailable or refuses.
pub fn remember(account: &str, password: &Password) -> Result<(), PasswordError> {
    entry(OWN_SERVICE, account)
        .and_then(|e| e.set_password(password.expose()))
        .map_err(|e| PasswordError::Keyring(e.to_string()))
}

/// Deskside's own saved password for `account`, if any. Blocking.
#[must_use]
pub fn stored(account: &str) -> Option<Password> {
    match entry(OWN_SERVICE, account).and_then(|e| e.get_password()) {
        Ok(p) => Some(Password::new(p)),
        Err(keyring::Error::NoEntry) => None,
        Err(e) => {
            tracing::debug!(error = %e, "keyring not available");
            None
        }
    }
}

fn account_matches(value: &str, account: &str) -> bool {
    let short = |s: &str| {
        let s = s.rsplit_once('\\').map_or(s, |(_, n)| n);
        s.split('@').next().unwrap_or(s).trim().to_lowercase()
    };
    !value.trim().is_empty() && short(value) == short(account)
}

/// A NetworkManager keyfile that signs in as `account` (802.1X identity or a VPN user name).
#[must_use]
pub fn parse_nm_keyfile(text: &str, account: &str) -> Option<ManualCredential> {
    let mut section = String::new();
    let mut id = None;
    let mut conn_type = String::new();
    let mut hit: Option<&'static str> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_ascii_lowercase();
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        match (section.as_str(), key.as_str()) {
            ("connection", "id") => id = Some(value.trim().to_owned()),
            ("connection", "type") => conn_type = value.trim().to_ascii_lowercase(),
            ("802-1x", "identity") if account_matches(value, account) => hit = Some("802-1x"),
            ("vpn", "username" | "user-name" | "user" | "xauth username")
                if account_matches(value, account) =>
            {
                hit = Some("vpn");
            }
            _ => {}
        }
    }
    let how = hit?;
    let name = id.unwrap_or_else(|| "unnamed connection".to_owned());
    let (kind, label) = match (how, conn_type.as_str()) {
        ("vpn", _) | (_, "vpn") => ("vpn", format!("VPN connection {name}")),
        (_, "wifi" | "802-11-wireless") => ("wifi", format!("Wi-Fi network {name} (802.1X)")),
        _ => ("network", format!("Network connection {name} (802.1X)")),
    };
    Some(ManualCredential {
        kind: kind.to_owned(),
        name: label,
        hint: "Network settings: open the connection and enter the new password".to_owned(),
    })
}

/// NetworkManager profiles in `dir` that this user can read and that sign in as `account`.
/// Unreadable files (root-only, the usual case) are skipped silently.
#[must_use]
pub fn nm_credentials(dir: &Path, account: &str) -> Vec<ManualCredential> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<ManualCredential> = entries
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .filter_map(|text| parse_nm_keyfile(&text, account))
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Everything the user must update by hand: detected profiles plus the configured list.
#[must_use]
pub fn manual_credentials(account: &str, configured: &[String]) -> Vec<ManualCredential> {
    let mut out = if cfg!(target_os = "linux") {
        nm_credentials(Path::new(NM_CONNECTIONS_DIR), account)
    } else {
        Vec::new()
    };
    out.extend(configured.iter().map(|name| ManualCredential {
        kind: "configured".to_owned(),
        name: name.clone(),
        hint: "Update the saved password there the next time it asks".to_owned(),
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_8021x_wifi_and_vpn_profiles_for_the_account() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/nm");
        let found = nm_credentials(Path::new(dir), "jdoe");
        let names: Vec<&str> = found.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["VPN connection Corp VPN", "Wi-Fi network CorpWiFi (802.1X)"],
            "{found:?}"
        );
        assert_eq!(found[1].kind, "wifi");
        assert!(nm_credentials(Path::new(dir), "someone-else").is_empty());
        assert!(nm_credentials(Path::new("/nonexistent"), "jdoe").is_empty());
    }

    #[test]
    fn account_forms_match() {
        assert!(account_matches("CORP\\JDoe", "jdoe"));
        assert!(account_matches("jdoe@corp.example", "jdoe"));
        assert!(!account_matches("", "jdoe"));
        assert!(!account_matches("jdoe2", "jdoe"));
    }

    #[test]
    fn configured_reminders_are_listed() {
        let list = manual_credentials("nobody-here", &["Mail on your phone".to_owned()]);
        assert!(
            list.iter()
                .any(|c| c.kind == "configured" && c.name == "Mail on your phone")
        );
    }
}
