//! E-mail over SMTP (lettre): the universal fallback, since every helpdesk accepts mail. One
//! `multipart/mixed` message: the text body, then the bundle and screenshot as attachments.
//! STARTTLS is required by default (`smtp_tls = "starttls"`), `tls` is SMTPS, and plain SMTP
//! (`none`) is accepted only for a server on this machine.
//!
//! The user is the requester through `Reply-To` (their mapped e-mail address, else the contact
//! they gave) and the `From` display name ("jdoe via Deskside"); the address stays the shared
//! sender, which the mail system lets Deskside send as. A mail-to-ticket gateway that keys the
//! requester on `From` files it as the shared sender: the body names the user then.
//!
//! SMTP cannot be searched, so duplicates are avoided by the receiver: the `Message-ID` is
//! derived from the idempotency key (`<KEY@deskside.invalid>`), which mail-to-ticket gateways
//! (RT, Redmine, Zammad, Zendesk) use to thread or drop a repeated message.

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::settings::SmtpTls;
use crate::{Connector, HelpdeskError, Lookup, Outgoing, Remote, Secret, SendError, Settings};

/// The e-mail connector.
#[derive(Debug)]
pub struct Email {
    host: String,
    port: u16,
    tls: SmtpTls,
    user: Option<String>,
    password: Option<Secret>,
    from: Mailbox,
    to: Mailbox,
    timeout: std::time::Duration,
}

fn mailbox(key: &'static str, value: &str) -> Result<Mailbox, HelpdeskError> {
    value
        .parse()
        .map_err(|e: lettre::address::AddressError| HelpdeskError::BadValue {
            key,
            value: value.to_owned(),
            expected: if e.to_string().is_empty() {
                "an e-mail address"
            } else {
                "an e-mail address such as helpdesk@corp.example"
            },
        })
}

pub(crate) fn is_local(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "::1" | "[::1]" | "localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl Email {
    /// From settings: `smtp_host`, `from`, `to`; `smtp_port`, `smtp_tls`, `smtp_user`,
    /// `smtp_password`.
    ///
    /// # Errors
    /// A missing key, a bad address, or plain SMTP to another machine.
    pub fn new(s: &Settings) -> Result<Self, HelpdeskError> {
        let host = Settings::need("email", "smtp_host", s.smtp_host.as_ref())?.clone();
        if s.smtp_tls == SmtpTls::None && !is_local(&host) {
            return Err(HelpdeskError::InsecureSmtp);
        }
        let port = s.smtp_port.unwrap_or(match s.smtp_tls {
            SmtpTls::StartTls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        });
        Ok(Self {
            host,
            port,
            tls: s.smtp_tls,
            user: s.smtp_user.clone(),
            password: s.smtp_password.clone(),
            from: mailbox("from", Settings::need("email", "from", s.from.as_ref())?)?,
            to: mailbox("to", Settings::need("email", "to", s.to.as_ref())?)?,
            timeout: s.timeout,
        })
    }

    /// The `Message-ID` for a key.
    #[must_use]
    pub fn message_id(key: &str) -> String {
        format!("<{key}@deskside.invalid>")
    }

    /// The message, as it will be sent.
    ///
    /// # Errors
    /// [`SendError::Permanent`] when the message cannot be built (a bad attachment type).
    pub fn message(&self, t: &Outgoing) -> Result<Message, SendError> {
        let from = match t.requester_login() {
            Some(login) => Mailbox::new(
                Some(format!("{login} via Deskside")),
                self.from.email.clone(),
            ),
            None => self.from.clone(),
        };
        let mut builder = Message::builder()
            .from(from)
            .to(self.to.clone())
            .subject(&t.subject)
            .message_id(Some(Self::message_id(&t.key)));
        if let Some(reply) = t.requester_email().and_then(|c| c.parse::<Mailbox>().ok()) {
            builder = builder.reply_to(reply);
        }
        let mut mixed = MultiPart::mixed().singlepart(SinglePart::plain(t.body.clone()));
        for a in &t.attachments {
            let ct = ContentType::parse(&a.content_type)
                .map_err(|e| SendError::permanent(format!("attachment {}: {e}", a.name)))?;
            mixed = mixed.singlepart(
                lettre::message::Attachment::new(a.name.clone()).body(a.data.clone(), ct),
            );
        }
        builder
            .multipart(mixed)
            .map_err(|e| SendError::permanent(format!("cannot build the e-mail: {e}")))
    }

    fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, SendError> {
        let builder = match self.tls {
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&self.host),
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&self.host),
            SmtpTls::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                &self.host,
            )),
        }
        .map_err(|e| SendError::permanent(format!("cannot set up SMTP to {}: {e}", self.host)))?;
        let mut builder = builder.port(self.port).timeout(Some(self.timeout));
        if let (Some(user), Some(pass)) = (&self.user, &self.password) {
            builder = builder.credentials(Credentials::new(user.clone(), pass.expose().to_owned()));
        }
        Ok(builder.build())
    }
}

impl Connector for Email {
    fn kind(&self) -> &'static str {
        "email"
    }

    fn lookup(&self) -> Lookup {
        Lookup::ReceiverDeduplicates
    }

    async fn test_setup(&self) -> Vec<crate::SetupStep> {
        use crate::{SetupStep, StepStatus};
        let transport = match self.transport() {
            Ok(t) => t,
            Err(e) => return super::setup_failed("reachable", &e.to_string()),
        };
        let at = format!("{}:{}", self.host, self.port);
        match transport.test_connection().await {
            Ok(true) => vec![
                SetupStep::new("reachable", StepStatus::Ok, format!("{at} answered")),
                SetupStep::new(
                    "credentials",
                    StepStatus::Ok,
                    if self.user.is_some() {
                        "the SMTP login was accepted"
                    } else {
                        "no SMTP login configured"
                    },
                ),
                SetupStep::new(
                    "permission",
                    StepStatus::NotChecked,
                    format!(
                        "whether {} accepts mail from {} shows only when one is sent",
                        self.to.email, self.from.email
                    ),
                ),
            ],
            Ok(false) => super::setup_failed(
                "reachable",
                &format!(
                    "{at} did not answer like a mail server; check helpdesk.smtp_host and smtp_port"
                ),
            ),
            Err(e) if e.is_permanent() => vec![
                SetupStep::new("reachable", StepStatus::Ok, format!("{at} answered")),
                SetupStep::new(
                    "credentials",
                    StepStatus::Failed,
                    format!("{e}; check helpdesk.smtp_user and smtp_password"),
                ),
            ],
            Err(e) => super::setup_failed(
                "reachable",
                &format!(
                    "cannot talk to {at}: {e}; check helpdesk.smtp_host, smtp_port and smtp_tls"
                ),
            ),
        }
    }

    async fn create(&self, t: &Outgoing) -> Result<Remote, SendError> {
        let message = self.message(t)?;
        let transport = self.transport()?;
        match transport.send(message).await {
            Ok(_) => Ok(Remote {
                id: Self::message_id(&t.key),
                url: None,
            }),
            Err(e) => {
                let reason = format!("sending the e-mail to {}:{}: {e}", self.host, self.port);
                if e.is_permanent() {
                    Err(SendError::permanent(format!(
                        "{reason}; check helpdesk.from, helpdesk.to and the SMTP login"
                    )))
                } else if e.is_transient() {
                    // A 4xx reply: the server refused for now and kept nothing.
                    Err(SendError::transient(reason, false))
                } else {
                    // Connection or TLS trouble: it may have broken after the message was taken.
                    Err(SendError::unreachable(reason, true))
                }
            }
        }
    }
}
