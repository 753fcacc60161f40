//! The LDAP side: one [`Session`] per operation over LDAPS or StartTLS (never plain: an
//! `ldap://` URL always upgrades, and a failed upgrade ends the session before any bind), with a
//! custom root store from `password.ca_file`, a timeout on every step, the raw ppolicy control,
//! and the AD (`unicodePwd` delete + add) and OpenLDAP (RFC 3062) password changes. Answers are
//! mapped through [`crate::ad`] and [`crate::ppolicy`]; passwords are only exposed into the
//! request being built.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use ldap3::controls::RawControl;
use ldap3::exop::PasswordModify;
use ldap3::{
    Ldap, LdapConnAsync, LdapConnSettings, LdapError, LdapResult, Mod, Scope, SearchEntry,
};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use time::OffsetDateTime;

use crate::ad::{self, AdExpiry};
use crate::error::PasswordError;
use crate::policy::Policy;
use crate::ppolicy::{self, PolicyError, PolicyResponse};
use crate::secret::Password;
use crate::settings::{Settings, SourceKind};

/// Connect, TLS handshake and every LDAP operation each get this long.
pub const OP_TIMEOUT: Duration = Duration::from_secs(10);
/// Kerberos' default clock tolerance.
pub const MAX_CLOCK_SKEW_S: u64 = 300;

/// Attribute names and values for a modify, zeroed on drop (ldap3 wants `Hash`, which
/// `Zeroizing` does not implement).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Bytes(pub(crate) zeroize::Zeroizing<Vec<u8>>);

impl std::hash::Hash for Bytes {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.as_slice().hash(state);
    }
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<bytes>")
    }
}

/// What the directory says about the account's password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expiry {
    /// Never expires.
    Never,
    /// Expires (or expired) at this instant.
    At(OffsetDateTime),
    /// The directory did not say.
    Unknown,
}

/// One live reading.
#[derive(Debug, Clone)]
pub struct Reading {
    /// When the password expires.
    pub expiry: Expiry,
    /// ppolicy grace logins left (the password has expired; this bind used one).
    pub grace_remaining: Option<u32>,
    /// The password must be changed before use (reset by an administrator).
    pub must_change: bool,
    /// The policy the directory applies to this account, if readable.
    pub policy: Option<Policy>,
}

/// A connection to the configured directory.
#[derive(Debug)]
pub struct Session {
    pub(crate) ldap: Ldap,
    pub(crate) url: String,
    source: SourceKind,
    /// The bound user's DN (AD: found by search; OpenLDAP: from the template).
    user_dn: Option<String>,
    /// The ppolicy answer of the user bind.
    bind_policy: Option<PolicyResponse>,
}

