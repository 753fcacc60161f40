//! The narrow privileged path. The unprivileged app never runs a command as administrator
//! itself: it starts the helper `deskside-elevate` through the OS's consent prompt with a fix
//! id and validated arguments, and the helper — running as root — re-validates everything,
//! reads admin settings only from the system config file, detects the machine's facts itself,
//! builds the plan from the catalogue and runs it. It can run nothing else.
//!
//! - Linux: `pkexec /usr/libexec/deskside/deskside-elevate apply ID …`, authorised by the
//!   polkit action `dev.deskside.fix.apply` (`packaging/linux/dev.deskside.fix.policy`).
//! - Windows: `ShellExecuteW` with the verb `runas` on the helper and a quoted argument string
//!   ([`windows_runas`]; the quoting follows `CommandLineToArgvW`).
//! - macOS: `osascript` with a fixed script that quotes each argument (`quoted form of`) and
//!   asks `with administrator privileges` ([`macos_invocation`]).
//!
//! The threat model is in `docs/fixes.md`.

use std::path::Path;

use serde_json::{Value, json};

use crate::FixError;
use crate::args::{ConnectionName, DeferMinutes, FixArgs, InterfaceName, VpnClient};
use crate::catalogue;

/// Where packages install the helper on Linux (the polkit policy names this path).
pub const LINUX_HELPER: &str = "/usr/libexec/deskside/deskside-elevate";
/// Where the helper is on macOS when the running program is not inside an app bundle (the
/// CLI on its own): the standard install location of the app.
pub const MACOS_DEFAULT_HELPER: &str = "/Applications/Deskside.app/Contents/MacOS/deskside-elevate";
/// The polkit action id.
pub const POLKIT_ACTION: &str = "dev.deskside.fix.apply";

/// What the unprivileged side asks the helper for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Run built-in fix `id` with `args`. The connection is kept as text until the helper
    /// knows the VPN client from the system config, then validated for it.
    Apply {
        /// Fix id.
        id: String,
        /// Interface, minutes.
        args: FixArgs,
        /// `--connection`, validated by the helper against `vpn.client` of the system config.
        connection: Option<String>,
    },
    /// Run admin action `id` from the system config.
    Action {
        /// Action id.
        id: String,
    },
    /// Undo built-in fix `id` (only those that need administrator rights and have an undo
    /// that needs no saved user data: cancelling a scheduled restart).
    Undo {
        /// Fix id.
        id: String,
    },
}

impl Request {
    /// The request for applying `id` with validated `args`.
    #[must_use]
    pub fn apply(id: &str, args: &FixArgs) -> Self {
        Self::Apply {
            id: id.to_owned(),
            args: FixArgs {
                connection: None,
                ..args.clone()
            },
            connection: args.connection.as_ref().map(|c| c.as_str().to_owned()),
        }
    }
}

/// The helper's command line (after the program) for `req`.
#[must_use]
pub fn helper_args(req: &Request) -> Vec<String> {
    match req {
        Request::Apply {
            id,
            args,
            connection,
        } => {
            let mut out = vec!["apply".to_owned(), id.clone()];
            if let Some(i) = &args.interface {
                out.extend(["--interface".to_owned(), i.to_string()]);
            }
            if let Some(c) = connection {
                out.extend(["--connection".to_owned(), c.clone()]);
            }
            if let Some(m) = args.minutes {
                out.extend(["--minutes".to_owned(), m.get().to_string()]);
            }
            out
        }
        Request::Action { id } => vec!["action".to_owned(), id.clone()],
        Request::Undo { id } => vec!["undo".to_owned(), id.clone()],
    }
}

fn refused(reason: impl Into<String>) -> FixError {
    FixError::Refused {
        reason: reason.into(),
    }
}

