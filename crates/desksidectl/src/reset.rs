//! `desksidectl password reset|unlock`: a forgotten password or a locked account, through the
//! Deskside server's self-service flow (docs/passwords.md, "Reset and unlock"). Every request is
//! signed with this device's key, so an enrolled device counts as one proof; the mailed code,
//! an authenticator code when one more proof is needed, and (for a reset) the new password are
//! read from stdin one line each — never from arguments — and never printed.

use std::io::BufRead as _;
use std::process::ExitCode;

use deskside_agent::AgentError;
use deskside_agent::reset::{self, ResetDone, ResetKind, ResetNext};
use deskside_config::Loaded;
use deskside_password::Password;
use serde_json::json;
use zeroize::Zeroizing;

use crate::out::{EXIT_PROBLEMS, eprintln_safe, print_json, print_out};

/// A refusal: `{code, message}` as the server (or this command) gives it.
struct Refusal {
    code: String,
    message: String,
}

fn refusal(code: &str, message: impl Into<String>) -> Refusal {
    Refusal {
        code: code.to_owned(),
        message: message.into(),
    }
}

impl From<AgentError> for Refusal {
    fn from(e: AgentError) -> Self {
        Self {
            code: e.code(),
            message: e.message(),
        }
    }
}

fn fail(r: &Refusal, json: bool) -> ExitCode {
    if json {
        let _ = print_json(&json!({"error": {"code": r.code, "message": r.message}}));
    } else {
        eprintln_safe(&format!("desksidectl: {}\n(code {})", r.message, r.code));
    }
    ExitCode::from(EXIT_PROBLEMS)
}

/// One line of stdin, zeroed on drop; `None` at the end of input.
fn read_line() -> Result<Option<Password>, Refusal> {
    let mut line = Zeroizing::new(String::new());
    let n = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| refusal("input", format!("cannot read stdin: {e}")))?;
    if n == 0 {
        return Ok(None);
    }
    while line.ends_with('\n') || line.ends_with('\r') {
        line.pop();
    }
    Ok(Some(Password::from(line.as_str())))
}

/// The steps, shared with the tray (`deskside_agent::reset`); only the prompts are here.
async fn flow(
    loaded: &Loaded,
    kind: ResetKind,
    user: Option<String>,
) -> Result<ResetDone, Refusal> {
    let config = &loaded.config;
    let relay = reset::relay(config)?;
    let user = reset::account(config, user)?;
    let started = reset::start(&relay, kind, &user).await?;
    let mut next = started.next;
    if next == ResetNext::Code {
        eprintln_safe(&format!(
            "{}\nType the code from the mail:",
            started.message
        ));
        let code = read_line()?.ok_or_else(|| refusal("input", "no code on stdin"))?;
        next = reset::code(&relay, &started.flow, &code).await?;
    }
    if next == ResetNext::Totp {
        eprintln_safe("Type the code from your authenticator app (or a recovery code):");
        let code =
            read_line()?.ok_or_else(|| refusal("input", "no authenticator code on stdin"))?;
        reset::totp(&relay, &started.flow, &code).await?;
    }
    let password = if kind == ResetKind::Reset {
        eprintln_safe("Type the new password:");
        Some(read_line()?.ok_or_else(|| refusal("input", "no new password on stdin"))?)
    } else {
        None
    };
    Ok(reset::complete(
        &relay,
        config,
        kind,
        &user,
        &started.flow,
        password.as_ref(),
    )
    .await?)
}

/// Runs `desksidectl password reset|unlock`.
pub async fn run(loaded: &Loaded, kind: ResetKind, user: Option<String>, json: bool) -> ExitCode {
    match flow(loaded, kind, user).await {
        Ok(done) if json => print_json(&serde_json::to_value(&done).unwrap_or_default()),
        Ok(done) => {
            let mut out = format!("{}\n", done.message);
            if !done.to_update.is_empty() {
                out.push_str("Update the password here too, or they will lock your account:\n");
                for c in &done.to_update {
                    out.push_str(&format!("  - {} ({})\n", c.name, c.hint));
                }
            }
            print_out(&out)
        }
        Err(r) => fail(&r, json),
    }
}