fn tls_config(s: &Settings) -> Result<Arc<rustls::ClientConfig>, PasswordError> {
    let url = s.url.clone().unwrap_or_default();
    let tls = |detail: String| PasswordError::TlsError {
        url: url.clone(),
        detail,
    };
    let mut roots = rustls::RootCertStore::empty();
    if let Some(path) = &s.ca_file {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .map_err(|e| tls(format!("cannot read the CA file {}: {e}", path.display())))?
            .collect::<Result<_, _>>()
            .map_err(|e| tls(format!("the CA file {} is not PEM: {e}", path.display())))?;
        if certs.is_empty() {
            return Err(tls(format!(
                "the CA file {} holds no certificate",
                path.display()
            )));
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| tls(format!("bad CA certificate in {}: {e}", path.display())))?;
        }
    } else {
        for cert in rustls_native_certs::load_native_certs().certs {
            // A certificate the OS store holds but rustls cannot parse is skipped, as browsers do.
            let _ = roots.add(cert);
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Whether an I/O error carries a TLS failure (rustls wraps its errors in `io::Error`).
fn tls_cause(e: &std::io::Error) -> Option<String> {
    let inner = e.get_ref()?;
    inner.downcast_ref::<rustls::Error>().map(|r| match r {
        rustls::Error::InvalidCertificate(c) => {
            format!("the server's certificate is not trusted ({c:?})")
        }
        other => other.to_string(),
    })
}

/// Classifies an error from connecting (TCP, StartTLS, handshake).
fn connect_error(url: &str, starttls: bool, e: &LdapError) -> PasswordError {
    let unreachable = |detail: String| PasswordError::DirectoryUnreachable {
        url: url.to_owned(),
        detail,
    };
    let tls = |detail: String| PasswordError::TlsError {
        url: url.to_owned(),
        detail,
    };
    use std::io::ErrorKind as K;
    match e {
        LdapError::Io { source } => {
            if let Some(detail) = tls_cause(source) {
                return tls(detail);
            }
            // The TCP connection was already up: any I/O failure now is the TLS set-up.
            match source.kind() {
                K::TimedOut => unreachable(source.to_string()),
                _ => tls(format!(
                    "the server broke off the encrypted connection ({source})"
                )),
            }
        }
        LdapError::Timeout { .. } => unreachable("no answer in time".to_owned()),
        LdapError::Rustls { source } => tls(source.to_string()),
        LdapError::DNSName { source } => {
            tls(format!("the URL's host is not a valid TLS name ({source})"))
        }
        LdapError::LdapResult { result } if starttls => tls(format!(
            "the server refused StartTLS (LDAP result {}: {})",
            result.rc,
            result.text.trim()
        )),
        LdapError::EndOfStream | LdapError::ResultRecv { .. } | LdapError::OpSend { .. } => {
            tls("the server closed the connection instead of setting up TLS".to_owned())
        }
        other => unreachable(other.to_string()),
    }
}

/// Opens the TCP connection to the URL's host and port (389 / 636 by default).
async fn tcp_connect(url: &str) -> Result<std::net::TcpStream, PasswordError> {
    let unreachable = |detail: String| PasswordError::DirectoryUnreachable {
        url: url.to_owned(),
        detail,
    };
    let parsed = url::Url::parse(url).map_err(|e| unreachable(e.to_string()))?;
    let host = parsed
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| unreachable("the URL has no host".to_owned()))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = parsed
        .port()
        .unwrap_or(if parsed.scheme() == "ldaps" { 636 } else { 389 });
    let stream = match tokio::time::timeout(
        OP_TIMEOUT,
        tokio::net::TcpStream::connect((host.as_str(), port)),
    )
    .await
    {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => return Err(unreachable(e.to_string())),
        Err(_) => {
            return Err(unreachable(format!(
                "no answer within {} s",
                OP_TIMEOUT.as_secs()
            )));
        }
    };
    stream
        .into_std()
        .and_then(|s| s.set_nonblocking(true).map(|()| s))
        .map_err(|e| unreachable(e.to_string()))
}

fn op_error(url: &str, e: &LdapError) -> PasswordError {
    match e {
        LdapError::Timeout { .. } => PasswordError::DirectoryUnreachable {
            url: url.to_owned(),
            detail: "the directory stopped answering".to_owned(),
        },
        LdapError::Io { .. }
        | LdapError::EndOfStream
        | LdapError::ResultRecv { .. }
        | LdapError::OpSend { .. } => PasswordError::DirectoryUnreachable {
            url: url.to_owned(),
            detail: format!("the connection broke ({e})"),
        },
        other => PasswordError::Directory(other.to_string()),
    }
}

pub(crate) async fn timed<T>(
    url: &str,
    fut: impl std::future::Future<Output = Result<T, LdapError>>,
) -> Result<T, PasswordError> {
    match tokio::time::timeout(OP_TIMEOUT, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(op_error(url, &e)),
        Err(_) => Err(PasswordError::DirectoryUnreachable {
            url: url.to_owned(),
            detail: format!("no answer within {} s", OP_TIMEOUT.as_secs()),
        }),
    }
}

pub(crate) fn ppolicy_request() -> RawControl {
    RawControl {
        ctype: ppolicy::OID.to_owned(),
        crit: false,
        val: None,
    }
}

/// The decoded ppolicy response control of `result`, if it carries one.
pub(crate) fn ppolicy_response(result: &LdapResult) -> Option<PolicyResponse> {
    result.ctrls.iter().find_map(|c| {
        let raw = &c.1;
        (raw.ctype == ppolicy::OID)
            .then_some(raw.val.as_deref())
            .flatten()
            .and_then(|v| match ppolicy::decode(v) {
                Ok(r) => Some(r),
                Err(e) => {
                    tracing::warn!(error = %e, "undecodable password-policy control");
                    None
                }
            })
    })
}

/// Parses an LDAP GeneralizedTime such as `20261123234315Z` or `20261123234404.0Z`.
#[must_use]
pub fn parse_generalized_time(text: &str) -> Option<OffsetDateTime> {
    let t = text.trim();
    let digits: String = t.chars().take(14).collect();
    if digits.len() != 14 || !digits.chars().all(|c| c.is_ascii_digit()) || !t.ends_with('Z') {
        return None;
    }
    let n = |r: std::ops::Range<usize>| digits[r].parse::<u32>().ok();
    let month = time::Month::try_from(u8::try_from(n(4..6)?).ok()?).ok()?;
    let date = time::Date::from_calendar_date(
        i32::try_from(n(0..4)?).ok()?,
        month,
        u8::try_from(n(6..8)?).ok()?,
    )
    .ok()?;
    let tod = time::Time::from_hms(
        u8::try_from(n(8..10)?).ok()?,
        u8::try_from(n(10..12)?).ok()?,
        u8::try_from(n(12..14)?).ok()?,
    )
    .ok()?;
    Some(date.with_time(tod).assume_utc())
}

pub(crate) fn first<'a>(attrs: &'a HashMap<String, Vec<String>>, name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.first())
        .map(String::as_str)
}

