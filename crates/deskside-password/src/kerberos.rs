//! The Kerberos source: the expiry the KDC reports when `kinit` gets a ticket, the change over
//! the kpasswd protocol (RFC 3244) with the `kpasswd` program, and the optional ticket refresh
//! after a change. Both programs' answers are mapped onto the stable codes here, from their
//! real output (fixtures in `tests/fixtures/kerberos/`).
//!
//! Why the MIT programs through `deskside-exec`, and no pseudo-terminal: MIT Kerberos'
//! prompter (`krb5_prompter_posix`, used by `kinit` and `kpasswd`) reads each answer from
//! stdin and only switches echo off when stdin is a terminal; it never opens `/dev/tty`.
//! Measured here (MIT 1.20): both read the password(s) from a pipe, also with no controlling
//! terminal at all (`setsid`). So each runs through [`deskside_exec::run`] with the passwords
//! as a [`deskside_exec::Cmd::stdin_secret`] (zeroizing, never logged, never an argument that
//! other users could read in the process list), and no pty code is needed. Implementing the
//! kpasswd protocol natively would mean our own AS exchange, AP-REQ and KRB-PRIV encryption:
//! far more code to get wrong than reusing the realm's own client.
//!
//! The children run with `LC_ALL=C` and `TZ=UTC` so the expiry line is parseable, with a
//! private in-memory credential cache (`KRB5CCNAME=MEMORY:…`, gone when the child exits, so
//! reading the status or changing never touches the user's tickets), and with
//! `password.krb5_config` as `KRB5_CONFIG` when set. `password.kpasswd_server` is applied by
//! a small private configuration file put in front of it (MIT merges the files in order).
//! Only the ticket refresh, which the config must ask for, writes to the user's own cache.
//!
//! Heimdal (macOS) prompts differently and is not driven here yet; a missing `kinit`
//! answers `unsupported`.

use std::ffi::OsString;
use std::time::Duration;

use deskside_config::Os;
use deskside_exec::{Cmd, ExecError, Output, Zeroizing};
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::directory::{Expiry, Reading};
use crate::error::{PasswordError, PolicyReason};
use crate::secret::Password;
use crate::settings::{Settings, SourceKind};

/// How long `kinit` / `kpasswd` may take (they try each KDC with their own timeouts).
pub const KRB_TIMEOUT: Duration = Duration::from_secs(30);

/// The principal for the account: `user@REALM` with `password.kerberos_realm`; for AD the
/// bind name with the domain in capitals (the AD realm); else the account as written, which
/// `kinit` completes with the default realm.
#[must_use]
pub fn principal(s: &Settings) -> String {
    if s.account.contains('@') {
        return s.account.clone();
    }
    if let Some(realm) = &s.kerberos_realm {
        return format!("{}@{realm}", s.short_account());
    }
    if s.source == SourceKind::Ad {
        let name = s.ad_bind_name();
        if let Some((user, domain)) = name.split_once('@') {
            return format!("{user}@{}", domain.to_ascii_uppercase());
        }
    }
    s.short_account().to_owned()
}

/// The private configuration put in front of the realm's to name the kpasswd server.
#[must_use]
pub fn kpasswd_conf(realm: &str, server: &str) -> String {
    format!("[realms]\n\t{realm} = {{\n\t\tkpasswd_server = {server}\n\t}}\n")
}

/// `KRB5_CONFIG` with `first` in front of `rest` (MIT merges the files in order). The list
/// separator is the OS's path-list one: `;` on Windows, where `:` is part of `C:\` paths.
#[must_use]
pub fn krb5_config_list(os: Os, first: OsString, rest: &std::ffi::OsStr) -> OsString {
    let mut list = first;
    list.push(if os == Os::Windows { ";" } else { ":" });
    list.push(rest);
    list
}

/// The realm configuration MIT Kerberos reads when `KRB5_CONFIG` is not set:
/// `%ProgramData%\MIT\Kerberos5\krb5.ini` on Windows (MIT Kerberos for Windows 4),
/// `/etc/krb5.conf` elsewhere.
#[must_use]
pub fn default_krb5_config(os: Os, program_data: Option<OsString>) -> OsString {
    match os {
        Os::Windows => {
            let mut p = program_data.unwrap_or_else(|| OsString::from("C:\\ProgramData"));
            p.push("\\MIT\\Kerberos5\\krb5.ini");
            p
        }
        Os::Linux | Os::Macos => OsString::from("/etc/krb5.conf"),
    }
}

