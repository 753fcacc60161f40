//! The helpdesk's status and replies, back to the device that filed the ticket.
//!
//! A device asks for its ticket's status (`GET /v1/tickets/{key}`); the answer carries the
//! helpdesk status and last reply the server last read ([`Core::ticket_followup`]). Reading the
//! helpdesk is never done inside that request: the endpoint is what every device polls, and a
//! slow or down helpdesk must not make it slow. Instead the request marks the ticket *wanted*
//! when what the server knows is older than the refresh age, and the delivery worker reads the
//! helpdesk for wanted tickets in its next round ([`Core::refresh_followups`]); the device sees
//! the new status at its next poll. So the helpdesk gets at most one status read per ticket
//! per refresh age, and only for tickets someone is looking at.
//!
//! Several instances: a refresh is claimed with a conditional update of `checked_at`, so one
//! instance reads each wanted ticket. Replies are capped at [`MAX_REPLY_CHARS`].

use deskside_helpdesk::{Connector, Remote};
use deskside_server_api::{RelayState, TicketStatus};

use crate::enroll::Device;
use crate::{Core, CoreError, ms, now_ms};

/// The longest reply kept (characters); a longer one is cut with an ellipsis.
pub const MAX_REPLY_CHARS: usize = 4000;

fn capped(text: String) -> String {
    if text.chars().count() <= MAX_REPLY_CHARS {
        return text;
    }
    let mut out: String = text.chars().take(MAX_REPLY_CHARS).collect();
    out.push('…');
    out
}

impl Core {
    /// [`Core::ticket_status`] with the helpdesk's status and last reply as last read. When
    /// that is older than [`crate::Limits::status_refresh`] (or was never read) for a delivered ticket, the
    /// ticket is marked wanted for the delivery worker; the returned `bool` says so (wake the
    /// worker).
    ///
    /// # Errors
    /// As [`Core::ticket_status`].
    pub async fn ticket_followup(
        &self,
        device: &Device,
        key: &str,
    ) -> Result<(TicketStatus, bool), CoreError> {
        let mut status = self.ticket_status(device, key).await?;
        if status.state != RelayState::Delivered {
            return Ok((status, false));
        }
        let now = now_ms();
        let row = self
            .db()
            .query_opt(
                "SELECT status, last_reply, last_reply_at, checked_at, wanted_at \
                 FROM relay_followup WHERE ticket_key = $1",
                vec![key.into()],
            )
            .await?;
        let (checked, wanted) = match &row {
            Some(r) => {
                status.helpdesk_status = r.opt_text(0);
                status.last_reply = r.opt_text(1);
                status.last_reply_at = r.opt_text(2);
                (r.int(3), r.int(4))
            }
            None => (0, 0),
        };
        let stale = now.saturating_sub(checked) >= ms(self.limits().status_refresh);
        let already_wanted = wanted > checked;
        if !stale || already_wanted {
            return Ok((status, false));
        }
        self.db()
            .execute(
                "INSERT INTO relay_followup (ticket_key, wanted_at) VALUES ($1, $2) \
                 ON CONFLICT (ticket_key) DO UPDATE SET wanted_at = excluded.wanted_at",
                vec![key.into(), now.into()],
            )
            .await?;
        Ok((status, true))
    }

    /// One refresh round: reads the helpdesk status of up to `limit` wanted tickets and
    /// stores it. Returns how many were read. A helpdesk error is logged and leaves what was
    /// known; the ticket is read again when a device next asks after the refresh age.
    ///
    /// # Errors
    /// Database errors.
    pub async fn refresh_followups<C: Connector>(
        &self,
        connector: &C,
        limit: i64,
    ) -> Result<usize, CoreError> {
        let wanted = self
            .db()
            .query(
                "SELECT f.ticket_key, f.checked_at, t.remote_id, t.remote_url \
                 FROM relay_followup f JOIN relay_tickets t ON t.ticket_key = f.ticket_key \
                 WHERE f.wanted_at > f.checked_at AND t.state = 'delivered' \
                 ORDER BY f.wanted_at LIMIT $1",
                vec![limit.into()],
            )
            .await?;
        let mut read = 0;
        for r in &wanted {
            let key = r.text(0);
            let Some(id) = r.opt_text(2) else { continue };
            // Claim it: only the instance whose update lands reads the helpdesk.
            let claimed = self
                .db()
                .execute(
                    "UPDATE relay_followup SET checked_at = $1 \
                     WHERE ticket_key = $2 AND checked_at = $3",
                    vec![now_ms().into(), key.as_str().into(), r.int(1).into()],
                )
                .await?;
            if claimed != 1 {
                continue;
            }
            let remote = Remote {
                id,
                url: r.opt_text(3),
            };
            match connector.status(&remote).await {
                Ok(Some(s)) => {
                    self.db()
                        .execute(
                            "UPDATE relay_followup SET status = $1, last_reply = $2, \
                             last_reply_at = $3 WHERE ticket_key = $4",
                            vec![
                                s.status.into(),
                                s.last_reply.map(capped).into(),
                                s.last_reply_at.into(),
                                key.as_str().into(),
                            ],
                        )
                        .await?;
                    read += 1;
                }
                Ok(None) => read += 1,
                Err(e) => {
                    tracing::warn!(ticket = %key, error = %e, "could not read the ticket's status from the helpdesk");
                }
            }
        }
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_replies_are_cut_with_an_ellipsis() {
        assert_eq!(capped("short".into()), "short");
        let long = "é".repeat(MAX_REPLY_CHARS + 10);
        let cut = capped(long);
        assert_eq!(cut.chars().count(), MAX_REPLY_CHARS + 1);
        assert!(cut.ends_with('…'));
    }
}
