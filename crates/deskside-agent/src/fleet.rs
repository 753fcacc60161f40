//! The device's side of the fleet view: after a diagnosis, when a Deskside server is
//! configured and `server.report` is on, send the summary (root-cause id, verdict, the
//! salted fingerprint of the gateway and DNS server addresses, VPN up/down — no user name,
//! host name or clear address) and read the known issues, so the shells can say "IT knows:
//! the VPN is down for 37 people since 09:12, no need to report it".
//!
//! Best effort by design: every step has a short time limit, and a failure only means no
//! known issue is shown — a diagnosis never fails because the server is away.
//!
//! The background health check ([`crate::health::check_once`]) reports too, and the
//! [`FleetBook`] turns what the server answers into notifications: once when a known issue
//! starts to match this computer's problem ("IT already knows"), and once when that issue is
//! resolved or closed ("Fixed").

use std::time::Duration;

use deskside_config::Config;
use deskside_diagnostics::{Health, Report};
use deskside_helpdesk::fleet::{FleetReport, KnownIssue, ReportStatus, fingerprint};
use serde::Serialize;

/// How long reporting may take in all.
pub const REPORT_TIMEOUT: Duration = Duration::from_secs(8);

/// What the server said about this computer's diagnosis.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FleetView {
    /// The open known issue that explains this diagnosis, if any.
    pub matching: Option<KnownIssue>,
    /// The sentence to show for it (local time).
    pub matching_text: Option<String>,
    /// All known issues the server published (open, and resolved within a day).
    pub issues: Vec<KnownIssue>,
    /// Whether the report reached the server.
    pub reported: bool,
    /// Why it did not, when it did not.
    pub problem: Option<String>,
}

/// `since` (Unix seconds) as local `HH:MM`.
#[must_use]
pub fn local_hhmm(since: i64) -> String {
    jiff::Timestamp::from_second(since).map_or_else(
        |_| "earlier".to_owned(),
        |t| {
            t.to_zoned(jiff::tz::TimeZone::system())
                .strftime("%H:%M")
                .to_string()
        },
    )
}

/// The sentence for `issue`.
#[must_use]
pub fn describe(issue: &KnownIssue) -> String {
    crate::text::known_issue(issue, &local_hhmm(issue.since))
}

/// The gateways and DNS servers `net` uses, as text (only hashed, never sent).
fn network_parts(net: &deskside_platform::model::NetworkState) -> (Vec<String>, Vec<String>) {
    let gateways = net
        .default_routes()
        .iter()
        .filter_map(|r| r.gateway.map(|g| g.to_string()))
        .collect();
    let mut dns: Vec<String> = net.dns.servers.iter().map(ToString::to_string).collect();
    dns.extend(net.dns.upstream_servers.iter().map(ToString::to_string));
    (gateways, dns)
}

/// Reports `report` and reads the known issues. `None` when reporting is off or no server is
/// configured; otherwise a view (possibly empty, with the problem) — never an error.
pub async fn report_diagnosis(config: &Config, report: &Report) -> Option<FleetView> {
    if !config.server.reports() {
        return None;
    }
    let work = async {
        let relay = match deskside_helpdesk::relay_for(config) {
            Ok(Some(r)) => r,
            Ok(None) => return FleetView::default(),
            Err(e) => return failed(e.to_string()),
        };
        let known = match relay.known_issues().await {
            Ok(k) => k,
            Err(e) => return failed(e.to_string()),
        };
        let net = deskside_platform::collect::network_state()
            .await
            .unwrap_or_default();
        let (gateways, dns) = network_parts(&net);
        let network = fingerprint(&known.salt, &gateways, &dns);
        let vpn_up = Some(net.vpn_up(&config.vpn.interfaces).is_some());
        let status = match report.diagnosis.status {
            Health::Healthy => ReportStatus::Healthy,
            Health::Degraded => ReportStatus::Degraded,
            Health::Broken => ReportStatus::Broken,
        };
        let summary = FleetReport {
            root_cause: report.diagnosis.root_cause.clone(),
            status,
            network: network.clone(),
            vpn_up,
        };
        let (answer, problem) = match relay.report(&summary).await {
            Ok(a) => (a.known_issue, None),
            Err(e) => (None, Some(e.to_string())),
        };
        let matching = answer.or_else(|| {
            known
                .issues
                .iter()
                .find(|i| {
                    i.is_open()
                        && i.matches(report.diagnosis.root_cause.as_deref(), network.as_deref())
                })
                .cloned()
        });
        FleetView {
            matching_text: matching.as_ref().map(describe),
            matching,
            issues: known.issues,
            reported: problem.is_none(),
            problem,
        }
    };
    Some(
        tokio::time::timeout(REPORT_TIMEOUT, work)
            .await
            .unwrap_or_else(|_| failed("the Deskside server did not answer in time".to_owned())),
    )
}

