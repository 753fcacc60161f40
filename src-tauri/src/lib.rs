//! Deskside's tray app: the thin Tauri 2 shell over the core crates. It owns only what needs a
//! desktop — the tray icon and menu ([`tray`]), the one on-demand window ([`window`]), the IPC
//! commands ([`commands`], typed by [`bindings`]), and the agent's voice ([`announce`]: tray
//! icon, window events, notifications) — and wires the plugins (single instance, autostart,
//! notification, log, clipboard). The background work (health, ticket delivery, password
//! expiry) and every decision are `deskside-agent`'s; what it knows about the machine comes
//! from the core crates.
//!
//! Lifecycle: the app starts in the tray with no window (unless `--open`/`--screen` or a
//! second launch asks for one); closing the window destroys it, so its WebKit processes
//! exit, and the app keeps running until Quit is chosen in the tray menu.

mod announce;
mod args;
pub mod bindings;
pub mod commands;
mod config;
pub mod ipc;
pub mod outbox;
mod state;
mod tray;
mod webkit;
mod window;

pub use args::Args;

use tauri::{AppHandle, Manager, RunEvent};
use tauri_plugin_autostart::ManagerExt as _;

use crate::state::Shell;

/// Build the app and run it until Quit.
///
/// # Errors
/// When Tauri cannot start (no display, a broken bundle configuration).
pub fn run(args: Args) -> Result<(), tauri::Error> {
    let started = std::time::Instant::now();
    let specta = bindings::builder();
    let app = tauri::Builder::default()
        // First, so a second launch is stopped before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            let again = Args::from_second_launch(&argv);
            if again.quit {
                log::info!("second launch with --quit");
                quit(app);
            } else if again.close {
                log::info!("second launch with --close");
                window::close(app);
            } else {
                log::info!("second launch: opening the window");
                window::open(app, again.screen);
            }
        }))
        .plugin(
            tauri_plugin_log::Builder::new()
                .level(log::LevelFilter::Info)
                // zbus (notifications, single instance) logs every D-Bus handshake at info.
                .level_for("zbus", log::LevelFilter::Warn)
                .level_for("tracing::span", log::LevelFilter::Warn)
                .build(),
        )
        .plugin(tauri_plugin_autostart::Builder::new().build())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .manage(Shell::default())
        .invoke_handler(specta.invoke_handler())
        .setup(move |app| {
            specta.mount_events(app);
            let handle = app.handle();
            if args.quit || args.close {
                // No other instance was running (it would have received our arguments).
                log::info!("--quit/--close: no running instance");
                quit(handle);
                return Ok(());
            }
            apply_autostart(handle);
            tray::build(handle)?;
            // The benchmark (scripts/bench-app.sh) reads this line: cold start → tray ready.
            log::info!("tray ready in {} ms", started.elapsed().as_millis());
            // The agent's background tasks, speaking through the tray.
            let memory = &handle.state::<Shell>().memory;
            let tray: std::sync::Arc<dyn deskside_agent::Announce> =
                std::sync::Arc::new(announce::Tray(handle.clone()));
            tauri::async_runtime::spawn(deskside_agent::health::run_monitor(
                memory.health.clone(),
                tray.clone(),
            ));
            tauri::async_runtime::spawn(deskside_agent::password::run_schedule(
                memory.password.clone(),
                tray.clone(),
            ));
            // Managed policy applied live (registry, managed preferences, /etc policy files).
            tauri::async_runtime::spawn(deskside_agent::policy::run_watch(
                tray,
                deskside_agent::policy::sources(),
                deskside_agent::policy::POLL_INTERVAL,
            ));
            outbox::spawn(handle.clone());
            if args.wants_window() {
                window::open(handle, args.screen);
            }
            Ok(())
        })
        .build(tauri::generate_context!())?;
    app.run(|app, event| {
        if let RunEvent::ExitRequested { code, api, .. } = event {
            // The last window closing asks to exit (code None): stay in the tray. Quit calls
            // `exit(0)`, which arrives with a code.
            if code.is_none() && !app.state::<Shell>().quitting() {
                api.prevent_exit();
            }
        }
    });
    Ok(())
}

/// Leave for good (the tray menu's Quit, `deskside --quit`): the only way the app exits.
pub(crate) fn quit(app: &AppHandle) {
    app.state::<Shell>().set_quitting();
    app.exit(0);
}

/// Start at login or not, as `app.autostart` says. Debug builds leave the login items alone
/// (a developer's `target/debug/deskside` must not start at their next login).
fn apply_autostart(app: &AppHandle) {
    let wanted = match config::load() {
        Ok(loaded) => loaded.config.app.autostart,
        Err(err) => {
            log::warn!(
                "config problem ({}): leaving start-at-login as it is",
                err.code
            );
            return;
        }
    };
    if cfg!(debug_assertions) {
        log::info!("debug build: not touching start-at-login (app.autostart = {wanted})");
        return;
    }
    let autostart = app.autolaunch();
    let result = match autostart.is_enabled() {
        Ok(now) if now == wanted => Ok(()),
        Ok(_) if wanted => autostart.enable(),
        Ok(_) => autostart.disable(),
        Err(err) => Err(err),
    };
    match result {
        Ok(()) => log::info!("start at login: {wanted}"),
        Err(err) => log::warn!("cannot set start-at-login to {wanted}: {err}"),
    }
}
