//! The `[password]` section resolved for one account: the source as an enum, the account
//! name (default: the logged-in user), the bind identity each source uses, and "what is
//! missing" errors that name the key. Everything downstream takes a [`Settings`], never the raw
//! config, so the rules for defaults live in one place.

use std::path::PathBuf;

use deskside_config::Config;
use serde::Serialize;

use crate::error::PasswordError;

/// Where expiry and policy come from, and how a change is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Active Directory (or Samba AD) over LDAPS/StartTLS.
    Ad,
    /// OpenLDAP (or another RFC 3062 + ppolicy directory).
    Ldap,
    /// A Kerberos realm (expiry as the KDC reports it; change with kpasswd).
    Kerberos,
    /// No reachable directory: admin-given web pages only.
    Manual,
}

impl SourceKind {
    /// The config spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ad => "ad",
            Self::Ldap => "ldap",
            Self::Kerberos => "kerberos",
            Self::Manual => "manual",
        }
    }
}

/// The `[password]` section, resolved for one account.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The source.
    pub source: SourceKind,
    /// The account name (`jdoe`).
    pub account: String,
    /// Directory URL, when the source has one.
    pub url: Option<String>,
    /// Search base.
    pub base_dn: Option<String>,
    /// CA file for the directory's certificate.
    pub ca_file: Option<PathBuf>,
    /// AD UPN suffix.
    pub domain: Option<String>,
    /// OpenLDAP user DN template.
    pub user_dn_template: Option<String>,
    /// OpenLDAP default policy entry.
    pub policy_dn: Option<String>,
    /// Kerberos realm (`CORP.EXAMPLE`).
    pub kerberos_realm: Option<String>,
    /// kpasswd host[:port] that overrides the Kerberos configuration's.
    pub kpasswd_server: Option<String>,
    /// `KRB5_CONFIG` for kinit/kpasswd; `None` = inherited (the system's).
    pub krb5_config: Option<PathBuf>,
    /// Refresh the user's Kerberos ticket after a change.
    pub refresh_ticket: bool,
    /// Days before expiry to warn.
    pub warn_days: Vec<u64>,
    /// zxcvbn floor.
    pub min_strength: u8,
    /// Web pages.
    pub change_url: Option<String>,
    /// Reset page.
    pub reset_url: Option<String>,
    /// Unlock page.
    pub unlock_url: Option<String>,
    /// Extra keyring entries (`service/user`, `{user}` replaced).
    pub keyring_entries: Vec<(String, String)>,
    /// Credentials to name to the user after a change.
    pub other_credentials: Vec<String>,
    /// The directory needs the VPN.
    pub internal: bool,
    /// Interface-name patterns that are VPN tunnels (`[vpn] interfaces`).
    pub vpn_patterns: Vec<String>,
}

/// The logged-in user's name from the environment.
#[must_use]
pub fn logged_in_user() -> Option<String> {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
}

impl Settings {
    /// Resolves `config` for `user` (or the configured / logged-in user).
    ///
    /// # Errors
    /// [`PasswordError::NotConfigured`] without a source; [`PasswordError::Config`] naming the
    /// missing key otherwise.
    pub fn resolve(config: &Config, user: Option<&str>) -> Result<Self, PasswordError> {
        let p = &config.password;
        let source = match p.source.as_deref() {
            None => return Err(PasswordError::NotConfigured),
            Some("ad") => SourceKind::Ad,
            Some("ldap") => SourceKind::Ldap,
            Some("kerberos") => SourceKind::Kerberos,
            Some("manual") => SourceKind::Manual,
            Some(other) => {
                return Err(PasswordError::Config(format!(
                    "`password.source` is {other:?}, expected ad, ldap, kerberos or manual"
                )));
            }
        };
        let account = user
            .map(str::to_owned)
            .or_else(|| p.user.clone())
            .or_else(logged_in_user)
            .filter(|a| !a.trim().is_empty())
            .ok_or_else(|| {
                PasswordError::Config(
                    "no account name: set `password.user` or pass --user".to_owned(),
                )
            })?;
        let need = |key: &str, value: &Option<String>| {
            value.clone().ok_or_else(|| {
                PasswordError::Config(format!(
                    "`password.{key}` is required when `password.source` is {:?}",
                    source.as_str()
                ))
            })
        };
        match source {
            SourceKind::Ad => {
                need("url", &p.url)?;
                need("base_dn", &p.base_dn)?;
            }
            SourceKind::Ldap => {
                need("url", &p.url)?;
                need("user_dn_template", &p.user_dn_template)?;
            }
            SourceKind::Kerberos | SourceKind::Manual => {}
        }
        let keyring_entries = p
            .keyring_entries
            .iter()
            .filter_map(|e| e.rsplit_once('/'))
            .map(|(service, user)| (service.to_owned(), user.replace("{user}", &account)))
            .collect();
        Ok(Self {
            source,
            account,
            url: p.url.clone(),
            base_dn: p.base_dn.clone(),
            ca_file: p.ca_file.as_ref().map(PathBuf::from),
            domain: p.domain.clone(),
            user_dn_template: p.user_dn_template.clone(),
            policy_dn: p.policy_dn.clone(),
            kerberos_realm: p.kerberos_realm.clone(),
            kpasswd_server: p.kpasswd_server.clone(),
            krb5_config: p.krb5_config.as_ref().map(PathBuf::from),
            refresh_ticket: p.refresh_ticket,
            warn_days: p.warn_days.clone(),
            min_strength: u8::try_from(p.min_strength.min(4)).unwrap_or(4),
            change_url: p.change_url.clone(),
            reset_url: p.reset_url.clone(),
            unlock_url: p.unlock_url.clone(),
            keyring_entries,
            other_credentials: p.other_credentials.clone(),
            internal: p.internal,
            vpn_patterns: config.vpn.interfaces.clone(),
        })
    }

