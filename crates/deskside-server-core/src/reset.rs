//! Self-service password **reset** (forgotten password) and **unlock** (locked account): start
//! with a user name, prove factors, then set a new password or clear the lockout through the
//! directory's least-privilege service account (an [`AccountDirectory`]; the server wires
//! `deskside_password::admin_*` into it).
//!
//! The rules, each held by the database so several instances share them:
//!
//! * **Same answer for every user name.** `start` does not touch the directory: it records the
//!   flow and queues a mail job, the same statements for an unknown, disabled, protected or
//!   real account, and answers with a fresh flow handle. The mail worker ([`ResetService::
//!   process_mail`]) looks the account up later and mails a code only to an eligible one.
//! * **Codes**: 8 random digits, stored as SHA-256 of a per-flow random salt and the code
//!   (never in clear, not even in the mail queue: the worker makes the code at sending time),
//!   10 minutes, at most 5 tries, one live flow per account (a new start revokes the older
//!   ones). The flow handle (128 random bits) is stored as its SHA-256 too.
//! * **Factors**: the mailed code, and a signed request from a device enrolled for this OS
//!   user; `factors_required` of them (default two) before the final step.
//! * **Single use**: the final step claims the flow with one conditional `UPDATE`, so of two
//!   concurrent submissions one wins; a success marks it used.
//! * **Throttles** per account, source IP, recovery address and device, counted per hour in
//!   `reset_throttle` (every start and every failed code counts).
//! * **Audit**: every step writes a `reset_audit` row (who, when, source IP, device, factors,
//!   result); logs carry no code, handle or password.
//! * **Protected and disabled accounts** get no code and are refused at the final step.
//! * After a success the account's primary address is told, through the same queue.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use deskside_secret::Secret;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::db::P;
use crate::enroll::Device;
use crate::{Core, CoreError, ms, now_ms, random_hex};

/// A boxed future, for the object-safe traits below.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An account as the directory's service account sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirAccount {
    /// Its DN.
    pub dn: String,
    /// Where codes go (the configured recovery attribute).
    pub recovery_address: Option<String>,
    /// Where the "your password was reset" notice goes.
    pub primary_address: Option<String>,
    /// Disabled.
    pub disabled: bool,
    /// Protected (domain admins, a configured group): never reset here.
    pub protected: bool,
}

/// A directory answer that is not a success: a stable code and a sentence for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DirError {
    /// Stable code (`policy_violation`, `not_permitted`, `directory_unreachable`, …).
    pub code: String,
    /// What the user reads.
    pub message: String,
}

/// The directory, as the reset flows need it.
pub trait AccountDirectory: Send + Sync + std::fmt::Debug {
    /// The account named `account`; `None` when there is none.
    fn lookup<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Option<DirAccount>, DirError>>;
    /// Sets `password` on the account (policy applied by the directory).
    fn reset<'a>(
        &'a self,
        account: &'a str,
        dn: &'a str,
        password: &'a Secret,
    ) -> BoxFuture<'a, Result<(), DirError>>;
    /// Clears the account's lockout.
    fn unlock<'a>(&'a self, account: &'a str, dn: &'a str) -> BoxFuture<'a, Result<(), DirError>>;
    /// Whether `password` is the account's current password (a bind as the user).
    fn check_password<'a>(
        &'a self,
        account: &'a str,
        password: &'a Secret,
    ) -> BoxFuture<'a, Result<bool, DirError>>;
}

/// Sends one mail.
pub trait Mailer: Send + Sync + std::fmt::Debug {
    /// Sends `body` to `to`; the error is a sentence for the server's log.
    fn send<'a>(
        &'a self,
        to: &'a str,
        subject: &'a str,
        body: &'a str,
    ) -> BoxFuture<'a, Result<(), String>>;
}

/// Which flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FlowKind {
    /// Forgotten password: set a new one.
    Reset,
    /// Locked account: clear the lockout, keep the password.
    Unlock,
}

impl FlowKind {
    /// The stored spelling.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Reset => "reset",
            Self::Unlock => "unlock",
        }
    }

    fn parse(s: &str) -> Self {
        if s == "unlock" {
            Self::Unlock
        } else {
            Self::Reset
        }
    }
}

/// The rules of the flows (server config `[reset]`).
#[derive(Debug, Clone)]
pub struct ResetPolicy {
    /// Factors needed before the final step (1 or 2).
    pub factors_required: usize,
    /// Life of a flow and its code.
    pub code_ttl: Duration,
    /// Code tries per flow.
    pub max_tries: i64,
    /// Starts per account name per hour (counted whether it exists or not).
    pub per_account_per_hour: i64,
    /// Starts and failed codes per source IP per hour.
    pub per_ip_per_hour: i64,
    /// Code mails per recovery address per hour.
    pub per_address_per_hour: i64,
    /// Starts per device per hour.
    pub per_device_per_hour: i64,
    /// The page users are sent to (`https://deskside.corp.example/`); links are built from it
    /// only, never from a request's Host header.
    pub public_url: Option<String>,
    /// After a reset, the user must change the password at the next sign-in.
    pub must_change: bool,
    /// Whether the mail code is offered as a factor (a recovery attribute is configured).
    pub mail_codes: bool,
    /// The key TOTP secrets are derived from (`reset.totp_key`); `None`: no authenticators.
    pub totp_key: Option<Secret>,
}