/// The policy from an OpenLDAP ppolicy entry's attributes.
#[must_use]
pub fn ldap_policy(attrs: &HashMap<String, Vec<String>>, min_strength: u8) -> Policy {
    let int = |name: &str| first(attrs, name).and_then(|v| v.trim().parse::<u64>().ok());
    let lockout = first(attrs, "pwdLockout").is_some_and(|v| v.eq_ignore_ascii_case("TRUE"));
    Policy {
        min_length: int("pwdMinLength")
            .and_then(|v| u32::try_from(v).ok())
            .filter(|v| *v > 0),
        complexity: false,
        history: int("pwdInHistory")
            .and_then(|v| u32::try_from(v).ok())
            .filter(|v| *v > 0),
        max_age_s: int("pwdMaxAge").filter(|v| *v > 0),
        min_age_s: int("pwdMinAge").filter(|v| *v > 0),
        lockout_threshold: if lockout {
            int("pwdMaxFailure")
                .and_then(|v| u32::try_from(v).ok())
                .filter(|v| *v > 0)
        } else {
            None
        },
        min_strength,
    }
}

/// The expiry from an OpenLDAP entry: `pwdChangedTime` + the policy's `pwdMaxAge`, else the
/// ppolicy control's `timeBeforeExpiration` (seconds from `now`). Both numbers come from the
/// server: an instant past year 9999 is as good as never (found by fuzzing: it used to panic).
#[must_use]
pub fn ldap_expiry(
    policy: Option<&Policy>,
    changed: Option<OffsetDateTime>,
    time_before_expiration: Option<u64>,
    now: OffsetDateTime,
) -> Expiry {
    let after = |from: OffsetDateTime, secs: u64| {
        i64::try_from(secs)
            .ok()
            .and_then(|s| from.checked_add(time::Duration::seconds(s)))
            .map_or(Expiry::Never, Expiry::At)
    };
    match (policy, changed) {
        (Some(p), Some(changed)) => match p.max_age_s {
            None => Expiry::Never,
            Some(max) => after(changed, max),
        },
        (Some(p), None) if p.max_age_s.is_none() => Expiry::Never,
        _ => time_before_expiration.map_or(Expiry::Unknown, |secs| after(now, secs)),
    }
}

