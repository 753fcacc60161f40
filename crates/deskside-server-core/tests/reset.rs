//! The reset and unlock flows' security rules, each a test, against a fake directory and a
//! recording mailer, on SQLite (every scenario) and on one private PostgreSQL cluster (all
//! scenarios in one database; skipped unless PostgreSQL is installed or
//! `DESKSIDE_SERVER_PG_REQUIRED=1`). The real directories are exercised by
//! `deskside-password`'s `directories` tests and the server's `reset_http` test.
#![expect(clippy::unwrap_used, reason = "tests: a panic is the failure report")]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use deskside_secret::Secret;
use deskside_server_api::EnrollRequest;
use deskside_server_api::sign::public_key_text;
use deskside_server_core::enroll::Device;
use deskside_server_core::reset::{
    AccountDirectory, BoxFuture, Caller, DirAccount, DirError, FlowKind, Mailer, ResetError,
    ResetPolicy, ResetService,
};
use deskside_server_core::testing::cluster_or_skip;
use deskside_server_core::{Core, Db, Limits};

/// An account, its passwords (newest first, the history) and whether it is locked.
type FakeAccount = (DirAccount, Vec<String>, bool);

#[derive(Debug, Default)]
struct FakeDir {
    accounts: Mutex<HashMap<String, FakeAccount>>,
    resets: Mutex<u32>,
}

impl FakeDir {
    fn add(&self, name: &str, password: &str, disabled: bool, protected: bool) {
        self.accounts.lock().unwrap().insert(
            name.to_owned(),
            (
                DirAccount {
                    dn: format!("uid={name},ou=people"),
                    recovery_address: Some(format!("{name}@recovery.test")),
                    primary_address: Some(format!("{name}@corp.test")),
                    disabled,
                    protected,
                },
                vec![password.to_owned()],
                false,
            ),
        );
    }
    fn password(&self, name: &str) -> String {
        self.accounts.lock().unwrap()[name].1[0].clone()
    }
}

impl AccountDirectory for FakeDir {
    fn lookup<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Option<DirAccount>, DirError>> {
        Box::pin(async move {
            Ok(self
                .accounts
                .lock()
                .unwrap()
                .get(account)
                .map(|a| a.0.clone()))
        })
    }
    fn reset<'a>(
        &'a self,
        account: &'a str,
        _dn: &'a str,
        password: &'a Secret,
    ) -> BoxFuture<'a, Result<(), DirError>> {
        Box::pin(async move {
            // Slow enough for two concurrent submissions to overlap.
            tokio::time::sleep(Duration::from_millis(50)).await;
            let mut all = self.accounts.lock().unwrap();
            let entry = all.get_mut(account).unwrap();
            if entry.1.iter().any(|p| p == password.expose()) {
                return Err(DirError {
                    code: "policy_violation".into(),
                    message: "it was used recently".into(),
                });
            }
            entry.1.insert(0, password.expose().to_owned());
            *self.resets.lock().unwrap() += 1;
            Ok(())
        })
    }
    fn unlock<'a>(&'a self, account: &'a str, _dn: &'a str) -> BoxFuture<'a, Result<(), DirError>> {
        Box::pin(async move {
            self.accounts.lock().unwrap().get_mut(account).unwrap().2 = false;
            Ok(())
        })
    }
    fn check_password<'a>(
        &'a self,
        account: &'a str,
        password: &'a Secret,
    ) -> BoxFuture<'a, Result<bool, DirError>> {
        Box::pin(async move {
            Ok(self
                .accounts
                .lock()
                .unwrap()
                .get(account)
                .is_some_and(|a| a.1[0] == password.expose()))
        })
    }
}

#[derive(Debug, Default)]
struct Outbox(Mutex<Vec<(String, String, String)>>);

impl Mailer for Outbox {
    fn send<'a>(
        &'a self,
        to: &'a str,
        subject: &'a str,
        body: &'a str,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            self.0
                .lock()
                .unwrap()
                .push((to.to_owned(), subject.to_owned(), body.to_owned()));
            Ok(())
        })
    }
}

impl Outbox {
    /// The code of the latest mail to `to`.
    fn code_for(&self, to: &str) -> Option<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find(|m| m.0 == to)
            .and_then(|m| {
                m.2.lines()
                    .find_map(|l| l.strip_prefix("Your code: "))
                    .map(str::to_owned)
            })
    }
    fn to(&self, to: &str) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.0 == to)
            .map(|m| m.2.clone())
            .collect()
    }
}

