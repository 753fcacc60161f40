//! The fleet view: diagnosis reports from devices, their grouping into **one** incident, known
//! issues and IT's announcements.
//!
//! * **Reports** ([`Core::record_report`]): a device's diagnosis summary (root-cause id,
//!   verdict, salted network fingerprint, VPN up/down; see `deskside_server_api::fleet`),
//!   size-capped and rate-limited per device, stored in `fleet_reports`.
//! * **Grouping** ([`FleetSettings`]): when `fleet_devices` distinct devices report the same
//!   root cause within `window` (or `network_devices` on one network fingerprint), the server
//!   opens an incident. Exactly one per (root cause, scope) is open at a time: a partial
//!   unique index (`WHERE resolved_at IS NULL`) lets only one `INSERT` win across instances;
//!   the loser reads the winner's row.
//! * **One helpdesk ticket** per incident, through the relay outbox: the incident's ticket key
//!   is chosen when the row is inserted, and the ticket row is inserted with
//!   `ON CONFLICT (ticket_key) DO NOTHING` — by the winner at once, and by the sweep for an
//!   incident whose winner died before queueing it — so the relay's exactly-once rules carry
//!   it to the helpdesk once.
//! * **Resolution**: IT closes it (`deskside-server incidents close`), or the sweep resolves
//!   it once no matching problem report arrived for `resolve_after` and at least one of its
//!   devices has reported healthy since the last one.
//! * **Linking**: a ticket a device files while its latest report (within `window`) belongs
//!   to an open incident is linked to it (`incident_tickets`); the relay names the incident at
//!   the top of the ticket's body when it delivers it.

use std::time::Duration;

use deskside_server_api::fleet::{
    FleetReport, IssueKind, KnownIssue, KnownIssues, ReportAnswer, ReportStatus,
};
use deskside_server_api::{TicketUpload, WireAttachment};
use sha2::Digest as _;

use crate::db::{P, Row, is_unique_violation};
use crate::enroll::Device;
use crate::{Core, CoreError, ms, now_ms, random_hex};

/// Largest report body.
pub const MAX_REPORT_BYTES: usize = 4096;
/// Longest announcement.
pub const MAX_ANNOUNCEMENT: usize = 2000;
/// How long resolved incidents and closed announcements stay in the known issues (so devices
/// can tell their user it is fixed).
const RECENT_MS: i64 = 86_400_000;
/// Reports older than this are deleted by the sweep (the status page shows 24 h).
const KEEP_REPORTS_MS: i64 = 2 * 86_400_000;
/// Examples put in an incident ticket.
const EXAMPLES: i64 = 3;

/// The admin's thresholds (`[fleet]` of the server config).
#[derive(Debug, Clone)]
pub struct FleetSettings {
    /// Devices with the same root cause anywhere that open a fleet-wide incident (0: never).
    pub fleet_devices: i64,
    /// Devices with the same root cause on one network fingerprint that open an incident
    /// limited to that network (0: never).
    pub network_devices: i64,
    /// The window the devices must fall in.
    pub window: Duration,
    /// An incident resolves by itself after this long without a matching problem report,
    /// once one of its devices reported healthy.
    pub resolve_after: Duration,
    /// Reports per device per hour.
    pub reports_per_hour: i64,
}

impl Default for FleetSettings {
    fn default() -> Self {
        Self {
            fleet_devices: 20,
            network_devices: 5,
            window: Duration::from_secs(15 * 60),
            resolve_after: Duration::from_secs(30 * 60),
            reports_per_hour: 60,
        }
    }
}

/// Scope value of a fleet-wide incident.
const FLEET: &str = "fleet";

