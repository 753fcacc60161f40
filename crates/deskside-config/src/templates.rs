//! The admin templates, generated from the one schema ([`crate::KEYS`]) so they cannot drift
//! from the code: the reference section of `docs/config.md`, ADMX + ADML for Group Policy and
//! Intune's ADMX ingestion, an Intune OMA-URI table, an example `.reg`, a Jamf Pro JSON schema,
//! a ProfileManifest, an example `.mobileconfig`, and the Linux policy skeletons.
//! `desksidectl policy templates --out DIR` writes them; `docs/policy-templates/` holds the
//! committed copy and a test fails when it differs from what this module generates.
//!
//! Every template maps keys the way the policy readers read them: registry values under
//! `Software\Policies\Deskside\<section>` (lists as a subkey of values `1`, `2`, …), the
//! `Recommended` subkey for recommended policy; property-list dictionaries per section for
//! macOS; TOML files for Linux. The ADML is en-US only: the app's UI has no other language yet.

use std::fmt::Write as _;

use crate::policy::MACOS_BUNDLE_ID;
use crate::policy::windows::POLICY_KEY;
use crate::schema::{Allowed, KEYS, KeyDef, Kind, Levels, SECTION_DOCS};

/// The registry path of policy as ADMX writes it (relative to the hive).
const ADMX_KEY: &str = r"Software\Policies\Deskside";
/// The ADMX namespace of Deskside's policies.
const ADMX_NAMESPACE: &str = "Deskside.Policies.Deskside";
/// The name the ADMX file is ingested under in Intune (the `ADMXInstall/<app>` segment).
const INTUNE_APP: &str = "Deskside";
/// The UI languages the ADML is written in: the app's UI is in English only for now.
pub const ADML_LANGUAGES: &[&str] = &["en-US"];
/// Fixed identifiers of the example profile, so the output is reproducible.
const PROFILE_UUID: &str = "6E0C5A55-3B1D-4F57-9E0B-5D2A1C1F0001";
const PAYLOAD_UUID: &str = "6E0C5A55-3B1D-4F57-9E0B-5D2A1C1F0002";

/// Settings the example `.mobileconfig` and `.reg` carry, as TOML values (mandatory policy),
/// and one recommended setting; a test checks they round-trip through the policy readers.
pub const EXAMPLE_MANDATORY: &[(&str, &str)] = &[
    ("tickets.redact_personal", "true"),
    ("tickets.forbid", "[\"screenshot\"]"),
    ("tickets.max_attempts", "20"),
    ("helpdesk.kind", "\"rt\""),
    ("helpdesk.url", "\"https://rt.corp.example/\""),
    ("helpdesk.queue", "\"General\""),
    ("vpn.required", "true"),
    (
        "vpn.internal_names",
        "[\"intranet.corp.example\", \"wiki.corp.example\"]",
    ),
    ("disk.warn_free_percent", "15.5"),
    ("password.warn_days", "[10, 5, 1]"),
    (
        "branding.organization",
        "{ default = \"Acme IT\", de = \"Acme-IT\", fr-CA = \"TI Acme\" }",
    ),
];
/// The recommended settings of the examples.
pub const EXAMPLE_RECOMMENDED: &[(&str, &str)] = &[("app.check_interval_s", "600")];

/// One generated file: its path below the output folder and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Relative path, with `/` separators.
    pub path: String,
    /// The content.
    pub text: String,
}

/// Every template, in a fixed order.
#[must_use]
pub fn generate() -> Vec<Template> {
    let mut out = vec![
        t("README.md", readme()),
        t("config-reference.md", reference()),
        t("windows/deskside.admx", admx()),
    ];
    for lang in ADML_LANGUAGES {
        out.push(t(&format!("windows/{lang}/deskside.adml"), adml()));
    }
    out.push(t("windows/intune-oma-uri.md", intune_table()));
    out.push(t("windows/deskside-example.reg", example_reg()));
    out.push(t("macos/dev.deskside.tray.json", jamf_schema()));
    out.push(t("macos/dev.deskside.tray.plist", profile_manifest()));
    out.push(t(
        "macos/deskside-example.mobileconfig",
        example_mobileconfig(),
    ));
    out.push(t("linux/managed/50-deskside.toml", linux_skeleton(false)));
    out.push(t(
        "linux/recommended/50-deskside.toml",
        linux_skeleton(true),
    ));
    out
}

fn t(path: &str, text: String) -> Template {
    Template {
        path: path.to_owned(),
        text,
    }
}

/// Keys that recommended policy may set.
fn recommendable(spec: &KeyDef) -> bool {
    spec.levels() == Levels::Any
}

fn sections() -> impl Iterator<Item = (&'static str, &'static str, Vec<&'static KeyDef>)> {
    SECTION_DOCS.iter().map(|(section, doc)| {
        let keys = KEYS.iter().filter(|k| k.section == *section).collect();
        (*section, *doc, keys)
    })
}

/// A TOML value on one line.
fn inline(value: &toml::Value) -> String {
    value.to_string()
}

/// The default, as the reference shows it.
fn default_text(spec: &KeyDef) -> String {
    match spec.default_value() {
        Some(v) => format!("`{}`", inline(&v).replace('|', "\\|")),
        None => "unset".to_owned(),
    }
}