struct Env {
    core: Core,
    dir: Arc<FakeDir>,
    mail: Arc<Outbox>,
    svc: ResetService,
}

fn env(core: Core, policy: ResetPolicy) -> Env {
    let dir = Arc::new(FakeDir::default());
    let mail = Arc::new(Outbox::default());
    let svc = ResetService::new(core.clone(), policy, dir.clone(), mail.clone());
    Env {
        core,
        dir,
        mail,
        svc,
    }
}

fn policy() -> ResetPolicy {
    ResetPolicy {
        public_url: Some("https://deskside.corp.test/".into()),
        ..ResetPolicy::default()
    }
}

fn caller(ip: &str) -> Caller {
    Caller {
        ip: ip.to_owned(),
        device: None,
    }
}

async fn device_for(core: &Core, os_user: &str, seed: u8) -> Device {
    let secret = core
        .create_enroll_secret(1, Duration::from_secs(60), None)
        .await
        .unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    let r = core
        .enroll(&EnrollRequest {
            secret: secret.secret,
            public_key: public_key_text(&key),
            device_name: format!("pc-{seed}"),
            os_user: os_user.to_owned(),
        })
        .await
        .unwrap();
    core.device_by_key(&r.key_id).await.unwrap().unwrap()
}

/// Reset with code + device: the whole way, then the notice, the audit, and nothing secret
/// in the database.
async fn reset_with_code_and_device(core: Core, tag: &str) {
    let e = env(core, policy());
    let user = format!("alice{tag}");
    e.dir.add(&user, "Old-Pass-1", false, false);
    let dev = device_for(&e.core, &user, 11).await;
    let c = Caller {
        ip: "198.51.100.7".into(),
        device: Some(dev),
    };
    let start = e.svc.start(FlowKind::Reset, &user, &c).await.unwrap();
    assert_eq!(start.factors, vec!["device"]);
    assert_eq!(start.factors_required, 2);
    assert!(start.flow.len() >= 3 + 32, "128-bit handle");
    // Not ready with one factor.
    let err = e
        .svc
        .complete(&start.flow, Some(&Secret::new("New-Pass-2")), &c)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "reset.factors_missing");
    // The mail goes out from the queue, not in the request.
    assert!(e.mail.code_for(&format!("{user}@recovery.test")).is_none());
    assert_eq!(e.svc.process_mail().await.unwrap(), 1);
    let code = e.mail.code_for(&format!("{user}@recovery.test")).unwrap();
    assert_eq!(code.len(), 8);
    assert!(code.chars().all(|c| c.is_ascii_digit()));
    let mail = &e.mail.to(&format!("{user}@recovery.test"))[0];
    assert!(
        mail.contains("https://deskside.corp.test/password/"),
        "the link is built from public_url: {mail}"
    );
    let state = e.svc.verify_code(&start.flow, &code, &c).await.unwrap();
    assert!(state.ready);
    let done = e
        .svc
        .complete(&start.flow, Some(&Secret::new("New-Pass-2")), &c)
        .await
        .unwrap();
    assert_eq!(done.kind, FlowKind::Reset);
    assert_eq!(e.dir.password(&user), "New-Pass-2");
    // Used: a second completion is refused.
    let err = e
        .svc
        .complete(&start.flow, Some(&Secret::new("New-Pass-3")), &c)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "reset.already_used");
    // The notice to the primary address.
    e.svc.process_mail().await.unwrap();
    let notice = e.mail.to(&format!("{user}@corp.test"));
    assert_eq!(notice.len(), 1);
    assert!(notice[0].contains("If this wasn't you, call IT"));
    // Audit: start, code, complete (refused), complete (done), complete (already used).
    let audit = scan(&e.core, "SELECT step || ':' || result || ':' || account || ':' || COALESCE(source_ip, '') || ':' || factors FROM reset_audit").await;
    for want in [
        format!("start:accepted:{user}:198.51.100.7:device"),
        format!("code:accepted:{user}:198.51.100.7:device,code"),
        format!("complete:factors_missing:{user}"),
        format!("complete:done:{user}"),
        format!("complete:reset.already_used:{user}"),
    ] {
        assert!(
            audit.iter().any(|a| a.starts_with(&want)),
            "{want} in {audit:?}"
        );
    }
    // Planted secrets: the code, the password and the flow handle are nowhere in the database.
    let everything = dump(&e.core).await;
    for secret in [code.as_str(), "New-Pass-2", start.flow.as_str()] {
        assert!(
            !everything.contains(secret),
            "{secret} found in the database"
        );
    }
}

