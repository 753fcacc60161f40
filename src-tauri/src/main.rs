//! The `deskside` binary: parses the command line and hands over to [`deskside_app::run`].

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = deskside_app::Args::parse();
    match deskside_app::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => report_fatal(&err),
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
