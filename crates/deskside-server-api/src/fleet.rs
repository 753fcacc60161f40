//! The fleet view's wire shapes: a device's diagnosis summary ([`FleetReport`]), the known
//! issues it polls ([`KnownIssues`]), and the one network fingerprint rule ([`fingerprint`])
//! both sides share.
//!
//! A report carries no personal data: a root-cause id from the check catalogue, the verdict,
//! whether a VPN is up, and a fingerprint of the gateway and DNS server addresses hashed with a
//! salt the server issues (so equal networks give equal fingerprints on one server, and the
//! addresses cannot be read back without brute-forcing the salted hash of every candidate).
//! No user name, host name, MAC or clear IP address ever leaves the device in a report.

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

/// Path of the report endpoint (signed `POST`).
pub const PATH_REPORTS: &str = "/v1/fleet/reports";
/// Path of the known-issues endpoint (signed `GET`), which also hands out the salt.
pub const PATH_KNOWN_ISSUES: &str = "/v1/fleet/known-issues";
/// Largest root-cause id.
pub const MAX_ROOT_CAUSE: usize = 64;

/// The verdict of a diagnosis, as reported.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportStatus {
    /// Nothing fails or warns.
    Healthy,
    /// Something warns.
    Degraded,
    /// Something fails.
    Broken,
}

impl ReportStatus {
    /// The stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Healthy => "healthy",
            Self::Degraded => "degraded",
            Self::Broken => "broken",
        }
    }
}

/// `POST /v1/fleet/reports`: one diagnosis summary.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetReport {
    /// The root-cause check id (`vpn.tunnel`, `dns.resolve`, …), none when healthy.
    pub root_cause: Option<String>,
    /// The verdict.
    pub status: ReportStatus,
    /// [`fingerprint`] of the gateways and DNS servers: 64 hex digits, none if unknown.
    pub network: Option<String>,
    /// Whether a VPN interface is up; none if unknown.
    pub vpn_up: Option<bool>,
}

impl FleetReport {
    /// Checks the shape: a root-cause id of `[a-z0-9._-]`, a fingerprint of 64 hex digits.
    ///
    /// # Errors
    /// A sentence naming the field.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(rc) = &self.root_cause
            && (rc.is_empty()
                || rc.len() > MAX_ROOT_CAUSE
                || !rc
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b)))
        {
            return Err(format!(
                "root_cause must be 1-{MAX_ROOT_CAUSE} characters of a-z, 0-9, '.', '_', '-'"
            ));
        }
        if let Some(n) = &self.network
            && (n.len() != 64 || !n.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err("network must be 64 hex digits (the salted fingerprint)".into());
        }
        Ok(())
    }
}

/// What a known issue is.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IssueKind {
    /// Opened by the server: many devices hit the same root cause.
    Incident,
    /// Posted by IT (`deskside-server announce create`).
    Announcement,
}

/// One known issue: an open (or recently resolved) incident, or an announcement.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownIssue {
    /// `incident-N` or `announcement-N`.
    pub id: String,
    /// Incident or announcement.
    pub kind: IssueKind,
    /// The root cause (incidents).
    pub root_cause: Option<String>,
    /// The network fingerprint it is limited to; none: the whole fleet.
    pub network: Option<String>,
    /// Devices affected (incidents; 0 for announcements).
    pub devices: i64,
    /// Since when (Unix seconds): the first matching report, or when IT posted it.
    pub since: i64,
    /// IT's words (announcements), or none.
    pub message: Option<String>,
    /// The helpdesk ticket of the incident, once the server filed it.
    pub ticket: Option<String>,
    /// When it was resolved or closed (Unix seconds); none while open.
    pub resolved_at: Option<i64>,
}

impl KnownIssue {
    /// Whether this issue explains a diagnosis with `root_cause` on network `network`: an
    /// incident with the same root cause (fleet-wide, or on the same network); an announcement
    /// matches no diagnosis by itself.
    #[must_use]
    pub fn matches(&self, root_cause: Option<&str>, network: Option<&str>) -> bool {
        self.kind == IssueKind::Incident
            && root_cause.is_some()
            && self.root_cause.as_deref() == root_cause
            && self
                .network
                .as_deref()
                .is_none_or(|n| network.is_some_and(|m| m.eq_ignore_ascii_case(n)))
    }

