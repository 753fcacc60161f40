//! `desksidectl password` end to end against the real servers: the JSON shapes and exit codes,
//! the planted-secret scan (trace logging on, every output and every file written searched for
//! the passwords), keyring sync inside a private D-Bus session with gnome-keyring, and the
//! clock pre-flight under libfaketime.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::common;
use crate::{kerberos, openldap, samba_ad};

const CURRENT: &str = "Planted-Current-7731";
const NEW: &str = "Planted-New-Secret-8842";

fn write_config(home: &Path, text: &str) -> std::path::PathBuf {
    let file = home.join("config.toml");
    std::fs::write(&file, text).unwrap();
    file
}

/// `desksidectl password COMMAND --json --user USER --password-stdin` for one user, home
/// directory and config file.
#[derive(Clone, Copy)]
struct PasswordCli<'a> {
    bin: &'a Path,
    home: &'a Path,
    config: &'a Path,
    user: &'a str,
}

impl PasswordCli<'_> {
    /// Runs `command` with `stdin` and the extra environment `env`.
    fn run(self, command: &str, stdin: &str, env: &[(&str, &str)]) -> Output {
        self.run_in(&[], command, stdin, env)
    }

    /// [`Self::run`] behind a command prefix.
    fn run_in(self, prefix: &[String], command: &str, stdin: &str, env: &[(&str, &str)]) -> Output {
        let args = [
            "password",
            command,
            "--json",
            "--user",
            self.user,
            "--password-stdin",
        ];
        common::run_cli(prefix, self.bin, self.home, self.config, &args, stdin, env)
    }
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn assert_no_secret(what: &str, bytes: &[u8]) {
    for secret in [CURRENT, NEW] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{what} contains a password: {}",
            String::from_utf8_lossy(bytes)
        );
    }
}

#[tokio::test]
async fn planted_passwords_never_leave_the_process() {
    let Some(server) = common::slapd() else {
        return;
    };
    let Some(bin) = common::desksidectl() else {
        return;
    };
    let uid = openldap::add_user(server, CURRENT, None).await;
    let home = tempfile::tempdir().unwrap();
    let config = write_config(
        home.path(),
        &openldap::config_text(server, &server.ldaps_url, ""),
    );
    let cli = PasswordCli {
        bin: &bin,
        home: home.path(),
        config: &config,
        user: &uid,
    };
    let trace = [("DESKSIDE_LOG", "trace")];
    let mut outputs = Vec::new();

    let status = cli.run("status", &format!("{CURRENT}\n"), &trace);
    assert_eq!(
        status.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert_eq!(json(&status)["state"], "never");
    assert!(!status.stderr.is_empty(), "trace logging was on");
    outputs.push(status);

    let refused = cli.run("change", &format!("{NEW}-wrong\n{NEW}\n"), &trace);
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(json(&refused)["error"]["code"], "wrong_current_password");
    assert!(
        json(&refused)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not correct")
    );
    outputs.push(refused);

    let changed = cli.run("change", &format!("{CURRENT}\n{NEW}\n"), &trace);
    assert_eq!(
        changed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&changed.stderr)
    );
    let report = json(&changed);
    assert_eq!(report["account"], uid.as_str());
    assert_eq!(report["status"]["problem"], Value::Null);
    outputs.push(changed);

    let remembered = cli.run("remember", &format!("{NEW}\n"), &trace);
    outputs.push(remembered);

    for (i, out) in outputs.iter().enumerate() {
        assert_no_secret(&format!("stdout of run {i}"), &out.stdout);
        assert_no_secret(&format!("stderr of run {i}"), &out.stderr);
    }
    let written = files(home.path());
    assert!(
        written
            .iter()
            .any(|p| p.to_string_lossy().contains("password/status-")),
        "the status cache was written: {written:?}"
    );
    for file in written {
        assert_no_secret(&file.display().to_string(), &std::fs::read(&file).unwrap());
    }
}