/// The environment and private files for one run of the Kerberos programs.
struct Runner {
    principal: String,
    krb5_config: Option<OsString>,
    /// Holds the private kpasswd configuration while the program runs.
    _private: Option<tempfile::TempDir>,
    /// For messages: which servers.
    label: String,
}

impl Runner {
    fn new(s: &Settings, for_kpasswd: bool) -> Result<Self, PasswordError> {
        let base: Option<OsString> = s.krb5_config.as_ref().map(|p| p.clone().into_os_string());
        let label = s
            .kpasswd_server
            .clone()
            .filter(|_| for_kpasswd)
            .or_else(|| s.kerberos_realm.clone())
            .unwrap_or_else(|| "the Kerberos servers".to_owned());
        let (krb5_config, private) = match (&s.kpasswd_server, for_kpasswd) {
            (Some(server), true) => {
                let realm = s.kerberos_realm.as_deref().ok_or_else(|| {
                    PasswordError::Config(
                        "`password.kpasswd_server` needs `password.kerberos_realm`".to_owned(),
                    )
                })?;
                let dir = tempfile::Builder::new()
                    .prefix("deskside-krb5-")
                    .tempdir()
                    .map_err(|e| {
                        PasswordError::Directory(format!("cannot make a temp dir: {e}"))
                    })?;
                let file = dir.path().join("kpasswd.conf");
                std::fs::write(&file, kpasswd_conf(realm, server)).map_err(|e| {
                    PasswordError::Directory(format!("cannot write {}: {e}", file.display()))
                })?;
                let os = Os::current();
                let rest = base
                    .or_else(|| std::env::var_os("KRB5_CONFIG"))
                    .unwrap_or_else(|| default_krb5_config(os, std::env::var_os("ProgramData")));
                (
                    Some(krb5_config_list(os, file.into_os_string(), &rest)),
                    Some(dir),
                )
            }
            _ => (base, None),
        };
        Ok(Self {
            principal: principal(s),
            krb5_config,
            _private: private,
            label,
        })
    }

    /// `program principal` with parseable output; `ccache` `None` = the user's own cache.
    fn cmd(&self, program: &str, ccache: Option<&str>, stdin: Zeroizing<Vec<u8>>) -> Cmd {
        let mut cmd = Cmd::new(program)
            .args([self.principal.as_str()])
            .env("LC_ALL", "C")
            .env("LANG", "C")
            .env("TZ", "UTC")
            .timeout(KRB_TIMEOUT)
            .stdin_secret(stdin);
        if let Some(cc) = ccache {
            cmd = cmd.env("KRB5CCNAME", cc);
        }
        if let Some(conf) = &self.krb5_config {
            cmd = cmd.env("KRB5_CONFIG", conf);
        }
        cmd
    }

    async fn run(&self, cmd: &Cmd, program: &str) -> Result<Output, PasswordError> {
        deskside_exec::run(cmd).await.map_err(|e| match e {
            ExecError::NotFound { .. } => PasswordError::Unsupported(format!(
                "`{program}` (MIT Kerberos) is not installed; install the Kerberos client tools (Debian/Ubuntu: krb5-user) or ask IT"
            )),
            ExecError::Timeout { .. } => PasswordError::DirectoryUnreachable {
                url: self.label.clone(),
                detail: format!("`{program}` got no answer within {KRB_TIMEOUT:?}"),
            },
            other => PasswordError::Directory(other.to_string()),
        })
    }
}

/// The lines a prompt reads: each password then a newline, in a zeroizing buffer. A password
/// holding a line break could not be typed at a prompt either; it is refused.
fn answers(passwords: &[&Password]) -> Option<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(Vec::new());
    for p in passwords {
        if p.expose().contains(['\n', '\r']) {
            return None;
        }
        out.extend_from_slice(p.expose().as_bytes());
        out.push(b'\n');
    }
    Some(out)
}

