//! The Get help commands. Building a ticket is one call into `deskside-evidence`
//! ([`deskside_evidence::build`] then [`deskside_evidence::render`]) over what the shell can
//! gather — the device snapshot, the diagnosis (the window's, else the shell's last), the fixes
//! tried and the fix audit log, Deskside's own logs, the screenshot the user chose — with the
//! parts the user unticked and the organisation forbids left out. The rendered ticket is kept
//! by the shell under a preview id, and `submit_ticket` queues exactly that in the durable
//! outbox (`deskside-outbox`), so what the user saw is what is sent.

use std::collections::BTreeSet;
use std::path::PathBuf;

use base64::Engine as _;
use deskside_evidence::{
    BuildOptions, Evidence, LogFile, Part, Policy, Rendered, Screenshot, TicketRequest,
};
use tauri::{AppHandle, Manager};
use tauri_plugin_clipboard_manager::ClipboardExt;
use time::OffsetDateTime;

use crate::config;
use crate::ipc::{
    IpcError, OutboxTicket, ScreenCapture, TicketAttachment, TicketDraft, TicketOptions,
    TicketPart, TicketPartOption, TicketPreview, Urgency, sentence,
};
use crate::state::Shell;

/// Audit entries attached with the fixes part.
const AUDIT_ENTRIES: usize = 50;
/// Log files attached with the logs part (the newest).
const LOG_FILES: usize = 2;
/// How long the window stays hidden before the screen is captured.
const CAPTURE_SETTLE: std::time::Duration = std::time::Duration::from_millis(350);
/// Largest screenshot accepted from the page.
const MAX_SCREENSHOT_BYTES: usize = 8 * 1024 * 1024;
/// Categories offered in the form (helpdesks map them to their own fields or the body).
const CATEGORIES: &[&str] = &[
    "Network and VPN",
    "Email and calendar",
    "Printing",
    "Hardware",
    "Software",
    "Account and password",
    "Other",
];

/// A built and redacted ticket, waiting for the user to send it.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// What the user wrote (redacted copy inside `rendered`).
    pub request: TicketRequest,
    /// Subject, body and attachments exactly as previewed.
    pub rendered: Rendered,
}

/// The evidence parts a form part stands for.
fn parts_of(part: TicketPart) -> &'static [Part] {
    match part {
        TicketPart::Device => &[Part::Device],
        TicketPart::Diagnostics => &[Part::Diagnosis],
        TicketPart::Fixes => &[Part::Fixes, Part::Audit],
        TicketPart::Logs => &[Part::Logs],
        TicketPart::Screenshot => &[Part::Screenshot],
    }
}

/// The `[tickets]` policy from the config.
fn policy(config: &deskside_config::Config) -> Policy {
    let t = &config.tickets;
    Policy {
        forbid: t.forbid.iter().filter_map(|p| Part::parse(p)).collect(),
        redact_personal: t.redact_personal,
        max_bundle_bytes: t.max_bundle_bytes,
        max_log_bytes: t.max_log_bytes,
    }
}

/// Where tickets go, in words for the user.
fn destination(config: &deskside_config::Config) -> Option<String> {
    let h = &config.helpdesk;
    let kind = h.kind.as_deref()?;
    Some(match kind {
        "email" => {
            h.to.as_ref()
                .map_or_else(|| "IT by email".to_owned(), |to| format!("{to} by email"))
        }
        "rt" => "the IT helpdesk (Request Tracker)".to_owned(),
        "redmine" => "the IT helpdesk (Redmine)".to_owned(),
        "jsm" => "the IT service desk (Jira)".to_owned(),
        "zendesk" => "the IT helpdesk (Zendesk)".to_owned(),
        "freshservice" => "the IT helpdesk (Freshservice)".to_owned(),
        "servicenow" => "the IT service desk (ServiceNow)".to_owned(),
        "glpi" => "the IT helpdesk (GLPI)".to_owned(),
        "zammad" => "the IT helpdesk (Zammad)".to_owned(),
        _ => "the IT helpdesk".to_owned(),
    })
}

/// The form's options for this configuration (pure, tested).
#[must_use]
pub fn options_for(
    config: &deskside_config::Config,
    default_contact: Option<String>,
) -> TicketOptions {
    let forbid = policy(config).forbid;
    TicketOptions {
        configured: config.helpdesk.kind.is_some(),
        destination: destination(config),
        categories: CATEGORIES.iter().map(|c| (*c).to_owned()).collect(),
        default_contact,
        parts: TicketPart::ALL
            .into_iter()
            .map(|part| {
                let forbidden = parts_of(part).iter().any(|p| forbid.contains(p));
                TicketPartOption {
                    part,
                    allowed: !forbidden,
                    reason: forbidden.then(|| {
                        "Your organisation does not accept this in tickets (tickets.forbid)."
                            .to_owned()
                    }),
                }
            })
            .collect(),
    }
}

