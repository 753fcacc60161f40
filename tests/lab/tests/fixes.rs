//! Every Linux fix, end to end and for real: each test breaks one thing inside a fresh lab's
//! client namespace (or on a throwaway tmpfs the test mounts), runs `desksidectl` inside that
//! namespace with a private `DESKSIDE_DATA_DIR`, and checks both what the CLI reports and what
//! really changed — the lab service that was signalled, the route that came back, the files
//! that are gone and the ones that are not. The safety test proves a fix reaches only its own
//! namespace: another lab's services and a decoy resolver on the host stay untouched.
//!
//! `system.sync_clock` and `system.restart_prompt` are not here: proving them would mean
//! changing the host's clock or rebooting it (the clock is not per namespace). `print.clear_queue`
//! is proven against the lab's private CUPS scheduler (`print-stuck`), never the system's.

#![expect(
    clippy::panic,
    clippy::unwrap_used,
    reason = "tests: a panic is the failure report"
)]
#![expect(
    clippy::disallowed_methods,
    reason = "tests start a decoy resolver and mount/unmount throwaway tmpfs synchronously"
)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime};

use deskside_lab::{CUPS_TOOLS, Fault, GNOME_SESSION_ENV, Lab, PORTAL_URL};
use serde_json::Value;

const LABD: &str = env!("CARGO_BIN_EXE_deskside-labd");

/// The CLI under test: `$DESKSIDECTL`, else the workspace's debug build.
fn desksidectl() -> PathBuf {
    let path = std::env::var_os("DESKSIDECTL").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/debug/desksidectl"),
        PathBuf::from,
    );
    assert!(
        path.is_file(),
        "desksidectl not found at {} (cargo build -p desksidectl, or set DESKSIDECTL)",
        path.display()
    );
    path
}

fn lab(extra_tools: &[&str]) -> Option<Lab> {
    deskside_lab::start_or_skip(Some(Path::new(LABD)), extra_tools)
}

fn lab_with(fault: Fault) -> Option<Lab> {
    let lab = lab(&[])?;
    lab.fault(fault)
        .unwrap_or_else(|e| panic!("fault {fault}: {e}"));
    Some(lab)
}

/// One `desksidectl` run inside the client namespace.
struct Run {
    code: Option<i32>,
    json: Value,
    stdout: String,
    stderr: String,
}

impl Run {
    fn show(&self) -> String {
        format!(
            "exit {:?}\nstdout: {}\nstderr: {}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// `DESKSIDE_DATA_DIR` for the CLI: private to the lab's exec home, deleted with the lab.
fn data_dir(lab: &Lab) -> PathBuf {
    lab.exec_dir("XDG_STATE_HOME").unwrap().join("deskside")
}

/// Run `desksidectl args… --json`-style commands in the client namespace with the lab config
/// (unless `args` already name one) and a private data dir, plus `env`.
///
/// A `--config FILE` in `args` is passed as the system file instead (unless `env` names one):
/// the lab config sets `vpn.connection`, which only the root-owned system file or mandatory
/// policy may set, never an explicit file.
fn cli(lab: &Lab, args: &[&str], env: &[(&str, &str)]) -> Run {
    let data = data_dir(lab);
    let data = data.to_str().unwrap();
    let mut args = args.to_vec();
    let mut all_env = vec![("DESKSIDE_DATA_DIR", data)];
    if !env.iter().any(|(k, _)| *k == "DESKSIDE_SYSTEM_CONFIG")
        && let Some(i) = args.iter().position(|a| *a == "--config")
        && i + 1 < args.len()
    {
        let file = args.remove(i + 1);
        args.remove(i);
        all_env.push(("DESKSIDE_SYSTEM_CONFIG", file));
    }
    all_env.extend_from_slice(env);
    let out = lab.exec(desksidectl(), &args, &all_env).unwrap();
    parse(&out)
}

fn parse(out: &Output) -> Run {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    Run {
        code: out.status.code(),
        json,
        stdout,
        stderr,
    }
}

fn config_arg(path: &Path) -> String {
    path.to_str().unwrap().to_owned()
}

/// `diagnose --fix --json` with `config`; requires the fix-run schema.
fn diagnose_fix(lab: &Lab, config: &Path, env: &[(&str, &str)]) -> Run {
    let config = config_arg(config);
    let run = cli(
        lab,
        &["diagnose", "--fix", "--json", "--config", &config],
        env,
    );
    assert_eq!(
        run.json["schema"],
        "deskside.fixrun/1",
        "no fix-run report: {}",
        run.show()
    );
    run
}

/// `fix apply ID --yes --json` with `config`.
fn apply(lab: &Lab, id: &str, config: &Path, env: &[(&str, &str)]) -> Run {
    let config = config_arg(config);
    cli(
        lab,
        &["fix", "apply", id, "--yes", "--json", "--config", &config],
        env,
    )
}

/// `fix preview ID --json` with `config`.
fn preview(lab: &Lab, id: &str, config: &Path, env: &[(&str, &str)]) -> Run {
    let config = config_arg(config);
    cli(
        lab,
        &["fix", "preview", id, "--json", "--config", &config],
        env,
    )
}

/// The entry for `id` in a fix run's `applied[]`.
fn applied<'a>(run: &'a Run, id: &str) -> &'a Value {
    run.json["applied"]
        .as_array()
        .unwrap_or_else(|| panic!("no applied[]: {}", run.show()))
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("{id} was not applied: {:#}", run.json["applied"]))
}

