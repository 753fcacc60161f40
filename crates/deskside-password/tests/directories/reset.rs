//! Resets and unlocks by a least-privilege service account (`deskside_password::admin_*`), on
//! the real Samba AD DC (a service account delegated with `samba-tool dsacl` on one OU, exactly
//! as docs/passwords.md says) and OpenLDAP (the ACL in `tests/directory/slapd.sh`): reset then
//! the new password binds; a recent password refused (AD through the policy-hints control,
//! OpenLDAP through ppolicy); locked with bad binds, unlocked, then the bind works; an account
//! outside the delegation refused with `not_permitted`; protected and disabled accounts seen.

use std::process::Command;
use std::sync::OnceLock;

use deskside_password::{
    LookupOptions, Password, PasswordError, PolicyReason, ServiceAccount, Settings, admin_reset,
    admin_unlock, lookup_account,
};

use crate::common::{self, AD_ADMIN_PW, AD_BASE, LDAP_ADMIN, LDAP_ADMIN_PW, SUFFIX, Server};
use crate::{openldap, samba_ad};

const LDAP_SERVICE: &str = "cn=deskside-reset,ou=services,dc=deskside,dc=test";
const LDAP_SERVICE_PW: &str = "reset-secret";
const AD_OU: &str = "OU=SelfService,DC=deskside,DC=test";
const AD_SERVICE: &str = "svc-reset";
const AD_SERVICE_PW: &str = "Svc-Reset-Pass-41";

fn reason(e: &PasswordError) -> Option<PolicyReason> {
    common::reason(e)
}

fn samba_tool(server: &Server, args: &[&str]) -> String {
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
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The delegated OU and service account, made once per run with the commands of
/// docs/passwords.md ("Delegation").
fn ad_delegation(server: &Server) {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        samba_tool(server, &["ou", "create", AD_OU]);
        samba_tool(server, &["user", "create", AD_SERVICE, AD_SERVICE_PW]);
        samba_tool(server, &["user", "setexpiry", AD_SERVICE, "--noexpiry"]);
        let shown = samba_tool(
            server,
            &["user", "show", AD_SERVICE, "--attributes=objectSid"],
        );
        let sid = shown
            .lines()
            .find_map(|l| l.strip_prefix("objectSid: "))
            .unwrap()
            .trim()
            .to_owned();
        // Reset Password (extended right), write lockoutTime, write pwdLastSet: on user
        // objects below the OU, nothing else.
        for ace in [
            "OA;CI;CR;00299570-246d-11d0-a768-00aa006e0529;bf967aba-0de6-11d0-a285-00aa003049e2",
            "OA;CI;RPWP;28630ebf-41d5-11d1-a9c1-0000f80367c1;bf967aba-0de6-11d0-a285-00aa003049e2",
            "OA;CI;RPWP;bf967a0a-0de6-11d0-a285-00aa003049e2;bf967aba-0de6-11d0-a285-00aa003049e2",
        ] {
            samba_tool(
                server,
                &[
                    "dsacl",
                    "set",
                    &format!("--objectdn={AD_OU}"),
                    &format!("--sddl=({ace};{sid})"),
                ],
            );
        }
    });
}

fn ad_settings(server: &Server, user: &str) -> Settings {
    let config = common::config(&samba_ad::config_text(server));
    Settings::resolve(&config, Some(user)).unwrap()
}

fn ad_service() -> ServiceAccount {
    ServiceAccount {
        bind: format!("{AD_SERVICE}@deskside.test"),
        password: Password::from(AD_SERVICE_PW),
    }
}

fn ad_user_in_ou(server: &Server, password: &str) -> String {
    let name = common::unique("rs");
    samba_tool(
        server,
        &[
            "user",
            "create",
            &name,
            password,
            "--userou=OU=SelfService",
            "--mail-address",
            &format!("{name}@mail.deskside.test"),
        ],
    );
    name
}

fn upn(user: &str) -> String {
    format!("{user}@deskside.test")
}

