//! A forgotten password or a locked account, through the Deskside server's self-service flow
//! (docs/passwords.md, "Reset and unlock"): the steps `desksidectl password reset|unlock` and
//! the tray's dialog share. Every request is signed with this device's key, so an enrolled
//! device counts as one proof; the server answers each step with `{code, message}` on refusal,
//! passed on as [`AgentError::Reset`]. The flow handle, codes and the new password are never
//! logged.

use deskside_helpdesk::Relay;
use deskside_password::Password;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::password::SavedCredential;
use crate::{AgentError, text};

/// Which flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum ResetKind {
    /// Forgotten password: set a new one.
    Reset,
    /// Locked account, password known: clear the lockout.
    Unlock,
}

impl ResetKind {
    /// `reset` or `unlock`, as the server names it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reset => "reset",
            Self::Unlock => "unlock",
        }
    }
}

/// What the user does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum ResetNext {
    /// Type the code mailed to the recovery address.
    Code,
    /// Type a code from the authenticator app (or a recovery code).
    Totp,
    /// Enough proofs: choose the new password (reset) or confirm the unlock.
    Finish,
}

/// Payload of the tray's reset steps: what to ask for next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ResetStep {
    /// Which flow.
    pub kind: ResetKind,
    /// The account it is for.
    pub account: String,
    /// What to ask for next.
    pub next: ResetNext,
    /// The server's words after the start ("a code was mailed …"); empty after later steps.
    pub message: String,
}

/// A started flow: the handle stays with the caller (never shown, never logged).
pub struct Started {
    /// The server's flow handle.
    pub flow: Zeroizing<String>,
    /// What comes next.
    pub next: ResetNext,
    /// The server's words for the user ("If the account exists, a code was mailed …").
    pub message: String,
}

impl std::fmt::Debug for Started {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Started")
            .field("flow", &"<redacted>")
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

/// A finished flow as the shells show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ResetDone {
    /// Which flow finished.
    pub kind: ResetKind,
    /// What happened, for the user.
    pub message: String,
    /// After a reset: saved credentials that may still hold the old password.
    pub to_update: Vec<SavedCredential>,
}

/// A flow in progress: its handle, kind and account, until it finishes or another starts.
#[derive(Default)]
pub struct ResetBook {
    current: std::sync::Mutex<Option<Flow>>,
}

/// The flow a [`ResetBook`] holds.
#[derive(Clone)]
pub struct Flow {
    /// The server's handle.
    pub handle: Zeroizing<String>,
    /// Which flow.
    pub kind: ResetKind,
    /// For whom.
    pub account: String,
}

impl std::fmt::Debug for Flow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flow")
            .field("handle", &"<redacted>")
            .field("kind", &self.kind)
            .field("account", &self.account)
            .finish()
    }
}

impl std::fmt::Debug for ResetBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResetBook(<redacted>)")
    }
}

impl ResetBook {
    /// Keep a new flow (the previous one is forgotten).
    pub fn set(&self, flow: Flow) {
        *self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(flow);
    }

    /// The flow in progress.
    ///
    /// # Errors
    /// [`AgentError::Reset`] `reset.no_flow` when none was started.
    pub fn get(&self) -> Result<Flow, AgentError> {
        self.current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
            .ok_or_else(|| AgentError::Reset {
                code: "reset.no_flow".to_owned(),
                message: text::RESET_NO_FLOW.to_owned(),
            })
    }

    /// Forget the flow (finished or abandoned).
    pub fn clear(&self) {
        *self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }
}

/// The server's relay for this device.
///
/// # Errors
/// [`AgentError::Reset`] `server.not_configured` without `[server] url`; the relay's own error
/// when its settings cannot be used.
pub fn relay(config: &deskside_config::Config) -> Result<Relay, AgentError> {
    deskside_helpdesk::relay_for(config)?.ok_or_else(|| AgentError::Reset {
        code: "server.not_configured".to_owned(),
        message: text::RESET_NO_SERVER.to_owned(),
    })
}

/// The account: the one asked for, else `password.user`, else the logged-in user.
///
/// # Errors
/// [`AgentError::Reset`] `reset.no_account` when none can be found.
pub fn account(
    config: &deskside_config::Config,
    user: Option<String>,
) -> Result<String, AgentError> {
    user.map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty())
        .or_else(|| config.password.user.clone())
        .or_else(deskside_password::logged_in_user)
        .ok_or_else(|| AgentError::Reset {
            code: "reset.no_account".to_owned(),
            message: text::RESET_NO_ACCOUNT.to_owned(),
        })
}

/// Parses the server's answer: the body on 2xx, else its `{code, message}`.
fn answer(status: u16, body: &[u8], what: &str) -> Result<Value, AgentError> {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        return Ok(v);
    }
    Err(AgentError::Reset {
        code: v["code"].as_str().unwrap_or("server.error").to_owned(),
        message: v["message"]
            .as_str()
            .map_or_else(|| text::reset_http_failed(what, status), text::sentence),
    })
}

async fn call(relay: &Relay, path: &str, body: &Value, what: &str) -> Result<Value, AgentError> {
    let bytes = Zeroizing::new(serde_json::to_vec(body).unwrap_or_default());
    let (status, raw) = relay
        .signed_post_raw(path, bytes.to_vec(), what)
        .await
        .map_err(|e| AgentError::Reset {
            code: e.code().to_owned(),
            message: text::sentence(&e.to_string()),
        })?;
    answer(status, &raw, what)
}

