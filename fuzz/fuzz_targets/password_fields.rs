//! Values a directory server sends: AD FILETIMEs and intervals, LDAP GeneralizedTime, the
//! attributes the domain, PSO and ppolicy entries carry (one `name: value` per line), the
//! error texts of a failed bind or `unicodePwd` modify, and NetworkManager keyfiles read for
//! credentials to update by hand. Expiries are computed from what was parsed. None may panic.
#![no_main]

use std::collections::HashMap;

use deskside_password::{
    fuzzing, parse_filetime, parse_generalized_time, parse_interval_s, parse_nm_keyfile,
};
use libfuzzer_sys::fuzz_target;
use time::{Duration, OffsetDateTime};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    let mut attrs: HashMap<String, Vec<String>> = HashMap::new();
    for line in text.lines() {
        // `modify-errors.txt` layout: `expected | text`.
        let error_text = line.split_once(" | ").map_or(line, |(_, t)| t);
        for rc in [19, 49, 50, 53] {
            let _ = fuzzing::ad_bind_error(rc, error_text);
            let _ = fuzzing::ad_modify_error(rc, error_text);
        }
        let value = line.split_once(':').map_or(line, |(name, value)| {
            attrs
                .entry(name.trim().to_owned())
                .or_default()
                .push(value.trim().to_owned());
            value
        });
        let _ = parse_filetime(value);
        let _ = parse_interval_s(value);
        let _ = parse_generalized_time(value);
    }
    let now = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
    let changed = attrs
        .get("pwdChangedTime")
        .and_then(|v| v.first())
        .and_then(|v| parse_generalized_time(v));
    for policy in [
        fuzzing::domain_policy(&attrs, 2),
        fuzzing::pso_policy(&attrs, 2),
        fuzzing::ldap_policy(&attrs, 2),
    ] {
        let _ = fuzzing::ldap_expiry(Some(&policy), changed, None, now);
    }
    let account = text.lines().next().unwrap_or_default();
    let _ = parse_nm_keyfile(text, account);
    let _ = parse_nm_keyfile(text, "alice");
});
