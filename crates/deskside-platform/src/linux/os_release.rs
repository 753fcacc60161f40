//! `/etc/os-release` (os-release(5)) plus the kernel release: which Linux this is.

use crate::model::OsInfo;

/// Build [`OsInfo`] from os-release text and the kernel release
/// (`/proc/sys/kernel/osrelease`). Name is `PRETTY_NAME`, else `NAME`, else `Linux`;
/// version is `VERSION_ID`; build is the kernel release.
#[must_use]
pub fn parse_os_release(text: &str, kernel_release: Option<&str>) -> OsInfo {
    let mut pretty = None;
    let mut name = None;
    let mut version = None;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = unquote(value.trim());
        if value.is_empty() {
            continue;
        }
        match key.trim() {
            "PRETTY_NAME" => pretty = Some(value),
            "NAME" => name = Some(value),
            "VERSION_ID" => version = Some(value),
            _ => {}
        }
    }
    OsInfo {
        name: pretty.or(name).unwrap_or_else(|| "Linux".to_owned()),
        version,
        build: kernel_release
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_owned),
    }
}

/// Shell-style value: `"a \"b\""`, `'a b'` or bare.
fn unquote(value: &str) -> String {
    let mut chars = value.chars();
    match chars.next() {
        Some(q @ ('"' | '\'')) => {
            let mut out = String::new();
            let mut escaped = false;
            for c in chars {
                if escaped {
                    out.push(c);
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    break;
                } else {
                    out.push(c);
                }
            }
            out
        }
        _ => value.to_owned(),
    }
}
