//! The read-only status page for IT: current incidents, root causes over the last 24 hours as
//! a small inline-SVG bar chart, devices seen, open announcements. Plain server-rendered HTML
//! with a strict Content-Security-Policy (no script at all, styles only from `/status.css`),
//! refreshed by a `<meta http-equiv="refresh">` every 60 s.
//!
//! Protection: it is served only on its own listener, `fleet.status_listen`, which must be a
//! loopback address (checked at start): IT reaches it on the server itself or through an SSH
//! tunnel (`ssh -L 8471:127.0.0.1:8471 server`). The device-facing port never serves it.

use std::fmt::Write as _;
use std::net::SocketAddr;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use deskside_server_core::Core;
use deskside_server_core::fleet::{FleetOverview, Incident};

/// The page's Content-Security-Policy.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const CSS: &str = "body{font-family:sans-serif;margin:2em;color:#222;max-width:60em}\
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.5em}\
table{border-collapse:collapse}td,th{padding:.25em .8em;border-bottom:1px solid #ddd;text-align:left}\
.open{color:#b00;font-weight:bold}.resolved{color:#080}.muted{color:#666}\
.bar{fill:#c33}.label{font-size:12px;fill:#222}.figures{display:flex;gap:2em}\
.figure strong{font-size:1.6em;display:block}";

/// Checks that `listen` is a loopback socket address.
///
/// # Errors
/// A sentence naming the key.
pub fn loopback_only(listen: &str) -> Result<SocketAddr, String> {
    let addr: SocketAddr = listen.parse().map_err(|_| {
        format!("fleet.status_listen = {listen:?} is not an address such as 127.0.0.1:8471")
    })?;
    if !addr.ip().is_loopback() {
        return Err(format!(
            "fleet.status_listen = {listen:?} is not a loopback address: the status page has no login, so it listens on loopback only (reach it through an SSH tunnel)"
        ));
    }
    Ok(addr)
}

/// The status page's routes.
pub fn router(core: Core) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/status", get(page))
        .route(
            "/status.css",
            get(|| async { secure(([(header::CONTENT_TYPE, "text/css")], CSS).into_response()) }),
        )
        .fallback(|| async { secure((StatusCode::NOT_FOUND, "not found").into_response()) })
        .with_state(core)
}

fn secure(mut r: Response) -> Response {
    let h = r.headers_mut();
    for (name, value) in [
        ("content-security-policy", CSP),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
        ("cache-control", "no-store"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    r
}

async fn page(State(core): State<Core>) -> Response {
    match core.fleet_overview().await {
        Ok(o) => secure(
            (
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                render(&o, deskside_server_core::now_ms()),
            )
                .into_response(),
        ),
        Err(e) => {
            tracing::error!(error = %e, "status page");
            secure(
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the database failed; see the log",
                )
                    .into_response(),
            )
        }
    }
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn utc(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms / 1000).map_or_else(
        |_| ms.to_string(),
        |t| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02} UTC",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        },
    )
}

fn incident_row(i: &Incident) -> String {
    let scope = i.network.as_deref().map_or_else(
        || "whole fleet".to_owned(),
        |n| format!("one network ({})", esc(&n[..n.len().min(12)])),
    );
    let state = match (&i.resolved_at, i.resolved_by.as_deref()) {
        (None, _) => "<span class=\"open\">open</span>".to_owned(),
        (Some(t), Some("it")) => {
            format!("<span class=\"resolved\">closed by IT {}</span>", utc(*t))
        }
        (Some(t), _) => format!(
            "<span class=\"resolved\">resolved (devices healthy) {}</span>",
            utc(*t)
        ),
    };
    let ticket = i
        .ticket_remote_id
        .as_deref()
        .map_or_else(|| "queued".to_owned(), |t| format!("#{}", esc(t)));
    format!(
        "<tr class=\"incident\"><td>#{}</td><td><code>{}</code></td><td>{scope}</td><td>{}</td><td>{}</td><td>{ticket}</td><td>{}</td><td>{state}</td></tr>\n",
        i.id,
        esc(&i.root_cause),
        i.devices,
        utc(i.first_seen_at),
        i.linked_tickets,
    )
}

/// The page for `o` (pure: tested without a server).
#[must_use]
pub fn render(o: &FleetOverview, now_ms: i64) -> String {
    let mut h = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"60\"><title>Deskside fleet status</title>\
         <link rel=\"stylesheet\" href=\"/status.css\"></head><body>\n<h1>Deskside fleet status</h1>\n",
    );
    let _ = write!(
        h,
        "<p class=\"muted\">As of {}. Refreshes every minute.</p>\n<div class=\"figures\">\
         <div class=\"figure\" id=\"devices-seen\"><strong>{}</strong>devices seen (24 h)</div>\
         <div class=\"figure\" id=\"devices-reporting\"><strong>{}</strong>devices reporting (24 h)</div>\
         <div class=\"figure\" id=\"devices-enrolled\"><strong>{}</strong>devices enrolled</div></div>\n",
        utc(now_ms),
        o.devices_seen_24h,
        o.devices_reporting_24h,
        o.devices_enrolled
    );
    h.push_str("<h2>Incidents</h2>\n");
    if o.incidents.is_empty() {
        h.push_str("<p id=\"no-incidents\">No incidents in the last 24 hours.</p>\n");
    } else {
        h.push_str(
            "<table id=\"incidents\"><tr><th>#</th><th>root cause</th><th>where</th><th>devices</th>\
             <th>since</th><th>helpdesk ticket</th><th>linked tickets</th><th>state</th></tr>\n",
        );
        for i in &o.incidents {
            h.push_str(&incident_row(i));
        }
        h.push_str("</table>\n");
    }
    h.push_str("<h2>Root causes, last 24 hours (devices)</h2>\n");
    if o.causes.is_empty() {
        h.push_str("<p id=\"no-causes\">No problems reported.</p>\n");
    } else {
        let max = o.causes.iter().map(|c| c.devices).max().unwrap_or(1).max(1);
        let row_h = 22;
        let height = row_h * o.causes.len() + 4;
        let _ = writeln!(
            h,
            "<svg id=\"causes\" role=\"img\" aria-label=\"root causes by devices\" width=\"600\" height=\"{height}\" viewBox=\"0 0 600 {height}\">"
        );
        for (n, c) in o.causes.iter().enumerate() {
            let y = n * row_h + 2;
            let w = (c.devices * 300 / max).max(1);
            let _ = writeln!(
                h,
                "<g class=\"cause\"><text class=\"label\" x=\"0\" y=\"{}\">{}</text>\
                 <rect class=\"bar\" x=\"200\" y=\"{y}\" width=\"{w}\" height=\"16\"></rect>\
                 <text class=\"label\" x=\"{}\" y=\"{}\">{} ({} reports)</text></g>",
                y + 13,
                esc(&c.root_cause),
                205 + w,
                y + 13,
                c.devices,
                c.reports
            );
        }
        h.push_str("</svg>\n");
    }
    h.push_str("<h2>Announcements</h2>\n");
    if o.announcements.is_empty() {
        h.push_str("<p id=\"no-announcements\">None.</p>\n");
    } else {
        h.push_str("<ul id=\"announcements\">\n");
        for a in &o.announcements {
            let _ = writeln!(
                h,
                "<li>#{} ({}): {}</li>",
                a.id,
                utc(a.created_at),
                esc(&a.message)
            );
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</body></html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use deskside_server_core::fleet::{Announcement, CauseCount};

    #[test]
    fn the_page_escapes_and_has_no_script() {
        let o = FleetOverview {
            incidents: vec![],
            announcements: vec![Announcement {
                id: 1,
                message: "<script>alert(1)</script> VPN maintenance".into(),
                created_at: 0,
                closed_at: None,
            }],
            causes: vec![CauseCount {
                root_cause: "vpn.tunnel".into(),
                devices: 3,
                reports: 4,
            }],
            devices_seen_24h: 3,
            devices_reporting_24h: 3,
            devices_enrolled: 5,
        };
        let html = render(&o, 0);
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("<svg id=\"causes\""));
        assert!(
            !html.contains("style="),
            "inline styles would break the CSP"
        );
    }

    #[test]
    fn only_loopback_is_accepted() {
        assert!(loopback_only("127.0.0.1:8471").is_ok());
        assert!(loopback_only("[::1]:8471").is_ok());
        assert!(loopback_only("0.0.0.0:8471").is_err());
        assert!(loopback_only("10.1.2.3:8471").is_err());
        assert!(loopback_only("localhost").is_err());
    }
}
