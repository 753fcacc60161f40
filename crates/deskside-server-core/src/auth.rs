//! Verification of a signed request, in the order `docs/server.md` documents: headers present
//! and well-formed, timestamp within the skew window, known key, not revoked, body digest,
//! Ed25519 signature, and finally the nonce — recorded in the database until the window has
//! passed, so a replay is refused by whichever instance receives it. Then the device's
//! per-minute request budget is counted (also in the database).

use std::sync::atomic::{AtomicI64, Ordering};

use deskside_server_api::sign::Signed;

use crate::db::{P, is_unique_violation};
use crate::enroll::Device;
use crate::{Core, CoreError, now_ms};

/// When this process last removed expired nonces and rate counters (Unix ms).
static LAST_PURGE: AtomicI64 = AtomicI64::new(0);

/// A request as the HTTP layer received it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `GET`, `POST`.
    pub method: &'a str,
    /// The path with its query, exactly as received.
    pub path_and_query: &'a str,
    /// The body.
    pub body: &'a [u8],
}

impl Core {
    /// Checks a signed request and returns the device that made it.
    ///
    /// # Errors
    /// The first failing check's [`CoreError`] (all `401` but the rate limit, `429`).
    pub async fn authenticate<'h>(
        &self,
        request: Request<'_>,
        header: impl Fn(&str) -> Option<&'h str>,
    ) -> Result<Device, CoreError> {
        let signed = Signed::from_headers(header)?;
        let now = now_ms();
        let skew = i64::try_from(self.limits().max_skew.as_secs()).unwrap_or(i64::MAX / 2);
        let now_s = now / 1000;
        if (signed.timestamp.saturating_sub(now_s)).abs() > skew {
            return Err(CoreError::ClockSkew {
                signed: signed.timestamp,
                now: now_s,
                max_skew_s: skew,
            });
        }
        let device = self
            .device_by_key(&signed.key_id)
            .await?
            .ok_or(CoreError::UnknownKey)?;
        if device.revoked_at.is_some() {
            return Err(CoreError::Revoked);
        }
        let public_key = <[u8; 32]>::try_from(device.public_key.as_slice())
            .map_err(|_| CoreError::UnknownKey)?;
        signed.verify(
            &public_key,
            request.method,
            request.path_and_query,
            request.body,
        )?;
        // The nonce can be forgotten once a request carrying it would fail the skew check.
        let expires = signed
            .timestamp
            .saturating_add(skew)
            .saturating_add(1)
            .saturating_mul(1000);
        match self
            .db()
            .execute(
                "INSERT INTO nonces (key_id, nonce, expires_at) VALUES ($1, $2, $3)",
                vec![
                    signed.key_id.clone().into(),
                    signed.nonce.clone().into(),
                    P::I(expires),
                ],
            )
            .await
        {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Err(CoreError::Replay),
            Err(e) => return Err(e),
        }
        self.rate_limit(device.id, "requests", 60, self.limits().requests_per_minute)
            .await?;
        self.db()
            .execute(
                "UPDATE devices SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $3",
                vec![P::I(now), P::I(device.id), P::I(now - 60_000)],
            )
            .await?;
        self.purge_expired(now).await;
        Ok(device)
    }

    /// Counts one hit of `bucket` for `device` in the current `window_s` window.
    ///
    /// # Errors
    /// [`CoreError::RateLimited`] once more than `limit` hits fall in the window.
    pub async fn rate_limit(
        &self,
        device: i64,
        bucket: &'static str,
        window_s: i64,
        limit: i64,
    ) -> Result<(), CoreError> {
        let now_s = now_ms() / 1000;
        let window = window_s.max(1);
        let start = now_s - now_s.rem_euclid(window);
        let hits = self
            .db()
            .query_opt(
                "INSERT INTO rate_counters (device_id, bucket, window_start, hits) VALUES ($1, $2, $3, 1)
                 ON CONFLICT (device_id, bucket, window_start) DO UPDATE SET hits = rate_counters.hits + 1
                 RETURNING hits",
                vec![P::I(device), bucket.into(), P::I(start)],
            )
            .await?
            .map_or(0, |r| r.int(0));
        if hits > limit {
            return Err(CoreError::RateLimited {
                what: bucket,
                limit,
                window_s: window,
                retry_after_s: (start + window - now_s).max(1),
            });
        }
        Ok(())
    }

    /// Removes expired nonces and old rate counters, at most once a minute per instance.
    async fn purge_expired(&self, now: i64) {
        let last = LAST_PURGE.load(Ordering::Relaxed);
        if now - last < 60_000
            || LAST_PURGE
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        let r1 = self
            .db()
            .execute("DELETE FROM nonces WHERE expires_at < $1", vec![P::I(now)])
            .await;
        // Counters of windows that ended more than a day ago are of no use.
        let r2 = self
            .db()
            .execute(
                "DELETE FROM rate_counters WHERE window_start < $1",
                vec![P::I(now / 1000 - 86_400)],
            )
            .await;
        for r in [r1, r2] {
            if let Err(e) = r {
                tracing::warn!(error = %e, "purging expired nonces or counters failed");
            }
        }
    }
}
