//! `deskside-server`: see `docs/server.md`.

fn main() -> std::process::ExitCode {
    deskside_server::cli::main()
}
