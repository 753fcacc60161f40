//! Parser for `system_profiler SPHardwareDataType`: the Mac's model and serial number.
//!
//! The "Hardware Overview" is indented `Key: value` lines; `Model Identifier`
//! (`MacBookPro18,3`) names the model precisely, `Model Name` (`MacBook Pro`) is the fallback.
//! Every Mac is made by Apple, so the vendor is set whenever the overview was read.

use crate::model::Hardware;

/// Parse the output of `system_profiler SPHardwareDataType`.
#[must_use]
pub fn parse_sp_hardware(text: &str) -> Hardware {
    let mut identifier = None;
    let mut name = None;
    let mut serial = None;
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match key.trim() {
            "Model Identifier" => identifier = Some(value.to_owned()),
            "Model Name" => name = Some(value.to_owned()),
            "Serial Number (system)" => serial = Some(value.to_owned()),
            _ => {}
        }
    }
    let model = identifier.or(name);
    let vendor = (model.is_some() || serial.is_some()).then(|| "Apple Inc.".to_owned());
    Hardware {
        vendor,
        model,
        serial,
    }
}
