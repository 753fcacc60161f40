//! Network-change notices, for re-checking health when the network moves under the employee.
//! Linux: a `NETLINK_ROUTE` socket subscribed to link, IPv4 and IPv6 address and route changes,
//! read in a blocking thread (it sleeps in `recv` until the kernel says something). Other OSes:
//! nothing yet (the caller's interval alone drives the checks) — reported as
//! [`Watch::Unsupported`], never a panic.

/// Whether notices will come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watch {
    /// A watcher thread is running.
    Started,
    /// This OS has no watcher yet; re-check on an interval.
    Unsupported,
    /// The watcher could not start (the reason is logged).
    Failed,
}

/// Multicast groups: links up/down, IPv4 and IPv6 addresses and routes. A VPN coming up adds
/// a route; an IPv6-only Wi-Fi hand-over changes only IPv6 addresses.
#[cfg(target_os = "linux")]
const GROUPS: u32 = (libc::RTMGRP_LINK
    | libc::RTMGRP_IPV4_IFADDR
    | libc::RTMGRP_IPV4_ROUTE
    | libc::RTMGRP_IPV6_IFADDR
    | libc::RTMGRP_IPV6_ROUTE) as u32;

/// Start watching: `on_change` is called for every notice (the caller debounces) until it
/// returns `false`.
#[cfg(target_os = "linux")]
pub fn spawn(on_change: impl FnMut() -> bool + Send + 'static) -> Watch {
    let started = std::thread::Builder::new()
        .name("deskside-netwatch".to_owned())
        .spawn(move || {
            if let Err(err) = linux::watch(GROUPS, on_change) {
                tracing::warn!(
                    "network-change watch stopped ({err}); health is checked on the interval only"
                );
            }
        });
    match started {
        Ok(_) => Watch::Started,
        Err(err) => {
            tracing::warn!("cannot start the network-change watch: {err}");
            Watch::Failed
        }
    }
}

/// Start watching: not available on this OS, the interval drives the checks.
#[cfg(not(target_os = "linux"))]
pub fn spawn(on_change: impl FnMut() -> bool + Send + 'static) -> Watch {
    drop(on_change);
    tracing::info!("no network-change notices on this OS; health is checked on the interval");
    Watch::Unsupported
}

#[cfg(target_os = "linux")]
mod linux {
    use std::os::fd::AsRawFd;

    use nix::errno::Errno;
    use nix::sys::socket::{
        AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType, bind, recv, socket,
    };

    /// Block reading notices until `on_change` says stop (`Ok`) or the socket fails.
    pub fn watch(groups: u32, mut on_change: impl FnMut() -> bool) -> nix::Result<()> {
        let fd = socket(
            AddressFamily::Netlink,
            SockType::Raw,
            SockFlag::SOCK_CLOEXEC,
            SockProtocol::NetlinkRoute,
        )?;
        bind(fd.as_raw_fd(), &NetlinkAddr::new(0, groups))?;
        let mut buf = vec![0_u8; 16 * 1024];
        loop {
            match recv(fd.as_raw_fd(), &mut buf, MsgFlags::empty()) {
                // ENOBUFS: notices were dropped because we were slow — still a change.
                Ok(_) | Err(Errno::ENOBUFS) => {
                    if !on_change() {
                        return Ok(());
                    }
                }
                Err(Errno::EINTR) => {}
                Err(err) => return Err(err),
            }
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn ipv6_changes_are_watched_too() {
        assert_ne!(GROUPS & libc::RTMGRP_IPV6_IFADDR as u32, 0);
        assert_ne!(GROUPS & libc::RTMGRP_IPV6_ROUTE as u32, 0);
        assert_ne!(GROUPS & libc::RTMGRP_IPV4_ROUTE as u32, 0);
    }
}
