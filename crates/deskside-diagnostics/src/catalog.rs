//! Every check, in dependency order, with its id, category, dependencies and timeout.
//!
//! To add a check: write `async fn my_check(ctx: &Context) -> Outcome` in the category's
//! module under `checks/`, add a row here (after the checks it depends on), place its id in
//! [`crate::diagnosis::ROOT_CAUSE_ORDER`], document it in `docs/checks.md`, and add a lab
//! fault that breaks it (`tests/lab`).

use std::time::Duration;

use futures::FutureExt;

use crate::check::{Category, CheckDef};
use crate::checks::{disk, net, system, vpn};

const fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

macro_rules! check {
    ($id:literal, $cat:ident, [$($dep:literal),*], $timeout:expr, $f:path) => {
        CheckDef {
            id: $id,
            category: Category::$cat,
            depends_on: &[$($dep),*],
            timeout: $timeout,
            run: |ctx| $f(ctx).boxed(),
        }
    };
}

/// All checks.
pub static CHECKS: &[CheckDef] = &[
    check!("net.interface", Network, [], secs(2), net::interface),
    check!(
        "net.address",
        Network,
        ["net.interface"],
        secs(2),
        net::address
    ),
    check!(
        "net.gateway",
        Network,
        ["net.address"],
        secs(4),
        net::gateway
    ),
    check!("net.dns", Network, ["net.gateway"], secs(8), net::dns),
    check!(
        "net.captive_portal",
        Network,
        ["net.dns"],
        secs(10),
        net::captive_portal
    ),
    check!(
        "net.internet",
        Network,
        ["net.dns"],
        secs(10),
        net::internet
    ),
    check!("net.proxy", Network, ["net.address"], secs(10), net::proxy),
    check!(
        "net.quality",
        Network,
        ["net.gateway"],
        secs(10),
        net::quality
    ),
    check!("net.mtu", Network, ["net.internet"], secs(6), net::mtu),
    check!(
        "system.clock",
        System,
        ["net.internet"],
        secs(10),
        system::clock
    ),
    check!("vpn.tunnel", Vpn, [], secs(5), vpn::tunnel),
    check!("vpn.routes", Vpn, ["vpn.tunnel"], secs(2), vpn::routes),
    check!("vpn.dns", Vpn, ["vpn.tunnel"], secs(8), vpn::dns),
    check!(
        "vpn.reachability",
        Vpn,
        ["vpn.routes", "vpn.dns"],
        secs(10),
        vpn::reachability
    ),
    check!("disk.space", Disk, [], secs(5), disk::space),
    check!("disk.inodes", Disk, [], secs(5), disk::inodes),
    check!("disk.temp", Disk, [], secs(5), disk::temp),
    check!("system.uptime", System, [], secs(2), system::uptime),
];

/// The checks of some categories (all when `categories` is empty).
#[must_use]
pub fn select(categories: &[Category]) -> Vec<CheckDef> {
    CHECKS
        .iter()
        .filter(|c| categories.is_empty() || categories.contains(&c.category))
        .copied()
        .collect()
}

/// The checks named by `ids` plus every check they depend on (transitively), in catalog
/// order; unknown ids are ignored. Used to re-test after a fix without running everything.
#[must_use]
pub fn with_dependencies(ids: &[&str]) -> Vec<CheckDef> {
    let mut wanted: std::collections::HashSet<&str> = ids.iter().copied().collect();
    // The catalog lists dependencies before dependents, so one pass from the end closes the set.
    for c in CHECKS.iter().rev() {
        if wanted.contains(c.id) {
            wanted.extend(c.depends_on.iter().copied());
        }
    }
    CHECKS
        .iter()
        .filter(|c| wanted.contains(c.id))
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::ROOT_CAUSE_ORDER;
    use std::collections::HashSet;

    #[test]
    fn with_dependencies_closes_over_the_chain() {
        let ids: Vec<&str> = with_dependencies(&["net.dns"])
            .iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(
            ids,
            ["net.interface", "net.address", "net.gateway", "net.dns"]
        );
        let ids: Vec<&str> = with_dependencies(&["disk.temp", "nope"])
            .iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(ids, ["disk.temp"]);
    }

    #[test]
    fn ids_are_unique_and_dependencies_come_first() {
        let mut seen = HashSet::new();
        for c in CHECKS {
            for d in c.depends_on {
                assert!(
                    seen.contains(d),
                    "{} depends on {d}, which is not listed before it",
                    c.id
                );
            }
            assert!(seen.insert(c.id), "duplicate id {}", c.id);
        }
    }

    #[test]
    fn every_check_has_a_root_cause_rank() {
        for c in CHECKS {
            assert!(
                ROOT_CAUSE_ORDER.contains(&c.id),
                "{} missing from ROOT_CAUSE_ORDER",
                c.id
            );
        }
        assert_eq!(ROOT_CAUSE_ORDER.len(), CHECKS.len());
    }

    #[test]
    fn every_check_is_documented() {
        let docs =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/checks.md"))
                .unwrap();
        for c in CHECKS {
            assert!(
                docs.contains(&format!("`{}`", c.id)),
                "{} is not documented in docs/checks.md",
                c.id
            );
        }
    }
}