impl Default for ResetPolicy {
    fn default() -> Self {
        Self {
            factors_required: 2,
            code_ttl: Duration::from_secs(600),
            max_tries: 5,
            per_account_per_hour: 5,
            per_ip_per_hour: 30,
            per_address_per_hour: 5,
            per_device_per_hour: 10,
            public_url: None,
            must_change: false,
            mail_codes: true,
            totp_key: None,
        }
    }
}

/// Who is asking, as the HTTP layer saw it.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    /// The source IP.
    pub ip: String,
    /// The device, when the request was signed.
    pub device: Option<Device>,
}

/// What `start` answers, the same for every account name.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StartAnswer {
    /// The handle of this flow (keep it for the next steps; never logged, stored hashed).
    pub flow: String,
    /// Factors already proven (`device` when a device enrolled for this user signed).
    pub factors: Vec<String>,
    /// Factors needed in all.
    pub factors_required: usize,
    /// Seconds until the flow and its code expire.
    pub expires_in_s: u64,
    /// What to do next.
    pub message: String,
}

/// The state after a step.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FlowAnswer {
    /// Factors proven.
    pub factors: Vec<String>,
    /// Factors needed.
    pub factors_required: usize,
    /// Whether the final step may be taken now.
    pub ready: bool,
}

/// A finished flow.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DoneAnswer {
    /// `reset` or `unlock`.
    pub kind: FlowKind,
    /// What happened, for the user.
    pub message: String,
}

/// Why a step was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResetError {
    /// Reset is not configured on this server.
    #[error("self-service password reset is not set up on this server; ask IT")]
    Disabled,
    /// Unknown, expired, revoked or used flow handle.
    #[error("this reset has expired or was replaced by a newer one; start again")]
    NoFlow,
    /// The current password given to enrol an authenticator is wrong.
    #[error("the password is not right; an authenticator is set up with your current password")]
    WrongPassword,
    /// Wrong code (also for accounts that got none).
    #[error("the code is not right; check the latest mail and try again")]
    WrongCode,
    /// Five wrong codes.
    #[error("too many wrong codes; start again to get a new one")]
    TooManyTries,
    /// Not enough factors yet.
    #[error("this step needs {required} proofs and {have} were given; enter the mailed code first")]
    FactorsMissing {
        /// Proven.
        have: usize,
        /// Needed.
        required: usize,
    },
    /// Another submission is working on (or finished) this flow.
    #[error("this reset was already used; start again if you need another")]
    AlreadyUsed,
    /// Too many attempts.
    #[error("too many attempts; try again in {retry_after_s} s")]
    Throttled {
        /// Seconds to wait.
        retry_after_s: i64,
    },
    /// The account cannot be reset here (unknown, disabled, protected).
    #[error("this account cannot be reset or unlocked here; call IT")]
    NotAllowed,
    /// A reset without a new password, or similar.
    #[error("the request is not valid: {0}")]
    BadRequest(String),
    /// The directory refused (policy, permissions, unreachable).
    #[error("{0}")]
    Directory(DirError),
    /// The database failed.
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl ResetError {
    /// Stable code.
    #[must_use]
    pub fn code(&self) -> String {
        match self {
            Self::Disabled => "reset.disabled".into(),
            Self::NoFlow => "reset.no_flow".into(),
            Self::WrongCode => "reset.wrong_code".into(),
            Self::WrongPassword => "reset.wrong_password".into(),
            Self::TooManyTries => "reset.too_many_tries".into(),
            Self::FactorsMissing { .. } => "reset.factors_missing".into(),
            Self::AlreadyUsed => "reset.already_used".into(),
            Self::Throttled { .. } => "reset.throttled".into(),
            Self::NotAllowed => "reset.not_allowed".into(),
            Self::BadRequest(_) => "request.invalid".into(),
            Self::Directory(d) => format!("password.{}", d.code),
            Self::Core(e) => e.code().into(),
        }
    }

    /// HTTP status.
    #[must_use]
    pub fn status(&self) -> u16 {
        match self {
            Self::Disabled => 404,
            Self::NoFlow => 410,
            Self::WrongCode | Self::BadRequest(_) => 400,
            Self::WrongPassword => 401,
            Self::TooManyTries | Self::FactorsMissing { .. } | Self::NotAllowed => 403,
            Self::AlreadyUsed => 409,
            Self::Throttled { .. } => 429,
            Self::Directory(d) if d.code == "policy_violation" => 422,
            Self::Directory(_) => 502,
            Self::Core(e) => e.status(),
        }
    }

    /// `Retry-After`.
    #[must_use]
    pub fn retry_after_s(&self) -> Option<i64> {
        match self {
            Self::Throttled { retry_after_s } => Some(*retry_after_s),
            _ => None,
        }
    }

    /// The message a client sees (database details stay in the log).
    #[must_use]
    pub fn public_message(&self) -> String {
        match self {
            Self::Core(e) => e.public_message(),
            other => other.to_string(),
        }
    }
}

