//! Socket error codes as data: what a raw OS error number means for a probe, per OS family.
//!
//! `std::io::ErrorKind` covers refused, timed out, unreachable and permission denied on every
//! OS, but not "this socket type or protocol is not available" nor "message too long", and the
//! numbers differ: Linux and macOS use errno values (which differ between them above 34),
//! Windows uses Winsock's `WSAE*` codes (10013 is `WSAEACCES`, the refusal of a raw socket to
//! a non-admin). `libc`'s constants are the C runtime's on Windows, not Winsock's, so they
//! cannot be used there. One pure table, tested for all three families on every OS.

/// Which numbering the OS's socket errors use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Linux errno.
    Linux,
    /// macOS and the BSDs' errno.
    Macos,
    /// Windows Sockets (`WSAE*`).
    Windows,
}

impl Family {
    /// The family of the OS this was built for; Unix-likes that are not BSDs are taken as Linux.
    #[must_use]
    pub const fn current() -> Self {
        if cfg!(windows) {
            Self::Windows
        } else if cfg!(any(
            target_os = "macos",
            target_os = "ios",
            target_os = "freebsd",
            target_os = "openbsd",
            target_os = "netbsd",
            target_os = "dragonfly"
        )) {
            Self::Macos
        } else {
            Self::Linux
        }
    }
}

/// What a socket error means to a probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The OS refuses this process the socket (`EPERM`, `EACCES`, `WSAEACCES`).
    NotPermitted,
    /// This socket type or protocol does not exist here (`EPROTONOSUPPORT`,
    /// `ESOCKTNOSUPPORT`, and their `WSAE*` twins; Windows has no ICMP ping sockets).
    NoSuchSocket,
    /// No route to the host or network (`std` names these kinds too; the numbers are kept
    /// for errors that reach us without a kind).
    Unreachable,
    /// The datagram exceeds the known path MTU (`EMSGSIZE`, `WSAEMSGSIZE`).
    MessageTooBig,
    /// Anything else.
    Other,
}

/// Classify a raw OS error number of `family`.
#[must_use]
pub const fn classify(family: Family, code: i32) -> Fault {
    match family {
        Family::Linux => match code {
            1 | 13 => Fault::NotPermitted,
            93 | 94 => Fault::NoSuchSocket,
            101 | 113 => Fault::Unreachable,
            90 => Fault::MessageTooBig,
            _ => Fault::Other,
        },
        Family::Macos => match code {
            1 | 13 => Fault::NotPermitted,
            43 | 44 => Fault::NoSuchSocket,
            51 | 65 => Fault::Unreachable,
            40 => Fault::MessageTooBig,
            _ => Fault::Other,
        },
        Family::Windows => match code {
            10013 => Fault::NotPermitted,
            10041 | 10043 | 10044 => Fault::NoSuchSocket,
            10051 | 10065 => Fault::Unreachable,
            10040 => Fault::MessageTooBig,
            _ => Fault::Other,
        },
    }
}

/// Classify an I/O error of this OS: its kind first, then its raw number.
#[must_use]
pub fn fault(e: &std::io::Error) -> Fault {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::PermissionDenied => Fault::NotPermitted,
        K::NetworkUnreachable | K::HostUnreachable => Fault::Unreachable,
        _ => e
            .raw_os_error()
            .map_or(Fault::Other, |code| classify(Family::current(), code)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_refusals_on_every_family() {
        for (family, codes) in [
            (Family::Linux, [1, 13]),
            (Family::Macos, [1, 13]),
            (Family::Windows, [10013, 10013]),
        ] {
            for code in codes {
                assert_eq!(
                    classify(family, code),
                    Fault::NotPermitted,
                    "{family:?} {code}"
                );
            }
        }
    }

    /// Regression: on Windows, 10013 ("An attempt was made to access a socket in a way
    /// forbidden by its access permissions") was not taken as "not permitted", so the echo
    /// probe failed instead of falling back to TCP.
    #[test]
    fn windows_access_denied_is_not_permitted() {
        assert_eq!(classify(Family::Windows, 10013), Fault::NotPermitted);
        assert_eq!(
            fault(&std::io::Error::from(std::io::ErrorKind::PermissionDenied)),
            Fault::NotPermitted
        );
        // The C runtime's EACCES means nothing from Winsock.
        assert_eq!(classify(Family::Windows, 13), Fault::Other);
    }

    #[test]
    fn missing_socket_kinds_unreachable_and_too_big() {
        let table = [
            (Family::Linux, 93, Fault::NoSuchSocket),
            (Family::Linux, 113, Fault::Unreachable),
            (Family::Linux, 101, Fault::Unreachable),
            (Family::Linux, 90, Fault::MessageTooBig),
            (Family::Macos, 43, Fault::NoSuchSocket),
            (Family::Macos, 65, Fault::Unreachable),
            (Family::Macos, 51, Fault::Unreachable),
            (Family::Macos, 40, Fault::MessageTooBig),
            (Family::Macos, 93, Fault::Other),
            (Family::Windows, 10043, Fault::NoSuchSocket),
            (Family::Windows, 10044, Fault::NoSuchSocket),
            (Family::Windows, 10065, Fault::Unreachable),
            (Family::Windows, 10051, Fault::Unreachable),
            (Family::Windows, 10040, Fault::MessageTooBig),
            (Family::Windows, 10061, Fault::Other),
        ];
        for (family, code, want) in table {
            assert_eq!(classify(family, code), want, "{family:?} {code}");
        }
    }

    /// The table's Linux numbers are libc's.
    #[cfg(target_os = "linux")]
    #[test]
    fn linux_numbers_are_libc_constants() {
        let l = Family::Linux;
        for code in [libc::EPERM, libc::EACCES] {
            assert_eq!(classify(l, code), Fault::NotPermitted);
        }
        for code in [libc::EPROTONOSUPPORT, libc::ESOCKTNOSUPPORT] {
            assert_eq!(classify(l, code), Fault::NoSuchSocket);
        }
        for code in [libc::EHOSTUNREACH, libc::ENETUNREACH] {
            assert_eq!(classify(l, code), Fault::Unreachable);
        }
        assert_eq!(classify(l, libc::EMSGSIZE), Fault::MessageTooBig);
    }

    #[test]
    fn this_os_numbers_agree_with_the_table() {
        let e = std::io::Error::from_raw_os_error(match Family::current() {
            Family::Linux => 90,
            Family::Macos => 40,
            Family::Windows => 10040,
        });
        assert_eq!(fault(&e), Fault::MessageTooBig);
    }
}
