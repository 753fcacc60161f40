//! The two renderings of a bundle: the ticket a technician reads and the attachments (the JSON
//! document, which stays the complete record, and the screenshot). Connectors send exactly what
//! [`render`] returns, and the preview shows exactly the same, so what the user approved is what
//! is sent.
//!
//! The body follows the order a technician works in, so it reads in ten seconds: who reported
//! it; what the user reported (their words only); what was checked (each check once, by title,
//! with passed / warning / failed / not checked and why); what was found (the root cause with the
//! evidence that matters: the upstream DNS server behind a local stub, the gateway, the VPN peer,
//! the full volume); what was done (fixes by title, before and after); then the device facts.
//! Nothing is printed twice. The subject carries a short device/user tag and the root cause.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::{OffsetDateTime, UtcOffset};

use crate::{
    BUNDLE_FILE, BuildOptions, Bundle, EvidenceError, Fact, MAX_SUBJECT_CHARS, Requester, SCHEMA,
    SCREENSHOT_FILE, Summary, cut_chars,
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

/// What a connector sends: subject, plain-text body and attachments, and who it is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rendered {
    /// The ticket title: `[device/user] root cause: the user's subject`.
    pub subject: String,
    /// The ticket body, in the technician's order.
    pub body: String,
    /// The JSON bundle, then the screenshot if any.
    pub attachments: Vec<Attachment>,
    /// The category: the user's, else the one the root cause maps to.
    #[serde(default)]
    pub category: Option<String>,
    /// Who the ticket is filed for.
    #[serde(default)]
    pub requester: Option<Requester>,
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
        subject: subject(bundle),
        body: body(bundle),
        attachments,
        category: bundle.request.category.clone(),
        requester: bundle.requester.clone(),
    })
}

/// A technician's title for a check id; unknown ids are shown as they are.
#[must_use]
pub fn check_title(id: &str) -> &str {
    match id {
        "net.interface" => "Network adapter",
        "net.address" => "IP address",
        "net.gateway" => "Router",
        "net.dns" => "Name lookup (DNS)",
        "net.captive_portal" => "Sign-in page (captive portal)",
        "net.internet" => "Internet access",
        "net.proxy" => "Proxy",
        "net.quality" => "Connection quality",
        "net.mtu" => "Large packets (MTU)",
        "system.clock" => "Clock",
        "vpn.tunnel" => "VPN connection",
        "vpn.routes" => "VPN routes",
        "vpn.dns" => "Company name lookup",
        "vpn.reachability" => "Company sites",
        "disk.space" => "Disk space",
        "disk.inodes" => "Room for new files",
        "disk.temp" => "Temporary files",
        "system.uptime" => "Last restart",
        other => other,
    }
}

/// `[pc-042/jdoe] Name lookup (DNS): Cannot open the intranet`.
fn subject(b: &Bundle) -> String {
    let tag: Vec<&str> = b
        .device
        .as_ref()
        .map(|d| {
            [str_at(d, "/hostname"), str_at(d, "/user")]
                .into_iter()
                .flatten()
                // A value hidden by personal-data redaction says nothing in a title.
                .filter(|v| !v.starts_with('<'))
                .collect()
        })
        .unwrap_or_default();
    let mut out = String::new();
    if !tag.is_empty() {
        out.push_str(&format!("[{}] ", tag.join("/")));
    }
    if let Some(cause) = &b.summary.root_cause {
        out.push_str(&format!("{}: ", check_title(cause)));
    }
    out.push_str(&b.request.subject);
    cut_chars(&out, MAX_SUBJECT_CHARS)
}

fn heading(out: &mut String, title: &str) {
    out.push_str(&format!(
        "\n{title}\n{}\n",
        "-".repeat(title.chars().count())
    ));
}

