//! `desksidectl fix …` contract tests: JSON shapes, exit codes, refusals (unknown ids, bad
//! arguments, admin actions from a user file, unsafe action programs), confirmation, the audit
//! log, and the disk fixes end to end on temp dirs this test creates. Hermetic: config layers
//! point at temp files, HOME and the data dir are temp dirs, and no network fix is ever
//! applied here (the lab tests in `tests/lab/tests/fixes.rs` do that inside namespaces).

#![expect(
    clippy::disallowed_methods,
    reason = "tests drive the real binary as a script would"
)]
#![expect(clippy::unwrap_used, reason = "tests: a panic is the failure report")]

#[cfg(unix)]
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, SystemTime};

use serde_json::Value;
use support::{desksidectl, json};

mod support;

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Run desksidectl with no system file unless `system` is given, no user file unless
    /// `user` is given, and the explicit file `config.toml` when it exists.
    fn run(&self, args: &[&str], system: Option<&Path>, user: Option<&Path>) -> Output {
        let mut cmd = desksidectl(&self.path("home"));
        cmd.args(args)
            .env("XDG_DATA_HOME", self.path("home/.local/share"))
            .env("DESKSIDE_DATA_DIR", self.path("data"))
            .env(
                "DESKSIDE_SYSTEM_CONFIG",
                system.map_or(PathBuf::new(), Path::to_path_buf),
            )
            .env(
                "DESKSIDE_USER_CONFIG",
                user.map_or(PathBuf::new(), Path::to_path_buf),
            );
        if self.path("config.toml").exists() {
            cmd.env("DESKSIDE_CONFIG", self.path("config.toml"));
        }
        cmd.output().unwrap()
    }

    fn audit(&self) -> Vec<Value> {
        std::fs::read_to_string(self.path("data/audit.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

fn age(path: &Path, days: u64) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(days * 86_400))
        .unwrap();
}

#[test]
fn list_json_has_every_builtin_fix_with_the_contract_fields() {
    let env = Env::new();
    let out = env.run(&["fix", "list", "--json"], None, None);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    let fixes = v["fixes"].as_array().unwrap();
    assert!(fixes.len() >= 12);
    for f in fixes {
        for key in [
            "id",
            "title",
            "explanation",
            "addresses",
            "elevation",
            "auto",
            "available",
            "reason",
            "kind",
        ] {
            assert!(f.get(key).is_some(), "{key} missing in {f}");
        }
        assert_eq!(f["kind"], "builtin");
        assert_eq!(
            f["available"].as_bool().unwrap(),
            f["reason"].is_null(),
            "{f}"
        );
    }
    let auto: Vec<&str> = fixes
        .iter()
        .filter(|f| f["auto"] == true)
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        auto,
        [
            "net.flush_dns",
            "net.renew_address",
            "net.restart_interface",
            "vpn.reconnect"
        ]
    );
    let text = env.run(&["fix", "list"], None, None);
    assert!(String::from_utf8_lossy(&text.stdout).contains("disk.clear_temp"));
}

#[test]
fn unknown_ids_and_bad_arguments_exit_2_with_a_json_error() {
    let env = Env::new();
    for (args, code) in [
        (
            vec!["fix", "preview", "net.nope", "--json"],
            "fix.not_in_catalogue",
        ),
        (
            vec!["fix", "apply", "net.nope", "--yes", "--json"],
            "fix.not_in_catalogue",
        ),
        (
            vec![
                "fix",
                "preview",
                "net.restart_interface",
                "--interface",
                "eth0; reboot",
                "--json",
            ],
            "fix.bad_argument",
        ),
        (
            vec![
                "fix",
                "apply",
                "net.forget_captive",
                "--url",
                "file:///etc/passwd",
                "--yes",
                "--json",
            ],
            "fix.bad_argument",
        ),
        (
            vec![
                "fix",
                "apply",
                "system.restart_prompt",
                "--minutes",
                "100000",
                "--yes",
                "--json",
            ],
            "fix.bad_argument",
        ),
        (
            vec![
                "fix",
                "apply",
                "vpn.reconnect",
                "--connection",
                "x",
                "--yes",
                "--json",
            ],
            "fix.bad_argument",
        ),
    ] {
        let out = env.run(&args, None, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(json(&out)["error"]["code"], code, "{args:?}");
    }
    assert!(env.audit().is_empty(), "nothing ran, nothing to audit");
}

#[test]
fn apply_without_yes_from_a_script_is_refused() {
    let env = Env::new();
    let out = env.run(&["fix", "apply", "disk.empty_trash", "--json"], None, None);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["outcome"], "refused");
    assert_eq!(v["code"], "fix.not_confirmed");
}

