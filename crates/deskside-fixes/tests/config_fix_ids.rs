//! The config crate validates `fixes.auto` / `fixes.disabled` against its own list of fix ids
//! (it cannot depend on this crate, which depends on it). This keeps that list equal to the
//! catalogue, in the same order, so a new fix is never refused as "unknown" by the config.

#[test]
fn config_knows_exactly_the_catalogue_fix_ids() {
    let config: Vec<&str> = deskside_config::BUILTIN_FIXES
        .iter()
        .map(|(id, _)| *id)
        .collect();
    let catalogue: Vec<&str> = deskside_fixes::catalogue::FIXES
        .iter()
        .map(|f| f.id)
        .collect();
    assert_eq!(config, catalogue);
}

#[test]
fn fixes_that_delete_or_restart_are_marked_destructive() {
    for id in [
        "disk.empty_trash",
        "disk.clear_temp",
        "system.restart_prompt",
    ] {
        assert!(
            deskside_config::BUILTIN_FIXES
                .iter()
                .any(|(f, why)| *f == id && why.is_some()),
            "{id}"
        );
    }
    // The default fixes.auto holds no destructive fix, so a default config warns of none.
    for id in deskside_config::Config::default().fixes.auto {
        assert!(
            deskside_config::BUILTIN_FIXES
                .iter()
                .any(|(f, why)| *f == id && why.is_none()),
            "{id}"
        );
    }
}
