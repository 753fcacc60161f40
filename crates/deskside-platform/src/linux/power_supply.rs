//! `/sys/class/power_supply/<name>/uevent`: the laptop battery.

use std::collections::HashMap;

use crate::model::Battery;

/// Parse one power-supply `uevent` file. `None` unless it is a present, system-scope
/// battery (`POWER_SUPPLY_TYPE=Battery`; a wireless mouse's battery has `SCOPE=Device` and
/// mains adapters have `TYPE=Mains`).
///
/// Percent is `CAPACITY`, else `ENERGY_NOW/ENERGY_FULL` (or `CHARGE_*`); health is
/// `ENERGY_FULL/ENERGY_FULL_DESIGN` (or `CHARGE_*`), capped at 100; state is `STATUS` in
/// snake case (`Not charging` → `not_charging`).
#[must_use]
pub fn parse_power_supply_uevent(text: &str) -> Option<Battery> {
    let props: HashMap<&str, &str> = text
        .lines()
        .filter_map(|l| l.split_once('='))
        .filter_map(|(k, v)| Some((k.trim().strip_prefix("POWER_SUPPLY_")?, v.trim())))
        .collect();
    if props.get("TYPE") != Some(&"Battery") {
        return None;
    }
    if props
        .get("SCOPE")
        .is_some_and(|s| s.eq_ignore_ascii_case("device"))
        || props.get("PRESENT") == Some(&"0")
    {
        return None;
    }
    let num = |key: &str| {
        props
            .get(key)
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite())
    };
    let ratio = |now: &str, full: &str| match (num(now), num(full)) {
        (Some(n), Some(f)) if f > 0.0 => Some(percent(n / f * 100.0)),
        _ => None,
    };
    let percent_now = num("CAPACITY")
        .map(percent)
        .or_else(|| ratio("ENERGY_NOW", "ENERGY_FULL"))
        .or_else(|| ratio("CHARGE_NOW", "CHARGE_FULL"));
    let health = ratio("ENERGY_FULL", "ENERGY_FULL_DESIGN")
        .or_else(|| ratio("CHARGE_FULL", "CHARGE_FULL_DESIGN"));
    let state = props
        .get("STATUS")
        .map(|s| s.trim().to_ascii_lowercase().replace([' ', '-'], "_"))
        .filter(|s| {
            matches!(
                s.as_str(),
                "charging" | "discharging" | "full" | "not_charging"
            )
        })
        .unwrap_or_else(|| "unknown".to_owned());
    Some(Battery {
        percent: percent_now,
        state,
        health_percent: health,
        cycle_count: props.get("CYCLE_COUNT").and_then(|v| v.parse().ok()),
    })
}

#[expect(clippy::cast_possible_truncation, reason = "clamped to 0..=100 first")]
fn percent(value: f64) -> f32 {
    (value.clamp(0.0, 100.0) * 10.0).round() as f32 / 10.0
}
