//! Localised admin text: every text an admin writes for users (the organisation's name, contact
//! hours, admin action titles) is either a plain string or a table of translations keyed by
//! BCP 47 language tag with a required `default`:
//!
//! ```toml
//! [branding]
//! organization = { default = "Acme IT", de = "Acme-IT", "fr-CA" = "TI Acme" }
//! ```
//!
//! A table is resolved to one string when the configuration is loaded, for the user's locale
//! ([`locale_from_env`]: `DESKSIDE_LOCALE`, then `LC_ALL`, `LC_MESSAGES`, `LANG`; when none is
//! set, [`os_locale`]: the Windows user's `LocaleName`, the macOS user's preferred language), by
//! BCP 47 lookup (RFC 4647 §3.4): `de-CH-1996` tries `de-ch-1996`, `de-ch`, `de`, then `default`. Tags
//! match without regard to case, and `_` counts as `-` (`de_CH.UTF-8` is `de-ch`).

/// The key of the fallback text in a translations table.
pub const DEFAULT_TAG: &str = "default";

/// The user's locale from the environment (`DESKSIDE_LOCALE`, `LC_ALL`, `LC_MESSAGES`, `LANG`,
/// the first one set), normalised; `None` for the C/POSIX locale or nothing set.
#[must_use]
pub fn locale_from_env(env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    ["DESKSIDE_LOCALE", "LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|name| env(name).filter(|v| !v.trim().is_empty()))
        .and_then(|v| normalize(&v))
}

/// The user's locale from the OS when no variable names one: on Windows the user's
/// `HKCU\Control Panel\International` `LocaleName` (`de-DE`); on macOS the first of
/// `AppleLanguages` (else `AppleLocale`) in `$HOME/Library/Preferences/.GlobalPreferences.plist`.
/// Linux desktops set `LANG`, so there is nothing more to read.
#[must_use]
pub fn os_locale(os: crate::Os, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    match os {
        crate::Os::Linux => None,
        crate::Os::Windows => windows_locale_name().and_then(|n| normalize(&n)),
        crate::Os::Macos => {
            let home = env("HOME")?;
            let path =
                std::path::Path::new(&home).join("Library/Preferences/.GlobalPreferences.plist");
            // Small file; a missing or unreadable one just means "no locale".
            let bytes = std::fs::read(path).ok()?;
            macos_preferred_locale(&bytes)
        }
    }
}

/// The preferred locale in a macOS global preferences property list (XML or binary): the
/// first of `AppleLanguages` (`de-CH`), else `AppleLocale` (`de_CH`), normalised. Pure.
#[must_use]
pub fn macos_preferred_locale(bytes: &[u8]) -> Option<String> {
    let value = plist::Value::from_reader(std::io::Cursor::new(bytes)).ok()?;
    let dict = value.as_dictionary()?;
    dict.get("AppleLanguages")
        .and_then(plist::Value::as_array)
        .and_then(|a| a.first())
        .and_then(plist::Value::as_string)
        .or_else(|| dict.get("AppleLocale").and_then(plist::Value::as_string))
        .and_then(normalize)
}

#[cfg(windows)]
fn windows_locale_name() -> Option<String> {
    windows_registry::CURRENT_USER
        .open(r"Control Panel\International")
        .ok()?
        .get_string("LocaleName")
        .ok()
}

#[cfg(not(windows))]
fn windows_locale_name() -> Option<String> {
    None
}

/// A locale or tag as lowercase BCP 47: `de_CH.UTF-8@euro` → `de-ch`; `None` for `C`/`POSIX`
/// or text that is not a tag.
#[must_use]
pub fn normalize(locale: &str) -> Option<String> {
    let base = locale
        .split(['.', '@'])
        .next()
        .unwrap_or("")
        .trim()
        .replace('_', "-")
        .to_ascii_lowercase();
    if base.is_empty() || base == "c" || base == "posix" || !is_tag(&base) {
        return None;
    }
    Some(base)
}

/// Whether `tag` has the shape of a BCP 47 language tag: subtags of 1–8 letters or digits
/// separated by `-`, the first of letters only.
#[must_use]
pub fn is_tag(tag: &str) -> bool {
    let mut subtags = tag.split('-');
    let first_ok = subtags
        .next()
        .is_some_and(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphabetic()));
    first_ok
        && subtags
            .all(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The text of `table` for `locale` by BCP 47 lookup, else its `default`.
#[must_use]
pub fn resolve<'t>(table: &'t toml::Table, locale: Option<&str>) -> Option<&'t str> {
    let find = |tag: &str| {
        table
            .iter()
            .find(|(k, _)| normalize(k).as_deref() == Some(tag) || k.as_str() == tag)
            .and_then(|(_, v)| v.as_str())
    };
    if let Some(mut range) = locale.and_then(normalize) {
        loop {
            if let Some(text) = find(&range) {
                return Some(text);
            }
            let Some(cut) = range.rfind('-') else {
                break;
            };
            range.truncate(cut);
            // A single-letter subtag (an extension's singleton) goes with what follows it.
            if range.len() >= 2 && range.as_bytes()[range.len() - 2] == b'-' {
                range.truncate(range.len() - 2);
            }
        }
    }
    table.get(DEFAULT_TAG).and_then(toml::Value::as_str)
}