/// The admin-facing explanation used by every template: the doc, the allowed values, the
/// default, and who may set it.
fn explanation(spec: &KeyDef) -> String {
    let mut text = spec.doc.to_owned();
    if spec.kind == Kind::LocalText {
        text.push_str(
            " A plain text, or translations: a `default` text and one per language tag \
             (de, fr-CA, …), chosen by the user's language with fallback (de-CH → de → default).",
        );
    }
    let allowed = spec.allowed.describe();
    if !allowed.is_empty() {
        let _ = write!(text, " Allowed: {}.", allowed.replace('`', ""));
    }
    match spec.default_value() {
        Some(v) => {
            let _ = write!(text, " Default: {}.", inline(&v));
        }
        None => text.push_str(" Default: unset."),
    }
    if let Some(why) = spec.admin_only() {
        let _ = write!(
            text,
            " Security-sensitive ({why}): honoured only from mandatory policy or the \
             administrator-owned system configuration file."
        );
    }
    text
}

fn readme() -> String {
    let mut s = String::from(
        "# Deskside policy templates\n\n\
         Generated by `desksidectl policy templates --out DIR` from the configuration schema \
         (`crates/deskside-config/src/schema.rs`); do not edit by hand. A test fails when these \
         files differ from what the code generates: regenerate with \
         `DESKSIDE_TEMPLATES_WRITE=1 cargo test -p deskside-config --test templates`. CI also \
         validates them (`scripts/check-policy-templates.sh`): the ADMX and ADML against \
         Microsoft's schema with xmllint and their ids against each other, the property lists \
         through Python's plistlib, and the Jamf schema with `check-jsonschema \
         --check-metaschema`; Rust tests read the example `.mobileconfig` and `.reg` back \
         through the macOS and Windows policy readers.\n\n\
         | file | for |\n|---|---|\n\
         | `config-reference.md` | the key reference, also the `## Keys` section of `docs/config.md` |\n\
         | `windows/deskside.admx`, `windows/<lang>/deskside.adml` | Group Policy and Intune (imported ADMX); each key as a mandatory policy under `Software\\Policies\\Deskside` and, unless it is security-sensitive, a recommended twin under `Software\\Policies\\Deskside\\Recommended` |\n\
         | `windows/intune-oma-uri.md` | Intune custom OMA-URI settings for the ingested ADMX |\n\
         | `windows/deskside-example.reg` | an example policy as registry values |\n\
         | `macos/dev.deskside.tray.json` | Jamf Pro application & custom settings (JSON schema, \"Not Configured\" by default) |\n\
         | `macos/dev.deskside.tray.plist` | a ProfileManifest (ProfileCreator, iMazing Profile Editor) |\n\
         | `macos/deskside-example.mobileconfig` | an example configuration profile |\n\
         | `linux/managed/50-deskside.toml`, `linux/recommended/50-deskside.toml` | commented skeletons for `/etc/deskside/policies/{managed,recommended}/` |\n\n",
    );
    let _ = writeln!(
        s,
        "Languages: the ADML is written in {} only, because the app's interface has no other \
         language yet.",
        ADML_LANGUAGES.join(", ")
    );
    s
}

// ---------------------------------------------------------------------------------------------
// docs/config.md reference

/// The `## Keys` reference of `docs/config.md` (also written as `config-reference.md`).
#[must_use]
pub fn reference() -> String {
    let mut s = String::from(
        "Each key, its type, built-in default, allowed values, and who may set it: **any** \
         layer, or **IT only** (mandatory policy or the admin-owned system file; see \
         [Admin-only keys](#admin-only-keys)). Generated from the schema by `desksidectl policy \
         templates`.\n",
    );
    for (section, doc, keys) in sections() {
        let _ = write!(
            s,
            "\n### `[{section}]`\n\n{doc}\n\n| key | type | default | allowed | set by | description |\n|---|---|---|---|---|---|\n"
        );
        for spec in keys {
            let example = spec
                .example
                .map(|e| format!(" Example: `{}`.", e.replace('|', "\\|")))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | {} | {} | {}{} |",
                spec.name,
                spec.kind.doc_name(),
                default_text(spec),
                spec.allowed.describe().replace('|', "\\|"),
                if spec.admin_only().is_some() {
                    "IT only"
                } else {
                    "any"
                },
                spec.doc.replace('|', "\\|"),
                example
            );
        }
    }
    s
}

// ---------------------------------------------------------------------------------------------
// ADMX / ADML

fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// The policy's name in the ADMX: `network_dns_timeout_ms`, `…_Recommended` for the twin.
fn policy_name(spec: &KeyDef, recommended: bool) -> String {
    format!(
        "{}_{}{}",
        spec.section,
        spec.name,
        if recommended { "_Recommended" } else { "" }
    )
}

fn category(section: &str, recommended: bool) -> String {
    if recommended {
        format!("DesksideRecommended_{section}")
    } else {
        format!("Deskside_{section}")
    }
}

