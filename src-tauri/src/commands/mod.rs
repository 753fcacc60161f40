//! The IPC commands, one module per domain, each a thin adapter over one core call
//! (docs/ipc.md). A command added here must also be listed in `build.rs` (the ACL manifest),
//! granted in `capabilities/main.json`, and collected in [`crate::bindings::builder`]; the
//! test below keeps the four in step.

pub mod app;
pub mod device;
pub mod diagnose;
pub mod fix;
pub mod health;
pub mod password;
pub mod ticket;

/// The commands' names, as Rust spells them.
pub const COMMANDS: &[&str] = &[
    "run_diagnosis",
    "get_health",
    "get_device",
    "copy_device_info",
    "get_app_info",
    "list_fixes",
    "preview_fix",
    "apply_fix",
    "get_ticket_options",
    "preview_ticket",
    "submit_ticket",
    "list_outbox",
    "retry_ticket",
    "copy_ticket_as_email",
    "get_password_status",
    "check_new_password",
    "password_preflight",
    "change_password",
    "remember_password",
    "open_password_link",
];

#[cfg(test)]
mod tests {
    use super::COMMANDS;

    #[test]
    fn every_command_is_in_the_acl_manifest_and_granted_to_the_main_window() {
        let build_rs = include_str!("../../build.rs");
        let caps: serde_json::Value =
            serde_json::from_str(include_str!("../../capabilities/main.json")).unwrap();
        assert_eq!(caps["windows"], serde_json::json!(["main"]));
        let granted: Vec<&str> = caps["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        for cmd in COMMANDS {
            assert!(
                build_rs.contains(&format!("\"{cmd}\"")),
                "{cmd} not in build.rs"
            );
            let perm = format!("allow-{}", cmd.replace('_', "-"));
            assert!(granted.contains(&perm.as_str()), "{perm} not granted");
        }
        let app_perms = granted.iter().filter(|p| p.starts_with("allow-")).count();
        assert_eq!(
            app_perms,
            COMMANDS.len(),
            "a grant for a command that does not exist"
        );
        assert!(
            granted
                .iter()
                .all(|p| !p.contains('*') && !p.ends_with(":default"))
        );
    }
}