/// Checks a translations table: a `default` string, every key a language tag, every value a
/// string. The problem in plain words otherwise.
pub(crate) fn check_table(table: &toml::Table) -> Result<(), String> {
    if !table.get(DEFAULT_TAG).is_some_and(toml::Value::is_str) {
        return Err(
            "expected a `default` text in the translations table, such as { default = \"IT help\", de = \"IT-Hilfe\" }"
                .to_owned(),
        );
    }
    for (tag, text) in table {
        if tag != DEFAULT_TAG && !is_tag(&tag.replace('_', "-")) {
            return Err(format!(
                "{tag:?} is not a language tag such as \"de\" or \"fr-CA\""
            ));
        }
        if !text.is_str() {
            return Err(format!("the {tag:?} translation must be a string"));
        }
    }
    Ok(())
}

/// A text value resolved for `locale`: a string stays as it is, a translations table becomes
/// its text for the locale. Anything else is returned unchanged (the type check reports it).
pub(crate) fn localize(value: &toml::Value, locale: Option<&str>) -> Result<toml::Value, String> {
    match value {
        toml::Value::Table(table) => {
            check_table(table)?;
            Ok(toml::Value::String(
                resolve(table, locale).unwrap_or_default().to_owned(),
            ))
        }
        other => Ok(other.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        text.parse().unwrap()
    }

    #[test]
    fn lookup_falls_back_subtag_by_subtag_then_to_default() {
        let t =
            table("default = \"Help\"\nde = \"Hilfe\"\nde-CH = \"Hilf\"\nfr_CA = \"Aide (CA)\"\n");
        assert_eq!(resolve(&t, Some("de-CH-1996")), Some("Hilf"));
        assert_eq!(resolve(&t, Some("de_CH.UTF-8")), Some("Hilf"));
        assert_eq!(resolve(&t, Some("de-AT")), Some("Hilfe"));
        assert_eq!(resolve(&t, Some("DE")), Some("Hilfe"));
        assert_eq!(resolve(&t, Some("fr-CA")), Some("Aide (CA)"));
        assert_eq!(resolve(&t, Some("fr")), Some("Help"));
        assert_eq!(resolve(&t, Some("de-x-private")), Some("Hilfe"));
        assert_eq!(resolve(&t, None), Some("Help"));
        assert_eq!(resolve(&t, Some("C")), Some("Help"));
    }

    #[test]
    fn locale_comes_from_the_first_variable_set() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(
            locale_from_env(&env(&[("LANG", "fr_FR.UTF-8"), ("LC_ALL", "de_DE.UTF-8")])),
            Some("de-de".to_owned())
        );
        assert_eq!(
            locale_from_env(&env(&[("DESKSIDE_LOCALE", "pt-BR"), ("LANG", "C")])),
            Some("pt-br".to_owned())
        );
        assert_eq!(locale_from_env(&env(&[("LANG", "C.UTF-8")])), None);
        assert_eq!(locale_from_env(&env(&[])), None);
    }

    #[test]
    fn macos_preferences_give_the_first_preferred_language() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
<key>AppleLanguages</key><array><string>de-CH</string><string>en-US</string></array>
<key>AppleLocale</key><string>de_CH</string>
</dict></plist>"#;
        assert_eq!(macos_preferred_locale(xml), Some("de-ch".to_owned()));
        let only_locale = br#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict><key>AppleLocale</key><string>fr_CA</string></dict></plist>"#;
        assert_eq!(
            macos_preferred_locale(only_locale),
            Some("fr-ca".to_owned())
        );
        assert_eq!(macos_preferred_locale(b"not a plist"), None);
        assert_eq!(os_locale(crate::Os::Linux, &|_| None), None);
        assert_eq!(os_locale(crate::Os::Macos, &|_| None), None);
    }

    #[test]
    fn a_table_needs_a_default_tags_and_strings() {
        assert!(check_table(&table("default = \"a\"\nde = \"b\"\n")).is_ok());
        assert!(
            check_table(&table("de = \"b\"\n"))
                .unwrap_err()
                .contains("default")
        );
        assert!(check_table(&table("default = \"a\"\n\"not a tag!\" = \"b\"\n")).is_err());
        assert!(check_table(&table("default = \"a\"\nde = 5\n")).is_err());
    }
}