/// The ADMX element a key's value is written by; `None` for booleans (the policy's own
/// enabled/disabled value).
fn admx_element(spec: &KeyDef, recommended: bool) -> Option<String> {
    let id = policy_name(spec, recommended);
    let name = spec.name;
    let reg = reg_key(spec.section, recommended);
    Some(match (spec.kind, spec.allowed) {
        (Kind::Bool, _) => return None,
        (Kind::Count, allowed) if !needs_text(spec) => {
            let (min, max) = match allowed {
                Allowed::Range { min, max } => (min, max),
                _ => (0, u64::from(u32::MAX)),
            };
            format!(
                "<decimal id=\"{id}\" valueName=\"{name}\" minValue=\"{min}\" maxValue=\"{}\"/>",
                max.min(u64::from(u32::MAX))
            )
        }
        (Kind::Text, Allowed::OneOf(words)) => {
            let mut e = format!("<enum id=\"{id}\" valueName=\"{name}\" required=\"true\">");
            for w in words {
                let _ = write!(
                    e,
                    "\n            <item displayName=\"$(string.{}_{w})\"><value><string>{w}</string></value></item>",
                    word_id(spec)
                );
            }
            e.push_str("\n          </enum>");
            e
        }
        (Kind::TextList | Kind::SubnetList | Kind::CountList, _) => {
            format!("<list id=\"{id}\" key=\"{reg}\\{name}\" valuePrefix=\"\"/>")
        }
        (Kind::TableList, _) => {
            format!(
                "<text id=\"{id}\" valueName=\"{name}\" maxLength=\"32767\" required=\"true\"/>"
            )
        }
        (Kind::LocalText, _) => format!(
            "<text id=\"{id}\" valueName=\"{name}\" required=\"true\"/>\n          \
             <list id=\"{id}_translations\" key=\"{reg}\\{name}\" explicitValue=\"true\"/>"
        ),
        _ => format!("<text id=\"{id}\" valueName=\"{name}\" required=\"true\"/>"),
    })
}

/// Counts whose default does not fit a `REG_DWORD` are written as text (`REG_SZ` digits).
fn needs_text(spec: &KeyDef) -> bool {
    spec.default_value()
        .and_then(|v| v.as_integer())
        .is_some_and(|n| n > i64::from(u32::MAX))
}

fn word_id(spec: &KeyDef) -> String {
    format!("{}_{}", spec.section, spec.name)
}

fn reg_key(section: &str, recommended: bool) -> String {
    if recommended {
        format!("{ADMX_KEY}\\Recommended\\{section}")
    } else {
        format!("{ADMX_KEY}\\{section}")
    }
}

/// Every (key, recommended?) pair the ADMX defines, in order.
fn admx_policies() -> Vec<(&'static KeyDef, bool)> {
    let mut out: Vec<(&KeyDef, bool)> = KEYS.iter().map(|k| (k, false)).collect();
    out.extend(KEYS.iter().filter(|k| recommendable(k)).map(|k| (k, true)));
    out
}

/// `windows/deskside.admx`.
#[must_use]
pub fn admx() -> String {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <!-- Generated by `desksidectl policy templates` from Deskside's configuration schema. Do not edit. -->\n\
         <policyDefinitions xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" revision=\"1.0\" schemaVersion=\"1.0\" xmlns=\"http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions\">\n\
         \x20 <policyNamespaces>\n\
         \x20   <target prefix=\"deskside\" namespace=\"{ADMX_NAMESPACE}\"/>\n\
         \x20 </policyNamespaces>\n\
         \x20 <resources minRequiredRevision=\"1.0\"/>\n\
         \x20 <supportedOn>\n\
         \x20   <definitions>\n\
         \x20     <definition name=\"SUPPORTED_Deskside\" displayName=\"$(string.SUPPORTED_Deskside)\"/>\n\
         \x20   </definitions>\n\
         \x20 </supportedOn>\n\
         \x20 <categories>\n\
         \x20   <category name=\"Deskside\" displayName=\"$(string.Deskside)\"/>\n\
         \x20   <category name=\"DesksideRecommended\" displayName=\"$(string.DesksideRecommended)\"/>\n"
    );
    for recommended in [false, true] {
        let parent = if recommended {
            "DesksideRecommended"
        } else {
            "Deskside"
        };
        for (section, _) in SECTION_DOCS {
            let name = category(section, recommended);
            let _ = writeln!(
                s,
                "    <category name=\"{name}\" displayName=\"$(string.{name})\"><parentCategory ref=\"{parent}\"/></category>"
            );
        }
    }
    s.push_str("  </categories>\n  <policies>\n");
    for (spec, recommended) in admx_policies() {
        let name = policy_name(spec, recommended);
        let element = admx_element(spec, recommended);
        let presentation = if element.is_some() {
            format!(" presentation=\"$(presentation.{name})\"")
        } else {
            String::new()
        };
        let value_name = if spec.kind == Kind::Bool {
            format!(" valueName=\"{}\"", spec.name)
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "    <policy name=\"{name}\" class=\"Both\" displayName=\"$(string.{name})\" explainText=\"$(string.{name}_Explain)\"{presentation} key=\"{}\"{value_name}>",
            reg_key(spec.section, recommended)
        );
        let _ = writeln!(
            s,
            "      <parentCategory ref=\"{}\"/>\n      <supportedOn ref=\"SUPPORTED_Deskside\"/>",
            category(spec.section, recommended)
        );
        match element {
            None => s.push_str(
                "      <enabledValue><decimal value=\"1\"/></enabledValue>\n      <disabledValue><decimal value=\"0\"/></disabledValue>\n",
            ),
            Some(e) => {
                let _ = writeln!(s, "      <elements>\n          {e}\n      </elements>");
            }
        }
        s.push_str("    </policy>\n");
    }
    s.push_str("  </policies>\n</policyDefinitions>\n");
    s
}

