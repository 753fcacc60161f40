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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_are_capitalised_and_end_with_a_stop() {
        assert_eq!(sentence("no helpdesk"), "No helpdesk.");
        assert_eq!(sentence("Done!"), "Done!");
        assert_eq!(sentence(""), ".");
    }
}
