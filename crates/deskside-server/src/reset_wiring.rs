//! The reset flows' two outside parts: the directory (`deskside_password`'s service-account
//! `lookup_account` / `admin_reset` / `admin_unlock`, the same code `desksidectl` would use)
//! and the mail (lettre over SMTP), built from `[password]` and `[reset]`; plus the worker
//! that sends the queued mails.

use std::sync::Arc;
use std::time::Duration;

use deskside_password::{
    LookupOptions, Password, PasswordError, ServiceAccount, Settings, SourceKind,
};
use deskside_secret::Secret;
use deskside_server_core::Core;
use deskside_server_core::reset::{
    AccountDirectory, BoxFuture, DirAccount, DirError, Mailer, ResetPolicy, ResetService,
};
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::ServerConfig;

/// The directory through the service account.
#[derive(Debug)]
pub struct LdapDirectory {
    config: deskside_config::Config,
    service: ServiceAccount,
    options: LookupOptions,
    must_change: bool,
}

fn dir_error(e: &PasswordError) -> DirError {
    DirError {
        code: e.code().to_owned(),
        message: e.to_string(),
    }
}

impl LdapDirectory {
    fn settings(&self, account: &str) -> Result<Settings, DirError> {
        Settings::resolve(&self.config, Some(account)).map_err(|e| dir_error(&e))
    }
}

impl AccountDirectory for LdapDirectory {
    fn lookup<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Option<DirAccount>, DirError>> {
        Box::pin(async move {
            let s = self.settings(account)?;
            let found = deskside_password::lookup_account(&s, &self.service, &self.options)
                .await
                .map_err(|e| dir_error(&e))?;
            Ok(found.map(|a| DirAccount {
                dn: a.dn,
                recovery_address: a.recovery_address,
                primary_address: a.primary_address,
                disabled: a.disabled,
                protected: a.protected,
            }))
        })
    }

    fn reset<'a>(
        &'a self,
        account: &'a str,
        dn: &'a str,
        password: &'a Secret,
    ) -> BoxFuture<'a, Result<(), DirError>> {
        Box::pin(async move {
            let s = self.settings(account)?;
            let new = Password::from(password.expose().to_owned());
            // The local checks that need no directory policy (as for a Kerberos change): not
            // the account name, zxcvbn at least `password.min_strength`; the directory
            // judges length, complexity and history.
            let local = deskside_password::Policy {
                min_length: Some(1),
                complexity: false,
                history: None,
                max_age_s: None,
                min_age_s: None,
                lockout_threshold: None,
                min_strength: s.min_strength,
            };
            let checks = deskside_password::check_new_password(&local, &s.account, &new, &new);
            if let Some(reason) = checks.first_failure() {
                return Err(dir_error(&PasswordError::PolicyViolation {
                    reason,
                    detail: None,
                }));
            }
            deskside_password::admin_reset(&s, &self.service, dn, &new, self.must_change)
                .await
                .map_err(|e| dir_error(&e))
        })
    }

    fn unlock<'a>(&'a self, account: &'a str, dn: &'a str) -> BoxFuture<'a, Result<(), DirError>> {
        Box::pin(async move {
            let s = self.settings(account)?;
            deskside_password::admin_unlock(&s, &self.service, dn)
                .await
                .map_err(|e| dir_error(&e))
        })
    }

    fn check_password<'a>(
        &'a self,
        account: &'a str,
        password: &'a Secret,
    ) -> BoxFuture<'a, Result<bool, DirError>> {
        Box::pin(async move {
            let s = self.settings(account)?;
            let p = Password::from(password.expose().to_owned());
            match deskside_password::verify_password(&s, &p).await {
                Ok(()) => Ok(true),
                Err(PasswordError::WrongCurrentPassword) => Ok(false),
                Err(e) => Err(dir_error(&e)),
            }
        })
    }
}

