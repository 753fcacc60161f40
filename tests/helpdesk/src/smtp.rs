//! The SMTP sink: aiosmtpd on a loopback port storing every message it accepts in a Maildir,
//! and the messages parsed back (MIME, attachments decoded) for the tests.

use std::path::Path;
use std::time::Duration;

use mail_parser::{MessageParser, MimeHeaders as _};

use crate::process::{Supervised, start_on_fresh_port};
use crate::{RemoteFile, Result};

const NAME: &str = "SMTP sink";

/// A received message, parsed.
#[derive(Debug, Clone)]
pub struct Mail {
    /// `Subject`.
    pub subject: String,
    /// `From` addresses.
    pub from: Vec<String>,
    /// `To` addresses.
    pub to: Vec<String>,
    /// The first text/plain body part.
    pub text: String,
    /// Attachments, decoded.
    pub attachments: Vec<RemoteFile>,
    /// The message as received (headers and encoded body).
    pub raw: Vec<u8>,
}

/// A running aiosmtpd.
#[derive(Debug)]
pub struct SmtpSink {
    dir: tempfile::TempDir,
    port: u16,
    server: Supervised,
}

impl SmtpSink {
    /// Starts the sink on a free loopback port.
    ///
    /// # Errors
    /// [`crate::HarnessError`] when it does not start or the port is taken.
    pub fn start() -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("deskside-smtp-")
            .tempdir()?;
        let maildir = dir.path().to_owned();
        let (port, server) = start_on_fresh_port(
            NAME,
            |port| {
                vec![
                    "smtp-run".into(),
                    maildir.clone().into(),
                    port.to_string().into(),
                ]
            },
            &dir.path().join("server.log"),
            Duration::from_secs(30),
        )?;
        Ok(Self { dir, port, server })
    }

    /// The port.
    #[must_use]
    pub const fn port(&self) -> u16 {
        self.port
    }

    /// The socket address, for a bridge's upstream.
    #[must_use]
    pub fn addr(&self) -> std::net::SocketAddr {
        std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, self.port))
    }

    /// The `[helpdesk]` config section for the e-mail connector sending to 127.0.0.1:`port`
    /// (this sink, or a bridge to it).
    #[must_use]
    pub fn helpdesk_toml(port: u16, from: &str, to: &str) -> String {
        format!(
            "[helpdesk]\nkind = \"email\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\n\
             smtp_tls = \"none\"\nfrom = \"{from}\"\nto = \"{to}\"\ntimeout_s = 10\n"
        )
    }

    /// Every message received so far, oldest first.
    ///
    /// # Errors
    /// [`crate::HarnessError::Io`] when the Maildir cannot be read.
    pub fn messages(&self) -> Result<Vec<Mail>> {
        let mut files = Vec::new();
        for sub in ["new", "cur"] {
            let d = self.dir.path().join("maildir").join(sub);
            if !d.is_dir() {
                continue;
            }
            for entry in std::fs::read_dir(&d)? {
                let path = entry?.path();
                let modified = std::fs::metadata(&path)?.modified()?;
                files.push((modified, path));
            }
        }
        files.sort();
        files.iter().map(|(_, p)| parse(p)).collect()
    }

    /// Logs of the sink (for failure messages).
    #[must_use]
    pub fn log_tail(&self) -> String {
        format!("{}: {}", self.server.server(), self.server.log_tail())
    }
}

fn parse(path: &Path) -> Result<Mail> {
    let raw = std::fs::read(path)?;
    let Some(msg) = MessageParser::default().parse(&raw) else {
        return Ok(Mail {
            subject: String::new(),
            from: Vec::new(),
            to: Vec::new(),
            text: String::new(),
            attachments: Vec::new(),
            raw,
        });
    };
    let addrs = |a: Option<&mail_parser::Address<'_>>| -> Vec<String> {
        a.map(|a| {
            a.iter()
                .filter_map(|x| x.address().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
    };
    let attachments = msg
        .attachments()
        .map(|part| RemoteFile {
            name: part.attachment_name().unwrap_or_default().to_owned(),
            content_type: part
                .content_type()
                .map(|ct| match ct.subtype() {
                    Some(sub) => format!("{}/{sub}", ct.ctype()),
                    None => ct.ctype().to_owned(),
                })
                .unwrap_or_default(),
            data: part.contents().to_vec(),
        })
        .collect();
    Ok(Mail {
        subject: msg.subject().unwrap_or_default().to_owned(),
        from: addrs(msg.from()),
        to: addrs(msg.to()),
        text: msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
        attachments,
        raw,
    })
}