/// An incident as IT sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Incident {
    /// Its number.
    pub id: i64,
    /// The root-cause check id.
    pub root_cause: String,
    /// Network fingerprint it is limited to; none: fleet-wide.
    pub network: Option<String>,
    /// Distinct devices affected.
    pub devices: i64,
    /// The first matching report (Unix ms).
    pub first_seen_at: i64,
    /// When the threshold was reached (Unix ms).
    pub opened_at: i64,
    /// The latest matching problem report (Unix ms).
    pub last_report_at: i64,
    /// The relay key of its helpdesk ticket.
    pub ticket_key: String,
    /// The helpdesk's ticket number, once delivered.
    pub ticket_remote_id: Option<String>,
    /// Tickets devices filed while affected, linked to it.
    pub linked_tickets: i64,
    /// When it was resolved (Unix ms).
    pub resolved_at: Option<i64>,
    /// `it` (closed by IT) or `healthy` (devices recovered).
    pub resolved_by: Option<String>,
}

/// An announcement.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Announcement {
    /// Its number.
    pub id: i64,
    /// IT's words.
    pub message: String,
    /// When posted (Unix ms).
    pub created_at: i64,
    /// When closed (Unix ms).
    pub closed_at: Option<i64>,
}

/// One row of the status page's 24-hour chart.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CauseCount {
    /// Root-cause id.
    pub root_cause: String,
    /// Distinct devices that reported it.
    pub devices: i64,
    /// Reports.
    pub reports: i64,
}

/// What the status page shows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FleetOverview {
    /// Open incidents, then those resolved in the last 24 h.
    pub incidents: Vec<Incident>,
    /// Open announcements.
    pub announcements: Vec<Announcement>,
    /// Root causes reported in the last 24 h, most devices first.
    pub causes: Vec<CauseCount>,
    /// Devices that made a signed request in the last 24 h.
    pub devices_seen_24h: i64,
    /// Devices that sent a report in the last 24 h.
    pub devices_reporting_24h: i64,
    /// Enrolled, not revoked devices.
    pub devices_enrolled: i64,
}

const INCIDENT_COLUMNS: &str = "i.id, i.root_cause, i.scope, i.devices, i.first_seen_at, i.opened_at, \
     i.last_report_at, i.ticket_key, i.resolved_at, i.resolved_by, t.remote_id, \
     (SELECT COUNT(*) FROM incident_tickets l WHERE l.incident_id = i.id)";
const INCIDENT_FROM: &str = "incidents i LEFT JOIN relay_tickets t ON t.ticket_key = i.ticket_key";

impl Incident {
    fn from_row(r: &Row) -> Self {
        let scope = r.text(2);
        Self {
            id: r.int(0),
            root_cause: r.text(1),
            network: (scope != FLEET).then_some(scope),
            devices: r.int(3),
            first_seen_at: r.int(4),
            opened_at: r.int(5),
            last_report_at: r.int(6),
            ticket_key: r.text(7),
            resolved_at: r.opt_int(8),
            resolved_by: r.opt_text(9),
            ticket_remote_id: r.opt_text(10),
            linked_tickets: r.int(11),
        }
    }

    /// As a device sees it.
    #[must_use]
    pub fn known_issue(&self) -> KnownIssue {
        KnownIssue {
            id: format!("incident-{}", self.id),
            kind: IssueKind::Incident,
            root_cause: Some(self.root_cause.clone()),
            network: self.network.clone(),
            devices: self.devices,
            since: self.first_seen_at / 1000,
            message: None,
            ticket: self.ticket_remote_id.clone(),
            resolved_at: self.resolved_at.map(|t| t / 1000),
        }
    }
}

impl Announcement {
    fn from_row(r: &Row) -> Self {
        Self {
            id: r.int(0),
            message: r.text(1),
            created_at: r.int(2),
            closed_at: r.opt_int(3),
        }
    }

    fn known_issue(&self) -> KnownIssue {
        KnownIssue {
            id: format!("announcement-{}", self.id),
            kind: IssueKind::Announcement,
            root_cause: None,
            network: None,
            devices: 0,
            since: self.created_at / 1000,
            message: Some(self.message.clone()),
            ticket: None,
            resolved_at: self.closed_at.map(|t| t / 1000),
        }
    }
}

