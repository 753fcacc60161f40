//! Resets and unlocks done by a least-privilege service account, for the Deskside server's
//! self-service flows and any other admin caller: find the account (its DN, recovery and
//! primary addresses, disabled / locked / protected), set a new password without knowing the
//! old one, clear a lockout.
//!
//! - **AD**: one modify *replacing* `unicodePwd`, sent with the `LDAP_SERVER_POLICY_HINTS`
//!   control ([`POLICY_HINTS_OID`], value `SEQUENCE { INTEGER 1 }`), so the directory applies
//!   history, minimum age and complexity as it does for a user's own change (without it an
//!   administrator's reset skips the history); optionally `pwdLastSet = 0` ("must change at
//!   next sign-in") in the same modify. Unlock: `lockoutTime = 0`.
//! - **OpenLDAP**: the RFC 3062 password-modify operation naming the user's DN, as the service
//!   account, with the ppolicy request control (ppolicy checks history and quality); optionally
//!   `pwdReset: TRUE`. Unlock: `pwdAccountLockedTime` and `pwdFailureTime` deleted.
//!
//! Every answer is mapped to a [`PasswordError`] with a stable code; nothing above parses
//! directory text. The service account's password and the new password are exposed only into
//! the request being built.

use std::collections::HashSet;

use ldap3::controls::RawControl;
use ldap3::exop::PasswordModify;
use ldap3::{Mod, Scope};
use serde::Serialize;

use crate::directory::{Bytes, Session, first, ppolicy_request, ppolicy_response, timed};
use crate::error::PasswordError;
use crate::secret::Password;
use crate::settings::{Settings, SourceKind};
use crate::{ad, ppolicy};

/// `LDAP_SERVER_POLICY_HINTS_OID` (Windows Server 2012 and later): the password policy
/// applies to an administrator's reset.
pub const POLICY_HINTS_OID: &str = "1.2.840.113556.1.4.2239";
/// `LDAP_SERVER_POLICY_HINTS_DEPRECATED_OID` (Windows Server 2008 R2; later versions accept
/// it too).
pub const POLICY_HINTS_DEPRECATED_OID: &str = "1.2.840.113556.1.4.2066";
/// Its value: `SEQUENCE { Flags INTEGER 1 }` (BER).
const POLICY_HINTS_VALUE: [u8; 5] = [0x30, 0x03, 0x02, 0x01, 0x01];
/// AD `userAccountControl` bit: the account is disabled.
const UF_ACCOUNTDISABLE: u64 = 0x2;
/// AD `msDS-User-Account-Control-Computed` bit: the account is locked out.
const UF_LOCKOUT: u64 = 0x10;
/// AD: `LDAP_MATCHING_RULE_IN_CHAIN`, membership through nested groups.
const IN_CHAIN: &str = "1.2.840.113556.1.4.1941";
/// OpenLDAP: the `pwdAccountLockedTime` value that locks an account until an administrator
/// clears it (a disabled account, not a lockout).
const LDAP_PERMANENT_LOCK: &str = "000001010000Z";

/// The account the resets are made with, and its password.
#[derive(Debug, Clone)]
pub struct ServiceAccount {
    /// AD: `name@domain` or a DN; OpenLDAP: the DN.
    pub bind: String,
    /// Its password.
    pub password: Password,
}

/// What [`lookup_account`] reads besides the account itself.
#[derive(Debug, Clone, Default)]
pub struct LookupOptions {
    /// The attribute holding the recovery address (`otherMailbox`, `deskside-recovery`, …).
    pub recovery_attr: Option<String>,
    /// The attribute holding the primary address (default `mail`).
    pub primary_attr: Option<String>,
    /// DNs of groups whose members are never reset (nested membership counts on AD).
    pub protected_groups: Vec<String>,
}

