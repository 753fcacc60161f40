//! The reachability probe: can a TCP connection to the helpdesk be opened at all? It is what
//! lets a ticket leave seconds after a short outage instead of after its backoff: the
//! background worker probes every few seconds while tickets wait for an unreachable helpdesk,
//! and `outbox flush` probes once before sending. A probe sends no request, so it never
//! creates anything and costs the helpdesk one accepted connection.

use std::time::Duration;

use deskside_helpdesk::{Settings, SmtpTls};

/// Where the helpdesk listens: the host and port a ticket is sent to (the REST API's URL, or
/// the SMTP server for `kind = "email"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Host name or IP address.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

impl Endpoint {
    /// The helpdesk's endpoint, from the connector settings; `None` when they name none.
    #[must_use]
    pub fn of(settings: &Settings) -> Option<Self> {
        if let Some(url) = &settings.url {
            return Some(Self {
                host: url.host_str()?.trim_matches(['[', ']']).to_owned(),
                port: url.port_or_known_default()?,
            });
        }
        let host = settings.smtp_host.clone()?;
        let port = settings.smtp_port.unwrap_or(match settings.smtp_tls {
            SmtpTls::StartTls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        });
        Some(Self { host, port })
    }

    /// Where this device sends tickets: the Deskside server when `server.url` is set (its
    /// relay), else the `[helpdesk]` endpoint. Reads no secret.
    #[must_use]
    pub fn for_device(config: &deskside_config::Config) -> Option<Self> {
        let from_url = |text: &str| {
            let url = url::Url::parse(text).ok()?;
            Some(Self {
                host: url.host_str()?.trim_matches(['[', ']']).to_owned(),
                port: url.port_or_known_default()?,
            })
        };
        if let Some(server) = config
            .server
            .url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
        {
            return from_url(server);
        }
        let h = &config.helpdesk;
        if let Some(url) = h.url.as_deref() {
            return from_url(url);
        }
        let host = h.smtp_host.clone()?;
        let port =
            h.smtp_port
                .and_then(|p| u16::try_from(p).ok())
                .unwrap_or(match h.smtp_tls.as_str() {
                    "tls" => 465,
                    "none" => 25,
                    _ => 587,
                });
        Some(Self { host, port })
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Whether a TCP connection to `endpoint` opens within `timeout` (name resolution included).
/// The connection is closed at once.
pub async fn probe(endpoint: &Endpoint, timeout: Duration) -> bool {
    let target = (endpoint.host.as_str(), endpoint.port);
    let connect = async {
        let addrs = tokio::net::lookup_host(target).await?;
        let mut last = std::io::Error::other("the name resolved to no address");
        for addr in addrs {
            match tokio::net::TcpStream::connect(addr).await {
                Ok(_) => return Ok(()),
                Err(e) => last = e,
            }
        }
        Err(last)
    };
    match tokio::time::timeout(timeout, connect).await {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::debug!(%endpoint, error = %e, "helpdesk not reachable");
            false
        }
        Err(_) => {
            tracing::debug!(%endpoint, "helpdesk probe timed out");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_is_the_url_or_the_smtp_server() {
        let s = Settings::new("rt", Some("https://rt.corp.example/rt/".parse().unwrap()));
        assert_eq!(
            Endpoint::of(&s),
            Some(Endpoint {
                host: "rt.corp.example".into(),
                port: 443
            })
        );
        let s = Settings::new("rt", Some("http://[::1]:8080/".parse().unwrap()));
        let e = Endpoint::of(&s).unwrap();
        assert_eq!((e.host.as_str(), e.port), ("::1", 8080));
        assert_eq!(e.to_string(), "[::1]:8080");
        let mut s = Settings::new("email", None);
        s.smtp_host = Some("smtp.corp.example".into());
        s.smtp_tls = SmtpTls::Tls;
        assert_eq!(
            Endpoint::of(&s).unwrap().to_string(),
            "smtp.corp.example:465"
        );
        assert_eq!(Endpoint::of(&Settings::new("webhook", None)), None);
    }

    #[tokio::test]
    async fn a_listening_port_answers_and_a_closed_one_does_not() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let open = Endpoint {
            host: "127.0.0.1".into(),
            port,
        };
        assert!(probe(&open, Duration::from_secs(2)).await);
        drop(listener);
        assert!(!probe(&open, Duration::from_secs(2)).await);
    }
}