/// The ADML's presentation of a key's element.
fn presentation(spec: &KeyDef, recommended: bool) -> Option<String> {
    let id = policy_name(spec, recommended);
    let label = xml(&spec.dotted());
    Some(match (spec.kind, spec.allowed) {
        (Kind::Bool, _) => return None,
        (Kind::Count, _) if !needs_text(spec) => {
            let default = spec
                .default_value()
                .and_then(|v| v.as_integer())
                .filter(|n| u32::try_from(*n).is_ok())
                .map(|n| format!(" defaultValue=\"{n}\""))
                .unwrap_or_default();
            format!("<decimalTextBox refId=\"{id}\"{default}>{label}</decimalTextBox>")
        }
        (Kind::Text, Allowed::OneOf(words)) => {
            let default = spec
                .default_value()
                .and_then(|v| v.as_str().map(str::to_owned))
                .and_then(|d| words.iter().position(|w| *w == d))
                .map(|i| format!(" defaultItem=\"{i}\""))
                .unwrap_or_default();
            format!("<dropdownList refId=\"{id}\" noSort=\"true\"{default}>{label}</dropdownList>")
        }
        (Kind::TextList | Kind::SubnetList | Kind::CountList, _) => {
            format!("<listBox refId=\"{id}\">{label}</listBox>")
        }
        (Kind::LocalText, _) => format!(
            "<textBox refId=\"{id}\"><label>{label}</label></textBox>\n        \
             <listBox refId=\"{id}_translations\">Translations (value name: a language tag such as de or fr-CA; value: the text)</listBox>"
        ),
        _ => {
            let default = spec
                .default_value()
                .and_then(|v| v.as_str().map(str::to_owned))
                .map(|d| format!("<defaultValue>{}</defaultValue>", xml(&d)))
                .unwrap_or_default();
            format!("<textBox refId=\"{id}\"><label>{label}</label>{default}</textBox>")
        }
    })
}

/// `windows/<lang>/deskside.adml` (en-US).
#[must_use]
pub fn adml() -> String {
    let mut strings: Vec<(String, String)> = vec![
        (
            "SUPPORTED_Deskside".to_owned(),
            "Deskside 0.1 and later".to_owned(),
        ),
        ("Deskside".to_owned(), "Deskside".to_owned()),
        (
            "DesksideRecommended".to_owned(),
            "Deskside - Recommended (users can override)".to_owned(),
        ),
    ];
    for recommended in [false, true] {
        for (section, doc) in SECTION_DOCS {
            strings.push((category(section, recommended), format!("{section}: {doc}")));
        }
    }
    for (spec, recommended) in admx_policies() {
        let name = policy_name(spec, recommended);
        strings.push((name.clone(), title(spec)));
        let level = if recommended {
            "Recommended: a default the user may change in their own configuration file."
        } else {
            "Mandatory: locks the setting; no configuration file can change it."
        };
        strings.push((
            format!("{name}_Explain"),
            format!(
                "{}\n\n{level}\n\nRegistry: {}\\{}.",
                explanation(spec),
                reg_key(spec.section, recommended),
                spec.name
            ),
        ));
        if !recommended && let (Kind::Text, Allowed::OneOf(words)) = (spec.kind, spec.allowed) {
            for w in words {
                strings.push((format!("{}_{w}", word_id(spec)), (*w).to_owned()));
            }
        }
    }
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <!-- Generated by `desksidectl policy templates` from Deskside's configuration schema. Do not edit. -->\n\
         <policyDefinitionResources xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" revision=\"1.0\" schemaVersion=\"1.0\" xmlns=\"http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions\">\n\
         \x20 <displayName>Deskside</displayName>\n\
         \x20 <description>Deskside policies: mandatory settings under Software\\Policies\\Deskside, recommended ones under Software\\Policies\\Deskside\\Recommended.</description>\n\
         \x20 <resources>\n    <stringTable>\n",
    );
    for (id, text) in &strings {
        let _ = writeln!(s, "      <string id=\"{id}\">{}</string>", xml(text));
    }
    s.push_str("    </stringTable>\n    <presentationTable>\n");
    for (spec, recommended) in admx_policies() {
        if let Some(p) = presentation(spec, recommended) {
            let _ = writeln!(
                s,
                "      <presentation id=\"{}\">\n        {p}\n      </presentation>",
                policy_name(spec, recommended)
            );
        }
    }
    s.push_str("    </presentationTable>\n  </resources>\n</policyDefinitionResources>\n");
    s
}

