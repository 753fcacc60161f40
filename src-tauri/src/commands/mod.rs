//! The IPC commands, one module per domain, each a thin adapter over one core call
//! (docs/ipc.md). A command added here must also be listed in `names.rs` (the ACL manifest),
//! granted in `capabilities/main.json`, and collected in [`crate::bindings::builder`]; the
//! test below keeps the four in step.

pub mod app;
pub mod device;
pub mod diagnose;
pub mod fix;
pub mod fleet;
pub mod health;
pub mod password;
pub mod ticket;

/// The commands' names, as Rust spells them (`names.rs`, also read by `build.rs`).
pub const COMMANDS: &[&str] = include!("names.rs");

#[cfg(test)]
mod tests {
    use super::COMMANDS;

    #[test]
    fn every_command_is_granted_to_the_main_window() {
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