#[test]
fn admin_actions_in_the_user_file_are_refused() {
    let env = Env::new();
    let program = env.path("prog.sh");
    let user = env.write(
        "user.toml",
        &format!(
            "[[fixes.actions]]\nid = \"x\"\ntitle = \"X\"\nprogram = \"{}\"\n",
            program.display()
        ),
    );
    let out = env.run(&["fix", "list", "--json"], None, Some(&user));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["error"]["code"], "config.admin_only");
    let out = env.run(&["fix", "apply", "x", "--yes"], None, Some(&user));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("config.admin_only"));
}

#[cfg(unix)]
fn system_action(env: &Env, program: &Path) -> PathBuf {
    env.write(
        "system.toml",
        &format!(
            "[[fixes.actions]]\nid = \"restart-agent\"\ntitle = \"Restart the agent\"\ndescription = \"Restarts the management agent.\"\nprogram = \"{}\"\nargs = [\"--now\", \"a b\", \"$(id)\"]\ntimeout_s = 10\n",
            program.display()
        ),
    )
}

/// Unix: the root-file rule judges mode bits (Windows: `docs/platforms.md`).
#[cfg(unix)]
#[test]
fn a_world_writable_action_program_is_refused() {
    let env = Env::new();
    let program = env.write("bin/agent.sh", "#!/bin/sh\necho ran\n");
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o777)).unwrap();
    let system = system_action(&env, &program);
    let out = env.run(&["fix", "list", "--json"], Some(&system), None);
    let v = json(&out);
    let action = v["fixes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "restart-agent")
        .unwrap();
    assert_eq!(action["kind"], "action");
    assert_eq!(action["available"], false);
    assert!(
        action["reason"]
            .as_str()
            .unwrap()
            .contains("writable by everyone")
    );
    let out = env.run(
        &["fix", "apply", "restart-agent", "--yes", "--json"],
        Some(&system),
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["outcome"], "refused");
    assert_eq!(v["code"], "fix.action_unsafe_program");
    assert!(v["message"].as_str().unwrap().contains("chmod go-w"), "{v}");
    assert!(v["steps"].as_array().unwrap().is_empty());
}