/// A policy's display name: the dotted key and the first sentence of its doc.
fn title(spec: &KeyDef) -> String {
    let first = spec
        .doc
        .split(". ")
        .next()
        .unwrap_or(spec.doc)
        .trim_end_matches('.');
    format!("{}: {first}", spec.dotted())
}

// ---------------------------------------------------------------------------------------------
// Intune

fn intune_table() -> String {
    let mut s = format!(
        "# Deskside in Intune (custom OMA-URI settings)\n\n\
         Generated from the configuration schema; do not edit.\n\n\
         1. Ingest the ADMX: a custom profile row with OMA-URI \
         `./Device/Vendor/MSFT/Policy/ConfigOperations/ADMXInstall/{INTUNE_APP}/Policy/DesksideAdmx`, \
         data type String, value: the whole content of `deskside.admx`.\n\
         2. Add one row per setting below (data type String). Use `./User/…` instead of \
         `./Device/…` for per-user policy (HKCU). Lists: items separated by `&#xF000;` in `value`. \
         Booleans: `<enabled/>` turns the key on, `<disabled/>` off.\n\n\
         Security-sensitive keys have no recommended row: only mandatory policy may set them.\n\n\
         | key | level | OMA-URI | value |\n|---|---|---|---|\n"
    );
    for (spec, recommended) in admx_policies() {
        let root = if recommended {
            "DesksideRecommended"
        } else {
            "Deskside"
        };
        let uri = format!(
            "./Device/Vendor/MSFT/Policy/Config/{INTUNE_APP}~Policy~{root}~{}/{}",
            category(spec.section, recommended),
            policy_name(spec, recommended)
        );
        let value = match spec.kind {
            Kind::Bool => "`<enabled/>` or `<disabled/>`".to_owned(),
            _ => format!(
                "`<enabled/><data id=\"{}\" value=\"…\"/>`",
                policy_name(spec, recommended)
            ),
        };
        let _ = writeln!(
            s,
            "| `{}` | {} | `{uri}` | {value} |",
            spec.dotted(),
            if recommended {
                "recommended"
            } else {
                "mandatory"
            }
        );
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Example policy: .reg and .mobileconfig

fn example_value(toml_text: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("v = {toml_text}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(toml_text.to_owned()))
}

fn reg_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn reg_data(value: &toml::Value) -> String {
    match value {
        toml::Value::Boolean(b) => format!("dword:{:08x}", u8::from(*b)),
        toml::Value::Integer(n) => match u32::try_from(*n) {
            Ok(n) => format!("dword:{n:08x}"),
            Err(_) => reg_string(&n.to_string()),
        },
        toml::Value::Float(f) => reg_string(&f.to_string()),
        toml::Value::String(s) => reg_string(s),
        other => reg_string(&other.to_string()),
    }
}

/// `windows/deskside-example.reg`: the example policy as registry values (HKLM).
#[must_use]
pub fn example_reg() -> String {
    let mut s = String::from(
        "Windows Registry Editor Version 5.00\n\n; Example Deskside policy, generated from the configuration schema.\n",
    );
    for (settings, recommended) in [(EXAMPLE_MANDATORY, false), (EXAMPLE_RECOMMENDED, true)] {
        let mut last_section = "";
        for (key, value) in settings {
            let Some((section, name)) = key.split_once('.') else {
                continue;
            };
            let below = if recommended {
                format!("{POLICY_KEY}\\Recommended\\{section}")
            } else {
                format!("{POLICY_KEY}\\{section}")
            };
            let value = example_value(value);
            if let toml::Value::Table(translations) = &value {
                // Localised text: the default as the key's value, translations in a subkey.
                let _ = writeln!(s, "\n[HKEY_LOCAL_MACHINE\\{below}]");
                if let Some(default) = translations.get(crate::localized::DEFAULT_TAG) {
                    let _ = writeln!(s, "\"{name}\"={}", reg_data(default));
                }
                let _ = writeln!(s, "\n[HKEY_LOCAL_MACHINE\\{below}\\{name}]");
                for (tag, text) in translations {
                    if tag != crate::localized::DEFAULT_TAG {
                        let _ = writeln!(s, "\"{tag}\"={}", reg_data(text));
                    }
                }
                last_section = "";
                continue;
            }
            if let toml::Value::Array(items) = &value {
                let _ = writeln!(s, "\n[HKEY_LOCAL_MACHINE\\{below}\\{name}]");
                for (i, item) in items.iter().enumerate() {
                    let text = item
                        .as_str()
                        .map_or_else(|| item.to_string(), str::to_owned);
                    let _ = writeln!(s, "\"{}\"={}", i + 1, reg_string(&text));
                }
                last_section = "";
                continue;
            }
            if section != last_section {
                let _ = writeln!(s, "\n[HKEY_LOCAL_MACHINE\\{below}]");
                last_section = section;
            }
            let _ = writeln!(s, "\"{name}\"={}", reg_data(&value));
        }
    }
    s
}

fn to_plist(value: &toml::Value) -> plist::Value {
    match value {
        toml::Value::Boolean(b) => plist::Value::Boolean(*b),
        toml::Value::Integer(n) => plist::Value::Integer((*n).into()),
        toml::Value::Float(f) => plist::Value::Real(*f),
        toml::Value::String(s) => plist::Value::String(s.clone()),
        toml::Value::Array(items) => plist::Value::Array(items.iter().map(to_plist).collect()),
        toml::Value::Table(t) => plist::Value::Dictionary(
            t.iter()
                .map(|(k, v)| (k.clone(), to_plist(v)))
                .collect::<plist::Dictionary>(),
        ),
        toml::Value::Datetime(d) => plist::Value::String(d.to_string()),
    }
}

fn plist_xml(value: &plist::Value) -> String {
    let mut bytes = Vec::new();
    // Writing to a Vec cannot fail for values built here.
    let _ = value.to_writer_xml(&mut bytes);
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    text.push('\n');
    text
}

fn dict(entries: Vec<(&str, plist::Value)>) -> plist::Value {
    plist::Value::Dictionary(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect::<plist::Dictionary>(),
    )
}

fn pstr(text: &str) -> plist::Value {
    plist::Value::String(text.to_owned())
}

/// `macos/deskside-example.mobileconfig`: a configuration profile with one payload of type
/// `dev.deskside.tray` holding the example's mandatory settings, by section.
#[must_use]
pub fn example_mobileconfig() -> String {
    let mut sections: Vec<(String, plist::Dictionary)> = Vec::new();
    for (key, value) in EXAMPLE_MANDATORY {
        let Some((section, name)) = key.split_once('.') else {
            continue;
        };
        let v = to_plist(&example_value(value));
        match sections.iter_mut().find(|(s, _)| s == section) {
            Some((_, d)) => {
                d.insert(name.to_owned(), v);
            }
            None => {
                let mut d = plist::Dictionary::new();
                d.insert(name.to_owned(), v);
                sections.push((section.to_owned(), d));
            }
        }
    }
    let mut payload = vec![
        ("PayloadType", pstr(MACOS_BUNDLE_ID)),
        ("PayloadIdentifier", pstr("example.deskside.policy")),
        ("PayloadUUID", pstr(PAYLOAD_UUID)),
        ("PayloadVersion", plist::Value::Integer(1.into())),
        ("PayloadDisplayName", pstr("Deskside policy")),
    ];
    let named: Vec<(String, plist::Value)> = sections
        .into_iter()
        .map(|(k, d)| (k, plist::Value::Dictionary(d)))
        .collect();
    for (k, v) in &named {
        payload.push((k.as_str(), v.clone()));
    }
    let profile = dict(vec![
        ("PayloadContent", plist::Value::Array(vec![dict(payload)])),
        ("PayloadDisplayName", pstr("Deskside (example)")),
        (
            "PayloadDescription",
            pstr("Example Deskside policy, generated from the configuration schema."),
        ),
        ("PayloadIdentifier", pstr("example.deskside")),
        ("PayloadScope", pstr("System")),
        ("PayloadType", pstr("Configuration")),
        ("PayloadUUID", pstr(PROFILE_UUID)),
        ("PayloadVersion", plist::Value::Integer(1.into())),
    ]);
    plist_xml(&profile)
}

// ---------------------------------------------------------------------------------------------
// Jamf Pro JSON schema

fn json_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Bool => "boolean",
        Kind::Count => "integer",
        Kind::Number => "number",
        Kind::Text | Kind::LocalText => "string",
        Kind::TextList | Kind::SubnetList | Kind::CountList | Kind::TableList => "array",
    }
}

fn json_scalar(kind: Kind, allowed: Allowed) -> serde_json::Value {
    let mut v = serde_json::json!({ "type": json_type(kind) });
    match allowed {
        Allowed::OneOf(words) => v["enum"] = serde_json::json!(words),
        Allowed::Range { min, max } => {
            v["minimum"] = min.into();
            if max != u64::MAX {
                v["maximum"] = max.into();
            }
        }
        Allowed::Percent => {
            v["minimum"] = 0.into();
            v["maximum"] = 100.into();
        }
        Allowed::Color => v["pattern"] = "^#[0-9A-Fa-f]{6}$".into(),
        _ => {}
    }
    v
}

fn action_schema() -> serde_json::Value {
    serde_json::json!({
        "type": "object",
        "title": "Action",
        "required": ["id", "title", "program"],
        "properties": {
            "id": {"type": "string", "title": "Id", "pattern": "^[a-z0-9._-]{1,64}$"},
            "title": {"type": "string", "title": "Button label"},
            "description": {"type": "string", "title": "Description"},
            "program": {"type": "string", "title": "Program (absolute path)"},
            "args": {"type": "array", "title": "Arguments", "items": {"type": "string"}},
            "elevate": {"type": "boolean", "title": "Run as administrator", "default": false},
            "timeout_s": {"type": "integer", "title": "Time limit (s)", "minimum": 1, "maximum": 3600, "default": 60},
            "addresses": {"type": "array", "title": "Check ids it addresses", "items": {"type": "string"}}
        }
    })
}

fn json_key(spec: &KeyDef) -> serde_json::Value {
    let mut configured = match spec.kind {
        Kind::TableList => serde_json::json!({"type": "array", "items": action_schema()}),
        Kind::CountList => {
            serde_json::json!({"type": "array", "items": json_scalar(Kind::Count, spec.allowed)})
        }
        Kind::TextList | Kind::SubnetList => {
            serde_json::json!({"type": "array", "items": json_scalar(Kind::Text, spec.allowed)})
        }
        kind => json_scalar(kind, spec.allowed),
    };
    configured["title"] = "Configured".into();
    let translations = (spec.kind == Kind::LocalText).then(|| {
        serde_json::json!({
            "title": "Configured, with translations",
            "type": "object",
            "description": "A `default` text and one text per language tag (de, fr-CA, …), chosen by the user's language.",
            "properties": {"default": {"type": "string", "title": "default"}},
            "required": ["default"],
            "additionalProperties": {"type": "string"}
        })
    });
    if let Some(default) = spec
        .default_value()
        .and_then(|v| serde_json::to_value(v).ok())
    {
        configured["default"] = default;
    }
    serde_json::json!({
        "title": spec.dotted(),
        "description": explanation(spec),
        "property_order": 0,
        "anyOf": std::iter::once(serde_json::json!({"type": "null", "title": "Not Configured"}))
            .chain(std::iter::once(configured))
            .chain(translations)
            .collect::<Vec<_>>()
    })
}

fn json_sections(recommended: bool) -> serde_json::Map<String, serde_json::Value> {
    let mut props = serde_json::Map::new();
    for (order, (section, doc, keys)) in sections().enumerate() {
        let mut inner = serde_json::Map::new();
        for (i, spec) in keys.into_iter().enumerate() {
            if recommended && !recommendable(spec) {
                continue;
            }
            let mut v = json_key(spec);
            v["property_order"] = (i * 5).into();
            inner.insert(spec.name.to_owned(), v);
        }
        if inner.is_empty() {
            continue;
        }
        props.insert(
            section.to_owned(),
            serde_json::json!({
                "title": section,
                "description": doc,
                "type": "object",
                "property_order": order * 5,
                "properties": inner
            }),
        );
    }
    props
}

/// `macos/dev.deskside.tray.json`: a Jamf Pro "Application & Custom Settings" schema. Every key
/// is "Not Configured" unless the admin picks a value; a `Recommended` object holds recommended
/// policy.
#[must_use]
pub fn jamf_schema() -> String {
    let mut props = json_sections(false);
    props.insert(
        "Recommended".to_owned(),
        serde_json::json!({
            "title": "Recommended",
            "description": "Recommended policy: defaults the user may change in their own configuration file. Security-sensitive keys are not available here.",
            "type": "object",
            "property_order": 1000,
            "properties": json_sections(true)
        }),
    );
    let schema = serde_json::json!({
        "title": format!("Deskside ({MACOS_BUNDLE_ID})"),
        "description": "Deskside managed preferences. Generated from the configuration schema; every setting is mandatory (locked) unless set inside Recommended.",
        "properties": props
    });
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

// ---------------------------------------------------------------------------------------------
// ProfileManifest

fn pfm_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Bool => "boolean",
        Kind::Count => "integer",
        Kind::Number => "real",
        Kind::Text | Kind::LocalText => "string",
        Kind::TextList | Kind::SubnetList | Kind::CountList | Kind::TableList => "array",
    }
}