/// Where tickets go, the categories, and which parts may be attached.
#[tauri::command]
#[specta::specta]
pub async fn get_ticket_options() -> Result<TicketOptions, IpcError> {
    let loaded = config::load()?;
    Ok(options_for(&loaded.config, None))
}

/// Build and redact the ticket; returns exactly what `submit_ticket(preview_id)` sends.
#[tauri::command]
#[specta::specta]
pub async fn preview_ticket(app: AppHandle, draft: TicketDraft) -> Result<TicketPreview, IpcError> {
    let loaded = config::load()?;
    let request = TicketRequest {
        subject: draft.subject.trim().to_owned(),
        description: draft.description.trim().to_owned(),
        category: draft.category.clone().filter(|c| !c.trim().is_empty()),
        urgency: match draft.urgency {
            Urgency::Low => deskside_evidence::Urgency::Low,
            Urgency::Normal => deskside_evidence::Urgency::Normal,
            Urgency::High => deskside_evidence::Urgency::High,
        },
        contact: draft.contact.clone().filter(|c| !c.trim().is_empty()),
    };
    let evidence = gather(&app, &loaded.config, &draft).await?;
    let (preview, prepared) = prepare(&loaded.config, &draft, request, evidence)?;
    let id = app.state::<Shell>().add_preview(prepared);
    Ok(TicketPreview {
        preview_id: id.to_string(),
        ..preview
    })
}

/// Build, redact and render the ticket from gathered evidence: the preview the user sees and
/// what `submit_ticket` will queue are made here, from the same rendering.
fn prepare(
    config: &deskside_config::Config,
    draft: &TicketDraft,
    request: TicketRequest,
    evidence: Evidence,
) -> Result<(TicketPreview, Prepared), IpcError> {
    let unticked: BTreeSet<Part> = TicketPart::ALL
        .into_iter()
        .filter(|p| !draft.parts.has(*p))
        .flat_map(|p| parts_of(p).iter().copied())
        .collect();
    let options = BuildOptions {
        unticked,
        policy: policy(config),
    };
    let bundle = deskside_evidence::build(&request, evidence, &options, OffsetDateTime::now_utc())
        .map_err(|e| evidence_error(&e))?;
    let rendered = deskside_evidence::render(&bundle).map_err(|e| evidence_error(&e))?;
    let mut notes: Vec<String> = bundle.truncations.clone();
    notes.extend(
        bundle
            .omitted
            .iter()
            .filter(|o| o.reason != "left out by the user")
            .map(|o| format!("Not included: {} ({}).", o.part.as_str(), o.reason)),
    );
    let preview = TicketPreview {
        preview_id: String::new(),
        subject: rendered.subject.clone(),
        body: rendered.body.clone(),
        attachments: rendered
            .attachments
            .iter()
            .map(|a| TicketAttachment {
                name: a.name.clone(),
                bytes: a.data.len() as u64,
                kind: a.content_type.clone(),
                text: (a.content_type.starts_with("text/") || a.content_type == "application/json")
                    .then(|| String::from_utf8_lossy(&a.data).into_owned()),
            })
            .collect(),
        redactions: bundle.redactions.secrets + bundle.redactions.personal,
        notes,
    };
    Ok((preview, Prepared { request, rendered }))
}

/// Queue the previewed ticket durably and start delivering it.
#[tauri::command]
#[specta::specta]
pub async fn submit_ticket(app: AppHandle, preview_id: String) -> Result<OutboxTicket, IpcError> {
    let id: u64 = preview_id.parse().map_err(|_| preview_expired())?;
    let prepared = app
        .state::<Shell>()
        .take_preview(id)
        .ok_or_else(preview_expired)?;
    crate::outbox::enqueue(&app, prepared).await
}

/// The outbox, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_outbox() -> Result<Vec<OutboxTicket>, IpcError> {
    crate::outbox::list().await
}

/// Try a queued or failed ticket again now.
#[tauri::command]
#[specta::specta]
pub async fn retry_ticket(app: AppHandle, id: i64) -> Result<OutboxTicket, IpcError> {
    crate::outbox::retry(&app, id).await
}

/// Put the ticket on the clipboard as an email (the fallback when delivery failed).
#[tauri::command]
#[specta::specta]
pub async fn copy_ticket_as_email(app: AppHandle, id: i64) -> Result<String, IpcError> {
    let text = crate::outbox::as_email(id).await?;
    app.clipboard().write_text(text.clone()).map_err(|err| {
        IpcError::new(
            "outbox.clipboard",
            format!("The ticket could not be copied to the clipboard: {err}."),
        )
    })?;
    Ok(text)
}

