//! The connectors, one module per helpdesk, and [`Helpdesk`]: the configured one, chosen by
//! `helpdesk.kind`. Shared helpers for request shapes live here.

pub mod email;
pub mod freshservice;
pub mod glpi;
pub mod jsm;
pub mod redmine;
pub mod relay;
pub mod rt;
pub mod servicenow;
pub mod webhook;
pub mod zammad;
pub mod zendesk;

use serde_json::Value;

use crate::http::Http;
use crate::{
    Connector, HelpdeskError, Lookup, Outgoing, Remote, RemoteStatus, SendError, Settings,
    SetupStep, StepStatus,
};

/// The helpdesk chosen in the config.
#[derive(Debug)]
#[non_exhaustive]
pub enum Helpdesk {
    /// Request Tracker 5.
    Rt(rt::Rt),
    /// Redmine 5.
    Redmine(redmine::Redmine),
    /// Jira Service Management.
    Jsm(jsm::Jsm),
    /// Zendesk.
    Zendesk(zendesk::Zendesk),
    /// Freshservice.
    Freshservice(freshservice::Freshservice),
    /// ServiceNow.
    ServiceNow(servicenow::ServiceNow),
    /// GLPI.
    Glpi(glpi::Glpi),
    /// Zammad.
    Zammad(zammad::Zammad),
    /// A signed JSON webhook.
    Webhook(webhook::Webhook),
    /// E-mail over SMTP.
    Email(email::Email),
    /// The Deskside server's relay (`server.url`; built by [`relay::for_device`]).
    Relay(relay::Relay),
}

/// Builds the connector named by `settings.kind`.
///
/// # Errors
/// [`HelpdeskError`] naming the missing or wrong key.
pub fn from_config(settings: &Settings) -> Result<Helpdesk, HelpdeskError> {
    Ok(match settings.kind.as_str() {
        "rt" => Helpdesk::Rt(rt::Rt::new(settings)?),
        "redmine" => Helpdesk::Redmine(redmine::Redmine::new(settings)?),
        "jsm" => Helpdesk::Jsm(jsm::Jsm::new(settings)?),
        "zendesk" => Helpdesk::Zendesk(zendesk::Zendesk::new(settings)?),
        "freshservice" => Helpdesk::Freshservice(freshservice::Freshservice::new(settings)?),
        "servicenow" => Helpdesk::ServiceNow(servicenow::ServiceNow::new(settings)?),
        "glpi" => Helpdesk::Glpi(glpi::Glpi::new(settings)?),
        "zammad" => Helpdesk::Zammad(zammad::Zammad::new(settings)?),
        "webhook" => Helpdesk::Webhook(webhook::Webhook::new(settings)?),
        "email" => Helpdesk::Email(email::Email::new(settings)?),
        other => return Err(HelpdeskError::UnknownKind(other.to_owned())),
    })
}

macro_rules! each {
    ($self:expr, $c:ident => $body:expr) => {
        match $self {
            Helpdesk::Rt($c) => $body,
            Helpdesk::Redmine($c) => $body,
            Helpdesk::Jsm($c) => $body,
            Helpdesk::Zendesk($c) => $body,
            Helpdesk::Freshservice($c) => $body,
            Helpdesk::ServiceNow($c) => $body,
            Helpdesk::Glpi($c) => $body,
            Helpdesk::Zammad($c) => $body,
            Helpdesk::Webhook($c) => $body,
            Helpdesk::Email($c) => $body,
            Helpdesk::Relay($c) => $body,
        }
    };
}

impl Connector for Helpdesk {
    fn kind(&self) -> &'static str {
        each!(self, c => c.kind())
    }

    fn lookup(&self) -> Lookup {
        each!(self, c => c.lookup())
    }

    fn attaches_separately(&self) -> bool {
        each!(self, c => c.attaches_separately())
    }

    async fn create(&self, ticket: &Outgoing) -> Result<Remote, SendError> {
        each!(self, c => c.create(ticket).await)
    }

    async fn attach(&self, remote: &Remote, ticket: &Outgoing) -> Result<(), SendError> {
        each!(self, c => c.attach(remote, ticket).await)
    }

    async fn find_by_key(&self, ticket: &Outgoing) -> Result<Option<Remote>, SendError> {
        check_key(&ticket.key)?;
        each!(self, c => c.find_by_key(ticket).await)
    }

    async fn status(&self, remote: &Remote) -> Result<Option<RemoteStatus>, SendError> {
        each!(self, c => c.status(remote).await)
    }

    async fn test_setup(&self) -> Vec<SetupStep> {
        each!(self, c => c.test_setup().await)
    }
}

/// A set-up test that failed at `step` before anything could be asked.
pub(crate) fn setup_failed(step: &str, detail: &str) -> Vec<SetupStep> {
    vec![SetupStep::new(step, StepStatus::Failed, detail)]
}