fn pfm_key(spec: &KeyDef) -> plist::Value {
    let mut d = plist::Dictionary::new();
    d.insert("pfm_name".into(), pstr(spec.name));
    d.insert("pfm_title".into(), pstr(&title(spec)));
    d.insert("pfm_description".into(), pstr(&explanation(spec)));
    d.insert("pfm_type".into(), pstr(pfm_type(spec.kind)));
    if let Some(default) = spec.default_value() {
        d.insert("pfm_default".into(), to_plist(&default));
    }
    match spec.allowed {
        Allowed::OneOf(words) if spec.kind == Kind::Text => {
            d.insert(
                "pfm_range_list".into(),
                plist::Value::Array(words.iter().map(|w| pstr(w)).collect()),
            );
        }
        Allowed::Range { min, max } if spec.kind == Kind::Count => {
            d.insert("pfm_range_min".into(), plist::Value::Integer(min.into()));
            if max != u64::MAX {
                d.insert("pfm_range_max".into(), plist::Value::Integer(max.into()));
            }
        }
        Allowed::Percent => {
            d.insert("pfm_range_min".into(), plist::Value::Integer(0.into()));
            d.insert("pfm_range_max".into(), plist::Value::Integer(100.into()));
        }
        _ => {}
    }
    let item_type = match spec.kind {
        Kind::CountList => Some("integer"),
        Kind::TextList | Kind::SubnetList => Some("string"),
        Kind::TableList => Some("dictionary"),
        _ => None,
    };
    if let Some(item_type) = item_type {
        let mut item = plist::Dictionary::new();
        item.insert("pfm_name".into(), pstr("Item"));
        item.insert("pfm_type".into(), pstr(item_type));
        if let Allowed::OneOf(words) = spec.allowed {
            item.insert(
                "pfm_range_list".into(),
                plist::Value::Array(words.iter().map(|w| pstr(w)).collect()),
            );
        }
        if spec.kind == Kind::TableList {
            let fields = [
                ("id", "string"),
                ("title", "string"),
                ("description", "string"),
                ("program", "string"),
                ("args", "array"),
                ("elevate", "boolean"),
                ("timeout_s", "integer"),
                ("addresses", "array"),
            ];
            let sub = fields
                .iter()
                .map(|(n, ty)| dict(vec![("pfm_name", pstr(n)), ("pfm_type", pstr(ty))]))
                .collect();
            item.insert("pfm_subkeys".into(), plist::Value::Array(sub));
        }
        d.insert(
            "pfm_subkeys".into(),
            plist::Value::Array(vec![plist::Value::Dictionary(item)]),
        );
    }
    plist::Value::Dictionary(d)
}