/// Every text value of every reset table.
async fn dump(core: &Core) -> String {
    let mut all = String::new();
    for table in ["reset_flows", "reset_throttle", "reset_mail", "reset_audit"] {
        for row in scan_all(core, table).await {
            all.push_str(&row);
            all.push('\n');
        }
    }
    all
}

async fn scan_all(core: &Core, table: &str) -> Vec<String> {
    core.db().debug_dump(table).await.unwrap()
}

async fn scan(core: &Core, sql: &str) -> Vec<String> {
    core.db().debug_strings(sql).await.unwrap()
}

/// Unknown, disabled, protected and real users get the same answer from `start`.
async fn identical_answers(core: Core, tag: &str) {
    let e = env(core, policy());
    let real = format!("bob{tag}");
    let disabled = format!("carol{tag}");
    let protected = format!("dave{tag}");
    e.dir.add(&real, "P-1", false, false);
    e.dir.add(&disabled, "P-1", true, false);
    e.dir.add(&protected, "P-1", false, true);
    let mut shapes = Vec::new();
    for name in [
        real.as_str(),
        disabled.as_str(),
        protected.as_str(),
        "nobody-at-all",
    ] {
        let a = e
            .svc
            .start(FlowKind::Reset, name, &caller("198.51.100.8"))
            .await
            .unwrap();
        let mut v = serde_json::to_value(&a).unwrap();
        v["flow"] = "X".into();
        shapes.push(v.to_string());
    }
    assert!(shapes.windows(2).all(|w| w[0] == w[1]), "{shapes:?}");
    // Only the real account gets a code.
    assert_eq!(e.svc.process_mail().await.unwrap(), 1);
    assert!(e.mail.code_for(&format!("{real}@recovery.test")).is_some());
    assert!(
        e.mail
            .code_for(&format!("{disabled}@recovery.test"))
            .is_none()
    );
    assert!(
        e.mail
            .code_for(&format!("{protected}@recovery.test"))
            .is_none()
    );
}

/// A protected account is refused at the final step even with enough factors.
async fn protected_refused(core: Core, tag: &str) {
    let mut p = policy();
    p.factors_required = 1;
    let e = env(core, p);
    let user = format!("erin{tag}");
    e.dir.add(&user, "P-1", false, true);
    let dev = device_for(&e.core, &user, 12).await;
    let c = Caller {
        ip: "198.51.100.9".into(),
        device: Some(dev),
    };
    let start = e.svc.start(FlowKind::Unlock, &user, &c).await.unwrap();
    let err = e.svc.complete(&start.flow, None, &c).await.unwrap_err();
    assert_eq!(err.code(), "reset.not_allowed");
    // Another user's device is not a factor.
    let start = e.svc.start(FlowKind::Unlock, "frank", &c).await.unwrap();
    assert!(start.factors.is_empty());
}

/// Codes: 5 tries, one live flow per account, single use, 10-minute life.
async fn code_rules(core: Core, tag: &str) {
    let e = env(core, policy());
    let user = format!("gina{tag}");
    e.dir.add(&user, "P-1", false, false);
    let c = caller("198.51.100.10");
    let first = e.svc.start(FlowKind::Reset, &user, &c).await.unwrap();
    e.svc.process_mail().await.unwrap();
    let code1 = e.mail.code_for(&format!("{user}@recovery.test")).unwrap();
    // A new start revokes the first flow and its code.
    let second = e.svc.start(FlowKind::Reset, &user, &c).await.unwrap();
    let err = e
        .svc
        .verify_code(&first.flow, &code1, &c)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "reset.no_flow");
    e.svc.process_mail().await.unwrap();
    let code2 = e.mail.code_for(&format!("{user}@recovery.test")).unwrap();
    // Four wrong tries, then the right one is the fifth: accepted.
    let wrong = if code2 == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    for _ in 0..4 {
        let err = e
            .svc
            .verify_code(&second.flow, wrong, &c)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "reset.wrong_code");
    }
    e.svc.verify_code(&second.flow, &code2, &c).await.unwrap();
    // Single use: the same code again is wrong, then tries are over.
    let err = e
        .svc
        .verify_code(&second.flow, &code2, &c)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "reset.too_many_tries");
    // Six tries on a fresh flow: the sixth is refused even with the right code.
    let third = e.svc.start(FlowKind::Reset, &user, &c).await.unwrap();
    e.svc.process_mail().await.unwrap();
    let code3 = e.mail.code_for(&format!("{user}@recovery.test")).unwrap();
    let wrong = if code3 == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    for _ in 0..5 {
        e.svc.verify_code(&third.flow, wrong, &c).await.unwrap_err();
    }
    let err = e
        .svc
        .verify_code(&third.flow, &code3, &c)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "reset.too_many_tries");
    // Life: a flow past its expiry is gone.
    let fourth = e.svc.start(FlowKind::Reset, &user, &c).await.unwrap();
    e.core
        .db()
        .debug_execute(&format!(
            "UPDATE reset_flows SET expires_at = 1, code_expires_at = 1 WHERE account = '{user}'"
        ))
        .await
        .unwrap();
    let err = e
        .svc
        .verify_code(&fourth.flow, "12345678", &c)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "reset.no_flow");
    assert_eq!(policy().code_ttl, Duration::from_secs(600));
}

