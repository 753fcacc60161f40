//! Output and exit-code conventions shared by every subcommand: plain text for people, `--json`
//! for machines, a closed pipe is not an error, and configuration errors exit 2 naming the file,
//! key and problem.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use deskside_config::{LoadOptions, Loaded, Os};

/// Problems found (a failed check, a refused request).
pub const EXIT_PROBLEMS: u8 = 1;
/// Could not run: bad config, bad arguments, an internal error.
pub const EXIT_CANNOT_RUN: u8 = 2;

/// Loads the layered config; on error prints it and returns `None` (the caller exits 2).
pub fn load_config(explicit: Option<PathBuf>) -> Option<Loaded> {
    match deskside_config::load(&LoadOptions::from_env(Os::current(), explicit)) {
        Ok(l) => Some(l),
        Err(e) => {
            eprintln_safe(&format!(
                "desksidectl: configuration error: {e}\n(code {})",
                e.code()
            ));
            None
        }
    }
}

pub fn print_json(value: &serde_json::Value) -> ExitCode {
    match serde_json::to_string_pretty(value) {
        Ok(s) => print_out(&format!("{s}\n")),
        Err(e) => {
            eprintln_safe(&format!("desksidectl: cannot encode JSON: {e}"));
            ExitCode::from(EXIT_CANNOT_RUN)
        }
    }
}

/// Write to stdout; a closed pipe (`| head`) is not an error worth a panic.
pub fn print_out(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(EXIT_CANNOT_RUN),
    }
}

pub fn eprintln_safe(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}