impl Session {
    /// Connects to `password.url` over LDAPS, or LDAP upgraded with StartTLS.
    ///
    /// # Errors
    /// `directory_unreachable`, or `tls_error` when encryption cannot be set up (nothing else
    /// has been sent then).
    pub async fn open(s: &Settings) -> Result<Self, PasswordError> {
        let url = s
            .url
            .clone()
            .ok_or_else(|| PasswordError::Config("`password.url` is not set".to_owned()))?;
        let starttls = match url::Url::parse(&url).map(|u| u.scheme().to_owned()) {
            Ok(scheme) if scheme == "ldaps" => false,
            Ok(scheme) if scheme == "ldap" => true,
            _ => {
                return Err(PasswordError::Config(format!(
                    "`password.url` must be ldaps:// or ldap:// (StartTLS), found {url:?}"
                )));
            }
        };
        let config = tls_config(s)?;
        // The TCP connection is made here, so that everything failing after it is known to be
        // the encryption set-up (StartTLS or the handshake), not reachability.
        let stream = tcp_connect(&url).await?;
        let settings = LdapConnSettings::new()
            .set_starttls(starttls)
            .set_config(config)
            .set_std_stream(ldap3::StdStream::Tcp(stream));
        tracing::debug!(%url, starttls, "connected; setting up TLS");
        let connect = LdapConnAsync::with_settings(settings, &url);
        let (conn, ldap) = match tokio::time::timeout(OP_TIMEOUT, connect).await {
            Ok(Ok(pair)) => pair,
            Ok(Err(e)) => return Err(connect_error(&url, starttls, &e)),
            Err(_) => {
                return Err(PasswordError::TlsError {
                    url,
                    detail: format!(
                        "the server did not complete {} within {} s",
                        if starttls {
                            "StartTLS"
                        } else {
                            "the TLS handshake"
                        },
                        OP_TIMEOUT.as_secs()
                    ),
                });
            }
        };
        tokio::spawn(async move {
            if let Err(e) = conn.drive().await {
                tracing::debug!(error = %e, "directory connection ended");
            }
        });
        // ldap3 either upgrades an ldap:// connection with StartTLS or fails above, and the
        // scheme check refused everything but ldap:// and ldaps://: the session is encrypted.
        Ok(Self {
            ldap,
            url,
            source: s.source,
            user_dn: None,
            bind_policy: None,
        })
    }

    /// AD: compares this computer's clock with the directory's `currentTime` (read from the
    /// root DSE before any bind); Kerberos sign-in and kpasswd fail past 5 minutes.
    ///
    /// # Errors
    /// `clock_skew` past [`MAX_CLOCK_SKEW_S`].
    pub async fn check_clock(&mut self) -> Result<(), PasswordError> {
        let (entries, _) = timed(&self.url, async {
            self.ldap
                .search("", Scope::Base, "(objectClass=*)", vec!["currentTime"])
                .await?
                .success()
        })
        .await?;
        let Some(server) = entries
            .into_iter()
            .map(SearchEntry::construct)
            .find_map(|e| first(&e.attrs, "currentTime").and_then(parse_generalized_time))
        else {
            tracing::debug!("the directory does not publish currentTime; clock not checked");
            return Ok(());
        };
        let skew = (OffsetDateTime::now_utc() - server)
            .whole_seconds()
            .unsigned_abs();
        tracing::debug!(skew_s = skew, "clock offset to the directory");
        if skew > MAX_CLOCK_SKEW_S {
            return Err(PasswordError::ClockSkew { skew_s: skew });
        }
        Ok(())
    }

    /// Binds as the account with `password`, asking for the ppolicy control.
    ///
    /// # Errors
    /// The mapped answer: `wrong_current_password`, `account_locked`, `password_expired`,
    /// `must_change` (AD), …
    pub async fn bind_user(
        &mut self,
        s: &Settings,
        password: &Password,
    ) -> Result<(), PasswordError> {
        // An empty password makes a simple bind "unauthenticated" and it succeeds (RFC 4513
        // 5.1.2) without proving anything: refuse it here.
        if password.expose().is_empty() {
            return Err(PasswordError::WrongCurrentPassword);
        }
        let name = match self.source {
            SourceKind::Ad => s.ad_bind_name(),
            _ => s.ldap_user_dn(),
        };
        tracing::debug!(user = %name, "binding as the user");
        let result = timed(&self.url, async {
            self.ldap
                .with_controls(ppolicy_request())
                .simple_bind(&name, password.expose())
                .await
        })
        .await?;
        let policy = ppolicy_response(&result);
        tracing::debug!(rc = result.rc, ppolicy = ?policy, "bind answered");
        if result.rc != 0 {
            return Err(match self.source {
                SourceKind::Ad => ad::bind_error(result.rc, &result.text),
                _ => ppolicy::bind_error(result.rc, &result.text, policy.as_ref()),
            });
        }
        self.bind_policy = policy;
        if self.source != SourceKind::Ad {
            self.user_dn = Some(name);
        }
        Ok(())
    }

    /// Reads expiry and policy for the bound account.
    ///
    /// # Errors
    /// `account_not_found` or the directory's refusal.
    pub async fn read(&mut self, s: &Settings) -> Result<Reading, PasswordError> {
        match self.source {
            SourceKind::Ad => self.read_ad(s).await,
            _ => self.read_ldap(s).await,
        }
    }