/// The expiry from MIT's warning line (`Warning: Your password will expire in 41 days on Tue
/// Jan  5 00:20:32 2027`, also `in 5 hours on …` / `in less than one hour on …`), the date in
/// the C locale and UTC as the children run. `None` when there is no such line.
#[must_use]
pub fn parse_expiry_warning(text: &str) -> Option<OffsetDateTime> {
    let fmt = time::macros::format_description!(
        "[weekday repr:short] [month repr:short] [day padding:none] [hour]:[minute]:[second] [year]"
    );
    text.lines()
        .filter(|l| l.contains("password will expire"))
        .find_map(|l| {
            let (_, when) = l.rsplit_once(" on ")?;
            let when = when.split_whitespace().collect::<Vec<_>>().join(" ");
            PrimitiveDateTime::parse(&when, &fmt)
                .ok()
                .map(PrimitiveDateTime::assume_utc)
        })
}

/// Maps what `kinit`/`kpasswd` said when getting a ticket failed. `label` names the servers.
#[must_use]
pub fn ticket_error(stdout: &str, stderr: &str, principal: &str, label: &str) -> PasswordError {
    let all = format!("{stdout}\n{stderr}").to_ascii_lowercase();
    let first = stderr
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("no message")
        .to_owned();
    if all.contains("password incorrect") || all.contains("preauthentication failed") {
        PasswordError::WrongCurrentPassword
    } else if all.contains("credentials have been revoked") {
        PasswordError::AccountLocked
    } else if all.contains("password expired") || all.contains("password has expired") {
        PasswordError::PasswordExpired
    } else if all.contains("not found in kerberos database") {
        PasswordError::AccountNotFound(principal.to_owned())
    } else if all.contains("clock skew too great") {
        PasswordError::ClockSkew { skew_s: 0 }
    } else if all.contains("cannot contact any kdc")
        || all.contains("cannot find kdc")
        || all.contains("cannot resolve network address")
        || all.contains("connection refused")
        || all.contains("network is unreachable")
    {
        PasswordError::DirectoryUnreachable {
            url: label.to_owned(),
            detail: first,
        }
    } else {
        PasswordError::Directory(first)
    }
}

/// The expiry from a finished `kinit`, or its refusal. Success without a warning line is
/// [`Expiry::Unknown`]: Samba leaves it out for passwords that never expire, but an MIT KDC
/// also leaves it out while expiry is more than a week away, so it does not prove "never".
///
/// # Errors
/// The mapped refusal.
pub fn kinit_outcome(
    code: Option<i32>,
    stdout: &str,
    stderr: &str,
    principal: &str,
    label: &str,
) -> Result<Expiry, PasswordError> {
    if code == Some(0) {
        return Ok(parse_expiry_warning(stdout)
            .or_else(|| parse_expiry_warning(stderr))
            .map_or(Expiry::Unknown, Expiry::At));
    }
    Err(ticket_error(stdout, stderr, principal, label))
}

/// The rule a kpasswd soft-error text names (Samba's texts; MIT's `kadmind` says "too short",
/// "too few character classes", "already in history").
#[must_use]
pub fn kpasswd_reason(text: &str) -> PolicyReason {
    let lower = text.to_ascii_lowercase();
    match crate::ad::restriction_reason(text) {
        PolicyReason::Unspecified if lower.contains("minimum password age") => {
            PolicyReason::TooYoung
        }
        PolicyReason::Unspecified if lower.contains("character classes") => {
            PolicyReason::Complexity
        }
        other => other,
    }
}

/// The outcome of a finished `kpasswd`.
///
/// # Errors
/// `policy_violation` with the reason for `Password change rejected: …`, else the mapped
/// ticket refusal (wrong current password, locked, unreachable, …).
pub fn kpasswd_outcome(
    code: Option<i32>,
    stdout: &str,
    stderr: &str,
    principal: &str,
    label: &str,
) -> Result<(), PasswordError> {
    if code == Some(0) {
        return Ok(());
    }
    let rejected = stdout
        .lines()
        .chain(stderr.lines())
        .find_map(|l| l.trim().strip_prefix("Password change rejected:"))
        .map(str::trim);
    if let Some(text) = rejected {
        return Err(PasswordError::PolicyViolation {
            reason: kpasswd_reason(text),
            detail: Some(text.to_owned()),
        });
    }
    if stderr.to_ascii_lowercase().contains("password mismatch") {
        return Err(PasswordError::PolicyViolation {
            reason: PolicyReason::Mismatch,
            detail: None,
        });
    }
    Err(ticket_error(stdout, stderr, principal, label))
}

