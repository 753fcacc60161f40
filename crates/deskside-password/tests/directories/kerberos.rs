//! The Kerberos source against the Samba AD DC's KDC: the expiry `kinit` reports (domain
//! policy and a PSO), the change with `kpasswd` (then the old password fails `kinit` and the
//! new one works), and the refusals mapped to codes. A private `krb5.conf` per test names the
//! KDC on 127.0.0.1; the kpasswd server comes from `password.kpasswd_server`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use deskside_password::{PasswordError, PolicyReason, State};

use crate::common::{self, Server, reason};
use crate::samba_ad;

pub const REALM: &str = "DESKSIDE.TEST";

/// A `krb5.conf` naming only the KDC (not the kpasswd server: the config key adds that).
pub fn krb5_conf(dir: &Path) -> PathBuf {
    let file = dir.join("krb5.conf");
    std::fs::write(
        &file,
        format!(
            "[libdefaults]\n\tdefault_realm = {REALM}\n\tdns_lookup_kdc = false\n\tdns_lookup_realm = false\n\trdns = false\n[realms]\n\t{REALM} = {{\n\t\tkdc = 127.0.0.1\n\t}}\n"
        ),
    )
    .unwrap();
    file
}

pub fn config_text(krb5: &Path, extra: &str) -> String {
    format!(
        "[password]\nsource = \"kerberos\"\nkerberos_realm = \"{REALM}\"\nkpasswd_server = \"127.0.0.1\"\nkrb5_config = \"{}\"\nmin_strength = 2\n{extra}\n",
        krb5.display()
    )
}

/// Whether the real `kinit` accepts `password` (into a throwaway in-memory cache).
pub fn kinit_ok(krb5: &Path, user: &str, password: &str) -> bool {
    use std::io::Write;
    let mut child = Command::new("kinit")
        .arg(format!("{user}@{REALM}"))
        .env("KRB5_CONFIG", krb5)
        .env("KRB5CCNAME", "MEMORY:test")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    child.wait().unwrap().success()
}

/// The KDC of the Samba test server, when it and the MIT tools are there.
fn kdc() -> Option<&'static Server> {
    if !common::can_run("Kerberos tests", &["kinit", "kpasswd"]) {
        return None;
    }
    common::samba()
}

async fn status(krb5: &Path, user: &str, password: &str) -> deskside_password::Status {
    common::status_with(&config_text(krb5, ""), user, password).await
}

async fn change(
    krb5: &Path,
    user: &str,
    current: &str,
    new: &str,
    skip_local_checks: bool,
) -> Result<deskside_password::ChangeReport, PasswordError> {
    common::change_with(
        &config_text(krb5, ""),
        user,
        current,
        new,
        skip_local_checks,
    )
    .await
}

/// Kerberos times are whole seconds, so a password set a moment ago can show `days` rather
/// than `days - 1` left: check the instant instead, within a minute of `checked_at + days`.
pub fn assert_expires_in(st: &deskside_password::Status, days: i64) {
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;
    let parse =
        |t: &Option<String>| OffsetDateTime::parse(t.as_deref().unwrap(), &Rfc3339).unwrap();
    let (at, checked) = (parse(&st.expires_at), parse(&st.checked_at));
    let off = (at - (checked + time::Duration::days(days))).whole_seconds();
    assert!(
        off.abs() < 60,
        "expected {days} days from {checked}: {st:?}"
    );
    assert_eq!(
        st.days_left,
        Some(deskside_password::days_left(at, checked))
    );
}

#[tokio::test]
async fn kinit_reports_days_left() {
    let Some(server) = kdc() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let krb5 = krb5_conf(tmp.path());
    let user = samba_ad::add_user(server, "Start-Pass-821", &[]);
    let st = status(&krb5, &user, "Start-Pass-821").await;
    assert_eq!(st.problem, None, "{st:?}");
    assert_eq!(st.source, "kerberos");
    assert_expires_in(&st, 42);
    assert_eq!(st.state, State::Ok);

    let user = samba_ad::add_user(server, "Start-Pass-822", &[]);
    samba_ad::apply_pso(server, &user, &["--max-pwd-age=5", "--min-pwd-age=0"]);
    let st = status(&krb5, &user, "Start-Pass-822").await;
    assert_expires_in(&st, 5);
    assert_eq!(st.state, State::Warning);

    let st = status(&krb5, &user, "Wrong-Pass-000").await;
    assert_eq!(st.problem.unwrap().code, "wrong_current_password");
}

#[tokio::test]
async fn kpasswd_change_then_old_fails_and_new_works() {
    let Some(server) = kdc() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let krb5 = krb5_conf(tmp.path());
    let user = samba_ad::add_user(server, "Start-Pass-823", &[]);
    let report = change(
        &krb5,
        &user,
        "Start-Pass-823",
        "Quiet-River-Stone-58",
        false,
    )
    .await
    .unwrap();
    assert_eq!(report.source, "kerberos");
    // Re-read with the new password: a fresh 42-day expiry.
    assert_eq!(report.status.problem, None, "{:?}", report.status);
    assert_expires_in(&report.status, 42);
    assert!(report.ticket.is_none(), "not asked for");
    assert!(kinit_ok(&krb5, &user, "Quiet-River-Stone-58"));
    assert!(!kinit_ok(&krb5, &user, "Start-Pass-823"));
}

#[tokio::test]
async fn kpasswd_refusals_map_to_codes() {
    let Some(server) = kdc() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let krb5 = krb5_conf(tmp.path());
    let user = samba_ad::add_user(server, "Start-Pass-824", &[]);
    let err = change(
        &krb5,
        &user,
        "Wrong-Pass-000",
        "Quiet-River-Stone-58",
        false,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "wrong_current_password", "{err:?}");
    // The KDC's own reasons (local checks skipped so the server judges).
    let err = change(&krb5, &user, "Start-Pass-824", "abcdefghijkl", true)
        .await
        .unwrap_err();
    assert_eq!(reason(&err), Some(PolicyReason::Complexity), "{err:?}");
    let err = change(&krb5, &user, "Start-Pass-824", "Ab1-xy", true)
        .await
        .unwrap_err();
    assert_eq!(reason(&err), Some(PolicyReason::TooShort), "{err:?}");
    // A weak one is refused locally, before kpasswd runs.
    let err = change(&krb5, &user, "Start-Pass-824", "password1", false)
        .await
        .unwrap_err();
    assert_eq!(reason(&err), Some(PolicyReason::TooWeak), "{err:?}");
    assert!(kinit_ok(&krb5, &user, "Start-Pass-824"), "still unchanged");
}

#[tokio::test]
async fn expired_password_is_reported_and_kpasswd_still_changes_it() {
    let Some(server) = kdc() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let krb5 = krb5_conf(tmp.path());
    // Must change at next logon: the KDC answers "key expired", as for an expired password.
    let user = samba_ad::add_user(server, "Start-Pass-825", &["--must-change-at-next-login"]);
    let st = status(&krb5, &user, "Start-Pass-825").await;
    assert_eq!(st.state, State::Expired, "{st:?}");
    assert_eq!(st.problem.unwrap().code, "password_expired");
    // Unlike an LDAP bind, kpasswd may change an expired password.
    let report = change(
        &krb5,
        &user,
        "Start-Pass-825",
        "Amber-Field-Horse-21",
        false,
    )
    .await
    .unwrap();
    assert_eq!(report.status.problem, None, "{:?}", report.status);
    assert!(kinit_ok(&krb5, &user, "Amber-Field-Horse-21"));
}
