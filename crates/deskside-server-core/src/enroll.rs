//! Enrolment: IT creates one-time secrets (`enroll-secret create --uses N --expires 7d`); a
//! device exchanges one for a key id bound to the Ed25519 public key it generated. Secrets
//! are random 192-bit values, stored only as their SHA-256 (a slow hash adds nothing for a
//! random secret of that size); their uses and expiry are counted in the database by one
//! conditional `UPDATE`, so two instances cannot both spend the last use. A revoked device
//! stays revoked: it can only enrol again as a new device with a new secret.

use deskside_server_api::{DeviceInfo, EnrollRequest, EnrollResponse, sign};
use serde::Serialize;
use sha2::Digest as _;

use crate::db::P;
use crate::{Core, CoreError, now_ms, random_hex};

/// A new enrolment secret (shown once).
#[derive(Debug, Clone, Serialize)]
pub struct NewSecret {
    /// Its id (for listing).
    pub id: i64,
    /// The secret itself: hand it to the devices (MDM policy `server.enroll_secret`).
    pub secret: String,
    /// How many devices may enrol with it.
    pub uses: i64,
    /// When it stops working (Unix seconds).
    pub expires_at: i64,
}

/// A device as IT sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Device {
    /// Its id.
    pub id: i64,
    /// Its key id.
    pub key_id: String,
    /// Its Ed25519 public key.
    #[serde(skip)]
    pub public_key: Vec<u8>,
    /// The machine name given at enrolment.
    pub device_name: String,
    /// The OS account that enrolled.
    pub os_user: String,
    /// When it enrolled (Unix ms).
    pub enrolled_at: i64,
    /// When it last made a signed request (Unix ms, updated at most once a minute).
    pub last_seen_at: i64,
    /// When IT revoked it (Unix ms).
    pub revoked_at: Option<i64>,
}

impl Device {
    /// The wire shape for `GET /v1/device`.
    #[must_use]
    pub fn info(&self) -> DeviceInfo {
        DeviceInfo {
            device_id: self.id,
            key_id: self.key_id.clone(),
            device_name: self.device_name.clone(),
            os_user: self.os_user.clone(),
            enrolled_at: self.enrolled_at / 1000,
        }
    }
}

pub(crate) const DEVICE_COLUMNS: &str =
    "id, key_id, public_key, device_name, os_user, enrolled_at, last_seen_at, revoked_at";

pub(crate) fn device_from(r: &crate::db::Row) -> Device {
    Device {
        id: r.int(0),
        key_id: r.text(1),
        public_key: r.bytes(2),
        device_name: r.text(3),
        os_user: r.text(4),
        enrolled_at: r.int(5),
        last_seen_at: r.int(6),
        revoked_at: r.opt_int(7),
    }
}

fn hash(secret: &str) -> String {
    hex::encode(sha2::Sha256::digest(secret.trim().as_bytes()))
}

/// A name or account: 1–128 characters, no control characters.
fn label(what: &str, v: &str) -> Result<String, CoreError> {
    let v = v.trim();
    if v.is_empty() || v.chars().count() > 128 || v.chars().any(char::is_control) {
        return Err(CoreError::BadRequest(format!(
            "{what} must be 1-128 characters without control characters"
        )));
    }
    Ok(v.to_owned())
}