/// The audit log's lines (JSON objects) for fix `id`.
fn audit(lab: &Lab, id: &str) -> Vec<Value> {
    let path = data_dir(lab).join("audit.jsonl");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("no audit log at {}: {e}", path.display()));
    text.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .filter(|v| v["fix"] == id)
        .collect()
}

fn assert_audited(lab: &Lab, id: &str, steps: &[&str]) {
    let lines = audit(lab, id);
    for step in steps {
        let line = lines
            .iter()
            .find(|l| l["step"] == *step)
            .unwrap_or_else(|| panic!("no audit line for {id} step {step}: {lines:#?}"));
        assert!(
            line["outcome"].is_string(),
            "audit line without outcome: {line}"
        );
    }
}

/// The must-have loop: `diagnose --fix` on `fault` applies `fix` (outcome fixed) and ends
/// healthy, and the audit log has its preview, apply and verify.
fn assert_diagnose_fix_repairs(lab: &Lab, fault: Fault, fix: &str) -> Run {
    let run = diagnose_fix(lab, &lab.config_path(), &[]);
    assert_eq!(
        run.json["before"]["diagnosis"]["root_cause"],
        fault.expected_check(),
        "{fault}: the fault did not show before the fix: {:#}",
        run.json["before"]["diagnosis"]
    );
    let entry = applied(&run, fix);
    assert_eq!(entry["outcome"], "fixed", "{fix}: {entry:#}");
    assert_eq!(entry["verify"]["passed"], true, "{fix}: {entry:#}");
    assert_eq!(
        run.json["after"]["diagnosis"]["status"], "healthy",
        "{fault}: not healthy after the fixes; applied: {:#}\nafter: {:#}",
        run.json["applied"], run.json["after"]["diagnosis"]
    );
    assert_eq!(run.code, Some(0), "{}", run.show());
    assert_audited(lab, fix, &["preview", "apply", "verify"]);
    run
}

