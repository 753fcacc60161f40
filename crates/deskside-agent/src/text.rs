//! The agent's words for the employee, in one place (the coming translations start here).

/// A core crate's message as a sentence: capitalised, ending with a full stop (the crates'
/// messages start in lower case because they are also used mid-sentence).
#[must_use]
pub fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// The health headline before the first check.
pub const NOT_CHECKED_YET: &str = "Deskside has not checked this computer yet.";
/// The health headline when the configuration is broken.
pub const CONFIG_PROBLEM: &str = "Deskside's configuration has a problem.";
/// The body of a new-problem notification when the diagnosis has no summary.
pub const OPEN_FOR_DETAILS: &str = "Open Deskside for details.";
/// A ticket part the organisation forbids.
pub const PART_FORBIDDEN: &str =
    "Your organisation does not accept this in tickets (tickets.forbid).";

/// What a value hidden in the user's text looked like, in words for the ticket preview.
#[must_use]
pub const fn hidden_kind(kind: deskside_evidence::HiddenKind) -> &'static str {
    use deskside_evidence::HiddenKind as K;
    match kind {
        K::Password => "a password",
        K::Pin => "a PIN",
        K::Key => "a key or token",
        K::PrivateKey => "a private key",
        K::Jwt => "a sign-in token",
        K::CloudKey => "a cloud access key",
        K::Credentials => "a user name and password",
        K::Authorization => "a sign-in header",
        K::UserName => "your user name",
        K::MacAddress => "a network card address",
        K::Serial => "the serial number",
        _ => "a secret",
    }
}

/// The password-expiry notification: title and body; `None` when there is nothing to say.
#[must_use]
pub fn password_warning(expired: bool, days_left: Option<i64>) -> Option<(String, String)> {
    let body = "Change it now so you are not locked out. Click to open Deskside.".to_owned();
    if expired {
        return Some((
            "Your password has expired".to_owned(),
            "Change it now, or ask IT if you cannot sign in. Click to open Deskside.".to_owned(),
        ));
    }
    match days_left? {
        d if d <= 0 => Some(("Your password expires today".to_owned(), body)),
        1 => Some(("Your password expires tomorrow".to_owned(), body)),
        d => Some((format!("Your password expires in {d} days"), body)),
    }
}

/// Headlines longer than this are cut in the tray menu's line.
pub const MENU_HEADLINE_CHARS: usize = 72;

