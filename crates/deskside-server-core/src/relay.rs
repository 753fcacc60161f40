//! The ticket relay. A device posts its rendered ticket (`TicketUpload`) with its outbox's
//! idempotency key; the server stores it durably (the answer is sent only after the row is
//! committed, so a `2xx` means "the server has it") and delivers it to the real helpdesk with
//! its own connector and credentials.
//!
//! * **Idempotent on the key.** The same device sending the same ticket again gets the stored
//!   ticket's status (and is not rate-limited for it). A key already used by another device,
//!   or by a different ticket, is `409 relay.key_conflict`: the server searches the helpdesk
//!   by key, so keys must be unique across the fleet.
//! * **Caps.** The request size (`relay.max_request_bytes`) and new tickets per device per
//!   hour (`relay.tickets_per_hour`), counted in the database.
//! * **Exactly once, as in `deskside-outbox`.** Before a create request the row is marked
//!   `maybe_created` with the time the create started (committed first). Any later attempt
//!   on a marked row — after a timeout, a 5xx, or a server killed mid-request — waits until
//!   the settle window after that create has passed, asks the helpdesk for the key, and
//!   creates only if it is absent. Backoff with jitter and `Retry-After` use the outbox's
//!   [`deskside_outbox::backoff`].
//! * **Several instances.** A round claims due rows with a lease (`lease_owner`,
//!   `lease_until`; PostgreSQL `FOR UPDATE SKIP LOCKED`); every later write is conditional on
//!   still holding it, and a create starts only with at least one request timeout of lease
//!   left, so no two instances work on one ticket at once. A row whose owner died is claimed
//!   again once its lease has expired, and the `maybe_created` mark makes that claim search
//!   first.

use std::time::Duration;

use deskside_helpdesk::{Connector, Lookup, Outgoing, Remote, SendError};
use deskside_server_api::{RelayState, TicketStatus, TicketUpload};
use sha2::Digest as _;

use crate::db::{P, Row, is_unique_violation};
use crate::enroll::Device;
use crate::{Core, CoreError, ms, now_ms};

/// Knobs of server-side delivery.
#[derive(Debug, Clone)]
pub struct DeliverOptions {
    /// Failed rounds before a ticket is failed.
    pub max_attempts: u32,
    /// First backoff step.
    pub backoff_base: Duration,
    /// Longest backoff after the helpdesk answered with an error.
    pub backoff_cap: Duration,
    /// Longest backoff while the helpdesk cannot be reached.
    pub unreachable_cap: Duration,
    /// After an uncertain create, how long the helpdesk may still be working on it; the
    /// search by key waits until then. Above the helpdesk request timeout.
    pub settle: Duration,
    /// One helpdesk request's time limit (the connector's timeout).
    pub request_timeout: Duration,
    /// How long a claim holds a ticket; longer than the longest attempt (search, create,
    /// attach).
    pub lease: Duration,
    /// Tickets claimed per round.
    pub batch: i64,
}

impl DeliverOptions {
    /// Options for a helpdesk whose requests time out after `timeout`.
    #[must_use]
    pub fn for_timeout(timeout: Duration) -> Self {
        Self {
            max_attempts: 50,
            backoff_base: Duration::from_secs(30),
            backoff_cap: Duration::from_secs(3600),
            unreachable_cap: Duration::from_secs(60),
            settle: timeout + Duration::from_secs(5),
            request_timeout: timeout,
            lease: timeout * 4 + Duration::from_secs(10),
            batch: 16,
        }
    }
}

/// What one attempt did, for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// In the helpdesk.
    Delivered {
        /// The key.
        key: String,
        /// The helpdesk's ticket.
        remote: Remote,
    },
    /// Will be tried again.
    Retrying {
        /// The key.
        key: String,
        /// Why.
        reason: String,
    },
    /// Given up.
    Failed {
        /// The key.
        key: String,
        /// Why.
        reason: String,
    },
    /// Another instance took the ticket over (this one's lease ran out).
    LostLease {
        /// The key.
        key: String,
    },
}

/// Largest subject, in characters.
const MAX_SUBJECT: usize = 1000;

const COLUMNS: &str = "id, device_id, ticket_key, body_digest, payload, state, rounds, maybe_created, \
     create_started_at, attached, remote_id, remote_url, error, lease_owner";

#[derive(Debug)]
struct Ticket {
    id: i64,
    device_id: i64,
    key: String,
    digest: String,
    payload: Vec<u8>,
    state: String,
    rounds: i64,
    maybe_created: bool,
    create_started_at: i64,
    attached: bool,
    remote: Option<Remote>,
    error: Option<String>,
}