fn body(b: &Bundle) -> String {
    let mut out = String::from("Deskside summary\n================\n");
    out.push_str(&format!("Reported by: {}\n", reporter(b)));
    let mut line = vec![format!("Urgency: {}", b.request.urgency.as_str())];
    if let Some(c) = &b.request.category {
        line.push(format!("Category: {c}"));
    }
    if let Some(c) = &b.request.contact {
        line.push(format!("Contact: {c}"));
    }
    out.push_str(&line.join(" · "));
    out.push('\n');

    heading(&mut out, "What the user reported");
    out.push_str(b.request.description.trim_end());
    out.push('\n');

    heading(&mut out, "What was checked");
    out.push_str(&checked(b));

    heading(&mut out, "What was found");
    out.push_str(&found(b));

    heading(&mut out, "What was done");
    out.push_str(&done(b));

    if !b.summary.facts.is_empty() {
        heading(&mut out, "Device");
        for fact in &b.summary.facts {
            out.push_str(&format!("{}: {}\n", fact.label, fact.value));
        }
    }

    heading(&mut out, "Attached");
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

/// `jdoe <jdoe@corp.example> on pc-042`, or why no address is known.
fn reporter(b: &Bundle) -> String {
    let host = b.device.as_ref().and_then(|d| str_at(d, "/hostname"));
    let on = host.map(|h| format!(" on {h}")).unwrap_or_default();
    match &b.requester {
        Some(Requester {
            login,
            email: Some(email),
        }) => format!("{login} <{email}>{on}"),
        Some(Requester { login, email: None }) if contact_is_email(b) => {
            format!("{login}{on} (filed for the contact address they gave)")
        }
        Some(Requester { login, email: None }) => format!(
            "{login}{on} (no e-mail address is configured for this user: the helpdesk may show Deskside as the requester; reply to the user directly)"
        ),
        None => {
            let user = b.device.as_ref().and_then(|d| str_at(d, "/user"));
            format!(
                "{}{on} (not filed on the user's behalf: reply to the user directly)",
                user.unwrap_or("unknown user")
            )
        }
    }
}

fn contact_is_email(b: &Bundle) -> bool {
    b.request
        .contact
        .as_deref()
        .map(str::trim)
        .is_some_and(|c| c.contains('@') && !c.contains(char::is_whitespace))
}

/// The checks of the diagnosis, grouped by outcome; the root cause's detail is in "found".
fn checked(b: &Bundle) -> String {
    let Some(d) = &b.diagnosis else {
        return "No diagnosis was attached.\n".to_owned();
    };
    let checks: Vec<&Value> = d
        .get("checks")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    if checks.is_empty() {
        return "The diagnosis has no checks.\n".to_owned();
    }
    let mut out = String::new();
    if let Some(at) = str_at(d, "/started_at") {
        out.push_str(&format!(
            "Diagnosis run at {}.\n",
            local_time(at, b.clock.as_ref())
        ));
    }
    let root = b.summary.root_cause.as_deref();
    fn status(c: &Value) -> &str {
        str_at(c, "/status").unwrap_or("")
    }
    let id = |c: &Value| str_at(c, "/id").unwrap_or("?").to_owned();
    for (word, wanted) in [("Failed", "fail"), ("Warning", "warn")] {
        for c in checks.iter().filter(|c| status(c) == wanted) {
            let cid = id(c);
            let detail = if Some(cid.as_str()) == root {
                "the root cause, see below".to_owned()
            } else {
                str_at(c, "/summary").unwrap_or("").to_owned()
            };
            out.push_str(&format!("{word}: {} — {detail}\n", check_title(&cid)));
        }
    }
    for c in checks.iter().filter(|c| status(c) == "error") {
        out.push_str(&format!(
            "Could not run: {} — {}\n",
            check_title(&id(c)),
            str_at(c, "/summary").unwrap_or("no reason given")
        ));
    }
    let passed: Vec<String> = checks
        .iter()
        .filter(|c| status(c) == "pass")
        .map(|c| check_title(&id(c)).to_owned())
        .collect();
    if !passed.is_empty() {
        out.push_str(&format!("Passed: {}\n", passed.join(", ")));
    }
    let skipped: Vec<String> = checks
        .iter()
        .filter(|c| status(c) == "skip")
        .map(|c| {
            let blocked: Vec<&str> = c
                .pointer("/evidence/blocked_by")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(check_title)
                        .collect()
                })
                .unwrap_or_default();
            let why = if blocked.is_empty() {
                str_at(c, "/summary")
                    .unwrap_or("no reason given")
                    .trim_end_matches('.')
                    .to_owned()
            } else {
                format!("needs {}", blocked.join(", "))
            };
            format!("{} ({why})", check_title(&id(c)))
        })
        .collect();
    if !skipped.is_empty() {
        out.push_str(&format!("Not checked: {}\n", skipped.join("; ")));
    }
    out
}

