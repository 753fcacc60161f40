//! What every CLI test file needs: the real `desksidectl` binary run hermetically (a clean
//! environment, `HOME` in the test's temp dir, the system and user config layers switched off)
//! and its stdout read as JSON with the output in the failure message.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// `desksidectl` with only `PATH` from the environment, `HOME` = `home`, and no system or user
/// config file; callers add the arguments and any other variables (later `env` calls win).
pub fn desksidectl(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_desksidectl"));
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("DESKSIDE_SYSTEM_CONFIG", "")
        .env("DESKSIDE_USER_CONFIG", "");
    c
}

/// The run's stdout as JSON; fails with stdout and stderr when it is not.
pub fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .map_err(|e| {
            format!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            )
        })
        .unwrap()
}
