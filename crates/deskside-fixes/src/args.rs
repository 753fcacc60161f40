//! Typed, validated fix arguments. A value from the UI, the command line, the network (a portal
//! URL from a probe) or a config file becomes one of these types before any plan sees it, and
//! each type accepts only a small character set, so nothing a user or a network can send turns
//! into an option, a shell metacharacter or a path outside what the fix means. The privileged
//! helper parses its command line with the same types.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::FixError;

fn bad(name: &'static str, problem: impl Into<String>) -> FixError {
    FixError::BadArgument {
        name,
        problem: problem.into(),
    }
}

/// Shortened, escaped rendering of a rejected value for an error message.
fn shown(value: &str) -> String {
    let mut s: String = value.chars().take(40).collect();
    if value.chars().count() > 40 {
        s.push('…');
    }
    format!("{s:?}")
}

/// A network interface name: 1 to 15 characters from `A-Z a-z 0-9 _ . : @ -`, not starting
/// with `-` (it would read as an option) and not `.` or `..` (path components under `/sys`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InterfaceName(String);

impl InterfaceName {
    /// Validate `value`.
    ///
    /// # Errors
    /// [`FixError::BadArgument`] naming the problem.
    pub fn parse(value: &str) -> Result<Self, FixError> {
        let ok_char = |c: char| c.is_ascii_alphanumeric() || "_.:@-".contains(c);
        if value.is_empty() || value.len() > 15 {
            return Err(bad(
                "interface",
                format!(
                    "{} is not an interface name: it must be 1 to 15 characters",
                    shown(value)
                ),
            ));
        }
        if !value.chars().all(ok_char) {
            return Err(bad(
                "interface",
                format!(
                    "{} is not an interface name: only letters, digits and _ . : @ - are allowed",
                    shown(value)
                ),
            ));
        }
        if value.starts_with('-') || value == "." || value == ".." {
            return Err(bad(
                "interface",
                format!("{} is not an interface name", shown(value)),
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for InterfaceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for InterfaceName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// An `http://` or `https://` URL with a host, no user name or password, at most 2048
/// characters, and only characters RFC 3986 allows (no spaces, quotes, control characters or
/// backslashes), so it passes unchanged and unambiguous to `xdg-open`, `open` or `explorer.exe`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUrl(String);

impl WebUrl {
    /// Validate `value`.
    ///
    /// # Errors
    /// [`FixError::BadArgument`] naming the problem.
    pub fn parse(value: &str) -> Result<Self, FixError> {
        const EXTRA: &str = "-._~:/?#[]@!$&'()*+,;=%";
        if value.is_empty() || value.len() > 2048 {
            return Err(bad("url", "a web address must be 1 to 2048 characters"));
        }
        if let Some(c) = value
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || EXTRA.contains(*c)))
        {
            return Err(bad(
                "url",
                format!(
                    "{} is not a plain web address: it contains {c:?}",
                    shown(value)
                ),
            ));
        }
        let parsed = url::Url::parse(value)
            .map_err(|e| bad("url", format!("{} is not a web address: {e}", shown(value))))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(bad(
                "url",
                format!("{} is not an http:// or https:// address", shown(value)),
            ));
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(bad("url", format!("{} has no host name", shown(value))));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(bad(
                "url",
                "a web address with a user name or password is not accepted",
            ));
        }
        Ok(Self(parsed.as_str().to_owned()))
    }

    /// The URL as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WebUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for WebUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// The VPN client `vpn.reconnect` drives (`vpn.client`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VpnClient {
    /// `wg-quick` (Linux, macOS) or the WireGuard app's tunnel service (Windows).
    Wireguard,
    /// A NetworkManager VPN connection (`nmcli`).
    Networkmanager,
    /// An OpenVPN systemd instance (`openvpn-client@NAME`).
    Openvpn,
    /// A Windows built-in VPN or dial-up entry (`rasdial`).
    Rasdial,
    /// A macOS built-in VPN service (`scutil --nc`).
    Scutil,
}

impl VpnClient {
    /// Every client, as written in `vpn.client`.
    pub const NAMES: &'static [&'static str] = &[
        "wireguard",
        "networkmanager",
        "openvpn",
        "rasdial",
        "scutil",
    ];

    /// Parse a `vpn.client` value.
    ///
    /// # Errors
    /// [`FixError::BadArgument`] for an unknown client.
    pub fn parse(value: &str) -> Result<Self, FixError> {
        Ok(match value {
            "wireguard" => Self::Wireguard,
            "networkmanager" => Self::Networkmanager,
            "openvpn" => Self::Openvpn,
            "rasdial" => Self::Rasdial,
            "scutil" => Self::Scutil,
            _ => {
                return Err(bad(
                    "client",
                    format!(
                        "{} is not a VPN client Deskside can drive (one of {})",
                        shown(value),
                        Self::NAMES.join(", ")
                    ),
                ));
            }
        })
    }
}

/// A VPN connection (`vpn.connection`), validated for its client: a WireGuard interface name
/// or an absolute `.conf` path without `..`; an OpenVPN instance name (`[A-Za-z0-9_.@:-]`); a
/// NetworkManager, rasdial or scutil connection name (printable, no quotes or control
/// characters, up to 128 characters). Never starts with `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionName(String);

impl ConnectionName {
    /// Validate `value` as a connection of `client`.
    ///
    /// # Errors
    /// [`FixError::BadArgument`] naming the problem.
    pub fn parse(client: VpnClient, value: &str) -> Result<Self, FixError> {
        if value.is_empty() || value.chars().count() > 128 {
            return Err(bad(
                "connection",
                "a connection name must be 1 to 128 characters",
            ));
        }
        if value.starts_with('-') {
            return Err(bad(
                "connection",
                format!("{} must not start with '-'", shown(value)),
            ));
        }
        let ok = match client {
            VpnClient::Wireguard => {
                if value.starts_with('/') {
                    value.ends_with(".conf")
                        && value
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "_./-@:".contains(c))
                        && !value.split('/').any(|part| part == "..")
                } else {
                    InterfaceName::parse(value).is_ok()
                }
            }
            VpnClient::Openvpn => value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.@:-".contains(c)),
            VpnClient::Networkmanager | VpnClient::Rasdial | VpnClient::Scutil => value
                .chars()
                .all(|c| !c.is_control() && !"\"'`\\".contains(c)),
        };
        if !ok {
            let what = match client {
                VpnClient::Wireguard => {
                    "a WireGuard interface name or the absolute path of its .conf file"
                }
                VpnClient::Openvpn => "an OpenVPN instance name (letters, digits, _ . @ : -)",
                _ => "a connection name without quotes, backslashes or control characters",
            };
            return Err(bad("connection", format!("{} is not {what}", shown(value))));
        }
        Ok(Self(value.to_owned()))
    }

