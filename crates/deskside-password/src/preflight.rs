//! The pre-flight of a password change, shown before anything is typed or sent: the VPN when
//! the directory is internal, whether the directory answers, whether an encrypted connection
//! with the configured CA can be set up, and (Active Directory, which publishes its time) the
//! clock skew Kerberos refuses past five minutes. It reuses the very connection code the change
//! uses, so a green pre-flight means the change will get as far as the bind. No password is
//! involved: nothing here binds.

use serde::Serialize;

use crate::directory::{MAX_CLOCK_SKEW_S, Session};
use crate::{PasswordError, Settings, SourceKind};

/// One line of the pre-flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreflightItem {
    /// `source`, `directory`, `tls`, `vpn` or `clock`.
    pub id: &'static str,
    /// Nothing stands in the way on this line.
    pub ok: bool,
    /// What was found and, when not ok, what to do, in plain words.
    pub message: String,
}

/// What stands in the way of a password change right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preflight {
    /// Every item is ok.
    pub ok: bool,
    /// The checks that ran, in order (later ones are left out when an earlier one makes them
    /// meaningless: no TLS line when the directory does not answer).
    pub items: Vec<PreflightItem>,
}

impl Preflight {
    fn of(items: Vec<PreflightItem>) -> Self {
        Self {
            ok: items.iter().all(|i| i.ok),
            items,
        }
    }
}

fn item(id: &'static str, ok: bool, message: String) -> PreflightItem {
    PreflightItem { id, ok, message }
}

/// The crate's messages are lower-case clauses (used mid-sentence elsewhere): a full sentence.
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// The host (and port) of `url`, for messages; the URL itself when it does not parse.
fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| {
                u.port()
                    .map_or_else(|| h.to_owned(), |p| format!("{h}:{p}"))
            })
        })
        .unwrap_or_else(|| url.to_owned())
}

/// The VPN line.
#[must_use]
pub fn vpn_item(up: bool) -> PreflightItem {
    if up {
        item("vpn", true, "The company VPN is connected.".to_owned())
    } else {
        item(
            "vpn",
            false,
            "Connect the company VPN first: the password directory is only reachable through it."
                .to_owned(),
        )
    }
}

/// The lines for a connection that could not be opened: the directory did not answer, or it
/// answered but TLS failed, or the configuration is unusable.
#[must_use]
pub fn open_failure_items(url: &str, err: &PasswordError, internal: bool) -> Vec<PreflightItem> {
    let host = host_of(url);
    match err {
        PasswordError::DirectoryUnreachable { detail, .. } => vec![item(
            "directory",
            false,
            format!(
                "The password directory at {host} does not answer ({detail}). Check that you are connected to the network{}, then try again; if it keeps happening, ask IT.",
                if internal { " and the company VPN" } else { "" }
            ),
        )],
        PasswordError::TlsError { detail, .. } => vec![
            item(
                "directory",
                true,
                format!("The password directory at {host} answers."),
            ),
            item(
                "tls",
                false,
                format!(
                    "A secure connection to the password directory could not be set up ({detail}), so no password will be sent. Ask IT to check the directory's certificate and the configured CA (password.ca_file)."
                ),
            ),
        ],
        other => vec![item("directory", false, sentence(&other.to_string()))],
    }
}

/// The lines for a connection that opened (the directory answers, TLS works).
#[must_use]
pub fn open_items(url: &str) -> Vec<PreflightItem> {
    vec![
        item(
            "directory",
            true,
            format!("The password directory at {} answers.", host_of(url)),
        ),
        item(
            "tls",
            true,
            "The connection to the directory is encrypted and its certificate is trusted."
                .to_owned(),
        ),
    ]
}

/// The clock line from [`Session::check_clock`]'s answer.
#[must_use]
pub fn clock_item(result: &Result<(), PasswordError>) -> PreflightItem {
    match result {
        Ok(()) => item(
            "clock",
            true,
            "This computer's clock agrees with the directory's.".to_owned(),
        ),
        Err(PasswordError::ClockSkew { skew_s }) => item(
            "clock",
            false,
            format!(
                "This computer's clock is {} off the directory's, and a change is refused past {} minutes. Turn on automatic date and time (or correct the clock), then try again.",
                skew_words(*skew_s),
                MAX_CLOCK_SKEW_S / 60
            ),
        ),
        Err(other) => item(
            "clock",
            false,
            format!(
                "The directory's time could not be read: {}",
                sentence(&other.to_string())
            ),
        ),
    }
}

fn skew_words(skew_s: u64) -> String {
    match skew_s {
        0 => "too far".to_owned(),
        s if s < 120 => format!("{s} seconds"),
        s if s < 7200 => format!("{} minutes", s / 60),
        s => format!("{} hours", s / 3600),
    }
}

/// Whether Deskside can change a password of this source at all: the one answer the tray, the
/// CLI and [`crate::change`] share. AD and OpenLDAP are changed over the directory, Kerberos with
/// kpasswd; a manual source has only IT's web pages, so the line says where to go instead.
#[must_use]
pub fn source_item(source: SourceKind) -> Option<PreflightItem> {
    (source == SourceKind::Manual).then(|| {
        item(
            "source",
            false,
            "Your password cannot be changed from Deskside here: use your organisation's change page or ask IT.".to_owned(),
        )
    })
}

