//! The two renderings of a bundle: the short human summary at the top of the ticket body (root
//! cause first, then the key facts an agent needs in the first ten seconds) and the attachments
//! (the JSON document and the screenshot). Connectors send exactly what [`render`] returns, and
//! the preview shows exactly the same, so what the user approved is what is sent.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    BUNDLE_FILE, Bundle, EvidenceError, Fact, SCHEMA, SCREENSHOT_FILE, Summary, TicketRequest,
};

/// One file attached to a ticket.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// File name.
    pub name: String,
    /// MIME type.
    pub content_type: String,
    /// The bytes.
    pub data: Vec<u8>,
}

impl std::fmt::Debug for Attachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attachment")
            .field("name", &self.name)
            .field("content_type", &self.content_type)
            .field("bytes", &self.data.len())
            .finish()
    }
}

/// What a connector sends: subject, plain-text body and attachments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rendered {
    /// The ticket title.
    pub subject: String,
    /// The ticket body: summary, the user's words, what is attached.
    pub body: String,
    /// The JSON bundle, then the screenshot if any.
    pub attachments: Vec<Attachment>,
}

/// Renders the bundle into what is sent.
///
/// # Errors
/// Only if JSON encoding fails.
pub fn render(bundle: &Bundle) -> Result<Rendered, EvidenceError> {
    let json = bundle.to_json()?;
    let mut attachments = vec![Attachment {
        name: BUNDLE_FILE.to_owned(),
        content_type: "application/json".to_owned(),
        data: json,
    }];
    if let Some(png) = &bundle.screenshot_png {
        attachments.push(Attachment {
            name: SCREENSHOT_FILE.to_owned(),
            content_type: "image/png".to_owned(),
            data: png.clone(),
        });
    }
    Ok(Rendered {
        subject: bundle.request.subject.clone(),
        body: body(bundle),
        attachments,
    })
}

fn body(b: &Bundle) -> String {
    let mut out = String::from("Deskside summary\n================\n");
    let s = &b.summary;
    match (&s.headline, &s.root_cause) {
        (Some(h), Some(id)) => out.push_str(&format!("Root cause: {h} (check {id})\n")),
        (Some(h), None) => out.push_str(&format!("Diagnosis: {h}\n")),
        (None, _) => out.push_str("Root cause: not diagnosed (no diagnosis attached)\n"),
    }
    if let Some(detail) = &s.detail {
        out.push_str(&format!("  {detail}\n"));
    }
    for fact in &s.facts {
        out.push_str(&format!("{}: {}\n", fact.label, fact.value));
    }
    out.push_str("\nWhat the user wrote\n-------------------\n");
    out.push_str(b.request.description.trim_end());
    out.push_str("\n\nEvidence\n--------\n");
    out.push_str(&format!("{BUNDLE_FILE} ({SCHEMA}): {}\n", contents(b)));
    if let Some(shot) = &b.screenshot {
        out.push_str(&format!(
            "{} ({} bytes, metadata removed)\n",
            shot.file, shot.bytes
        ));
    }
    for o in &b.omitted {
        out.push_str(&format!("Left out: {} ({})\n", o.part.as_str(), o.reason));
    }
    for t in &b.truncations {
        out.push_str(&format!("Cut: {t}\n"));
    }
    let r = b.redactions;
    if r.secrets + r.personal > 0 {
        out.push_str(&format!(
            "Hidden before sending: {} secret(s), {} personal value(s)\n",
            r.secrets, r.personal
        ));
    }
    out
}