/// Reads the expiry: `kinit` with `password` into a private in-memory cache.
///
/// # Errors
/// The mapped refusal (`wrong_current_password`, `password_expired`, …).
pub async fn read(s: &Settings, password: &Password) -> Result<Reading, PasswordError> {
    let runner = Runner::new(s, false)?;
    let input = answers(&[password]).ok_or(PasswordError::WrongCurrentPassword)?;
    // Only one answer is given: if the KDC says the password has expired, kinit's "Enter new
    // password" prompt meets the end of input, so a status read can never change anything.
    let out = runner
        .run(
            &runner.cmd("kinit", Some("MEMORY:deskside-status"), input),
            "kinit",
        )
        .await?;
    let expiry = kinit_outcome(
        out.code,
        &out.stdout,
        &out.stderr,
        &runner.principal,
        &runner.label,
    )?;
    Ok(Reading {
        expiry,
        grace_remaining: None,
        must_change: false,
        policy: None,
    })
}

/// Changes the password with `kpasswd` (current, new, new on stdin).
///
/// # Errors
/// The mapped refusal.
pub async fn change(s: &Settings, current: &Password, new: &Password) -> Result<(), PasswordError> {
    let runner = Runner::new(s, true)?;
    if current.expose().contains(['\n', '\r']) {
        return Err(PasswordError::WrongCurrentPassword);
    }
    let input = answers(&[current, new, new]).ok_or(PasswordError::PolicyViolation {
        reason: PolicyReason::Unspecified,
        detail: Some("a password cannot contain a line break".to_owned()),
    })?;
    let out = runner
        .run(
            &runner.cmd("kpasswd", Some("MEMORY:deskside-kpasswd"), input),
            "kpasswd",
        )
        .await?;
    kpasswd_outcome(
        out.code,
        &out.stdout,
        &out.stderr,
        &runner.principal,
        &runner.label,
    )
}

