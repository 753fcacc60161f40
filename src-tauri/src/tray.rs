//! The tray icon: its picture says the health (ok / warning / problem / unknown), its tooltip
//! and the menu's first, disabled line say the headline (Linux tray hosts show no tooltips),
//! and its menu opens the window, starts a diagnosis, asks for help, opens the Password screen
//! — whose entry carries the expiry as a badge ("Password: expires in 3 days") — or quits.

use tauri::image::Image;
use tauri::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager};

use deskside_agent::text;

use crate::ipc::{HealthState, HealthStatus, PasswordStatus, Screen};
use crate::state::Shell;
use crate::window;

const TRAY_ID: &str = "deskside";
/// Menu item ids.
const OPEN: &str = "open";
const RUN: &str = "run";
const HELP: &str = "help";
const PASSWORD: &str = "password";
const QUIT: &str = "quit";

/// The menu's headline line, kept to update its text.
struct HeadlineItem(MenuItem<tauri::Wry>);
/// The menu's Password entry, kept to show the expiry on it.
struct PasswordItem(MenuItem<tauri::Wry>);

/// The organisation's tray icon folder (`branding.tray_icons`), read when the tray is built.
struct TrayIcons(Option<deskside_config::BrandingConfig>);

/// The tray picture for a health status: the organisation's icon from `branding.tray_icons`
/// when it is set and decodes, else Deskside's own.
fn branded_icon(app: &AppHandle, status: HealthStatus) -> tauri::Result<Image<'static>> {
    let name = match status {
        HealthStatus::Healthy => "ok",
        HealthStatus::Degraded => "warning",
        HealthStatus::Broken => "problem",
        HealthStatus::Unknown => "unknown",
    };
    let custom = app.try_state::<TrayIcons>().and_then(|icons| {
        icons
            .0
            .as_ref()
            .and_then(|b| deskside_agent::app::tray_icon_path(b, name))
    });
    if let Some(path) = custom {
        match std::fs::read(&path)
            .map_err(tauri::Error::from)
            .and_then(|bytes| Image::from_bytes(&bytes).map(Image::to_owned))
        {
            Ok(img) => return Ok(img),
            Err(err) => log::warn!("branding.tray_icons: cannot use {}: {err}", path.display()),
        }
    }
    icon(status)
}

/// Deskside's tray picture for a health status.
fn icon(status: HealthStatus) -> tauri::Result<Image<'static>> {
    let bytes: &'static [u8] = match status {
        HealthStatus::Healthy => include_bytes!("../../icons/tray/ok-64.png"),
        HealthStatus::Degraded => include_bytes!("../../icons/tray/warning-64.png"),
        HealthStatus::Broken => include_bytes!("../../icons/tray/problem-64.png"),
        HealthStatus::Unknown => include_bytes!("../../icons/tray/unknown-64.png"),
    };
    Image::from_bytes(bytes)
}

/// Create the tray icon and its menu.
///
/// # Errors
/// When the platform cannot create a tray icon or menu.
pub fn build(app: &AppHandle) -> tauri::Result<()> {
    let initial = app.state::<Shell>().health();
    app.manage(TrayIcons(
        crate::config::load().ok().map(|l| l.config.branding),
    ));
    let headline = MenuItem::with_id(
        app,
        "headline",
        text::menu_headline(&initial.headline),
        false,
        None::<&str>,
    )?;
    let password = MenuItem::with_id(app, PASSWORD, "Password", true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &headline,
            &PredefinedMenuItem::separator(app)?,
            &MenuItem::with_id(app, OPEN, "Open Deskside", true, None::<&str>)?,
            &MenuItem::with_id(app, RUN, "Run diagnostics", true, None::<&str>)?,
            &MenuItem::with_id(app, HELP, "Get help", true, None::<&str>)?,
            &password,
            &PredefinedMenuItem::separator(app)?,
            &MenuItem::with_id(app, QUIT, "Quit", true, None::<&str>)?,
        ],
    )?;
    app.manage(HeadlineItem(headline));
    app.manage(PasswordItem(password));
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(branded_icon(app, initial.status)?)
        .tooltip(&initial.headline)
        .menu(&menu)
        // Left click opens the window (Windows/macOS habit); the menu is on the right button.
        .show_menu_on_left_click(false)
        .on_menu_event(on_menu)
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                window::open(tray.app_handle(), None);
            }
        })
        .build(app)?;
    Ok(())
}

fn on_menu(app: &AppHandle, event: MenuEvent) {
    match event.id().as_ref() {
        OPEN => window::open(app, None),
        RUN => window::open(app, Some(Screen::Diagnostics)),
        HELP => window::open(app, Some(Screen::Help)),
        PASSWORD => window::open(app, Some(Screen::Password)),
        QUIT => {
            log::info!("quit chosen from the tray menu");
            crate::quit(app);
        }
        _ => {}
    }
}

/// Repaint the tray for `state`.
pub fn show_health(app: &AppHandle, state: &HealthState) {
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let painted = branded_icon(app, state.status)
            .and_then(|img| tray.set_icon(Some(img)))
            .and_then(|()| tray.set_tooltip(Some(&state.headline)));
        if let Err(err) = painted {
            log::warn!("cannot update the tray icon: {err}");
        }
    }
    if let Some(item) = app.try_state::<HeadlineItem>()
        && let Err(err) = item.0.set_text(text::menu_headline(&state.headline))
    {
        log::warn!("cannot update the tray menu: {err}");
    }
}

/// Show the password's expiry on the menu's Password entry.
pub fn show_password(app: &AppHandle, status: &PasswordStatus) {
    if let Some(item) = app.try_state::<PasswordItem>()
        && let Err(err) = item.0.set_text(text::password_label(status))
    {
        log::warn!("cannot update the tray menu: {err}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_a_decodable_icon() {
        for s in [
            HealthStatus::Unknown,
            HealthStatus::Healthy,
            HealthStatus::Degraded,
            HealthStatus::Broken,
        ] {
            let img = icon(s).unwrap();
            assert_eq!((img.width(), img.height()), (64, 64));
        }
    }
}