/// An account as the service account sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    /// Its DN.
    pub dn: String,
    /// The recovery address, if the attribute is set.
    pub recovery_address: Option<String>,
    /// The primary address, if set.
    pub primary_address: Option<String>,
    /// Disabled (AD `userAccountControl`, OpenLDAP permanent lock).
    pub disabled: bool,
    /// Locked out now.
    pub locked: bool,
    /// Never reset by self-service: AD `adminCount = 1` (domain admins and the other
    /// AdminSDHolder-protected groups), or a member of a `protected_groups` group.
    pub protected: bool,
}

/// Opens a session and binds as the service account.
async fn service_session(s: &Settings, service: &ServiceAccount) -> Result<Session, PasswordError> {
    if service.password.expose().is_empty() {
        return Err(PasswordError::ServiceAccount(
            "no password is configured for it".to_owned(),
        ));
    }
    let mut session = Session::open(s).await?;
    let url = session.url.clone();
    let result = timed(&url, async {
        session
            .ldap
            .simple_bind(&service.bind, service.password.expose())
            .await
    })
    .await?;
    if result.rc != 0 {
        tracing::warn!(rc = result.rc, "the service account cannot bind");
        return Err(PasswordError::ServiceAccount(format!(
            "the directory refused its sign-in (LDAP result {})",
            result.rc
        )));
    }
    Ok(session)
}

/// Finds `s.account` as the service account; `None` when there is no such account.
///
/// # Errors
/// `service_account` when the service account cannot bind; connection errors.
pub async fn lookup_account(
    s: &Settings,
    service: &ServiceAccount,
    options: &LookupOptions,
) -> Result<Option<Account>, PasswordError> {
    let mut session = service_session(s, service).await?;
    let result = lookup_in(&mut session, s, options).await;
    session.close().await;
    result
}

async fn lookup_in(
    session: &mut Session,
    s: &Settings,
    options: &LookupOptions,
) -> Result<Option<Account>, PasswordError> {
    let primary = options
        .primary_attr
        .clone()
        .unwrap_or_else(|| "mail".to_owned());
    let mut attrs = vec![primary.clone()];
    if let Some(r) = &options.recovery_attr {
        attrs.push(r.clone());
    }
    let (base, scope, filter) = match s.source {
        SourceKind::Ad => {
            attrs.extend(
                [
                    "userAccountControl",
                    "msDS-User-Account-Control-Computed",
                    "adminCount",
                ]
                .map(str::to_owned),
            );
            (
                s.base_dn.clone().unwrap_or_default(),
                Scope::Subtree,
                format!(
                    "(&(objectClass=user)(sAMAccountName={}))",
                    ldap3::ldap_escape(s.short_account())
                ),
            )
        }
        _ => {
            attrs.push("pwdAccountLockedTime".to_owned());
            (s.ldap_user_dn(), Scope::Base, "(objectClass=*)".to_owned())
        }
    };
    let found = match session
        .search_one(
            &base,
            scope,
            &filter,
            attrs.iter().map(String::as_str).collect(),
        )
        .await
    {
        Ok(found) => found,
        // OpenLDAP: the templated DN does not exist.
        Err(PasswordError::Directory(text)) if text.contains("rc=32") => None,
        Err(e) => return Err(e),
    };
    let Some(entry) = found else {
        return Ok(None);
    };
    let text = |name: &str| first(&entry.attrs, name).map(str::to_owned);
    let int = |name: &str| first(&entry.attrs, name).and_then(|v| v.trim().parse::<u64>().ok());
    let (disabled, locked, mut protected) = match s.source {
        SourceKind::Ad => (
            int("userAccountControl").is_some_and(|v| v & UF_ACCOUNTDISABLE != 0),
            int("msDS-User-Account-Control-Computed").is_some_and(|v| v & UF_LOCKOUT != 0),
            int("adminCount") == Some(1),
        ),
        _ => {
            let lock = text("pwdAccountLockedTime");
            (
                lock.as_deref() == Some(LDAP_PERMANENT_LOCK),
                lock.is_some_and(|v| v != LDAP_PERMANENT_LOCK),
                false,
            )
        }
    };
    for group in &options.protected_groups {
        if protected {
            break;
        }
        protected = is_member(session, s, &entry.dn, group).await?;
    }
    Ok(Some(Account {
        dn: entry.dn.clone(),
        recovery_address: options.recovery_attr.as_deref().and_then(text),
        primary_address: text(&primary),
        disabled,
        locked,
        protected,
    }))
}

