//! `deskside-elevate`: Deskside's privileged entry point, the program pkexec (Linux), the UAC
//! prompt (Windows) or the macOS authorization prompt starts as administrator. It runs only
//! catalogue fixes that need administrator rights, with arguments validated by the same types
//! as the app, and admin actions read from the system config file — never the environment,
//! never a user's file. Anything else is refused with a message and exit code 2.
//!
//! Output: one JSON document (the steps and their results, or `{"error": …}`) on stdout, or —
//! Windows, where the UAC prompt leaves no stdout to read — on the pipe named by a leading
//! `--answer-pipe \\.\pipe\deskside-<32 hex>` (no other name is accepted: an elevated
//! write to a path the caller chose could overwrite any file); exit 0 done, 1 ran but a step
//! failed, 2 refused.

use std::io::Write as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Arguments that are not valid UTF-8 are refused rather than guessed at.
    let mut argv = Vec::new();
    for arg in std::env::args_os().skip(1) {
        match arg.into_string() {
            Ok(a) => argv.push(a),
            Err(_) => {
                return print(
                    None,
                    2,
                    &serde_json::json!({"error": {"code": "fix.refused", "message": "the privileged helper refused: an argument is not valid text"}}),
                );
            }
        }
    }
    let (pipe, argv) = match deskside_fixes::elevate::split_answer_pipe(&argv) {
        Ok((pipe, rest)) => (pipe, rest.to_vec()),
        Err(e) => {
            return print(
                None,
                2,
                &serde_json::json!({"error": {"code": e.code(), "message": e.to_string()}}),
            );
        }
    };
    // The system file at its fixed OS location; DESKSIDE_SYSTEM_CONFIG and every other
    // environment variable are ignored on purpose.
    let system = deskside_fixes::elevate::system_config_path();
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return ExitCode::from(2);
    };
    let (code, value) = runtime.block_on(deskside_fixes::elevate::helper_main(
        &argv,
        system.as_deref(),
    ));
    print(pipe.as_deref(), code, &value)
}

/// The answer to the answer pipe when there is one (stdout when it cannot be opened), else
/// to stdout; the message to stderr too.
fn print(pipe: Option<&str>, code: u8, value: &serde_json::Value) -> ExitCode {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    let to_pipe = pipe.and_then(|p| std::fs::OpenOptions::new().write(true).open(p).ok());
    match to_pipe {
        Some(mut pipe) => {
            let _ = writeln!(pipe, "{text}");
        }
        None => {
            let _ = writeln!(std::io::stdout().lock(), "{text}");
        }
    }
    if let Some(message) = value.pointer("/error/message").and_then(|m| m.as_str()) {
        let _ = writeln!(std::io::stderr().lock(), "deskside-elevate: {message}");
    }
    ExitCode::from(code)
}