/// The flows, over a core, a directory and a mailer. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ResetService {
    core: Core,
    policy: Arc<ResetPolicy>,
    directory: Arc<dyn AccountDirectory>,
    mailer: Arc<dyn Mailer>,
}

fn sha_hex(parts: &[&[u8]]) -> String {
    let mut h = sha2::Sha256::new();
    for p in parts {
        h.update(p);
        h.update(b"\x1f");
    }
    hex::encode(h.finalize())
}

/// Account names compare without case and surrounding blanks; `DOMAIN\name` and
/// `name@domain` become `name`.
#[must_use]
pub fn normalize_account(account: &str) -> String {
    let a = account.trim();
    let a = a.rsplit_once('\\').map_or(a, |(_, n)| n);
    a.split('@').next().unwrap_or(a).to_lowercase()
}

/// 8 uniformly random digits.
fn new_code() -> String {
    loop {
        let mut b = [0_u8; 4];
        if getrandom::fill(&mut b).is_err() {
            // Falls back to the hex source (which has its own last resort).
            let h = random_hex(4);
            let _ = hex::decode_to_slice(h, &mut b);
        }
        let v = u32::from_le_bytes(b);
        // Reject the top sliver so every code is equally likely.
        if v < 4_200_000_000 {
            return format!("{:08}", v % 100_000_000);
        }
    }
}

/// Constant-time comparison of two hex digests.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0_u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

const FLOW_COLUMNS: &str = "id, kind, account, factors, code_hash, code_salt, code_expires_at, used_at, revoked_at, expires_at";

#[derive(Debug, Clone)]
struct Flow {
    id: i64,
    kind: FlowKind,
    account: String,
    factors: Vec<String>,
    code_hash: Option<String>,
    code_salt: Option<String>,
    code_expires_at: i64,
    used_at: Option<i64>,
    revoked_at: Option<i64>,
    expires_at: i64,
}

fn flow_from(r: &crate::db::Row) -> Flow {
    Flow {
        id: r.int(0),
        kind: FlowKind::parse(&r.text(1)),
        account: r.text(2),
        factors: r
            .text(3)
            .split(',')
            .filter(|f| !f.is_empty())
            .map(str::to_owned)
            .collect(),
        code_hash: r.opt_text(4),
        code_salt: r.opt_text(5),
        code_expires_at: r.int(6),
        used_at: r.opt_int(7),
        revoked_at: r.opt_int(8),
        expires_at: r.int(9),
    }
}

impl ResetService {
    /// The flows over `core`.
    #[must_use]
    pub fn new(
        core: Core,
        policy: ResetPolicy,
        directory: Arc<dyn AccountDirectory>,
        mailer: Arc<dyn Mailer>,
    ) -> Self {
        Self {
            core,
            policy: Arc::new(policy),
            directory,
            mailer,
        }
    }

    /// The policy.
    #[must_use]
    pub fn policy(&self) -> &ResetPolicy {
        &self.policy
    }

    fn db(&self) -> &crate::Db {
        self.core.db()
    }

    pub(crate) fn core(&self) -> &Core {
        &self.core
    }

    pub(crate) fn directory(&self) -> &dyn AccountDirectory {
        self.directory.as_ref()
    }

    /// An audit row for a step outside a flow (authenticator enrolment).
    pub(crate) async fn audit_public(
        &self,
        account: &str,
        caller: &Caller,
        step: &str,
        result: &str,
    ) {
        self.audit(None, FlowKind::Reset, account, caller, step, result)
            .await;
    }

    /// An audit row for a step of flow `flow_id`.
    pub(crate) async fn audit_flow(
        &self,
        flow_id: i64,
        account: &str,
        caller: &Caller,
        step: &str,
        result: &str,
        factors: &[String],
    ) {
        let f = Flow {
            id: flow_id,
            kind: FlowKind::Reset,
            account: account.to_owned(),
            factors: factors.to_vec(),
            code_hash: None,
            code_salt: None,
            code_expires_at: 0,
            used_at: None,
            revoked_at: None,
            expires_at: 0,
        };
        self.audit(Some(&f), f.kind, account, caller, step, result)
            .await;
    }

    /// Counts one hit against the hourly budget of `bucket` (the IP's, say).
    pub(crate) async fn throttle_public(
        &self,
        bucket: &str,
        subject: &str,
    ) -> Result<(), ResetError> {
        let limit = match bucket {
            "ip" => self.policy.per_ip_per_hour,
            "device" => self.policy.per_device_per_hour,
            "address" => self.policy.per_address_per_hour,
            _ => self.policy.per_account_per_hour,
        };
        self.throttle(bucket, subject, limit).await
    }