/// One authenticated read for a set-up test: the `reachable` and `credentials` steps, and the
/// answer when both passed (the caller then judges `permission`). `credential` names the
/// config key to fix when the credentials are refused.
pub(crate) async fn probe_read(
    http: &Http,
    request: reqwest::RequestBuilder,
    credential: &str,
) -> (Vec<SetupStep>, Option<Value>) {
    let base = http.base().as_str().to_owned();
    let (status, answer) = match http.send_raw(request, "testing the helpdesk").await {
        Ok(x) => x,
        Err(e) => {
            return (
                vec![
                    SetupStep::new(
                        "reachable",
                        StepStatus::Failed,
                        format!(
                            "{e}; check helpdesk.url ({base}) and that the helpdesk is running and reachable from this computer"
                        ),
                    ),
                    SetupStep::new(
                        "credentials",
                        StepStatus::NotChecked,
                        "the helpdesk was not reached",
                    ),
                ],
                None,
            );
        }
    };
    let reachable = SetupStep::new(
        "reachable",
        StepStatus::Ok,
        format!("{base} answered (HTTP {})", status.as_u16()),
    );
    let excerpt = crate::http::excerpt(&answer.body);
    let code = status.as_u16();
    let refused = |detail: String| SetupStep::new("credentials", StepStatus::Failed, detail);
    match code {
        200..=299 => {
            let v = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
            (
                vec![
                    reachable,
                    SetupStep::new("credentials", StepStatus::Ok, "accepted"),
                ],
                Some(v),
            )
        }
        401 => (
            vec![
                reachable,
                refused(format!("refused (HTTP 401){excerpt}; check {credential}")),
            ],
            None,
        ),
        403 | 404 => (
            vec![
                reachable,
                SetupStep::new("credentials", StepStatus::Ok, "not refused outright"),
                SetupStep::new(
                    "permission",
                    StepStatus::Failed,
                    format!(
                        "the account may not read where tickets go (HTTP {code}){excerpt}; check the queue, project or desk ids in [helpdesk] and the account's rights there"
                    ),
                ),
            ],
            None,
        ),
        _ => (
            vec![SetupStep::new(
                "reachable",
                StepStatus::Failed,
                format!(
                    "{base} answered HTTP {code}{excerpt}; check helpdesk.url: it should be the helpdesk's base address"
                ),
            )],
            None,
        ),
    }
}

/// [`probe_read`] where a successful read is the permission check itself.
pub(crate) async fn probe(
    http: &Http,
    request: reqwest::RequestBuilder,
    credential: &str,
    what: &str,
) -> Vec<SetupStep> {
    let (mut steps, answer) = probe_read(http, request, credential).await;
    if answer.is_some() {
        steps.push(SetupStep::new(
            "permission",
            StepStatus::Ok,
            format!("the account can read {what}"),
        ));
    }
    steps
}

/// Keys go into search queries: only UUID characters are accepted, so no query can be
/// injected through one.
pub(crate) fn check_key(key: &str) -> Result<(), SendError> {
    if (8..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
        Ok(())
    } else {
        Err(SendError::permanent(format!(
            "the ticket's idempotency key {key:?} is not a UUID"
        )))
    }
}

/// Some mocks (and some proxies) answer a JSON document as a JSON string; read through it.
pub(crate) fn unwrap_stringified(v: Value) -> Value {
    match &v {
        Value::String(s) if s.trim_start().starts_with(['{', '[']) => {
            serde_json::from_str(s).unwrap_or(v)
        }
        _ => v,
    }
}

/// An id that may be a JSON number or string.
pub(crate) fn id_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The ticket's `status` with the reply `last` (a comment, journal or follow-up object) if
/// there is one: its text at the JSON pointer `text`, its time at `at`.
pub(crate) fn reply_status(
    status: &str,
    last: Option<&Value>,
    text: &str,
    at: &str,
) -> RemoteStatus {
    let field = |pointer: &str| {
        last.and_then(|x| x.pointer(pointer))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    RemoteStatus {
        status: status.to_owned(),
        last_reply: field(text),
        last_reply_at: field(at),
    }
}

/// "the answer had no ticket id": a 2xx without what we need means the ticket may exist.
pub(crate) fn no_id(what: &str) -> SendError {
    SendError::transient(
        format!("{what}: the helpdesk answered without a ticket id"),
        true,
    )
}

/// Base64 of attachment bytes, for JSON bodies.
pub(crate) fn b64(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// The body as simple HTML, for helpdesks whose description field is HTML.
pub(crate) fn html_body(text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!("<pre>{escaped}</pre>")
}

/// A multipart file part.
pub(crate) fn file_part(
    a: &deskside_evidence::Attachment,
) -> Result<reqwest::multipart::Part, SendError> {
    reqwest::multipart::Part::bytes(a.data.clone())
        .file_name(a.name.clone())
        .mime_str(&a.content_type)
        .map_err(|e| SendError::permanent(format!("attachment {}: {e}", a.name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_must_look_like_uuids() {
        assert!(check_key("0f8fad5b-d9cb-469f-a165-70867728950e").is_ok());
        assert!(check_key("x' OR 1=1 --").is_err());
        assert!(check_key("").is_err());
    }

    #[test]
    fn stringified_json_is_read_through() {
        let v = unwrap_stringified(Value::String("{\"id\": 3}".into()));
        assert_eq!(id_of(v.get("id")), Some("3".into()));
        assert_eq!(unwrap_stringified(Value::String("plain".into())), "plain");
    }
}
