//! Semantic checks on the merged configuration: ranges, orderings between warn and fail
//! thresholds, URL, name and pattern shapes. Runs after merging because an ordering such as
//! `disk.fail_free_percent < disk.warn_free_percent` may involve values from two layers; each error
//! names the key and the file (from provenance) that set the offending value.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Display;

use crate::error::ConfigError;
use crate::layer::shorten;
use crate::loaded::Provenance;
use crate::schema::{Allowed, BUILTIN_FIXES, Config, KEYS};

/// Longest DNS name (RFC 1035, textual form).
const MAX_NAME_LEN: usize = 253;

/// Reads one URL key from the merged config.
type ReadUrl = fn(&Config) -> Option<&str>;

/// URLs a credential is sent to, with how to read each from the config. They must be
/// `https://` unless the host is this machine or in `security.allow_http_hosts`. A new
/// credential-bearing URL (such as `server.url`) joins with one line here.
const CREDENTIAL_URLS: &[(&str, ReadUrl)] = &[
    ("helpdesk.url", |c| c.helpdesk.url.as_deref()),
    ("server.url", |c| c.server.url.as_deref()),
];

/// Validates `config`, returning the warnings (accepted settings that weaken security or may
/// surprise, such as a destructive fix applied without asking) and every problem found, each
/// naming its key and the layer that set it.
pub(crate) fn check(
    config: &Config,
    provenance: &BTreeMap<String, Provenance>,
) -> (Vec<String>, Vec<Problem>) {
    let c = Checker {
        provenance,
        errors: RefCell::new(Vec::new()),
        warnings: RefCell::new(Vec::new()),
    };
    // The checks record into `c` and never stop early: `Err` is not produced.
    let _ = check_values(&c, config);
    let allowed = check_allow_list(&c, &config.security.allow_http_hosts).unwrap_or_default();
    for (key, read) in CREDENTIAL_URLS {
        if let Some(text) = read(config) {
            match c.credential_url(key, text, &allowed) {
                Ok(warning) => c.warnings.borrow_mut().extend(warning),
                Err(e) => c.errors.borrow_mut().push(Problem {
                    error: e,
                    related: None,
                }),
            }
        }
    }
    (c.warnings.into_inner(), c.errors.into_inner())
}

/// The rules [`crate::schema::KEYS`] declares (words, ranges, URL/name/path shapes), then the
/// orderings between keys and the shapes only code can check.
fn check_values(c: &Checker<'_>, config: &Config) -> Result<(), ConfigError> {
    check_declared(c, config)?;
    let n = &config.network;
    c.non_empty_list("network.probe_urls", &n.probe_urls)?;
    c.less(
        ("network.warn_loss_percent", n.warn_loss_percent),
        ("network.fail_loss_percent", n.fail_loss_percent),
    )?;
    c.less(
        ("network.warn_latency_ms", n.warn_latency_ms),
        ("network.fail_latency_ms", n.fail_latency_ms),
    )?;

    let v = &config.vpn;
    for (i, pattern) in v.interfaces.iter().enumerate() {
        if pattern.trim().is_empty() {
            c.fail(
                "vpn.interfaces",
                format!(
                    "item {}: expected a non-empty glob pattern such as \"wg*\"",
                    i + 1
                ),
            )?;
        }
    }
    if let Some(conn) = &v.connection
        && (conn.starts_with('-') || conn.chars().any(char::is_control))
    {
        c.fail(
            "vpn.connection",
            format!(
                "expected a connection name or config file path, found {:?}",
                shorten(conn)
            ),
        )?;
    }

    let d = &config.disk;
    c.less(
        ("disk.fail_free_percent", d.fail_free_percent),
        ("disk.warn_free_percent", d.warn_free_percent),
    )?;
    c.less(
        ("disk.fail_free_inodes_percent", d.fail_free_inodes_percent),
        ("disk.warn_free_inodes_percent", d.warn_free_inodes_percent),
    )?;

    let k = &config.clock;
    c.less(
        ("clock.warn_offset_s", k.warn_offset_s),
        ("clock.fail_offset_s", k.fail_offset_s),
    )?;
    check_branding(c, &config.branding)?;
    check_fixes(c, &config.fixes)?;
    check_tickets(c, &config.helpdesk, &config.tickets)?;
    check_password(c, &config.password)?;
    Ok(())
}

