//! OpenLDAP with the ppolicy overlay: expiry from `pwdChangedTime` + `pwdMaxAge`, the warning
//! and grace answers of the password-policy control in real time, the RFC 3062 change and each
//! way it is refused.

use std::collections::HashSet;
use std::time::Duration;

use deskside_password::{PasswordError, PolicyReason, State};

use crate::common::{self, LDAP_ADMIN, LDAP_ADMIN_PW, SUFFIX, Server, reason};

/// Adds a ppolicy entry; returns its DN.
pub async fn add_policy(server: &Server, attrs: &[(&str, &str)]) -> String {
    let cn = common::unique("pol");
    let dn = format!("cn={cn},ou=policies,{SUFFIX}");
    let mut entry: Vec<(&str, HashSet<&str>)> = vec![
        ("objectClass", HashSet::from(["device", "pwdPolicy"])),
        ("cn", HashSet::from([cn.as_str()])),
        ("pwdAttribute", HashSet::from(["userPassword"])),
        ("pwdAllowUserChange", HashSet::from(["TRUE"])),
    ];
    entry.extend(attrs.iter().map(|(k, v)| (*k, HashSet::from([*v]))));
    let mut ldap = common::bind(server, LDAP_ADMIN, LDAP_ADMIN_PW).await;
    ldap.add(&dn, entry).await.unwrap().success().unwrap();
    dn
}

/// Adds a user with `password` under `policy`; returns the uid.
pub async fn add_user(server: &Server, password: &str, policy: Option<&str>) -> String {
    let uid = common::unique("u");
    let dn = format!("uid={uid},ou=people,{SUFFIX}");
    let mut entry: Vec<(&str, HashSet<&str>)> = vec![
        ("objectClass", HashSet::from(["inetOrgPerson"])),
        ("uid", HashSet::from([uid.as_str()])),
        ("cn", HashSet::from([uid.as_str()])),
        ("sn", HashSet::from(["Test"])),
        ("userPassword", HashSet::from([password])),
    ];
    if let Some(p) = policy {
        entry.push(("pwdPolicySubentry", HashSet::from([p])));
    }
    let mut ldap = common::bind(server, LDAP_ADMIN, LDAP_ADMIN_PW).await;
    ldap.add(&dn, entry).await.unwrap().success().unwrap();
    uid
}

pub fn user_dn(uid: &str) -> String {
    format!("uid={uid},ou=people,{SUFFIX}")
}

/// The `[password]` config for this server (plus `extra` TOML lines).
pub fn config_text(server: &Server, url: &str, extra: &str) -> String {
    format!(
        "[password]\nsource = \"ldap\"\nurl = \"{url}\"\nca_file = \"{}\"\nuser_dn_template = \"uid={{user}},ou=people,{SUFFIX}\"\npolicy_dn = \"cn=default,ou=policies,{SUFFIX}\"\nmin_strength = 2\n{extra}\n",
        server.ca.display()
    )
}

async fn status(
    server: &Server,
    uid: &str,
    password: &str,
    extra: &str,
) -> deskside_password::Status {
    common::status_with(
        &config_text(server, &server.ldaps_url, extra),
        uid,
        password,
    )
    .await
}

pub async fn change(
    server: &Server,
    uid: &str,
    current: &str,
    new: &str,
    skip_local_checks: bool,
) -> Result<deskside_password::ChangeReport, PasswordError> {
    let text = config_text(server, &server.ldaps_url, "");
    common::change_with(&text, uid, current, new, skip_local_checks).await
}

