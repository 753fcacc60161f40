//! Signed requests (`deskside-request/1`): every device request after enrolment carries
//!
//! | header | value |
//! |---|---|
//! | `Deskside-Key-Id` | the key id the server issued at enrolment |
//! | `Deskside-Timestamp` | Unix seconds when the request was signed |
//! | `Deskside-Nonce` | 16–64 characters `[A-Za-z0-9_-]`, never reused by this key |
//! | `Content-Digest` | `sha-256=:<base64 SHA-256 of the body>:` (RFC 9530 syntax; empty body too) |
//! | `Deskside-Signature` | base64 of the Ed25519 signature of the canonical string |
//!
//! The canonical string is the seven lines `deskside-request/1`, the method, the path with
//! query, the key id, the timestamp, the nonce and the digest, joined by `\n` (no trailing
//! newline). The server recomputes the digest from the body it received, so a changed body,
//! path, method or time fails the signature; the clock-skew window and the nonce store
//! (server side) make a captured request unusable a second time. This module is pure: the
//! caller supplies time, nonce and randomness.

use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest as _, Sha256};

/// The scheme's first line.
pub const SCHEME: &str = "deskside-request/1";
/// Header naming the key.
pub const HEADER_KEY_ID: &str = "deskside-key-id";
/// Header with the signing time.
pub const HEADER_TIMESTAMP: &str = "deskside-timestamp";
/// Header with the nonce.
pub const HEADER_NONCE: &str = "deskside-nonce";
/// Header with the body digest.
pub const HEADER_DIGEST: &str = "content-digest";
/// Header with the signature.
pub const HEADER_SIGNATURE: &str = "deskside-signature";

/// Why a request's signature headers are not acceptable (checks that need no database).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// A signature header is absent.
    #[error("the request is not signed: header {0} is missing")]
    Missing(&'static str),
    /// A signature header is present but not in the expected form.
    #[error("header {header} is malformed: {problem}")]
    Malformed {
        /// The header.
        header: &'static str,
        /// What is wrong.
        problem: &'static str,
    },
    /// The body does not match `Content-Digest`.
    #[error("the body does not match its Content-Digest")]
    BadDigest,
    /// The signature does not verify with the device's key.
    #[error("the signature does not match the request")]
    BadSignature,
}

impl SignError {
    /// Stable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Missing(_) => "auth.unsigned",
            Self::Malformed { .. } => "auth.malformed",
            Self::BadDigest => "auth.bad_digest",
            Self::BadSignature => "auth.bad_signature",
        }
    }
}

/// `sha-256=:<base64>:` of `body`.
#[must_use]
pub fn digest(body: &[u8]) -> String {
    let hash = Sha256::digest(body);
    format!(
        "sha-256=:{}:",
        base64::engine::general_purpose::STANDARD.encode(hash)
    )
}

/// The canonical string that is signed.
#[must_use]
pub fn canonical(
    method: &str,
    path_and_query: &str,
    key_id: &str,
    timestamp: i64,
    nonce: &str,
    digest: &str,
) -> String {
    format!(
        "{SCHEME}\n{}\n{path_and_query}\n{key_id}\n{timestamp}\n{nonce}\n{digest}",
        method.to_ascii_uppercase()
    )
}

/// The headers to send with a request, signed by `key`.
#[must_use]
pub fn sign_request(
    key: &SigningKey,
    key_id: &str,
    method: &str,
    path_and_query: &str,
    body: &[u8],
    timestamp: i64,
    nonce: &str,
) -> Vec<(&'static str, String)> {
    let digest = digest(body);
    let text = canonical(method, path_and_query, key_id, timestamp, nonce, &digest);
    let signature = key.sign(text.as_bytes());
    vec![
        (HEADER_KEY_ID, key_id.to_owned()),
        (HEADER_TIMESTAMP, timestamp.to_string()),
        (HEADER_NONCE, nonce.to_owned()),
        (HEADER_DIGEST, digest),
        (
            HEADER_SIGNATURE,
            base64::engine::general_purpose::STANDARD.encode(signature.to_bytes()),
        ),
    ]
}