/// Whether `dn` is in `group` (AD: nested too; OpenLDAP: `member`, `uniqueMember` or
/// `memberUid` of the group entry).
async fn is_member(
    session: &mut Session,
    s: &Settings,
    dn: &str,
    group: &str,
) -> Result<bool, PasswordError> {
    let hit = match s.source {
        SourceKind::Ad => {
            let filter = format!("(memberOf:{IN_CHAIN}:={})", ldap3::ldap_escape(group));
            session
                .search_one(dn, Scope::Base, &filter, vec!["1.1"])
                .await?
        }
        _ => {
            let filter = format!(
                "(|(member={0})(uniqueMember={0})(memberUid={1}))",
                ldap3::ldap_escape(dn),
                ldap3::ldap_escape(s.short_account())
            );
            session
                .search_one(group, Scope::Base, &filter, vec!["1.1"])
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "a protected group cannot be read; treating the account as protected");
                    Some(ldap3::SearchEntry {
                        dn: String::new(),
                        attrs: std::collections::HashMap::new(),
                        bin_attrs: std::collections::HashMap::new(),
                    })
                })
        }
    };
    Ok(hit.is_some())
}

/// Sets `new` as the password of the account at `dn`, with the directory's policy applied;
/// with `must_change`, the user must change it at the next sign-in.
///
/// # Errors
/// `policy_violation` (history, length, complexity, minimum age), `not_permitted` (the service
/// account lacks the right), `service_account`, `account_not_found`, connection errors.
pub async fn admin_reset(
    s: &Settings,
    service: &ServiceAccount,
    dn: &str,
    new: &Password,
    must_change: bool,
) -> Result<(), PasswordError> {
    if new.expose().is_empty() {
        return Err(PasswordError::PolicyViolation {
            reason: crate::PolicyReason::TooShort,
            detail: None,
        });
    }
    let mut session = service_session(s, service).await?;
    let result = reset_in(&mut session, s, dn, new, must_change).await;
    session.close().await;
    result
}