fn ip(lab: &Lab, args: &[&str]) -> String {
    let out = lab.exec("ip", args, &[]).unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn query(lab: &Lab, name: &str, server: &str) -> String {
    let out = lab
        .labd_exec(&["query", name, "--server", server, "--timeout-ms", "2000"])
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Lines of a lab service's log that contain `needle`.
fn log_count(lab: &Lab, service: &str, needle: &str) -> usize {
    lab.service_log(service)
        .lines()
        .filter(|l| l.contains(needle))
        .count()
}

// --- the must-haves: diagnose --fix turns these faults green ---------------------------------

#[test]
fn link_down_is_repaired_by_restart_interface() {
    let Some(lab) = lab_with(Fault::LinkDown) else {
        return;
    };
    let run = assert_diagnose_fix_repairs(&lab, Fault::LinkDown, "net.restart_interface");
    let entry = applied(&run, "net.restart_interface");
    let steps = entry["steps"].to_string();
    assert!(steps.contains("eth0"), "the interface is named: {steps}");
    assert!(ip(&lab, &["-br", "link", "show", "dev", "eth0"]).contains("UP"));
    assert!(ip(&lab, &["route", "show", "default"]).contains("via 198.51.100.1 "));
}

#[test]
fn no_address_is_repaired_by_a_dhcp_renew() {
    let Some(lab) = lab_with(Fault::NoAddress) else {
        return;
    };
    let dhcp = lab.service_pid("client-dhcp").unwrap();
    let renews_before = log_count(&lab, "client-dhcp", "renew");
    assert_diagnose_fix_repairs(&lab, Fault::NoAddress, "net.renew_address");
    // The lab's own DHCP client renewed (SIGUSR1); nobody replaced or restarted it.
    assert_eq!(lab.service_pid("client-dhcp"), Some(dhcp));
    assert!(
        log_count(&lab, "client-dhcp", "renew") > renews_before,
        "udhcpc did not renew: {}",
        lab.service_log("client-dhcp")
    );
    assert!(ip(&lab, &["-4", "-br", "addr", "show", "dev", "eth0"]).contains("198.51.100.10/24"));
}

#[test]
fn stale_dns_cache_is_repaired_by_flush_dns() {
    let Some(lab) = lab_with(Fault::DnsStale) else {
        return;
    };
    let stub = lab.service_pid("client-stub").unwrap();
    let router_dns = lab.service_pid("router-dns").unwrap();
    // dnsmasq logs "cleared cache" when it starts and on each SIGHUP.
    let cleared = log_count(&lab, "client-stub", "cleared cache");
    assert_diagnose_fix_repairs(&lab, Fault::DnsStale, "net.flush_dns");
    // The stub's cache was cleared (SIGHUP), the stub itself and the router's DNS kept running.
    assert_eq!(lab.service_pid("client-stub"), Some(stub));
    assert_eq!(
        log_count(&lab, "client-stub", "cleared cache"),
        cleared + 1,
        "{}",
        lab.service_log("client-stub")
    );
    assert_eq!(lab.service_pid("router-dns"), Some(router_dns));
    assert_eq!(
        query(&lab, "www.lab.test", "127.0.0.1"),
        "NOERROR 203.0.113.10"
    );
}

// --- the other Linux fixes ---------------------------------------------------------------------

#[test]
fn vpn_down_is_repaired_by_wg_quick() {
    let Some(lab) = lab_with(Fault::VpnDown) else {
        return;
    };
    assert_diagnose_fix_repairs(&lab, Fault::VpnDown, "vpn.reconnect");
    let out = lab.exec("wg", &["show", "interfaces"], &[]).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        lab.vpn_interface()
    );
    assert!(ip(&lab, &["route", "get", "198.18.10.1"]).contains(&lab.vpn_interface()));
}

/// Regression: `vpn.connection` names a wg-quick config whose `PostUp` runs as root; a config
/// anyone can write must be refused by the root-file rule before wg-quick runs, naming the file.
#[test]
fn a_world_writable_wg_quick_config_is_refused_and_the_tunnel_stays_down() {
    let Some(lab) = lab_with(Fault::VpnDown) else {
        return;
    };
    let conf = lab.wg_quick_conf();
    let mode = std::fs::metadata(&conf).unwrap().permissions().mode();
    std::fs::set_permissions(&conf, std::fs::Permissions::from_mode(0o666)).unwrap();
    let run = apply(&lab, "vpn.reconnect", &lab.config_path(), &[]);
    std::fs::set_permissions(&conf, std::fs::Permissions::from_mode(mode & 0o7777)).unwrap();
    assert_eq!(run.json["outcome"], "refused", "{}", run.show());
    assert_eq!(run.json["code"], "fix.unsafe_file", "{}", run.show());
    let message = run.json["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(conf.to_str().unwrap()) && message.contains("writable by everyone"),
        "{}",
        run.show()
    );
    assert!(
        run.json["steps"].as_array().is_some_and(Vec::is_empty),
        "{}",
        run.show()
    );
    let out = lab.exec("wg", &["show", "interfaces"], &[]).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "",
        "wg-quick must not have run"
    );
    // The same config, root's alone again, is used.
    let run = apply(&lab, "vpn.reconnect", &lab.config_path(), &[]);
    assert_eq!(run.json["outcome"], "fixed", "{}", run.show());
}

#[test]
fn missing_default_route_is_repaired_by_reset_stack() {
    let Some(lab) = lab_with(Fault::NoDefaultRoute) else {
        return;
    };
    let run = apply(&lab, "net.reset_stack", &lab.config_path(), &[]);
    assert_eq!(run.json["outcome"], "fixed", "{}", run.show());
    assert_eq!(run.json["verify"]["passed"], true, "{}", run.show());
    assert_eq!(run.code, Some(0), "{}", run.show());
    assert!(ip(&lab, &["route", "show", "default"]).contains("via 198.51.100.1 "));
    assert_audited(&lab, "net.reset_stack", &["apply", "verify"]);
}

/// Set `path`'s modification time `days` days back.
fn age(path: &Path, days: u64) {
    let when = SystemTime::now() - Duration::from_secs(days * 86_400);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(when)
        .unwrap();
}