#[tokio::test]
async fn ad_reset_binds_and_history_applies() {
    let Some(server) = common::samba() else {
        return;
    };
    ad_delegation(server);
    let user = ad_user_in_ou(server, "First-Pass-731");
    samba_ad::apply_pso(
        server,
        &user,
        &["--history-length=24", "--min-pwd-length=8"],
    );
    let s = ad_settings(server, &user);
    let account = lookup_account(&s, &ad_service(), &LookupOptions::default())
        .await
        .unwrap()
        .unwrap();
    assert!(account.dn.contains("OU=SelfService"), "{account:?}");
    assert_eq!(
        account.primary_address.as_deref(),
        Some(format!("{user}@mail.deskside.test").as_str())
    );
    assert!(!account.disabled && !account.locked && !account.protected);

    admin_reset(
        &s,
        &ad_service(),
        &account.dn,
        &Password::from("Second-Pass-732"),
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        common::bind_rc(server, &upn(&user), "Second-Pass-732").await,
        0
    );
    assert_ne!(
        common::bind_rc(server, &upn(&user), "First-Pass-731").await,
        0
    );
    // The password just set is in the history: refused (no reset skips the history — on
    // Windows through the policy-hints control, on Samba, which lacks it, through the
    // one-off-then-change path).
    let err = admin_reset(
        &s,
        &ad_service(),
        &account.dn,
        &Password::from("Second-Pass-732"),
        false,
    )
    .await
    .unwrap_err();
    assert_eq!(reason(&err), Some(PolicyReason::InHistory), "{err:?}");
    // With a history long enough for the one-off passwords, the first password is refused too.
    samba_ad::apply_pso(
        server,
        &user,
        &["--history-length=24", "--min-pwd-length=8"],
    );
    let err = admin_reset(
        &s,
        &ad_service(),
        &account.dn,
        &Password::from("First-Pass-731"),
        false,
    )
    .await
    .unwrap_err();
    assert_eq!(reason(&err), Some(PolicyReason::InHistory), "{err:?}");
    // Length and complexity apply too.
    let err = admin_reset(
        &s,
        &ad_service(),
        &account.dn,
        &Password::from("short"),
        false,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "policy_violation", "{err:?}");
    // A refused reset leaves a one-off password nobody knows (the user forgot theirs
    // anyway); a good one then works.
    admin_reset(
        &s,
        &ad_service(),
        &account.dn,
        &Password::from("Fourth-Pass-734"),
        true,
    )
    .await
    .unwrap();
    // "Must change at next sign-in": AD refuses the LDAP bind with data 773.
    let err = common::status_with(&samba_ad::config_text(server), &user, "Fourth-Pass-734")
        .await
        .problem
        .unwrap();
    assert_eq!(err.code, "must_change", "{err:?}");
}

#[tokio::test]
async fn ad_lock_with_bad_binds_then_unlock() {
    let Some(server) = common::samba() else {
        return;
    };
    ad_delegation(server);
    let user = ad_user_in_ou(server, "Lock-Pass-741");
    for _ in 0..3 {
        assert_ne!(
            common::bind_rc(server, &upn(&user), "Wrong-Pass-000").await,
            0
        );
    }
    let s = ad_settings(server, &user);
    let account = lookup_account(&s, &ad_service(), &LookupOptions::default())
        .await
        .unwrap()
        .unwrap();
    assert!(account.locked, "{account:?}");
    assert_ne!(
        common::bind_rc(server, &upn(&user), "Lock-Pass-741").await,
        0,
        "locked: even the right password fails"
    );
    admin_unlock(&s, &ad_service(), &account.dn).await.unwrap();
    assert_eq!(
        common::bind_rc(server, &upn(&user), "Lock-Pass-741").await,
        0
    );
    let after = lookup_account(&s, &ad_service(), &LookupOptions::default())
        .await
        .unwrap()
        .unwrap();
    assert!(!after.locked);
}

#[tokio::test]
async fn ad_outside_the_delegation_and_protected_accounts() {
    let Some(server) = common::samba() else {
        return;
    };
    ad_delegation(server);
    // A user in CN=Users, outside the delegated OU.
    let outside = samba_ad::add_user(server, "Outside-Pass-751", &[]);
    let s = ad_settings(server, &outside);
    let account = lookup_account(&s, &ad_service(), &LookupOptions::default())
        .await
        .unwrap()
        .unwrap();
    let err = admin_reset(
        &s,
        &ad_service(),
        &account.dn,
        &Password::from("Other-Pass-752"),
        false,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "not_permitted", "{err:?}");
    // Administrator is AdminSDHolder-protected (adminCount = 1).
    let s = ad_settings(server, "Administrator");
    let admin = lookup_account(&s, &ad_service(), &LookupOptions::default())
        .await
        .unwrap()
        .unwrap();
    assert!(admin.protected, "{admin:?}");
    // A configured protected group (nested membership counts).
    let user = ad_user_in_ou(server, "Group-Pass-753");
    let group = common::unique("grp");
    samba_tool(server, &["group", "add", &group]);
    samba_tool(server, &["group", "addmembers", &group, &user]);
    let s = ad_settings(server, &user);
    let options = LookupOptions {
        protected_groups: vec![format!("CN={group},CN=Users,{AD_BASE}")],
        ..LookupOptions::default()
    };
    let member = lookup_account(&s, &ad_service(), &options)
        .await
        .unwrap()
        .unwrap();
    assert!(member.protected, "{member:?}");
    // Unknown accounts are None; a wrong service password is named.
    let s = ad_settings(server, "no-such-user-xyz");
    assert!(
        lookup_account(&s, &ad_service(), &LookupOptions::default())
            .await
            .unwrap()
            .is_none()
    );
    let bad = ServiceAccount {
        bind: format!("{AD_SERVICE}@deskside.test"),
        password: Password::from("Wrong-Pass-000"),
    };
    let err = lookup_account(&s, &bad, &LookupOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "service_account");
}