/// After a change: `kinit` with the new password into the user's own credential cache (the
/// inherited `KRB5CCNAME`, else the system default), so Kerberos single sign-on keeps working.
///
/// # Errors
/// The mapped refusal; the change itself has already succeeded.
pub async fn refresh_ticket(s: &Settings, new: &Password) -> Result<(), PasswordError> {
    let runner = Runner::new(s, false)?;
    let input = answers(&[new]).ok_or(PasswordError::WrongCurrentPassword)?;
    let out = runner
        .run(&runner.cmd("kinit", None, input), "kinit")
        .await?;
    kinit_outcome(
        out.code,
        &out.stdout,
        &out.stderr,
        &runner.principal,
        &runner.label,
    )
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use time::macros::datetime;

    /// Where the fixtures of real `kinit`/`kpasswd` output live.
    fn fixtures() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kerberos")
    }

    /// A fixture: `exit: N`, `--- stdout`, the lines, `--- stderr`, the lines.
    fn fixture(name: &str) -> (Option<i32>, String, String) {
        let text = std::fs::read_to_string(fixtures().join(format!("{name}.txt"))).unwrap();
        let (head, rest) = text.split_once("--- stdout\n").unwrap();
        let (stdout, stderr) = rest.split_once("--- stderr\n").unwrap();
        let code = head.trim().strip_prefix("exit: ").unwrap().parse().ok();
        (code, stdout.to_owned(), stderr.to_owned())
    }

    fn kinit(name: &str) -> Result<Expiry, PasswordError> {
        let (code, out, err) = fixture(name);
        kinit_outcome(code, &out, &err, "jdoe@DESKSIDE.TEST", "DESKSIDE.TEST")
    }

    fn kpasswd(name: &str) -> Result<(), PasswordError> {
        let (code, out, err) = fixture(name);
        kpasswd_outcome(code, &out, &err, "jdoe@DESKSIDE.TEST", "DESKSIDE.TEST")
    }

    fn code(r: Result<(), PasswordError>) -> String {
        match r.unwrap_err() {
            PasswordError::PolicyViolation { reason, .. } => {
                format!("policy_violation:{}", reason.as_str())
            }
            e => e.code().to_owned(),
        }
    }

    #[test]
    fn kinit_expiry_from_samba_warning_lines() {
        assert_eq!(
            kinit("kinit-ok-days").unwrap(),
            Expiry::At(datetime!(2026-11-29 00:20:31 UTC))
        );
        // A single-digit day is space-padded by `%c`.
        assert_eq!(
            kinit("kinit-ok-42-days").unwrap(),
            Expiry::At(datetime!(2027-01-05 00:20:32 UTC))
        );
        assert_eq!(kinit("kinit-ok-never").unwrap(), Expiry::Unknown);
    }

    #[test]
    fn mit_warning_variants_parse() {
        let t = datetime!(2027-03-10 09:05:00 UTC);
        for line in [
            "Warning: Your password will expire in less than one hour on Wed Mar 10 09:05:00 2027",
            "Warning: Your password will expire in 5 hours on Wed Mar 10 09:05:00 2027",
            "Warning: Your password will expire in 1 hour on Wed Mar 10 09:05:00 2027",
        ] {
            assert_eq!(parse_expiry_warning(line), Some(t), "{line}");
        }
        assert_eq!(
            parse_expiry_warning(
                "Warning: Your account will expire in 3 days on Wed Mar 10 09:05:00 2027"
            ),
            None,
            "the account's expiry is not the password's"
        );
        assert_eq!(parse_expiry_warning("Password for a@B: "), None);
    }

    #[test]
    fn kinit_refusals_map_to_codes() {
        for (name, want) in [
            ("kinit-wrong", "wrong_current_password"),
            ("kinit-locked", "account_locked"),
            ("kinit-expired", "password_expired"),
            ("kinit-not-found", "account_not_found"),
            ("kinit-unreachable", "directory_unreachable"),
            ("kinit-no-realm", "directory_unreachable"),
        ] {
            assert_eq!(kinit(name).unwrap_err().code(), want, "{name}");
        }
        let skew = kinit_outcome(
            Some(1),
            "",
            "kinit: Clock skew too great while getting initial credentials\n",
            "a@B",
            "B",
        )
        .unwrap_err();
        assert_eq!(skew.code(), "clock_skew");
        assert!(skew.to_string().contains("too far off"), "{skew}");
    }

    #[test]
    fn kpasswd_answers_map_to_codes() {
        kpasswd("kpasswd-ok").unwrap();
        kpasswd("kpasswd-must-change-ok").unwrap();
        for (name, want) in [
            ("kpasswd-wrong", "wrong_current_password"),
            ("kpasswd-locked", "account_locked"),
            ("kpasswd-not-found", "account_not_found"),
            ("kpasswd-unreachable", "directory_unreachable"),
            ("kpasswd-complexity", "policy_violation:complexity"),
            ("kpasswd-too-short", "policy_violation:too_short"),
            ("kpasswd-in-history", "policy_violation:in_history"),
            ("kpasswd-too-young", "policy_violation:too_young"),
            ("kpasswd-mismatch", "policy_violation:mismatch"),
        ] {
            assert_eq!(code(kpasswd(name)), want, "{name}");
        }
        let (c, out, err) = fixture("kpasswd-too-short");
        let Err(PasswordError::PolicyViolation { detail, .. }) =
            kpasswd_outcome(c, &out, &err, "a@B", "B")
        else {
            unreachable!()
        };
        assert_eq!(
            detail.as_deref(),
            Some("Password too short, password must be at least 8 characters long.")
        );
        // MIT kadmind's wording.
        assert_eq!(
            kpasswd_reason("Password does not contain enough character classes"),
            PolicyReason::Complexity
        );
    }

    fn settings(toml_text: &str, user: &str) -> Settings {
        let config = deskside_config::Config {
            password: toml::from_str(toml_text).unwrap(),
            ..deskside_config::Config::default()
        };
        Settings::resolve(&config, Some(user)).unwrap()
    }

    #[test]
    fn principals() {
        let k = "source='kerberos'\n";
        assert_eq!(principal(&settings(k, "jdoe")), "jdoe");
        let realm = "source='kerberos'\nkerberos_realm='CORP.EXAMPLE'\n";
        assert_eq!(principal(&settings(realm, "jdoe")), "jdoe@CORP.EXAMPLE");
        assert_eq!(
            principal(&settings(realm, "CORP\\jdoe")),
            "jdoe@CORP.EXAMPLE"
        );
        assert_eq!(principal(&settings(realm, "a@X.Y")), "a@X.Y");
        let ad = "source='ad'\nurl='ldaps://dc1'\nbase_dn='DC=corp,DC=example'\n";
        assert_eq!(principal(&settings(ad, "jdoe")), "jdoe@CORP.EXAMPLE");
    }

    #[test]
    fn kpasswd_server_goes_in_front_of_the_realm_config() {
        let s = settings(
            "source='kerberos'\nkerberos_realm='CORP.EXAMPLE'\nkpasswd_server='127.0.0.1:464'\nkrb5_config='/etc/corp-krb5.conf'\n",
            "jdoe",
        );
        let r = Runner::new(&s, true).unwrap();
        let list = r.krb5_config.clone().unwrap().into_string().unwrap();
        let sep = if cfg!(windows) { ';' } else { ':' };
        let (private, rest) = list.split_once(sep).unwrap();
        assert_eq!(rest, "/etc/corp-krb5.conf");
        assert_eq!(
            std::fs::read_to_string(private).unwrap(),
            "[realms]\n\tCORP.EXAMPLE = {\n\t\tkpasswd_server = 127.0.0.1:464\n\t}\n"
        );
        // kinit does not need it.
        let r = Runner::new(&s, false).unwrap();
        assert_eq!(
            r.krb5_config.unwrap(),
            OsString::from("/etc/corp-krb5.conf")
        );
        let no_realm = settings("source='kerberos'\nkpasswd_server='kdc1'\n", "jdoe");
        let err = Runner::new(&no_realm, true).err().unwrap();
        assert!(err.to_string().contains("kerberos_realm"), "{err}");
    }

    /// Regression: the list was joined with `:` on every OS, which splits `C:\…` paths.
    #[test]
    fn krb5_config_list_uses_the_os_separator() {
        let first = OsString::from("C:\\Temp\\deskside-krb5-x\\kpasswd.conf");
        let rest = OsString::from("C:\\ProgramData\\MIT\\Kerberos5\\krb5.ini");
        assert_eq!(
            krb5_config_list(Os::Windows, first, &rest),
            OsString::from(
                "C:\\Temp\\deskside-krb5-x\\kpasswd.conf;C:\\ProgramData\\MIT\\Kerberos5\\krb5.ini"
            )
        );
        for os in [Os::Linux, Os::Macos] {
            assert_eq!(
                krb5_config_list(os, "/tmp/k.conf".into(), "/etc/krb5.conf".as_ref()),
                OsString::from("/tmp/k.conf:/etc/krb5.conf")
            );
        }
        assert_eq!(
            default_krb5_config(Os::Windows, Some("D:\\PD".into())),
            OsString::from("D:\\PD\\MIT\\Kerberos5\\krb5.ini")
        );
        assert_eq!(
            default_krb5_config(Os::Windows, None),
            OsString::from("C:\\ProgramData\\MIT\\Kerberos5\\krb5.ini")
        );
        assert_eq!(
            default_krb5_config(Os::Linux, Some("x".into())),
            OsString::from("/etc/krb5.conf")
        );
    }

    #[test]
    fn answers_are_lines_and_refuse_line_breaks() {
        let a = Password::from("one");
        let b = Password::from("two");
        assert_eq!(
            answers(&[&a, &b, &b]).unwrap().as_slice(),
            b"one\ntwo\ntwo\n"
        );
        assert!(answers(&[&Password::from("x\ny")]).is_none());
    }
}