#[tokio::test]
async fn bad_input_and_cached_status_offline() {
    let Some(server) = common::slapd() else {
        return;
    };
    let Some(bin) = common::desksidectl() else {
        return;
    };
    let uid = openldap::add_user(server, CURRENT, None).await;
    let home = tempfile::tempdir().unwrap();
    let config = write_config(
        home.path(),
        &openldap::config_text(server, &server.ldaps_url, ""),
    );
    let cli = PasswordCli {
        bin: &bin,
        home: home.path(),
        config: &config,
        user: &uid,
    };
    let one_line = cli.run("change", "only-one\n", &[]);
    assert_eq!(one_line.status.code(), Some(2));
    assert_eq!(json(&one_line)["error"]["code"], "bad_input");
    // A live read fills the cache …
    let live = cli.run("status", &format!("{CURRENT}\n"), &[]);
    assert_eq!(json(&live)["cached"], false);
    // … which is shown, with its age, when the directory cannot be reached.
    let offline = write_config(
        home.path(),
        &openldap::config_text(
            server,
            &format!("ldaps://127.0.0.1:{}", common::free_port()),
            "",
        ),
    );
    let cached = PasswordCli {
        config: &offline,
        ..cli
    }
    .run("status", &format!("{CURRENT}\n"), &[]);
    assert_eq!(cached.status.code(), Some(1));
    let st = json(&cached);
    assert_eq!(st["cached"], true);
    assert_eq!(st["state"], "never");
    assert!(st["cache_age_s"].as_u64().is_some(), "{st}");
    assert_eq!(st["problem"]["code"], "directory_unreachable");
}

fn keyring_script(bin: &Path, config: &Path, home: &Path, uid: &str) -> String {
    let b = bin.display();
    let c = config.display();
    format!(
        r#"set -eu
export HOME="{h}" XDG_DATA_HOME="{h}/xdg-data" XDG_RUNTIME_DIR="{h}/run" XDG_CONFIG_HOME="{h}/xdg-config"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
echo -n keyring-unlock | gnome-keyring-daemon --unlock --components=secrets >/dev/null
# An entry the config names, holding the old password, and Deskside's own (via remember).
printf '%s' '{CURRENT}' | secret-tool store --label='mail' service imap.test.invalid username '{uid}'
printf '%s\n' '{CURRENT}' | "{b}" --config "{c}" password remember --user '{uid}' --password-stdin >/dev/null
printf '%s\n%s\n' '{CURRENT}' '{NEW}' | "{b}" --config "{c}" password change --json --user '{uid}' --password-stdin >"{h}/report.json"
echo "mail=$(secret-tool lookup service imap.test.invalid username '{uid}')"
echo "own=$(secret-tool lookup service deskside-password username '{uid}')"
# Status now reads the expiry with the saved (new) password, no stdin needed.
"{b}" --config "{c}" password status --json --user '{uid}' >"{h}/status.json"
"#,
        h = home.display()
    )
}