/// The tray menu's headline line: cut with an ellipsis past [`MENU_HEADLINE_CHARS`].
#[must_use]
pub fn menu_headline(headline: &str) -> String {
    if headline.chars().count() <= MENU_HEADLINE_CHARS {
        return headline.to_owned();
    }
    let cut: String = headline.chars().take(MENU_HEADLINE_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

/// The tray menu's Password entry: a badge when the password needs attention.
#[must_use]
pub fn password_label(status: &crate::password::PasswordStatus) -> String {
    use crate::password::PasswordState;
    match (status.state, status.days_left) {
        (PasswordState::Expired | PasswordState::Grace, _) => {
            "Password: expired — change it".to_owned()
        }
        (PasswordState::Warning, Some(d)) if d <= 0 => "Password: expires today".to_owned(),
        (PasswordState::Warning, Some(1)) => "Password: expires tomorrow".to_owned(),
        (PasswordState::Warning, Some(d)) => format!("Password: expires in {d} days"),
        _ => "Password".to_owned(),
    }
}

/// Why a queued ticket failed when the helpdesk settings are incomplete: the employee reads it
/// before "Copy it as an email and send it to IT yourself"; `problem` is for IT.
#[must_use]
pub fn helpdesk_not_set_up(problem: &str) -> String {
    format!("the helpdesk is not set up correctly on this computer (for IT: {problem})")
}

/// What a known issue's root cause is, in a few plain words ("the VPN is down").
#[must_use]
pub fn issue_words(root_cause: &str) -> String {
    match root_cause {
        "net.interface" => "computers are not connected to a network".to_owned(),
        "net.address" => "computers get no network address".to_owned(),
        "net.gateway" => "the router cannot be reached".to_owned(),
        "net.dns" => "websites cannot be found by name".to_owned(),
        "net.captive_portal" => "a sign-in page blocks the internet".to_owned(),
        "net.internet" => "the internet cannot be reached".to_owned(),
        "net.proxy" => "the proxy server is not working".to_owned(),
        "vpn.tunnel" => "the VPN is down".to_owned(),
        "vpn.routes" => "company traffic is not going through the VPN".to_owned(),
        "vpn.dns" => "company names cannot be found over the VPN".to_owned(),
        "vpn.reachability" => "company services do not answer over the VPN".to_owned(),
        "net.mtu" => "large network packets are lost".to_owned(),
        "net.quality" => "the connection is slow".to_owned(),
        "system.clock" => "computer clocks are wrong".to_owned(),
        other => format!("the same problem ({other})"),
    }
}

/// The sentence for a known issue that matches this computer's problem (or, for an
/// announcement, IT's own words). `since` is already local `HH:MM`.
#[must_use]
pub fn known_issue(issue: &deskside_helpdesk::fleet::KnownIssue, since: &str) -> String {
    use deskside_helpdesk::fleet::IssueKind;
    let resolved = issue.resolved_at.is_some();
    match (issue.kind, resolved) {
        (IssueKind::Announcement, false) => format!(
            "IT says: {}",
            sentence(issue.message.as_deref().unwrap_or_default())
        ),
        (IssueKind::Announcement, true) => format!(
            "Resolved: {}",
            sentence(issue.message.as_deref().unwrap_or_default())
        ),
        (IssueKind::Incident, false) => {
            let what = issue_words(issue.root_cause.as_deref().unwrap_or_default());
            let people = if issue.devices == 1 {
                "1 person".to_owned()
            } else {
                format!("{} people", issue.devices)
            };
            format!(
                "IT knows: {what} for {people} since {since}, no need to report it; we'll tell you when it's fixed."
            )
        }
        (IssueKind::Incident, true) => {
            let what = issue_words(issue.root_cause.as_deref().unwrap_or_default());
            format!("Fixed: IT resolved the problem where {what} (since {since}).")
        }
    }
}

/// The notification for a known issue: it now matches this computer's problem, or it was
/// resolved.
#[must_use]
pub fn fleet_notice(issue: &deskside_helpdesk::fleet::KnownIssue, since: &str) -> crate::Notice {
    crate::Notice {
        title: if issue.resolved_at.is_some() {
            "A problem IT knew about is fixed".to_owned()
        } else {
            "IT already knows about this problem".to_owned()
        },
        body: known_issue(issue, since),
    }
}

/// What the worker tells the person: every user-facing text of ticket delivery.
pub mod notices {
    use crate::Notice;

    /// Body of [`delivered`].
    pub const DELIVERED_BODY: &str = "IT will get back to you. Open Deskside to see it.";
    /// Title of [`failed`].
    pub const FAILED_TITLE: &str = "Your request could not be sent to IT";
    /// Body of [`failed`].
    pub const FAILED_BODY: &str = "Open Deskside: you can copy it as an email instead.";
    /// Body of [`answered`].
    pub const ANSWERED_BODY: &str = "Open Deskside to see the reply.";

    /// The helpdesk has the ticket, as number `remote_id` (an e-mail's id is its Message-ID,
    /// `<KEY@deskside.invalid>`: nothing a person would quote, so it is not shown).
    #[must_use]
    pub fn delivered(remote_id: &str) -> Notice {
        Notice {
            title: if remote_id.starts_with('<') {
                "Your request was sent to IT by e-mail".to_owned()
            } else {
                format!("Your request was sent to IT as ticket #{remote_id}")
            },
            body: DELIVERED_BODY.to_owned(),
        }
    }

    /// The ticket was refused or ran out of attempts.
    #[must_use]
    pub fn failed() -> Notice {
        Notice {
            title: FAILED_TITLE.to_owned(),
            body: FAILED_BODY.to_owned(),
        }
    }

    /// IT replied to ticket `remote_id`.
    #[must_use]
    pub fn answered(remote_id: Option<&str>) -> Notice {
        Notice {
            title: match remote_id {
                Some(id) => format!("Your ticket #{id} was answered"),
                None => "Your ticket was answered".to_owned(),
            },
            body: ANSWERED_BODY.to_owned(),
        }
    }
}

/// Reset/unlock without `[server] url`.
pub const RESET_NO_SERVER: &str = "Deskside cannot reset or unlock your account from this computer: no Deskside server is set up. Use your organisation's reset page or ask IT.";

/// A reset step with no flow started (or one already finished).
pub const RESET_NO_FLOW: &str = "This reset has ended. Start again with your user name.";

/// Reset/unlock without an account name.
pub const RESET_NO_ACCOUNT: &str = "Deskside does not know your user name. Type it and try again.";

/// A reset or unlock step the server answered without its own words.
#[must_use]
pub fn reset_http_failed(what: &str, status: u16) -> String {
    format!(
        "The Deskside server could not finish {what} (HTTP {status}). Try again in a few minutes, or ask IT."
    )
}

/// A finished reset or unlock the server answered without its own words.
#[must_use]
pub fn reset_done(reset: bool) -> String {
    if reset {
        "Your password was reset. Sign in with the new one from now on.".to_owned()
    } else {
        "Your account is unlocked. Sign in with your password.".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_issue_reads_in_plain_words() {
        use deskside_helpdesk::fleet::{IssueKind, KnownIssue};
        let mut i = KnownIssue {
            id: "incident-1".into(),
            kind: IssueKind::Incident,
            root_cause: Some("vpn.tunnel".into()),
            network: None,
            devices: 37,
            since: 0,
            message: None,
            ticket: None,
            resolved_at: None,
        };
        assert_eq!(
            known_issue(&i, "09:12"),
            "IT knows: the VPN is down for 37 people since 09:12, no need to report it; we'll tell you when it's fixed."
        );
        i.resolved_at = Some(1);
        assert!(known_issue(&i, "09:12").starts_with("Fixed:"));
        i.kind = IssueKind::Announcement;
        i.resolved_at = None;
        i.message = Some("printer 3 is being replaced".into());
        assert_eq!(
            known_issue(&i, "09:12"),
            "IT says: Printer 3 is being replaced."
        );
    }

    #[test]
    fn an_emailed_request_is_not_called_a_ticket_number() {
        assert_eq!(
            notices::delivered("<0f8fad5b-d9cb-469f-a165-70867728950e@deskside.invalid>").title,
            "Your request was sent to IT by e-mail"
        );
        assert_eq!(
            notices::delivered("42").title,
            "Your request was sent to IT as ticket #42"
        );
        assert!(helpdesk_not_set_up("helpdesk.user is missing").contains("for IT: helpdesk.user"));
    }

    #[test]
    fn sentences_are_capitalised_and_end_with_a_stop() {
        assert_eq!(sentence("no helpdesk"), "No helpdesk.");
        assert_eq!(sentence("Done!"), "Done!");
        assert_eq!(sentence(""), ".");
    }

    #[test]
    fn the_password_entry_shows_the_expiry_only_when_it_matters() {
        use crate::password::{PasswordLinks, PasswordState, PasswordStatus};
        let mut s = PasswordStatus::not_configured(PasswordLinks::default());
        assert_eq!(password_label(&s), "Password");
        s.state = PasswordState::Warning;
        s.days_left = Some(3);
        assert_eq!(password_label(&s), "Password: expires in 3 days");
        s.days_left = Some(1);
        assert_eq!(password_label(&s), "Password: expires tomorrow");
        s.state = PasswordState::Expired;
        assert_eq!(password_label(&s), "Password: expired — change it");
        s.state = PasswordState::Ok;
        s.days_left = Some(40);
        assert_eq!(password_label(&s), "Password");
    }

    #[test]
    fn long_headlines_are_cut_for_the_menu() {
        assert_eq!(menu_headline("Short."), "Short.");
        let long = "x".repeat(200);
        assert_eq!(menu_headline(&long).chars().count(), MENU_HEADLINE_CHARS);
    }
}