    /// The connection as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ConnectionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for ConnectionName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// How long `system.restart_prompt` waits before restarting: 1 to 720 minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DeferMinutes(u32);

impl DeferMinutes {
    /// The default deferral: 10 minutes.
    pub const DEFAULT: Self = Self(10);

    /// Validate a number of minutes.
    ///
    /// # Errors
    /// [`FixError::BadArgument`] outside 1–720.
    pub fn new(minutes: u32) -> Result<Self, FixError> {
        if (1..=720).contains(&minutes) {
            Ok(Self(minutes))
        } else {
            Err(bad(
                "minutes",
                format!("the restart can be deferred by 1 to 720 minutes, not {minutes}"),
            ))
        }
    }

    /// Parse a decimal number of minutes.
    ///
    /// # Errors
    /// [`FixError::BadArgument`] for anything but a number in 1–720.
    pub fn parse(value: &str) -> Result<Self, FixError> {
        let n: u32 = value.parse().map_err(|_| {
            bad(
                "minutes",
                format!("{} is not a number of minutes", shown(value)),
            )
        })?;
        Self::new(n)
    }

    /// The minutes.
    #[must_use]
    pub const fn get(self) -> u32 {
        self.0
    }
}

/// Every argument a fix can take; each fix reads only the ones it needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FixArgs {
    /// The interface to act on; the fix picks one when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface: Option<InterfaceName>,
    /// The VPN connection (`vpn.reconnect`); `vpn.connection` when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection: Option<ConnectionName>,
    /// The captive-portal page (`net.forget_captive`); taken from the probe when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<WebUrl>,
    /// Restart deferral (`system.restart_prompt`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minutes: Option<DeferMinutes>,
}