/// Every key's [`Allowed`] rule, read from the merged configuration as TOML (an unset key has
/// nothing to check).
fn check_declared(c: &Checker<'_>, config: &Config) -> Result<(), ConfigError> {
    let Ok(table) = toml::Table::try_from(config) else {
        return Ok(());
    };
    for spec in KEYS {
        let Some(value) = table
            .get(spec.section)
            .and_then(toml::Value::as_table)
            .and_then(|t| t.get(spec.name))
        else {
            continue;
        };
        let key = spec.dotted();
        let items: Vec<&toml::Value> = match value {
            toml::Value::Array(items) => items.iter().collect(),
            one => vec![one],
        };
        let texts = || -> Vec<String> {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        };
        match spec.allowed {
            Allowed::OneOf(words) => {
                for (i, item) in items.iter().enumerate() {
                    if let Some(text) = item.as_str()
                        && !words.contains(&text)
                    {
                        c.fail(
                            &key,
                            format!(
                                "{}expected one of {}, found {:?}",
                                list_item(value, i),
                                words.join(", "),
                                shorten(text)
                            ),
                        )?;
                    }
                }
            }
            Allowed::Range { min, max } => {
                for (i, item) in items.iter().enumerate() {
                    let Some(n) = item.as_integer().and_then(|n| u64::try_from(n).ok()) else {
                        continue;
                    };
                    if (min..=max).contains(&n) {
                        continue;
                    }
                    let expected = match (min, max) {
                        (1, u64::MAX) => "a value greater than 0".to_owned(),
                        (_, u64::MAX) => format!("at least {min}"),
                        (0, _) => format!("at most {max}"),
                        _ => format!("a value from {min} to {max}"),
                    };
                    c.fail(
                        &key,
                        format!("{}expected {expected}, found {n}", list_item(value, i)),
                    )?;
                }
            }
            Allowed::Percent => {
                for item in &items {
                    if let Some(n) = item.as_float().or_else(|| {
                        item.as_integer()
                            .and_then(|i| i32::try_from(i).ok())
                            .map(f64::from)
                    }) {
                        c.percent(&key, n)?;
                    }
                }
            }
            Allowed::HttpUrl => c.urls(&key, &texts())?,
            Allowed::HostName => c.names(&key, &texts())?,
            Allowed::Path => c.paths(&key, &texts())?,
            Allowed::Color => {
                for text in texts() {
                    let hex = text.strip_prefix('#').unwrap_or("");
                    if hex.len() != 6 || !hex.chars().all(|ch| ch.is_ascii_hexdigit()) {
                        c.fail(
                            &key,
                            format!("must be a colour written as #rrggbb, got {text:?}"),
                        )?;
                    }
                }
            }
            Allowed::Any | Allowed::Shape(_) => {}
        }
    }
    Ok(())
}

/// "item 2: " for an item of a list of more than one entry; nothing for single values.
fn list_item(value: &toml::Value, index: usize) -> String {
    value
        .as_array()
        .map_or_else(String::new, |a| item(a.len(), index))
}

/// Surfaces of the app's light theme that accent-coloured text must stay readable on (the UI's
/// `THEME_SURFACES.light`, `ui/src/lib/contrast.ts`).
const LIGHT_SURFACES: &[&str] = &["#ffffff", "#f4f6f9", "#f0f2f6"];
/// WCAG AA contrast for text.
const AA_TEXT: f64 = 4.5;

/// WCAG 2 relative luminance of `#rrggbb`.
fn luminance(hex: &str) -> Option<f64> {
    let h = hex.strip_prefix('#')?;
    if h.len() != 6 || !h.is_ascii() {
        return None;
    }
    let channel = |i: usize| -> Option<f64> {
        let v = f64::from(u8::from_str_radix(&h[i..i + 2], 16).ok()?) / 255.0;
        Some(if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        })
    };
    Some(0.2126 * channel(0)? + 0.7152 * channel(2)? + 0.0722 * channel(4)?)
}