fn failed(problem: String) -> FleetView {
    tracing::info!(%problem, "the diagnosis was not reported to the Deskside server");
    FleetView {
        problem: Some(problem),
        ..FleetView::default()
    }
}

/// One known issue in plain words, for the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct KnownIssueLine {
    /// `incident-N` or `announcement-N`.
    pub id: String,
    /// The sentence ("IT knows: …", "IT says: …", "Fixed: …").
    pub text: String,
    /// Still open (false: resolved or closed within the last day).
    pub open: bool,
}

/// What the window shows from the Deskside server: the known issue that explains this
/// computer's last diagnosis, and every known issue and announcement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct KnownIssuesView {
    /// The sentence for the open known issue matching the last diagnosis, if any.
    pub matching: Option<String>,
    /// Open issues first, then those resolved within the last day.
    pub issues: Vec<KnownIssueLine>,
    /// Whether a Deskside server is configured and reports are on.
    pub enabled: bool,
    /// Why the server could not be asked.
    pub problem: Option<String>,
}

/// The window's view of the known issues for a computer whose last diagnosis named
/// `root_cause` (no report is sent: the background check and diagnose do that). Never an
/// error: a server that is away leaves the view empty with the problem.
pub async fn known_issues_view(config: &Config, root_cause: Option<&str>) -> KnownIssuesView {
    if !config.server.reports() {
        return KnownIssuesView::default();
    }
    let work = async {
        let relay = deskside_helpdesk::relay_for(config)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "no Deskside server is configured (server.url)".to_owned())?;
        let known = relay.known_issues().await.map_err(|e| e.to_string())?;
        let net = deskside_platform::collect::network_state()
            .await
            .unwrap_or_default();
        let (gateways, dns) = network_parts(&net);
        let network = fingerprint(&known.salt, &gateways, &dns);
        Ok::<_, String>((known.issues, network))
    };
    let (issues, network) = match tokio::time::timeout(REPORT_TIMEOUT, work).await {
        Ok(Ok(v)) => v,
        Ok(Err(problem)) => {
            return KnownIssuesView {
                enabled: true,
                problem: Some(problem),
                ..KnownIssuesView::default()
            };
        }
        Err(_) => {
            return KnownIssuesView {
                enabled: true,
                problem: Some("the Deskside server did not answer in time".to_owned()),
                ..KnownIssuesView::default()
            };
        }
    };
    let matching = issues
        .iter()
        .find(|i| i.is_open() && i.matches(root_cause, network.as_deref()))
        .map(describe);
    let lines = issues
        .iter()
        .filter(|i| i.is_open())
        .chain(issues.iter().filter(|i| !i.is_open()))
        .map(|i| KnownIssueLine {
            id: i.id.clone(),
            text: describe(i),
            open: i.is_open(),
        })
        .collect();
    KnownIssuesView {
        matching,
        issues: lines,
        enabled: true,
        problem: None,
    }
}

/// The known issues alone (`desksidectl server issues`, the Get help screen).
///
/// # Errors
/// A sentence: no server configured, or it could not be asked.
pub async fn known_issues(config: &Config) -> Result<Vec<KnownIssue>, String> {
    let relay = deskside_helpdesk::relay_for(config)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "no Deskside server is configured (server.url)".to_owned())?;
    tokio::time::timeout(REPORT_TIMEOUT, relay.known_issues())
        .await
        .map_err(|_| "the Deskside server did not answer in time".to_owned())?
        .map(|k| k.issues)
        .map_err(|e| e.to_string())
}

