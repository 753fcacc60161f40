//! Root cause and the plain-language verdict.
//!
//! The root cause is the most upstream failing check in [`ROOT_CAUSE_ORDER`]: a dead link
//! explains a missing address, which explains an unreachable gateway, which explains failing
//! DNS, and so on — so the employee hears about the first broken link in the chain, not
//! about its echoes. When nothing fails but something warns, the most significant warning
//! (same order) is named instead. A healthy machine has no root cause.

use serde::Serialize;

use crate::check::{CheckResult, Status};

/// Chains first (network, then VPN), then the independent checks, most disruptive first.
pub const ROOT_CAUSE_ORDER: &[&str] = &[
    "net.interface",
    "net.address",
    "net.gateway",
    "net.dns",
    "net.captive_portal",
    "net.internet",
    "net.proxy",
    "vpn.tunnel",
    "vpn.routes",
    "vpn.dns",
    "vpn.reachability",
    "net.mtu",
    "net.quality",
    "system.clock",
    "disk.space",
    "disk.inodes",
    "disk.temp",
    "system.uptime",
];

/// Overall health.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Health {
    /// Nothing fails or warns.
    Healthy,
    /// Something warns; nothing fails.
    Degraded,
    /// Something fails.
    Broken,
}

/// The verdict of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Diagnosis {
    /// Overall health.
    pub status: Health,
    /// Id of the root-cause check, if any.
    pub root_cause: Option<String>,
    /// One sentence for the tray tooltip and the home screen.
    pub headline: String,
    /// One paragraph: what is wrong and what to do next.
    pub summary: String,
    /// Checks that could not run (status `error`), if any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    // For the TypeScript type only (`errors?: string[]`): serde's `skip_serializing_if`
    // above would otherwise tell specta the field is always there.
    #[cfg_attr(feature = "specta", serde(default))]
    pub errors: Vec<String>,
}

fn rank(id: &str) -> usize {
    ROOT_CAUSE_ORDER
        .iter()
        .position(|x| *x == id)
        .unwrap_or(ROOT_CAUSE_ORDER.len())
}

fn headline(id: &str) -> &'static str {
    match id {
        "net.interface" => "Your computer is not connected to a network.",
        "net.address" => "Your computer did not get a network address.",
        "net.gateway" => "Your computer cannot reach the router.",
        "net.dns" => "Websites cannot be found by name (DNS problem).",
        "net.captive_portal" => "A sign-in page is blocking the internet.",
        "net.internet" => "The internet cannot be reached.",
        "net.proxy" => "The proxy server set on this computer is not working.",
        "vpn.tunnel" => "The VPN is not working.",
        "vpn.routes" => "Company network traffic is not going through the VPN.",
        "vpn.dns" => "Company names cannot be found over the VPN.",
        "vpn.reachability" => "Company services do not answer over the VPN.",
        "net.mtu" => "Large network packets are being lost on the way.",
        "net.quality" => "The connection is slow or losing data.",
        "system.clock" => "Your computer's clock is wrong.",
        "disk.space" => "A disk is almost full.",
        "disk.inodes" => "A disk has run out of room for new files.",
        "disk.temp" => "Temporary files are taking up a lot of space.",
        "system.uptime" => "Your computer needs a restart.",
        _ => "Something is not right.",
    }
}

/// Name the root cause of `results` and explain it.
#[must_use]
pub fn diagnose(results: &[CheckResult]) -> Diagnosis {
    let pick = |status: Status| {
        results
            .iter()
            .filter(|r| r.status == status)
            .min_by_key(|r| rank(&r.id))
    };
    let errors: Vec<String> = results
        .iter()
        .filter(|r| r.status == Status::Error)
        .map(|r| r.id.clone())
        .collect();
    let (status, cause) = match (pick(Status::Fail), pick(Status::Warn)) {
        (Some(f), _) => (Health::Broken, Some(f)),
        (None, Some(w)) => (Health::Degraded, Some(w)),
        (None, None) => (Health::Healthy, None),
    };
    let mut d = match cause {
        Some(c) => {
            let mut summary = c.summary.clone();
            if let Some(advice) = &c.advice {
                summary.push(' ');
                summary.push_str(advice);
            }
            Diagnosis {
                status,
                root_cause: Some(c.id.clone()),
                headline: headline(&c.id).to_owned(),
                summary,
                errors: Vec::new(),
            }
        }
        None => Diagnosis {
            status,
            root_cause: None,
            headline: "Everything looks fine.".to_owned(),
            summary: "All checks passed: network, VPN, disks and system look healthy.".to_owned(),
            errors: Vec::new(),
        },
    };
    if !errors.is_empty() {
        d.summary.push_str(&format!(
            " ({} could not be checked: {}.)",
            if errors.len() == 1 {
                "One item"
            } else {
                "Some items"
            },
            errors.join(", ")
        ));
    }
    d.errors = errors;
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Category;

    fn r(id: &str, status: Status) -> CheckResult {
        CheckResult {
            id: id.into(),
            category: Category::Network,
            status,
            summary: format!("{id} summary."),
            advice: Some("Do this.".into()),
            evidence: serde_json::Value::Null,
            duration_ms: 1,
        }
    }

    #[test]
    fn most_upstream_failure_wins() {
        let d = diagnose(&[
            r("net.internet", Status::Fail),
            r("net.dns", Status::Fail),
            r("disk.space", Status::Warn),
        ]);
        assert_eq!(d.status, Health::Broken);
        assert_eq!(d.root_cause.as_deref(), Some("net.dns"));
        assert_eq!(d.summary, "net.dns summary. Do this.");
    }

    #[test]
    fn captive_portal_explains_failed_internet() {
        let d = diagnose(&[
            r("net.internet", Status::Fail),
            r("net.captive_portal", Status::Fail),
        ]);
        assert_eq!(d.root_cause.as_deref(), Some("net.captive_portal"));
    }

    #[test]
    fn warnings_only_name_the_most_significant() {
        let d = diagnose(&[
            r("system.uptime", Status::Warn),
            r("net.quality", Status::Warn),
            r("disk.space", Status::Pass),
        ]);
        assert_eq!(d.status, Health::Degraded);
        assert_eq!(d.root_cause.as_deref(), Some("net.quality"));
    }

    #[test]
    fn healthy_has_no_root_cause_and_skips_do_not_count() {
        let d = diagnose(&[r("net.dns", Status::Pass), r("vpn.tunnel", Status::Skip)]);
        assert_eq!(d.status, Health::Healthy);
        assert_eq!(d.root_cause, None);
    }

    #[test]
    fn errors_are_mentioned_but_never_root_cause() {
        let d = diagnose(&[r("net.dns", Status::Error), r("disk.space", Status::Pass)]);
        assert_eq!(d.status, Health::Healthy);
        assert_eq!(d.root_cause, None);
        assert_eq!(d.errors, vec!["net.dns".to_owned()]);
        assert!(d.summary.contains("could not be checked"));
    }
}