    /// The AD bind name: `account@domain`, the domain from `password.domain`, else
    /// `password.kerberos_realm`, else the `DC=` parts of the base DN. An account already
    /// written as `user@domain` or `DOMAIN\user` is used as it is.
    #[must_use]
    pub fn ad_bind_name(&self) -> String {
        if self.account.contains('@') || self.account.contains('\\') {
            return self.account.clone();
        }
        let realm = self.kerberos_realm.as_deref().map(str::to_ascii_lowercase);
        let domain = self.domain.clone().or(realm).or_else(|| {
            let parts: Vec<&str> = self
                .base_dn
                .as_deref()
                .unwrap_or("")
                .split(',')
                .filter_map(|rdn| {
                    let (k, v) = rdn.split_once('=')?;
                    k.trim().eq_ignore_ascii_case("dc").then_some(v.trim())
                })
                .collect();
            (!parts.is_empty()).then(|| parts.join("."))
        });
        match domain {
            Some(d) => format!("{}@{d}", self.account),
            None => self.account.clone(),
        }
    }

    /// The bare account name (no `@domain`, no `DOMAIN\`), for `sAMAccountName` searches.
    #[must_use]
    pub fn short_account(&self) -> &str {
        let a = self
            .account
            .rsplit_once('\\')
            .map_or(self.account.as_str(), |(_, n)| n);
        a.split('@').next().unwrap_or(a)
    }

    /// The OpenLDAP user DN from the template, the account escaped as an RDN value.
    #[must_use]
    pub fn ldap_user_dn(&self) -> String {
        self.user_dn_template
            .as_deref()
            .unwrap_or("{user}")
            .replace("{user}", &ldap3::dn_escape(self.account.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(toml_text: &str) -> Config {
        Config {
            password: toml::from_str(toml_text).unwrap(),
            ..Config::default()
        }
    }

    #[test]
    fn ad_bind_name_from_base_dn_domain_or_as_written() {
        let c = config("source='ad'\nurl='ldaps://dc1'\nbase_dn='DC=corp,DC=example'\n");
        let s = Settings::resolve(&c, Some("jdoe")).unwrap();
        assert_eq!(s.ad_bind_name(), "jdoe@corp.example");
        let s = Settings::resolve(&c, Some("CORP\\jdoe")).unwrap();
        assert_eq!(s.ad_bind_name(), "CORP\\jdoe");
        assert_eq!(s.short_account(), "jdoe");
        let c = config("source='ad'\nurl='ldaps://dc1'\nbase_dn='DC=x'\ndomain='corp.example'\n");
        assert_eq!(
            Settings::resolve(&c, Some("a")).unwrap().ad_bind_name(),
            "a@corp.example"
        );
        let c = config(
            "source='ad'\nurl='ldaps://dc1'\nbase_dn='DC=x'\nkerberos_realm='CORP.EXAMPLE'\n",
        );
        assert_eq!(
            Settings::resolve(&c, Some("a")).unwrap().ad_bind_name(),
            "a@corp.example"
        );
    }

    #[test]
    fn missing_keys_are_named() {
        let err =
            Settings::resolve(&config("source='ldap'\nurl='ldaps://x'\n"), Some("a")).unwrap_err();
        assert!(
            err.to_string().contains("password.user_dn_template"),
            "{err}"
        );
        let err = Settings::resolve(&Config::default(), Some("a")).unwrap_err();
        assert_eq!(err.code(), "not_configured");
    }

    #[test]
    fn user_dn_is_escaped_and_keyring_entries_expanded() {
        let c = config(
            "source='ldap'\nurl='ldaps://x'\nuser_dn_template='uid={user},ou=people,dc=x'\nkeyring_entries=['imap.corp/{user}', 'https://a/b/c/{user}@corp']\n",
        );
        let s = Settings::resolve(&c, Some("a,b")).unwrap();
        assert_eq!(s.ldap_user_dn(), "uid=a\\2cb,ou=people,dc=x");
        assert_eq!(
            s.keyring_entries[0],
            ("imap.corp".to_owned(), "a,b".to_owned())
        );
        assert_eq!(
            s.keyring_entries[1],
            ("https://a/b/c".to_owned(), "a,b@corp".to_owned())
        );
    }
}
