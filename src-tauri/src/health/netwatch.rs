//! Network-change notices. Linux: a `NETLINK_ROUTE` socket subscribed to link, IPv4 address
//! and IPv4 route changes, read in a blocking thread (it sleeps in `recv` until the kernel
//! says something). Other OSes: nothing yet, the interval alone drives the checks.

use tokio::sync::mpsc::UnboundedSender;

/// Start watching; every notice sends `()` on `tx` (the receiver debounces).
#[cfg(target_os = "linux")]
pub fn spawn(tx: UnboundedSender<()>) {
    let started = std::thread::Builder::new()
        .name("deskside-netwatch".to_owned())
        .spawn(move || {
            if let Err(err) = linux::watch(&tx) {
                log::warn!(
                    "network-change watch stopped ({err}); health is checked on the interval only"
                );
            }
        });
    if let Err(err) = started {
        log::warn!("cannot start the network-change watch: {err}");
    }
}

/// Start watching: not available on this OS, the interval drives the checks.
#[cfg(not(target_os = "linux"))]
pub fn spawn(_tx: UnboundedSender<()>) {
    log::info!("no network-change notices on this OS; health is checked on the interval");
}

#[cfg(target_os = "linux")]
mod linux {
    use std::os::fd::AsRawFd;

    use nix::errno::Errno;
    use nix::libc;
    use nix::sys::socket::{
        AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType, bind, recv, socket,
    };
    use tokio::sync::mpsc::UnboundedSender;

    /// Multicast groups: links up/down, IPv4 addresses, IPv4 routes.
    const GROUPS: u32 =
        (libc::RTMGRP_LINK | libc::RTMGRP_IPV4_IFADDR | libc::RTMGRP_IPV4_ROUTE) as u32;

    /// Block reading notices until the receiver is gone (`Ok`) or the socket fails.
    pub fn watch(tx: &UnboundedSender<()>) -> nix::Result<()> {
        let fd = socket(
            AddressFamily::Netlink,
            SockType::Raw,
            SockFlag::SOCK_CLOEXEC,
            SockProtocol::NetlinkRoute,
        )?;
        bind(fd.as_raw_fd(), &NetlinkAddr::new(0, GROUPS))?;
        let mut buf = vec![0_u8; 16 * 1024];
        loop {
            match recv(fd.as_raw_fd(), &mut buf, MsgFlags::empty()) {
                // ENOBUFS: notices were dropped because we were slow — still a change.
                Ok(_) | Err(Errno::ENOBUFS) => {
                    if tx.send(()).is_err() {
                        return Ok(());
                    }
                }
                Err(Errno::EINTR) => {}
                Err(err) => return Err(err),
            }
        }
    }
}
