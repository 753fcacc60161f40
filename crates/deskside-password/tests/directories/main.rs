//! Password tests against real directories started on loopback: OpenLDAP with ppolicy
//! (`openldap.rs`), Samba AD (`samba_ad.rs`), Samba's KDC driven by kinit/kpasswd
//! (`kerberos.rs`), and the CLI end to end with the planted-secret scan, keyring sync and
//! the Kerberos ticket refresh (`cli.rs`). One test binary, so each server starts once.

#![expect(clippy::unwrap_used, reason = "tests: a panic is the failure report")]
#![expect(clippy::panic, reason = "tests: a panic is the failure report")]
#![expect(clippy::print_stderr, reason = "tests report skips and timings")]
#![expect(
    clippy::disallowed_methods,
    reason = "tests start servers and drive the real CLI"
)]

mod cli;
mod common;
mod kerberos;
mod openldap;
mod reset;
mod samba_ad;
mod tls;
