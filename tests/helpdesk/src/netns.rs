//! A private network namespace with only loopback, for running `desksidectl` where its own
//! network traffic cannot leave: a live diagnosis (`--attach-diagnostics`) probes DNS servers
//! and internet URLs, and a test must never send those outside loopback. The helpdesk is then
//! reached through a [`crate::FaultProxy`] or [`crate::TcpBridge`] whose listening socket is
//! created inside the namespace while it forwards to the servers on the host's loopback.

#![expect(
    clippy::disallowed_methods,
    reason = "test harness: creates and deletes the namespace with ip(8)"
)]

use std::os::fd::AsRawFd as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::{HarnessError, Result};

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A named network namespace (`ip netns`), deleted when dropped.
#[derive(Debug)]
pub struct Netns {
    name: String,
}

impl Netns {
    /// Creates `dskh-PID-N` with loopback up and nothing else.
    ///
    /// # Errors
    /// [`HarnessError::Setup`] when `ip netns` fails (not root, no iproute2).
    pub fn new() -> Result<Self> {
        let name = format!(
            "dskh-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        ip(&["netns", "add", &name])?;
        let this = Self { name };
        ip(&["-n", &this.name, "link", "set", "lo", "up"])?;
        Ok(this)
    }

    /// The namespace's name, for `ip netns exec`.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `/run/netns/NAME`.
    #[must_use]
    pub fn path(&self) -> PathBuf {
        PathBuf::from("/run/netns").join(&self.name)
    }

    /// Runs `f` on a fresh thread that has entered this namespace: sockets it creates live
    /// there (and keep living there after the thread ends).
    ///
    /// # Errors
    /// When the namespace cannot be entered.
    pub fn run_inside<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
    ) -> std::io::Result<T> {
        let ns = std::fs::File::open(self.path())?;
        std::thread::spawn(move || {
            // SAFETY: setns on a namespace fd this thread owns; it changes only this thread's
            // network namespace, and the thread ends right after `f`.
            let rc = unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) };
            if rc != 0 {
                return Err(std::io::Error::last_os_error());
            }
            f()
        })
        .join()
        .map_err(|_| std::io::Error::other("the namespace thread panicked"))?
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = ip(&["netns", "del", &self.name]);
    }
}

fn ip(args: &[&str]) -> Result<()> {
    let out = Command::new("ip")
        .args(args)
        .stdin(Stdio::null())
        .output()?;
    if out.status.success() {
        Ok(())
    } else {
        Err(HarnessError::Setup {
            server: "network namespace",
            detail: format!(
                "ip {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        })
    }
}
