//! The one type Deskside keeps secrets in: helpdesk tokens and passwords, directory passwords,
//! bytes written to a child's stdin. A [`Secret`] zeroes its memory when dropped, prints
//! `<redacted>` in `Debug`, has no `Display` and no `Serialize`, and gives its value only through
//! [`Secret::expose`], so a secret cannot reach a log line, an error message or a JSON document
//! by accident; every place that really sends one is a greppable `expose()` call.
//!
//! What it cannot do: copies a library makes while using the exposed value (an HTTP header, an
//! LDAP request buffer) are out of its reach; they live only as long as that request.

use std::fmt;
use std::ops::Deref;

use zeroize::Zeroize;

/// A secret value (by default a `String`), zeroed on drop and never printed.
///
/// ```
/// use deskside_secret::Secret;
/// let token = Secret::new("s3cr3t");
/// assert_eq!(format!("{token:?}"), "<redacted>");
/// assert_eq!(token.expose(), "s3cr3t");
/// ```
pub struct Secret<T: Zeroize = String> {
    value: T,
}

impl Secret<String> {
    /// Wraps text; a `String` is moved in, not copied.
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
        }
    }
}

impl<T: Zeroize + Deref> Secret<T> {
    /// The value, for the one call that must send it (`&str` for text, `&[u8]` for bytes).
    /// Never log it.
    #[must_use]
    pub fn expose(&self) -> &T::Target {
        &self.value
    }
}

impl<T: Zeroize> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Self { value }
    }
}

impl From<&str> for Secret<String> {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl<T: Zeroize + Clone> Clone for Secret<T> {
    fn clone(&self) -> Self {
        Self {
            value: self.value.clone(),
        }
    }
}

/// Plain equality, for tests and settings comparisons; not constant-time, so never use it to
/// check a secret someone presents.
impl<T: Zeroize + PartialEq> PartialEq for Secret<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Zeroize + Eq> Eq for Secret<T> {}

impl<T: Zeroize> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T: Zeroize> Drop for Secret<T> {
    fn drop(&mut self) {
        // `String` and `Vec` zero their whole capacity, not only their length.
        self.value.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_redacted_and_never_the_value() {
        let s = Secret::new("Planted-Secret-Value-1");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(format!("{s:#?}"), "<redacted>");
        assert_eq!(format!("{:?}", Some(&s)), "Some(<redacted>)");
        let bytes = Secret::from(b"Planted-Bytes-2".to_vec());
        assert_eq!(format!("{bytes:?}"), "<redacted>");
        #[derive(Debug)]
        #[expect(dead_code, reason = "only printed")]
        struct Holder {
            token: Secret,
        }
        let shown = format!("{:?}", Holder { token: s.clone() });
        assert!(!shown.contains("Planted"), "{shown}");
    }

    #[test]
    fn expose_gives_the_value_as_str_or_bytes() {
        assert_eq!(Secret::new(String::from("abc")).expose(), "abc");
        assert_eq!(Secret::from("abc").expose(), "abc");
        assert_eq!(Secret::from(vec![1_u8, 2, 3]).expose(), &[1, 2, 3]);
        assert_eq!(Secret::new("x"), Secret::new("x"));
        assert_ne!(Secret::new("x"), Secret::new("y"));
    }

    #[test]
    fn drop_zeroes_the_value() {
        // What `Drop` does, observed on a value that is still alive afterwards.
        let mut s = Secret::new("Planted-Zero-3");
        s.value.zeroize();
        assert!(s.expose().is_empty());
        let mut b = Secret::from(vec![0xAA_u8; 16]);
        b.value.zeroize();
        assert!(b.expose().is_empty());
    }
}