/// Parse the helper's command line strictly: `apply ID [--interface IF] [--connection NAME]
/// [--minutes N]`, `undo ID` or `action ID`; every flag at most once; anything else is refused.
///
/// # Errors
/// [`FixError::Refused`] for an unknown shape or flag, [`FixError::BadArgument`] for a value
/// its type rejects.
pub fn parse_helper_args(argv: &[String]) -> Result<Request, FixError> {
    let usage = "usage: deskside-elevate apply FIX_ID [--interface IF] [--connection NAME] [--minutes N] | deskside-elevate undo FIX_ID | deskside-elevate action ACTION_ID";
    match argv {
        [verb, id] if verb == "action" => Ok(Request::Action { id: id.clone() }),
        [verb, id] if verb == "undo" => Ok(Request::Undo { id: id.clone() }),
        [verb, id, rest @ ..] if verb == "apply" => {
            let mut args = FixArgs::default();
            let mut connection = None;
            let mut it = rest.iter();
            while let Some(flag) = it.next() {
                let value = it
                    .next()
                    .ok_or_else(|| refused(format!("{flag} needs a value; {usage}")))?;
                let twice = || refused(format!("{flag} given twice"));
                match flag.as_str() {
                    "--interface" => {
                        if args.interface.is_some() {
                            return Err(twice());
                        }
                        args.interface = Some(InterfaceName::parse(value)?);
                    }
                    "--connection" => {
                        if connection.is_some() {
                            return Err(twice());
                        }
                        connection = Some(value.clone());
                    }
                    "--minutes" => {
                        if args.minutes.is_some() {
                            return Err(twice());
                        }
                        args.minutes = Some(DeferMinutes::parse(value)?);
                    }
                    other => {
                        return Err(refused(format!(
                            "unknown option {:?}; {usage}",
                            other.chars().take(40).collect::<String>()
                        )));
                    }
                }
            }
            Ok(Request::Apply {
                id: id.clone(),
                args,
                connection,
            })
        }
        _ => Err(refused(usage)),
    }
}

/// Linux: the pkexec invocation of the helper.
#[must_use]
pub fn linux_invocation(req: &Request) -> (&'static str, Vec<String>) {
    let mut args = vec![LINUX_HELPER.to_owned()];
    args.extend(helper_args(req));
    ("pkexec", args)
}

/// Windows: what `ShellExecuteW` is called with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunAs {
    /// Always `runas` (the UAC consent prompt).
    pub verb: &'static str,
    /// The helper executable.
    pub file: String,
    /// The quoted argument string.
    pub parameters: String,
}