#[tokio::test]
async fn status_reads_days_left_and_policy() {
    let Some(server) = common::slapd() else {
        return;
    };
    let policy = add_policy(
        server,
        &[
            ("pwdMaxAge", "864000"),
            ("pwdMinLength", "9"),
            ("pwdInHistory", "4"),
            ("pwdLockout", "TRUE"),
            ("pwdMaxFailure", "6"),
        ],
    )
    .await;
    let uid = add_user(server, "Start-Pass-901", Some(&policy)).await;
    let st = status(server, &uid, "Start-Pass-901", "warn_days = [3]").await;
    assert_eq!(st.problem, None);
    // 10 days minus the seconds since the entry was added.
    assert_eq!(st.days_left, Some(9), "{st:?}");
    assert_eq!(st.state, State::Ok);
    assert!(!st.cached);
    let p = st.policy.unwrap();
    assert_eq!(
        (p.min_length, p.history, p.max_age_s, p.lockout_threshold),
        (Some(9), Some(4), Some(864_000), Some(6))
    );
    // The same reading is a warning with the default thresholds (14, 7, 3, 1).
    let st = status(server, &uid, "Start-Pass-901", "").await;
    assert_eq!(st.state, State::Warning);
    // A policy without a maximum age: never.
    let never = add_policy(server, &[("pwdMaxAge", "0")]).await;
    let uid = add_user(server, "Start-Pass-901", Some(&never)).await;
    assert_eq!(
        status(server, &uid, "Start-Pass-901", "").await.state,
        State::Never
    );
}

#[tokio::test]
async fn warning_grace_and_expired_from_the_policy_control() {
    let Some(server) = common::slapd() else {
        return;
    };
    let policy = add_policy(
        server,
        &[
            ("pwdMaxAge", "5"),
            ("pwdExpireWarning", "4"),
            ("pwdGraceAuthNLimit", "2"),
        ],
    )
    .await;
    let uid = add_user(server, "Start-Pass-902", Some(&policy)).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let st = status(server, &uid, "Start-Pass-902", "").await;
    assert_eq!(st.state, State::Warning, "{st:?}");
    assert_eq!(st.days_left, Some(0));
    // slapd counts whole seconds: well past the 5 s maximum age.
    tokio::time::sleep(Duration::from_millis(5500)).await;
    let st = status(server, &uid, "Start-Pass-902", "").await;
    assert_eq!(st.state, State::Grace, "{st:?}");
    assert_eq!(st.grace_logins_left, Some(1));
    let st = status(server, &uid, "Start-Pass-902", "").await;
    assert_eq!(st.grace_logins_left, Some(0));
    // Grace used up: the bind fails with passwordExpired.
    let st = status(server, &uid, "Start-Pass-902", "").await;
    assert_eq!(st.state, State::Expired, "{st:?}");
    assert_eq!(st.problem.unwrap().code, "password_expired");
    let err = change(
        server,
        &uid,
        "Start-Pass-902",
        "Fresh-Meadow-Walk-19",
        false,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "password_expired");
}

#[tokio::test]
async fn change_then_new_password_binds_and_old_fails() {
    let Some(server) = common::slapd() else {
        return;
    };
    let uid = add_user(server, "Start-Pass-903", None).await;
    let report = change(
        server,
        &uid,
        "Start-Pass-903",
        "Quiet-River-Stone-58",
        false,
    )
    .await
    .unwrap();
    assert_eq!(report.account, uid);
    assert_eq!(
        report.status.problem, None,
        "re-read with the new password: {:?}",
        report.status
    );
    assert_eq!(report.status.state, State::Never);
    assert_eq!(
        common::bind_rc(server, &user_dn(&uid), "Quiet-River-Stone-58").await,
        0
    );
    assert_eq!(
        common::bind_rc(server, &user_dn(&uid), "Start-Pass-903").await,
        49
    );
}

#[tokio::test]
async fn wrong_current_password_is_refused() {
    let Some(server) = common::slapd() else {
        return;
    };
    let uid = add_user(server, "Start-Pass-904", None).await;
    let err = change(
        server,
        &uid,
        "Not-The-Pass-1",
        "Quiet-River-Stone-58",
        false,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "wrong_current_password");
    assert_eq!(
        common::bind_rc(server, &user_dn(&uid), "Start-Pass-904").await,
        0,
        "unchanged"
    );
}

