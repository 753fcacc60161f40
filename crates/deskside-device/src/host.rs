//! Host identity and capacity that every OS answers the same way: host name, the logged-in
//! user, CPU and memory (through `sysinfo`, refreshing only what is asked so no process
//! list is ever scanned).

use sysinfo::{CpuRefreshKind, MemoryRefreshKind, System};

use crate::{Cpu, Memory};

pub(crate) fn hostname() -> Option<String> {
    System::host_name()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
}

/// `$USER`, `$LOGNAME` (`$USERNAME` on Windows), else the password entry of the real uid.
pub(crate) fn user() -> Option<String> {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|k| {
            std::env::var(k)
                .ok()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        })
        .or_else(user_from_uid)
}

#[cfg(unix)]
fn user_from_uid() -> Option<String> {
    nix::unistd::User::from_uid(nix::unistd::getuid())
        .ok()
        .flatten()
        .map(|u| u.name)
}

#[cfg(not(unix))]
fn user_from_uid() -> Option<String> {
    None
}

pub(crate) fn cpu_and_memory() -> (Cpu, Memory) {
    let mut sys = System::new();
    sys.refresh_cpu_list(CpuRefreshKind::nothing());
    sys.refresh_memory_specifics(MemoryRefreshKind::nothing().with_ram());
    let cpus = sys.cpus();
    let cpu = Cpu {
        brand: cpus
            .first()
            .map(|c| c.brand().trim().to_owned())
            .filter(|b| !b.is_empty()),
        cores: System::physical_core_count().and_then(|n| u32::try_from(n).ok()),
        threads: u32::try_from(cpus.len()).ok().filter(|n| *n > 0),
    };
    let memory = Memory {
        total_bytes: Some(sys.total_memory()).filter(|b| *b > 0),
        available_bytes: Some(sys.available_memory()).filter(|_| sys.total_memory() > 0),
    };
    (cpu, memory)
}