/// The known issues this computer's user was told about, so each is announced once when it
/// matches and once when it is resolved. One per process (in [`crate::health::HealthBook`]).
#[derive(Debug, Default)]
pub struct FleetBook {
    told: std::sync::Mutex<std::collections::BTreeMap<String, KnownIssue>>,
}

impl FleetBook {
    /// The notices `view` calls for, remembering what was told: a new matching open issue,
    /// and every told issue that the server now lists as resolved (or no longer lists).
    pub fn notices(&self, view: &FleetView) -> Vec<crate::Notice> {
        let mut told = self
            .told
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut out = Vec::new();
        if view.problem.is_some() {
            // The server could not be asked: nothing is known to have changed.
            return out;
        }
        let resolved: Vec<String> = told
            .keys()
            .filter(|id| {
                view.issues
                    .iter()
                    .find(|i| &i.id == *id)
                    .is_none_or(|i| !i.is_open())
            })
            .cloned()
            .collect();
        for id in resolved {
            if let Some(old) = told.remove(&id) {
                let now = view.issues.iter().find(|i| i.id == id).cloned();
                let mut issue = now.unwrap_or(old);
                if issue.resolved_at.is_none() {
                    issue.resolved_at = Some(0);
                }
                out.push(crate::text::fleet_notice(&issue, &local_hhmm(issue.since)));
            }
        }
        if let Some(m) = &view.matching
            && m.is_open()
            && !told.contains_key(&m.id)
        {
            told.insert(m.id.clone(), m.clone());
            out.push(crate::text::fleet_notice(m, &local_hhmm(m.since)));
        }
        out
    }
}

/// After a background check: report, and notify what changed (when `notify` is on).
pub async fn after_check(
    book: &FleetBook,
    config: &Config,
    report: &Report,
    announce: &dyn crate::Announce,
    notify: bool,
) {
    let Some(view) = report_diagnosis(config, report).await else {
        return;
    };
    for notice in book.notices(&view) {
        if notify {
            announce.notify(&notice);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deskside_helpdesk::fleet::IssueKind;

    fn incident(resolved: bool) -> KnownIssue {
        KnownIssue {
            id: "incident-4".into(),
            kind: IssueKind::Incident,
            root_cause: Some("vpn.tunnel".into()),
            network: None,
            devices: 37,
            since: 1_700_000_000,
            message: None,
            ticket: Some("123".into()),
            resolved_at: resolved.then_some(1_700_003_600),
        }
    }

    #[test]
    fn a_known_issue_is_announced_once_and_its_fix_once() {
        let book = FleetBook::default();
        let open = FleetView {
            matching: Some(incident(false)),
            issues: vec![incident(false)],
            ..FleetView::default()
        };
        let n = book.notices(&open);
        assert_eq!(n.len(), 1);
        assert!(
            n[0].body
                .starts_with("IT knows: the VPN is down for 37 people"),
            "{n:?}"
        );
        assert!(book.notices(&open).is_empty(), "told once");
        // The server could not be asked: no "fixed" from silence.
        let away = FleetView {
            problem: Some("timeout".into()),
            ..FleetView::default()
        };
        assert!(book.notices(&away).is_empty());
        // Resolved: told once.
        let fixed = FleetView {
            matching: None,
            issues: vec![incident(true)],
            ..FleetView::default()
        };
        let n = book.notices(&fixed);
        assert_eq!(n.len(), 1);
        assert!(n[0].body.starts_with("Fixed:"), "{n:?}");
        assert!(book.notices(&fixed).is_empty());
        // Gone from the list altogether (older than a day) also counts as fixed.
        assert_eq!(book.notices(&open).len(), 1);
        assert_eq!(book.notices(&FleetView::default()).len(), 1);
    }
}