    /// Finds the live flow and counts one try of its budget: `(id, account, factors)`.
    pub(crate) async fn count_try(
        &self,
        token: &str,
        step: &str,
        caller: &Caller,
    ) -> Result<(i64, String, Vec<String>), ResetError> {
        let f = self.flow(token, step, caller).await?;
        let counted = self
            .db()
            .query_opt(
                "UPDATE reset_flows SET tries = tries + 1 WHERE id = $1 AND tries < $2 RETURNING tries",
                vec![P::I(f.id), P::I(self.policy.max_tries)],
            )
            .await?;
        if counted.is_none() {
            self.audit(Some(&f), f.kind, &f.account, caller, step, "too_many_tries")
                .await;
            return Err(ResetError::TooManyTries);
        }
        Ok((f.id, f.account, f.factors))
    }

    pub(crate) fn answer_for(&self, factors: &[String]) -> FlowAnswer {
        FlowAnswer {
            factors: factors.to_vec(),
            factors_required: self.policy.factors_required,
            ready: factors.len() >= self.policy.factors_required,
        }
    }

    /// Counts one hit for `subject` in `bucket` this hour; refuses past `limit`.
    async fn throttle(&self, bucket: &str, subject: &str, limit: i64) -> Result<(), ResetError> {
        let now_s = now_ms() / 1000;
        let start = now_s - now_s.rem_euclid(3600);
        let hits = self
            .db()
            .query_opt(
                "INSERT INTO reset_throttle (bucket, subject, window_start, hits) VALUES ($1, $2, $3, 1)
                 ON CONFLICT (bucket, subject, window_start) DO UPDATE SET hits = reset_throttle.hits + 1
                 RETURNING hits",
                vec![bucket.into(), sha_hex(&[subject.as_bytes()]).into(), P::I(start)],
            )
            .await?
            .map_or(0, |r| r.int(0));
        if hits > limit {
            return Err(ResetError::Throttled {
                retry_after_s: (start + 3600 - now_s).max(1),
            });
        }
        Ok(())
    }

    async fn audit(
        &self,
        flow: Option<&Flow>,
        kind: FlowKind,
        account: &str,
        caller: &Caller,
        step: &str,
        result: &str,
    ) {
        let factors = flow.map(|f| f.factors.join(",")).unwrap_or_default();
        let r = self
            .db()
            .execute(
                "INSERT INTO reset_audit (at, flow_id, kind, account, source_ip, device_id, factors, step, result)
                 VALUES ($1, NULLIF($2, CAST(-1 AS BIGINT)), $3, $4, $5, NULLIF($6, CAST(-1 AS BIGINT)), $7, $8, $9)",
                vec![
                    P::I(now_ms()),
                    P::I(flow.map_or(-1, |f| f.id)),
                    kind.as_str().into(),
                    account.into(),
                    caller.ip.clone().into(),
                    P::I(caller.device.as_ref().map_or(-1, |d| d.id)),
                    factors.into(),
                    step.into(),
                    result.into(),
                ],
            )
            .await;
        if let Err(e) = r {
            tracing::error!(error = %e, "writing the reset audit failed");
        }
        tracing::info!(kind = kind.as_str(), step, result, ip = %caller.ip, "password self-service");
    }