    pub(crate) async fn search_one(
        &mut self,
        base: &str,
        scope: Scope,
        filter: &str,
        attrs: Vec<&str>,
    ) -> Result<Option<SearchEntry>, PasswordError> {
        let (entries, _) = timed(&self.url, async {
            self.ldap
                .search(base, scope, filter, attrs)
                .await?
                .success()
        })
        .await?;
        Ok(entries
            .into_iter()
            .filter(|e| !e.is_ref() && !e.is_intermediate())
            .map(SearchEntry::construct)
            .next())
    }

    async fn read_ad(&mut self, s: &Settings) -> Result<Reading, PasswordError> {
        let base = s.base_dn.clone().unwrap_or_default();
        let filter = format!(
            "(&(objectClass=user)(sAMAccountName={}))",
            ldap3::ldap_escape(s.short_account())
        );
        let user = self
            .search_one(
                &base,
                Scope::Subtree,
                &filter,
                vec![
                    "msDS-UserPasswordExpiryTimeComputed",
                    "pwdLastSet",
                    "msDS-User-Account-Control-Computed",
                    "msDS-ResultantPSO",
                ],
            )
            .await?
            .ok_or_else(|| PasswordError::AccountNotFound(s.account.clone()))?;
        self.user_dn = Some(user.dn.clone());
        let expiry_text = first(&user.attrs, "msDS-UserPasswordExpiryTimeComputed");
        let (expiry, must_change) = match expiry_text.map(ad::parse_filetime) {
            Some(Ok(AdExpiry::Never)) => (Expiry::Never, false),
            Some(Ok(AdExpiry::MustChange)) => (Expiry::Unknown, true),
            Some(Ok(AdExpiry::At(t))) => (Expiry::At(t), false),
            Some(Err(e)) => {
                tracing::warn!(error = %e, "unreadable password expiry");
                (Expiry::Unknown, false)
            }
            None => (Expiry::Unknown, false),
        };
        // A fine-grained policy (PSO) applies instead of the domain's when one is set and
        // readable (AD lets only some accounts read PSOs; then the domain policy is shown).
        if let Some(pso_dn) = first(&user.attrs, "msDS-ResultantPSO").map(str::to_owned) {
            let pso = self
                .search_one(
                    &pso_dn,
                    Scope::Base,
                    "(objectClass=*)",
                    ad::PSO_ATTRS.to_vec(),
                )
                .await
                .unwrap_or_else(|e| {
                    tracing::debug!(error = %e, "password settings object not readable");
                    None
                });
            if let Some(pso) = pso {
                return Ok(Reading {
                    expiry,
                    grace_remaining: None,
                    must_change,
                    policy: Some(ad::pso_policy(&pso.attrs, s.min_strength)),
                });
            }
        }
        let domain = self
            .search_one(
                &base,
                Scope::Base,
                "(objectClass=*)",
                vec![
                    "minPwdLength",
                    "pwdProperties",
                    "pwdHistoryLength",
                    "maxPwdAge",
                    "minPwdAge",
                    "lockoutThreshold",
                ],
            )
            .await?;
        Ok(Reading {
            expiry,
            grace_remaining: None,
            must_change,
            policy: domain.map(|d| ad::domain_policy(&d.attrs, s.min_strength)),
        })
    }