/// Everything that would stop a password change now, without a password: the VPN (when
/// `password.internal`), then for a directory source (AD, OpenLDAP) whether the configured URL
/// answers and TLS with the configured CA works, then (AD) the clock. A Kerberos or manual
/// source has no directory connection to test. A configuration that cannot be used is a
/// single failed `directory` line saying why.
pub async fn preflight(config: &deskside_config::Config, user: Option<&str>) -> Preflight {
    let s = match Settings::resolve(config, user) {
        Ok(s) => s,
        Err(e) => return Preflight::of(vec![item("directory", false, sentence(&e.to_string()))]),
    };
    let mut items = Vec::new();
    if let Some(refusal) = source_item(s.source) {
        // Nothing else matters: Deskside cannot change this password whatever the network.
        return Preflight::of(vec![refusal]);
    }
    if s.internal {
        let up = crate::preflight_vpn(&s).await.is_ok();
        items.push(vpn_item(up));
        if !up {
            // Without the tunnel the directory cannot answer: waiting for the time-out would
            // only repeat the VPN line.
            return Preflight::of(items);
        }
    }
    if matches!(s.source, SourceKind::Ad | SourceKind::Ldap) {
        let url = s.url.clone().unwrap_or_default();
        match Session::open(&s).await {
            Ok(mut session) => {
                items.extend(open_items(&url));
                if s.source == SourceKind::Ad {
                    items.push(clock_item(&session.check_clock().await));
                }
                session.close().await;
            }
            Err(e) => items.extend(open_failure_items(&url, &e, s.internal)),
        }
    }
    Preflight::of(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(items: &[PreflightItem]) -> Vec<(&str, bool)> {
        items.iter().map(|i| (i.id, i.ok)).collect()
    }

    #[test]
    fn kerberos_can_be_changed_here_and_manual_cannot() {
        // Regression: the tray refused a Kerberos change the core and the CLI support.
        assert_eq!(source_item(SourceKind::Kerberos), None);
        assert_eq!(source_item(SourceKind::Ad), None);
        assert_eq!(source_item(SourceKind::Ldap), None);
        let manual = source_item(SourceKind::Manual).unwrap();
        assert_eq!((manual.id, manual.ok), ("source", false));
    }

    #[test]
    fn connection_failures_say_which_part_failed() {
        let url = "ldaps://dc1.example.test:636";
        let unreachable = PasswordError::DirectoryUnreachable {
            url: url.to_owned(),
            detail: "Connection refused (os error 111)".to_owned(),
        };
        let items = open_failure_items(url, &unreachable, true);
        assert_eq!(ids(&items), [("directory", false)]);
        assert!(items[0].message.contains("dc1.example.test:636"));
        assert!(items[0].message.contains("company VPN"));
        assert!(
            !open_failure_items(url, &unreachable, false)[0]
                .message
                .contains("VPN")
        );

        let tls = PasswordError::TlsError {
            url: url.to_owned(),
            detail: "the server's certificate is not trusted (UnknownIssuer)".to_owned(),
        };
        let items = open_failure_items(url, &tls, false);
        assert_eq!(ids(&items), [("directory", true), ("tls", false)]);
        assert!(items[1].message.contains("not trusted"));
        assert!(items[1].message.contains("password.ca_file"));

        let config = PasswordError::Config("`password.url` must be ldaps://".to_owned());
        let items = open_failure_items(url, &config, false);
        assert_eq!(ids(&items), [("directory", false)]);
        assert!(items[0].message.starts_with("The password configuration"));
        assert_eq!(ids(&open_items(url)), [("directory", true), ("tls", true)]);
    }

    #[test]
    fn clock_and_vpn_lines() {
        assert!(clock_item(&Ok(())).ok);
        let skew = clock_item(&Err(PasswordError::ClockSkew { skew_s: 600 }));
        assert!(!skew.ok);
        assert!(skew.message.contains("10 minutes off"), "{}", skew.message);
        assert!(skew.message.contains("past 5 minutes"));
        assert!(
            clock_item(&Err(PasswordError::ClockSkew { skew_s: 90 }))
                .message
                .contains("90 seconds")
        );
        assert!(!vpn_item(false).ok);
        assert!(
            vpn_item(false)
                .message
                .starts_with("Connect the company VPN")
        );
        assert!(vpn_item(true).ok);
    }

    #[tokio::test]
    async fn an_unusable_configuration_is_one_failed_directory_line() {
        let p = preflight(&deskside_config::Config::default(), Some("jdoe")).await;
        assert!(!p.ok);
        assert_eq!(ids(&p.items), [("directory", false)]);
        assert!(p.items[0].message.contains("not set up"), "{p:?}");

        let config: deskside_config::Config =
            toml::from_str("[password]\nsource = \"ldap\"\nurl = \"http://127.0.0.1:1\"\nuser_dn_template = \"uid={user},dc=example\"\n")
                .unwrap();
        let p = preflight(&config, Some("jdoe")).await;
        assert_eq!(ids(&p.items), [("directory", false)], "{p:?}");
        assert!(p.items[0].message.contains("ldaps://"), "{p:?}");
    }

    #[test]
    fn it_serializes_with_the_ui_field_names() {
        let p = Preflight::of(vec![vpn_item(true), item("clock", false, "x".to_owned())]);
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["ok"], false);
        assert_eq!(v["items"][0]["id"], "vpn");
        assert_eq!(v["items"][1]["ok"], false);
        assert_eq!(v["items"][1]["message"], "x");
    }
}
