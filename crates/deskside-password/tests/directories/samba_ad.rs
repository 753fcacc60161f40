//! Samba AD: expiry from `msDS-UserPasswordExpiryTimeComputed` (domain policy and a
//! fine-grained PSO), the `unicodePwd` change, and every refusal mapped from AD's texts.

use std::process::Command;

use deskside_password::{PasswordError, PolicyReason, State};

use crate::common::{self, AD_ADMIN_PW, AD_BASE, Server, reason};
use crate::kerberos;

fn tool(server: &Server, args: &[&str]) {
    let conf = server.dir.join("samba/etc/smb.conf");
    let out = Command::new("samba-tool")
        .args(args)
        .args(["-s", conf.to_str().unwrap(), "-H", "ldap://127.0.0.1"])
        .arg(format!("-UAdministrator%{AD_ADMIN_PW}"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "samba-tool {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Creates a user (extra samba-tool options such as `--must-change-at-next-login`).
pub fn add_user(server: &Server, password: &str, extra: &[&str]) -> String {
    let name = common::unique("ad");
    let mut args = vec!["user", "create", name.as_str(), password];
    args.extend_from_slice(extra);
    tool(server, &args);
    name
}

/// Creates a PSO with `options` and applies it to `user`.
pub fn apply_pso(server: &Server, user: &str, options: &[&str]) {
    let pso = common::unique("pso");
    let mut args = vec![
        "domain",
        "passwordsettings",
        "pso",
        "create",
        pso.as_str(),
        "1",
    ];
    args.extend_from_slice(options);
    tool(server, &args);
    tool(
        server,
        &["domain", "passwordsettings", "pso", "apply", &pso, user],
    );
}

pub fn config_text(server: &Server) -> String {
    format!(
        "[password]\nsource = \"ad\"\nurl = \"{}\"\nbase_dn = \"{AD_BASE}\"\nca_file = \"{}\"\nmin_strength = 2\n",
        server.ldaps_url,
        server.ca.display()
    )
}

async fn status(server: &Server, user: &str, password: &str) -> deskside_password::Status {
    common::status_with(&config_text(server), user, password).await
}

async fn change(
    server: &Server,
    user: &str,
    current: &str,
    new: &str,
    skip_local_checks: bool,
) -> Result<deskside_password::ChangeReport, PasswordError> {
    common::change_with(&config_text(server), user, current, new, skip_local_checks).await
}

fn upn(user: &str) -> String {
    format!("{user}@deskside.test")
}

#[tokio::test]
async fn status_days_left_from_domain_policy_and_pso() {
    let Some(server) = common::samba() else {
        return;
    };
    let user = add_user(server, "Start-Pass-801", &[]);
    let st = status(server, &user, "Start-Pass-801").await;
    assert_eq!(st.problem, None, "{st:?}");
    assert_eq!(st.days_left, Some(41), "42-day domain policy: {st:?}");
    assert_eq!(st.state, State::Ok);
    let p = st.policy.unwrap();
    assert_eq!(p.min_length, Some(8));
    assert!(p.complexity);
    assert_eq!(p.history, Some(3));
    assert_eq!(p.max_age_s, Some(42 * 86_400));
    assert_eq!(p.lockout_threshold, Some(3));

    let user = add_user(server, "Start-Pass-802", &[]);
    apply_pso(
        server,
        &user,
        &["--max-pwd-age=5", "--min-pwd-age=0", "--min-pwd-length=10"],
    );
    let st = status(server, &user, "Start-Pass-802").await;
    assert_eq!(st.days_left, Some(4), "5-day PSO: {st:?}");
    assert_eq!(st.state, State::Warning);
}

#[tokio::test]
async fn change_then_new_binds_and_old_fails() {
    let Some(server) = common::samba() else {
        return;
    };
    let user = add_user(server, "Start-Pass-803", &[]);
    let report = change(
        server,
        &user,
        "Start-Pass-803",
        "Quiet-River-Stone-58",
        false,
    )
    .await
    .unwrap();
    assert_eq!(report.status.problem, None, "{:?}", report.status);
    assert_eq!(report.status.days_left, Some(41));
    assert_eq!(
        common::bind_rc(server, &upn(&user), "Quiet-River-Stone-58").await,
        0
    );
    assert_eq!(
        common::bind_rc(server, &upn(&user), "Start-Pass-803").await,
        49
    );
}

#[tokio::test]
async fn refusals_map_to_codes() {
    let Some(server) = common::samba() else {
        return;
    };
    let user = add_user(server, "Start-Pass-804", &[]);
    let err = change(
        server,
        &user,
        "Wrong-Pass-000",
        "Quiet-River-Stone-58",
        false,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "wrong_current_password");
    // The server's own reasons (local checks skipped so the directory judges).
    let err = change(server, &user, "Start-Pass-804", "abcdefghijkl", true)
        .await
        .unwrap_err();
    assert_eq!(reason(&err), Some(PolicyReason::Complexity), "{err:?}");
    let err = change(server, &user, "Start-Pass-804", "Ab1-xy", true)
        .await
        .unwrap_err();
    assert_eq!(reason(&err), Some(PolicyReason::TooShort), "{err:?}");
    change(
        server,
        &user,
        "Start-Pass-804",
        "Amber-Field-Horse-21",
        false,
    )
    .await
    .unwrap();
    let err = change(
        server,
        &user,
        "Amber-Field-Horse-21",
        "Start-Pass-804",
        true,
    )
    .await
    .unwrap_err();
    assert_eq!(reason(&err), Some(PolicyReason::InHistory), "{err:?}");
    // Local checks catch complexity before sending.
    let err = change(
        server,
        &user,
        "Amber-Field-Horse-21",
        "amber field horse blue",
        false,
    )
    .await
    .unwrap_err();
    assert_eq!(reason(&err), Some(PolicyReason::Complexity), "{err:?}");

    let young = add_user(server, "Start-Pass-805", &[]);
    apply_pso(server, &young, &["--min-pwd-age=1", "--max-pwd-age=42"]);
    // Set a moment ago at creation, so younger than the PSO's one-day minimum.
    let err = change(
        server,
        &young,
        "Start-Pass-805",
        "Violet-Ladder-Sun-44",
        false,
    )
    .await
    .unwrap_err();
    assert_eq!(reason(&err), Some(PolicyReason::TooYoung), "{err:?}");
}

#[tokio::test]
async fn locked_account() {
    let Some(server) = common::samba() else {
        return;
    };
    let user = add_user(server, "Start-Pass-806", &[]);
    for _ in 0..3 {
        let err = change(
            server,
            &user,
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
        &user,
        "Start-Pass-806",
        "Quiet-River-Stone-58",
        false,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "account_locked");
}

#[tokio::test]
async fn must_change_at_next_login() {
    let Some(server) = common::samba() else {
        return;
    };
    let user = add_user(server, "Start-Pass-807", &["--must-change-at-next-login"]);
    let st = status(server, &user, "Start-Pass-807").await;
    assert!(st.must_change, "{st:?}");
    assert_eq!(st.state, State::Expired);
    assert_eq!(st.problem.unwrap().code, "must_change");
    // AD refuses the LDAP change (the bind says 773); with no Kerberos reachable (the only
    // KDC named is a closed port) the directory's answer stands, with the way forward.
    let home = tempfile::tempdir().unwrap();
    let dead_kdc = home.path().join("dead-krb5.conf");
    std::fs::write(
        &dead_kdc,
        format!(
            "[libdefaults]\n\tdns_lookup_kdc = false\n\tdns_lookup_realm = false\n[realms]\n\t{realm} = {{\n\t\tkdc = 127.0.0.1:{port}\n\t\tkpasswd_server = 127.0.0.1:{port}\n\t}}\n",
            realm = kerberos::REALM,
            port = common::free_port()
        ),
    )
    .unwrap();
    let without_kdc = format!(
        "{}krb5_config = \"{}\"\n",
        config_text(server),
        dead_kdc.display()
    );
    let err = common::change_with(
        &without_kdc,
        &user,
        "Start-Pass-807",
        "Quiet-River-Stone-58",
        false,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "must_change");
    assert!(err.to_string().contains("must be changed"), "{err}");
    if !common::can_run("must-change through Kerberos", &["kpasswd"]) {
        return;
    }
    // With the domain's KDC reachable, the change goes through its password service, as a
    // Windows sign-in screen does; then the new password binds and nothing is pending.
    let with_kdc = format!(
        "{}kerberos_realm = \"{}\"\nkpasswd_server = \"127.0.0.1\"\nkrb5_config = \"{}\"\n",
        config_text(server),
        kerberos::REALM,
        kerberos::krb5_conf(home.path()).display()
    );
    let report = common::change_with(
        &with_kdc,
        &user,
        "Start-Pass-807",
        "Quiet-River-Stone-58",
        false,
    )
    .await
    .unwrap();
    assert!(!report.status.must_change, "{report:?}");
    assert_eq!(report.status.state, State::Ok, "{report:?}");
    assert_eq!(
        common::bind_rc(server, &upn(&user), "Start-Pass-807").await,
        49
    );
    assert_eq!(
        common::bind_rc(server, &upn(&user), "Quiet-River-Stone-58").await,
        0
    );
}