/// Two concurrent final submissions: one success.
async fn double_use(core: Core, tag: &str) {
    let mut p = policy();
    p.factors_required = 1;
    let e = env(core, p);
    let user = format!("hank{tag}");
    e.dir.add(&user, "P-1", false, false);
    let c = caller("198.51.100.11");
    let start = e.svc.start(FlowKind::Reset, &user, &c).await.unwrap();
    e.svc.process_mail().await.unwrap();
    let code = e.mail.code_for(&format!("{user}@recovery.test")).unwrap();
    e.svc.verify_code(&start.flow, &code, &c).await.unwrap();
    let (pa, pb) = (Secret::new("Pass-A-1"), Secret::new("Pass-B-2"));
    let (a, b) = tokio::join!(
        e.svc.complete(&start.flow, Some(&pa), &c),
        e.svc.complete(&start.flow, Some(&pb), &c)
    );
    let ok = [a.is_ok(), b.is_ok()].iter().filter(|x| **x).count();
    assert_eq!(ok, 1, "{a:?} {b:?}");
    let refused = if a.is_err() { a } else { b };
    assert_eq!(refused.unwrap_err().code(), "reset.already_used");
    assert_eq!(*e.dir.resets.lock().unwrap(), 1);
}

/// A password the directory refuses releases the flow for another try.
async fn refusal_releases(core: Core, tag: &str) {
    let mut p = policy();
    p.factors_required = 1;
    let e = env(core, p);
    let user = format!("ivy{tag}");
    e.dir.add(&user, "Old-1", false, false);
    let c = caller("198.51.100.12");
    let start = e.svc.start(FlowKind::Reset, &user, &c).await.unwrap();
    e.svc.process_mail().await.unwrap();
    let code = e.mail.code_for(&format!("{user}@recovery.test")).unwrap();
    e.svc.verify_code(&start.flow, &code, &c).await.unwrap();
    let err = e
        .svc
        .complete(&start.flow, Some(&Secret::new("Old-1")), &c)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "password.policy_violation");
    assert_eq!(err.status(), 422);
    e.svc
        .complete(&start.flow, Some(&Secret::new("Fresh-2")), &c)
        .await
        .unwrap();
}

/// Throttles per account, IP, recovery address and device, failures included.
async fn throttles(core: Core, tag: &str) {
    let mut p = policy();
    p.per_account_per_hour = 3;
    p.per_ip_per_hour = 6;
    p.per_address_per_hour = 2;
    p.per_device_per_hour = 2;
    let e = env(core, p);
    let user = format!("jack{tag}");
    e.dir.add(&user, "P-1", false, false);
    // Account: 3 starts from 3 IPs, the fourth refused (a name that does not exist too).
    for i in 0..3 {
        e.svc
            .start(FlowKind::Reset, &user, &caller(&format!("203.0.113.{i}")))
            .await
            .unwrap();
        e.svc.process_mail().await.unwrap();
    }
    let err = e
        .svc
        .start(FlowKind::Reset, &user, &caller("203.0.113.9"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "reset.throttled");
    assert!(err.retry_after_s().unwrap() > 0);
    // Recovery address: only 2 of the 3 flows got a mail.
    assert_eq!(e.mail.to(&format!("{user}@recovery.test")).len(), 2);
    // IP: wrong codes count against it too.
    let ip = caller(&format!("203.0.113.{}", 50 + tag.len()));
    let other = format!("kim{tag}");
    let f = e.svc.start(FlowKind::Reset, &other, &ip).await.unwrap();
    for _ in 0..4 {
        e.svc
            .verify_code(&f.flow, "00000000", &ip)
            .await
            .unwrap_err();
    }
    // 1 start + 4 failures = 5 of 6; the next start is the sixth, the one after refused.
    e.svc.start(FlowKind::Reset, &other, &ip).await.unwrap();
    let err = e
        .svc
        .start(FlowKind::Reset, "someone", &ip)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "reset.throttled");
    // Device: 2 starts, then refused.
    let dev = device_for(&e.core, &format!("lee{tag}"), 13).await;
    let c = Caller {
        ip: "203.0.113.77".into(),
        device: Some(dev),
    };
    for n in 0..2 {
        e.svc
            .start(FlowKind::Unlock, &format!("lee{tag}{n}"), &c)
            .await
            .unwrap();
    }
    let err = e.svc.start(FlowKind::Unlock, "x", &c).await.unwrap_err();
    assert_eq!(err.code(), "reset.throttled");
    assert!(matches!(err, ResetError::Throttled { .. }));
}

