//! Password expiry read with the user's Kerberos ticket, so nothing needs a saved password: on
//! a domain-joined machine the user already holds a ticket-granting ticket.
//!
//! - Linux and macOS: `ldapsearch -Y GSSAPI` (OpenLDAP's client with the Cyrus SASL GSSAPI
//!   module; macOS ships both), signed and sealed on plain LDAP ([`gssapi_url`]), reads the
//!   account's
//!   `msDS-UserPasswordExpiryTimeComputed` and `msDS-User-Account-Control-Computed`, only when
//!   `klist -s` says a valid ticket is cached. `-N`: the server's name is taken as written in
//!   `password.url` (no reverse DNS), so its `ldap/<name>` service principal must exist.
//! - Windows: PowerShell's `[adsisearcher]` binds as the signed-in user through SSPI (the
//!   logon session's Kerberos ticket) and prints the same attributes as `name: value` lines.
//!
//! Both print LDIF-like text that [`parse_attrs`] reads; [`reading_of`] turns it into a
//! [`Reading`]. The policy is not read this way (the change form reads it with the password
//! the user types). The programs are thin runners; the argument builders and parsers are pure
//! and tested on every OS.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::PasswordError;
use crate::ad::{self, AdExpiry};
use crate::directory::{Expiry, Reading};
use crate::settings::Settings;

/// How long the directory read may take.
const TIMEOUT: Duration = Duration::from_secs(15);

/// The attributes read.
const ATTRS: [&str; 2] = [
    "msDS-UserPasswordExpiryTimeComputed",
    "msDS-User-Account-Control-Computed",
];

/// `UF_LOCKOUT` in `msDS-User-Account-Control-Computed`.
const UF_LOCKOUT: u64 = 0x10;
/// `UF_PASSWORD_EXPIRED` in `msDS-User-Account-Control-Computed`.
const UF_PASSWORD_EXPIRED: u64 = 0x0080_0000;

/// RFC 4515 escaping of a filter value.
fn filter_escape(value: &str) -> String {
    let mut out = String::new();
    for c in value.chars() {
        match c {
            '*' => out.push_str("\\2a"),
            '(' => out.push_str("\\28"),
            ')' => out.push_str("\\29"),
            '\\' => out.push_str("\\5c"),
            '\0' => out.push_str("\\00"),
            _ => out.push(c),
        }
    }
    out
}

/// The directory address for a Kerberos bind: plain LDAP on the same host (port 389), where
/// the GSSAPI session is signed and sealed — AD refuses sign and seal inside TLS ("Sign or
/// Seal are not allowed if TLS is used") and, without them, refuses the bind ("Sign or Seal
/// are required"; both measured on Samba 4.17). No password crosses the wire either way.
#[must_use]
pub fn gssapi_url(url: &str) -> String {
    match url.strip_prefix("ldaps://") {
        Some(rest) => {
            let host_port = rest.split('/').next().unwrap_or(rest);
            // `[v6]:port` or `host:port`: keep the host only.
            let host = match host_port.rsplit_once(':') {
                Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) && !h.is_empty() => h,
                _ => host_port,
            };
            format!("ldap://{host}")
        }
        None => url.to_owned(),
    }
}

