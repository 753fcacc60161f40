//! Ending the WebKit network process when the window is gone.
//!
//! On Linux, WebKitGTK keeps one `WebKitNetworkProcess` per web context for as long as the
//! context lives, and Tauri keeps the context for the app's lifetime (tauri-apps/tauri#14626):
//! ~60–90 MiB that would sit in the tray all day after the window was opened once. When the
//! window is destroyed and none is open, we end that child; WebKit starts a new one on
//! demand when a window opens again (verified: the reopened page loads and renders).
//!
//! The decision (which children are WebKit network processes) is pure and tested everywhere;
//! reading `/proc` and signalling are the Linux-only part.

/// `comm` of WebKitGTK's network process (the kernel truncates names to 15 bytes).
pub const NETWORK_PROCESS_COMM: &str = "WebKitNetworkPr";

/// Of `children` (pid, comm), the pids of WebKit network processes.
#[must_use]
#[cfg_attr(
    all(not(target_os = "linux"), not(test)),
    expect(
        dead_code,
        reason = "pure and tested on every OS; only Linux ends the process"
    )
)]
pub fn network_processes(children: &[(i32, String)]) -> Vec<i32> {
    children
        .iter()
        .filter(|(pid, comm)| *pid > 1 && comm.trim_end() == NETWORK_PROCESS_COMM)
        .map(|(pid, _)| *pid)
        .collect()
}

/// Terminate our WebKit network process(es). Call only when no window is open.
#[cfg(target_os = "linux")]
pub fn end_network_process() {
    let children = direct_children();
    for pid in network_processes(&children) {
        // SAFETY: plain syscall on a pid that is our own direct child (just read from
        // /proc/self/task/*/children), so it cannot be a recycled unrelated process.
        let rc = unsafe { libc::kill(pid, libc::SIGTERM) };
        if rc == 0 {
            log::info!("window closed: ended the idle WebKit network process ({pid})");
        }
    }
}

/// Other OSes: WebKit (macOS) and WebView2 (Windows) manage their helpers themselves.
#[cfg(not(target_os = "linux"))]
pub fn end_network_process() {}

#[cfg(target_os = "linux")]
fn direct_children() -> Vec<(i32, String)> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|list| {
            list.split_whitespace()
                .filter_map(|p| p.parse::<i32>().ok())
                .collect::<Vec<_>>()
        })
        .filter_map(|pid| {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
            Some((pid, comm))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_network_processes_are_picked() {
        let children = vec![
            (4100, "WebKitWebProces\n".to_owned()),
            (4101, "WebKitNetworkPr\n".to_owned()),
            (4102, "dbus-daemon\n".to_owned()),
            (1, "WebKitNetworkPr".to_owned()),
        ];
        assert_eq!(network_processes(&children), vec![4101]);
        assert!(network_processes(&[]).is_empty());
    }
}