impl FixArgs {
    /// Whether no argument is set.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn interface_names() {
        for ok in [
            "eth0",
            "wlp2s0",
            "enp0s31f6",
            "wg-corp",
            "br0.100",
            "veth@if3",
            "a",
        ] {
            assert_eq!(InterfaceName::parse(ok).unwrap().as_str(), ok);
        }
        for bad in [
            "",
            "eth0;reboot",
            "a b",
            "-eth0",
            "..",
            ".",
            "sixteen-chars-xx",
            "eth0\n",
            "e/th",
            "$(id)",
            "eth0`",
            "ét",
        ] {
            let err = InterfaceName::parse(bad).unwrap_err();
            assert_eq!(err.code(), "fix.bad_argument", "{bad:?}");
        }
        let err = InterfaceName::parse("eth0;reboot").unwrap_err();
        assert_eq!(
            err.to_string(),
            "bad value for `interface`: \"eth0;reboot\" is not an interface name: only letters, digits and _ . : @ - are allowed"
        );
    }

    #[test]
    fn urls() {
        assert_eq!(
            WebUrl::parse("http://portal.lab.test/login?x=1")
                .unwrap()
                .as_str(),
            "http://portal.lab.test/login?x=1"
        );
        assert_eq!(
            WebUrl::parse("HTTPS://Example.COM").unwrap().as_str(),
            "https://example.com/"
        );
        for bad in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "http://a b/",
            "http://x/\"y",
            "http://x/\ny",
            "http://user:pw@x/",
            "http://x\\y/",
            "ftp://x/",
            "http://",
            "",
            "--help",
        ] {
            assert!(WebUrl::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn connections_per_client() {
        let c = |client, v| ConnectionName::parse(client, v);
        assert!(c(VpnClient::Wireguard, "wg0").is_ok());
        assert!(c(VpnClient::Wireguard, "/tmp/lab/wg/client.conf").is_ok());
        assert!(c(VpnClient::Wireguard, "/tmp/../etc/x.conf").is_err());
        assert!(c(VpnClient::Wireguard, "/tmp/x.sh").is_err());
        assert!(c(VpnClient::Wireguard, "wg 0").is_err());
        assert!(c(VpnClient::Networkmanager, "Corp VPN (Berlin)").is_ok());
        assert!(c(VpnClient::Networkmanager, "Corp\"VPN").is_err());
        assert!(c(VpnClient::Networkmanager, "--ask").is_err());
        assert!(c(VpnClient::Openvpn, "corp").is_ok());
        assert!(c(VpnClient::Openvpn, "corp vpn").is_err());
        assert!(VpnClient::parse("cisco").is_err());
    }

    #[test]
    fn minutes_are_bounded() {
        assert_eq!(DeferMinutes::parse("15").unwrap().get(), 15);
        assert!(DeferMinutes::parse("0").is_err());
        assert!(DeferMinutes::parse("721").is_err());
        assert!(DeferMinutes::parse("+5").is_ok());
        assert!(DeferMinutes::parse("5m").is_err());
    }

    proptest! {
        #[test]
        fn any_accepted_interface_name_is_in_the_allowed_set(s in any::<String>()) {
            if let Ok(name) = InterfaceName::parse(&s) {
                prop_assert!(name.as_str().len() <= 15);
                prop_assert!(!name.as_str().starts_with('-'));
                prop_assert!(name.as_str().chars().all(|c| c.is_ascii_alphanumeric() || "_.:@-".contains(c)));
            }
        }

        #[test]
        fn any_accepted_url_is_plain_http(s in any::<String>()) {
            if let Ok(u) = WebUrl::parse(&s) {
                prop_assert!(u.as_str().starts_with("http://") || u.as_str().starts_with("https://"));
                let bad = |c: char| c.is_control() || c.is_whitespace() || "\"\\`<>{}|^".contains(c);
                prop_assert!(!u.as_str().chars().any(bad), "{:?}", u);
            }
        }

        #[test]
        fn url_like_strings_never_smuggle_shell_characters(path in "[ -~]{0,40}") {
            let s = format!("http://portal.example/{path}");
            if let Ok(u) = WebUrl::parse(&s) {
                let bad = |c: char| " \"\\`<>{}|^".contains(c);
                prop_assert!(!u.as_str().chars().any(bad), "{:?}", u);
            }
        }

        #[test]
        fn any_accepted_connection_is_printable(s in any::<String>(), k in 0_usize..5) {
            let client = VpnClient::parse(VpnClient::NAMES[k]).unwrap();
            if let Ok(c) = ConnectionName::parse(client, &s) {
                prop_assert!(!c.as_str().starts_with('-'));
                prop_assert!(!c.as_str().chars().any(|ch| ch.is_control() || "\"'`\\".contains(ch)));
            }
        }
    }
}