fn contents(b: &Bundle) -> String {
    let mut parts = Vec::new();
    if b.device.is_some() {
        parts.push("device snapshot".to_owned());
    }
    if b.diagnosis.is_some() {
        parts.push("diagnosis".to_owned());
    }
    let count =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    if !b.fixes.is_empty() {
        parts.push(count(b.fixes.len(), "fix result", "fix results"));
    }
    if !b.audit.is_empty() {
        parts.push(count(b.audit.len(), "audit entry", "audit entries"));
    }
    if !b.logs.is_empty() {
        let names: Vec<&str> = b.logs.iter().map(|l| l.name.as_str()).collect();
        parts.push(format!("logs {}", names.join(", ")));
    }
    if parts.is_empty() {
        "the user's text only".to_owned()
    } else {
        parts.join(", ")
    }
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// The summary from the (already redacted) parts.
pub(crate) fn summarize(
    req: &TicketRequest,
    device: Option<&Value>,
    diagnosis: Option<&Value>,
    fixes: &[Value],
    created_at: &str,
) -> Summary {
    let mut s = Summary::default();
    if let Some(d) = diagnosis {
        s.root_cause = str_at(d, "/diagnosis/root_cause").map(str::to_owned);
        s.headline = str_at(d, "/diagnosis/headline").map(str::to_owned);
        let mut detail = str_at(d, "/diagnosis/summary").map(str::to_owned);
        if let Some(id) = &s.root_cause
            && let Some(check) = d
                .get("checks")
                .and_then(Value::as_array)
                .and_then(|cs| cs.iter().find(|c| str_at(c, "/id") == Some(id.as_str())))
        {
            let finding = [str_at(check, "/summary"), str_at(check, "/advice")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            if !finding.is_empty() {
                detail = Some(match detail {
                    Some(d) => format!("{d} Finding: {finding}"),
                    None => finding,
                });
            }
        }
        s.detail = detail;
    }
    let mut fact = |label: &str, value: String| {
        if !value.trim().is_empty() {
            s.facts.push(Fact {
                label: label.to_owned(),
                value,
            });
        }
    };
    if let Some(d) = device {
        let hw: Vec<&str> = [str_at(d, "/hardware/vendor"), str_at(d, "/hardware/model")]
            .into_iter()
            .flatten()
            .collect();
        let host = str_at(d, "/hostname").unwrap_or("unknown host");
        fact(
            "Device",
            if hw.is_empty() {
                host.to_owned()
            } else {
                format!("{host} ({})", hw.join(" "))
            },
        );
        let os: Vec<&str> = [str_at(d, "/os/name"), str_at(d, "/os/version")]
            .into_iter()
            .flatten()
            .collect();
        fact("OS", os.join(" "));
        fact("User", str_at(d, "/user").unwrap_or("").to_owned());
        fact("Network", network_line(d));
        let vpn: Vec<&str> = d
            .get("vpn_interfaces")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        fact(
            "VPN",
            if vpn.is_empty() {
                "no VPN interface".to_owned()
            } else {
                vpn.join(", ")
            },
        );
    }
    let when = diagnosis
        .and_then(|d| str_at(d, "/started_at"))
        .map_or_else(
            || format!("reported {created_at}"),
            |at| format!("reported {created_at}, diagnosed {at}"),
        );
    fact("When", when);
    fact("Urgency", req.urgency.as_str().to_owned());
    fact("Category", req.category.clone().unwrap_or_default());
    fact("Contact", req.contact.clone().unwrap_or_default());
    let tried: Vec<String> = fixes
        .iter()
        .filter_map(|f| {
            let id = ["/id", "/fix", "/fix_id"]
                .iter()
                .find_map(|p| str_at(f, p))?;
            let outcome = ["/status", "/outcome", "/result"]
                .iter()
                .find_map(|p| str_at(f, p));
            Some(outcome.map_or_else(|| id.to_owned(), |o| format!("{id} ({o})")))
        })
        .collect();
    fact("Fixes tried", tried.join(", "));
    s
}

/// `wlan0 up 192.168.1.23/24; DNS 192.168.1.1`: the non-loopback links that are up.
fn network_line(device: &Value) -> String {
    let mut links = Vec::new();
    for iface in device
        .pointer("/network/interfaces")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if str_at(iface, "/kind") == Some("loopback") || str_at(iface, "/state") != Some("up") {
            continue;
        }
        let name = str_at(iface, "/name").unwrap_or("?");
        let addrs: Vec<String> = iface
            .get("addresses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| {
                let addr = a.get("addr").and_then(Value::as_str)?;
                Some(match a.get("prefix_len").and_then(Value::as_u64) {
                    Some(p) => format!("{addr}/{p}"),
                    None => addr.to_owned(),
                })
            })
            .collect();
        links.push(if addrs.is_empty() {
            format!("{name} up, no address")
        } else {
            format!("{name} up {}", addrs.join(" "))
        });
    }
    let mut line = if links.is_empty() {
        "no network link up".to_owned()
    } else {
        links.join(", ")
    };
    let dns: Vec<&str> = device
        .pointer("/network/dns/servers")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !dns.is_empty() {
        line.push_str(&format!("; DNS {}", dns.join(" ")));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{device, diagnosis};
    use crate::{BuildOptions, Evidence, Urgency, build};

    #[test]
    fn body_starts_with_the_root_cause_then_key_facts() {
        let req = TicketRequest {
            subject: "VPN drops".into(),
            description: "It drops.".into(),
            urgency: Urgency::High,
            ..TicketRequest::default()
        };
        let evidence = Evidence {
            device: Some(device()),
            diagnosis: Some(diagnosis()),
            ..Evidence::default()
        };
        let now = time::OffsetDateTime::from_unix_timestamp(1_790_000_000).unwrap();
        let b = build(&req, evidence, &BuildOptions::default(), now).unwrap();
        let r = render(&b).unwrap();
        let lines: Vec<&str> = r.body.lines().collect();
        assert_eq!(
            lines[2],
            "Root cause: The VPN is not working. (check vpn.tunnel)"
        );
        assert!(lines[3].contains("Reconnect the VPN."), "{}", lines[3]);
        assert_eq!(lines[4], "Device: pc-042 (Dell Inc. Latitude 5440)");
        assert_eq!(lines[5], "OS: Debian GNU/Linux 12");
        assert_eq!(lines[6], "User: jdoe");
        assert_eq!(
            lines[7],
            "Network: wlan0 up 192.168.1.23/24; DNS 192.168.1.1"
        );
        assert_eq!(lines[8], "VPN: wg0");
        assert!(
            lines[9].starts_with("When: reported 2026-09-21T"),
            "{}",
            lines[9]
        );
        assert!(r.body.contains("It drops."));
        assert!(
            r.body
                .contains("deskside-bundle.json (deskside.bundle/1): device snapshot, diagnosis")
        );
        assert_eq!(r.attachments.len(), 1);
        assert_eq!(r.attachments[0].content_type, "application/json");
        assert_eq!(r.subject, "VPN drops");
    }

    #[test]
    fn personal_redaction_reaches_the_summary() {
        let req = TicketRequest {
            subject: "Help".into(),
            description: "My files in /home/jdoe/Documents vanished".into(),
            ..TicketRequest::default()
        };
        let evidence = Evidence {
            device: Some(device()),
            ..Evidence::default()
        };
        let mut options = BuildOptions::default();
        options.policy.redact_personal = true;
        let now = time::OffsetDateTime::from_unix_timestamp(1_790_000_000).unwrap();
        let b = build(&req, evidence, &options, now).unwrap();
        let r = render(&b).unwrap();
        let all = format!(
            "{}{}",
            r.body,
            String::from_utf8_lossy(&r.attachments[0].data)
        );
        for personal in ["jdoe", "SN7Q2X9", "aa:bb:cc:00:11:22"] {
            assert!(!all.contains(personal), "{personal} survived");
        }
        assert!(r.body.contains("User: <user>"));
        assert!(b.redactions.personal >= 4);
    }
}
