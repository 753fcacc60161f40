//! The standalone `desksidectl` binary. The command line itself (the clap enum, every
//! subcommand) lives in the library (`src/lib.rs`), which the tray app's binary also calls
//! when started as `desksidectl`.

use std::process::ExitCode;

fn main() -> ExitCode {
    desksidectl::main()
}