/// WCAG 2 contrast ratio of two `#rrggbb` colours.
fn contrast(a: &str, b: &str) -> Option<f64> {
    let (la, lb) = (luminance(a)?, luminance(b)?);
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    Some((hi + 0.05) / (lo + 0.05))
}

/// `[branding]`: the accent against the UI's AA rule (a warning: the UI adjusts the shade),
/// the contact e-mail and the support links.
fn check_branding(c: &Checker<'_>, b: &crate::schema::BrandingConfig) -> Result<(), ConfigError> {
    // On the light theme the accent is used as given unless it is too light to read; on the
    // dark theme the app always lightens it (no colour reads on both), so only the light theme
    // warns, and only for IT's choice.
    let chosen = c
        .provenance
        .get("branding.accent_color")
        .is_some_and(|p| p.source.kind != crate::SourceKind::Default);
    let worst = LIGHT_SURFACES
        .iter()
        .filter_map(|s| contrast(&b.accent_color, s))
        .fold(f64::INFINITY, f64::min);
    if chosen && worst.is_finite() && worst < AA_TEXT {
        c.warnings.borrow_mut().push(format!(
            "`branding.accent_color` (from {}) {} has {worst:.1}:1 contrast with the app's light \
             theme, under the 4.5:1 text needs (WCAG AA): the app shows a darker shade of it for \
             text and focus rings; pick a darker colour to see it as given",
            c.file("branding.accent_color"),
            b.accent_color,
        ));
    }
    if let Some(mail) = &b.contact_email
        && !mail.split_once('@').is_some_and(|(u, d)| {
            !u.is_empty() && d.contains('.') && !mail.contains(char::is_whitespace)
        })
    {
        c.fail(
            "branding.contact_email",
            format!(
                "expected an e-mail address such as \"it@corp.example\", found {:?}",
                shorten(mail)
            ),
        )?;
    }
    for (i, entry) in b.support_links.iter().enumerate() {
        let url = entry
            .split_once('=')
            .filter(|(title, _)| !title.trim().is_empty())
            .map(|(_, url)| url.trim())
            .and_then(|u| url::Url::parse(u).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
        if url.is_none() {
            c.fail(
                "branding.support_links",
                format!(
                    "{}expected \"title = https://…\", found {:?}",
                    item(b.support_links.len(), i),
                    shorten(entry)
                ),
            )?;
        }
    }
    Ok(())
}

/// `security.allow_http_hosts`: bare host names or IP addresses (IPv6 in brackets), returned
/// in the normalised form URL hosts are compared in.
fn check_allow_list(c: &Checker<'_>, hosts: &[String]) -> Result<Vec<String>, ConfigError> {
    let key = "security.allow_http_hosts";
    let mut out = Vec::new();
    for (i, entry) in hosts.iter().enumerate() {
        let parsed = url::Host::parse(entry.trim())
            .ok()
            .filter(|_| !entry.contains('*') && !entry.trim().is_empty());
        let Some(host) = parsed else {
            c.fail(
                key,
                format!(
                    "{}expected a host name such as \"helpdesk.corp.example\" (no scheme, port, \
                     path or wildcard; IPv6 in brackets), found {:?}",
                    item(hosts.len(), i),
                    shorten(entry)
                ),
            )?;
            continue;
        };
        out.push(host.to_string());
    }
    Ok(out)
}

/// Whether `host` is this machine: 127.0.0.0/8, `::1` or `localhost`.
fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// Fix and action ids: lowercase ASCII letters, digits, `.`, `_`, `-`; 1 to 64 characters.
pub(crate) fn is_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

fn check_fixes(c: &Checker<'_>, f: &crate::schema::FixesConfig) -> Result<(), ConfigError> {
    let builtin = || BUILTIN_FIXES.iter().map(|(id, _)| *id);
    for (key, ids) in [("fixes.auto", &f.auto), ("fixes.disabled", &f.disabled)] {
        for (i, id) in ids.iter().enumerate() {
            if !is_id(id) {
                c.fail(
                    key,
                    format!(
                        "{}{:?} is not a fix id such as \"net.flush_dns\"",
                        item(ids.len(), i),
                        shorten(id)
                    ),
                )?;
                continue;
            }
            let known = builtin().any(|b| b == id)
                || (key == "fixes.disabled" && f.actions.iter().any(|a| &a.id == id));
            if !known {
                let what = if key == "fixes.auto" {
                    "a built-in fix"
                } else {
                    "a built-in fix or an admin action"
                };
                let suggestion = crate::layer::closest(id, builtin().map(str::to_owned))
                    .map(|s| format!(" (did you mean {s:?}?)"))
                    .unwrap_or_default();
                c.fail(
                    key,
                    format!(
                        "{}expected {what}, found unknown fix id {:?}{suggestion}; known fixes: {}",
                        item(ids.len(), i),
                        shorten(id),
                        builtin().collect::<Vec<_>>().join(", ")
                    ),
                )?;
            }
        }
    }
    for id in &f.auto {
        if let Some((_, Some(why))) = BUILTIN_FIXES.iter().find(|(b, _)| b == id)
            && !f.disabled.contains(id)
        {
            c.warnings.borrow_mut().push(format!(
                "`fixes.auto` (from {}) lets `diagnose --fix` apply {id:?} without asking, and it \
                 {why}; remove it from fixes.auto unless that is intended",
                c.file("fixes.auto")
            ));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, a) in f.actions.iter().enumerate() {
        let at = format!("item {} (id {:?})", i + 1, a.id);
        let problem = if !is_id(&a.id) {
            Some("`id` must be 1-64 lowercase letters, digits, '.', '_' or '-'".to_owned())
        } else if !seen.insert(a.id.as_str()) {
            Some("`id` is used by an earlier action".to_owned())
        } else if a.title.trim().is_empty() {
            Some("`title` must not be empty".to_owned())
        } else if !(a.program.starts_with('/') || is_windows_absolute(&a.program)) {
            Some(format!(
                "`program` must be an absolute path, got {:?}",
                a.program
            ))
        } else if !(1..=3600).contains(&a.timeout_s) {
            Some(format!(
                "`timeout_s` must be between 1 and 3600, got {}",
                a.timeout_s
            ))
        } else if a.args.iter().any(|arg| arg.contains('\0')) {
            Some("an argument contains a NUL character".to_owned())
        } else {
            None
        };
        if let Some(problem) = problem {
            c.fail("fixes.actions", format!("{at}: {problem}"))?;
        }
    }
    Ok(())
}

/// `[password]`: the source, URL schemes and the shapes the password crate relies on.
fn check_password(c: &Checker<'_>, p: &crate::schema::PasswordConfig) -> Result<(), ConfigError> {
    if let Some(text) = &p.url {
        let problem = match url::Url::parse(text) {
            Err(e) => Some(e.to_string()),
            Ok(u) if !matches!(u.scheme(), "ldap" | "ldaps") => Some(format!(
                "scheme `{}` is not ldaps or ldap (StartTLS)",
                shorten(u.scheme())
            )),
            Ok(u) if u.host_str().is_none_or(str::is_empty) => Some("no host".to_owned()),
            Ok(_) => None,
        };
        if let Some(problem) = problem {
            c.fail(
                "password.url",
                format!(
                    "expected an ldaps:// or ldap:// URL, found {:?} ({problem})",
                    shorten(text)
                ),
            )?;
        }
    }
    if let Some(template) = &p.user_dn_template
        && !template.contains("{user}")
    {
        c.fail(
            "password.user_dn_template",
            format!(
                "must contain {{user}} where the account name goes, such as \"uid={{user}},ou=people,dc=example,dc=org\", found {:?}",
                shorten(template)
            ),
        )?;
    }
    for (i, entry) in p.keyring_entries.iter().enumerate() {
        let ok = entry
            .rsplit_once('/')
            .is_some_and(|(service, user)| !service.trim().is_empty() && !user.trim().is_empty());
        if !ok {
            c.fail(
                "password.keyring_entries",
                format!(
                    "{}expected \"service/user\" such as \"imap.corp.example/{{user}}\", found {:?}",
                    item(p.keyring_entries.len(), i),
                    shorten(entry)
                ),
            )?;
        }
    }
    Ok(())
}

/// `[helpdesk]` and `[tickets]`: connector names, URLs, SMTP transport, caps.
fn check_tickets(
    c: &Checker<'_>,
    h: &crate::schema::HelpdeskConfig,
    t: &crate::schema::TicketsConfig,
) -> Result<(), ConfigError> {
    if h.smtp_tls == "none"
        && let Some(host) = &h.smtp_host
        && !matches!(host.as_str(), "127.0.0.1" | "::1" | "[::1]" | "localhost")
    {
        c.fail_with(
            "helpdesk.smtp_tls",
            Some("helpdesk.smtp_host"),
            format!(
                "\"none\" (plain SMTP) is only accepted for a mail server on this machine, but helpdesk.smtp_host is {:?}; use \"starttls\" or \"tls\"",
                shorten(host)
            ),
        )?;
    }
    if let Some(template) = &t.requester
        && !template.contains('@')
    {
        return c.fail(
            "tickets.requester",
            format!(
                "expected an e-mail template such as \"{{user}}@corp.example\", found {:?}",
                shorten(template)
            ),
        );
    }
    for (key, list, right) in [
        ("tickets.requesters", &t.requesters, "an e-mail address"),
        ("tickets.categories", &t.categories, "a category"),
    ] {
        for (i, entry) in list.iter().enumerate() {
            let ok = entry.split_once('=').is_some_and(|(l, r)| {
                !l.trim().is_empty()
                    && !r.trim().is_empty()
                    && (key != "tickets.requesters" || r.contains('@'))
            });
            if !ok {
                return c.fail(
                    key,
                    format!(
                        "{}expected \"name = {right}\", found {:?}",
                        item(list.len(), i),
                        shorten(entry)
                    ),
                );
            }
        }
    }
    Ok(())
}

/// `C:\…` or `\\server\…`.
fn is_windows_absolute(path: &str) -> bool {
    let b = path.as_bytes();
    (b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/'))
        || path.starts_with("\\\\")
}

/// One problem with the merged configuration: the error (on the key it is reported on) and,
/// when it comes from two keys together (an ordering, `smtp_tls = "none"` with a remote
/// `smtp_host`), the other key. Either value may be the one to drop when it came from policy.
#[derive(Debug)]
pub(crate) struct Problem {
    /// The error, naming the key it is reported on.
    pub(crate) error: ConfigError,
    /// The other key involved, for a rule over two keys.
    pub(crate) related: Option<&'static str>,
}

/// Records every problem found: `fail` returns `Ok` so a check goes on with the next key.
struct Checker<'a> {
    provenance: &'a BTreeMap<String, Provenance>,
    errors: RefCell<Vec<Problem>>,
    warnings: RefCell<Vec<String>>,
}

impl Checker<'_> {
    fn file(&self, key: &str) -> String {
        self.provenance
            .get(key)
            .map_or_else(|| "default".to_owned(), |p| p.source.location())
    }

    fn fail(&self, key: &str, problem: String) -> Result<(), ConfigError> {
        self.fail_with(key, None, problem)
    }

    /// Records a problem of `key` found together with `related` (a rule over two keys).
    fn fail_with(
        &self,
        key: &str,
        related: Option<&'static str>,
        problem: String,
    ) -> Result<(), ConfigError> {
        let error = ConfigError::InvalidValue {
            file: self.file(key),
            key: key.to_owned(),
            problem,
            line: self.provenance.get(key).and_then(|p| {
                p.origin
                    .as_deref()
                    .and_then(|o| o.strip_prefix("line "))
                    .and_then(|l| l.parse().ok())
            }),
        };
        self.errors.borrow_mut().push(Problem { error, related });
        Ok(())
    }

    fn percent(&self, key: &str, value: f64) -> Result<(), ConfigError> {
        if (0.0..=100.0).contains(&value) {
            return Ok(());
        }
        self.fail(
            key,
            format!("expected a percentage from 0 to 100, found {value}"),
        )
    }

    /// `low` must be strictly less than `high`; the error is reported on `low`'s key unless
    /// only `high` was changed from the defaults.
    fn less<T: PartialOrd + Display>(
        &self,
        (low_key, low): (&'static str, T),
        (high_key, high): (&'static str, T),
    ) -> Result<(), ConfigError> {
        if low < high {
            return Ok(());
        }
        let low_is_default = self
            .provenance
            .get(low_key)
            .is_none_or(|p| p.source.kind == crate::SourceKind::Default);
        if low_is_default {
            return self.fail_with(
                high_key,
                Some(low_key),
                format!(
                    "must be greater than `{low_key}` ({low}, from {}), found {high}",
                    self.file(low_key)
                ),
            );
        }
        self.fail_with(
            low_key,
            Some(high_key),
            format!(
                "must be less than `{high_key}` ({high}, from {}), found {low}",
                self.file(high_key)
            ),
        )
    }

    /// A URL credentials are sent to: `https://`, or plain `http://` to this machine (no
    /// warning) or to a host in `allowed` (a warning, returned). Anything else is
    /// [`ConfigError::InsecureUrl`]. The URL's shape was checked by [`Checker::urls`] already.
    fn credential_url(
        &self,
        key: &str,
        text: &str,
        allowed: &[String],
    ) -> Result<Option<String>, ConfigError> {
        let Ok(url) = url::Url::parse(text) else {
            return Ok(None);
        };
        let Some(host) = url.host() else {
            return Ok(None);
        };
        if url.scheme() != "http" || is_loopback(&host) {
            return Ok(None);
        }
        let shown = host.to_string();
        if allowed.contains(&shown) {
            return Ok(Some(format!(
                "`{key}` sends credentials over plain http:// to {shown}, unencrypted; it is \
                 allowed by security.allow_http_hosts (from {}); move the server to https:// \
                 and remove the exception",
                self.file("security.allow_http_hosts")
            )));
        }
        let layer = self
            .provenance
            .get(key)
            .map_or("default", |p| p.source.kind.as_str());
        Err(ConfigError::InsecureUrl {
            file: self.file(key),
            key: key.to_owned(),
            layer,
            host: shorten(&shown),
        })
    }

    fn non_empty_list(&self, key: &str, list: &[String]) -> Result<(), ConfigError> {
        if list.is_empty() {
            return self.fail(
                key,
                "expected at least one item, found an empty list".to_owned(),
            );
        }
        Ok(())
    }

    fn urls(&self, key: &str, urls: &[String]) -> Result<(), ConfigError> {
        for (i, text) in urls.iter().enumerate() {
            let problem = match url::Url::parse(text) {
                Err(e) => Some(e.to_string()),
                Ok(u) if !matches!(u.scheme(), "http" | "https") => Some(format!(
                    "scheme `{}` is not http or https",
                    shorten(u.scheme())
                )),
                Ok(u) if u.host_str().is_none_or(str::is_empty) => Some("no host".to_owned()),
                Ok(_) => None,
            };
            if let Some(problem) = problem {
                return self.fail(
                    key,
                    format!(
                        "{}expected an http:// or https:// URL, found {:?} ({problem})",
                        item(urls.len(), i),
                        shorten(text)
                    ),
                );
            }
        }
        Ok(())
    }

    fn names(&self, key: &str, names: &[String]) -> Result<(), ConfigError> {
        for (i, name) in names.iter().enumerate() {
            let problem = if name.is_empty() {
                Some("an empty name")
            } else if name.chars().any(char::is_whitespace) {
                Some("a name containing whitespace")
            } else if name.len() > MAX_NAME_LEN {
                Some("a name longer than 253 characters")
            } else {
                None
            };
            if let Some(problem) = problem {
                return self.fail(
                    key,
                    format!(
                        "{}expected a host name such as \"intranet.example.com\", found {problem} ({:?})",
                        item(names.len(), i),
                        shorten(name)
                    ),
                );
            }
        }
        Ok(())
    }

    fn paths(&self, key: &str, paths: &[String]) -> Result<(), ConfigError> {
        for (i, path) in paths.iter().enumerate() {
            if path.trim().is_empty() {
                return self.fail(
                    key,
                    format!(
                        "{}expected a non-empty path, found {path:?}",
                        item(paths.len(), i)
                    ),
                );
            }
        }
        Ok(())
    }
}

/// "item 2: " for lists of more than one entry; nothing for single values.
fn item(len: usize, index: usize) -> String {
    if len > 1 {
        format!("item {}: ", index + 1)
    } else {
        String::new()
    }
}
