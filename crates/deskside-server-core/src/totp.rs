//! TOTP authenticators (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps, one step of drift
//! either way) and recovery codes as a factor of the reset flows.
//!
//! Enrolment is done while signed in: a signed request from a device enrolled for the user,
//! with the user's current password (checked by a bind). The authenticator's secret is not
//! stored: it is HMAC-SHA256(`reset.totp_key`, account, nonce) cut to 160 bits, and only the
//! random nonce is in the database, so the database alone does not give the secret. A code is
//! accepted once (the step it matched is recorded with a conditional `UPDATE`). Ten recovery
//! codes (40 random bits each) are shown once and stored as salted SHA-256, each usable once.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::db::P;
use crate::reset::{Caller, FlowAnswer, ResetError, ResetService, normalize_account};
use crate::{now_ms, random_hex};

/// Seconds per TOTP step.
pub const STEP_S: i64 = 30;
/// Recovery codes per enrolment.
pub const RECOVERY_CODES: usize = 10;

/// The HOTP value (RFC 4226, HMAC-SHA1) of `secret` at `counter`, `digits` long.
#[must_use]
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> String {
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h.get(19).copied().unwrap_or(0) & 0x0f);
    let bin = h
        .get(offset..offset + 4)
        .map_or(0, |b| u32::from_be_bytes([b[0] & 0x7f, b[1], b[2], b[3]]));
    let modulo = 10_u32.saturating_pow(digits);
    format!("{:0width$}", bin % modulo, width = digits as usize)
}

/// The TOTP value (RFC 6238) of `secret` at Unix time `t` seconds.
#[must_use]
pub fn totp(secret: &[u8], t: i64, digits: u32) -> String {
    hotp(
        secret,
        u64::try_from(t.div_euclid(STEP_S)).unwrap_or(0),
        digits,
    )
}

/// What the user gets at enrolment (shown once).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TotpEnrolment {
    /// The secret, base32 (type it into the authenticator app).
    pub secret_base32: String,
    /// The `otpauth://` URI (for a QR code).
    pub otpauth_uri: String,
    /// One-time recovery codes, for when the phone is lost.
    pub recovery_codes: Vec<String>,
}

fn salted(salt: &str, code: &str) -> String {
    let mut h = sha2::Sha256::new();
    h.update(salt.as_bytes());
    h.update(b"\x1f");
    h.update(code.as_bytes());
    hex::encode(h.finalize())
}