impl Ticket {
    fn from_row(r: &Row) -> Self {
        Self {
            id: r.int(0),
            device_id: r.int(1),
            key: r.text(2),
            digest: r.text(3),
            payload: r.bytes(4),
            state: r.text(5),
            rounds: r.int(6),
            maybe_created: r.int(7) != 0,
            create_started_at: r.int(8),
            attached: r.int(9) != 0,
            remote: r.opt_text(10).map(|id| Remote {
                id,
                url: r.opt_text(11),
            }),
            error: r.opt_text(12),
        }
    }

    fn status(&self) -> TicketStatus {
        let state = match self.state.as_str() {
            "delivered" => RelayState::Delivered,
            "failed" => RelayState::Failed,
            _ => RelayState::Accepted,
        };
        TicketStatus {
            key: self.key.clone(),
            state,
            remote_id: self.remote.as_ref().map(|r| r.id.clone()),
            remote_url: self.remote.as_ref().and_then(|r| r.url.clone()),
            error: (state == RelayState::Failed)
                .then(|| self.error.clone())
                .flatten(),
            helpdesk_status: None,
            last_reply: None,
            last_reply_at: None,
        }
    }
}

/// Who a relayed ticket is filed for: IT's mapping of the OS account (case-insensitive) first,
/// then the contact the device sent, then `os_user@domain`.
fn requester(
    os_user: Option<&str>,
    sent: Option<String>,
    mapping: &std::collections::BTreeMap<String, String>,
    domain: Option<&str>,
) -> Option<String> {
    let mapped = os_user.and_then(|u| mapping.get(&u.to_lowercase()).cloned());
    mapped
        .or(sent)
        .or_else(|| Some(format!("{}@{}", os_user?, domain?)))
}

