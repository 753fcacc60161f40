// The IPC commands' names, as Rust spells them: one list, included by `build.rs` (the ACL
// manifest) and by `commands::COMMANDS`.
&[
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
]
