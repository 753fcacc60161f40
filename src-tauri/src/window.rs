//! The one main window (label `main`), created on demand and destroyed when closed, so the
//! WebKit web process (~270 MiB) exists only while the employee looks at it; the app itself
//! stays in the tray. (On Linux, Tauri would keep the WebKit network process, ~60 MiB, for the
//! app's lifetime: tauri-apps/tauri#14626; [`crate::webkit`] ends it.) A new window gets
//! its first screen in the URL's hash route, as the UI routes (`index.html#/help`); an open
//! one is told with a `Navigate` event.

use std::time::Instant;

use tauri::webview::PageLoadEvent;
use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindowBuilder};
use tauri_specta::Event;

use crate::ipc::{Navigate, Screen};

/// Label of the main window; `capabilities/main.json` grants commands to this label only.
pub const MAIN: &str = "main";

/// Show the window (creating it if needed), on `screen` when given. Failures are logged: a
/// tray click has nobody to report to.
pub fn open(app: &AppHandle, screen: Option<Screen>) {
    if let Err(err) = try_open(app, screen) {
        log::error!("cannot open the window: {err}");
    }
}

/// Close (destroy) the window if it is open; the app stays in the tray.
pub fn close(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(MAIN)
        && let Err(err) = window.destroy()
    {
        log::error!("cannot close the window: {err}");
    }
}

fn try_open(app: &AppHandle, screen: Option<Screen>) -> tauri::Result<()> {
    if let Some(window) = app.get_webview_window(MAIN) {
        window.unminimize()?;
        window.show()?;
        window.set_focus()?;
        if let Some(screen) = screen {
            Navigate { screen }.emit(app)?;
        }
        return Ok(());
    }
    let title = crate::config::load().ok().map_or_else(
        || "Deskside".to_owned(),
        |l| deskside_agent::app::product_name(&l.config.branding),
    );
    log::info!("creating the window");
    let created = Instant::now();
    WebviewWindowBuilder::new(app, MAIN, WebviewUrl::App(start_page(screen).into()))
        // The benchmark (scripts/bench-app.sh) reads this line: window open → page loaded.
        .on_page_load(move |_, payload| {
            if payload.event() == PageLoadEvent::Finished {
                log::info!("window ready in {} ms", created.elapsed().as_millis());
            }
        })
        .title(title)
        .inner_size(960.0, 680.0)
        .min_inner_size(640.0, 480.0)
        .center()
        .focused(true)
        .build()?
        .on_window_event({
            let app = app.clone();
            move |event| {
                if matches!(event, tauri::WindowEvent::Destroyed) {
                    end_webkit_when_idle(&app);
                }
            }
        });
    Ok(())
}

/// Once the window is gone (and no new one opened meanwhile), end WebKit's network process
/// so the tray app idles without WebKit children (see [`crate::webkit`]).
fn end_webkit_when_idle(app: &AppHandle) {
    let app = app.clone();
    std::thread::spawn(move || {
        // Let WebKit finish tearing the page down first.
        std::thread::sleep(std::time::Duration::from_millis(500));
        if app.get_webview_window(MAIN).is_none() {
            crate::webkit::end_network_process();
        }
    });
}

/// The page a new window loads.
fn start_page(screen: Option<Screen>) -> String {
    match screen {
        Some(s) => format!("index.html#/{}", s.as_str()),
        None => "index.html".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_screen_travels_in_the_query() {
        assert_eq!(start_page(None), "index.html");
        assert_eq!(
            start_page(Some(Screen::Diagnostics)),
            "index.html#/diagnostics"
        );
    }
}