/// Keys are UUIDs: only hex digits and dashes (they go into helpdesk search queries).
fn valid_key(key: &str) -> bool {
    (8..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

impl Core {
    /// Stores a ticket a device posted. Returns its status and whether it is new.
    ///
    /// # Errors
    /// [`CoreError::TooLarge`], [`CoreError::BadRequest`], [`CoreError::KeyConflict`],
    /// [`CoreError::RateLimited`], database errors.
    pub async fn accept_ticket(
        &self,
        device: &Device,
        body: &[u8],
    ) -> Result<(TicketStatus, bool), CoreError> {
        let limit = self.limits().max_request_bytes;
        let size = u64::try_from(body.len()).unwrap_or(u64::MAX);
        if size > limit {
            return Err(CoreError::TooLarge { size, limit });
        }
        let upload: TicketUpload = serde_json::from_slice(body)
            .map_err(|e| CoreError::BadRequest(format!("the ticket is not valid JSON: {e}")))?;
        if !valid_key(&upload.key) {
            return Err(CoreError::BadRequest(
                "key must be the outbox's UUID (hex digits and dashes)".into(),
            ));
        }
        if upload.subject.trim().is_empty() || upload.subject.chars().count() > MAX_SUBJECT {
            return Err(CoreError::BadRequest(format!(
                "subject must be 1-{MAX_SUBJECT} characters"
            )));
        }
        for a in &upload.attachments {
            a.to_attachment()
                .map_err(|e| CoreError::BadRequest(e.to_string()))?;
        }
        let digest = hex::encode(sha2::Sha256::digest(body));
        if let Some(existing) = self.ticket_by_key(&upload.key).await? {
            return Self::same_ticket(existing, device, &digest).map(|s| (s, false));
        }
        self.rate_limit(device.id, "tickets", 3600, self.limits().tickets_per_hour)
            .await?;
        let now = now_ms();
        let inserted = self
            .db()
            .execute(
                "INSERT INTO relay_tickets (device_id, ticket_key, body_digest, payload, bytes, state, next_attempt_at, created_at)
                 VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7)",
                vec![
                    P::I(device.id),
                    upload.key.clone().into(),
                    digest.clone().into(),
                    P::B(body.to_vec()),
                    P::I(i64::try_from(size).unwrap_or(i64::MAX)),
                    P::I(now),
                    P::I(now),
                ],
            )
            .await;
        match inserted {
            Ok(_) => {}
            // Two instances received the same ticket at once: the other one stored it.
            Err(e) if is_unique_violation(&e) => {
                let existing = self
                    .ticket_by_key(&upload.key)
                    .await?
                    .ok_or(CoreError::KeyConflict)?;
                return Self::same_ticket(existing, device, &digest).map(|s| (s, false));
            }
            Err(e) => return Err(e),
        }
        tracing::info!(device = device.id, key = %upload.key, bytes = size, "ticket accepted");
        // A ticket filed during an incident is linked to it (fleet.rs); best effort.
        if let Err(e) = self.link_ticket(device, &upload.key).await {
            tracing::warn!(error = %e, "linking the ticket to an incident failed");
        }
        let stored = self
            .ticket_by_key(&upload.key)
            .await?
            .ok_or(CoreError::NotFound)?;
        Ok((stored.status(), true))
    }

    fn same_ticket(
        existing: Ticket,
        device: &Device,
        digest: &str,
    ) -> Result<TicketStatus, CoreError> {
        if existing.device_id != device.id || existing.digest != digest {
            return Err(CoreError::KeyConflict);
        }
        Ok(existing.status())
    }

    async fn ticket_by_key(&self, key: &str) -> Result<Option<Ticket>, CoreError> {
        Ok(self
            .db()
            .query_opt(
                &format!("SELECT {COLUMNS} FROM relay_tickets WHERE ticket_key = $1"),
                vec![key.into()],
            )
            .await?
            .as_ref()
            .map(Ticket::from_row))
    }

    /// The status of one of this device's tickets.
    ///
    /// # Errors
    /// [`CoreError::NotFound`] (also for another device's ticket); database errors.
    pub async fn ticket_status(
        &self,
        device: &Device,
        key: &str,
    ) -> Result<TicketStatus, CoreError> {
        match self.ticket_by_key(key).await? {
            Some(t) if t.device_id == device.id => Ok(t.status()),
            _ => Err(CoreError::NotFound),
        }
    }

    /// Counts of relayed tickets by state (for status output and tests).
    ///
    /// # Errors
    /// Database errors.
    pub async fn relay_counts(&self) -> Result<Vec<(String, i64)>, CoreError> {
        Ok(self
            .db()
            .query(
                "SELECT state, COUNT(*) FROM relay_tickets GROUP BY state ORDER BY state",
                vec![],
            )
            .await?
            .iter()
            .map(|r| (r.text(0), r.int(1)))
            .collect())
    }

    /// One delivery round: claims due tickets (queued and due, or `sending` with an expired
    /// lease) and makes one attempt on each.
    ///
    /// # Errors
    /// Database errors; delivery failures are recorded on the tickets.
    pub async fn deliver_due<C: Connector>(
        &self,
        connector: &C,
        options: &DeliverOptions,
    ) -> Result<Vec<Outcome>, CoreError> {
        let now = now_ms();
        let claimed = self
            .db()
            .query(
                &format!(
                    "UPDATE relay_tickets SET state = 'sending', lease_owner = $1, lease_until = $2
                     WHERE id IN (SELECT id FROM relay_tickets
                                  WHERE (state = 'queued' AND next_attempt_at <= $3)
                                     OR (state = 'sending' AND lease_until < $4)
                                  ORDER BY id LIMIT $5 {{SKIP_LOCKED}})
                     RETURNING {COLUMNS}"
                ),
                vec![
                    self.node().into(),
                    P::I(now + ms(options.lease)),
                    P::I(now),
                    P::I(now),
                    P::I(options.batch.max(1)),
                ],
            )
            .await?;
        let mut out = Vec::with_capacity(claimed.len());
        for row in &claimed {
            let ticket = Ticket::from_row(row);
            out.push(self.attempt(connector, ticket, options).await?);
        }
        Ok(out)
    }

    /// A write to a claimed ticket, only while this instance still holds its lease.
    async fn owned(&self, id: i64, set: &str, mut params: Vec<P>) -> Result<bool, CoreError> {
        let n = params.len();
        params.push(P::I(id));
        params.push(self.node().into());
        let sql = format!(
            "UPDATE relay_tickets SET {set} WHERE id = ${} AND lease_owner = ${} AND state = 'sending'",
            n + 1,
            n + 2
        );
        Ok(self.db().execute(&sql, params).await? == 1)
    }

    async fn attempt<C: Connector>(
        &self,
        connector: &C,
        t: Ticket,
        options: &DeliverOptions,
    ) -> Result<Outcome, CoreError> {
        let lost = || Outcome::LostLease { key: t.key.clone() };
        let outgoing = match self.outgoing(&t).await {
            Ok(o) => o,
            Err(reason) => return self.fail_permanent(&t, &reason).await,
        };
        let mut remote = t.remote.clone();
        if remote.is_none() && t.maybe_created && connector.lookup() == Lookup::Search {
            let settled_at = t.create_started_at.saturating_add(ms(options.settle));
            if t.create_started_at > 0 && now_ms() < settled_at {
                let reason = "waiting for the helpdesk to finish an earlier attempt before checking whether it created the ticket";
                if !self
                    .owned(
                        t.id,
                        "state = 'queued', next_attempt_at = $1, lease_owner = NULL, error = $2",
                        vec![P::I(settled_at), reason.into()],
                    )
                    .await?
                {
                    return Ok(lost());
                }
                return Ok(Outcome::Retrying {
                    key: t.key.clone(),
                    reason: reason.to_owned(),
                });
            }
            match connector.find_by_key(&outgoing).await {
                Ok(Some(found)) => {
                    tracing::info!(key = %t.key, remote = %found.id, "found after an uncertain attempt");
                    if !self.set_remote(t.id, &found).await? {
                        return Ok(lost());
                    }
                    remote = Some(found);
                }
                Ok(None) => {}
                Err(e) => return self.fail(&t, &e, options).await,
            }
        }
        let remote = match remote {
            Some(r) => r,
            None => {
                // Committed before the request leaves, and only with a request timeout of
                // lease left: no other instance can claim the ticket while this create runs.
                let now = now_ms();
                let marked = self
                    .db()
                    .execute(
                        "UPDATE relay_tickets SET maybe_created = 1, create_started_at = $1
                         WHERE id = $2 AND lease_owner = $3 AND state = 'sending' AND lease_until > $4",
                        vec![
                            P::I(now),
                            P::I(t.id),
                            self.node().into(),
                            P::I(now + ms(options.request_timeout) + 1000),
                        ],
                    )
                    .await?;
                if marked != 1 {
                    return Ok(lost());
                }
                match connector.create(&outgoing).await {
                    Ok(r) => {
                        if !self.set_remote(t.id, &r).await? {
                            return Ok(lost());
                        }
                        r
                    }
                    Err(e) => {
                        if !e.maybe_created() && !t.maybe_created {
                            self.owned(t.id, "maybe_created = 0, create_started_at = 0", vec![])
                                .await?;
                        } else if !e.in_flight() {
                            // The helpdesk answered: nothing is still in progress there.
                            self.owned(t.id, "create_started_at = 0", vec![]).await?;
                        }
                        return self.fail(&t, &e, options).await;
                    }
                }
            }
        };
        if connector.attaches_separately() && !t.attached && !outgoing.attachments.is_empty() {
            if let Err(e) = connector.attach(&remote, &outgoing).await {
                return self.fail(&t, &e, options).await;
            }
            if !self.owned(t.id, "attached = 1", vec![]).await? {
                return Ok(lost());
            }
        }
        if !self
            .owned(
                t.id,
                "state = 'delivered', delivered_at = $1, lease_owner = NULL, error = NULL",
                vec![P::I(now_ms())],
            )
            .await?
        {
            return Ok(lost());
        }
        tracing::info!(key = %t.key, remote = %remote.id, "ticket delivered to the helpdesk");
        Ok(Outcome::Delivered {
            key: t.key.clone(),
            remote,
        })
    }

    async fn set_remote(&self, id: i64, r: &Remote) -> Result<bool, CoreError> {
        self.owned(
            id,
            "remote_id = $1, remote_url = $2",
            vec![r.id.clone().into(), r.url.clone().into()],
        )
        .await
    }

    /// The helpdesk's ticket from the stored upload. The requester: IT's mapping of the
    /// device's OS account (`relay.requesters`) when it has one, else the contact the device
    /// sent, else the OS account at `relay.requester_domain`.
    async fn outgoing(&self, t: &Ticket) -> Result<Outgoing, String> {
        let upload: TicketUpload = serde_json::from_slice(&t.payload)
            .map_err(|e| format!("the stored ticket cannot be read: {e}"))?;
        let attachments = upload
            .attachments
            .iter()
            .map(deskside_server_api::WireAttachment::to_attachment)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        let limits = self.limits();
        let os_user = if limits.requesters.is_empty() && limits.requester_domain.is_none() {
            None
        } else {
            self.db()
                .query_opt(
                    "SELECT os_user FROM devices WHERE id = $1",
                    vec![P::I(t.device_id)],
                )
                .await
                .ok()
                .flatten()
                .map(|row| row.text(0))
        };
        let contact = requester(
            os_user.as_deref(),
            upload.contact,
            &limits.requesters,
            limits.requester_domain.as_deref(),
        );
        // Built through serde so fields `Outgoing` gains later (with serde defaults) need no
        // change here; the attachments' bytes are set directly, not as JSON arrays.
        let mut outgoing: Outgoing = serde_json::from_value(serde_json::json!({
            "key": upload.key,
            "subject": upload.subject,
            "body": upload.body,
            "urgency": upload.urgency,
            "category": upload.category,
            "contact": contact,
            "attachments": [],
        }))
        .map_err(|e| format!("the stored ticket cannot be read: {e}"))?;
        outgoing.attachments = attachments;
        if let Some(note) = self.incident_note(&t.key).await {
            outgoing.body.insert_str(0, &note);
        }
        Ok(outgoing)
    }

    async fn fail_permanent(&self, t: &Ticket, reason: &str) -> Result<Outcome, CoreError> {
        if !self
            .owned(
                t.id,
                "state = 'failed', error = $1, lease_owner = NULL",
                vec![reason.into()],
            )
            .await?
        {
            return Ok(Outcome::LostLease { key: t.key.clone() });
        }
        tracing::warn!(key = %t.key, reason, "relayed ticket failed");
        Ok(Outcome::Failed {
            key: t.key.clone(),
            reason: reason.to_owned(),
        })
    }

    async fn fail(
        &self,
        t: &Ticket,
        e: &SendError,
        options: &DeliverOptions,
    ) -> Result<Outcome, CoreError> {
        let SendError::Transient {
            reason,
            retry_after,
            ..
        } = e
        else {
            return self.fail_permanent(t, &e.to_string()).await;
        };
        let rounds = t.rounds.saturating_add(1);
        if rounds >= i64::from(options.max_attempts) {
            let reason = format!("gave up after {rounds} attempts; last error: {reason}");
            return self.fail_permanent(t, &reason).await;
        }
        let unreachable = e.is_unreachable();
        let cap = if unreachable {
            options.unreachable_cap
        } else {
            options.backoff_cap
        };
        let now = now_ms();
        let hold = retry_after.map_or(0, |d| now + ms(d));
        let wait = deskside_outbox::backoff(
            u32::try_from(rounds).unwrap_or(u32::MAX),
            options.backoff_base,
            cap,
        );
        let next = (now + ms(wait)).max(hold);
        if !self
            .owned(
                t.id,
                "state = 'queued', rounds = $1, next_attempt_at = $2, hold_until = $3, unreachable = $4, error = $5, lease_owner = NULL",
                vec![
                    P::I(rounds),
                    P::I(next),
                    P::I(hold),
                    P::I(i64::from(unreachable)),
                    reason.clone().into(),
                ],
            )
            .await?
        {
            return Ok(Outcome::LostLease { key: t.key.clone() });
        }
        tracing::info!(key = %t.key, reason = %reason, "relayed ticket will be retried");
        Ok(Outcome::Retrying {
            key: t.key.clone(),
            reason: reason.clone(),
        })
    }

    /// Makes every queued ticket due now (admin `relay flush`, tests).
    ///
    /// # Errors
    /// Database errors.
    pub async fn make_due(&self) -> Result<u64, CoreError> {
        self.db()
            .execute(
                "UPDATE relay_tickets SET next_attempt_at = 0 WHERE state = 'queued' AND hold_until <= $1",
                vec![P::I(now_ms())],
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_requester_is_its_mapping_then_the_contact_then_the_domain() {
        let mut map = std::collections::BTreeMap::new();
        map.insert("jdoe".to_owned(), "jane.doe@corp.example".to_owned());
        let sent = || Some("typed@home.example".to_owned());
        assert_eq!(
            requester(Some("JDoe"), sent(), &map, Some("corp.example")).as_deref(),
            Some("jane.doe@corp.example")
        );
        assert_eq!(
            requester(Some("asmith"), sent(), &map, Some("corp.example")).as_deref(),
            Some("typed@home.example")
        );
        assert_eq!(
            requester(Some("asmith"), None, &map, Some("corp.example")).as_deref(),
            Some("asmith@corp.example")
        );
        assert_eq!(requester(Some("asmith"), None, &map, None), None);
        assert_eq!(requester(None, None, &map, Some("corp.example")), None);
    }
}