impl Core {
    /// Creates an enrolment secret good for `uses` enrolments until `ttl` from now.
    ///
    /// # Errors
    /// [`CoreError::BadRequest`] for zero uses or a zero lifetime; database errors.
    pub async fn create_enroll_secret(
        &self,
        uses: i64,
        ttl: std::time::Duration,
        note: Option<String>,
    ) -> Result<NewSecret, CoreError> {
        if uses < 1 || ttl.is_zero() {
            return Err(CoreError::BadRequest(
                "an enrolment secret needs at least one use and a lifetime".into(),
            ));
        }
        let secret = format!("dse_{}", random_hex(24));
        let now = now_ms();
        let expires_at = now.saturating_add(crate::ms(ttl));
        let row = self
            .db()
            .query_opt(
                "INSERT INTO enroll_secrets (secret_hash, uses_total, uses_left, expires_at, created_at, note)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                vec![
                    hash(&secret).into(),
                    P::I(uses),
                    P::I(uses),
                    P::I(expires_at),
                    P::I(now),
                    note.into(),
                ],
            )
            .await?
            .ok_or_else(|| CoreError::database("enroll_secrets", "no id returned"))?;
        Ok(NewSecret {
            id: row.int(0),
            secret,
            uses,
            expires_at: expires_at / 1000,
        })
    }

    /// Enrols a device: spends one use of the secret and records the public key.
    ///
    /// # Errors
    /// [`CoreError::BadEnrollSecret`]; [`CoreError::BadRequest`] for a malformed key or name.
    pub async fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, CoreError> {
        let public_key = sign::parse_public_key(&req.public_key).ok_or_else(|| {
            CoreError::BadRequest("public_key must be a 32-byte Ed25519 key in base64".into())
        })?;
        let device_name = label("device_name", &req.device_name)?;
        let os_user = label("os_user", &req.os_user)?;
        let now = now_ms();
        let spent = self
            .db()
            .query_opt(
                "UPDATE enroll_secrets SET uses_left = uses_left - 1
                 WHERE secret_hash = $1 AND uses_left > 0 AND expires_at > $2 RETURNING id",
                vec![hash(&req.secret).into(), P::I(now)],
            )
            .await?
            .ok_or(CoreError::BadEnrollSecret)?;
        let key_id = format!("dk_{}", random_hex(12));
        let row = self
            .db()
            .query_opt(
                "INSERT INTO devices (key_id, public_key, device_name, os_user, secret_id, enrolled_at, last_seen_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                vec![
                    key_id.clone().into(),
                    P::B(public_key.to_vec()),
                    device_name.into(),
                    os_user.into(),
                    P::I(spent.int(0)),
                    P::I(now),
                    P::I(now),
                ],
            )
            .await?
            .ok_or_else(|| CoreError::database("devices", "no id returned"))?;
        tracing::info!(device = row.int(0), key_id = %key_id, "device enrolled");
        Ok(EnrollResponse {
            key_id,
            device_id: row.int(0),
        })
    }

    /// The device with this key id.
    ///
    /// # Errors
    /// Database errors.
    pub async fn device_by_key(&self, key_id: &str) -> Result<Option<Device>, CoreError> {
        Ok(self
            .db()
            .query_opt(
                &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE key_id = $1"),
                vec![key_id.into()],
            )
            .await?
            .as_ref()
            .map(device_from))
    }

    /// Every device, oldest first.
    ///
    /// # Errors
    /// Database errors.
    pub async fn devices(&self) -> Result<Vec<Device>, CoreError> {
        Ok(self
            .db()
            .query(
                &format!("SELECT {DEVICE_COLUMNS} FROM devices ORDER BY id"),
                vec![],
            )
            .await?
            .iter()
            .map(device_from)
            .collect())
    }

    /// Revokes a device by id or key id; its next request is refused with `auth.revoked`.
    ///
    /// # Errors
    /// [`CoreError::NoDevice`]; database errors.
    pub async fn revoke(&self, device: &str) -> Result<Device, CoreError> {
        let id = device.parse::<i64>().unwrap_or(-1);
        let n = self
            .db()
            .execute(
                "UPDATE devices SET revoked_at = $1 WHERE (id = $2 OR key_id = $3) AND revoked_at IS NULL",
                vec![P::I(now_ms()), P::I(id), device.into()],
            )
            .await?;
        let found = self
            .db()
            .query_opt(
                &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE id = $1 OR key_id = $2"),
                vec![P::I(id), device.into()],
            )
            .await?
            .as_ref()
            .map(device_from)
            .ok_or_else(|| CoreError::NoDevice(device.to_owned()))?;
        if n > 0 {
            tracing::info!(device = found.id, "device revoked");
        }
        Ok(found)
    }
}
