//! Hardware, OS and battery facts from CIM (WMI), read through PowerShell as JSON.
//!
//! [`SYSTEM_COMMAND`] and [`BATTERY_COMMAND`] are the exact scripts to pass to
//! `powershell.exe -NoProfile -NonInteractive -Command`: they select the few properties we
//! need (raw CIM instances serialize to huge, depth-limited JSON) and print them with
//! `ConvertTo-Json`. The parsers read that JSON; they also accept the raw output of a plain
//! `Get-CimInstance … | ConvertTo-Json` for one class, so hand-captured samples work too.

use serde::Serialize;
use serde_json::Value;

use crate::model::{Battery, Hardware, OsInfo};

/// PowerShell script printing `{ComputerSystem, BIOS, OperatingSystem}` as JSON.
///
/// `UBR` (update build revision, the `.3447` of `22631.3447`) is not a CIM property; it is read
/// from the registry next to the CIM queries.
pub const SYSTEM_COMMAND: &str = "$ErrorActionPreference = 'Stop'; \
[pscustomobject]@{ \
ComputerSystem = Get-CimInstance -ClassName Win32_ComputerSystem | Select-Object Manufacturer, Model, SystemFamily; \
BIOS = Get-CimInstance -ClassName Win32_BIOS | Select-Object SerialNumber, SMBIOSBIOSVersion; \
OperatingSystem = Get-CimInstance -ClassName Win32_OperatingSystem | Select-Object Caption, Version, BuildNumber, OSArchitecture; \
UBR = (Get-ItemProperty -Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion' -Name UBR -ErrorAction SilentlyContinue).UBR \
} | ConvertTo-Json -Depth 3";

/// PowerShell script printing the machine's batteries as JSON (nothing on a desktop).
pub const BATTERY_COMMAND: &str = "Get-CimInstance -ClassName Win32_Battery | \
Select-Object Name, EstimatedChargeRemaining, BatteryStatus, DesignCapacity, FullChargeCapacity | \
ConvertTo-Json";

/// What [`SYSTEM_COMMAND`] tells.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CimSystem {
    /// Manufacturer, model (`Win32_ComputerSystem`) and serial number (`Win32_BIOS`).
    pub hardware: Hardware,
    /// Caption without the "Microsoft " prefix, version and build (`BuildNumber.UBR`).
    pub os: OsInfo,
}

/// Parse a PowerShell JSON document, tolerating a byte-order mark and surrounding noise.
fn parse_json(text: &str) -> Option<Value> {
    let text = text.trim_start_matches('\u{feff}').trim();
    serde_json::from_str(text).ok()
}

/// A non-empty, non-placeholder string property.
fn string_prop(object: &Value, key: &str) -> Option<String> {
    let value = match object.get(key)? {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    // OEMs leave these in BIOS fields; they identify nothing.
    const PLACEHOLDERS: [&str; 6] = [
        "",
        "to be filled by o.e.m.",
        "default string",
        "system serial number",
        "none",
        "0",
    ];
    (!PLACEHOLDERS.contains(&value.to_lowercase().as_str())).then_some(value)
}

/// ConvertTo-Json prints one object bare and several as an array: take the first.
fn first_object(value: &Value) -> Option<&Value> {
    match value {
        Value::Array(items) => items.iter().find(|v| v.is_object()),
        Value::Object(_) => Some(value),
        _ => None,
    }
}

/// Parse the JSON printed by [`SYSTEM_COMMAND`].
///
/// `None` when the text is not a JSON object (PowerShell missing, an error message).
#[must_use]
pub fn parse_cim_system(text: &str) -> Option<CimSystem> {
    let root = parse_json(text)?;
    let root = first_object(&root)?;
    // Our script nests per class; a raw single-class dump has the properties at the top.
    let part = |key: &str| root.get(key).and_then(first_object).unwrap_or(root);
    let cs = part("ComputerSystem");
    let bios = part("BIOS");
    let os = part("OperatingSystem");

    let hardware = Hardware {
        vendor: string_prop(cs, "Manufacturer"),
        model: string_prop(cs, "Model"),
        serial: string_prop(bios, "SerialNumber"),
    };
    let caption = string_prop(os, "Caption").unwrap_or_default();
    let name = caption
        .strip_prefix("Microsoft ")
        .unwrap_or(&caption)
        .to_owned();
    let build =
        string_prop(os, "BuildNumber").map(|build| match root.get("UBR").and_then(Value::as_u64) {
            Some(ubr) => format!("{build}.{ubr}"),
            None => build,
        });
    Some(CimSystem {
        hardware,
        os: OsInfo {
            name,
            version: string_prop(os, "Version"),
            build,
        },
    })
}

/// Parse the JSON printed by [`BATTERY_COMMAND`]; `None` when there is no battery (empty
/// output) or the text is not JSON.
///
/// `BatteryStatus` 2 means "on AC power, not discharging" without saying whether it charges,
/// so it reads as `full` at 100 % and `unknown` below.
#[must_use]
pub fn parse_cim_battery(text: &str) -> Option<Battery> {
    let root = parse_json(text)?;
    let battery = first_object(&root)?;
    let percent = battery
        .get("EstimatedChargeRemaining")
        .and_then(Value::as_f64)
        .map(percent_f32);
    let state = match battery.get("BatteryStatus").and_then(Value::as_u64) {
        Some(1 | 4 | 5) => "discharging",
        Some(3) => "full",
        Some(6..=9) => "charging",
        Some(2) if percent.is_some_and(|p| p >= 100.0) => "full",
        _ => "unknown",
    };
    let capacity = |key| {
        battery
            .get(key)
            .and_then(Value::as_f64)
            .filter(|c| *c > 0.0)
    };
    let health_percent = match (capacity("FullChargeCapacity"), capacity("DesignCapacity")) {
        (Some(full), Some(design)) => Some(percent_f32(full / design * 100.0)),
        _ => None,
    };
    Some(Battery {
        percent,
        state: state.to_owned(),
        health_percent,
        cycle_count: None,
    })
}

/// A percentage as the model stores it, clamped to 0–100.
#[expect(
    clippy::cast_possible_truncation,
    reason = "clamped to 0–100 first, so it fits an f32"
)]
fn percent_f32(value: f64) -> f32 {
    value.clamp(0.0, 100.0) as f32
}