/// Windows: the UAC invocation of the helper at `helper_exe`, answering on the pipe
/// `answer_pipe` ([`answer_pipe_name`]): a process started through the consent prompt has no
/// stdout its starter can read.
#[must_use]
pub fn windows_runas(helper_exe: &str, req: &Request, answer_pipe: &str) -> RunAs {
    let mut args = vec![ANSWER_PIPE_FLAG.to_owned(), answer_pipe.to_owned()];
    args.extend(helper_args(req));
    RunAs {
        verb: "runas",
        file: helper_exe.to_owned(),
        parameters: args
            .iter()
            .map(|a| quote_windows_arg(a))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// The helper's option naming the pipe it answers on (Windows), before the verb.
pub const ANSWER_PIPE_FLAG: &str = "--answer-pipe";
/// Every answer pipe's name starts so; 32 lowercase hex digits follow.
pub const ANSWER_PIPE_PREFIX: &str = r"\\.\pipe\deskside-";

/// The name of a one-use answer pipe from 16 random bytes: `\\.\pipe\deskside-<32 hex>`.
#[must_use]
pub fn answer_pipe_name(random: [u8; 16]) -> String {
    let mut name = String::from(ANSWER_PIPE_PREFIX);
    for b in random {
        name.push_str(&format!("{b:02x}"));
    }
    name
}

/// Whether `name` is exactly a name [`answer_pipe_name`] makes. The elevated helper writes
/// its answer nowhere else: a path the caller could choose freely would let anyone who can
/// start the helper make an administrator overwrite any file.
#[must_use]
pub fn valid_answer_pipe(name: &str) -> bool {
    name.strip_prefix(ANSWER_PIPE_PREFIX).is_some_and(|hex| {
        hex.len() == 32
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// The helper's arguments with a leading `--answer-pipe NAME` taken off.
///
/// # Errors
/// [`FixError::Refused`] when the option has no value or the value is not an answer pipe.
pub fn split_answer_pipe(argv: &[String]) -> Result<(Option<String>, &[String]), FixError> {
    match argv {
        [flag, name, rest @ ..] if flag == ANSWER_PIPE_FLAG => {
            if valid_answer_pipe(name) {
                Ok((Some(name.clone()), rest))
            } else {
                Err(refused("the answer pipe is not one of Deskside's"))
            }
        }
        [flag] if flag == ANSWER_PIPE_FLAG => Err(refused("--answer-pipe needs a pipe name")),
        _ => Ok((None, argv)),
    }
}

/// Windows: the helper installed next to the running program (`deskside-elevate.exe` in the
/// app's folder), or `None` when the program's path is unknown.
#[must_use]
pub fn windows_helper(exe: Option<&str>) -> Option<String> {
    let exe = exe?;
    let cut = exe.rfind(['\\', '/'])?;
    Some(format!("{}\\deskside-elevate.exe", &exe[..cut]))
}

/// How a helper started through the UAC prompt ended.
#[derive(Debug)]
pub enum UacOutcome {
    /// The user said no (or closed the prompt): `ERROR_CANCELLED`.
    Cancelled,
    /// The helper could not be started.
    NotStarted(std::io::Error),
    /// Still running when the engine's time ran out.
    TimedOut,
    /// It ended with this exit code and wrote this answer (empty when it wrote none).
    Exited {
        /// Exit code.
        code: u32,
        /// The answer read from the pipe.
        answer: String,
    },
}

/// The helper's JSON answer from a UAC run, or why there is none.
///
/// # Errors
/// [`FixError::ElevationUnavailable`] with a plain reason; [`FixError::HelperNotStarted`].
pub fn uac_answer(outcome: UacOutcome) -> Result<Value, FixError> {
    let reason = match outcome {
        UacOutcome::Exited { code, answer } => match serde_json::from_str::<Value>(answer.trim()) {
            Ok(v) => return Ok(v),
            Err(_) => format!("the helper gave no result (exit code {code})"),
        },
        UacOutcome::Cancelled => "you did not approve the administrator prompt".to_owned(),
        UacOutcome::TimedOut => "the helper did not finish in time".to_owned(),
        UacOutcome::NotStarted(source) => {
            return Err(FixError::HelperNotStarted {
                source: deskside_exec::ExecError::Spawn {
                    program: "deskside-elevate.exe".to_owned(),
                    source,
                },
            });
        }
    };
    Err(FixError::ElevationUnavailable { reason })
}

/// Windows: run `req` through the UAC prompt with the helper next to this program and
/// return its JSON answer. Elsewhere: [`FixError::ElevationUnavailable`].
///
/// # Errors
/// As [`uac_answer`]; no helper path known.
pub async fn run_through_uac(
    req: &Request,
    timeout: std::time::Duration,
) -> Result<Value, FixError> {
    #[cfg(windows)]
    {
        let exe = std::env::current_exe().ok();
        let Some(helper) = windows_helper(exe.as_deref().and_then(Path::to_str)) else {
            return Err(FixError::ElevationUnavailable {
                reason: "the path of the running program is unknown, so its helper cannot be found"
                    .to_owned(),
            });
        };
        let mut random = [0_u8; 16];
        getrandom::fill(&mut random).map_err(|e| FixError::HelperNotStarted {
            source: deskside_exec::ExecError::Spawn {
                program: helper.clone(),
                source: std::io::Error::other(e.to_string()),
            },
        })?;
        let pipe = answer_pipe_name(random);
        let run = windows_runas(&helper, req, &pipe);
        let outcome = tokio::task::spawn_blocking(move || {
            crate::uac::run(run.verb, &run.file, &run.parameters, &pipe, timeout)
        })
        .await
        .unwrap_or(UacOutcome::TimedOut);
        uac_answer(outcome)
    }
    #[cfg(not(windows))]
    {
        let _ = (req, timeout);
        Err(FixError::ElevationUnavailable {
            reason: "the Windows administrator prompt exists only on Windows".to_owned(),
        })
    }
}

/// Quote one argument so `CommandLineToArgvW` (the MSVC runtime rules) reads it back
/// unchanged: wrap in quotes when needed, double the backslashes that precede a quote or the
/// closing quote, escape embedded quotes.
#[must_use]
pub fn quote_windows_arg(arg: &str) -> String {
    if !arg.is_empty() && !arg.contains([' ', '\t', '\n', '\u{b}', '"']) {
        return arg.to_owned();
    }
    let mut out = String::from('"');
    let mut backslashes = 0_usize;
    for c in arg.chars() {
        match c {
            '\\' => backslashes += 1,
            '"' => {
                out.push_str(&"\\".repeat(backslashes * 2 + 1));
                out.push('"');
                backslashes = 0;
            }
            _ => {
                out.push_str(&"\\".repeat(backslashes));
                out.push(c);
                backslashes = 0;
            }
        }
    }
    out.push_str(&"\\".repeat(backslashes * 2));
    out.push('"');
    out
}

/// macOS: the helper inside the app bundle that holds `exe` (the running program, links
/// resolved): `<X>.app/Contents/MacOS/deskside-elevate`, wherever the bundle was installed;
/// [`MACOS_DEFAULT_HELPER`] when `exe` is not in a bundle or unknown.
#[must_use]
pub fn macos_helper(exe: Option<&Path>) -> std::path::PathBuf {
    let in_bundle = |exe: &Path| {
        let macos = exe.parent()?;
        let contents = macos.parent()?;
        let bundle = contents.parent()?;
        (macos.file_name()? == "MacOS"
            && contents.file_name()? == "Contents"
            && bundle.extension()? == "app")
            .then(|| macos.join("deskside-elevate"))
    };
    exe.and_then(in_bundle)
        .unwrap_or_else(|| std::path::PathBuf::from(MACOS_DEFAULT_HELPER))
}

/// The AppleScript run by [`macos_invocation`], one `-e` line each. It receives the helper and
/// its arguments as `argv` and quotes every item with `quoted form of`, so no argument is ever
/// interpreted by the shell `do shell script` uses.
pub const MACOS_SCRIPT: &[&str] = &[
    "on run argv",
    "set cmd to \"\"",
    "repeat with a in argv",
    "set cmd to cmd & quoted form of (a as text) & \" \"",
    "end repeat",
    "do shell script cmd with administrator privileges",
    "end run",
];

/// macOS: the authorization-prompt invocation of the helper at `helper`.
#[must_use]
pub fn macos_invocation(helper: &str, req: &Request) -> (&'static str, Vec<String>) {
    let mut args = Vec::new();
    for line in MACOS_SCRIPT {
        args.extend(["-e".to_owned(), (*line).to_owned()]);
    }
    args.push(helper.to_owned());
    args.extend(helper_args(req));
    ("/usr/bin/osascript", args)
}

/// The helper's error answer: code and message, and for a refused file also the file, its
/// role and the reason, so the app can rebuild the typed error ([`error_from_json`]).
fn error_json(e: &FixError) -> Value {
    let mut error = json!({"code": e.code(), "message": e.to_string()});
    if let FixError::UnsafeFile { role, path, reason } = e {
        error["path"] = json!(path.display().to_string());
        error["role"] = json!(role.as_str());
        error["problem"] = json!(reason.to_string());
    }
    json!({ "error": error })
}

/// The typed error behind the helper's `{"error": …}` answer `v` (see `error_json`);
/// codes the app does not branch on become [`FixError::Refused`] with the helper's message.
#[must_use]
pub fn error_from_json(v: &Value) -> FixError {
    let text = |p: &str| v.pointer(p).and_then(Value::as_str);
    let message = text("/error/message").unwrap_or("no result").to_owned();
    match text("/error/code").unwrap_or("") {
        "fix.not_applicable" => FixError::NotApplicable {
            id: String::new(),
            reason: message,
        },
        "fix.action_unsafe_program" | "fix.unsafe_file" => FixError::UnsafeFile {
            role: text("/error/role")
                .and_then(crate::trusted::Role::parse)
                .unwrap_or(crate::trusted::Role::Program),
            path: text("/error/path").unwrap_or("").into(),
            reason: crate::trusted::Unsafe::Reported {
                problem: text("/error/problem").map_or(message, str::to_owned),
            },
        },
        _ => FixError::Refused { reason: message },
    }
}

/// The helper's whole job: validate `argv`, load ONLY `system_config` (no environment, no user
/// file), run the fix or action, and return the exit code (0 done, 1 it ran but failed, 2
/// refused) and the JSON to print.
pub async fn helper_main(argv: &[String], system_config: Option<&Path>) -> (u8, Value) {
    match helper_inner(argv, system_config).await {
        Ok((code, value)) => (code, value),
        Err(e) => (2, error_json(&e)),
    }
}

async fn helper_inner(
    argv: &[String],
    system_config: Option<&Path>,
) -> Result<(u8, Value), FixError> {
    let req = parse_helper_args(argv)?;
    let config = load_system_config(system_config)?;
    match req {
        Request::Apply {
            id,
            mut args,
            connection,
        } => {
            let def = catalogue::find(&id).ok_or(FixError::NotInCatalogue { id: id.clone() })?;
            if !def.elevation {
                return Err(FixError::NoElevationNeeded { id });
            }
            if config.fixes.disabled.contains(&id) {
                return Err(FixError::Disabled { id });
            }
            if let Some(raw) = connection {
                let configured = crate::facts::configured_vpn(&config).ok_or_else(|| {
                    refused("--connection is only accepted when the system config sets vpn.client and vpn.connection")
                })?;
                let conn = ConnectionName::parse(configured.0, &raw)?;
                if conn != configured.1 {
                    return Err(refused(
                        "--connection must be the connection set in the system config (vpn.connection)",
                    ));
                }
                args.connection = Some(conn);
            }
            require_root()?;
            let mut facts = crate::facts::gather(def, &config).await;
            // The VPN to reconnect comes from the system config only: a user-chosen wg-quick
            // file could carry PostUp commands that root would run.
            if def.id == "vpn.reconnect" {
                facts.vpn = crate::facts::configured_vpn(&config);
            }
            // The print queue is the system scheduler's: the caller's CUPS_SERVER (pkexec
            // scrubs it anyway) must not choose which socket root talks to.
            if def.id == "print.clear_queue" {
                crate::facts::detect_print(&mut facts, None);
            }
            let plan = match crate::plan::plan(deskside_config::Os::current(), def, &args, &facts) {
                Ok(p) => p,
                Err(e) => return Ok((1, error_json(&e))),
            };
            run_plan(&plan, id).await
        }
        Request::Undo { id } => {
            let def = catalogue::find(&id).ok_or(FixError::NotInCatalogue { id: id.clone() })?;
            if !def.elevation {
                return Err(FixError::NoElevationNeeded { id });
            }
            let plan = crate::plan::undo_plan(
                deskside_config::Os::current(),
                def,
                &crate::UndoState::default(),
            )?;
            require_root()?;
            run_plan(&plan, id).await
        }
        Request::Action { id } => {
            let action = config
                .fixes
                .actions
                .iter()
                .find(|a| a.id == id)
                .ok_or_else(|| {
                    refused(format!(
                        "`{id}` is not an admin action in the system config"
                    ))
                })?;
            if !action.elevate {
                return Err(FixError::NoElevationNeeded { id });
            }
            crate::actions::check_program(Path::new(&action.program))?;
            require_root()?;
            let run = crate::actions::run(action).await?;
            let code = u8::from(!run.success());
            Ok((code, json!({"id": id, "action": run})))
        }
    }
}

/// Runs a plan as root: programs from the fixed safe `PATH`, and every program and config
/// file under the root-file rule. Exit code 1 when a step failed, and the steps as JSON with
/// the fix id.
///
/// # Errors
/// [`FixError::UnsafeFile`] when a file the plan would run or read is not root's alone.
async fn run_plan(plan: &crate::plan::Plan, id: String) -> Result<(u8, Value), FixError> {
    let run = crate::exec::execute(
        plan,
        &crate::exec::ExecOptions {
            safe_path: true,
            as_root: true,
            data_dir: None,
            fix_id: id.clone(),
        },
    )
    .await?;
    let code = u8::from(!run.ok);
    let mut value = serde_json::to_value(&run).unwrap_or(Value::Null);
    if let Some(obj) = value.as_object_mut() {
        obj.insert("id".into(), Value::from(id));
    }
    Ok((code, value))
}

fn require_root() -> Result<(), FixError> {
    if crate::is_elevated() {
        Ok(())
    } else {
        Err(refused(
            "deskside-elevate must be started through pkexec (it is not running as root)",
        ))
    }
}

/// The system config file at its fixed OS location, with no environment override: the helper
/// must not let the caller point it at another file.
#[must_use]
pub fn system_config_path() -> Option<std::path::PathBuf> {
    deskside_config::system_path(deskside_config::Os::current(), &|_| None).filter(|p| p.exists())
}

/// Load only the system config file (defaults when there is none). It names the programs
/// and the VPN config root will run, so it falls under the root-file rule itself when the
/// helper runs as root.
fn load_system_config(path: Option<&Path>) -> Result<deskside_config::Config, FixError> {
    let mut layers = Vec::new();
    if let Some(path) = path {
        if crate::is_elevated() {
            crate::trusted::check(crate::trusted::Role::SystemConfig, path)?;
        }
        let layer = deskside_config::Layer::from_file(deskside_config::SourceKind::System, path)
            .map_err(|source| FixError::SystemConfig { source })?;
        layers.extend(layer);
    }
    deskside_config::load_layers(layers)
        .map(|l| l.config)
        .map_err(|source| FixError::SystemConfig { source })
}

/// The VPN client of the system config, for messages.
#[must_use]
pub fn client_name(client: VpnClient) -> &'static str {
    match client {
        VpnClient::Wireguard => "wireguard",
        VpnClient::Networkmanager => "networkmanager",
        VpnClient::Openvpn => "openvpn",
        VpnClient::Rasdial => "rasdial",
        VpnClient::Scutil => "scutil",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|a| (*a).to_owned()).collect()
    }

    /// `CommandLineToArgvW`'s reading of a parameter string (for the round-trip property).
    fn windows_split(line: &str) -> Vec<String> {
        let mut args = Vec::new();
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            while i < chars.len() && (chars[i] == ' ' || chars[i] == '\t') {
                i += 1;
            }
            if i >= chars.len() {
                break;
            }
            let mut cur = String::new();
            let mut quoted = false;
            while i < chars.len() && (quoted || (chars[i] != ' ' && chars[i] != '\t')) {
                let mut n = 0;
                while i < chars.len() && chars[i] == '\\' {
                    n += 1;
                    i += 1;
                }
                if i < chars.len() && chars[i] == '"' {
                    cur.push_str(&"\\".repeat(n / 2));
                    if n % 2 == 1 {
                        cur.push('"');
                    } else if quoted && i + 1 < chars.len() && chars[i + 1] == '"' {
                        cur.push('"');
                        i += 1;
                    } else {
                        quoted = !quoted;
                    }
                    i += 1;
                } else {
                    cur.push_str(&"\\".repeat(n));
                    if i < chars.len() && (quoted || (chars[i] != ' ' && chars[i] != '\t')) {
                        cur.push(chars[i]);
                        i += 1;
                    }
                }
            }
            args.push(cur);
        }
        args
    }

    #[test]
    fn helper_arguments_round_trip() {
        let args = FixArgs {
            interface: Some(InterfaceName::parse("eth0").unwrap()),
            minutes: Some(DeferMinutes::new(15).unwrap()),
            ..FixArgs::default()
        };
        let req = Request::apply("net.restart_interface", &args);
        let argv = helper_args(&req);
        assert_eq!(
            argv,
            s(&[
                "apply",
                "net.restart_interface",
                "--interface",
                "eth0",
                "--minutes",
                "15"
            ])
        );
        assert_eq!(parse_helper_args(&argv).unwrap(), req);
        assert_eq!(
            linux_invocation(&Request::Action {
                id: "restart-agent".into()
            }),
            ("pkexec", s(&[LINUX_HELPER, "action", "restart-agent"]))
        );
    }

    #[test]
    fn helper_parser_refuses_anything_else() {
        for bad in [
            s(&[]),
            s(&["apply"]),
            s(&["run", "net.flush_dns"]),
            s(&["apply", "net.flush_dns", "--interface"]),
            s(&["apply", "net.flush_dns", "--interface", "eth0;id"]),
            s(&[
                "apply",
                "net.flush_dns",
                "--interface",
                "a",
                "--interface",
                "b",
            ]),
            s(&["apply", "net.flush_dns", "--url", "http://x/"]),
            s(&["apply", "net.flush_dns", "--minutes", "99999"]),
            s(&["action", "a", "extra"]),
        ] {
            assert!(parse_helper_args(&bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn windows_runas_quotes_for_command_line_to_argv() {
        let req = Request::Action {
            id: "restart agent".into(),
        };
        let pipe = answer_pipe_name([0xab; 16]);
        let r = windows_runas(
            r"C:\Program Files\Deskside\deskside-elevate.exe",
            &req,
            &pipe,
        );
        assert_eq!(r.verb, "runas");
        assert_eq!(r.file, r"C:\Program Files\Deskside\deskside-elevate.exe");
        assert_eq!(
            r.parameters,
            format!(r#"--answer-pipe {pipe} action "restart agent""#)
        );
        assert_eq!(quote_windows_arg(r#"a\"b"#), r#""a\\\"b""#);
        assert_eq!(quote_windows_arg(r"C:\dir\ "), r#""C:\dir\ ""#);
        assert_eq!(quote_windows_arg(r"C:\dir with\"), r#""C:\dir with\\""#);
        assert_eq!(quote_windows_arg(""), r#""""#);
        assert_eq!(quote_windows_arg("eth0"), "eth0");
    }

    #[test]
    fn the_helper_answers_only_on_a_deskside_pipe() {
        let name = answer_pipe_name([0x0f; 16]);
        assert_eq!(name, format!(r"\\.\pipe\deskside-{}", "0f".repeat(16)));
        assert!(valid_answer_pipe(&name));
        for bad in [
            r"C:\Windows\System32\drivers\etc\hosts",
            r"\\.\pipe\deskside-",
            r"\\.\pipe\deskside-0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F",
            r"\\server\pipe\deskside-0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f",
            &format!("{name}0"),
            &format!(r"{name}\..\..\x"),
        ] {
            assert!(!valid_answer_pipe(bad), "{bad}");
        }
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        let argv = s(&["--answer-pipe", &name, "apply", "net.flush_dns"]);
        let (pipe, rest) = split_answer_pipe(&argv).unwrap();
        assert_eq!(pipe.as_deref(), Some(name.as_str()));
        assert_eq!(rest, &s(&["apply", "net.flush_dns"])[..]);
        let plain = s(&["apply", "net.flush_dns"]);
        assert_eq!(split_answer_pipe(&plain).unwrap(), (None, &plain[..]));
        let e = split_answer_pipe(&s(&["--answer-pipe", r"C:\x.txt", "apply"])).unwrap_err();
        assert_eq!(e.code(), "fix.refused");
        assert!(split_answer_pipe(&s(&["--answer-pipe"])).is_err());
    }

    #[test]
    fn the_windows_helper_sits_next_to_the_app() {
        assert_eq!(
            windows_helper(Some(r"C:\Program Files\Deskside\Deskside.exe")).as_deref(),
            Some(r"C:\Program Files\Deskside\deskside-elevate.exe")
        );
        assert_eq!(windows_helper(Some("Deskside.exe")), None);
        assert_eq!(windows_helper(None), None);
    }

    #[test]
    fn uac_outcomes_become_plain_reasons() {
        let v = uac_answer(UacOutcome::Exited {
            code: 1,
            answer: "{\"steps\": []}\n".into(),
        })
        .unwrap();
        assert_eq!(v, json!({"steps": []}));
        for (outcome, words) in [
            (UacOutcome::Cancelled, "did not approve"),
            (UacOutcome::TimedOut, "did not finish in time"),
            (
                UacOutcome::Exited {
                    code: 5,
                    answer: String::new(),
                },
                "exit code 5",
            ),
        ] {
            let e = uac_answer(outcome).unwrap_err();
            assert_eq!(e.code(), "fix.elevation_unavailable");
            assert!(e.to_string().contains(words), "{e}");
        }
        let e = uac_answer(UacOutcome::NotStarted(std::io::Error::other("gone"))).unwrap_err();
        assert_eq!(e.code(), "fix.elevation_unavailable");
    }

    #[test]
    fn macos_invocation_passes_arguments_as_argv_items() {
        let (prog, args) = macos_invocation(
            "/Applications/Deskside.app/Contents/MacOS/deskside-elevate",
            &Request::apply("net.flush_dns", &FixArgs::default()),
        );
        assert_eq!(prog, "/usr/bin/osascript");
        assert_eq!(
            args.iter().filter(|a| *a == "-e").count(),
            MACOS_SCRIPT.len()
        );
        assert_eq!(
            &args[MACOS_SCRIPT.len() * 2..],
            s(&[
                "/Applications/Deskside.app/Contents/MacOS/deskside-elevate",
                "apply",
                "net.flush_dns"
            ])
        );
        assert!(args.iter().any(|a| a.contains("quoted form of")));
    }

    #[test]
    fn the_macos_helper_is_found_next_to_the_app_wherever_it_is_installed() {
        assert_eq!(
            macos_helper(Some(Path::new(
                "/Users/jdoe/Applications/Deskside.app/Contents/MacOS/deskside"
            ))),
            Path::new("/Users/jdoe/Applications/Deskside.app/Contents/MacOS/deskside-elevate")
        );
        for outside in [
            Some(Path::new("/usr/local/bin/desksidectl")),
            Some(Path::new("/opt/Deskside/Contents/MacOS/deskside")),
            Some(Path::new("desksidectl")),
            None,
        ] {
            assert_eq!(macos_helper(outside), Path::new(MACOS_DEFAULT_HELPER));
        }
    }

    #[test]
    fn the_polkit_policy_names_the_helper_and_the_action() {
        let policy = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../packaging/linux/dev.deskside.fix.policy"
        ))
        .unwrap();
        assert!(policy.contains(&format!("<action id=\"{POLKIT_ACTION}\">")));
        assert!(policy.contains(&format!(
            "<annotate key=\"org.freedesktop.policykit.exec.path\">{LINUX_HELPER}</annotate>"
        )));
        assert!(policy.contains("<allow_active>auth_admin_keep</allow_active>"));
        assert!(!policy.contains(">yes<"), "never without authentication");
    }

    #[cfg(unix)]
    fn system_file(dir: &Path, text: &str) -> std::path::PathBuf {
        let p = dir.join("config.toml");
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Unix only: the root-file rule judges owner and mode bits (Windows: `docs/platforms.md`).
    #[cfg(unix)]
    #[tokio::test]
    async fn helper_runs_only_elevated_actions_from_the_system_file() {
        let dir = tempfile::tempdir().unwrap();
        let ww = dir.path().join("ww.sh");
        std::fs::write(&ww, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(
            &ww,
            <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o777),
        )
        .unwrap();
        let file = system_file(
            dir.path(),
            &format!(
                "[[fixes.actions]]\nid = \"ok\"\ntitle = \"Ok\"\nprogram = \"/usr/bin/true\"\nelevate = true\n\n[[fixes.actions]]\nid = \"plain\"\ntitle = \"P\"\nprogram = \"/usr/bin/true\"\n\n[[fixes.actions]]\nid = \"ww\"\ntitle = \"W\"\nprogram = \"{}\"\nelevate = true\n",
                ww.display()
            ),
        );
        let (code, v) = helper_main(&s(&["action", "plain"]), Some(&file)).await;
        assert_eq!(
            (code, v["error"]["code"].as_str()),
            (2, Some("fix.no_elevation_needed"))
        );
        let (code, v) = helper_main(&s(&["action", "ww"]), Some(&file)).await;
        assert_eq!(
            (code, v["error"]["code"].as_str()),
            (2, Some("fix.action_unsafe_program"))
        );
        let (code, v) = helper_main(&s(&["action", "missing"]), Some(&file)).await;
        assert_eq!(
            (code, v["error"]["code"].as_str()),
            (2, Some("fix.refused"))
        );
        if crate::is_elevated() {
            let (code, v) = helper_main(&s(&["action", "ok"]), Some(&file)).await;
            assert_eq!(code, 0, "{v}");
            assert_eq!(v["action"]["code"], 0);
        }
    }

    /// Linux: `openvpn` is a VPN client of the Linux plans only.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn helper_accepts_only_the_system_configs_vpn_connection() {
        let dir = tempfile::tempdir().unwrap();
        let file = system_file(
            dir.path(),
            "[vpn]\nclient = \"openvpn\"\nconnection = \"corp\"\n[fixes]\ndisabled = [\"net.flush_dns\"]\n",
        );
        let (code, v) = helper_main(
            &s(&["apply", "vpn.reconnect", "--connection", "other"]),
            Some(&file),
        )
        .await;
        assert_eq!(
            (code, v["error"]["code"].as_str()),
            (2, Some("fix.refused"))
        );
        let (code, v) = helper_main(
            &s(&["apply", "vpn.reconnect", "--connection", "bad name"]),
            Some(&file),
        )
        .await;
        assert_eq!(
            (code, v["error"]["code"].as_str()),
            (2, Some("fix.bad_argument"))
        );
        let (code, v) = helper_main(&s(&["apply", "net.flush_dns"]), Some(&file)).await;
        assert_eq!(
            (code, v["error"]["code"].as_str()),
            (2, Some("fix.disabled"))
        );
        let bad = system_file(dir.path(), "[network]\nnope = 1\n");
        let (code, v) = helper_main(&s(&["action", "x"]), Some(&bad)).await;
        assert_eq!(
            (code, v["error"]["code"].as_str()),
            (2, Some("fix.refused"))
        );
    }

    proptest! {
        #[test]
        fn windows_quoting_round_trips(args in proptest::collection::vec("[ -~\\t]{0,12}", 1..5)) {
            let line = args.iter().map(|a| quote_windows_arg(a)).collect::<Vec<_>>().join(" ");
            prop_assert_eq!(windows_split(&line), args);
        }

        #[test]
        fn the_helper_parser_never_yields_an_unvalidated_value(argv in proptest::collection::vec(any::<String>(), 0..6)) {
            if let Ok(Request::Apply { args, .. }) = parse_helper_args(&argv) {
                if let Some(i) = &args.interface {
                    prop_assert!(InterfaceName::parse(i.as_str()).is_ok());
                }
                prop_assert!(args.url.is_none());
            }
        }
    }
}