    /// Starts a flow for `account`. The answer is the same whether the account exists or not;
    /// a signed request from a device enrolled for this user counts as the `device` factor.
    ///
    /// # Errors
    /// [`ResetError::Throttled`], [`ResetError::BadRequest`], database errors.
    pub async fn start(
        &self,
        kind: FlowKind,
        account: &str,
        caller: &Caller,
    ) -> Result<StartAnswer, ResetError> {
        let account = normalize_account(account);
        if account.is_empty()
            || account.chars().count() > 256
            || account.chars().any(char::is_control)
        {
            return Err(ResetError::BadRequest(
                "the user name must be 1-256 characters".into(),
            ));
        }
        let limits = async {
            self.throttle("ip", &caller.ip, self.policy.per_ip_per_hour)
                .await?;
            self.throttle("account", &account, self.policy.per_account_per_hour)
                .await?;
            if let Some(d) = &caller.device {
                self.throttle("device", &d.id.to_string(), self.policy.per_device_per_hour)
                    .await?;
            }
            Ok::<(), ResetError>(())
        }
        .await;
        if let Err(e) = limits {
            self.audit(None, kind, &account, caller, "start", e.code().as_str())
                .await;
            return Err(e);
        }
        let device_factor = caller
            .device
            .as_ref()
            .is_some_and(|d| normalize_account(&d.os_user) == account);
        let factors: Vec<String> = if device_factor {
            vec!["device".to_owned()]
        } else {
            Vec::new()
        };
        let token = format!("rf_{}", random_hex(16));
        let now = now_ms();
        let expires_at = now + ms(self.policy.code_ttl);
        // One live flow per account: a new start revokes the older ones (and their codes).
        self.db()
            .execute(
                "UPDATE reset_flows SET revoked_at = $1 WHERE account = $2 AND used_at IS NULL AND revoked_at IS NULL",
                vec![P::I(now), account.clone().into()],
            )
            .await?;
        let row = self
            .db()
            .query_opt(
                "INSERT INTO reset_flows (token_hash, kind, account, device_id, source_ip, factors, created_at, expires_at)
                 VALUES ($1, $2, $3, NULLIF($4, CAST(-1 AS BIGINT)), $5, $6, $7, $8) RETURNING id",
                vec![
                    sha_hex(&[token.as_bytes()]).into(),
                    kind.as_str().into(),
                    account.clone().into(),
                    P::I(caller.device.as_ref().map_or(-1, |d| d.id)),
                    caller.ip.clone().into(),
                    factors.join(",").into(),
                    P::I(now),
                    P::I(expires_at),
                ],
            )
            .await?
            .ok_or_else(|| CoreError::database("reset_flows", "no id returned"))?;
        let flow_id = row.int(0);
        if self.policy.mail_codes {
            self.db()
                .execute(
                    "INSERT INTO reset_mail (flow_id, kind, state, next_at, created_at) VALUES ($1, 'code', 'queued', $2, $3)",
                    vec![P::I(flow_id), P::I(now), P::I(now)],
                )
                .await?;
        }
        let flow = Flow {
            id: flow_id,
            kind,
            account: account.clone(),
            factors: factors.clone(),
            code_hash: None,
            code_salt: None,
            code_expires_at: 0,
            used_at: None,
            revoked_at: None,
            expires_at,
        };
        self.audit(Some(&flow), kind, &account, caller, "start", "accepted")
            .await;
        Ok(StartAnswer {
            flow: token,
            factors,
            factors_required: self.policy.factors_required,
            expires_in_s: self.policy.code_ttl.as_secs(),
            message: if self.policy.mail_codes {
                "If this account can be reset here, a code is on its way to its recovery address. It works once, for 10 minutes.".to_owned()
            } else {
                "Continue with the next step.".to_owned()
            },
        })
    }

    /// The live flow behind `token`; a refusal is audited as a `step` attempt.
    async fn flow(&self, token: &str, step: &str, caller: &Caller) -> Result<Flow, ResetError> {
        let found = self
            .db()
            .query_opt(
                &format!("SELECT {FLOW_COLUMNS} FROM reset_flows WHERE token_hash = $1"),
                vec![sha_hex(&[token.trim().as_bytes()]).into()],
            )
            .await?
            .as_ref()
            .map(flow_from);
        let Some(f) = found else {
            self.audit(None, FlowKind::Reset, "", caller, step, "reset.no_flow")
                .await;
            return Err(ResetError::NoFlow);
        };
        let refused = if f.used_at.is_some() {
            Some(ResetError::AlreadyUsed)
        } else if f.revoked_at.is_some() || f.expires_at <= now_ms() {
            Some(ResetError::NoFlow)
        } else {
            None
        };
        if let Some(e) = refused {
            self.audit(
                Some(&f),
                f.kind,
                &f.account,
                caller,
                step,
                e.code().as_str(),
            )
            .await;
            return Err(e);
        }
        Ok(f)
    }

    fn answer(&self, f: &Flow) -> FlowAnswer {
        FlowAnswer {
            factors: f.factors.clone(),
            factors_required: self.policy.factors_required,
            ready: f.factors.len() >= self.policy.factors_required,
        }
    }

    /// Adds the device factor to a flow, from a signed request of a device enrolled for the
    /// flow's account.
    ///
    /// # Errors
    /// [`ResetError::NoFlow`], [`ResetError::NotAllowed`] for another user's device.
    pub async fn add_device(&self, token: &str, caller: &Caller) -> Result<FlowAnswer, ResetError> {
        let mut f = self.flow(token, "device", caller).await?;
        let Some(device) = &caller.device else {
            return Err(ResetError::NotAllowed);
        };
        if normalize_account(&device.os_user) != f.account {
            self.audit(Some(&f), f.kind, &f.account, caller, "device", "other_user")
                .await;
            return Err(ResetError::NotAllowed);
        }
        if !f.factors.iter().any(|x| x == "device") {
            f.factors.push("device".to_owned());
            self.db()
                .execute(
                    "UPDATE reset_flows SET factors = $1, device_id = $2 WHERE id = $3",
                    vec![f.factors.join(",").into(), P::I(device.id), P::I(f.id)],
                )
                .await?;
        }
        self.audit(Some(&f), f.kind, &f.account, caller, "device", "accepted")
            .await;
        Ok(self.answer(&f))
    }

