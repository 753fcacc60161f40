//! Parser for `pmset -g batt`: charge and charging state of the internal battery.
//!
//! The output is a `Now drawing from 'AC Power'` line and, on laptops, a line per battery:
//! ` -InternalBattery-0 (id=4653155)<TAB>87%; discharging; 4:12 remaining present: true`.
//! A UPS shows up as another such line under its own name and is ignored.

use crate::model::Battery;

/// Parse the output of `pmset -g batt`; `None` when there is no internal battery (desktops).
///
/// States: `charging` and `finishing charge` → `charging`; `discharging`; `charged` →
/// `full`; `AC attached` (plugged in, held below full) → `not_charging`.
#[must_use]
pub fn parse_pmset_batt(text: &str) -> Option<Battery> {
    let line = text.lines().find(|l| l.contains("InternalBattery"))?;
    let (_, status) = line.split_once(')').unwrap_or(("", line));
    let mut fields = status.split(';').map(str::trim);
    let percent = fields
        .next()
        .and_then(|p| p.strip_suffix('%'))
        .and_then(|p| p.trim().parse::<f32>().ok())
        .map(|p| p.clamp(0.0, 100.0));
    let state = match fields.next().map(str::to_lowercase).as_deref() {
        Some("charging" | "finishing charge") => "charging",
        Some("discharging") => "discharging",
        Some("charged") => "full",
        Some("ac attached") => "not_charging",
        _ => "unknown",
    };
    Some(Battery {
        percent,
        state: state.to_owned(),
        health_percent: None,
        cycle_count: None,
    })
}
