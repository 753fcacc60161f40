//! A signed JSON webhook for in-house systems: one `POST` of the whole ticket
//! (`deskside.ticket/1`, attachments base64) with
//! `X-Deskside-Timestamp: <unix seconds>` and
//! `X-Deskside-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`, so the
//! receiver can check who sent it and reject replays older than a few minutes. The receiver
//! de-duplicates by the `Idempotency-Key` header (also `key` in the body); it may answer
//! `{"id": …, "url": …}` to give the ticket a number.

use hmac::{Hmac, Mac};
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};
use sha2::Sha256;

use super::{b64, id_of, unwrap_stringified};
use crate::http::Http;
use crate::{Connector, HelpdeskError, Lookup, Outgoing, Remote, Secret, SendError, Settings};

/// Schema of the webhook body.
pub const SCHEMA: &str = "deskside.ticket/1";

/// The webhook connector.
#[derive(Debug)]
pub struct Webhook {
    http: Http,
    url: url::Url,
    secret: Secret,
}

/// `sha256=<hex>` of HMAC-SHA256 over `"<timestamp>.<body>"`.
#[must_use]
pub fn sign(secret: &[u8], timestamp: u64, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(m) => m,
        // HMAC accepts keys of any length; this arm cannot be reached.
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

impl Webhook {
    /// From settings: `url`, `secret`.
    ///
    /// # Errors
    /// A missing key.
    pub fn new(s: &Settings) -> Result<Self, HelpdeskError> {
        let url = s.need_url("webhook")?.clone();
        Ok(Self {
            http: Http::new(&url, s.timeout)?,
            url,
            secret: Settings::need("webhook", "secret", s.secret.as_ref())?.clone(),
        })
    }

    /// The JSON body.
    #[must_use]
    pub fn body(t: &Outgoing) -> Value {
        json!({
            "schema": SCHEMA,
            "key": t.key,
            "subject": t.subject,
            "body": t.body,
            "urgency": t.urgency,
            "category": t.category,
            "contact": t.contact,
            "requester": t.requester,
            "attachments": t.attachments.iter().map(|a| json!({
                "name": a.name,
                "content_type": a.content_type,
                "data_base64": b64(&a.data),
            })).collect::<Vec<_>>(),
        })
    }
}

impl Connector for Webhook {
    fn kind(&self) -> &'static str {
        "webhook"
    }

    fn lookup(&self) -> Lookup {
        Lookup::ReceiverDeduplicates
    }

    async fn create(&self, t: &Outgoing) -> Result<Remote, SendError> {
        let what = "posting the ticket to the webhook";
        let body = serde_json::to_vec(&Self::body(t))
            .map_err(|e| SendError::permanent(format!("{what}: {e}")))?;
        let ts = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let signature = sign(self.secret.expose().as_bytes(), ts, &body);
        let rb = self
            .http
            .client
            .post(self.url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header("Idempotency-Key", &t.key)
            .header("X-Deskside-Timestamp", ts.to_string())
            .header("X-Deskside-Signature", signature)
            .body(body);
        let answer = self.http.send(rb, what).await?;
        let v = serde_json::from_slice::<Value>(&answer.body)
            .map(unwrap_stringified)
            .ok();
        let id = v
            .as_ref()
            .and_then(|v| id_of(v.get("id")))
            .unwrap_or_else(|| t.key.clone());
        let url = v
            .as_ref()
            .and_then(|v| v.get("url"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let _ = answer.headers;
        Ok(Remote { id, url })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231 test case 2, with our "<ts>." prefix folded into the data.
    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_body() {
        // HMAC-SHA256("Jefe", "what do ya want for nothing?") from RFC 4231.
        let sig = sign(b"Jefe", 0, b"what do ya want for nothing?");
        // Data here is "0." + body, so compute the expected value the long way.
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap_or_else(|_| unreachable!());
        mac.update(b"0.what do ya want for nothing?");
        assert_eq!(
            sig,
            format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
        );
        let mut plain = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap_or_else(|_| unreachable!());
        plain.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(plain.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