/// `ldapsearch`'s arguments for `account` under `base` at `url` ([`gssapi_url`] of it).
#[must_use]
pub fn ldapsearch_args(url: &str, base: &str, account: &str) -> Vec<String> {
    let url = gssapi_url(url);
    let mut args: Vec<String> = [
        "-LLL",
        "-Q",
        "-N",
        "-o",
        "ldif-wrap=no",
        "-Y",
        "GSSAPI",
        "-H",
        &url,
        "-b",
        base,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    args.push(format!(
        "(&(objectClass=user)(sAMAccountName={}))",
        filter_escape(account)
    ));
    args.extend(ATTRS.iter().map(|a| (*a).to_owned()));
    args
}

/// The PowerShell script that prints the attributes for `account` (Windows, SSPI).
#[must_use]
pub fn windows_script(account: &str) -> String {
    // Inside a single-quoted PowerShell string only `'` is special (doubled).
    let filter = format!(
        "(&(objectClass=user)(sAMAccountName={}))",
        filter_escape(account)
    )
    .replace('\'', "''");
    let props = ATTRS
        .iter()
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(",");
    format!(
        "$ErrorActionPreference='Stop'; $s=[adsisearcher]'{filter}'; \
         $s.PropertiesToLoad.AddRange(@({props})); $r=$s.FindOne(); \
         if ($r) {{ 'dn: ' + $r.Path; foreach ($k in $r.Properties.PropertyNames) {{ \
         foreach ($v in $r.Properties[$k]) {{ $k + ': ' + $v }} }} }}"
    )
}

/// `name: value` lines (LDIF, unfolded) → values by lower-case attribute name. Base64 values
/// (`name:: …`) are decoded; lines that are not attributes are skipped.
#[must_use]
pub fn parse_attrs(text: &str) -> BTreeMap<String, Vec<String>> {
    use base64::Engine as _;
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // Unfold: a line starting with one space continues the previous one.
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(rest) = line.strip_prefix(' ')
            && let Some(last) = lines.last_mut()
        {
            last.push_str(rest);
        } else {
            lines.push(line.to_owned());
        }
    }
    for line in lines {
        if line.starts_with('#') {
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim().to_ascii_lowercase();
        if name.is_empty() || name.contains(' ') {
            continue;
        }
        let value = match value.strip_prefix(':') {
            Some(b64) => match base64::engine::general_purpose::STANDARD.decode(b64.trim()) {
                Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Err(_) => continue,
            },
            None => value.trim().to_owned(),
        };
        out.entry(name).or_default().push(value);
    }
    out
}

/// The expiry and flags of the account from [`parse_attrs`]'s result.
///
/// # Errors
/// [`PasswordError::AccountNotFound`] when the search found no entry.
pub fn reading_of(
    attrs: &BTreeMap<String, Vec<String>>,
    account: &str,
) -> Result<Reading, PasswordError> {
    if !attrs.contains_key("dn") {
        return Err(PasswordError::AccountNotFound(account.to_owned()));
    }
    let first = |name: &str| {
        attrs
            .get(&name.to_ascii_lowercase())
            .and_then(|v| v.first())
            .map(String::as_str)
    };
    let flags = first("msDS-User-Account-Control-Computed")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    let (expiry, mut must_change) =
        match first("msDS-UserPasswordExpiryTimeComputed").map(ad::parse_filetime) {
            Some(Ok(AdExpiry::Never)) => (Expiry::Never, false),
            Some(Ok(AdExpiry::MustChange)) => (Expiry::Unknown, true),
            Some(Ok(AdExpiry::At(t))) => (Expiry::At(t), false),
            Some(Err(_)) | None => (Expiry::Unknown, false),
        };
    if flags & UF_PASSWORD_EXPIRED != 0 && expiry == Expiry::Unknown {
        must_change = true;
    }
    if flags & UF_LOCKOUT != 0 {
        return Err(PasswordError::AccountLocked);
    }
    Ok(Reading {
        expiry,
        grace_remaining: None,
        must_change,
        policy: None,
    })
}

/// Reads the expiry with the user's ticket; `Ok(None)` when there is no ticket or no tool to
/// use it (the caller then asks for the password).
///
/// # Errors
/// The directory's answer (account not found, locked) once a ticket was used.
pub async fn read(s: &Settings) -> Result<Option<Reading>, PasswordError> {
    let account = s.short_account().to_owned();
    let text = if cfg!(windows) {
        let cmd = deskside_exec::Cmd::new("powershell.exe")
            .args([
                "-NoProfile",
                "-NonInteractive",
                "-Command",
                &windows_script(&account),
            ])
            .timeout(TIMEOUT);
        match deskside_exec::run(&cmd).await {
            Ok(out) if out.code == Some(0) => out.stdout,
            Ok(out) => {
                tracing::debug!(stderr = %out.stderr.trim(), "no expiry through SSPI");
                return Ok(None);
            }
            Err(e) => {
                tracing::debug!(error = %e, "PowerShell not usable");
                return Ok(None);
            }
        }
    } else {
        let (Some(url), Some(base)) = (s.url.as_deref(), s.base_dn.as_deref()) else {
            return Ok(None);
        };
        let with_env = |mut cmd: deskside_exec::Cmd| {
            if let Some(krb5) = &s.krb5_config {
                cmd = cmd.env("KRB5_CONFIG", krb5.to_string_lossy().as_ref());
            }
            if let Some(ca) = &s.ca_file {
                cmd = cmd.env("LDAPTLS_CACERT", ca.to_string_lossy().as_ref());
            }
            cmd
        };
        // `klist -s`: exit 0 only with a valid (unexpired) ticket in the cache.
        let has_ticket = deskside_exec::run(&with_env(
            deskside_exec::Cmd::new("klist")
                .args(["-s"])
                .timeout(TIMEOUT),
        ))
        .await
        .is_ok_and(|o| o.code == Some(0));
        if !has_ticket {
            return Ok(None);
        }
        let cmd = with_env(
            deskside_exec::Cmd::new("ldapsearch")
                .args(ldapsearch_args(url, base, &account))
                .timeout(TIMEOUT),
        );
        match deskside_exec::run(&cmd).await {
            Ok(out) if out.code == Some(0) => out.stdout,
            Ok(out) => {
                tracing::info!(stderr = %out.stderr.trim(), "the ticket did not open the directory; asking for the password");
                return Ok(None);
            }
            Err(e) => {
                tracing::debug!(error = %e, "ldapsearch not usable");
                return Ok(None);
            }
        }
    };
    reading_of(&parse_attrs(&text), &account).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldapsearch_asks_gssapi_for_the_escaped_account_only() {
        let args = ldapsearch_args("ldap://dc1.corp.example", "DC=corp,DC=example", "j*doe)(x");
        assert!(args.windows(2).any(|w| w == ["-Y", "GSSAPI"]));
        assert!(args.contains(&"-N".to_owned()));
        assert!(
            args.contains(&"(&(objectClass=user)(sAMAccountName=j\\2adoe\\29\\28x))".to_owned())
        );
        assert!(args.ends_with(&ATTRS.map(str::to_owned)));
        let tls = ldapsearch_args("ldaps://dc1.corp.example:636", "DC=x", "a");
        assert!(
            tls.windows(2)
                .any(|w| w == ["-H", "ldap://dc1.corp.example"]),
            "{tls:?}"
        );
        assert_eq!(gssapi_url("ldaps://[::1]:636"), "ldap://[::1]");
        assert_eq!(gssapi_url("ldap://dc1:3890"), "ldap://dc1:3890");
        assert_eq!(gssapi_url("ldaps://dc1"), "ldap://dc1");
    }

    #[test]
    fn the_powershell_script_quotes_the_account() {
        let s = windows_script("o'neil");
        assert!(s.contains("sAMAccountName=o''neil"), "{s}");
        assert!(s.contains("'msDS-UserPasswordExpiryTimeComputed'"), "{s}");
    }

    /// Real `ldapsearch_args` output against Samba AD 4.17 (the directory tests' DC) for a
    /// user with a 42-day password, referrals included.
    const SAMBA: &str = "dn: CN=ad1050x0,CN=Users,DC=deskside,DC=test\n\
msDS-UserPasswordExpiryTimeComputed: 134447141747927170\n\
msDS-User-Account-Control-Computed: 0\n\
\n\
# refldap://deskside.test/CN=Configuration,DC=deskside,DC=test\n\
\n\
# refldap://deskside.test/DC=DomainDnsZones,DC=deskside,DC=test\n\
\n\
# refldap://deskside.test/DC=ForestDnsZones,DC=deskside,DC=test\n\
\n";

    #[test]
    fn ldif_attributes_become_a_reading() {
        let attrs = parse_attrs(SAMBA);
        assert_eq!(
            attrs.len(),
            3,
            "referral comments are not attributes: {attrs:?}"
        );
        let r = reading_of(&attrs, "ad1050x0").unwrap();
        // 134447141747927170 (100 ns since 1601) is 2027-01-18 02:49:34 UTC, 42 days on.
        let Expiry::At(t) = r.expiry else {
            panic!("{:?}", r.expiry)
        };
        assert_eq!(t.unix_timestamp(), 1_800_240_574);
        assert!(!r.must_change);
        // Never expires; must change at next logon; locked; not found.
        let never =
            parse_attrs("dn: x\nmsDS-UserPasswordExpiryTimeComputed: 9223372036854775807\n");
        assert_eq!(reading_of(&never, "a").unwrap().expiry, Expiry::Never);
        let must = parse_attrs("dn: x\nmsDS-UserPasswordExpiryTimeComputed: 0\n");
        assert!(reading_of(&must, "a").unwrap().must_change);
        let locked = parse_attrs("dn: x\nmsDS-User-Account-Control-Computed: 16\n");
        assert!(matches!(
            reading_of(&locked, "a"),
            Err(PasswordError::AccountLocked)
        ));
        assert!(matches!(
            reading_of(&parse_attrs(""), "a"),
            Err(PasswordError::AccountNotFound(_))
        ));
    }

    #[test]
    fn ldif_folding_base64_and_powershell_lines_are_read() {
        let attrs = parse_attrs(
            "# comment\ndn: CN=Ren\n é,DC=x\ndescription:: w6k=\r\nmsds-userpasswordexpirytimecomputed: 1\nnot an attribute line\n",
        );
        assert_eq!(attrs["dn"], ["CN=René,DC=x"]);
        assert_eq!(attrs["description"], ["é"]);
        assert_eq!(attrs["msds-userpasswordexpirytimecomputed"], ["1"]);
        assert_eq!(attrs.len(), 3);
    }
}