    async fn read_ldap(&mut self, s: &Settings) -> Result<Reading, PasswordError> {
        let dn = self.user_dn.clone().unwrap_or_else(|| s.ldap_user_dn());
        let user = self
            .search_one(
                &dn,
                Scope::Base,
                "(objectClass=*)",
                vec!["pwdChangedTime", "pwdPolicySubentry", "pwdReset"],
            )
            .await?
            .ok_or_else(|| PasswordError::AccountNotFound(s.account.clone()))?;
        let policy_dn = first(&user.attrs, "pwdPolicySubentry")
            .map(str::to_owned)
            .or_else(|| s.policy_dn.clone());
        let policy = match policy_dn {
            Some(pdn) => self
                .search_one(
                    &pdn,
                    Scope::Base,
                    "(objectClass=*)",
                    vec![
                        "pwdMaxAge",
                        "pwdMinLength",
                        "pwdInHistory",
                        "pwdMinAge",
                        "pwdMaxFailure",
                        "pwdLockout",
                    ],
                )
                .await
                .unwrap_or_else(|e| {
                    tracing::debug!(error = %e, "password policy entry not readable");
                    None
                })
                .map(|p| ldap_policy(&p.attrs, s.min_strength)),
            None => None,
        };
        let changed = first(&user.attrs, "pwdChangedTime").and_then(parse_generalized_time);
        let expiry = ldap_expiry(
            policy.as_ref(),
            changed,
            self.bind_policy.and_then(|p| p.time_before_expiration),
            OffsetDateTime::now_utc(),
        );
        let must_change = first(&user.attrs, "pwdReset")
            .is_some_and(|v| v.eq_ignore_ascii_case("TRUE"))
            || self.bind_policy.and_then(|p| p.error) == Some(PolicyError::ChangeAfterReset);
        Ok(Reading {
            expiry,
            grace_remaining: self.bind_policy.and_then(|p| p.grace_remaining),
            must_change,
            policy,
        })
    }

    /// Changes the bound account's password from `current` to `new`.
    ///
    /// # Errors
    /// The mapped refusal (`policy_violation` with its reason, `wrong_current_password`, …).
    pub async fn set_password(
        &mut self,
        s: &Settings,
        current: &Password,
        new: &Password,
    ) -> Result<(), PasswordError> {
        match self.source {
            SourceKind::Ad => {
                let dn = match self.user_dn.clone() {
                    Some(dn) => dn,
                    None => {
                        self.read_ad(s).await?;
                        self.user_dn.clone().unwrap_or_default()
                    }
                };
                let attr = Bytes(zeroize::Zeroizing::new(b"unicodePwd".to_vec()));
                let old = Bytes(current.ad_unicode_pwd());
                let new = Bytes(new.ad_unicode_pwd());
                let mods = vec![
                    Mod::Delete(attr.clone(), HashSet::from([old])),
                    Mod::Add(attr, HashSet::from([new])),
                ];
                tracing::debug!(dn = %dn, "changing unicodePwd");
                let result = timed(&self.url, async { self.ldap.modify(&dn, mods).await }).await?;
                if result.rc != 0 {
                    return Err(ad::modify_error(result.rc, &result.text));
                }
                Ok(())
            }
            _ => {
                tracing::debug!("sending the password-modify extended operation");
                let exop = PasswordModify {
                    user_id: None,
                    old_pass: Some(current.expose()),
                    new_pass: Some(new.expose()),
                };
                let answer = timed(&self.url, async {
                    self.ldap
                        .with_controls(ppolicy_request())
                        .extended(exop)
                        .await
                })
                .await?;
                let result = answer.1;
                if result.rc != 0 {
                    let policy = ppolicy_response(&result);
                    return Err(ppolicy::modify_error(
                        result.rc,
                        &result.text,
                        policy.as_ref(),
                    ));
                }
                Ok(())
            }
        }
    }

    /// Ends the session politely; errors are irrelevant by then.
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), self.ldap.unbind()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generalized_times() {
        let t = parse_generalized_time("20261123234315Z").unwrap();
        assert_eq!(t.unix_timestamp(), 1_795_477_395);
        let t = parse_generalized_time("20261123234404.0Z").unwrap();
        assert_eq!(t.unix_timestamp(), 1_795_477_444);
        assert!(parse_generalized_time("2026112323Z").is_none());
        assert!(parse_generalized_time("20261323234315Z").is_none());
        assert!(parse_generalized_time("20261123234315+0100").is_none());
    }

    #[test]
    fn ldap_policy_from_ppolicy_entry() {
        let attrs: HashMap<String, Vec<String>> = [
            ("pwdMaxAge", "5"),
            ("pwdMinLength", "8"),
            ("pwdInHistory", "3"),
            ("pwdLockout", "TRUE"),
            ("pwdMaxFailure", "3"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), vec![v.to_owned()]))
        .collect();
        let p = ldap_policy(&attrs, 2);
        assert_eq!(p.max_age_s, Some(5));
        assert_eq!(p.min_length, Some(8));
        assert_eq!(p.history, Some(3));
        assert_eq!(p.lockout_threshold, Some(3));
        assert!(!p.complexity);
    }
}