async fn reset_in(
    session: &mut Session,
    s: &Settings,
    dn: &str,
    new: &Password,
    must_change: bool,
) -> Result<(), PasswordError> {
    let url = session.url.clone();
    match s.source {
        SourceKind::Ad => {
            let hints = policy_hints_oid(session).await?;
            let unicode_pwd = || bytes(b"unicodePwd");
            let pwd_last_set_zero =
                || Mod::Replace(bytes(b"pwdLastSet"), HashSet::from([bytes(b"0")]));
            if let Some(oid) = hints {
                let mut mods = vec![Mod::Replace(
                    unicode_pwd(),
                    HashSet::from([Bytes(new.ad_unicode_pwd())]),
                )];
                if must_change {
                    mods.push(pwd_last_set_zero());
                }
                tracing::debug!(dn = %dn, must_change, oid, "resetting unicodePwd with policy hints");
                let result = timed(&url, async {
                    session
                        .ldap
                        .with_controls(RawControl {
                            ctype: oid.to_owned(),
                            crit: true,
                            val: Some(POLICY_HINTS_VALUE.to_vec()),
                        })
                        .modify(dn, mods)
                        .await
                })
                .await?;
                if result.rc != 0 {
                    return Err(admin_error(s.source, result.rc, &result.text, None));
                }
            } else {
                // No policy-hints control (Samba): a plain replace would skip the history.
                // Reset to a random one-off password with "must change" (which also lifts the
                // minimum age), then *change* it to the new one — a change, which the
                // directory checks against history, length and complexity like a user's own.
                let temp = Password::from(one_off_password());
                tracing::debug!(dn = %dn, "no policy-hints control: reset to a one-off password, then change");
                let result = timed(&url, async {
                    session
                        .ldap
                        .modify(
                            dn,
                            vec![
                                Mod::Replace(
                                    unicode_pwd(),
                                    HashSet::from([Bytes(temp.ad_unicode_pwd())]),
                                ),
                                pwd_last_set_zero(),
                            ],
                        )
                        .await
                })
                .await?;
                if result.rc != 0 {
                    return Err(admin_error(s.source, result.rc, &result.text, None));
                }
                let result = timed(&url, async {
                    session
                        .ldap
                        .modify(
                            dn,
                            vec![
                                Mod::Delete(
                                    unicode_pwd(),
                                    HashSet::from([Bytes(temp.ad_unicode_pwd())]),
                                ),
                                Mod::Add(
                                    unicode_pwd(),
                                    HashSet::from([Bytes(new.ad_unicode_pwd())]),
                                ),
                            ],
                        )
                        .await
                })
                .await?;
                if result.rc != 0 {
                    return Err(admin_error(s.source, result.rc, &result.text, None));
                }
                if must_change {
                    let result = timed(&url, async {
                        session.ldap.modify(dn, vec![pwd_last_set_zero()]).await
                    })
                    .await?;
                    if result.rc != 0 {
                        return Err(admin_error(s.source, result.rc, &result.text, None));
                    }
                }
            }
        }
        _ => {
            tracing::debug!(dn = %dn, "sending password-modify for the account");
            let exop = PasswordModify {
                user_id: Some(dn),
                old_pass: None,
                new_pass: Some(new.expose()),
            };
            let answer = timed(&url, async {
                session
                    .ldap
                    .with_controls(ppolicy_request())
                    .extended(exop)
                    .await
            })
            .await?;
            let result = answer.1;
            if result.rc != 0 {
                let policy = ppolicy_response(&result);
                return Err(admin_error(
                    s.source,
                    result.rc,
                    &result.text,
                    policy.as_ref(),
                ));
            }
            if must_change {
                let result = timed(&url, async {
                    session
                        .ldap
                        .modify(dn, vec![Mod::Replace("pwdReset", HashSet::from(["TRUE"]))])
                        .await
                })
                .await?;
                if result.rc != 0 {
                    return Err(admin_error(s.source, result.rc, &result.text, None));
                }
            }
        }
    }
    Ok(())
}

/// Whether `password` is `s.account`'s current password: a bind as the user (with the
/// directory's own lockout counting a wrong one).
///
/// # Errors
/// `wrong_current_password` when it is not; `account_locked`, connection errors.
pub async fn verify_password(s: &Settings, password: &Password) -> Result<(), PasswordError> {
    let mut session = Session::open(s).await?;
    let result = session.bind_user(s, password).await;
    session.close().await;
    result
}

/// Clears the lockout of the account at `dn` (its password is unchanged).
///
/// # Errors
/// `not_permitted`, `service_account`, `account_not_found`, connection errors.
pub async fn admin_unlock(
    s: &Settings,
    service: &ServiceAccount,
    dn: &str,
) -> Result<(), PasswordError> {
    let mut session = service_session(s, service).await?;
    let result = unlock_in(&mut session, s, dn).await;
    session.close().await;
    result
}

async fn unlock_in(session: &mut Session, s: &Settings, dn: &str) -> Result<(), PasswordError> {
    let url = session.url.clone();
    match s.source {
        SourceKind::Ad => {
            let result = timed(&url, async {
                session
                    .ldap
                    .modify(dn, vec![Mod::Replace("lockoutTime", HashSet::from(["0"]))])
                    .await
            })
            .await?;
            if result.rc != 0 {
                return Err(admin_error(s.source, result.rc, &result.text, None));
            }
        }
        _ => {
            // pwdFailureTime is not user-modifiable; the next good bind clears it.
            for attr in ["pwdAccountLockedTime"] {
                let result = timed(&url, async {
                    session
                        .ldap
                        .modify(dn, vec![Mod::Delete(attr, HashSet::new())])
                        .await
                })
                .await?;
                // 16: noSuchAttribute, nothing to clear.
                if result.rc != 0 && result.rc != 16 {
                    return Err(admin_error(s.source, result.rc, &result.text, None));
                }
            }
        }
    }
    Ok(())
}

