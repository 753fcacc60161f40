//! Inputs the fuzz targets in `fuzz/` found, replayed under plain `cargo test`: each file under
//! `tests/fuzz_regressions/<target>/` goes through the same calls as that target and must give
//! an ordinary answer. See `fuzz/README.md`.

use std::path::PathBuf;

use deskside_password::{Expiry, Policy, decode_ppolicy, fuzzing};
use time::{Duration, OffsetDateTime, macros::datetime};

/// A control saying "expires in 412 317 041 666 s" (13 000 years) made the expiry computation
/// panic with "resulting value is out of range"; past year 9999 now means never.
#[test]
fn ppolicy_expiry_past_year_9999_is_never_not_a_panic() {
    let now = datetime!(2026-11-23 12:00 UTC);
    let policy = Policy {
        max_age_s: Some(86_400),
        ..Policy::local_only(2)
    };
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions/password_ppolicy");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let (name, bytes) = (path.display().to_string(), std::fs::read(&path).unwrap());
        seen += 1;
        let response = decode_ppolicy(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let secs = response.time_before_expiration;
        assert!(secs.is_some(), "{name}");
        assert_eq!(
            fuzzing::ldap_expiry(None, None, secs, now),
            Expiry::Never,
            "{name}"
        );
        assert_eq!(
            fuzzing::ldap_expiry(Some(&policy), None, secs, now),
            Expiry::Never,
            "{name}"
        );
    }
    assert!(seen > 0, "no inputs in {}", dir.display());
}

/// The same overflow through `pwdChangedTime` + a huge `pwdMaxAge` from the policy entry.
#[test]
fn huge_pwd_max_age_is_never_not_a_panic() {
    let changed = datetime!(2026-11-23 23:43:15 UTC);
    for max in [u64::MAX, i64::MAX as u64, 400_000_000_000] {
        let policy = Policy {
            max_age_s: Some(max),
            ..Policy::local_only(2)
        };
        assert_eq!(
            fuzzing::ldap_expiry(Some(&policy), Some(changed), None, changed),
            Expiry::Never,
            "pwdMaxAge {max}"
        );
    }
    // An ordinary one still gives the instant.
    let policy = Policy {
        max_age_s: Some(90 * 86_400),
        ..Policy::local_only(2)
    };
    assert_eq!(
        fuzzing::ldap_expiry(Some(&policy), Some(changed), None, changed),
        Expiry::At(changed + Duration::days(90))
    );
    let now = OffsetDateTime::UNIX_EPOCH;
    assert_eq!(
        fuzzing::ldap_expiry(None, None, Some(60), now),
        Expiry::At(now + Duration::seconds(60))
    );
}