/// `macos/dev.deskside.tray.plist`: a ProfileManifest for ProfileCreator and iMazing Profile
/// Editor.
#[must_use]
pub fn profile_manifest() -> String {
    let header = |name: &str, ty: &str, default: Option<plist::Value>| {
        let mut d = vec![("pfm_name", pstr(name)), ("pfm_type", pstr(ty))];
        if let Some(v) = default {
            d.push(("pfm_default", v));
        }
        dict(d)
    };
    let mut subkeys = vec![
        header("PayloadDisplayName", "string", Some(pstr("Deskside"))),
        header("PayloadIdentifier", "string", None),
        header("PayloadType", "string", Some(pstr(MACOS_BUNDLE_ID))),
        header("PayloadUUID", "string", None),
        header(
            "PayloadVersion",
            "integer",
            Some(plist::Value::Integer(1.into())),
        ),
    ];
    for (section, doc, keys) in sections() {
        subkeys.push(dict(vec![
            ("pfm_name", pstr(section)),
            ("pfm_title", pstr(section)),
            ("pfm_description", pstr(doc)),
            ("pfm_type", pstr("dictionary")),
            (
                "pfm_subkeys",
                plist::Value::Array(keys.into_iter().map(pfm_key).collect()),
            ),
        ]));
    }
    let manifest = dict(vec![
        ("pfm_domain", pstr(MACOS_BUNDLE_ID)),
        ("pfm_title", pstr("Deskside")),
        (
            "pfm_description",
            pstr(
                "Deskside managed preferences, generated from the configuration schema. Every key is mandatory (locked).",
            ),
        ),
        ("pfm_format_version", plist::Value::Integer(1.into())),
        ("pfm_version", plist::Value::Integer(1.into())),
        ("pfm_platforms", plist::Value::Array(vec![pstr("macOS")])),
        ("pfm_unique", plist::Value::Boolean(true)),
        ("pfm_subkeys", plist::Value::Array(subkeys)),
    ]);
    plist_xml(&manifest)
}