fn bytes(b: &[u8]) -> Bytes {
    Bytes(zeroize::Zeroizing::new(b.to_vec()))
}

/// The policy-hints control OID the directory supports (its root DSE's `supportedControl`):
/// the current one, else the older one; `None` when neither (Samba 4.17).
async fn policy_hints_oid(session: &mut Session) -> Result<Option<&'static str>, PasswordError> {
    let root = session
        .search_one("", Scope::Base, "(objectClass=*)", vec!["supportedControl"])
        .await?;
    let supported: Vec<String> = root
        .and_then(|e| {
            e.attrs
                .into_iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("supportedControl"))
                .map(|(_, v)| v)
        })
        .unwrap_or_default();
    Ok([POLICY_HINTS_OID, POLICY_HINTS_DEPRECATED_OID]
        .into_iter()
        .find(|oid| supported.iter().any(|s| s == oid)))
}

/// A random password used for an instant between the two steps of a reset on a directory
/// without the policy-hints control: 32 hex digits plus the four character classes.
fn one_off_password() -> String {
    let mut buf = [0_u8; 16];
    if getrandom::fill(&mut buf).is_err() {
        // Never used as a credential anyone sees; uniqueness is what matters.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        buf = t.to_le_bytes();
    }
    let hex: String = buf.iter().map(|b| format!("{b:02x}")).collect();
    format!("Ds-{hex}-x9!")
}

/// Maps a refused admin write onto a [`PasswordError`].
#[must_use]
pub fn admin_error(
    source: SourceKind,
    rc: u32,
    text: &str,
    policy: Option<&ppolicy::PolicyResponse>,
) -> PasswordError {
    let upper = text.trim_start().to_ascii_uppercase();
    if rc == 50 || upper.starts_with("00000005") {
        return PasswordError::NotPermitted;
    }
    if rc == 32 {
        return PasswordError::AccountNotFound(String::new());
    }
    match source {
        SourceKind::Ad if upper.starts_with("0000052D") || rc == 19 => {
            PasswordError::PolicyViolation {
                reason: ad::restriction_reason(text),
                detail: text.lines().next().map(|l| l.trim().to_owned()),
            }
        }
        SourceKind::Ad => PasswordError::Directory(format!(
            "LDAP result {rc}: {}",
            text.lines().next().unwrap_or("").trim()
        )),
        _ => ppolicy::modify_error(rc, text, policy),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_answers_are_mapped() {
        let e = admin_error(
            SourceKind::Ad,
            19,
            "0000052D: Constraint violation - check_password_restrictions: the password was already used (in history)!",
            None,
        );
        assert_eq!(e.code(), "policy_violation");
        assert!(matches!(
            e,
            PasswordError::PolicyViolation {
                reason: crate::PolicyReason::InHistory,
                ..
            }
        ));
        assert_eq!(
            admin_error(
                SourceKind::Ad,
                50,
                "00000005: SecErr: insufficient rights",
                None
            )
            .code(),
            "not_permitted"
        );
        assert_eq!(
            admin_error(SourceKind::Ldap, 50, "", None).code(),
            "not_permitted"
        );
        assert_eq!(
            admin_error(SourceKind::Ldap, 32, "", None).code(),
            "account_not_found"
        );
        assert_eq!(
            admin_error(
                SourceKind::Ldap,
                19,
                "Password is in history of old passwords",
                None
            )
            .code(),
            "policy_violation"
        );
        assert_eq!(
            admin_error(SourceKind::Ad, 1, "operations error", None).code(),
            "directory_error"
        );
    }

    #[test]
    fn policy_hints_value_is_sequence_of_integer_one() {
        assert_eq!(POLICY_HINTS_VALUE, [0x30, 0x03, 0x02, 0x01, 0x01]);
        assert_eq!(POLICY_HINTS_DEPRECATED_OID, "1.2.840.113556.1.4.2066");
        let p = one_off_password();
        assert_eq!(p.len(), 3 + 32 + 4);
        assert_ne!(p, one_off_password());
    }
}