/// Take a screenshot for the ticket: the window steps aside (hidden for the capture, shown
/// again after), the screen is captured by `deskside-capture`, and the PNG comes back for the
/// user to look at and consent to; nothing is kept. Refused when `tickets.forbid` has it.
#[tauri::command]
#[specta::specta]
pub async fn capture_screen(app: AppHandle) -> Result<ScreenCapture, IpcError> {
    let loaded = config::load()?;
    if policy(&loaded.config).forbid.contains(&Part::Screenshot) {
        return Err(IpcError::new(
            "capture.forbidden",
            "Your organisation does not accept screenshots in tickets.",
        ));
    }
    let desktop = deskside_capture::Desktop::from_env().ok_or_else(|| {
        IpcError::new(
            "capture.unavailable",
            "Deskside cannot take screenshots on this system. Take one with your usual tool and choose the image.",
        )
    })?;
    let window = app.get_webview_window(crate::window::MAIN);
    if let Some(w) = &window {
        let _ = w.hide();
        // Give the compositor time to repaint what was under the window.
        tokio::time::sleep(CAPTURE_SETTLE).await;
    }
    let shot = deskside_capture::capture(&desktop).await;
    if let Some(w) = &window {
        let _ = w.show();
        let _ = w.set_focus();
    }
    let shot =
        shot.map_err(|e| IpcError::new(format!("capture.{}", e.code()), sentence(&e.to_string())))?;
    Ok(ScreenCapture {
        png_base64: base64::engine::general_purpose::STANDARD.encode(&shot.png),
        width: shot.width,
        height: shot.height,
        scaled: shot.scaled,
    })
}

fn preview_expired() -> IpcError {
    IpcError::new(
        "ticket.preview_expired",
        "This preview is out of date. Preview the ticket again, then send it.",
    )
}

/// Everything the ticket may carry; unticked parts are still gathered cheaply where they are
/// in memory, and left out by `build` (which notes them).
async fn gather(
    app: &AppHandle,
    config: &deskside_config::Config,
    draft: &TicketDraft,
) -> Result<Evidence, IpcError> {
    let parts = draft.parts;
    let device = if parts.device {
        serde_json::to_value(deskside_device::snapshot_with(&config::snapshot_options()).await).ok()
    } else {
        None
    };
    let diagnosis = if parts.diagnostics {
        draft.report.clone().or_else(|| {
            app.state::<Shell>()
                .report()
                .and_then(|r| serde_json::to_value(r).ok())
        })
    } else {
        None
    };
    let (fixes, audit) = if parts.fixes {
        let audit = deskside_config::current_data_dir()
            .map(|dir| {
                deskside_fixes::AuditLog::new(
                    dir,
                    config.fixes.audit_max_bytes,
                    config.fixes.audit_keep,
                )
                .last(AUDIT_ENTRIES)
                .unwrap_or_default()
                .iter()
                .filter_map(|e| serde_json::to_value(e).ok())
                .collect()
            })
            .unwrap_or_default();
        (draft.fix_results.clone(), audit)
    } else {
        (Vec::new(), Vec::new())
    };
    let logs = if parts.logs {
        log_files(app)
            .into_iter()
            .filter_map(|p| LogFile::read_tail(&p, config.tickets.max_log_bytes).ok())
            .collect()
    } else {
        Vec::new()
    };
    let screenshot = match (&draft.screenshot_png_base64, parts.screenshot) {
        (Some(b64), true) => {
            if b64.len() > MAX_SCREENSHOT_BYTES / 3 * 4 + 4 {
                return Err(IpcError::new(
                    "ticket.screenshot_too_large",
                    "The screenshot is too large. Choose a smaller image.",
                ));
            }
            let png = base64::engine::general_purpose::STANDARD
                .decode(b64.as_bytes())
                .map_err(|_| {
                    IpcError::new(
                        "ticket.screenshot_unreadable",
                        "The screenshot could not be read. Choose the image again.",
                    )
                })?;
            // The form asks for consent for this ticket before it sends the image at all.
            Some(Screenshot { png, consent: true })
        }
        _ => None,
    };
    Ok(Evidence {
        device,
        diagnosis,
        fixes,
        audit,
        logs,
        screenshot,
    })
}

/// Deskside's own log files, newest first (tauri-plugin-log writes them to the app log dir).
fn log_files(app: &AppHandle) -> Vec<PathBuf> {
    let Ok(dir) = app.path().app_log_dir() else {
        return Vec::new();
    };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "log"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    files.sort_by_key(|f| std::cmp::Reverse(f.0));
    files.into_iter().take(LOG_FILES).map(|(_, p)| p).collect()
}

