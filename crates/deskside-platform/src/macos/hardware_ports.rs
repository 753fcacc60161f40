//! Parser for `networksetup -listallhardwareports`, and the step that uses it to name and
//! classify the interfaces `ifconfig` found.
//!
//! `ifconfig` only knows BSD names: `en0` may be Wi-Fi or Ethernet depending on the model.
//! The hardware-port list (`Hardware Port: Wi-Fi` / `Device: en0` / `Ethernet Address: …`
//! blocks) is what System Settings shows, so it gives the description and the kind.

use serde::Serialize;

use crate::model::{Interface, InterfaceKind};

/// One `Hardware Port` block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HardwarePort {
    /// The port's name as System Settings shows it (`Wi-Fi`, `Thunderbolt Bridge`).
    pub port: String,
    /// BSD device name (`en0`).
    pub device: String,
    /// The "Ethernet Address" line, if it held an address.
    pub mac: Option<String>,
}

/// Parse the output of `networksetup -listallhardwareports`.
///
/// Blocks without a `Device` line (and the trailing "VLAN Configurations" section) are
/// skipped.
#[must_use]
pub fn parse_hardware_ports(text: &str) -> Vec<HardwarePort> {
    let mut ports = Vec::new();
    let mut port: Option<String> = None;
    let mut device: Option<String> = None;
    let mut mac: Option<String> = None;
    let mut flush =
        |port: &mut Option<String>, device: &mut Option<String>, mac: &mut Option<String>| {
            if let (Some(p), Some(d)) = (port.take(), device.take()) {
                ports.push(HardwarePort {
                    port: p,
                    device: d,
                    mac: mac.take(),
                });
            }
            *mac = None;
        };
    for raw in text.lines() {
        let line = raw.trim();
        if let Some(value) = line.strip_prefix("Hardware Port:") {
            flush(&mut port, &mut device, &mut mac);
            port = Some(value.trim().to_owned()).filter(|v| !v.is_empty());
        } else if let Some(value) = line.strip_prefix("Device:") {
            device = Some(value.trim().to_owned()).filter(|v| !v.is_empty());
        } else if let Some(value) = line.strip_prefix("Ethernet Address:") {
            let value = value.trim().to_ascii_lowercase();
            mac = (value.split(':').count() == 6).then_some(value);
        } else if line.is_empty() || line.starts_with("VLAN") {
            flush(&mut port, &mut device, &mut mac);
        }
    }
    flush(&mut port, &mut device, &mut mac);
    ports
}

/// Give interfaces found by `ifconfig` their hardware port's name as description, and a kind
/// from it: Wi-Fi/AirPort → wireless, bridges → bridge, Bluetooth PAN → other, a tethered
/// iPhone/iPad → cellular. Other ports (USB and Thunderbolt Ethernet adapters) keep the kind
/// the BSD name gave.
pub fn apply_hardware_ports(interfaces: &mut [Interface], ports: &[HardwarePort]) {
    for interface in interfaces.iter_mut() {
        let Some(port) = ports.iter().find(|p| p.device == interface.name) else {
            continue;
        };
        interface.description = Some(port.port.clone());
        let name = port.port.to_lowercase();
        if name.contains("wi-fi") || name.contains("airport") || name.contains("wlan") {
            interface.kind = InterfaceKind::Wireless;
        } else if name.contains("bridge") || port.device.starts_with("bridge") {
            interface.kind = InterfaceKind::Bridge;
        } else if name.contains("bluetooth") {
            interface.kind = InterfaceKind::Other;
        } else if name.contains("iphone") || name.contains("ipad") {
            interface.kind = InterfaceKind::Cellular;
        }
    }
}