/// Two instances (two connection pools, two services) on one database: the throttles are one
/// throttle, a code sent through one is checked by the other, and a final step sent to both at
/// once succeeds once.
async fn two_instances(a: Core, b: Core, tag: &str) {
    let mut p = policy();
    p.per_account_per_hour = 3;
    p.factors_required = 1;
    let ea = env(a, p.clone());
    let user = format!("nina{tag}");
    ea.dir.add(&user, "P-1", false, false);
    // The second instance shares the directory and mail of the first (as two servers would
    // share the real ones), but has its own connections and service.
    let sb = ResetService::new(b, p, ea.dir.clone(), ea.mail.clone());
    let c = caller("198.18.0.1");
    ea.svc.start(FlowKind::Reset, &user, &c).await.unwrap();
    sb.start(FlowKind::Reset, &user, &c).await.unwrap();
    let last = ea.svc.start(FlowKind::Reset, &user, &c).await.unwrap();
    let err = sb.start(FlowKind::Reset, &user, &c).await.unwrap_err();
    assert_eq!(err.code(), "reset.throttled", "the limit of 3 is shared");
    // Mail through A, code checked through B, completed on both at once.
    ea.svc.process_mail().await.unwrap();
    let code = ea.mail.code_for(&format!("{user}@recovery.test")).unwrap();
    sb.verify_code(&last.flow, &code, &c).await.unwrap();
    let (pa, pb) = (Secret::new("Two-A-1"), Secret::new("Two-B-2"));
    let (x, y) = tokio::join!(
        ea.svc.complete(&last.flow, Some(&pa), &c),
        sb.complete(&last.flow, Some(&pb), &c)
    );
    assert_eq!(
        usize::from(x.is_ok()) + usize::from(y.is_ok()),
        1,
        "{x:?} {y:?}"
    );
    assert_eq!(*ea.dir.resets.lock().unwrap(), 1);
}

async fn sqlite_core() -> (tempfile::TempDir, Core) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::sqlite(&dir.path().join("s.sqlite3")).await.unwrap();
    (dir, Core::new(db, Limits::default()))
}

macro_rules! on_sqlite {
    ($($name:ident),*) => {
        mod sqlite {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let (_d, core) = sqlite_core().await;
                    super::$name(core, "").await;
                }
            )*
        }
    };
}

on_sqlite!(
    reset_with_code_and_device,
    identical_answers,
    protected_refused,
    code_rules,
    double_use,
    refusal_releases,
    throttles
);

/// All scenarios in one PostgreSQL database (one cluster start), names kept apart by a tag.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_all() {
    let Some(cluster) = cluster_or_skip("reset_all") else {
        return;
    };
    let db = Db::postgres(&cluster.url("postgres"), None, 4)
        .await
        .unwrap();
    let core = Core::new(db, Limits::default());
    reset_with_code_and_device(core.clone(), "pg1").await;
    identical_answers(core.clone(), "pg2").await;
    protected_refused(core.clone(), "pg3").await;
    code_rules(core.clone(), "pg4").await;
    double_use(core.clone(), "pg5").await;
    refusal_releases(core.clone(), "pg6").await;
    throttles(core.clone(), "pg7").await;
    let second = Db::postgres(&cluster.url("postgres"), None, 4)
        .await
        .unwrap();
    two_instances(core.clone(), Core::new(second, Limits::default()), "pg8").await;
    totp_factor(core.clone(), "pg9").await;
}