/// An evidence error as it crosses IPC.
fn evidence_error(err: &deskside_evidence::EvidenceError) -> IpcError {
    IpcError::new(err.code(), sentence(&err.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> deskside_config::Config {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, text).unwrap();
        deskside_config::load(&deskside_config::LoadOptions::from_vars(
            deskside_config::Os::Linux,
            Some(file),
            [("DESKSIDE_SYSTEM_CONFIG", ""), ("DESKSIDE_USER_CONFIG", "")],
        ))
        .unwrap()
        .config
    }

    #[test]
    fn forbidden_parts_are_shown_off_with_the_reason() {
        let c = config(
            "[helpdesk]\nkind = \"email\"\nto = \"it@example.com\"\nfrom = \"d@example.com\"\nsmtp_host = \"127.0.0.1\"\n[tickets]\nforbid = [\"screenshot\", \"audit\"]\n",
        );
        let o = options_for(&c, None);
        assert!(o.configured);
        assert_eq!(o.destination.as_deref(), Some("it@example.com by email"));
        let allowed = |p: TicketPart| o.parts.iter().find(|x| x.part == p).unwrap().allowed;
        assert!(!allowed(TicketPart::Screenshot));
        assert!(!allowed(TicketPart::Fixes), "fixes include the audit log");
        assert!(allowed(TicketPart::Device) && allowed(TicketPart::Logs));
        let off = o
            .parts
            .iter()
            .find(|x| x.part == TicketPart::Screenshot)
            .unwrap();
        assert!(off.reason.as_deref().unwrap().contains("tickets.forbid"));
    }

    fn draft(parts: crate::ipc::TicketParts) -> TicketDraft {
        TicketDraft {
            subject: "VPN down".into(),
            description: "It says password=Planted-Secret-42 is wrong".into(),
            category: None,
            urgency: Urgency::High,
            contact: None,
            parts,
            report: None,
            fix_results: Vec::new(),
            screenshot_png_base64: None,
        }
    }

    fn request(d: &TicketDraft) -> TicketRequest {
        TicketRequest {
            subject: d.subject.clone(),
            description: d.description.clone(),
            category: None,
            urgency: deskside_evidence::Urgency::High,
            contact: None,
        }
    }

    #[test]
    fn the_preview_is_what_is_queued_and_no_planted_secret_survives() {
        let c = config("[tickets]\nforbid = [\"logs\"]\n");
        let parts = crate::ipc::TicketParts {
            device: true,
            diagnostics: true,
            fixes: true,
            logs: true,
            screenshot: false,
        };
        let d = draft(parts);
        let evidence = Evidence {
            device: Some(
                serde_json::json!({"hostname": "lt-1", "notes": ["Authorization: Bearer Planted-Token-7"]}),
            ),
            diagnosis: Some(
                serde_json::json!({"diagnosis": {"root_cause": "vpn.tunnel", "headline": "The VPN is down."}}),
            ),
            fixes: vec![
                serde_json::json!({"id": "vpn.reconnect", "outcome": "not_fixed", "message": "token=Planted-Token-8"}),
            ],
            logs: vec![LogFile {
                name: "deskside.log".into(),
                original_bytes: 20,
                content: b"log line".to_vec(),
            }],
            ..Evidence::default()
        };
        let (preview, prepared) = prepare(&c, &d, request(&d), evidence).unwrap();
        let everything = format!(
            "{}{}{:?}",
            preview.body,
            preview.subject,
            preview
                .attachments
                .iter()
                .map(|a| a.text.clone())
                .collect::<Vec<_>>()
        );
        for planted in ["Planted-Secret-42", "Planted-Token-7", "Planted-Token-8"] {
            assert!(
                !everything.contains(planted),
                "{planted} survived the preview"
            );
        }
        assert!(preview.redactions >= 3);
        assert_eq!(prepared.rendered.body, preview.body, "queued = previewed");
        assert_eq!(
            prepared.rendered.attachments.len(),
            preview.attachments.len()
        );
        assert!(
            preview.notes.iter().any(|n| n.contains("logs")),
            "forbidden logs are noted: {:?}",
            preview.notes
        );
        let json = preview.attachments[0].text.as_deref().unwrap();
        assert!(json.contains("vpn.reconnect") && !json.contains("log line"));
    }

    #[test]
    fn unticked_parts_are_left_out() {
        let d = draft(crate::ipc::TicketParts::default());
        let evidence = Evidence {
            device: Some(serde_json::json!({"hostname": "lt-unticked"})),
            ..Evidence::default()
        };
        let (preview, _) = prepare(&config(""), &d, request(&d), evidence).unwrap();
        assert!(
            !preview.attachments[0]
                .text
                .as_deref()
                .unwrap()
                .contains("lt-unticked")
        );
    }

    #[test]
    fn no_helpdesk_means_not_configured() {
        let o = options_for(&config(""), None);
        assert!(!o.configured);
        assert_eq!(o.destination, None);
    }
}
