//! The Linux policy source for real: files this test writes under a temporary root (never the
//! host's `/etc`), with real owners and modes. Mandatory policy locks what it sets, a user file
//! cannot override it, recommended policy yields to the user file, files merge in name order,
//! an untrusted file or folder is refused with an error naming it, and a bad value drops that
//! key only.
//!
//! Root-owned files need the test to run as root (CI does); run unprivileged, the files are the
//! runner's, so the tests check the refusal instead.

#![cfg(unix)]
#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a panic is the failure report"
)]

mod support;

use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use deskside_config::policy::{PolicySources, PolicyWatch};
use deskside_config::{LoadOptions, Loaded, SourceKind, load};
use support::TestEnv;

struct Root {
    env: TestEnv,
    root: PathBuf,
}

impl Root {
    fn new() -> Self {
        let env = TestEnv::new();
        let root = env.path("policies");
        for dir in [&root, &root.join("managed"), &root.join("recommended")] {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        Self { env, root }
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.root.join(rel);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        path
    }

    fn options(&self, user: Option<&Path>) -> LoadOptions {
        let mut opts = self.env.options(None, user, None, &[]);
        opts.policy = PolicySources::LinuxDir(self.root.clone());
        opts
    }

    fn load(&self, user: Option<&Path>) -> Loaded {
        load(&self.options(user)).unwrap()
    }
}

fn as_root(path: &Path) -> bool {
    std::fs::metadata(path).unwrap().uid() == 0
}

#[test]
fn mandatory_policy_locks_and_a_user_file_cannot_override_it() {
    let r = Root::new();
    let file = r.write(
        "managed/10-tickets.toml",
        "[tickets]\nredact_personal = true\nforbid = [\"screenshot\"]\n",
    );
    let user = r.env.write(
        "user.toml",
        "[tickets]\nredact_personal = false\nforbid = []\nmax_attempts = 7\n",
    );
    let loaded = r.load(Some(&user));
    if !as_root(&file) {
        assert_eq!(loaded.policy_errors[0].code, "config.policy_untrusted");
        assert!(!loaded.config.tickets.redact_personal);
        return;
    }
    assert!(
        loaded.policy_errors.is_empty(),
        "{:?}",
        loaded.policy_errors
    );
    assert!(loaded.config.tickets.redact_personal);
    assert_eq!(loaded.config.tickets.forbid, ["screenshot"]);
    assert_eq!(
        loaded.config.tickets.max_attempts, 7,
        "unmanaged keys stay the user's"
    );
    let p = &loaded.provenance["tickets.redact_personal"];
    assert_eq!(p.source.kind, SourceKind::Policy);
    assert_eq!(p.source.path.as_deref(), Some(file.as_path()));
    assert!(p.locked);
    assert_eq!(p.origin.as_deref(), Some("line 2"));
    // What it overrode: the default and the user's value.
    let lost: Vec<(SourceKind, &str)> = p
        .overrode
        .iter()
        .map(|o| (o.source.kind, o.value.as_str()))
        .collect();
    assert_eq!(
        lost,
        [(SourceKind::Default, "false"), (SourceKind::User, "false")]
    );
    assert!(
        loaded
            .notes
            .iter()
            .any(|n| n.contains("`tickets.redact_personal` set in")
                && n.ends_with("is ignored: locked by policy")),
        "{:?}",
        loaded.notes
    );
}

#[test]
fn recommended_policy_is_a_default_the_user_file_may_change() {
    let r = Root::new();
    let file = r.write(
        "recommended/tickets.toml",
        "[tickets]\nmax_attempts = 20\nsubmit_wait_s = 5\n",
    );
    if !as_root(&file) {
        return;
    }
    let user = r.env.write("user.toml", "[tickets]\nmax_attempts = 9\n");
    let loaded = r.load(Some(&user));
    assert_eq!(loaded.config.tickets.max_attempts, 9);
    assert_eq!(loaded.config.tickets.submit_wait_s, 5);
    let p = &loaded.provenance["tickets.submit_wait_s"];
    assert_eq!(p.source.kind, SourceKind::Recommended);
    assert!(!p.locked);
    let p = &loaded.provenance["tickets.max_attempts"];
    assert_eq!(p.source.kind, SourceKind::User);
    assert_eq!(p.overrode[1].source.kind, SourceKind::Recommended);
    assert_eq!(p.overrode[1].value, "20");
}

#[test]
fn files_merge_in_lexicographic_order() {
    let r = Root::new();
    let a = r.write("managed/20-late.toml", "[clock]\nwarn_offset_s = 30\n");
    r.write(
        "managed/10-early.toml",
        "[clock]\nwarn_offset_s = 20\nfail_offset_s = 200\n",
    );
    r.write(
        "managed/99-ignored.toml.dpkg-old",
        "[clock]\nwarn_offset_s = 1\n",
    );
    if !as_root(&a) {
        return;
    }
    let loaded = r.load(None);
    assert_eq!(loaded.config.clock.warn_offset_s, 30);
    assert_eq!(loaded.config.clock.fail_offset_s, 200);
    assert_eq!(
        loaded.provenance["clock.warn_offset_s"]
            .source
            .path
            .as_deref(),
        Some(a.as_path())
    );
}

#[test]
fn untrusted_files_and_folders_are_refused_with_an_error_naming_them() {
    let r = Root::new();
    let writable = r.write("managed/10-writable.toml", "[vpn]\nrequired = true\n");
    std::fs::set_permissions(&writable, std::fs::Permissions::from_mode(0o664)).unwrap();
    let foreign = r.write("managed/20-foreign.toml", "[app]\nnotify = false\n");
    std::os::unix::fs::chown(&foreign, Some(1000), Some(1000)).ok();
    let good = r.write("managed/30-good.toml", "[system]\nuptime_warn_days = 3\n");
    let loaded = r.load(None);
    assert!(!loaded.config.vpn.required);
    assert!(loaded.config.app.notify);
    let messages: Vec<&str> = loaded
        .policy_errors
        .iter()
        .map(|e| e.message.as_str())
        .collect();
    assert!(
        messages.iter().any(|m| m.starts_with(&format!(
            "{}: policy refused: group or others may write it (mode 0664)",
            writable.display()
        ))),
        "{messages:?}"
    );
    if as_root(&good) {
        assert!(
            messages.iter().any(|m| m.starts_with(&format!(
                "{}: policy refused: it is owned by uid 1000, not root",
                foreign.display()
            ))),
            "{messages:?}"
        );
        assert_eq!(loaded.config.system.uptime_warn_days, 3);
        assert!(
            loaded
                .policy_errors
                .iter()
                .all(|e| e.code == "config.policy_untrusted")
        );
    }

    // A folder others may write is refused whole.
    std::fs::set_permissions(
        r.root.join("managed"),
        std::fs::Permissions::from_mode(0o777),
    )
    .unwrap();
    let loaded = r.load(None);
    assert_eq!(loaded.config.system.uptime_warn_days, 14);
    assert_eq!(loaded.policy_errors.len(), 1, "{:?}", loaded.policy_errors);
    assert!(loaded.policy_errors[0].message.starts_with(&format!(
        "{}: policy refused",
        r.root.join("managed").display()
    )));
}

#[test]
fn a_bad_value_drops_that_key_only() {
    let r = Root::new();
    let file = r.write(
        "managed/50.toml",
        "[network]\ndns_timeout_ms = 900\nwarn_loss_percent = 250.0\ndns_names = 7\n\
         probe_urlz = []\n[fixes]\nauto = [\"net.flush_dns\", \"net.flsh_dns\"]\n\
         [tickets]\nredact_personal = true\n",
    );
    if !as_root(&file) {
        return;
    }
    let loaded = r.load(None);
    let n = &loaded.config.network;
    assert_eq!(n.dns_timeout_ms, 900);
    assert!((n.warn_loss_percent - 2.0).abs() < f64::EPSILON);
    assert_eq!(n.dns_names, ["www.example.com"]);
    assert!(loaded.config.tickets.redact_personal);
    assert_eq!(
        loaded.config.fixes.auto,
        deskside_config::Config::default().fixes.auto,
        "the bad list is dropped whole"
    );
    let f = file.display();
    let messages: Vec<String> = loaded
        .policy_errors
        .iter()
        .map(|e| e.message.clone())
        .collect();
    for expected in [
        format!(
            "{f}: key `network.dns_names`: expected a list of strings, found an integer (line 4)"
        ),
        format!("{f}: unknown key `network.probe_urlz` (did you mean `probe_urls`?) (line 5)"),
        format!(
            "{f}: key `network.warn_loss_percent`: expected a percentage from 0 to 100, found 250 (line 3)"
        ),
    ] {
        assert!(messages.contains(&expected), "{expected}\n{messages:#?}");
    }
    assert!(
        messages.iter().any(|m| m.contains("`fixes.auto`")
            && m.contains("unknown fix id \"net.flsh_dns\" (did you mean \"net.flush_dns\"?)")),
        "{messages:#?}"
    );
    // Dropped keys are not locked: IT's intent was the bad value, not the default.
    assert!(!loaded.provenance["network.dns_names"].locked);
    assert!(loaded.provenance["network.dns_timeout_ms"].locked);
}

#[test]
fn security_sensitive_keys_only_from_mandatory_policy() {
    let r = Root::new();
    let m = r.write(
        "managed/10.toml",
        "[helpdesk]\nurl = \"https://rt.corp.example/\"\n",
    );
    r.write(
        "recommended/10.toml",
        "[helpdesk]\nurl = \"https://evil.example/\"\nsecret = \"s\"\n[vpn]\nconnection = \"wg0\"\n",
    );
    if !as_root(&m) {
        return;
    }
    let loaded = r.load(None);
    assert_eq!(
        loaded.config.helpdesk.url.as_deref(),
        Some("https://rt.corp.example/")
    );
    assert_eq!(loaded.config.helpdesk.secret, None);
    assert_eq!(loaded.config.vpn.connection, None);
    let note = loaded
        .notes
        .iter()
        .find(|n| n.starts_with("`vpn.connection`"))
        .unwrap();
    assert!(
        note.contains("recommended policy is only a default the user may change"),
        "{note}"
    );
}

#[test]
fn a_missing_root_is_no_policy_and_the_watch_sees_changes() {
    let r = Root::new();
    let mut opts = r.options(None);
    opts.policy = PolicySources::LinuxDir(r.env.path("nowhere"));
    let loaded = load(&opts).unwrap();
    assert!(loaded.policy_errors.is_empty());

    let mut watch = PolicyWatch::new(PolicySources::LinuxDir(r.root.clone()));
    assert!(!watch.changed());
    let file = r.write("managed/10.toml", "[app]\nnotify = false\n");
    assert!(watch.changed());
    assert!(!watch.changed(), "each change is reported once");
    std::fs::write(&file, "[app]\nnotify = true\ncheck_interval_s = 600\n").unwrap();
    assert!(watch.changed());
    std::fs::remove_file(&file).unwrap();
    assert!(watch.changed());
}