impl ResetService {
    /// The authenticator secret of `account` for `nonce`.
    fn totp_secret(&self, account: &str, nonce: &str) -> Result<Vec<u8>, ResetError> {
        let key = self
            .policy()
            .totp_key
            .as_ref()
            .ok_or(ResetError::Disabled)?;
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.expose().as_bytes())
            .map_err(|_| ResetError::Disabled)?;
        mac.update(b"deskside-totp\x1f");
        mac.update(account.as_bytes());
        mac.update(b"\x1f");
        mac.update(nonce.as_bytes());
        Ok(mac.finalize().into_bytes()[..20].to_vec())
    }

    /// Enrols (or replaces) the TOTP authenticator of the caller's own account: the request
    /// must come from a device enrolled for `account`, with the account's current password.
    ///
    /// # Errors
    /// [`ResetError::NotAllowed`] (no device of this user), [`ResetError::WrongPassword`],
    /// [`ResetError::Disabled`] (no `reset.totp_key`).
    pub async fn enrol_totp(
        &self,
        account: &str,
        password: &deskside_secret::Secret,
        caller: &Caller,
    ) -> Result<TotpEnrolment, ResetError> {
        let account = normalize_account(account);
        if self.policy().totp_key.is_none() {
            return Err(ResetError::Disabled);
        }
        let own = caller
            .device
            .as_ref()
            .is_some_and(|d| normalize_account(&d.os_user) == account);
        if !own {
            self.audit_public(&account, caller, "totp_enrol", "not_own_device")
                .await;
            return Err(ResetError::NotAllowed);
        }
        let good = self
            .directory()
            .check_password(&account, password)
            .await
            .map_err(ResetError::Directory)?;
        if !good {
            self.audit_public(&account, caller, "totp_enrol", "wrong_password")
                .await;
            return Err(ResetError::WrongPassword);
        }
        let nonce = random_hex(16);
        let now = now_ms();
        self.core()
            .db()
            .execute(
                "INSERT INTO reset_totp (account, nonce, last_step, created_at) VALUES ($1, $2, 0, $3)
                 ON CONFLICT (account) DO UPDATE SET nonce = excluded.nonce, last_step = 0, created_at = excluded.created_at",
                vec![account.clone().into(), nonce.clone().into(), P::I(now)],
            )
            .await?;
        self.core()
            .db()
            .execute(
                "DELETE FROM reset_recovery_codes WHERE account = $1",
                vec![account.clone().into()],
            )
            .await?;
        let mut codes = Vec::with_capacity(RECOVERY_CODES);
        for _ in 0..RECOVERY_CODES {
            let raw = random_hex(5);
            let code = format!("{}-{}", &raw[..5], &raw[5..]);
            let salt = random_hex(16);
            self.core()
                .db()
                .execute(
                    "INSERT INTO reset_recovery_codes (account, code_hash, salt) VALUES ($1, $2, $3)",
                    vec![account.clone().into(), salted(&salt, &code).into(), salt.into()],
                )
                .await?;
            codes.push(code);
        }
        let secret = self.totp_secret(&account, &nonce)?;
        let b32 = data_encoding::BASE32_NOPAD.encode(&secret);
        self.audit_public(&account, caller, "totp_enrol", "done")
            .await;
        Ok(TotpEnrolment {
            otpauth_uri: format!(
                "otpauth://totp/Deskside:{account}?secret={b32}&issuer=Deskside&algorithm=SHA1&digits=6&period=30"
            ),
            secret_base32: b32,
            recovery_codes: codes,
        })
    }

    /// Checks an authenticator code (6 digits) or a recovery code (`xxxxx-xxxxx`) for a flow:
    /// the `totp` factor. Tries count with the mailed code's (at most `max_tries`).
    ///
    /// # Errors
    /// [`ResetError::WrongCode`] (also a replayed code and accounts without an authenticator),
    /// [`ResetError::TooManyTries`], [`ResetError::NoFlow`].
    pub async fn verify_totp(
        &self,
        token: &str,
        code: &str,
        caller: &Caller,
    ) -> Result<FlowAnswer, ResetError> {
        let (flow_id, account, mut factors) = self.count_try(token, "totp", caller).await?;
        let code = code.trim().to_ascii_lowercase();
        let good = if code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()) {
            self.check_totp(&account, &code).await?
        } else {
            self.check_recovery(&account, &code).await?
        };
        if !good {
            self.audit_flow(flow_id, &account, caller, "totp", "wrong_code", &factors)
                .await;
            self.throttle_public("ip", &caller.ip).await?;
            return Err(ResetError::WrongCode);
        }
        if !factors.iter().any(|f| f == "totp") {
            factors.push("totp".to_owned());
        }
        self.core()
            .db()
            .execute(
                "UPDATE reset_flows SET factors = $1 WHERE id = $2",
                vec![factors.join(",").into(), P::I(flow_id)],
            )
            .await?;
        self.audit_flow(flow_id, &account, caller, "totp", "accepted", &factors)
            .await;
        Ok(self.answer_for(&factors))
    }

    async fn check_totp(&self, account: &str, code: &str) -> Result<bool, ResetError> {
        let row = self
            .core()
            .db()
            .query_opt(
                "SELECT nonce, last_step FROM reset_totp WHERE account = $1",
                vec![account.into()],
            )
            .await?;
        // An account without an authenticator does the same work and fails.
        let (nonce, last_step) =
            row.map_or_else(|| ("-".to_owned(), i64::MAX), |r| (r.text(0), r.int(1)));
        let secret = self.totp_secret(account, &nonce)?;
        let now_step = now_ms() / 1000 / STEP_S;
        let mut matched = None;
        for step in [now_step - 1, now_step, now_step + 1] {
            let want = hotp(&secret, u64::try_from(step).unwrap_or(0), 6);
            if crate::reset::same(&want, code) && step > last_step {
                matched = Some(step);
            }
        }
        let Some(step) = matched else {
            return Ok(false);
        };
        // Once: the step is recorded only if no later or equal one was.
        let n = self
            .core()
            .db()
            .execute(
                "UPDATE reset_totp SET last_step = $1 WHERE account = $2 AND last_step < $3",
                vec![P::I(step), account.into(), P::I(step)],
            )
            .await?;
        Ok(n == 1)
    }

    async fn check_recovery(&self, account: &str, code: &str) -> Result<bool, ResetError> {
        let rows = self
            .core()
            .db()
            .query(
                "SELECT id, code_hash, salt FROM reset_recovery_codes WHERE account = $1 AND used_at IS NULL",
                vec![account.into()],
            )
            .await?;
        for r in rows {
            if crate::reset::same(&r.text(1), &salted(&r.text(2), code)) {
                let n = self
                    .core()
                    .db()
                    .execute(
                        "UPDATE reset_recovery_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL",
                        vec![P::I(now_ms()), P::I(r.int(0))],
                    )
                    .await?;
                return Ok(n == 1);
            }
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA1, 8 digits.
        let secret = b"12345678901234567890";
        for (t, want) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(totp(secret, t, 8), want, "t = {t}");
        }
        // RFC 4226 appendix D, 6 digits.
        assert_eq!(hotp(secret, 0, 6), "755224");
        assert_eq!(hotp(secret, 9, 6), "520489");
    }

    #[test]
    fn recovery_hashes_are_salted() {
        assert_ne!(salted("a", "x"), salted("b", "x"));
        assert_eq!(salted("a", "x").len(), 64);
    }
}
