//! `desksidectl password reset|unlock`: a forgotten password or a locked account, through the
//! Deskside server's self-service flow (docs/passwords.md, "Reset and unlock"). Every request is
//! signed with this device's key, so an enrolled device counts as one proof; the mailed code,
//! an authenticator code when one more proof is needed, and (for a reset) the new password are
//! read from stdin one line each — never from arguments — and never printed.

use std::io::BufRead as _;
use std::process::ExitCode;

use deskside_config::Loaded;
use serde_json::{Value, json};
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

fn fail(r: &Refusal, json: bool) -> ExitCode {
    if json {
        let _ = print_json(&json!({"error": {"code": r.code, "message": r.message}}));
    } else {
        eprintln_safe(&format!("desksidectl: {}\n(code {})", r.message, r.code));
    }
    ExitCode::from(EXIT_PROBLEMS)
}

/// One line of stdin, zeroed on drop; `None` at the end of input.
fn read_line() -> Result<Option<Zeroizing<String>>, Refusal> {
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
    Ok(Some(line))
}

async fn call(
    relay: &deskside_helpdesk::Relay,
    path: &str,
    body: &Value,
    what: &str,
) -> Result<Value, Refusal> {
    let bytes = serde_json::to_vec(body).map_err(|e| refusal("input", e.to_string()))?;
    let (status, answer) = relay
        .signed_post_raw(path, bytes, what)
        .await
        .map_err(|e| refusal(e.code(), e.to_string()))?;
    let v: Value = serde_json::from_slice(&answer).unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        return Ok(v);
    }
    Err(Refusal {
        code: v["code"].as_str().unwrap_or("server.error").to_owned(),
        message: v["message"]
            .as_str()
            .map_or_else(|| format!("{what}: HTTP {status}"), str::to_owned),
    })
}

async fn flow(loaded: &Loaded, kind: &str, user: Option<String>) -> Result<Value, Refusal> {
    let relay = crate::server::relay(loaded).map_err(|_| {
        refusal(
            "server.not_configured",
            "no usable Deskside server is configured ([server] url)",
        )
    })?;
    let user = user
        .or_else(|| loaded.config.password.user.clone())
        .or_else(deskside_password::logged_in_user)
        .ok_or_else(|| refusal("input", "no account name: pass --user"))?;
    let start = call(
        &relay,
        "/v1/password/start",
        &json!({"kind": kind, "user": user}),
        "starting the reset",
    )
    .await?;
    let flow = start["flow"].as_str().unwrap_or_default().to_owned();
    let have = start["factors"].as_array().map_or(0, Vec::len);
    let need = start["factors_required"]
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(2);
    if have < need {
        eprintln_safe(&format!(
            "{}\nType the code from the mail:",
            start["message"].as_str().unwrap_or_default()
        ));
        let code = read_line()?.ok_or_else(|| refusal("input", "no code on stdin"))?;
        let state = call(
            &relay,
            "/v1/password/code",
            &json!({"flow": flow, "code": code.as_str()}),
            "checking the code",
        )
        .await?;
        if state["ready"].as_bool() == Some(false) {
            eprintln_safe("Type the code from your authenticator app (or a recovery code):");
            let code =
                read_line()?.ok_or_else(|| refusal("input", "no authenticator code on stdin"))?;
            call(
                &relay,
                "/v1/password/totp",
                &json!({"flow": flow, "code": code.as_str()}),
                "checking the authenticator code",
            )
            .await?;
        }
    }
    let mut body = json!({"flow": flow});
    let password;
    if kind == "reset" {
        eprintln_safe("Type the new password:");
        password = read_line()?.ok_or_else(|| refusal("input", "no new password on stdin"))?;
        body["new_password"] = Value::String(password.to_string());
    }
    let done = call(&relay, "/v1/password/complete", &body, "finishing").await;
    // The JSON copy of the password is overwritten before it is dropped.
    if let Some(Value::String(p)) = body.get_mut("new_password") {
        zeroize::Zeroize::zeroize(p);
    }
    done
}

/// Runs `desksidectl password reset|unlock`.
pub async fn run(loaded: &Loaded, kind: &str, user: Option<String>, json: bool) -> ExitCode {
    match flow(loaded, kind, user).await {
        Ok(done) if json => print_json(&done),
        Ok(done) => print_out(&format!(
            "{}\n",
            done["message"].as_str().unwrap_or("Done.")
        )),
        Err(r) => fail(&r, json),
    }
}
