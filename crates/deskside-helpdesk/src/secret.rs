//! Secrets as a type: the workspace's one [`Secret`] (from `deskside-secret`), zeroed on drop,
//! reachable only through [`Secret::expose`], `<redacted>` in `Debug`, so a secret cannot reach
//! a log line or an error message by accident. A config value `keyring:SERVICE/ACCOUNT` is read
//! from the OS keyring (Secret Service on Linux, Keychain on macOS, Credential Manager on
//! Windows) instead of the config file.

use crate::HelpdeskError;

pub use deskside_secret::Secret;

/// The prefix of a keyring reference.
pub const KEYRING_PREFIX: &str = "keyring:";

/// Resolves a config value: a literal secret, or `keyring:SERVICE/ACCOUNT`.
///
/// # Errors
/// [`HelpdeskError::Keyring`] when the reference is malformed or the keyring has no entry.
pub(crate) fn resolve(key: &'static str, value: &str) -> Result<Secret, HelpdeskError> {
    let Some(reference) = value.strip_prefix(KEYRING_PREFIX) else {
        return Ok(Secret::new(value));
    };
    let fail = |problem: String| HelpdeskError::Keyring {
        key,
        reference: value.to_owned(),
        problem,
    };
    let (service, account) = reference
        .split_once('/')
        .filter(|(s, a)| !s.is_empty() && !a.is_empty())
        .ok_or_else(|| fail("expected keyring:SERVICE/ACCOUNT".to_owned()))?;
    let entry = keyring::Entry::new(service, account).map_err(|e| fail(e.to_string()))?;
    entry
        .get_password()
        .map(Secret::new)
        .map_err(|e| fail(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some(<redacted>)");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn literal_values_pass_through_and_bad_references_are_named() {
        assert_eq!(resolve("token", "abc").unwrap().expose(), "abc");
        let err = resolve("token", "keyring:no-slash").unwrap_err();
        assert_eq!(err.code(), "helpdesk.keyring");
        assert!(err.to_string().contains("keyring:SERVICE/ACCOUNT"), "{err}");
    }
}