/// A UUID-v4-shaped random key (the relay accepts hex digits and dashes).
fn random_key() -> String {
    let h = random_hex(16);
    format!(
        "{}-{}-4{}-8{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// Unix ms as `YYYY-MM-DD HH:MM UTC`.
fn utc(ms_: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms_ / 1000).map_or_else(
        |_| ms_.to_string(),
        |t| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02} UTC",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        },
    )
}

impl Core {
    /// The fingerprint salt, created once per database (the first caller's value wins).
    ///
    /// # Errors
    /// Database errors.
    pub async fn fleet_salt(&self) -> Result<String, CoreError> {
        let get = "SELECT value FROM fleet_settings WHERE name = 'salt'";
        if let Some(r) = self.db().query_opt(get, vec![]).await? {
            return Ok(r.text(0));
        }
        self.db()
            .execute(
                "INSERT INTO fleet_settings (name, value) VALUES ('salt', $1) ON CONFLICT (name) DO NOTHING",
                vec![random_hex(16).into()],
            )
            .await?;
        Ok(self
            .db()
            .query_opt(get, vec![])
            .await?
            .map(|r| r.text(0))
            .unwrap_or_default())
    }

    /// Stores a device's report, opens an incident when it reaches a threshold, and answers
    /// with the open incident it belongs to.
    ///
    /// # Errors
    /// [`CoreError::TooLarge`], [`CoreError::BadRequest`], [`CoreError::RateLimited`],
    /// database errors.
    pub async fn record_report(
        &self,
        device: &Device,
        body: &[u8],
    ) -> Result<ReportAnswer, CoreError> {
        if body.len() > MAX_REPORT_BYTES {
            return Err(CoreError::TooLarge {
                size: u64::try_from(body.len()).unwrap_or(u64::MAX),
                limit: u64::try_from(MAX_REPORT_BYTES).unwrap_or(u64::MAX),
            });
        }
        let report: FleetReport = serde_json::from_slice(body)
            .map_err(|e| CoreError::BadRequest(format!("the report is not valid JSON: {e}")))?;
        report.validate().map_err(CoreError::BadRequest)?;
        let settings = self.limits().fleet.clone();
        self.rate_limit(device.id, "reports", 3600, settings.reports_per_hour)
            .await?;
        let now = now_ms();
        let problem = report.status != ReportStatus::Healthy;
        let cause = report.root_cause.clone().filter(|_| problem);
        let network = report.network.as_ref().map(|n| n.to_ascii_lowercase());
        let mut incident = match &cause {
            Some(rc) => self.open_incident_for(rc, network.as_deref()).await?,
            None => None,
        };
        self.db()
            .execute(
                "INSERT INTO fleet_reports (device_id, root_cause, status, network, vpn_up, incident_id, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                vec![
                    P::I(device.id),
                    cause.clone().into(),
                    report.status.as_str().into(),
                    network.clone().into(),
                    P::I(report.vpn_up.map_or(-1, i64::from)),
                    P::I(incident.as_ref().map_or(0, |i| i.id)),
                    P::I(now),
                ],
            )
            .await?;
        if let Some(rc) = &cause {
            incident = match incident {
                Some(i) => Some(self.touch_incident(i.id, now).await?.unwrap_or(i)),
                None => {
                    self.maybe_open(rc, network.as_deref(), now, &settings)
                        .await?
                }
            };
        }
        Ok(ReportAnswer {
            known_issue: incident.map(|i| i.known_issue()),
        })
    }

    /// The open incident a problem report with `root_cause` on `network` belongs to:
    /// fleet-wide first, then the network's.
    async fn open_incident_for(
        &self,
        root_cause: &str,
        network: Option<&str>,
    ) -> Result<Option<Incident>, CoreError> {
        Ok(self
            .db()
            .query_opt(
                &format!(
                    "SELECT {INCIDENT_COLUMNS} FROM {INCIDENT_FROM}
                     WHERE i.resolved_at IS NULL AND i.root_cause = $1 AND (i.scope = 'fleet' OR i.scope = $2)
                     ORDER BY CASE WHEN i.scope = 'fleet' THEN 0 ELSE 1 END, i.id LIMIT 1"
                ),
                vec![root_cause.into(), network.map(str::to_owned).into()],
            )
            .await?
            .as_ref()
            .map(Incident::from_row))
    }

    async fn incident(&self, id: i64) -> Result<Option<Incident>, CoreError> {
        Ok(self
            .db()
            .query_opt(
                &format!("SELECT {INCIDENT_COLUMNS} FROM {INCIDENT_FROM} WHERE i.id = $1"),
                vec![P::I(id)],
            )
            .await?
            .as_ref()
            .map(Incident::from_row))
    }

    /// A matching report arrived: the device count and last report time follow.
    async fn touch_incident(&self, id: i64, now: i64) -> Result<Option<Incident>, CoreError> {
        self.db()
            .execute(
                "UPDATE incidents SET last_report_at = $1,
                    devices = (SELECT COUNT(DISTINCT device_id) FROM fleet_reports WHERE incident_id = $2)
                 WHERE id = $2",
                vec![P::I(now), P::I(id)],
            )
            .await?;
        self.incident(id).await
    }

    /// Counts the devices behind `root_cause` in the window (fleet-wide, then on `network`)
    /// and opens an incident at a threshold.
    async fn maybe_open(
        &self,
        root_cause: &str,
        network: Option<&str>,
        now: i64,
        s: &FleetSettings,
    ) -> Result<Option<Incident>, CoreError> {
        let since = now - ms(s.window);
        let mut scopes = Vec::new();
        if s.fleet_devices > 0 {
            scopes.push((FLEET, s.fleet_devices));
        }
        if s.network_devices > 0
            && let Some(n) = network
        {
            scopes.push((n, s.network_devices));
        }
        for (scope, threshold) in scopes {
            let filter = if scope == FLEET {
                ""
            } else {
                "AND network = $3"
            };
            let mut params = vec![root_cause.into(), P::I(since)];
            if scope != FLEET {
                params.push(scope.into());
            }
            let Some(row) = self
                .db()
                .query_opt(
                    &format!(
                        "SELECT COUNT(DISTINCT device_id), MIN(created_at) FROM fleet_reports
                         WHERE root_cause = $1 AND created_at >= $2 {filter}"
                    ),
                    params,
                )
                .await?
            else {
                continue;
            };
            let (devices, first) = (row.int(0), row.opt_int(1).unwrap_or(now));
            if devices < threshold {
                continue;
            }
            return self
                .open(root_cause, scope, devices, first, since, now)
                .await;
        }
        Ok(None)
    }

    /// Opens the incident (one `INSERT` wins across instances), claims the window's matching
    /// reports for it, and queues its helpdesk ticket.
    async fn open(
        &self,
        root_cause: &str,
        scope: &str,
        devices: i64,
        first: i64,
        since: i64,
        now: i64,
    ) -> Result<Option<Incident>, CoreError> {
        let inserted = self
            .db()
            .query_opt(
                "INSERT INTO incidents (root_cause, scope, devices, first_seen_at, opened_at, last_report_at, ticket_key)
                 VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id",
                vec![
                    root_cause.into(),
                    scope.into(),
                    P::I(devices),
                    P::I(first),
                    P::I(now),
                    random_key().into(),
                ],
            )
            .await;
        let (id, won) = match inserted {
            Ok(Some(r)) => (r.int(0), true),
            Ok(None) => return Ok(None),
            // Another instance (or request) opened it first: use theirs.
            Err(e) if is_unique_violation(&e) => {
                match self
                    .open_incident_for(root_cause, (scope != FLEET).then_some(scope))
                    .await?
                {
                    Some(i) => (i.id, false),
                    None => return Ok(None),
                }
            }
            Err(e) => return Err(e),
        };
        let filter = if scope == FLEET {
            ""
        } else {
            "AND network = $4"
        };
        let mut params = vec![P::I(id), root_cause.into(), P::I(since)];
        if scope != FLEET {
            params.push(scope.into());
        }
        self.db()
            .execute(
                &format!(
                    "UPDATE fleet_reports SET incident_id = $1
                     WHERE incident_id = 0 AND root_cause = $2 AND created_at >= $3 {filter}"
                ),
                params,
            )
            .await?;
        if won {
            tracing::warn!(incident = id, root_cause, scope, devices, "incident opened");
        }
        let incident = self.touch_incident(id, now).await?;
        if let Some(i) = &incident
            && won
        {
            self.queue_incident_ticket(i).await?;
        }
        Ok(incident)
    }

    /// Puts the incident's ticket in the relay queue, once: the key was fixed when the
    /// incident was inserted, and a second insert of the same key does nothing.
    async fn queue_incident_ticket(&self, i: &Incident) -> Result<(), CoreError> {
        let examples = self
            .db()
            .query(
                "SELECT r.device_id, d.device_name, r.status, r.vpn_up, r.created_at
                 FROM fleet_reports r LEFT JOIN devices d ON d.id = r.device_id
                 WHERE r.incident_id = $1 ORDER BY r.id LIMIT $2",
                vec![P::I(i.id), P::I(EXAMPLES)],
            )
            .await?;
        let vpn = self
            .db()
            .query_opt(
                "SELECT COUNT(*), SUM(CASE WHEN vpn_up = 1 THEN 1 ELSE 0 END),
                        SUM(CASE WHEN vpn_up = 0 THEN 1 ELSE 0 END)
                 FROM fleet_reports WHERE incident_id = $1",
                vec![P::I(i.id)],
            )
            .await?;
        let (reports, up, down) = vpn.map_or((0, 0, 0), |r| (r.int(0), r.int(1), r.int(2)));
        let scope_text = i.network.as_deref().map_or_else(
            || "across the fleet".to_owned(),
            |n| format!("on one network (fingerprint {})", &n[..n.len().min(12)]),
        );
        let mut body = format!(
            "Deskside opened this incident: {} devices reported the same root cause, {}, {scope_text}.\n\
             First report: {}. Incident opened: {}.\n\
             Reports so far: {reports} (VPN up on {up}, down on {down}).\n\nExamples:\n",
            i.devices,
            i.root_cause,
            utc(i.first_seen_at),
            utc(i.opened_at),
        );
        let mut example_json = Vec::new();
        for r in &examples {
            let vpn = match r.int(3) {
                1 => "VPN up",
                0 => "VPN down",
                _ => "VPN unknown",
            };
            body.push_str(&format!(
                "- device {} ({}): {}, {vpn}, at {}\n",
                r.int(0),
                r.opt_text(1).unwrap_or_default(),
                r.text(2),
                utc(r.int(4))
            ));
            example_json.push(serde_json::json!({
                "device_id": r.int(0),
                "device_name": r.opt_text(1),
                "root_cause": i.root_cause,
                "status": r.text(2),
                "vpn_up": (r.int(3) >= 0).then_some(r.int(3) == 1),
                "reported_at": r.int(4) / 1000,
            }));
        }
        body.push_str(&format!(
            "\nDevices now tell their users that IT knows. Tickets users still file are linked to this incident.\n\
             When it is fixed: `deskside-server incidents close {}` (it also resolves by itself once devices report healthy).\n\n\
             {}{}\n",
            i.id,
            deskside_helpdesk::REFERENCE_PREFIX,
            i.ticket_key
        ));
        let examples_bytes = serde_json::to_vec_pretty(&serde_json::json!({
            "incident": i.id,
            "root_cause": i.root_cause,
            "network": i.network,
            "devices": i.devices,
            "examples": example_json,
        }))
        .unwrap_or_default();
        let upload = TicketUpload {
            key: i.ticket_key.clone(),
            subject: format!(
                "Incident #{}: {} on {} devices",
                i.id, i.root_cause, i.devices
            ),
            body,
            urgency: deskside_evidence::Urgency::High,
            category: None,
            contact: None,
            attachments: vec![WireAttachment::from_attachment(
                &deskside_evidence::Attachment {
                    name: format!("incident-{}-examples.json", i.id),
                    content_type: "application/json".into(),
                    data: examples_bytes,
                },
            )],
        };
        let payload = serde_json::to_vec(&upload)
            .map_err(|e| CoreError::BadRequest(format!("the incident ticket: {e}")))?;
        let now = now_ms();
        // device_id 0: filed by the server itself.
        self.db()
            .execute(
                "INSERT INTO relay_tickets (device_id, ticket_key, body_digest, payload, bytes, state, next_attempt_at, created_at)
                 VALUES (0, $1, $2, $3, $4, 'queued', $5, $5) ON CONFLICT (ticket_key) DO NOTHING",
                vec![
                    i.ticket_key.clone().into(),
                    hex::encode(sha2::Sha256::digest(&payload)).into(),
                    P::B(payload.clone()),
                    P::I(i64::try_from(payload.len()).unwrap_or(i64::MAX)),
                    P::I(now),
                ],
            )
            .await
            .map(|_| ())?;
        self.db()
            .execute(
                "UPDATE incidents SET ticket_queued = 1 WHERE id = $1",
                vec![P::I(i.id)],
            )
            .await?;
        Ok(())
    }

    /// What devices poll: the salt, open incidents and announcements, and those resolved in
    /// the last day.
    ///
    /// # Errors
    /// Database errors.
    pub async fn known_issues(&self) -> Result<KnownIssues, CoreError> {
        let since = now_ms() - RECENT_MS;
        let mut issues: Vec<KnownIssue> = self
            .db()
            .query(
                &format!(
                    "SELECT {INCIDENT_COLUMNS} FROM {INCIDENT_FROM}
                     WHERE i.resolved_at IS NULL OR i.resolved_at > $1 ORDER BY i.id"
                ),
                vec![P::I(since)],
            )
            .await?
            .iter()
            .map(|r| Incident::from_row(r).known_issue())
            .collect();
        issues.extend(
            self.db()
                .query(
                    "SELECT id, message, created_at, closed_at FROM announcements
                     WHERE closed_at IS NULL OR closed_at > $1 ORDER BY id",
                    vec![P::I(since)],
                )
                .await?
                .iter()
                .map(|r| Announcement::from_row(r).known_issue()),
        );
        Ok(KnownIssues {
            salt: self.fleet_salt().await?,
            issues,
        })
    }

    /// Links a ticket a device just filed to the open incident of its latest report within
    /// the window, if any.
    ///
    /// # Errors
    /// Database errors.
    pub async fn link_ticket(&self, device: &Device, key: &str) -> Result<Option<i64>, CoreError> {
        let since = now_ms() - ms(self.limits().fleet.window);
        let Some(row) = self
            .db()
            .query_opt(
                "SELECT r.incident_id FROM fleet_reports r JOIN incidents i ON i.id = r.incident_id
                 WHERE r.device_id = $1 AND r.created_at >= $2 AND i.resolved_at IS NULL
                 ORDER BY r.id DESC LIMIT 1",
                vec![P::I(device.id), P::I(since)],
            )
            .await?
        else {
            return Ok(None);
        };
        let incident = row.int(0);
        self.db()
            .execute(
                "INSERT INTO incident_tickets (ticket_key, incident_id, device_id, created_at)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (ticket_key) DO NOTHING",
                vec![key.into(), P::I(incident), P::I(device.id), P::I(now_ms())],
            )
            .await?;
        tracing::info!(key, incident, "ticket linked to an incident");
        Ok(Some(incident))
    }

    /// The line the relay puts at the top of a linked ticket's body.
    pub(crate) async fn incident_note(&self, key: &str) -> Option<String> {
        let row = self
            .db()
            .query_opt(
                "SELECT incident_id FROM incident_tickets WHERE ticket_key = $1",
                vec![key.into()],
            )
            .await
            .ok()??;
        let i = self.incident(row.int(0)).await.ok()??;
        let ticket = i
            .ticket_remote_id
            .as_deref()
            .map_or_else(String::new, |t| format!("; its helpdesk ticket is #{t}"));
        Some(format!(
            "Known issue: filed while Deskside incident #{} was open ({} on {} devices since {}{ticket}).\n\n",
            i.id,
            i.root_cause,
            i.devices,
            utc(i.first_seen_at)
        ))
    }

    /// Resolves quiet incidents, queues any incident ticket an instance died before
    /// queueing, and deletes old reports. Safe on every instance at once.
    ///
    /// # Errors
    /// Database errors.
    pub async fn fleet_sweep(&self) -> Result<u64, CoreError> {
        let now = now_ms();
        let quiet_since = now - ms(self.limits().fleet.resolve_after);
        let resolved = self
            .db()
            .execute(
                "UPDATE incidents SET resolved_at = $1, resolved_by = 'healthy'
                 WHERE resolved_at IS NULL AND last_report_at < $2
                   AND EXISTS (SELECT 1 FROM fleet_reports h
                               WHERE h.status = 'healthy' AND h.created_at > incidents.last_report_at
                                 AND h.device_id IN (SELECT device_id FROM fleet_reports WHERE incident_id = incidents.id))",
                vec![P::I(now), P::I(quiet_since)],
            )
            .await?;
        if resolved > 0 {
            tracing::info!(resolved, "incidents resolved: their devices report healthy");
        }
        let unqueued = self
            .db()
            .query(
                &format!(
                    "SELECT {INCIDENT_COLUMNS} FROM {INCIDENT_FROM}
                     WHERE i.ticket_queued = 0 AND i.opened_at < $1"
                ),
                vec![P::I(now - 10_000)],
            )
            .await?;
        for r in &unqueued {
            self.queue_incident_ticket(&Incident::from_row(r)).await?;
        }
        self.db()
            .execute(
                "DELETE FROM fleet_reports WHERE created_at < $1 AND (incident_id = 0
                   OR incident_id IN (SELECT id FROM incidents WHERE resolved_at IS NOT NULL))",
                vec![P::I(now - KEEP_REPORTS_MS)],
            )
            .await?;
        Ok(resolved)
    }

    /// Incidents, newest first (`all`: also resolved ones).
    ///
    /// # Errors
    /// Database errors.
    pub async fn incidents(&self, all: bool) -> Result<Vec<Incident>, CoreError> {
        let filter = if all {
            ""
        } else {
            "WHERE i.resolved_at IS NULL"
        };
        Ok(self
            .db()
            .query(
                &format!(
                    "SELECT {INCIDENT_COLUMNS} FROM {INCIDENT_FROM} {filter} ORDER BY i.id DESC"
                ),
                vec![],
            )
            .await?
            .iter()
            .map(Incident::from_row)
            .collect())
    }

    /// IT closes an incident (it is fixed).
    ///
    /// # Errors
    /// [`CoreError::NoItem`] when there is no such open incident; database errors.
    pub async fn close_incident(&self, id: i64) -> Result<Incident, CoreError> {
        let n = self
            .db()
            .execute(
                "UPDATE incidents SET resolved_at = $1, resolved_by = 'it' WHERE id = $2 AND resolved_at IS NULL",
                vec![P::I(now_ms()), P::I(id)],
            )
            .await?;
        if n != 1 {
            return Err(CoreError::NoItem(format!("open incident {id}")));
        }
        self.incident(id)
            .await?
            .ok_or_else(|| CoreError::NoItem(format!("incident {id}")))
    }

    /// IT posts an announcement every device shows.
    ///
    /// # Errors
    /// [`CoreError::BadRequest`] for an empty or overlong message; database errors.
    pub async fn announce(&self, message: &str) -> Result<Announcement, CoreError> {
        let message = message.trim();
        if message.is_empty() || message.chars().count() > MAX_ANNOUNCEMENT {
            return Err(CoreError::BadRequest(format!(
                "an announcement is 1-{MAX_ANNOUNCEMENT} characters"
            )));
        }
        let now = now_ms();
        let id = self
            .db()
            .query_opt(
                "INSERT INTO announcements (message, created_at) VALUES ($1, $2) RETURNING id",
                vec![message.into(), P::I(now)],
            )
            .await?
            .map_or(0, |r| r.int(0));
        Ok(Announcement {
            id,
            message: message.to_owned(),
            created_at: now,
            closed_at: None,
        })
    }

    /// Announcements, newest first (`all`: also closed ones).
    ///
    /// # Errors
    /// Database errors.
    pub async fn announcements(&self, all: bool) -> Result<Vec<Announcement>, CoreError> {
        let filter = if all { "" } else { "WHERE closed_at IS NULL" };
        Ok(self
            .db()
            .query(
                &format!(
                    "SELECT id, message, created_at, closed_at FROM announcements {filter} ORDER BY id DESC"
                ),
                vec![],
            )
            .await?
            .iter()
            .map(Announcement::from_row)
            .collect())
    }

    /// IT closes an announcement.
    ///
    /// # Errors
    /// [`CoreError::NoItem`] when there is no such open announcement; database errors.
    pub async fn close_announcement(&self, id: i64) -> Result<(), CoreError> {
        let n = self
            .db()
            .execute(
                "UPDATE announcements SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL",
                vec![P::I(now_ms()), P::I(id)],
            )
            .await?;
        if n == 1 {
            Ok(())
        } else {
            Err(CoreError::NoItem(format!("open announcement {id}")))
        }
    }

    /// What the status page shows.
    ///
    /// # Errors
    /// Database errors.
    pub async fn fleet_overview(&self) -> Result<FleetOverview, CoreError> {
        let since = now_ms() - 86_400_000;
        let mut incidents = self.incidents(false).await?;
        incidents.extend(
            self.db()
                .query(
                    &format!(
                        "SELECT {INCIDENT_COLUMNS} FROM {INCIDENT_FROM}
                         WHERE i.resolved_at > $1 ORDER BY i.id DESC"
                    ),
                    vec![P::I(since)],
                )
                .await?
                .iter()
                .map(Incident::from_row),
        );
        let causes = self
            .db()
            .query(
                "SELECT root_cause, COUNT(DISTINCT device_id), COUNT(*) FROM fleet_reports
                 WHERE created_at >= $1 AND root_cause IS NOT NULL
                 GROUP BY root_cause ORDER BY COUNT(DISTINCT device_id) DESC, root_cause LIMIT 20",
                vec![P::I(since)],
            )
            .await?
            .iter()
            .map(|r| CauseCount {
                root_cause: r.text(0),
                devices: r.int(1),
                reports: r.int(2),
            })
            .collect();
        let count = |sql: &'static str, params: Vec<P>| async move {
            self.db()
                .query_opt(sql, params)
                .await
                .map(|r| r.map_or(0, |r| r.int(0)))
        };
        Ok(FleetOverview {
            incidents,
            announcements: self.announcements(false).await?,
            causes,
            devices_seen_24h: count(
                "SELECT COUNT(*) FROM devices WHERE last_seen_at >= $1 AND revoked_at IS NULL",
                vec![P::I(since)],
            )
            .await?,
            devices_reporting_24h: count(
                "SELECT COUNT(DISTINCT device_id) FROM fleet_reports WHERE created_at >= $1",
                vec![P::I(since)],
            )
            .await?,
            devices_enrolled: count(
                "SELECT COUNT(*) FROM devices WHERE revoked_at IS NULL",
                vec![],
            )
            .await?,
        })
    }
}