    /// Checks a mailed code. Every try counts (at most `max_tries` per flow); a wrong code
    /// also counts against the source IP's hourly budget.
    ///
    /// # Errors
    /// [`ResetError::WrongCode`], [`ResetError::TooManyTries`], [`ResetError::NoFlow`].
    pub async fn verify_code(
        &self,
        token: &str,
        code: &str,
        caller: &Caller,
    ) -> Result<FlowAnswer, ResetError> {
        let f = self.flow(token, "code", caller).await?;
        // Count the try first, conditionally: concurrent tries cannot exceed the limit.
        let counted = self
            .db()
            .query_opt(
                "UPDATE reset_flows SET tries = tries + 1 WHERE id = $1 AND tries < $2 RETURNING tries",
                vec![P::I(f.id), P::I(self.policy.max_tries)],
            )
            .await?;
        if counted.is_none() {
            self.audit(
                Some(&f),
                f.kind,
                &f.account,
                caller,
                "code",
                "too_many_tries",
            )
            .await;
            return Err(ResetError::TooManyTries);
        }
        let code: String = code.chars().filter(char::is_ascii_digit).collect();
        let good = match (&f.code_hash, &f.code_salt) {
            (Some(hash), Some(salt)) if f.code_expires_at > now_ms() => {
                same(hash, &sha_hex(&[salt.as_bytes(), code.as_bytes()]))
            }
            _ => {
                // The same work for a flow that never got a code.
                let _ = same(&sha_hex(&[b"-", code.as_bytes()]), &sha_hex(&[b"+"]));
                false
            }
        };
        if !good {
            self.audit(Some(&f), f.kind, &f.account, caller, "code", "wrong_code")
                .await;
            self.throttle("ip", &caller.ip, self.policy.per_ip_per_hour)
                .await?;
            return Err(ResetError::WrongCode);
        }
        let mut f = f;
        if !f.factors.iter().any(|x| x == "code") {
            f.factors.push("code".to_owned());
        }
        // The code is spent: a second use finds no hash.
        let n = self
            .db()
            .execute(
                "UPDATE reset_flows SET factors = $1, code_hash = NULL WHERE id = $2 AND code_hash = $3",
                vec![
                    f.factors.join(",").into(),
                    P::I(f.id),
                    f.code_hash.clone().into(),
                ],
            )
            .await?;
        if n == 0 {
            return Err(ResetError::WrongCode);
        }
        self.audit(Some(&f), f.kind, &f.account, caller, "code", "accepted")
            .await;
        Ok(self.answer(&f))
    }

    /// The state of a flow (for the web page).
    ///
    /// # Errors
    /// [`ResetError::NoFlow`].
    pub async fn state(
        &self,
        token: &str,
        caller: &Caller,
    ) -> Result<(FlowKind, FlowAnswer), ResetError> {
        let f = self.flow(token, "state", caller).await?;
        Ok((f.kind, self.answer(&f)))
    }

    /// The final step: with enough factors, set `new_password` (reset) or clear the lockout
    /// (unlock). Of two concurrent submissions one runs; a directory refusal (a password in
    /// the history, say) releases the flow for another try.
    ///
    /// # Errors
    /// [`ResetError::FactorsMissing`], [`ResetError::AlreadyUsed`], [`ResetError::NotAllowed`],
    /// [`ResetError::Directory`].
    pub async fn complete(
        &self,
        token: &str,
        new_password: Option<&Secret>,
        caller: &Caller,
    ) -> Result<DoneAnswer, ResetError> {
        let f = self.flow(token, "complete", caller).await?;
        if f.factors.len() < self.policy.factors_required {
            self.audit(
                Some(&f),
                f.kind,
                &f.account,
                caller,
                "complete",
                "factors_missing",
            )
            .await;
            return Err(ResetError::FactorsMissing {
                have: f.factors.len(),
                required: self.policy.factors_required,
            });
        }
        let password = match (f.kind, new_password) {
            (FlowKind::Reset, Some(p)) if !p.expose().is_empty() => Some(p),
            (FlowKind::Reset, _) => {
                return Err(ResetError::BadRequest("a new password is needed".into()));
            }
            (FlowKind::Unlock, _) => None,
        };
        let now = now_ms();
        let claimed = self
            .db()
            .execute(
                "UPDATE reset_flows SET claim_until = $1 WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL AND claim_until < $3",
                vec![P::I(now + 60_000), P::I(f.id), P::I(now)],
            )
            .await?;
        if claimed == 0 {
            self.audit(
                Some(&f),
                f.kind,
                &f.account,
                caller,
                "complete",
                "already_used",
            )
            .await;
            return Err(ResetError::AlreadyUsed);
        }
        let result = self.apply(&f, password).await;
        match &result {
            Ok(account) => {
                self.db()
                    .execute(
                        "UPDATE reset_flows SET used_at = $1, claim_until = 0 WHERE id = $2",
                        vec![P::I(now_ms()), P::I(f.id)],
                    )
                    .await?;
                if let Some(to) = &account.primary_address {
                    self.db()
                        .execute(
                            "INSERT INTO reset_mail (flow_id, kind, to_addr, state, next_at, created_at) VALUES ($1, 'notice', $2, 'queued', $3, $4)",
                            vec![P::I(f.id), to.clone().into(), P::I(now), P::I(now)],
                        )
                        .await?;
                }
                self.audit(Some(&f), f.kind, &f.account, caller, "complete", "done")
                    .await;
            }
            Err(e) => {
                self.db()
                    .execute(
                        "UPDATE reset_flows SET claim_until = 0 WHERE id = $1",
                        vec![P::I(f.id)],
                    )
                    .await?;
                self.audit(
                    Some(&f),
                    f.kind,
                    &f.account,
                    caller,
                    "complete",
                    e.code().as_str(),
                )
                .await;
            }
        }
        result.map(|_| DoneAnswer {
            kind: f.kind,
            message: match f.kind {
                FlowKind::Reset => "Your password was reset. Sign in with the new one; update it wherever it is saved (phone mail, Wi-Fi) so the old one does not lock the account again.".to_owned(),
                FlowKind::Unlock => "Your account is unlocked. Sign in with your password.".to_owned(),
            },
        })
    }

