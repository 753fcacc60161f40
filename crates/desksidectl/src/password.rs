//! `desksidectl password`: the password status, a change, and saving the password for expiry
//! checks. Passwords are read only from stdin (never arguments, which other users can see in the
//! process list), held as `deskside_password::Password`, and never printed. Refusals exit 1 with
//! `{"error":{"code":…,"message":…}}` in `--json` mode; configuration problems exit 2.

use std::io::Read;
use std::process::ExitCode;

use clap::Subcommand;
use deskside_config::Loaded;
use deskside_password::{
    ChangeReport, ChangeRequest, KeyringOutcome, Password, PasswordError, State, Status,
    StatusRequest,
};
use zeroize::Zeroizing;

use crate::out::{EXIT_CANNOT_RUN, EXIT_PROBLEMS, eprintln_safe, print_json, print_out};

#[derive(Debug, Subcommand)]
pub enum PasswordCommand {
    /// Show when the password expires, the policy, and whether this is cached.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// The account (default: password.user, else the logged-in user).
        #[arg(long)]
        user: Option<String>,
        /// Read the password from the first line of stdin to query the directory (default:
        /// the password saved with `password remember`, else the cache).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Change the password: stdin holds the current password, then the new one, one per line.
    Change {
        /// The account (default: password.user, else the logged-in user).
        #[arg(long)]
        user: Option<String>,
        /// Read the current and the new password from stdin (required: never from arguments).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Forgotten password: reset it through the Deskside server. This enrolled device is one
    /// proof; stdin holds the mailed code, then the new password, one per line.
    Reset {
        /// The account (default: password.user, else the logged-in user).
        #[arg(long)]
        user: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Locked account: unlock it through the Deskside server (stdin: the mailed code).
    Unlock {
        /// The account (default: password.user, else the logged-in user).
        #[arg(long)]
        user: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check the password against the directory and save it in the OS keyring, so `status`
    /// can read the expiry without asking.
    Remember {
        /// The account (default: password.user, else the logged-in user).
        #[arg(long)]
        user: Option<String>,
        /// Read the password from the first line of stdin (required).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Why the passwords could not be read from stdin.
#[derive(Debug, thiserror::Error)]
enum InputError {
    /// Reading failed.
    #[error("cannot read stdin: {0}")]
    Read(#[source] std::io::Error),
    /// Not the number of lines the command takes.
    #[error("{}", wrong_count(*.want, *.found))]
    Count { want: usize, found: usize },
}

fn wrong_count(want: usize, found: usize) -> String {
    if want == 1 {
        "expected one line on stdin: the password".to_owned()
    } else {
        format!(
            "expected {want} lines on stdin: the current password, then the new one (found {found})"
        )
    }
}

/// Reads stdin and returns exactly `n` lines (a trailing newline and `\r` are dropped).
fn read_lines(n: usize) -> Result<Vec<Password>, InputError> {
    let mut raw = Zeroizing::new(String::new());
    std::io::stdin()
        .take(64 * 1024)
        .read_to_string(&mut raw)
        .map_err(InputError::Read)?;
    let lines: Vec<Password> = raw
        .lines()
        .map(|l| Password::from(l.strip_suffix('\r').unwrap_or(l)))
        .collect();
    if lines.len() != n {
        return Err(InputError::Count {
            want: n,
            found: lines.len(),
        });
    }
    Ok(lines)
}

fn exit_for(err: &PasswordError) -> u8 {
    match err {
        PasswordError::NotConfigured | PasswordError::Config(_) => EXIT_CANNOT_RUN,
        _ => EXIT_PROBLEMS,
    }
}

fn fail(err: &PasswordError, json: bool) -> ExitCode {
    let code = exit_for(err);
    if json {
        let body = serde_json::json!({ "error": err.body() });
        let _ = print_json(&body);
    } else {
        eprintln_safe(&format!("desksidectl: {err} (code {})", err.code()));
    }
    ExitCode::from(code)
}

fn input_error(message: &str, json: bool) -> ExitCode {
    if json {
        let _ =
            print_json(&serde_json::json!({"error": {"code": "bad_input", "message": message}}));
    } else {
        eprintln_safe(&format!("desksidectl: {message}"));
    }
    ExitCode::from(EXIT_CANNOT_RUN)
}

pub async fn run(loaded: Loaded, command: PasswordCommand) -> ExitCode {
    let config = &loaded.config;
    match command {
        PasswordCommand::Status {
            json,
            user,
            password_stdin,
        } => {
            let password = if password_stdin {
                match read_lines(1) {
                    Ok(mut l) => l.pop(),
                    Err(e) => return input_error(&e.to_string(), json),
                }
            } else {
                None
            };
            let req = StatusRequest {
                user,
                password,
                data_dir: None,
            };
            match deskside_password::status(config, req).await {
                Ok(status) => {
                    let troubled = status.problem.is_some()
                        || status.must_change
                        || matches!(status.state, State::Expired | State::Grace);
                    let shown = if json {
                        print_json(&serde_json::to_value(&status).unwrap_or_default())
                    } else {
                        print_out(&render_status(&status))
                    };
                    if troubled {
                        ExitCode::from(EXIT_PROBLEMS)
                    } else {
                        shown
                    }
                }
                Err(e) => fail(&e, json),
            }
        }
        PasswordCommand::Change { user, json, .. } => {
            let mut lines = match read_lines(2) {
                Ok(l) => l,
                Err(e) => return input_error(&e.to_string(), json),
            };
            let (Some(new), Some(current)) = (lines.pop(), lines.pop()) else {
                return input_error("expected two lines on stdin", json);
            };
            let req = ChangeRequest {
                user,
                current,
                new,
                data_dir: None,
                skip_local_checks: false,
            };
            match deskside_password::change(config, req).await {
                Ok(report) if json => {
                    print_json(&serde_json::to_value(&report).unwrap_or_default())
                }
                Ok(report) => print_out(&render_change(&report)),
                Err(e) => fail(&e, json),
            }
        }
        PasswordCommand::Reset { user, json } => {
            crate::reset::run(&loaded, deskside_agent::reset::ResetKind::Reset, user, json).await
        }
        PasswordCommand::Unlock { user, json } => {
            crate::reset::run(
                &loaded,
                deskside_agent::reset::ResetKind::Unlock,
                user,
                json,
            )
            .await
        }
        PasswordCommand::Remember { user, json, .. } => {
            let password = match read_lines(1) {
                Ok(mut l) => match l.pop() {
                    Some(p) => p,
                    None => return input_error("expected one line on stdin", json),
                },
                Err(e) => return input_error(&e.to_string(), json),
            };
            match deskside_password::remember(config, user.as_deref(), password).await {
                Ok(()) if json => print_json(&serde_json::json!({"saved": true})),
                Ok(()) => print_out("Password checked and saved in the system keyring.\n"),
                Err(e) => fail(&e, json),
            }
        }
    }
}

fn state_text(state: State) -> &'static str {
    match state {
        State::Ok => "ok",
        State::Warning => "expires soon",
        State::Expired => "expired",
        State::Grace => "expired (grace logins only)",
        State::Never => "never expires",
        State::Unknown => "unknown",
    }
}

fn render_status(s: &Status) -> String {
    let mut out = format!(
        "Password of {} ({}): {}",
        s.account,
        s.source,
        state_text(s.state)
    );
    if let (Some(at), Some(days)) = (&s.expires_at, s.days_left) {
        if days >= 0 {
            out.push_str(&format!(", expires {at} ({days} days left)"));
        } else {
            out.push_str(&format!(", expired {at}"));
        }
    }
    out.push('\n');
    if s.must_change {
        out.push_str("It must be changed before it can be used.\n");
    }
    if let Some(g) = s.grace_logins_left {
        out.push_str(&format!("Grace logins left: {g}. Change it now.\n"));
    }
    if let Some(p) = &s.policy {
        let mut rules = vec![format!(
            "at least {} characters",
            p.min_length
                .unwrap_or(deskside_password::DEFAULT_MIN_LENGTH)
        )];
        if p.complexity {
            rules.push("three character classes".to_owned());
        }
        if let Some(h) = p.history {
            rules.push(format!("not one of the last {h}"));
        }
        match p.max_age_s {
            Some(a) => rules.push(format!("changed every {} days", a / 86_400)),
            None => rules.push("no maximum age".to_owned()),
        }
        if let Some(l) = p.lockout_threshold {
            rules.push(format!("locks after {l} wrong attempts"));
        }
        out.push_str(&format!("Policy: {}.\n", rules.join(", ")));
    }
    if s.cached {
        let age = s
            .cache_age_s
            .map_or_else(|| "unknown".to_owned(), |a| format!("{} min", a / 60));
        out.push_str(&format!("(From the cache, {age} old.)\n"));
    }
    if let Some(p) = &s.problem {
        out.push_str(&format!("Not read live: {} (code {})\n", p.message, p.code));
    }
    for (label, url) in [
        ("Change page", &s.change_url),
        ("Forgot password", &s.reset_url),
        ("Locked out", &s.unlock_url),
    ] {
        if let Some(u) = url {
            out.push_str(&format!("{label}: {u}\n"));
        }
    }
    out
}

fn render_change(r: &ChangeReport) -> String {
    let mut out = format!("Password of {} changed.\n", r.account);
    for k in &r.keyring {
        match k.outcome {
            KeyringOutcome::Updated => {
                out.push_str(&format!(
                    "Updated saved password: {} ({})\n",
                    k.service, k.user
                ));
            }
            KeyringOutcome::Failed => out.push_str(&format!(
                "Could not update saved password {} ({}): {}\n",
                k.service,
                k.user,
                k.message.as_deref().unwrap_or("")
            )),
            KeyringOutcome::NotPresent => {}
        }
    }
    if !r.update_by_hand.is_empty() {
        out.push_str("Update the password here too, or they will lock your account:\n");
        for c in &r.update_by_hand {
            out.push_str(&format!("  - {} ({})\n", c.name, c.hint));
        }
    }
    if let Some(t) = &r.ticket {
        if t.refreshed {
            out.push_str(&format!("Kerberos ticket refreshed for {}.\n", t.principal));
        } else {
            out.push_str(&format!(
                "Kerberos ticket not refreshed for {}: {}\n",
                t.principal,
                t.problem.as_ref().map_or("", |p| p.message.as_str())
            ));
        }
    }
    out.push_str(&render_status(&r.status));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_errors_say_what_stdin_must_hold() {
        let one = InputError::Count { want: 1, found: 0 };
        assert_eq!(one.to_string(), "expected one line on stdin: the password");
        let two = InputError::Count { want: 2, found: 3 };
        assert!(
            two.to_string().contains("then the new one (found 3)"),
            "{two}"
        );
    }
}
