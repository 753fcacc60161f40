//! The OpenLDAP password-policy response control (BER, decoded by hand) from a directory
//! server, then what the bind/modify error mapping and the expiry computation make of it.
//! None may panic.
#![no_main]

use deskside_password::{Policy, decode_ppolicy, fuzzing};
use libfuzzer_sys::fuzz_target;
use time::{Duration, OffsetDateTime};

fuzz_target!(|data: &[u8]| {
    let Ok(response) = decode_ppolicy(data) else {
        return;
    };
    for rc in [0, 19, 49, 50, 53] {
        let _ = fuzzing::ppolicy_bind_error(rc, "text", Some(&response));
        let _ = fuzzing::ppolicy_modify_error(rc, "text", Some(&response));
    }
    let now = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
    let policy = Policy {
        max_age_s: Some(86_400),
        ..Policy::local_only(2)
    };
    let _ = fuzzing::ldap_expiry(None, None, response.time_before_expiration, now);
    let _ = fuzzing::ldap_expiry(Some(&policy), None, response.time_before_expiration, now);
});
