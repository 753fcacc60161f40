//! The fix catalogue: every built-in fix with its id, the words the employee sees, the checks it
//! addresses, whether it needs administrator rights, and whether it can be undone. Order
//! matters: `diagnose --fix` tries fixes in this order, so the least disruptive come first
//! (flush a cache before renewing an address, renew before restarting the adapter).
//!
//! To add a fix: a row here, its plan per OS in [`crate::plan`], a row in `docs/fixes.md` (a
//! test fails otherwise), and a lab test that breaks the thing and shows the fix repairs it.

/// How a fix proves it worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    /// Re-run the checks it addresses (and their dependencies); they must pass.
    Checks,
    /// The print queue must be empty (`lpstat -o` prints nothing); no diagnosis check covers
    /// printing.
    PrintQueue,
}

/// One built-in fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixDef {
    /// Stable id, such as `net.flush_dns`.
    pub id: &'static str,
    /// Button label.
    pub title: &'static str,
    /// What it does, in plain language.
    pub explanation: &'static str,
    /// Ids of the checks it can repair; it is offered beside those findings.
    pub addresses: &'static [&'static str],
    /// Needs administrator rights (goes through the privileged helper when not already root).
    pub elevation: bool,
    /// Has an undo (`net.clear_proxy` restores the saved settings, `system.restart_prompt`
    /// cancels the restart).
    pub undo: bool,
    /// How success is proven.
    pub verify: Verify,
}

macro_rules! fix {
    ($id:literal, $title:literal, $expl:literal, [$($a:literal),*], elevation: $e:literal, undo: $u:literal $(, verify: $v:ident)?) => {
        FixDef {
            id: $id,
            title: $title,
            explanation: $expl,
            addresses: &[$($a),*],
            elevation: $e,
            undo: $u,
            verify: fix!(@verify $($v)?),
        }
    };
    (@verify) => { Verify::Checks };
    (@verify $v:ident) => { Verify::$v };
}

/// Every built-in fix, in the order `diagnose --fix` tries them.
pub static FIXES: &[FixDef] = &[
    fix!(
        "net.flush_dns",
        "Clear the DNS cache",
        "Forgets remembered website addresses so your computer looks them up again. Harmless; the first visit to each site may take a moment longer.",
        ["net.dns", "vpn.dns"],
        elevation: true,
        undo: false
    ),
    fix!(
        "net.renew_address",
        "Renew the network address",
        "Asks the network for a fresh address (DHCP renew). Connections may pause for a few seconds.",
        ["net.address", "net.gateway"],
        elevation: true,
        undo: false
    ),
    fix!(
        "net.restart_interface",
        "Restart the network adapter",
        "Switches the network adapter off and on again and gets a fresh address. Everything using the network disconnects for a few seconds.",
        ["net.interface", "net.address", "net.gateway"],
        elevation: true,
        undo: false
    ),
    fix!(
        "net.reset_stack",
        "Reset the network settings",
        "Re-applies the network connection's settings from scratch (on Windows: resets Winsock and TCP/IP, which needs a restart). Connections drop briefly.",
        ["net.address", "net.gateway", "net.dns"],
        elevation: true,
        undo: false
    ),
    fix!(
        "net.clear_proxy",
        "Turn off the proxy setting",
        "Switches off the proxy server set for your user account, so connections go direct. The old setting is saved and can be restored.",
        ["net.proxy"],
        elevation: false,
        undo: true
    ),
    fix!(
        "net.forget_captive",
        "Open the network sign-in page",
        "Opens the sign-in page this network requires (hotels, airports, guest Wi-Fi) in your browser. Sign in there, then test again.",
        ["net.captive_portal"],
        elevation: false,
        undo: false
    ),
    fix!(
        "vpn.reconnect",
        "Reconnect the VPN",
        "Disconnects the company VPN and connects it again.",
        ["vpn.tunnel", "vpn.routes", "vpn.dns", "vpn.reachability"],
        elevation: true,
        undo: false
    ),
    fix!(
        "system.sync_clock",
        "Set the clock from the internet",
        "Turns on automatic time and corrects the clock now. A wrong clock breaks secure websites and sign-in.",
        ["system.clock"],
        elevation: true,
        undo: false
    ),
    fix!(
        "disk.clear_temp",
        "Clear old temporary files",
        "Deletes temporary and cache files you have not used for a while. Your documents are never touched; apps recreate caches when they need them.",
        ["disk.temp", "disk.space", "disk.inodes"],
        elevation: false,
        undo: false
    ),
    fix!(
        "disk.empty_trash",
        "Empty the trash",
        "Permanently deletes the files in your trash (recycle bin) to free disk space. This cannot be undone.",
        ["disk.space"],
        elevation: false,
        undo: false
    ),
    fix!(
        "print.clear_queue",
        "Clear stuck print jobs",
        "Cancels every waiting print job and restarts the print service. Print again afterwards.",
        [],
        elevation: true,
        undo: false,
        verify: PrintQueue
    ),
    fix!(
        "system.restart_prompt",
        "Restart the computer",
        "Schedules a restart after a delay so you can save your work first. You can cancel it until then.",
        ["system.uptime"],
        elevation: true,
        undo: true
    ),
];

/// The built-in fix `id`.
#[must_use]
pub fn find(id: &str) -> Option<&'static FixDef> {
    FIXES.iter().find(|f| f.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn at_least_twelve_unique_fixes() {
        // That every address is a real check id is tested in deskside-fix-engine, which
        // links the diagnostics.
        assert!(FIXES.len() >= 12);
        let mut seen = HashSet::new();
        for f in FIXES {
            assert!(seen.insert(f.id), "duplicate {}", f.id);
            assert!(
                !f.addresses.is_empty() || f.verify != Verify::Checks,
                "{} verifies by checks but addresses none",
                f.id
            );
        }
    }

    #[test]
    fn every_fix_is_documented() {
        let docs =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/fixes.md"))
                .unwrap();
        for f in FIXES {
            assert!(
                docs.contains(&format!("`{}`", f.id)),
                "{} is not documented in docs/fixes.md",
                f.id
            );
        }
    }
}