/// Unix: a `#!/bin/sh` program, root-owned.
#[cfg(unix)]
#[test]
fn a_root_owned_action_runs_without_a_shell_and_its_output_is_shown() {
    if !nix_is_root() {
        return;
    }
    let env = Env::new();
    std::fs::set_permissions(env.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let program = env.write(
        "bin/agent.sh",
        "#!/bin/sh\nprintf '%s|' \"$@\"\necho\necho done\n",
    );
    std::fs::set_permissions(env.path("bin"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    let system = system_action(&env, &program);
    let out = env.run(
        &["fix", "apply", "restart-agent", "--yes", "--json"],
        Some(&system),
        None,
    );
    let v = json(&out);
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert_eq!(v["outcome"], "fixed");
    assert_eq!(v["steps"][0]["status"], "ok");
    assert_eq!(v["steps"][0]["output"], "--now|a b|$(id)|\ndone");
    let audit = env.audit();
    assert!(
        audit
            .iter()
            .any(|e| e["fix"] == "restart-agent" && e["step"] == "apply")
    );
}

#[cfg(unix)]
fn nix_is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

#[test]
fn clear_temp_previews_and_removes_only_old_files_and_audits_each_phase() {
    let env = Env::new();
    let temp = env.path("temp");
    std::fs::create_dir_all(temp.join("app")).unwrap();
    let old = env.write("temp/app/old.cache", &"x".repeat(3000));
    age(&old, 30);
    let new = env.write("temp/new.tmp", &"y".repeat(500));
    // The verify also re-runs disk.space on the file system holding the temp dir (the test
    // machine's): thresholds low enough that a nearly full build disk cannot fail it.
    env.write(
        "config.toml",
        &format!(
            "[disk]\npaths = [\"{0}\"]\ntemp_paths = [\"{0}\"]\ntemp_warn_bytes = 1000\n\
             warn_free_percent = 0.2\nfail_free_percent = 0.1\n\
             warn_free_inodes_percent = 0.2\nfail_free_inodes_percent = 0.1\n\
             [fixes]\ntemp_max_age_days = 7\n",
            temp.display()
        ),
    );
    let out = env.run(&["fix", "preview", "disk.clear_temp", "--json"], None, None);
    assert_eq!(out.status.code(), Some(0));
    let p = json(&out);
    assert_eq!(p["bytes"], 3000);
    assert_eq!(p["elevation"], false);
    assert!(p["changes"].as_array().unwrap().len() >= 2);
    assert!(old.exists(), "a preview changes nothing");

    let out = env.run(
        &["fix", "apply", "disk.clear_temp", "--yes", "--json"],
        None,
        None,
    );
    let r = json(&out);
    assert_eq!(out.status.code(), Some(0), "{r}");
    assert_eq!(r["outcome"], "fixed");
    assert_eq!(r["bytes"], 3000);
    assert!(r["verify"]["passed"].as_bool().unwrap());
    assert!(
        r["verify"]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == "disk.temp" && c["status"] == "pass")
    );
    assert!(!old.exists());
    assert!(new.exists());
    assert!(temp.join("app").is_dir());

    let phases: Vec<String> = env
        .audit()
        .iter()
        .filter(|e| e["fix"] == "disk.clear_temp")
        .map(|e| e["step"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(phases, ["preview", "preview", "apply", "verify"]);
    let verify = env.audit().pop().unwrap();
    assert_eq!(verify["before"]["disk.temp"], "warn");
    assert_eq!(verify["after"]["disk.temp"], "pass");

    let log = env.run(&["fix", "log", "--last", "2", "--json"], None, None);
    assert_eq!(json(&log)["entries"].as_array().unwrap().len(), 2);
}

/// Linux: the XDG trash (Windows empties the Recycle Bin with PowerShell, macOS `~/.Trash`).
#[cfg(target_os = "linux")]
#[test]
fn empty_trash_clears_the_xdg_trash() {
    let env = Env::new();
    let files = env.path("home/.local/share/Trash/files");
    env.write("home/.local/share/Trash/files/doc.txt", &"z".repeat(700));
    env.write(
        "home/.local/share/Trash/files/dir/inner.bin",
        &"z".repeat(300),
    );
    let info = "[Trash Info]\nPath=/x/doc.txt\n";
    env.write("home/.local/share/Trash/info/doc.txt.trashinfo", info);
    env.write(
        "config.toml",
        &format!("[disk]\npaths = [\"{}\"]\n", env.dir.path().display()),
    );
    let p = json(&env.run(
        &["fix", "preview", "disk.empty_trash", "--json"],
        None,
        None,
    ));
    assert_eq!(p["bytes"].as_u64().unwrap(), 1000 + info.len() as u64);
    let out = env.run(
        &["fix", "apply", "disk.empty_trash", "--yes", "--json"],
        None,
        None,
    );
    let r = json(&out);
    assert_ne!(r["outcome"], "failed", "{r}");
    assert_eq!(std::fs::read_dir(&files).unwrap().count(), 0);
    assert_eq!(
        std::fs::read_dir(env.path("home/.local/share/Trash/info"))
            .unwrap()
            .count(),
        0
    );
    let again = env.run(
        &["fix", "preview", "disk.empty_trash", "--json"],
        None,
        None,
    );
    assert_eq!(
        again.status.code(),
        Some(1),
        "an empty trash is not applicable"
    );
    assert_eq!(json(&again)["available"], false);
}

#[test]
fn undo_without_saved_state_has_nothing_to_undo() {
    let env = Env::new();
    let out = env.run(&["fix", "undo", "net.clear_proxy", "--json"], None, None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["error"]["code"], "fix.nothing_to_undo");
}