/// The root cause with the evidence that matters.
fn found(b: &Bundle) -> String {
    let Some(d) = &b.diagnosis else {
        return "Not diagnosed: no diagnosis was attached.\n".to_owned();
    };
    let Some(cause) = &b.summary.root_cause else {
        return format!(
            "No problem found: {}\n",
            str_at(d, "/diagnosis/headline").unwrap_or("every check passed.")
        );
    };
    let check = root_check(d, cause);
    let mut out = format!("Root cause: {} ({cause})", check_title(cause));
    if let Some(h) = &b.summary.headline {
        out.push_str(&format!(" — {h}"));
    }
    out.push('\n');
    if let Some(detail) = &b.summary.detail {
        out.push_str(&format!("{detail}\n"));
    }
    if let Some(c) = check {
        for line in evidence_lines(cause, c, d) {
            out.push_str(&format!("{line}\n"));
        }
        if let Some(advice) = str_at(c, "/advice") {
            out.push_str(&format!("Advice shown to the user: {advice}\n"));
        }
    }
    out
}

fn root_check<'a>(d: &'a Value, id: &str) -> Option<&'a Value> {
    d.get("checks")
        .and_then(Value::as_array)?
        .iter()
        .find(|c| str_at(c, "/id") == Some(id))
}

fn is_local_stub(addr: &str) -> bool {
    addr.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| match x {
                    Value::String(s) => Some(s.clone()),
                    Value::Null => None,
                    other => Some(other.to_string()),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The facts of the root-cause check a technician acts on, per check.
fn evidence_lines(id: &str, check: &Value, report: &Value) -> Vec<String> {
    let e = check.get("evidence").unwrap_or(&Value::Null);
    let mut lines = Vec::new();
    match id {
        "net.dns" | "vpn.dns" => {
            let servers = strings(e.get("servers"));
            let upstream = strings(e.get("upstream_servers"));
            let stub = servers.iter().any(|s| is_local_stub(s));
            if stub && !upstream.is_empty() {
                lines.push(format!(
                    "DNS: the local resolver {} forwards to the upstream server(s) {}: those are the ones to look at.",
                    servers.join(", "),
                    upstream.join(", ")
                ));
            } else if stub {
                lines.push(format!(
                    "DNS: a local resolver ({}); the upstream servers behind it could not be read.",
                    servers.join(", ")
                ));
            } else if !servers.is_empty() {
                lines.push(format!("DNS servers: {}", servers.join(", ")));
            }
            let failed: Vec<String> = e
                .get("resolutions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|r| strings(r.get("addrs")).is_empty())
                .filter_map(|r| {
                    let name = str_at(r, "/name")?;
                    let last = r.get("attempts").and_then(Value::as_array)?.last()?;
                    Some(format!(
                        "{name} ({} from {})",
                        str_at(last, "/outcome").unwrap_or("?").replace('_', " "),
                        str_at(last, "/server").unwrap_or("?")
                    ))
                })
                .collect();
            if !failed.is_empty() {
                lines.push(format!("Names that failed: {}", failed.join(", ")));
            }
            let search = strings(e.get("search_domains"));
            if !search.is_empty() {
                lines.push(format!("Search domains: {}", search.join(", ")));
            }
        }
        "net.gateway" => {
            if let Some(route) = e.get("route") {
                let gw = str_at(route, "/gateway").unwrap_or("none");
                let via = str_at(route, "/interface").unwrap_or("?");
                lines.push(format!("Gateway: {gw} via {via}"));
            }
            if let Some(echo) = e.get("echo") {
                let n = |k: &str| echo.get(k).and_then(Value::as_u64).unwrap_or(0);
                lines.push(format!(
                    "Echo to the gateway: {} sent, {} answered",
                    n("sent"),
                    n("received")
                ));
            }
        }
        "vpn.tunnel" => {
            for t in e
                .get("tunnels")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                lines.push(format!(
                    "Tunnel: {} ({}, {})",
                    str_at(t, "/name").unwrap_or("?"),
                    str_at(t, "/kind").unwrap_or("?"),
                    str_at(t, "/state").unwrap_or("?")
                ));
            }
            let at = str_at(report, "/started_at").and_then(parse_time);
            for p in e
                .get("wireguard_peers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let handshake = match (p.get("last_handshake_unix").and_then(Value::as_u64), at) {
                    (Some(h), Some(at)) => {
                        let age = at
                            .unix_timestamp()
                            .saturating_sub(h.try_into().unwrap_or(0));
                        format!("last handshake {} before the check", duration(age))
                    }
                    (Some(_), None) => "handshake time known (see JSON)".to_owned(),
                    (None, _) => "never completed a handshake".to_owned(),
                };
                lines.push(format!(
                    "VPN peer: {}, {handshake}",
                    str_at(p, "/endpoint").unwrap_or("endpoint unknown")
                ));
            }
        }
        "disk.space" | "disk.inodes" => {
            let warn = e.get("warn_free_percent").and_then(Value::as_f64);
            for v in e
                .get("volumes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let pct = v.get("free_percent").and_then(Value::as_f64);
                if warn.is_some_and(|w| pct.is_some_and(|p| p >= w)) {
                    continue;
                }
                let mount = str_at(v, "/mount_point").unwrap_or("?");
                // The check's finding already names the worst volume.
                if str_at(check, "/summary").is_some_and(|s| s.contains(&format!(" on {mount}."))) {
                    continue;
                }
                let line = match (
                    v.get("available_bytes").and_then(Value::as_u64),
                    v.get("total_bytes").and_then(Value::as_u64),
                ) {
                    (Some(a), Some(t)) => format!(
                        "Volume {mount}: {} free of {} ({}%)",
                        bytes(a),
                        bytes(t),
                        pct.map_or_else(|| "?".to_owned(), |p| format!("{p:.1}"))
                    ),
                    _ => match (
                        v.get("free_inodes").and_then(Value::as_u64),
                        v.get("total_inodes").and_then(Value::as_u64),
                    ) {
                        (Some(f), Some(t)) => format!("Volume {mount}: {f} of {t} file slots free"),
                        _ => format!("Volume {mount}"),
                    },
                };
                lines.push(line);
            }
        }
        _ => {}
    }
    lines
}

/// The fixes tried, by title, with the addressed checks before and after.
fn done(b: &Bundle) -> String {
    if b.fixes.is_empty() {
        return "Nothing was tried on this computer.\n".to_owned();
    }
    let before = |check: &str| -> Option<String> {
        b.diagnosis
            .as_ref()
            .and_then(|d| root_check(d, check))
            .and_then(|c| str_at(c, "/status"))
            .map(str::to_owned)
    };
    let mut out = String::new();
    for f in &b.fixes {
        let id = ["/id", "/fix", "/fix_id"]
            .iter()
            .find_map(|p| str_at(f, p))
            .unwrap_or("?");
        let title = str_at(f, "/title").unwrap_or(id);
        let outcome = ["/outcome", "/status", "/result"]
            .iter()
            .find_map(|p| str_at(f, p))
            .unwrap_or("unknown")
            .replace('_', " ");
        let mut line = format!("{title} ({id}): {outcome}");
        let changes: Vec<String> = f
            .pointer("/verify/checks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| {
                let cid = str_at(c, "/id")?;
                let after = str_at(c, "/status")?;
                Some(match before(cid) {
                    Some(was) => format!("{} {} → {}", check_title(cid), word(&was), word(after)),
                    None => format!("{} {} after", check_title(cid), word(after)),
                })
            })
            .collect();
        if !changes.is_empty() {
            line.push_str(&format!(" — {}", changes.join(", ")));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn word(status: &str) -> &str {
    match status {
        "pass" => "passed",
        "warn" => "warning",
        "fail" => "failed",
        "skip" => "not checked",
        "error" => "could not run",
        other => other,
    }
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

fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// `2026-09-21 11:59:58 +02:00 (Europe/Berlin)`: seconds, no fraction, the local offset.
fn format_local(at: OffsetDateTime, clock: Option<&crate::LocalClock>) -> String {
    let offset = clock
        .and_then(|c| UtcOffset::from_whole_seconds(c.offset_seconds).ok())
        .unwrap_or(UtcOffset::UTC);
    let t = at.to_offset(offset);
    let (h, m, _) = offset.as_hms();
    let zone = match clock.and_then(|c| c.zone.as_deref()) {
        Some(z) => format!(" ({z})"),
        None if clock.is_none() => " (UTC)".to_owned(),
        None => String::new(),
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} {}{:02}:{:02}{zone}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        if offset.is_negative() { '-' } else { '+' },
        h.unsigned_abs(),
        m.unsigned_abs()
    )
}

fn local_time(rfc3339: &str, clock: Option<&crate::LocalClock>) -> String {
    parse_time(rfc3339).map_or_else(|| rfc3339.to_owned(), |t| format_local(t, clock))
}

/// `3 d 4 h`, `12 min`, `40 s`.
fn duration(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..=119 => format!("{s} s"),
        120..=7199 => format!("{} min", s / 60),
        7200..=172_799 => format!("{} h", s / 3600),
        _ => format!("{} d {} h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// `12.3 GiB`.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    #[expect(clippy::cast_precision_loss, reason = "a size shown with one decimal")]
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// The summary from the (already redacted) parts: the root cause and the device facts.
pub(crate) fn summarize(
    device: Option<&Value>,
    diagnosis: Option<&Value>,
    options: &BuildOptions,
    now: OffsetDateTime,
) -> Summary {
    let mut s = Summary::default();
    if let Some(d) = diagnosis {
        s.root_cause = str_at(d, "/diagnosis/root_cause").map(str::to_owned);
        s.headline = str_at(d, "/diagnosis/headline").map(str::to_owned);
        // The check's own finding; the diagnosis summary repeats it with the advice, which the
        // body prints once, on its own line.
        s.detail = s
            .root_cause
            .as_deref()
            .and_then(|id| root_check(d, id))
            .and_then(|c| str_at(c, "/summary"))
            .or_else(|| str_at(d, "/diagnosis/summary"))
            .map(str::to_owned);
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
        fact("User", str_at(d, "/user").unwrap_or("").to_owned());
        let os: Vec<&str> = [str_at(d, "/os/name"), str_at(d, "/os/version")]
            .into_iter()
            .flatten()
            .collect();
        let build = str_at(d, "/os/build")
            .map(|b| format!(" ({b})"))
            .unwrap_or_default();
        fact("OS", format!("{}{build}", os.join(" ")));
    }
    fact("Deskside", options.app_version.clone().unwrap_or_default());
    if let Some(d) = device {
        if let Some(up) = d.get("uptime_s").and_then(Value::as_u64) {
            fact(
                "Up since last restart",
                duration(i64::try_from(up).unwrap_or(i64::MAX)),
            );
        }
        fact("Free disk", free_disk(d));
        // Shown when the organisation allows it: personal-data redaction hides the serial.
        if let Some(serial) = str_at(d, "/hardware/serial").filter(|v| !v.starts_with('<')) {
            fact("Serial", serial.to_owned());
        }
        if let Some(tag) = str_at(d, "/hardware/asset_tag").filter(|v| !v.starts_with('<')) {
            fact("Asset tag", tag.to_owned());
        }
    }
    fact("Local time", format_local(now, options.clock.as_ref()));
    if let Some(d) = device {
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
    s
}

/// `/ 12.3 GiB free of 50.0 GiB; /home …`: the writable volumes, at most four.
fn free_disk(device: &Value) -> String {
    device
        .get("volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|v| v.get("read_only").and_then(Value::as_bool) != Some(true))
        .filter_map(|v| {
            let total = v.get("total_bytes").and_then(Value::as_u64)?;
            let free = v.get("available_bytes").and_then(Value::as_u64)?;
            (total > 0).then(|| {
                format!(
                    "{} {} free of {}",
                    str_at(v, "/mount_point").unwrap_or("?"),
                    bytes(free),
                    bytes(total)
                )
            })
        })
        .take(4)
        .collect::<Vec<_>>()
        .join("; ")
}

/// `wlan0 up 192.168.1.23/24; DNS 192.168.1.1`: the non-loopback links that are up, and the
/// DNS servers with the upstream ones behind a local stub.
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
    let dns = strings(device.pointer("/network/dns/servers"));
    let upstream = strings(device.pointer("/network/dns/upstream_servers"));
    if !dns.is_empty() {
        line.push_str(&format!("; DNS {}", dns.join(" ")));
        if !upstream.is_empty() && dns.iter().any(|s| is_local_stub(s)) {
            line.push_str(&format!(" → upstream {}", upstream.join(" ")));
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{device, diagnosis};
    use crate::{BuildOptions, Evidence, LocalClock, TicketRequest, Urgency, build};

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_790_000_000).unwrap()
    }

    #[test]
    fn body_is_in_the_technicians_order_and_prints_nothing_twice() {
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
        let options = BuildOptions {
            requester: Some(Requester {
                login: "jdoe".into(),
                email: Some("jane.doe@corp.example".into()),
            }),
            app_version: Some("1.2.3".into()),
            clock: Some(LocalClock {
                offset_seconds: 7200,
                zone: Some("Europe/Berlin".into()),
            }),
            ..BuildOptions::default()
        };
        let b = build(&req, evidence, &options, now()).unwrap();
        let r = render(&b).unwrap();
        assert_eq!(r.subject, "[pc-042/jdoe] VPN connection: VPN drops");
        assert_eq!(
            b.request.subject, "VPN drops",
            "the JSON keeps the user's words"
        );
        let order = [
            "Reported by: jdoe <jane.doe@corp.example> on pc-042",
            "What the user reported",
            "It drops.",
            "What was checked",
            "Failed: VPN connection — the root cause, see below",
            "What was found",
            "Root cause: VPN connection (vpn.tunnel) — The VPN is not working.",
            "wg0: last handshake 9 minutes ago",
            "Advice shown to the user: Reconnect the VPN.",
            "What was done",
            "Nothing was tried on this computer.",
            "Device",
            "Device: pc-042 (Dell Inc. Latitude 5440)",
            "Deskside: 1.2.3",
            "Local time: 2026-09-21 16:13:20 +02:00 (Europe/Berlin)",
            "Network: wlan0 up 192.168.1.23/24; DNS 192.168.1.1",
            "deskside-bundle.json (deskside.bundle/1): device snapshot, diagnosis",
        ];
        let mut at = 0;
        for want in order {
            let found = r.body[at..]
                .find(want)
                .unwrap_or_else(|| panic!("{want:?} missing or out of order in:\n{}", r.body));
            at += found + want.len();
        }
        for once in ["Reconnect the VPN.", "wg0: last handshake", "It drops."] {
            assert_eq!(r.body.matches(once).count(), 1, "{once} twice:\n{}", r.body);
        }
        assert!(
            !r.body.contains(".000"),
            "no fractions of seconds:\n{}",
            r.body
        );
        assert_eq!(r.requester, options.requester);
        assert_eq!(r.attachments.len(), 1);
        assert_eq!(r.attachments[0].content_type, "application/json");
    }

    #[test]
    fn the_category_follows_the_root_cause_unless_the_user_chose_one() {
        let mut options = BuildOptions::default();
        options.policy.categories = vec![
            ("vpn.*".into(), "Network and VPN".into()),
            ("*".into(), "Other".into()),
        ];
        let evidence = Evidence {
            diagnosis: Some(diagnosis()),
            ..Evidence::default()
        };
        let req = TicketRequest {
            subject: "x".into(),
            ..TicketRequest::default()
        };
        let b = build(&req, evidence.clone(), &options, now()).unwrap();
        assert_eq!(b.request.category.as_deref(), Some("Network and VPN"));
        assert!(
            render(&b)
                .unwrap()
                .body
                .contains("Category: Network and VPN")
        );
        let chosen = TicketRequest {
            category: Some("Hardware".into()),
            ..req
        };
        let b = build(&chosen, evidence, &options, now()).unwrap();
        assert_eq!(render(&b).unwrap().category.as_deref(), Some("Hardware"));
    }

    #[test]
    fn without_a_requester_the_body_says_who_and_how_to_answer() {
        let req = TicketRequest {
            subject: "x".into(),
            ..TicketRequest::default()
        };
        let evidence = Evidence {
            device: Some(device()),
            ..Evidence::default()
        };
        let b = build(&req, evidence, &BuildOptions::default(), now()).unwrap();
        let body = render(&b).unwrap().body;
        assert!(
            body.contains("Reported by: jdoe on pc-042 (not filed on the user's behalf"),
            "{body}"
        );
        assert!(body.contains("No diagnosis was attached."), "{body}");
        assert!(
            body.contains("Local time: 2026-09-21 14:13:20 +00:00 (UTC)"),
            "{body}"
        );
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
        let b = build(&req, evidence, &options, now()).unwrap();
        let r = render(&b).unwrap();
        let all = format!(
            "{}{}{}",
            r.subject,
            r.body,
            String::from_utf8_lossy(&r.attachments[0].data)
        );
        for personal in ["jdoe", "SN7Q2X9", "aa:bb:cc:00:11:22"] {
            assert!(!all.contains(personal), "{personal} survived");
        }
        assert!(r.body.contains("User: <user>"));
        assert!(!r.body.contains("Serial:"), "a hidden serial is not listed");
        assert_eq!(r.subject, "[pc-042] Help");
        assert!(b.redactions.personal >= 4);
    }

    #[test]
    fn times_are_local_with_the_zone_and_whole_seconds() {
        let at = OffsetDateTime::parse(
            "2026-09-21T09:59:58.123456789Z",
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let clock = LocalClock {
            offset_seconds: -4 * 3600 - 1800,
            zone: None,
        };
        assert_eq!(format_local(at, Some(&clock)), "2026-09-21 05:29:58 -04:30");
        assert_eq!(duration(3 * 86_400 + 7200), "3 d 2 h");
        assert_eq!(bytes(5 * 1024 * 1024 * 1024), "5.0 GiB");
    }
}
