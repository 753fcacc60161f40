//! The background health task: a light diagnosis (network, VPN, disk) right after start,
//! then every `app.check_interval_s`, and 2 s after the network settles from a change (Linux:
//! netlink notices; elsewhere the interval only). It sleeps in between — no polling.

use std::time::Duration;

use deskside_diagnostics::Category;
use tauri::{AppHandle, Manager};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::policy::Debounce;
use super::{Origin, netwatch, publish};
use crate::config;
use crate::ipc::{HealthState, IpcError};

/// What the background run checks: the categories that change under the employee's feet
/// (the whole catalog is cheap too, but clock and uptime do not need a network trigger).
pub const LIGHT: &[Category] = &[Category::Network, Category::Vpn, Category::Disk];
/// Quiet time after the last network-change notice before re-checking.
const QUIET: Duration = Duration::from_secs(2);
/// Re-check at the latest this long after the first notice of a burst.
const MAX_WAIT: Duration = Duration::from_secs(10);
/// Interval when the config cannot be read (the default of `app.check_interval_s`).
const FALLBACK_INTERVAL: Duration = Duration::from_secs(300);
/// Lower bound on the interval, whatever the config says.
const MIN_INTERVAL: Duration = Duration::from_secs(10);

/// Start the task on Tauri's runtime.
pub fn spawn(app: AppHandle) {
    let (tx, mut rx) = mpsc::unbounded_channel::<()>();
    netwatch::spawn(tx.clone());
    tauri::async_runtime::spawn(async move {
        // Holding a sender keeps `recv` pending (not `None`) if the watcher thread ends.
        let _keep_open = tx;
        let mut debounce = Debounce::new(QUIET, MAX_WAIT);
        let mut next_check = Instant::now();
        loop {
            let wake = debounce
                .deadline()
                .map_or(next_check, |d| Instant::from_std(d).min(next_check));
            tokio::select! {
                () = tokio::time::sleep_until(wake) => {}
                Some(()) = rx.recv() => {
                    debounce.event(Instant::now().into_std());
                    continue;
                }
            }
            let now = Instant::now();
            let network_changed = debounce.take_due(now.into_std());
            if network_changed || now >= next_check {
                if network_changed {
                    log::info!("network changed: checking health");
                    // Queued tickets may go out now too.
                    crate::outbox::network_changed(&app);
                }
                next_check = Instant::now() + check_once(&app).await;
            }
        }
    });
}

/// One light diagnosis, published; returns the interval until the next one.
async fn check_once(app: &AppHandle) -> Duration {
    let loaded = match config::load() {
        Ok(l) => l,
        Err(err) => {
            log::warn!("config: {err}");
            publish(
                app,
                HealthState::config_problem(&err),
                Some(&err.message),
                Origin::Background { notify: true },
            );
            return FALLBACK_INTERVAL;
        }
    };
    let interval = Duration::from_secs(loaded.config.app.check_interval_s).max(MIN_INTERVAL);
    let origin = Origin::Background {
        notify: loaded.config.app.notify,
    };
    match deskside_diagnostics::diagnose(loaded.config, LIGHT, None).await {
        Ok(report) => {
            app.state::<crate::state::Shell>().set_report(&report);
            publish(
                app,
                HealthState::from_report(&report),
                Some(&report.diagnosis.summary),
                origin,
            );
        }
        Err(err) => {
            let err = IpcError::from(err);
            log::warn!("background check cannot run: {err}");
            publish(app, HealthState::cannot_run(&err), None, origin);
        }
    }
    interval
}