#[test]
fn clear_temp_removes_only_old_files_and_reports_the_bytes() {
    let Some(lab) = lab_with(Fault::TempLarge) else {
        return;
    };
    let tmp = lab.temp_dir();
    // Old files (the fault's 4 × 4 MiB, 30 days old, plus one in a subfolder) and new ones.
    std::fs::create_dir_all(tmp.join("app-cache")).unwrap();
    std::fs::write(tmp.join("app-cache/old.bin"), vec![7u8; 65_536]).unwrap();
    age(&tmp.join("app-cache/old.bin"), 30);
    std::fs::write(tmp.join("fresh.txt"), b"still in use").unwrap();
    std::fs::write(tmp.join("app-cache/fresh.bin"), vec![1u8; 4096]).unwrap();
    let old_bytes = 4 * 4 * 1024 * 1024 + 65_536;
    // A canary outside every configured path: an old file the fix must never see.
    let canary_dir = lab.exec_dir("HOME").unwrap().join("Documents");
    std::fs::create_dir_all(&canary_dir).unwrap();
    std::fs::write(canary_dir.join("report.odt"), b"keep me").unwrap();
    age(&canary_dir.join("report.odt"), 30);

    let config = lab
        .config_with("temp.toml", &[("disk", "temp_warn_bytes = 8388608")])
        .unwrap();
    let pre = preview(&lab, "disk.clear_temp", &config, &[]);
    let bytes = pre.json["bytes"]
        .as_u64()
        .unwrap_or_else(|| panic!("preview has no byte count: {}", pre.show()));
    assert!(
        bytes >= old_bytes,
        "preview counts {bytes} bytes, the old files are {old_bytes}: {}",
        pre.show()
    );
    assert!(
        bytes < old_bytes + 1024 * 1024,
        "preview counts new files too: {bytes}"
    );

    let run = apply(&lab, "disk.clear_temp", &config, &[]);
    assert_eq!(run.json["outcome"], "fixed", "{}", run.show());
    assert_eq!(run.code, Some(0), "{}", run.show());
    assert!(
        run.stdout.contains(&bytes.to_string()) || run.stdout.contains("MiB"),
        "the freed bytes are reported: {}",
        run.show()
    );
    for i in 1..=4 {
        assert!(!tmp.join(format!("ballast-{i}.bin")).exists());
    }
    assert!(!tmp.join("app-cache/old.bin").exists());
    assert!(tmp.join("fresh.txt").is_file(), "a new file was removed");
    assert!(tmp.join("app-cache/fresh.bin").is_file());
    assert!(canary_dir.join("report.odt").is_file());
    assert!(tmp.is_dir(), "the temp folder itself must stay");
    assert_audited(&lab, "disk.clear_temp", &["preview", "apply", "verify"]);
}

/// A tmpfs mounted by the test, unmounted (lazily) when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Self {
        std::fs::create_dir_all(at).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}")])
            .arg("deskside-lab-test")
            .arg(at)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "mount tmpfs: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self(at.to_path_buf())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).output();
    }
}

#[test]
fn empty_trash_empties_a_trash_on_a_throwaway_tmpfs() {
    let Some(lab) = lab(&["mount", "umount"]) else {
        return;
    };
    let trash = lab.exec_dir("XDG_DATA_HOME").unwrap().join("Trash");
    let _mount = Tmpfs::mount(&trash, "8m");
    for dir in ["files", "info"] {
        std::fs::create_dir_all(trash.join(dir)).unwrap();
    }
    for i in 0..3 {
        std::fs::write(
            trash.join(format!("files/old-{i}.bin")),
            vec![0u8; 512 * 1024],
        )
        .unwrap();
        std::fs::write(
            trash.join(format!("info/old-{i}.bin.trashinfo")),
            format!(
                "[Trash Info]\nPath=/home/user/old-{i}.bin\nDeletionDate=2024-01-01T00:00:00\n"
            ),
        )
        .unwrap();
    }
    std::fs::create_dir_all(trash.join("files/folder/inner")).unwrap();
    std::fs::write(trash.join("files/folder/inner/x.txt"), b"x").unwrap();
    std::fs::write(
        trash.join("info/folder.trashinfo"),
        "[Trash Info]\nPath=/home/user/folder\nDeletionDate=2024-01-01T00:00:00\n",
    )
    .unwrap();

    let pre = preview(&lab, "disk.empty_trash", &lab.config_path(), &[]);
    let bytes = pre.json["bytes"].as_u64().unwrap_or(0);
    assert!(
        bytes >= 3 * 512 * 1024,
        "preview counts {bytes} bytes: {}",
        pre.show()
    );
    let run = apply(&lab, "disk.empty_trash", &lab.config_path(), &[]);
    assert_eq!(run.json["outcome"], "fixed", "{}", run.show());
    assert_eq!(run.code, Some(0), "{}", run.show());
    for dir in ["files", "info"] {
        let left: Vec<_> = std::fs::read_dir(trash.join(dir))
            .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "{dir} not emptied: {left:?}");
    }
    assert_audited(&lab, "disk.empty_trash", &["apply", "verify"]);
}