    async fn apply(&self, f: &Flow, password: Option<&Secret>) -> Result<DirAccount, ResetError> {
        let account = self
            .directory
            .lookup(&f.account)
            .await
            .map_err(ResetError::Directory)?
            .filter(|a| !a.disabled && !a.protected)
            .ok_or(ResetError::NotAllowed)?;
        match password {
            Some(p) => self
                .directory
                .reset(&f.account, &account.dn, p)
                .await
                .map_err(ResetError::Directory)?,
            None => self
                .directory
                .unlock(&f.account, &account.dn)
                .await
                .map_err(ResetError::Directory)?,
        }
        Ok(account)
    }

    /// Sends due mails: codes (made now, stored hashed, mailed only to an eligible account's
    /// recovery address) and notices. Returns how many mails went out.
    ///
    /// # Errors
    /// Database errors.
    pub async fn process_mail(&self) -> Result<usize, ResetError> {
        let now = now_ms();
        let jobs = self
            .db()
            .query(
                "UPDATE reset_mail SET lease_until = $1, attempts = attempts + 1
                 WHERE id IN (SELECT id FROM reset_mail WHERE state = 'queued' AND next_at <= $2 AND lease_until < $3
                              ORDER BY id LIMIT 20 {SKIP_LOCKED})
                 RETURNING id, flow_id, kind, to_addr, attempts",
                vec![P::I(now + 60_000), P::I(now), P::I(now)],
            )
            .await?;
        let mut sent = 0;
        for job in jobs {
            let (id, flow_id, kind, to, attempts) = (
                job.int(0),
                job.int(1),
                job.text(2),
                job.opt_text(3),
                job.int(4),
            );
            let outcome = if kind == "code" {
                self.send_code(flow_id).await
            } else {
                self.send_notice(flow_id, to.as_deref().unwrap_or_default())
                    .await
            };
            let (state, next) = match outcome {
                Ok(true) => {
                    sent += 1;
                    ("sent", 0)
                }
                Ok(false) => ("skipped", 0),
                Err(e) if attempts < 3 => {
                    tracing::warn!(error = %e, job = id, "a reset mail was not sent; will retry");
                    ("queued", now + 30_000 * attempts)
                }
                Err(e) => {
                    tracing::error!(error = %e, job = id, "a reset mail was not sent; giving up");
                    ("failed", 0)
                }
            };
            self.db()
                .execute(
                    "UPDATE reset_mail SET state = $1, next_at = $2, lease_until = 0, sent_at = NULLIF($3, CAST(0 AS BIGINT)) WHERE id = $4",
                    vec![
                        state.into(),
                        P::I(next),
                        P::I(if state == "sent" { now_ms() } else { 0 }),
                        P::I(id),
                    ],
                )
                .await?;
        }
        Ok(sent)
    }