    /// Whether it is still open.
    #[must_use]
    pub const fn is_open(&self) -> bool {
        self.resolved_at.is_none()
    }
}

/// `GET /v1/fleet/known-issues`: what devices poll (every few minutes).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownIssues {
    /// The salt for [`fingerprint`] (hex; the same for the whole fleet).
    pub salt: String,
    /// Open incidents and announcements, and those resolved within the last day.
    pub issues: Vec<KnownIssue>,
}

/// The answer to a report: the open known issue that matches it, if any.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportAnswer {
    /// The matching open incident.
    pub known_issue: Option<KnownIssue>,
}

/// The network fingerprint: SHA-256 over the salt and the sorted, de-duplicated gateway and
/// DNS server addresses (as text), hex. `None` when there is neither a gateway nor a DNS
/// server (nothing to fingerprint).
#[must_use]
pub fn fingerprint(salt: &str, gateways: &[String], dns_servers: &[String]) -> Option<String> {
    let norm = |v: &[String]| {
        let mut v: Vec<String> = v
            .iter()
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let (g, d) = (norm(gateways), norm(dns_servers));
    if g.is_empty() && d.is_empty() {
        return None;
    }
    let mut h = sha2::Sha256::new();
    h.update(b"deskside-fingerprint/1\n");
    h.update(salt.as_bytes());
    h.update(b"\ngw:");
    h.update(g.join(",").as_bytes());
    h.update(b"\ndns:");
    h.update(d.join(",").as_bytes());
    Some(
        h.finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_order_free_salted_and_never_shows_an_address() {
        let a = fingerprint(
            "s1",
            &["10.0.0.1".into()],
            &["10.0.0.53".into(), "9.9.9.9".into()],
        )
        .unwrap();
        let b = fingerprint(
            "s1",
            &[" 10.0.0.1".into()],
            &["9.9.9.9".into(), "10.0.0.53".into()],
        )
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 64);
        assert!(!a.contains("10.0"));
        let c = fingerprint(
            "s2",
            &["10.0.0.1".into()],
            &["10.0.0.53".into(), "9.9.9.9".into()],
        )
        .unwrap();
        assert_ne!(a, c, "another salt, another fingerprint");
        let d = fingerprint(
            "s1",
            &["10.0.0.2".into()],
            &["10.0.0.53".into(), "9.9.9.9".into()],
        )
        .unwrap();
        assert_ne!(a, d);
        assert_eq!(fingerprint("s1", &[], &[]), None);
    }

    #[test]
    fn reports_are_validated() {
        let ok = FleetReport {
            root_cause: Some("vpn.tunnel".into()),
            status: ReportStatus::Broken,
            network: Some("a".repeat(64)),
            vpn_up: Some(false),
        };
        assert!(ok.validate().is_ok());
        for bad in [
            FleetReport {
                root_cause: Some("Jane's laptop".into()),
                ..ok.clone()
            },
            FleetReport {
                root_cause: Some(String::new()),
                ..ok.clone()
            },
            FleetReport {
                network: Some("10.0.0.1".into()),
                ..ok.clone()
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
        let unknown =
            r#"{"root_cause":null,"status":"healthy","network":null,"vpn_up":null,"user":"jdoe"}"#;
        assert!(serde_json::from_str::<FleetReport>(unknown).is_err());
    }

    #[test]
    fn an_incident_matches_its_root_cause_on_its_network() {
        let mut i = KnownIssue {
            id: "incident-1".into(),
            kind: IssueKind::Incident,
            root_cause: Some("vpn.tunnel".into()),
            network: None,
            devices: 37,
            since: 0,
            message: None,
            ticket: None,
            resolved_at: None,
        };
        assert!(i.matches(Some("vpn.tunnel"), None));
        assert!(!i.matches(Some("dns.resolve"), None));
        assert!(!i.matches(None, None));
        i.network = Some("ab".into());
        assert!(i.matches(Some("vpn.tunnel"), Some("AB")));
        assert!(!i.matches(Some("vpn.tunnel"), Some("cd")));
        assert!(!i.matches(Some("vpn.tunnel"), None));
        i.kind = IssueKind::Announcement;
        assert!(!i.matches(Some("vpn.tunnel"), Some("ab")));
    }
}
