//! `desksidectl policy show` and `policy check`: each key's value, level, source (file and
//! line, registry path, profile) and what it overrode, secrets redacted, errors listed; the
//! offline linter on the three formats with exit 1 when a policy has problems. The policy
//! folder is one the test creates (`--policy-dir`), never the host's /etc.

#![cfg(unix)]
#![expect(
    clippy::disallowed_methods,
    reason = "tests drive the real binary as a script would"
)]
#![expect(clippy::unwrap_used, reason = "tests: a panic is the failure report")]

use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use support::{desksidectl, json};

mod support;

fn config_fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../deskside-config/tests/fixtures")
        .join(rel)
}

#[test]
fn show_gives_each_key_its_level_source_line_and_what_it_overrode() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("policies");
    std::fs::create_dir_all(root.join("managed")).unwrap();
    let file = root.join("managed/10-it.toml");
    std::fs::write(
        &file,
        "[tickets]\nredact_personal = true\n[helpdesk]\nsecret = \"s3cret-Value\"\n\
         [clock]\nwarn_offset_s = 900\n",
    )
    .unwrap();
    let user = dir.path().join("user.toml");
    std::fs::write(&user, "[tickets]\nredact_personal = false\n").unwrap();
    let out = desksidectl(dir.path())
        .env("DESKSIDE_USER_CONFIG", &user)
        .args(["policy", "show", "--json", "--policy-dir"])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report = json(&out);
    assert_eq!(report["schema"], "deskside.policy/1");
    if std::fs::metadata(&file).unwrap().uid() != 0 {
        assert_eq!(report["errors"][0]["code"], "config.policy_untrusted");
        return;
    }
    let keys = report["keys"].as_array().unwrap();
    let key = |k: &str| keys.iter().find(|e| e["key"] == k).unwrap().clone();
    let r = key("tickets.redact_personal");
    assert_eq!(r["value"], true);
    assert_eq!(r["level"], "mandatory");
    assert_eq!(r["locked"], true);
    assert_eq!(r["source"], file.display().to_string());
    assert_eq!(r["origin"], "line 2");
    assert_eq!(r["overrode"][1]["level"], "user");
    assert_eq!(r["overrode"][1]["value"], "false");
    assert_eq!(key("helpdesk.secret")["value"], "<redacted>");
    // The ordering error against the default fail_offset_s drops that key only, with an error.
    assert!(keys.iter().all(|e| e["key"] != "clock.warn_offset_s"));
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["key"], "clock.warn_offset_s");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("s3cret-Value"));

    let text = desksidectl(dir.path())
        .env("DESKSIDE_USER_CONFIG", &user)
        .args(["policy", "show", "--policy-dir"])
        .arg(&root)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(text.contains("tickets.redact_personal = true\n"), "{text}");
    assert!(
        text.contains(&format!(
            "    mandatory, locked: {} (line 2)\n",
            file.display()
        )),
        "{text}"
    );
    assert!(text.contains("    overrode false from user "), "{text}");
    assert!(text.contains("error: "), "{text}");
}

#[test]
fn check_lints_the_three_formats_offline_and_exits_1_on_problems() {
    let dir = tempfile::tempdir().unwrap();
    for (path, problems) in [
        (config_fixture("windows/hklm-export.reg"), true),
        (config_fixture("macos/deskside.mobileconfig"), true),
        (config_fixture("macos/user-dev.deskside.tray.plist"), false),
    ] {
        let out = desksidectl(dir.path())
            .args(["policy", "check", "--json"])
            .arg(&path)
            .output()
            .unwrap();
        let report = json(&out);
        let errors = report["errors"].as_array().unwrap();
        assert_eq!(
            !errors.is_empty(),
            problems,
            "{}: {errors:?}",
            path.display()
        );
        assert_eq!(
            out.status.code(),
            Some(if problems { 1 } else { 0 }),
            "{}",
            path.display()
        );
        assert!(!report["keys"].as_array().unwrap().is_empty());
    }

    // A folder of TOML files, every problem at once, each naming file, key and line.
    let folder = dir.path().join("policy");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("a.toml"),
        "[fixes]\nauto = [\"disk.empty_trash\", \"net.flsh_dns\"]\n[vpn]\nrequired = \"yes\"\n",
    )
    .unwrap();
    let out = desksidectl(dir.path())
        .args(["policy", "check"])
        .arg(&folder)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains(
            "a.toml: key `vpn.required`: expected true or false, found a string (line 4)"
        ),
        "{text}"
    );
    assert!(text.contains("unknown fix id \"net.flsh_dns\""), "{text}");
    assert!(text.contains("2 problem(s).\n"), "{text}");

    let out = desksidectl(dir.path())
        .args(["policy", "check"])
        .arg(dir.path().join("missing.reg"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn config_validate_reports_every_error_at_once_and_warns_of_destructive_auto_fixes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.toml");
    std::fs::write(
        &file,
        "[network]\ndns_names = 5\nquality_samples = 0\n[vpn]\nrequird = true\n",
    )
    .unwrap();
    let out = desksidectl(dir.path())
        .args(["--config", file.to_str().unwrap(), "config", "validate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(err.contains("network.dns_names"), "{err}");
    assert!(err.contains("vpn.requird"), "{err}");

    std::fs::write(
        &file,
        "[network]\nquality_samples = 0\ndns_timeout_ms = 0\n[fixes]\ndisabled = [\"nope.fix\"]\n",
    )
    .unwrap();
    let out = desksidectl(dir.path())
        .args(["--config", file.to_str().unwrap(), "config", "validate"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    for key in [
        "network.quality_samples",
        "network.dns_timeout_ms",
        "fixes.disabled",
    ] {
        assert!(err.contains(key), "{key}: {err}");
    }

    std::fs::write(&file, "[fixes]\nauto = [\"disk.empty_trash\"]\n").unwrap();
    let out = desksidectl(dir.path())
        .args(["--config", file.to_str().unwrap(), "config", "validate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains("warning: `fixes.auto`")
            && text.contains("\"disk.empty_trash\" without asking"),
        "{text}"
    );
}

#[test]
fn templates_writes_the_committed_templates_and_its_examples_lint_clean() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("templates");
    let out = desksidectl(dir.path())
        .args(["policy", "templates", "--out"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/policy-templates");
    for rel in [
        "windows/deskside.admx",
        "windows/en-US/deskside.adml",
        "macos/dev.deskside.tray.json",
        "linux/managed/50-deskside.toml",
    ] {
        assert_eq!(
            std::fs::read_to_string(out_dir.join(rel)).unwrap(),
            std::fs::read_to_string(committed.join(rel)).unwrap(),
            "{rel}"
        );
    }
    for example in [
        "macos/deskside-example.mobileconfig",
        "windows/deskside-example.reg",
    ] {
        let out = desksidectl(dir.path())
            .args(["policy", "check"])
            .arg(out_dir.join(example))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{example}: {out:?}");
    }
}
