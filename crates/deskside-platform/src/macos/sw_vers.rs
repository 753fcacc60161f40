//! Parser for `sw_vers`: macOS product name, version and build.
//!
//! The output is `Key:<tabs>value` lines: `ProductName: macOS`, `ProductVersion: 14.4.1`,
//! `BuildVersion: 23E224`, and on Rapid Security Response builds `ProductVersionExtra: (a)`.

use crate::model::OsInfo;

/// Parse the output of `sw_vers`.
///
/// A Rapid Security Response suffix is appended to the version (`13.3.1 (a)`), as "About
/// This Mac" shows it.
#[must_use]
pub fn parse_sw_vers(text: &str) -> OsInfo {
    let mut info = OsInfo::default();
    let mut extra: Option<String> = None;
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match key.trim() {
            "ProductName" => value.clone_into(&mut info.name),
            "ProductVersion" => info.version = Some(value.to_owned()),
            "ProductVersionExtra" => extra = Some(value.to_owned()),
            "BuildVersion" => info.build = Some(value.to_owned()),
            _ => {}
        }
    }
    if let (Some(version), Some(extra)) = (info.version.as_mut(), extra) {
        version.push(' ');
        version.push_str(&extra);
    }
    info
}