/// The signature headers of a received request, checked for form only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// `Deskside-Key-Id`.
    pub key_id: String,
    /// `Deskside-Timestamp`.
    pub timestamp: i64,
    /// `Deskside-Nonce`.
    pub nonce: String,
    /// `Content-Digest`.
    pub digest: String,
    signature: [u8; 64],
}

/// Whether `s` is 1..=max characters of `[A-Za-z0-9_-]`.
fn token(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl Signed {
    /// Reads the five headers through `get` (a case-insensitive header lookup).
    ///
    /// # Errors
    /// [`SignError::Missing`] or [`SignError::Malformed`].
    pub fn from_headers<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Self, SignError> {
        let need = |h: &'static str| get(h).map(str::trim).ok_or(SignError::Missing(h));
        let key_id = need(HEADER_KEY_ID)?;
        if !token(key_id, 1, 64) {
            return Err(SignError::Malformed {
                header: HEADER_KEY_ID,
                problem: "expected 1-64 characters A-Z a-z 0-9 _ -",
            });
        }
        let timestamp =
            need(HEADER_TIMESTAMP)?
                .parse::<i64>()
                .map_err(|_| SignError::Malformed {
                    header: HEADER_TIMESTAMP,
                    problem: "expected Unix seconds",
                })?;
        let nonce = need(HEADER_NONCE)?;
        if !token(nonce, 16, 64) {
            return Err(SignError::Malformed {
                header: HEADER_NONCE,
                problem: "expected 16-64 characters A-Z a-z 0-9 _ -",
            });
        }
        let digest = need(HEADER_DIGEST)?;
        if !digest.starts_with("sha-256=:") || !digest.ends_with(':') || digest.len() != 54 {
            return Err(SignError::Malformed {
                header: HEADER_DIGEST,
                problem: "expected sha-256=:<base64>:",
            });
        }
        let raw = base64::engine::general_purpose::STANDARD
            .decode(need(HEADER_SIGNATURE)?)
            .map_err(|_| SignError::Malformed {
                header: HEADER_SIGNATURE,
                problem: "expected base64",
            })?;
        let signature = <[u8; 64]>::try_from(raw.as_slice()).map_err(|_| SignError::Malformed {
            header: HEADER_SIGNATURE,
            problem: "expected a 64-byte Ed25519 signature",
        })?;
        Ok(Self {
            key_id: key_id.to_owned(),
            timestamp,
            nonce: nonce.to_owned(),
            digest: digest.to_owned(),
            signature,
        })
    }

    /// Checks the body against the digest and the signature against `public_key` (strict
    /// Ed25519 verification: no malleable or small-order signatures).
    ///
    /// # Errors
    /// [`SignError::BadDigest`] or [`SignError::BadSignature`] (also for a public key that is
    /// not a valid point).
    pub fn verify(
        &self,
        public_key: &[u8; 32],
        method: &str,
        path_and_query: &str,
        body: &[u8],
    ) -> Result<(), SignError> {
        if digest(body) != self.digest {
            return Err(SignError::BadDigest);
        }
        let key = VerifyingKey::from_bytes(public_key).map_err(|_| SignError::BadSignature)?;
        let text = canonical(
            method,
            path_and_query,
            &self.key_id,
            self.timestamp,
            &self.nonce,
            &self.digest,
        );
        key.verify_strict(text.as_bytes(), &Signature::from_bytes(&self.signature))
            .map_err(|_| SignError::BadSignature)
    }
}

/// A public key from its base64 text (enrolment).
///
/// # Errors
/// `None` when it is not 32 bytes of base64 or not a valid Ed25519 point.
#[must_use]
pub fn parse_public_key(text: &str) -> Option<[u8; 32]> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()?;
    let bytes = <[u8; 32]>::try_from(raw.as_slice()).ok()?;
    VerifyingKey::from_bytes(&bytes).ok()?;
    Some(bytes)
}