/// Two instances on one SQLite file (the single-node case of the same rule).
#[tokio::test]
async fn two_instances_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite3");
    let a = Core::new(Db::sqlite(&path).await.unwrap(), Limits::default());
    let b = Core::new(Db::sqlite(&path).await.unwrap(), Limits::default());
    two_instances(a, b, "").await;
}

/// TOTP: enrolled while signed in (own device + current password), a code from the app is
/// the `totp` factor once, a recovery code works once, the database holds neither.
async fn totp_factor(core: Core, tag: &str) {
    use deskside_server_core::totp;
    let mut p = policy();
    p.totp_key = Some(Secret::new("k".repeat(40)));
    let e = env(core, p);
    let user = format!("olga{tag}");
    e.dir.add(&user, "Cur-Pass-1", false, false);
    let own = Caller {
        ip: "198.18.0.2".into(),
        device: Some(device_for(&e.core, &user, 14).await),
    };
    // Not from another user's device, not with a wrong password.
    let other = Caller {
        ip: "198.18.0.2".into(),
        device: Some(device_for(&e.core, "someone-else", 15).await),
    };
    let err = e
        .svc
        .enrol_totp(&user, &Secret::new("Cur-Pass-1"), &other)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "reset.not_allowed");
    let err = e
        .svc
        .enrol_totp(&user, &Secret::new("Wrong-1"), &own)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "reset.wrong_password");
    let enrolled = e
        .svc
        .enrol_totp(&user, &Secret::new("Cur-Pass-1"), &own)
        .await
        .unwrap();
    assert_eq!(enrolled.recovery_codes.len(), 10);
    assert!(enrolled.otpauth_uri.starts_with("otpauth://totp/Deskside:"));
    let secret = data_encoding::BASE32_NOPAD
        .decode(enrolled.secret_base32.as_bytes())
        .unwrap();
    assert_eq!(secret.len(), 20);
    // A flow with the app's code: the totp factor; the same code again is refused.
    let c = caller("198.18.0.3");
    let flow = e.svc.start(FlowKind::Reset, &user, &c).await.unwrap();
    let now = deskside_server_core::now_ms() / 1000;
    let code = totp::totp(&secret, now, 6);
    let state = e.svc.verify_totp(&flow.flow, &code, &c).await.unwrap();
    assert_eq!(state.factors, vec!["totp"]);
    let flow2 = e.svc.start(FlowKind::Reset, &user, &c).await.unwrap();
    let err = e.svc.verify_totp(&flow2.flow, &code, &c).await.unwrap_err();
    assert_eq!(err.code(), "reset.wrong_code", "a code is accepted once");
    // A recovery code: once.
    let rc = enrolled.recovery_codes[0].clone();
    e.svc.verify_totp(&flow2.flow, &rc, &c).await.unwrap();
    let flow3 = e.svc.start(FlowKind::Reset, &user, &c).await.unwrap();
    let err = e.svc.verify_totp(&flow3.flow, &rc, &c).await.unwrap_err();
    assert_eq!(err.code(), "reset.wrong_code");
    // Code + totp = two factors: the reset goes through.
    e.svc.process_mail().await.unwrap();
    let mailed = e.mail.code_for(&format!("{user}@recovery.test")).unwrap();
    e.svc.verify_code(&flow3.flow, &mailed, &c).await.unwrap();
    let rc2 = enrolled.recovery_codes[1].clone();
    let state = e.svc.verify_totp(&flow3.flow, &rc2, &c).await.unwrap();
    assert!(state.ready, "{state:?}");
    e.svc
        .complete(&flow3.flow, Some(&Secret::new("Totp-New-2")), &c)
        .await
        .unwrap();
    // An account without an authenticator: wrong code, like any other.
    let flow4 = e
        .svc
        .start(FlowKind::Reset, "nobody-totp", &c)
        .await
        .unwrap();
    let err = e
        .svc
        .verify_totp(&flow4.flow, "123456", &c)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "reset.wrong_code");
    // Neither the secret nor a recovery code is in the database.
    let mut all = dump(&e.core).await;
    for t in ["reset_totp", "reset_recovery_codes"] {
        all.push_str(&scan_all(&e.core, t).await.join("\n"));
    }
    assert!(!all.contains(&enrolled.secret_base32));
    assert!(!all.contains(&hex_of(&secret)));
    for rc in &enrolled.recovery_codes {
        assert!(!all.contains(rc.as_str()), "{rc} in the database");
    }
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[tokio::test]
async fn totp_on_sqlite() {
    let (_d, core) = sqlite_core().await;
    totp_factor(core, "").await;
}