fn next_of(step: &Value, kind_ready: bool) -> ResetNext {
    if kind_ready {
        ResetNext::Finish
    } else if step["factors"]
        .as_array()
        .is_some_and(|f| f.iter().any(|x| x == "code"))
    {
        ResetNext::Totp
    } else {
        ResetNext::Code
    }
}

/// Starts a flow for `user` (the device factor comes with the signature).
///
/// # Errors
/// The server's refusal (throttled, …) or the transport's.
pub async fn start(relay: &Relay, kind: ResetKind, user: &str) -> Result<Started, AgentError> {
    let v = call(
        relay,
        "/v1/password/start",
        &json!({"kind": kind.as_str(), "user": user}),
        "starting the reset",
    )
    .await?;
    let have = v["factors"].as_array().map_or(0, Vec::len);
    let need = v["factors_required"]
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(2);
    Ok(Started {
        flow: Zeroizing::new(v["flow"].as_str().unwrap_or_default().to_owned()),
        next: if have >= need {
            ResetNext::Finish
        } else {
            ResetNext::Code
        },
        message: v["message"].as_str().unwrap_or_default().to_owned(),
    })
}

/// Checks the mailed code.
///
/// # Errors
/// The server's refusal (`reset.bad_code`, too many tries, expired flow, …).
pub async fn code(relay: &Relay, flow: &str, code: &Password) -> Result<ResetNext, AgentError> {
    let v = call(
        relay,
        "/v1/password/code",
        &json!({"flow": flow, "code": code.expose().trim()}),
        "checking the code",
    )
    .await?;
    Ok(next_of(&v, v["ready"].as_bool() != Some(false)))
}

/// Checks an authenticator or recovery code.
///
/// # Errors
/// The server's refusal.
pub async fn totp(relay: &Relay, flow: &str, code: &Password) -> Result<ResetNext, AgentError> {
    let v = call(
        relay,
        "/v1/password/totp",
        &json!({"flow": flow, "code": code.expose().trim()}),
        "checking the authenticator code",
    )
    .await?;
    Ok(next_of(&v, v["ready"].as_bool() != Some(false)))
}

/// Finishes the flow: a reset with `new_password`, an unlock without. After a reset the
/// answer lists the saved credentials that may still hold the old password.
///
/// # Errors
/// The server's refusal (policy, not enough proofs, …).
pub async fn complete(
    relay: &Relay,
    config: &deskside_config::Config,
    kind: ResetKind,
    account: &str,
    flow: &str,
    new_password: Option<&Password>,
) -> Result<ResetDone, AgentError> {
    let mut body = json!({"flow": flow});
    if let Some(p) = new_password {
        body["new_password"] = Value::String(p.expose().to_owned());
    }
    let done = call(relay, "/v1/password/complete", &body, "finishing").await;
    // The JSON copy of the password is overwritten before it is dropped.
    if let Some(Value::String(p)) = body.get_mut("new_password") {
        zeroize::Zeroize::zeroize(p);
    }
    let v = done?;
    let to_update = if kind == ResetKind::Reset {
        saved_credentials(config, account)
    } else {
        Vec::new()
    };
    Ok(ResetDone {
        kind,
        message: v["message"]
            .as_str()
            .map_or_else(|| text::reset_done(kind == ResetKind::Reset), str::to_owned),
        to_update,
    })
}

/// The saved credentials to update by hand after a reset: the same list a change gives.
#[must_use]
pub fn saved_credentials(config: &deskside_config::Config, account: &str) -> Vec<SavedCredential> {
    let configured = deskside_password::Settings::resolve(config, Some(account))
        .map(|s| s.other_credentials)
        .unwrap_or_default();
    deskside_password::manual_credentials(account, &configured)
        .into_iter()
        .map(|c| SavedCredential {
            name: c.name,
            kind: c.kind,
            hint: c.hint,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_keep_the_servers_code_and_words() {
        let e = answer(
            429,
            br#"{"code":"reset.throttled","message":"too many tries, wait 10 minutes"}"#,
            "checking the code",
        )
        .unwrap_err();
        assert_eq!(e.code(), "reset.throttled");
        assert_eq!(e.message(), "Too many tries, wait 10 minutes.");
        let e = answer(502, b"<html>", "finishing").unwrap_err();
        assert_eq!(e.code(), "server.error");
        assert!(e.message().contains("502"), "{}", e.message());
        assert_eq!(answer(202, br#"{"ok":1}"#, "x").unwrap()["ok"], 1);
    }

    #[test]
    fn the_next_step_follows_the_proofs() {
        assert_eq!(
            next_of(&json!({"factors": ["device"]}), false),
            ResetNext::Code
        );
        assert_eq!(
            next_of(&json!({"factors": ["device", "code"]}), false),
            ResetNext::Totp
        );
        assert_eq!(next_of(&json!({}), true), ResetNext::Finish);
    }

    #[test]
    fn no_server_is_a_plain_refusal() {
        let e = relay(&deskside_config::Config::default()).unwrap_err();
        assert_eq!(e.code(), "server.not_configured");
        let dbg = format!(
            "{:?}",
            Started {
                flow: Zeroizing::new("planted-handle".to_owned()),
                next: ResetNext::Code,
                message: String::new()
            }
        );
        assert!(!dbg.contains("planted"));
    }
}