/// The base64 text of `key`'s public half.
#[must_use]
pub fn public_key_text(key: &SigningKey) -> String {
    base64::engine::general_purpose::STANDARD.encode(key.verifying_key().to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7; 32])
    }

    fn headers(h: &[(&'static str, String)]) -> HashMap<&'static str, String> {
        h.iter().cloned().collect()
    }

    fn parse(h: &HashMap<&'static str, String>) -> Result<Signed, SignError> {
        Signed::from_headers(|name| h.get(name).map(String::as_str))
    }

    const NONCE: &str = "0123456789abcdef";

    #[test]
    fn the_canonical_string_is_the_documented_one() {
        let text = canonical(
            "post",
            "/v1/tickets",
            "dk_1",
            1_700_000_000,
            NONCE,
            &digest(b""),
        );
        assert_eq!(
            text,
            "deskside-request/1\nPOST\n/v1/tickets\ndk_1\n1700000000\n0123456789abcdef\n\
             sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"
        );
        let doc = include_str!("../../../docs/server.md");
        assert!(doc.contains(&text), "docs/server.md shows the same example");
    }

    #[test]
    fn a_signed_request_verifies_and_any_change_fails() {
        let k = key();
        let pk = k.verifying_key().to_bytes();
        let h = headers(&sign_request(
            &k,
            "dk_1",
            "POST",
            "/v1/tickets",
            b"{}",
            1_700_000_000,
            NONCE,
        ));
        let s = parse(&h).unwrap();
        assert_eq!(s.verify(&pk, "POST", "/v1/tickets", b"{}"), Ok(()));
        assert_eq!(
            s.verify(&pk, "POST", "/v1/tickets", b"{ }"),
            Err(SignError::BadDigest)
        );
        assert_eq!(
            s.verify(&pk, "GET", "/v1/tickets", b"{}"),
            Err(SignError::BadSignature)
        );
        assert_eq!(
            s.verify(&pk, "POST", "/v1/device", b"{}"),
            Err(SignError::BadSignature)
        );
        let other = SigningKey::from_bytes(&[8; 32]).verifying_key().to_bytes();
        assert_eq!(
            s.verify(&other, "POST", "/v1/tickets", b"{}"),
            Err(SignError::BadSignature)
        );
        // A changed timestamp or nonce header breaks the signature.
        let mut later = h.clone();
        later.insert(HEADER_TIMESTAMP, "1700000001".into());
        assert_eq!(
            parse(&later)
                .unwrap()
                .verify(&pk, "POST", "/v1/tickets", b"{}"),
            Err(SignError::BadSignature)
        );
        let mut other_nonce = h.clone();
        other_nonce.insert(HEADER_NONCE, "fedcba9876543210".into());
        assert_eq!(
            parse(&other_nonce)
                .unwrap()
                .verify(&pk, "POST", "/v1/tickets", b"{}"),
            Err(SignError::BadSignature)
        );
    }

    #[test]
    fn malformed_headers_are_named() {
        let k = key();
        let h = headers(&sign_request(
            &k,
            "dk_1",
            "GET",
            "/v1/device",
            b"",
            1,
            NONCE,
        ));
        for (name, bad, code) in [
            (HEADER_KEY_ID, "a b", "auth.malformed"),
            (HEADER_TIMESTAMP, "soon", "auth.malformed"),
            (HEADER_NONCE, "short", "auth.malformed"),
            (HEADER_DIGEST, "md5=abc", "auth.malformed"),
            (HEADER_SIGNATURE, "!!", "auth.malformed"),
            (HEADER_SIGNATURE, "AAAA", "auth.malformed"),
        ] {
            let mut m = h.clone();
            m.insert(name, bad.into());
            assert_eq!(parse(&m).unwrap_err().code(), code, "{name}={bad}");
        }
        let mut m = h;
        m.remove(HEADER_SIGNATURE);
        assert_eq!(parse(&m), Err(SignError::Missing(HEADER_SIGNATURE)));
    }

    #[test]
    fn public_keys_round_trip_and_garbage_is_refused() {
        let k = key();
        assert_eq!(
            parse_public_key(&public_key_text(&k)),
            Some(k.verifying_key().to_bytes())
        );
        assert_eq!(parse_public_key("AAAA"), None);
        assert_eq!(parse_public_key("not base64"), None);
    }

    proptest::proptest! {
        #[test]
        fn header_parsing_never_panics(a in ".{0,80}", b in ".{0,80}", c in ".{0,100}") {
            let _ = Signed::from_headers(|name| match name {
                HEADER_KEY_ID => Some(a.as_str()),
                HEADER_TIMESTAMP => Some(b.as_str()),
                _ => Some(c.as_str()),
            });
        }
    }
}