#[tokio::test]
async fn each_server_side_policy_reason() {
    let Some(server) = common::slapd() else {
        return;
    };
    let policy = add_policy(
        server,
        &[
            ("pwdMinLength", "12"),
            ("pwdCheckQuality", "2"),
            ("pwdInHistory", "3"),
        ],
    )
    .await;
    let uid = add_user(server, "Start-Pass-905", Some(&policy)).await;
    // Too short: sent anyway (local checks skipped) so the directory's answer is what is mapped.
    let err = change(server, &uid, "Start-Pass-905", "Ab1-short", true)
        .await
        .unwrap_err();
    assert_eq!(reason(&err), Some(PolicyReason::TooShort), "{err:?}");
    // In history: change away and back.
    change(
        server,
        &uid,
        "Start-Pass-905",
        "Amber-Field-Horse-21",
        false,
    )
    .await
    .unwrap();
    let err = change(server, &uid, "Amber-Field-Horse-21", "Start-Pass-905", true)
        .await
        .unwrap_err();
    assert_eq!(reason(&err), Some(PolicyReason::InHistory), "{err:?}");

    // Too young: a minimum age of an hour.
    let young = add_policy(server, &[("pwdMinAge", "3600")]).await;
    let uid = add_user(server, "Start-Pass-906", Some(&young)).await;
    // Set a moment ago when the entry was added, so younger than an hour.
    let err = change(
        server,
        &uid,
        "Start-Pass-906",
        "Violet-Ladder-Sun-44",
        false,
    )
    .await
    .unwrap_err();
    assert_eq!(reason(&err), Some(PolicyReason::TooYoung), "{err:?}");
}

#[tokio::test]
async fn local_checks_refuse_before_sending() {
    let Some(server) = common::slapd() else {
        return;
    };
    let policy = add_policy(server, &[("pwdMinLength", "12")]).await;
    let uid = add_user(server, "Start-Pass-907", Some(&policy)).await;
    for (new, expect) in [
        ("Ab1-short", PolicyReason::TooShort),
        (
            &*format!("Xq9-{uid}-Tractor"),
            PolicyReason::ContainsAccountName,
        ),
        ("password1234", PolicyReason::TooWeak),
        ("Start-Pass-907", PolicyReason::SameAsCurrent),
    ] {
        let err = change(server, &uid, "Start-Pass-907", new, false)
            .await
            .unwrap_err();
        assert_eq!(reason(&err), Some(expect), "{new}: {err:?}");
    }
    assert_eq!(
        common::bind_rc(server, &user_dn(&uid), "Start-Pass-907").await,
        0,
        "unchanged"
    );
}

#[tokio::test]
async fn locked_account() {
    let Some(server) = common::slapd() else {
        return;
    };
    let policy = add_policy(server, &[("pwdLockout", "TRUE"), ("pwdMaxFailure", "2")]).await;
    let uid = add_user(server, "Start-Pass-908", Some(&policy)).await;
    for _ in 0..2 {
        let err = change(
            server,
            &uid,
            "Wrong-Pass-000",
            "Quiet-River-Stone-58",
            false,
        )
        .await
        .unwrap_err();
        assert_eq!(err.code(), "wrong_current_password");
    }
    let err = change(
        server,
        &uid,
        "Start-Pass-908",
        "Quiet-River-Stone-58",
        false,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "account_locked");
    let st = status(server, &uid, "Start-Pass-908", "").await;
    assert_eq!(st.problem.unwrap().code, "account_locked");
}

#[tokio::test]
async fn must_change_after_an_administrator_reset() {
    let Some(server) = common::slapd() else {
        return;
    };
    let uid = add_user(server, "Start-Pass-909", None).await;
    let mut admin = common::bind(server, LDAP_ADMIN, LDAP_ADMIN_PW).await;
    admin
        .modify(
            &user_dn(&uid),
            vec![ldap3::Mod::Replace("pwdReset", HashSet::from(["TRUE"]))],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    let st = status(server, &uid, "Start-Pass-909", "").await;
    assert!(st.must_change, "{st:?}");
    assert_eq!(st.state, State::Expired);
    // The change itself is what the reset asks for, and it works.
    let report = change(
        server,
        &uid,
        "Start-Pass-909",
        "Maple-Orbit-Chalk-72",
        false,
    )
    .await
    .unwrap();
    assert!(!report.status.must_change, "{:?}", report.status);
}
