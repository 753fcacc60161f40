//! Which interfaces are VPN tunnels and whether a VPN is up — one decision for the
//! diagnostics, the fixes, the device snapshot and the password pre-flight, so they never
//! disagree about the same machine.
//!
//! A VPN interface is one the OS reports as a tunnel, or whose name matches one of the
//! configured patterns (`vpn.interfaces`, globs like `wg*`); loopback never is. It is *up*
//! when it is not switched off or without carrier and has an address: a WireGuard link often
//! reports its state as unknown, and a tunnel without an address carries nothing.

use crate::glob::glob_match;
use crate::model::{Interface, InterfaceKind, LinkState, NetworkState};

impl Interface {
    /// Whether this interface is a VPN tunnel: tunnel kind or a name matching `patterns`,
    /// never loopback.
    #[must_use]
    pub fn is_vpn(&self, patterns: &[String]) -> bool {
        self.kind != InterfaceKind::Loopback
            && (self.kind == InterfaceKind::Tunnel
                || patterns.iter().any(|p| glob_match(p, &self.name)))
    }

    /// Whether this interface is a VPN tunnel that is up: [`Interface::is_vpn`], not down or
    /// without carrier, with an address.
    #[must_use]
    pub fn is_vpn_up(&self, patterns: &[String]) -> bool {
        self.is_vpn(patterns)
            && !matches!(self.state, LinkState::Down | LinkState::NoCarrier)
            && !self.addresses.is_empty()
    }
}

impl NetworkState {
    /// The VPN interfaces present, up or not, in interface order.
    #[must_use]
    pub fn vpn_interfaces(&self, patterns: &[String]) -> Vec<&Interface> {
        self.interfaces
            .iter()
            .filter(|i| i.is_vpn(patterns))
            .collect()
    }

    /// The first VPN interface that is up, if any.
    #[must_use]
    pub fn vpn_up(&self, patterns: &[String]) -> Option<&Interface> {
        self.interfaces.iter().find(|i| i.is_vpn_up(patterns))
    }
}

#[cfg(test)]
mod tests {
    use crate::model::InterfaceAddress;

    use super::*;

    fn iface(name: &str, kind: InterfaceKind, state: LinkState, addressed: bool) -> Interface {
        Interface {
            name: name.to_owned(),
            description: None,
            kind,
            state,
            mac: None,
            mtu: None,
            dhcp: None,
            addresses: if addressed {
                vec![InterfaceAddress {
                    addr: "10.8.0.2".parse().unwrap(),
                    prefix_len: Some(24),
                }]
            } else {
                Vec::new()
            },
        }
    }

    fn net(interfaces: Vec<Interface>) -> NetworkState {
        NetworkState {
            interfaces,
            ..NetworkState::default()
        }
    }

    #[test]
    fn a_vpn_is_a_tunnel_or_a_pattern_match_never_loopback() {
        let wg = vec!["wg*".to_owned()];
        assert!(iface("wg0", InterfaceKind::Other, LinkState::Up, true).is_vpn(&wg));
        assert!(!iface("wg0", InterfaceKind::Other, LinkState::Up, true).is_vpn(&[]));
        assert!(iface("utun3", InterfaceKind::Tunnel, LinkState::Up, true).is_vpn(&[]));
        assert!(!iface("eth0", InterfaceKind::Ethernet, LinkState::Up, true).is_vpn(&wg));
        assert!(!iface("wg-lo", InterfaceKind::Loopback, LinkState::Up, true).is_vpn(&wg));
    }

    #[test]
    fn a_vpn_is_up_only_when_switched_on_and_addressed() {
        let wg = vec!["wg*".to_owned()];
        let eth = iface("eth0", InterfaceKind::Ethernet, LinkState::Up, true);
        assert!(net(vec![eth.clone()]).vpn_up(&wg).is_none());
        // WireGuard on Linux often says "unknown": still up when it has an address.
        let state = net(vec![
            eth.clone(),
            iface("wg0", InterfaceKind::Other, LinkState::Unknown, true),
        ]);
        assert_eq!(state.vpn_up(&wg).map(|i| i.name.as_str()), Some("wg0"));
        for (state, addressed) in [
            (LinkState::Down, true),
            (LinkState::NoCarrier, true),
            (LinkState::Up, false),
        ] {
            let down = net(vec![
                eth.clone(),
                iface("wg1", InterfaceKind::Tunnel, state, addressed),
            ]);
            assert!(down.vpn_up(&wg).is_none(), "{state:?} {addressed}");
            assert_eq!(down.vpn_interfaces(&wg).len(), 1, "present, though not up");
        }
    }
}