#[tokio::test]
async fn keyring_entries_follow_the_change() {
    let Some(server) = common::slapd() else {
        return;
    };
    if !common::can_run(
        "keyring sync",
        &["dbus-run-session", "gnome-keyring-daemon", "secret-tool"],
    ) {
        return;
    }
    let Some(bin) = common::desksidectl() else {
        return;
    };
    let uid = openldap::add_user(server, CURRENT, None).await;
    let home = tempfile::tempdir().unwrap();
    let extra = "keyring_entries = [\"imap.test.invalid/{user}\"]\nother_credentials = [\"Mail on your phone\"]";
    let config = write_config(
        home.path(),
        &openldap::config_text(server, &server.ldaps_url, extra),
    );
    let out = Command::new("dbus-run-session")
        .args([
            "--",
            "bash",
            "-c",
            &keyring_script(&bin, &config, home.path(), &uid),
        ])
        .env("DESKSIDE_SYSTEM_CONFIG", "")
        .env("DESKSIDE_USER_CONFIG", "")
        .env("DESKSIDE_DATA_DIR", home.path().join("data"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(&format!("mail={NEW}")), "{stdout}");
    assert!(stdout.contains(&format!("own={NEW}")), "{stdout}");
    let report: Value =
        serde_json::from_slice(&std::fs::read(home.path().join("report.json")).unwrap()).unwrap();
    let outcomes: Vec<(String, String)> = report["keyring"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["service"].as_str().unwrap().to_owned(),
                k["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("deskside-password".to_owned(), "updated".to_owned()),
            ("imap.test.invalid".to_owned(), "updated".to_owned())
        ]
    );
    assert!(
        report["update_by_hand"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "Mail on your phone")
    );
    let status: Value =
        serde_json::from_slice(&std::fs::read(home.path().join("status.json")).unwrap()).unwrap();
    assert_eq!(status["problem"], Value::Null, "{status}");
    assert_eq!(status["cached"], false);
}

#[tokio::test]
async fn clock_skew_is_caught_before_the_change() {
    let Some(server) = common::samba() else {
        return;
    };
    if !common::can_run("clock pre-flight", &["faketime"]) {
        return;
    }
    let Some(bin) = common::desksidectl() else {
        return;
    };
    let user = samba_ad::add_user(server, "Start-Pass-811", &[]);
    let home = tempfile::tempdir().unwrap();
    let config = write_config(home.path(), &samba_ad::config_text(server));
    let cli = PasswordCli {
        bin: &bin,
        home: home.path(),
        config: &config,
        user: &user,
    };
    let skewed = [
        ("LD_PRELOAD", common::faketime_preload()),
        ("FAKETIME", "+20m"),
        ("FAKETIME_DONT_FAKE_MONOTONIC", "1"),
    ];
    let out = cli.run("change", "Start-Pass-811\nQuiet-River-Stone-58\n", &skewed);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body = json(&out);
    assert_eq!(body["error"]["code"], "clock_skew", "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("clock"));
    // Unchanged, and the same change with the right time works.
    let out = cli.run("change", "Start-Pass-811\nQuiet-River-Stone-58\n", &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The Kerberos path through the CLI: status, a refused and a good change with the ticket
/// refresh into the user's cache (`password.refresh_ticket`), all with trace logging, then the
/// planted-secret scan over the outputs and every file written (the credential cache included).
#[tokio::test]
async fn kerberos_cli_refreshes_the_ticket_and_never_shows_a_password() {
    let Some(server) = common::samba() else {
        return;
    };
    if !common::can_run("Kerberos CLI", &["kinit", "kpasswd", "klist"]) {
        return;
    }
    let Some(bin) = common::desksidectl() else {
        return;
    };
    let user = samba_ad::add_user(server, CURRENT, &[]);
    let home = tempfile::tempdir().unwrap();
    let krb5 = kerberos::krb5_conf(home.path());
    let config = write_config(
        home.path(),
        &kerberos::config_text(&krb5, "refresh_ticket = true"),
    );
    let ccache = format!("FILE:{}", home.path().join("krb5cc").display());
    let env = [("DESKSIDE_LOG", "trace"), ("KRB5CCNAME", ccache.as_str())];
    let cli = PasswordCli {
        bin: &bin,
        home: home.path(),
        config: &config,
        user: &user,
    };
    let mut outputs = Vec::new();

    let status = cli.run("status", &format!("{CURRENT}\n"), &env);
    assert_eq!(
        status.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let days = json(&status)["days_left"].as_i64().unwrap();
    assert!(
        (41..=42).contains(&days),
        "42-day policy: {}",
        json(&status)
    );
    assert!(!status.stderr.is_empty(), "trace logging was on");
    outputs.push(status);

    let refused = cli.run("change", &format!("{NEW}-wrong\n{NEW}\n"), &env);
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(json(&refused)["error"]["code"], "wrong_current_password");
    outputs.push(refused);
    assert!(
        !home.path().join("krb5cc").exists(),
        "status and a refused change never touch the user's cache"
    );

    let changed = cli.run("change", &format!("{CURRENT}\n{NEW}\n"), &env);
    assert_eq!(
        changed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&changed.stderr)
    );
    let report = json(&changed);
    assert_eq!(report["ticket"]["refreshed"], true, "{report}");
    assert_eq!(
        report["ticket"]["principal"],
        format!("{user}@{}", kerberos::REALM)
    );
    outputs.push(changed);
    let klist = Command::new("klist")
        .args(["-c", &ccache])
        .env("KRB5_CONFIG", &krb5)
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&klist.stdout);
    assert!(klist.status.success(), "{listed}");
    assert!(
        listed.contains(&format!("Default principal: {user}@{}", kerberos::REALM)),
        "{listed}"
    );
    assert!(kerberos::kinit_ok(&krb5, &user, NEW));

    for (i, out) in outputs.iter().enumerate() {
        assert_no_secret(&format!("stdout of kerberos run {i}"), &out.stdout);
        assert_no_secret(&format!("stderr of kerberos run {i}"), &out.stderr);
    }
    let written = files(home.path());
    assert!(written.iter().any(|p| p.ends_with("krb5cc")), "{written:?}");
    for file in written {
        assert_no_secret(&file.display().to_string(), &std::fs::read(&file).unwrap());
    }
}

/// An AD password that has expired (a Samba DC whose password checks run 43 days ahead of the
/// users' last change, in its own network namespace): the status says so (532 on the bind),
/// and the change goes through the domain's Kerberos password service, as a Windows sign-in
/// screen does, after which the new password binds and the expiry is 42 days past the DC's
/// clock (85 days on ours).
#[tokio::test]
async fn expired_ad_password_is_reported_then_changed_through_kerberos() {
    let Some(aged) = common::aged_samba() else {
        return;
    };
    if !common::can_run("expired AD password change", &["kpasswd"]) {
        return;
    }
    let Some(bin) = common::desksidectl() else {
        return;
    };
    let (user, current) = common::AGED_USERS[0];
    let home = tempfile::tempdir().unwrap();
    let krb5 = kerberos::krb5_conf(home.path());
    let text = format!(
        "{}kerberos_realm = \"{}\"\nkpasswd_server = \"127.0.0.1\"\nkrb5_config = \"{}\"\n",
        samba_ad::config_text(&aged.server),
        kerberos::REALM,
        krb5.display()
    );
    let config = write_config(home.path(), &text);
    let cli = PasswordCli {
        bin: &bin,
        home: home.path(),
        config: &config,
        user,
    };
    let enter = aged.enter();

    let out = cli.run_in(&enter, "status", &format!("{current}\n"), &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let st = json(&out);
    assert_eq!(st["state"], "expired", "{st}");
    assert_eq!(st["problem"]["code"], "password_expired", "{st}");

    // A wrong current password is still just that.
    let out = cli.run_in(
        &enter,
        "change",
        "Not-The-Pass-1\nQuiet-River-Stone-58\n",
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let body = json(&out);
    assert_eq!(body["error"]["code"], "wrong_current_password", "{body}");

    let out = cli.run_in(
        &enter,
        "change",
        &format!("{current}\nQuiet-River-Stone-58\n"),
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    assert_eq!(report["source"], "ad", "{report}");
    assert_eq!(report["status"]["state"], "ok", "{report}");
    let days = report["status"]["days_left"].as_i64().unwrap();
    assert!((84..=85).contains(&days), "{report}");

    let out = cli.run_in(&enter, "status", "Quiet-River-Stone-58\n", &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = cli.run_in(&enter, "status", &format!("{current}\n"), &[]);
    assert_eq!(json(&out)["problem"]["code"], "wrong_current_password");
}

/// Issue 14 item 7: on a domain-joined machine the user holds a Kerberos ticket; `password
/// status` with no password anywhere (none typed, none saved) reads the days left through
/// `ldapsearch -Y GSSAPI` with that ticket. Without a ticket it asks for the password.
#[tokio::test]
async fn ad_status_with_only_a_kerberos_ticket() {
    let Some(server) = common::samba() else {
        return;
    };
    if !common::can_run("GSSAPI status", &["kinit", "klist", "ldapsearch"]) {
        return;
    }
    // Cyrus SASL's GSSAPI plugin (`/usr/lib/<triplet>/sasl2/libgssapiv2.so*`).
    let gssapi_module = std::fs::read_dir("/usr/lib")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|d| std::fs::read_dir(d.path().join("sasl2")).ok())
        .flatten()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with("libgssapiv2"));
    if !gssapi_module {
        assert!(
            std::env::var("DESKSIDE_DIRECTORY_REQUIRED").as_deref() != Ok("1"),
            "the SASL GSSAPI module is missing: apt install libsasl2-modules-gssapi-mit"
        );
        eprintln!("SKIPPED: no SASL GSSAPI module (libsasl2-modules-gssapi-mit)");
        return;
    }
    let Some(bin) = common::desksidectl() else {
        return;
    };
    // The client asks for ldap/<the name in password.url>: give the DC that name too (the
    // test's own DC; a second run finds it there already).
    let conf = server.dir.join("samba/etc/smb.conf");
    let _ = Command::new("samba-tool")
        .args(["spn", "add", "ldap/127.0.0.1", "DC1$", "-s"])
        .arg(&conf)
        .args(["-H", "ldap://127.0.0.1"])
        .arg(format!("-UAdministrator%{}", common::AD_ADMIN_PW))
        .output();
    let user = samba_ad::add_user(server, CURRENT, &[]);
    let home = tempfile::tempdir().unwrap();
    let krb5 = kerberos::krb5_conf(home.path());
    let config = write_config(
        home.path(),
        &format!(
            "{}krb5_config = \"{}\"\n",
            samba_ad::config_text(server),
            krb5.display()
        ),
    );
    let ccache = format!("FILE:{}", home.path().join("krb5cc").display());
    let krb5_text = krb5.to_string_lossy().into_owned();
    let env = [
        ("KRB5CCNAME", ccache.as_str()),
        ("KRB5_CONFIG", krb5_text.as_str()),
    ];
    let status = || {
        common::run_cli(
            &[],
            &bin,
            home.path(),
            &config,
            &["password", "status", "--json", "--user", &user],
            "",
            &env,
        )
    };

    // No ticket yet: the password is needed.
    let before = status();
    let v = json(&before);
    assert_eq!(v["problem"]["code"], "credential_needed", "{v}");

    // The sign-in's ticket (kinit stands in for the desktop login).
    use std::io::Write as _;
    let mut kinit = Command::new("kinit")
        .arg(format!("{user}@{}", kerberos::REALM))
        .env("KRB5_CONFIG", &krb5)
        .env("KRB5CCNAME", &ccache)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    writeln!(kinit.stdin.take().unwrap(), "{CURRENT}").unwrap();
    assert!(kinit.wait().unwrap().success(), "kinit");

    let after = status();
    let v = json(&after);
    assert_eq!(
        after.status.code(),
        Some(0),
        "{v}\n{}",
        String::from_utf8_lossy(&after.stderr)
    );
    assert!(v["problem"].is_null(), "{v}");
    assert_eq!(v["cached"], false, "read live: {v}");
    let days = v["days_left"].as_i64().unwrap_or(-1);
    assert!((41..=42).contains(&days), "42-day policy: {v}");
    // Nothing was saved: no file in the home holds the password.
    for file in files(home.path()) {
        assert_no_secret(&file.display().to_string(), &std::fs::read(&file).unwrap());
    }
}