// ---------------------------------------------------------------------------------------------
// Linux

/// `linux/{managed,recommended}/50-deskside.toml`: every key commented out, with its doc and
/// its default (or an example).
#[must_use]
pub fn linux_skeleton(recommended: bool) -> String {
    let mut s = if recommended {
        String::from(
            "# Deskside recommended policy: /etc/deskside/policies/recommended/50-deskside.toml\n\
             # IT's defaults; a user's own config file may still change them. Security-sensitive keys\n\
             # cannot be recommended (set them in managed/ instead). The file and its folders must be\n\
             # owned by root and not writable by group or others. Uncomment what you set.\n\
             # Generated from the configuration schema.\n",
        )
    } else {
        String::from(
            "# Deskside mandatory policy: /etc/deskside/policies/managed/50-deskside.toml\n\
             # Every key set here is locked: no configuration file can change it. The file and its\n\
             # folders must be owned by root and not writable by group or others. Uncomment what you set.\n\
             # Generated from the configuration schema.\n",
        )
    };
    for (section, doc, keys) in sections() {
        let keys: Vec<&KeyDef> = keys
            .into_iter()
            .filter(|k| !recommended || recommendable(k))
            .filter(|k| k.kind != Kind::TableList)
            .collect();
        let actions = !recommended && section == "fixes";
        if keys.is_empty() && !actions {
            continue;
        }
        let _ = write!(s, "\n# {doc}\n# [{section}]\n");
        for spec in keys {
            for line in wrap(&explanation(spec), 94) {
                let _ = writeln!(s, "#   {line}");
            }
            let value = spec
                .default_value()
                .filter(|v| !v.as_array().is_some_and(Vec::is_empty) || spec.example.is_none())
                .map(|v| inline(&v))
                .or_else(|| spec.example.map(str::to_owned))
                .unwrap_or_default();
            let _ = writeln!(s, "# {} = {value}", spec.name);
        }
        if actions {
            s.push_str(
                "#   Admin-defined actions (security-sensitive: runs programs), one table each:\n\
                 # [[fixes.actions]]\n\
                 # id = \"restart-agent\"\n\
                 # title = \"Restart the management agent\"\n\
                 # program = \"/usr/bin/systemctl\"\n\
                 # args = [\"restart\", \"acme-agent.service\"]\n\
                 # elevate = true\n\
                 # timeout_s = 60\n\
                 # addresses = [\"system.uptime\"]\n",
            );
        }
    }
    s
}

/// Splits text into lines of at most `width` characters at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}
