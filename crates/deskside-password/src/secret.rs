//! The password type. A [`Password`] is the workspace's one [`Secret`] (from `deskside-secret`:
//! zeroed when dropped, `<redacted>` in `Debug`, no `Serialize`) with the two things only a
//! password needs: its length in characters and AD's `unicodePwd` encoding. The only way to the
//! text is [`Password::expose`], called at the few places that hand it to the directory or the
//! keyring. Copies the LDAP client makes while encoding a request are out of our reach; they live
//! only for that request.

use std::fmt;

use deskside_secret::Secret;
use zeroize::Zeroizing;

/// A password held in memory that is zeroed on drop and never printed.
#[derive(Clone)]
pub struct Password(Secret);

impl Password {
    /// Wraps `text`; the caller's `String` is moved in, not copied.
    #[must_use]
    pub fn new(text: String) -> Self {
        Self(Secret::new(text))
    }

    /// The text, for the directory or keyring call that needs it. Never log it.
    #[must_use]
    pub fn expose(&self) -> &str {
        self.0.expose()
    }

    /// Number of characters (not bytes), for the length rule.
    #[must_use]
    pub fn char_count(&self) -> usize {
        self.expose().chars().count()
    }

    /// AD's `unicodePwd` value: the password in double quotes, as UTF-16LE, in a buffer that
    /// is zeroed on drop.
    #[must_use]
    pub fn ad_unicode_pwd(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity((self.expose().len() + 2) * 2));
        for unit in "\""
            .encode_utf16()
            .chain(self.expose().encode_utf16())
            .chain("\"".encode_utf16())
        {
            out.extend_from_slice(&unit.to_le_bytes());
        }
        out
    }
}

impl From<String> for Password {
    fn from(text: String) -> Self {
        Self::new(text)
    }
}

impl From<&str> for Password {
    fn from(text: &str) -> Self {
        Self::new(text.to_owned())
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_text() {
        let p = Password::from("Hunter2-planted");
        assert_eq!(format!("{p:?}"), "<redacted>");
        assert_eq!(format!("{p}"), "<redacted>");
        assert_eq!(format!("{:?}", Some(&p)), "Some(<redacted>)");
        assert_eq!(p.expose(), "Hunter2-planted");
    }

    #[test]
    fn unicode_pwd_is_quoted_utf16le() {
        let p = Password::from("Aé1");
        assert_eq!(
            p.ad_unicode_pwd().as_slice(),
            &[0x22, 0, 0x41, 0, 0xE9, 0, 0x31, 0, 0x22, 0]
        );
        assert_eq!(p.char_count(), 3);
    }
}
