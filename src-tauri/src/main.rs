//! The `deskside` binary: parses the command line and hands over to [`deskside_app::run`].
//!
//! It is also `desksidectl`: started under that name (the package's `/usr/bin/desksidectl` is
//! a symlink to `deskside`), it runs the command line instead of the tray app. One binary
//! instead of two keeps the package small; the core crates are linked once.

use std::ffi::OsStr;
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;

/// The name under which this binary is the command line.
const CLI_NAME: &str = "desksidectl";

fn main() -> ExitCode {
    if invoked_as(std::env::args_os().next().as_deref()) == Some(CLI_NAME) {
        return desksidectl::main();
    }
    limit_malloc_arenas();
    let args = deskside_app::Args::parse();
    match deskside_app::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => report_fatal(&err),
    }
}

/// The file name of `argv[0]`, if it is valid UTF-8.
fn invoked_as(argv0: Option<&OsStr>) -> Option<&str> {
    argv0
        .map(Path::new)
        .and_then(Path::file_name)
        .and_then(OsStr::to_str)
}

/// glibc gives each thread that allocates its own malloc arena (up to 8 per core), and freed
/// memory stays in them: the tray (GTK, WebKit's UI side, the tokio workers, blocking probe
/// threads) idles all day, so two arenas are plenty and keep its resident memory down.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a malloc tunable; called first thing in main, before any
    // other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[expect(
    clippy::print_stderr,
    reason = "the logger may not be up when Tauri fails to start; stderr is all there is"
)]
fn report_fatal(err: &tauri::Error) -> ExitCode {
    eprintln!("deskside: cannot start: {err}");
    ExitCode::FAILURE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cli_is_chosen_by_the_file_name_of_argv0() {
        fn name(s: &str) -> Option<&str> {
            invoked_as(Some(OsStr::new(s)))
        }
        assert_eq!(name("/usr/bin/desksidectl"), Some(CLI_NAME));
        assert_eq!(name("desksidectl"), Some(CLI_NAME));
        assert_ne!(name("/usr/bin/deskside"), Some(CLI_NAME));
        assert_ne!(name("/opt/desksidectl/deskside"), Some(CLI_NAME));
        assert_eq!(invoked_as(None), None);
    }
}