    /// `Ok(false)`: nothing to send (not eligible, expired, throttled).
    async fn send_code(&self, flow_id: i64) -> Result<bool, String> {
        let f = self
            .db()
            .query_opt(
                &format!("SELECT {FLOW_COLUMNS} FROM reset_flows WHERE id = $1"),
                vec![P::I(flow_id)],
            )
            .await
            .map_err(|e| e.to_string())?
            .as_ref()
            .map(flow_from);
        let Some(f) =
            f.filter(|f| f.revoked_at.is_none() && f.used_at.is_none() && f.expires_at > now_ms())
        else {
            return Ok(false);
        };
        let account = self
            .directory
            .lookup(&f.account)
            .await
            .map_err(|e| format!("directory lookup: {} ({})", e.message, e.code))?;
        let Some(to) = account
            .filter(|a| !a.disabled && !a.protected)
            .and_then(|a| a.recovery_address)
            .filter(|a| !a.trim().is_empty())
        else {
            return Ok(false);
        };
        if self
            .throttle(
                "address",
                &to.to_lowercase(),
                self.policy.per_address_per_hour,
            )
            .await
            .is_err()
        {
            tracing::info!(flow = f.id, "recovery address throttled; no code sent");
            return Ok(false);
        }
        let code = Secret::new(new_code());
        let salt = random_hex(16);
        let hash = sha_hex(&[salt.as_bytes(), code.expose().as_bytes()]);
        let n = self
            .db()
            .execute(
                "UPDATE reset_flows SET code_hash = $1, code_salt = $2, code_expires_at = expires_at WHERE id = $3 AND revoked_at IS NULL AND used_at IS NULL",
                vec![hash.into(), salt.into(), P::I(f.id)],
            )
            .await
            .map_err(|e| e.to_string())?;
        if n == 0 {
            return Ok(false);
        }
        let what = match f.kind {
            FlowKind::Reset => "reset your password",
            FlowKind::Unlock => "unlock your account",
        };
        let link = self
            .policy
            .public_url
            .as_deref()
            .map(|u| format!("\nThe page: {}/password/\n", u.trim_end_matches('/')))
            .unwrap_or_default();
        let body = format!(
            "Someone (hopefully you) asked to {what}.\n\nYour code: {}\n\nIt works once, for {} minutes. Enter it where you started.{link}\nIf this wasn't you, ignore this mail and tell IT.\n",
            code.expose(),
            self.policy.code_ttl.as_secs() / 60
        );
        let body = Secret::new(body);
        self.mailer
            .send(&to, "Your Deskside code", body.expose())
            .await?;
        Ok(true)
    }

    async fn send_notice(&self, flow_id: i64, to: &str) -> Result<bool, String> {
        if to.is_empty() {
            return Ok(false);
        }
        let f = self
            .db()
            .query_opt(
                "SELECT kind, source_ip FROM reset_flows WHERE id = $1",
                vec![P::I(flow_id)],
            )
            .await
            .map_err(|e| e.to_string())?;
        let (kind, ip) = f.map_or((FlowKind::Reset, String::new()), |r| {
            (FlowKind::parse(&r.text(0)), r.text(1))
        });
        let what = match kind {
            FlowKind::Reset => "Your password was reset",
            FlowKind::Unlock => "Your account was unlocked",
        };
        let body = format!(
            "{what} just now with Deskside self-service (from {ip}).\n\nIf this wasn't you, call IT now.\n"
        );
        self.mailer.send(to, what, &body).await?;
        Ok(true)
    }

    /// Removes flows, counters and mail jobs older than a day (audit rows are kept).
    ///
    /// # Errors
    /// Database errors.
    pub async fn purge(&self) -> Result<(), ResetError> {
        let day_ago = now_ms() - 86_400_000;
        self.db()
            .execute(
                "DELETE FROM reset_flows WHERE expires_at < $1",
                vec![P::I(day_ago)],
            )
            .await?;
        self.db()
            .execute(
                "DELETE FROM reset_throttle WHERE window_start < $1",
                vec![P::I(day_ago / 1000)],
            )
            .await?;
        self.db()
            .execute(
                "DELETE FROM reset_mail WHERE created_at < $1 AND state <> 'queued'",
                vec![P::I(day_ago)],
            )
            .await?;
        Ok(())
    }
}

/// Raw access for tests that scan the database for planted secrets or age a flow.
#[cfg(feature = "testing")]
impl crate::Db {
    /// Every row of `table`, its values joined with `|`.
    ///
    /// # Errors
    /// Database errors.
    pub async fn debug_dump(&self, table: &str) -> Result<Vec<String>, CoreError> {
        self.debug_strings(&format!("SELECT * FROM {table}")).await
    }

    /// The rows of `sql`, values joined with `|`.
    ///
    /// # Errors
    /// Database errors.
    pub async fn debug_strings(&self, sql: &str) -> Result<Vec<String>, CoreError> {
        use crate::db::V;
        Ok(self
            .query(sql, vec![])
            .await?
            .into_iter()
            .map(|r| {
                r.0.iter()
                    .map(|v| match v {
                        V::Int(i) => i.to_string(),
                        V::Text(t) => t.clone(),
                        V::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
                        V::Null => String::new(),
                    })
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect())
    }

    /// Runs a statement.
    ///
    /// # Errors
    /// Database errors.
    pub async fn debug_execute(&self, sql: &str) -> Result<u64, CoreError> {
        self.execute(sql, vec![]).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_eight_digits_and_vary() {
        let a = new_code();
        assert_eq!(a.len(), 8);
        assert!(a.chars().all(|c| c.is_ascii_digit()));
        let distinct: std::collections::HashSet<String> = (0..50).map(|_| new_code()).collect();
        assert!(distinct.len() > 45);
    }

    #[test]
    fn account_names_normalize() {
        assert_eq!(normalize_account(" CORP\\JDoe "), "jdoe");
        assert_eq!(normalize_account("jdoe@corp.example"), "jdoe");
        assert!(same("ab", "ab"));
        assert!(!same("ab", "ac"));
        assert!(!same("ab", "abc"));
    }
}