fn gsettings(lab: &Lab, args: &[&str]) -> String {
    let out = lab.exec("gsettings", args, GNOME_SESSION_ENV).unwrap();
    assert!(
        out.status.success(),
        "gsettings {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn clear_proxy_turns_off_a_dead_gnome_proxy_and_undo_restores_it() {
    let Some(lab) = lab(&["gsettings"]) else {
        return;
    };
    // The user's GNOME proxy points at the lab's dead proxy address.
    gsettings(&lab, &["set", "org.gnome.system.proxy", "mode", "manual"]);
    gsettings(
        &lab,
        &["set", "org.gnome.system.proxy.http", "host", "198.51.100.1"],
    );
    gsettings(
        &lab,
        &["set", "org.gnome.system.proxy.http", "port", "3128"],
    );
    let config = config_arg(&lab.config_path());
    let before = cli(
        &lab,
        &["diagnose", "--json", "--config", &config],
        GNOME_SESSION_ENV,
    );
    assert_eq!(
        before.json["diagnosis"]["root_cause"],
        "net.proxy",
        "{}",
        before.show()
    );

    let run = apply(
        &lab,
        "net.clear_proxy",
        &lab.config_path(),
        GNOME_SESSION_ENV,
    );
    assert_eq!(run.json["outcome"], "fixed", "{}", run.show());
    assert_eq!(run.code, Some(0), "{}", run.show());
    assert_eq!(
        gsettings(&lab, &["get", "org.gnome.system.proxy", "mode"]),
        "'none'"
    );
    assert_audited(&lab, "net.clear_proxy", &["apply", "verify"]);

    let undo = cli(
        &lab,
        &[
            "fix",
            "undo",
            "net.clear_proxy",
            "--json",
            "--config",
            &config,
        ],
        GNOME_SESSION_ENV,
    );
    assert_eq!(undo.code, Some(0), "{}", undo.show());
    assert_eq!(
        gsettings(&lab, &["get", "org.gnome.system.proxy", "mode"]),
        "'manual'"
    );
    assert_eq!(
        gsettings(&lab, &["get", "org.gnome.system.proxy.http", "host"]),
        "'198.51.100.1'"
    );
    assert_audited(&lab, "net.clear_proxy", &["undo"]);
}

#[test]
fn forget_captive_opens_the_portal_page() {
    let Some(lab) = lab_with(Fault::CaptivePortal) else {
        return;
    };
    // A PATH shim for xdg-open that records its arguments instead of starting a browser.
    let bin = lab.exec_dir("HOME").unwrap().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let record = lab.exec_dir("HOME").unwrap().join("xdg-open.args");
    let shim = bin.join("xdg-open");
    std::fs::write(
        &shim,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" >> '{}'\n",
            record.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let run = apply(
        &lab,
        "net.forget_captive",
        &lab.config_path(),
        &[("PATH", &path)],
    );
    assert!(
        matches!(run.json["outcome"].as_str(), Some("fixed" | "not_fixed")),
        "{}",
        run.show()
    );
    let opened = std::fs::read_to_string(&record)
        .unwrap_or_else(|_| panic!("xdg-open was not run: {}", run.show()));
    assert_eq!(opened.trim(), PORTAL_URL, "{}", run.show());
    assert_audited(&lab, "net.forget_captive", &["apply"]);
}

// --- admin-defined actions ---------------------------------------------------------------------

#[test]
fn admin_action_in_user_config_is_refused() {
    let Some(lab) = lab(&[]) else {
        return;
    };
    let user = lab.state_dir().join("user.toml");
    std::fs::write(
        &user,
        "[[fixes.actions]]\nid = \"sneaky\"\ntitle = \"Sneaky\"\nprogram = \"/bin/true\"\nargs = []\n",
    )
    .unwrap();
    let user = config_arg(&user);
    let run = cli(
        &lab,
        &["fix", "list", "--json"],
        &[("DESKSIDE_USER_CONFIG", &user)],
    );
    assert_eq!(run.code, Some(2), "{}", run.show());
    assert_eq!(
        run.json["error"]["code"],
        "config.admin_only",
        "{}",
        run.show()
    );
}

/// A system config with one admin action running `program`.
fn system_config_with_action(lab: &Lab, name: &str, program: &Path) -> String {
    let path = lab.state_dir().join(name);
    std::fs::write(
        &path,
        format!(
            "[[fixes.actions]]\nid = \"lab-hello\"\ntitle = \"Say hello\"\nprogram = \"{}\"\nargs = [\"from the lab\", \"$HOME; rm -rf /\"]\ntimeout_s = 10\n",
            program.display()
        ),
    )
    .unwrap();
    config_arg(&path)
}

/// The id under which `fix list` shows the action configured as `lab-hello`.
fn action_id(lab: &Lab, system: &str) -> String {
    let run = cli(
        lab,
        &["fix", "list", "--json"],
        &[("DESKSIDE_SYSTEM_CONFIG", system)],
    );
    let fixes = run.json["fixes"]
        .as_array()
        .unwrap_or_else(|| panic!("no fixes[]: {}", run.show()));
    fixes
        .iter()
        .find(|f| f["kind"] == "action")
        .and_then(|f| f["id"].as_str())
        .unwrap_or_else(|| panic!("the admin action is not listed: {}", run.show()))
        .to_owned()
}

#[test]
fn admin_action_with_a_world_writable_program_is_refused_and_a_safe_one_runs() {
    let Some(lab) = lab(&[]) else {
        return;
    };
    // Scripts in a root-owned 0755 directory of the lab (the state dir), not in /tmp itself.
    let dir = lab.state_dir().join("actions");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let script = "#!/bin/sh\necho \"hello $1\"\nprintf 'second: %s\\n' \"$2\"\n";

    let unsafe_prog = dir.join("hello-unsafe.sh");
    std::fs::write(&unsafe_prog, script).unwrap();
    std::fs::set_permissions(&unsafe_prog, std::fs::Permissions::from_mode(0o777)).unwrap();
    let system = system_config_with_action(&lab, "system-unsafe.toml", &unsafe_prog);
    let id = action_id(&lab, &system);
    let out = lab
        .exec(
            desksidectl(),
            &["fix", "apply", &id, "--yes", "--json"],
            &[
                ("DESKSIDE_SYSTEM_CONFIG", &system),
                ("DESKSIDE_DATA_DIR", data_dir(&lab).to_str().unwrap()),
            ],
        )
        .unwrap();
    let run = parse(&out);
    assert_ne!(run.code, Some(0), "{}", run.show());
    assert!(
        run.stdout.contains("fix.action_unsafe_program"),
        "{}",
        run.show()
    );
    assert!(
        !run.stdout.contains("hello from the lab"),
        "it ran: {}",
        run.show()
    );

    let safe_prog = dir.join("hello.sh");
    std::fs::write(&safe_prog, script).unwrap();
    std::fs::set_permissions(&safe_prog, std::fs::Permissions::from_mode(0o755)).unwrap();
    let system = system_config_with_action(&lab, "system-safe.toml", &safe_prog);
    let id = action_id(&lab, &system);
    let run = cli(
        &lab,
        &["fix", "apply", &id, "--yes", "--json"],
        &[("DESKSIDE_SYSTEM_CONFIG", &system)],
    );
    assert!(
        run.stdout.contains("hello from the lab"),
        "the action's output is shown: {}",
        run.show()
    );
    // Arguments reach the program as they are: no shell expanded or split them.
    assert!(
        run.stdout.contains("second: $HOME; rm -rf /"),
        "{}",
        run.show()
    );
    assert!(
        matches!(run.json["outcome"].as_str(), Some("fixed" | "not_fixed")),
        "{}",
        run.show()
    );
}

// --- safety: a fix reaches only its own namespace ------------------------------------------------

/// A dnsmasq in the host's network namespace on a loopback address, caching, logging to a
/// file: the kind of host resolver a careless `net.flush_dns` would signal. Killed on drop.
struct HostDecoy {
    child: Child,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl HostDecoy {
    fn start() -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("decoy.log");
        // A loopback address of its own; 127.0.0.1 may have a resolver of the host already.
        let addr = format!("127.0.0.{}", 100 + std::process::id() % 100);
        let child = Command::new("dnsmasq")
            .args([
                "--keep-in-foreground",
                "--conf-file=/dev/null",
                "--no-resolv",
                "--no-hosts",
                "--bind-interfaces",
                "--user=root",
                "--group=root",
                "--cache-size=150",
                "--address=/decoy.lab.test/198.51.100.77",
            ])
            .arg(format!("--listen-address={addr}"))
            .arg(format!("--log-facility={}", log.display()))
            .arg(format!("--pid-file={}", dir.path().join("pid").display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let mut decoy = Self {
            child,
            log,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(3);
        while !std::fs::read_to_string(&decoy.log)
            .unwrap_or_default()
            .contains("started")
        {
            if decoy.child.try_wait().ok().flatten().is_some() || Instant::now() > deadline {
                // The address was taken or dnsmasq could not start: no decoy on this host.
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(decoy)
    }

    fn alive(&mut self) -> bool {
        self.child.try_wait().ok().flatten().is_none()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for HostDecoy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Live (not zombie) `cupsd` processes in this test's own network namespace — the host's, when
/// the test runs on the host: the system's print service, which no test may touch.
fn host_cupsd_pids() -> Vec<u32> {
    let own = std::fs::read_link("/proc/self/ns/net").unwrap();
    let mut pids: Vec<u32> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let comm = std::fs::read_to_string(e.path().join("comm")).ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            let zombie = stat.rsplit(") ").next()?.starts_with('Z');
            let ns = std::fs::read_link(e.path().join("ns/net")).ok()?;
            (comm.trim_end() == "cupsd" && !zombie && ns == own).then_some(pid)
        })
        .collect();
    pids.sort_unstable();
    pids
}

#[test]
fn stuck_print_jobs_are_cleared_in_the_labs_private_cups_only() {
    let Some(lab) = lab(CUPS_TOOLS) else { return };
    // A second lab with stuck jobs of its own: a scheduler of another network namespace,
    // reachable by its socket path (a file), that the fix must refuse to touch.
    let Some(other) = crate::lab(CUPS_TOOLS) else {
        return;
    };
    lab.print_stuck().unwrap();
    other.print_stuck().unwrap();
    let host_cupsd = host_cupsd_pids();
    let jobs = lab.print_jobs().unwrap();
    assert_eq!(jobs, ["lab-1", "lab-2", "lab-3"]);
    let other_pid = other.service_pid("client-cups").unwrap();
    let pid = lab.service_pid("client-cups").unwrap();
    let reloads = || log_count(&lab, "cups-error", "Full reload complete");
    let reloads_before = reloads();
    assert!(reloads_before >= 1, "{}", lab.service_log("cups-error"));
    let config = lab.config_path();

    // Without CUPS_SERVER the default socket is the system's (/run/cups/cups.sock): whether or
    // not the host runs CUPS, no cupsd of the lab's namespace listens there.
    let run = apply(&lab, "print.clear_queue", &config, &[]);
    assert_eq!(run.json["outcome"], "refused", "{}", run.show());
    assert_eq!(run.json["code"], "fix.not_applicable", "{}", run.show());
    assert!(
        run.json["message"]
            .as_str()
            .unwrap()
            .contains("/run/cups/cups.sock"),
        "{}",
        run.show()
    );
    assert_eq!(run.code, Some(1));

    // CUPS_SERVER pointing at the other lab's scheduler: refused, its jobs stay.
    let other_socket = other.cups_socket();
    let run = apply(
        &lab,
        "print.clear_queue",
        &config,
        &[("CUPS_SERVER", other_socket.to_str().unwrap())],
    );
    assert_eq!(run.json["code"], "fix.not_applicable", "{}", run.show());
    assert_eq!(other.print_jobs().unwrap().len(), 3);

    // The lab's own scheduler: cancel -a there, SIGHUP to its cupsd, re-test passes.
    let socket = lab.cups_socket();
    let socket = socket.to_str().unwrap();
    let env = [("CUPS_SERVER", socket)];
    let shown = preview(&lab, "print.clear_queue", &config, &env);
    assert_eq!(shown.json["available"], true, "{}", shown.show());
    let run = apply(&lab, "print.clear_queue", &config, &env);
    assert_eq!(run.json["outcome"], "fixed", "{}", run.show());
    assert_eq!(run.code, Some(0), "{}", run.show());
    assert_eq!(run.json["verify"]["passed"], true, "{}", run.show());
    assert_eq!(run.json["verify"]["checks"][0]["id"], "print.queue");
    assert_eq!(run.json["verify"]["checks"][0]["status"], "pass");
    let steps: Vec<String> = run.json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            assert_eq!(s["status"], "ok", "{s}");
            let args: Vec<&str> = s["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            format!("{} {}", s["program"].as_str().unwrap(), args.join(" "))
        })
        .collect();
    assert_eq!(
        steps,
        [
            format!("cancel -h {socket} -a"),
            format!("deskside signal HUP {pid} cupsd")
        ]
    );
    assert!(lab.print_jobs().unwrap().is_empty());
    // SIGHUP makes cupsd reload in place: same pid, one more full reload in its log, and it
    // answers again (print_jobs above went through it).
    assert_eq!(lab.service_pid("client-cups"), Some(pid));
    assert_eq!(
        reloads(),
        reloads_before + 1,
        "{}",
        lab.service_log("cups-error")
    );
    assert_audited(&lab, "print.clear_queue", &["preview", "apply", "verify"]);
    let verify = audit(&lab, "print.clear_queue")
        .into_iter()
        .rfind(|l| l["step"] == "verify")
        .unwrap();
    assert_eq!(verify["outcome"], "fixed");
    assert_eq!(verify["before"]["print.queue"], "fail", "{verify}");
    assert_eq!(verify["after"]["print.queue"], "pass", "{verify}");

    // Nothing else moved: the other lab's scheduler and jobs, the host's cupsd (if any).
    assert_eq!(other.service_pid("client-cups"), Some(other_pid));
    assert_eq!(other.print_jobs().unwrap().len(), 3);
    assert_eq!(
        log_count(&other, "cups-error", "Full reload complete"),
        1,
        "{}",
        other.service_log("cups-error")
    );
    assert_eq!(host_cupsd_pids(), host_cupsd);
}

fn host_links() -> String {
    let out = Command::new("ip").args(["-br", "link"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn host_default_route() -> String {
    let out = Command::new("ip")
        .args(["-4", "route", "show", "default"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn fixes_touch_only_their_own_namespace() {
    let Some(lab) = lab_with(Fault::DnsStale) else {
        return;
    };
    // A second lab in the same state: its stub caches the same stale answers.
    let other = lab_with(Fault::DnsStale).expect("second lab");
    let other_stub = other.service_pid("client-stub").unwrap();
    let other_dhcp = other.service_pid("client-dhcp").unwrap();
    let other_dhcp_log = other.service_log("client-dhcp");
    let other_stub_log = other.service_log("client-stub");
    let cleared = log_count(&lab, "client-stub", "cleared cache");
    let mut decoy = HostDecoy::start().map(|d| {
        let log = d.log();
        (d, log)
    });
    if decoy.is_none() {
        // Straight to stderr so a plain `cargo test` shows the gap.
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"NOTE fixes_touch_only_their_own_namespace: no host decoy resolver \
              (a loopback :53 address is taken); the host part checks links and routes only\n",
        );
    }
    let links = host_links();
    let route = host_default_route();

    // Every namespace-sensitive fix, applied in the first lab.
    let run = diagnose_fix(&lab, &lab.config_path(), &[]);
    assert_eq!(
        applied(&run, "net.flush_dns")["outcome"],
        "fixed",
        "{}",
        run.show()
    );
    for id in [
        "net.renew_address",
        "net.restart_interface",
        "net.reset_stack",
    ] {
        let run = apply(&lab, id, &lab.config_path(), &[]);
        assert_eq!(run.json["outcome"], "fixed", "{id}: {}", run.show());
    }
    assert!(log_count(&lab, "client-stub", "cleared cache") > cleared);

    // The other lab: same processes, cache intact, no renew.
    assert_eq!(other.service_pid("client-stub"), Some(other_stub));
    assert_eq!(
        other.service_log("client-stub"),
        other_stub_log,
        "another namespace's resolver was signalled"
    );
    assert_eq!(query(&other, "www.lab.test", "127.0.0.1"), "NXDOMAIN");
    assert_eq!(other.service_pid("client-dhcp"), Some(other_dhcp));
    assert_eq!(
        other.service_log("client-dhcp"),
        other_dhcp_log,
        "another namespace's DHCP client was signalled"
    );
    assert!(ip(&other, &["-br", "link", "show", "dev", "eth0"]).contains("UP"));

    // The host: its resolver decoy was not signalled, its links and route did not move.
    if let Some((decoy, log_before)) = decoy.as_mut() {
        assert!(decoy.alive(), "the host decoy resolver was killed");
        assert_eq!(
            &decoy.log(),
            log_before,
            "the host's resolver was signalled"
        );
    }
    assert_eq!(host_links(), links, "host links changed");
    assert_eq!(host_default_route(), route, "host default route changed");
}