fn ldap_settings(server: &Server, uid: &str) -> Settings {
    let config = common::config(&openldap::config_text(server, &server.ldaps_url, ""));
    Settings::resolve(&config, Some(uid)).unwrap()
}

fn ldap_service() -> ServiceAccount {
    ServiceAccount {
        bind: LDAP_SERVICE.to_owned(),
        password: Password::from(LDAP_SERVICE_PW),
    }
}

#[tokio::test]
async fn openldap_reset_binds_and_history_applies() {
    let Some(server) = common::slapd() else {
        return;
    };
    let uid = openldap::add_user(server, "First-Pass-761", None).await;
    let s = ldap_settings(server, &uid);
    let account = lookup_account(&s, &ldap_service(), &LookupOptions::default())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.dn, openldap::user_dn(&uid));
    assert!(!account.locked && !account.disabled);
    admin_reset(
        &s,
        &ldap_service(),
        &account.dn,
        &Password::from("Second-Pass-762"),
        false,
    )
    .await
    .unwrap();
    let dn = openldap::user_dn(&uid);
    assert_eq!(common::bind_rc(server, &dn, "Second-Pass-762").await, 0);
    assert_eq!(common::bind_rc(server, &dn, "First-Pass-761").await, 49);
    let err = admin_reset(
        &s,
        &ldap_service(),
        &account.dn,
        &Password::from("First-Pass-761"),
        false,
    )
    .await
    .unwrap_err();
    assert_eq!(reason(&err), Some(PolicyReason::InHistory), "{err:?}");
    assert_eq!(common::bind_rc(server, &dn, "Second-Pass-762").await, 0);
    // Must change after the reset: pwdReset is set.
    admin_reset(
        &s,
        &ldap_service(),
        &account.dn,
        &Password::from("Third-Pass-763"),
        true,
    )
    .await
    .unwrap();
    let mut admin = common::bind(server, LDAP_ADMIN, LDAP_ADMIN_PW).await;
    let (entries, _) = admin
        .search(&dn, ldap3::Scope::Base, "(pwdReset=TRUE)", vec!["1.1"])
        .await
        .unwrap()
        .success()
        .unwrap();
    assert_eq!(entries.len(), 1, "pwdReset is TRUE");
    // Unknown account: None.
    let s = ldap_settings(server, "no-such-user-xyz");
    assert!(
        lookup_account(&s, &ldap_service(), &LookupOptions::default())
            .await
            .unwrap()
            .is_none()
    );
    // The service account may not touch entries outside ou=people.
    let err = admin_reset(
        &s,
        &ldap_service(),
        &format!("cn=admin,{SUFFIX}"),
        &Password::from("Other-Pass-764"),
        false,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err.code(), "not_permitted" | "account_not_found"),
        "{err:?}"
    );
}

#[tokio::test]
async fn openldap_lock_with_bad_binds_then_unlock() {
    let Some(server) = common::slapd() else {
        return;
    };
    let uid = openldap::add_user(server, "Lock-Pass-771", None).await;
    let dn = openldap::user_dn(&uid);
    // The default policy locks after 5 failures.
    for _ in 0..5 {
        assert_eq!(common::bind_rc(server, &dn, "Wrong-Pass-000").await, 49);
    }
    assert_eq!(
        common::bind_rc(server, &dn, "Lock-Pass-771").await,
        49,
        "locked: even the right password fails"
    );
    let s = ldap_settings(server, &uid);
    let account = lookup_account(&s, &ldap_service(), &LookupOptions::default())
        .await
        .unwrap()
        .unwrap();
    assert!(account.locked, "{account:?}");
    admin_unlock(&s, &ldap_service(), &account.dn)
        .await
        .unwrap();
    assert_eq!(common::bind_rc(server, &dn, "Lock-Pass-771").await, 0);
    // Unlocking an account that is not locked is fine.
    admin_unlock(&s, &ldap_service(), &account.dn)
        .await
        .unwrap();
}