/// Mail over SMTP (lettre).
#[derive(Debug)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl Mailer for SmtpMailer {
    fn send<'a>(
        &'a self,
        to: &'a str,
        subject: &'a str,
        body: &'a str,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let to: lettre::message::Mailbox = to
                .parse()
                .map_err(|e| format!("the recipient address is not valid: {e}"))?;
            let message = Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(subject)
                .header(ContentType::TEXT_PLAIN)
                .body(body.to_owned())
                .map_err(|e| format!("the mail cannot be built: {e}"))?;
            self.transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| format!("SMTP: {e}"))
        })
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The flows from the config; `Ok(None)` when `[reset] enabled` is false.
///
/// # Errors
/// A sentence naming the key that is missing or wrong.
pub fn build(config: &ServerConfig, core: &Core) -> Result<Option<ResetService>, String> {
    let r = &config.reset;
    if !r.enabled {
        return Ok(None);
    }
    match config.password.source.as_deref() {
        Some("ad" | "ldap") => {}
        other => {
            return Err(format!(
                "[reset] needs [password] source = \"ad\" or \"ldap\" (found {other:?})"
            ));
        }
    }
    if !(1..=2).contains(&r.factors) {
        return Err("reset.factors must be 1 or 2".to_owned());
    }
    let service = r
        .service_account
        .clone()
        .ok_or("reset.service_account is not set")?;
    let service_password = r
        .service_password
        .clone()
        .ok_or("reset.service_password is not set (use env:NAME)")?;
    if let Some(u) = &r.public_url
        && !(u.starts_with("https://")
            || u.starts_with("http://127.0.0.1")
            || u.starts_with("http://localhost"))
    {
        return Err(format!("reset.public_url must be https:// (found {u:?})"));
    }
    // Validate the directory settings once (any account name will do).
    let device_config = deskside_config::Config {
        password: config.password.clone(),
        ..deskside_config::Config::default()
    };
    let probe = Settings::resolve(&device_config, Some("probe")).map_err(|e| e.to_string())?;
    debug_assert!(matches!(probe.source, SourceKind::Ad | SourceKind::Ldap));
    let mail_codes = r.recovery_attribute.is_some();
    let mailer = if mail_codes || r.primary_attribute.is_some() {
        let host = r
            .smtp_host
            .clone()
            .ok_or("reset.smtp_host is not set (codes are mailed)")?;
        let from: lettre::message::Mailbox = r
            .mail_from
            .as_deref()
            .ok_or("reset.mail_from is not set")?
            .parse()
            .map_err(|e| format!("reset.mail_from is not a mail address: {e}"))?;
        let builder = match r.smtp_tls.as_str() {
            "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&host)
                .map_err(|e| format!("reset.smtp_host: {e}"))?
                .port(r.smtp_port.unwrap_or(587)),
            "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&host)
                .map_err(|e| format!("reset.smtp_host: {e}"))?
                .port(r.smtp_port.unwrap_or(465)),
            "none" if is_loopback(&host) => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&host)
                    .port(r.smtp_port.unwrap_or(25))
            }
            "none" => {
                return Err(
                    "reset.smtp_tls = \"none\" is allowed only for a loopback smtp_host".to_owned(),
                );
            }
            other => {
                return Err(format!(
                    "reset.smtp_tls must be starttls, tls or none (found {other:?})"
                ));
            }
        };
        let builder = match (&r.smtp_user, &r.smtp_password) {
            (Some(u), Some(p)) => builder.credentials(Credentials::new(u.clone(), p.clone())),
            _ => builder,
        };
        Arc::new(SmtpMailer {
            transport: builder.timeout(Some(Duration::from_secs(20))).build(),
            from,
        }) as Arc<dyn Mailer>
    } else {
        Arc::new(NoMail) as Arc<dyn Mailer>
    };
    let directory = LdapDirectory {
        config: device_config,
        service: ServiceAccount {
            bind: service,
            password: Password::from(service_password),
        },
        options: LookupOptions {
            recovery_attr: r.recovery_attribute.clone(),
            primary_attr: r.primary_attribute.clone(),
            protected_groups: r.protected_groups.clone(),
        },
        must_change: r.must_change,
    };
    let policy = ResetPolicy {
        factors_required: r.factors,
        public_url: r.public_url.clone(),
        must_change: r.must_change,
        mail_codes,
        per_account_per_hour: r.per_account_per_hour.max(1),
        per_ip_per_hour: r.per_ip_per_hour.max(1),
        per_address_per_hour: r.per_address_per_hour.max(1),
        per_device_per_hour: r.per_device_per_hour.max(1),
        totp_key: match &r.totp_key {
            Some(k) if k.len() < 32 => {
                return Err(
                    "reset.totp_key must be at least 32 characters (use env:NAME)".to_owned(),
                );
            }
            Some(k) => Some(Secret::new(k.clone())),
            None => None,
        },
        ..ResetPolicy::default()
    };
    Ok(Some(ResetService::new(
        core.clone(),
        policy,
        Arc::new(directory),
        mailer,
    )))
}

/// No mail configured: nothing is sent (only possible without a recovery attribute).
#[derive(Debug)]
struct NoMail;

impl Mailer for NoMail {
    fn send<'a>(
        &'a self,
        _to: &'a str,
        _subject: &'a str,
        _body: &'a str,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async { Ok(()) })
    }
}

/// Sends queued reset mails every 500 ms (or at once when woken), and purges old flows hourly.
pub async fn mail_forever(service: ResetService, wake: Arc<tokio::sync::Notify>) {
    let mut last_purge = std::time::Instant::now();
    loop {
        if let Err(e) = service.process_mail().await {
            tracing::error!(error = %e, "reset mail round failed");
        }
        if last_purge.elapsed() > Duration::from_secs(3600) {
            last_purge = std::time::Instant::now();
            if let Err(e) = service.purge().await {
                tracing::warn!(error = %e, "purging old reset flows failed");
            }
        }
        let _ = tokio::time::timeout(Duration::from_millis(500), wake.notified()).await;
    }
}
