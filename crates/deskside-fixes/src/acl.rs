//! The root-file rule on Windows, as data: a file an administrator runs or reads must be one
//! only administrators can change. Its owner must be Administrators, SYSTEM or
//! TrustedInstaller (an owner may always rewrite the ACL), and no one else may be allowed to
//! write it, delete it, or change its ACL or owner. The folders above it likewise may not let
//! anyone else delete or rename what is in them (a folder where others may only *add* new
//! names is fine: the path already chosen cannot be swapped), except the folder that holds a
//! program, where others may not even add files — Windows loads DLLs from a program's own
//! folder first, so a planted DLL would run as administrator.
//!
//! The security descriptor arrives as SDDL text (what `Get-Acl`'s `.Sddl`, `icacls /save`-style
//! tools and `ConvertSecurityDescriptorToStringSecurityDescriptorW` produce), parsed here into
//! the owner and the allow entries; [`judge`] decides. Both are pure and compiled on every OS;
//! only the Win32 call that yields the text is Windows-only (`win::sddl_of`). The fixtures in
//! the tests are real descriptors of `C:\`, `C:\Program Files`, `C:\Windows\System32`.

use std::fmt;
use std::path::PathBuf;

/// `S-1-5-80-…`: the TrustedInstaller service, owner of Windows' own files.
pub const TRUSTED_INSTALLER: &str =
    "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464";

/// SDDL's two-letter account aliases Deskside meets on files, as SIDs.
const ALIASES: &[(&str, &str)] = &[
    ("SY", "S-1-5-18"),
    ("BA", "S-1-5-32-544"),
    ("BU", "S-1-5-32-545"),
    ("BG", "S-1-5-32-546"),
    ("PU", "S-1-5-32-547"),
    ("AU", "S-1-5-11"),
    ("WD", "S-1-1-0"),
    ("IU", "S-1-5-4"),
    ("NU", "S-1-5-2"),
    ("AN", "S-1-5-7"),
    ("LS", "S-1-5-19"),
    ("NS", "S-1-5-20"),
    ("CO", "S-1-3-0"),
    ("CG", "S-1-3-1"),
    ("OW", "S-1-3-4"),
    ("AC", "S-1-15-2-1"),
    ("PS", "S-1-5-10"),
    ("RD", "S-1-5-32-555"),
];

/// Accounts that may own or change a file an administrator runs.
const TRUSTED: &[&str] = &["S-1-5-18", "S-1-5-32-544", TRUSTED_INSTALLER];

/// Plain names of the accounts messages mention most.
const NAMES: &[(&str, &str)] = &[
    ("S-1-5-18", "SYSTEM"),
    ("S-1-5-32-544", "Administrators"),
    ("S-1-5-32-545", "Users"),
    ("S-1-5-11", "Authenticated Users"),
    ("S-1-1-0", "Everyone"),
    ("S-1-5-4", "Interactive users"),
    ("S-1-5-32-546", "Guests"),
    ("S-1-3-4", "Owner Rights"),
    (TRUSTED_INSTALLER, "TrustedInstaller"),
];

// Access-mask bits (winnt.h) that let someone change what runs.
const WRITE_DATA: u32 = 0x2; // FILE_WRITE_DATA / FILE_ADD_FILE
const APPEND_DATA: u32 = 0x4; // FILE_APPEND_DATA / FILE_ADD_SUBDIRECTORY
const DELETE_CHILD: u32 = 0x40; // FILE_DELETE_CHILD
const DELETE: u32 = 0x1_0000;
const WRITE_DAC: u32 = 0x4_0000;
const WRITE_OWNER: u32 = 0x8_0000;
const GENERIC_ALL: u32 = 0x1000_0000;
const GENERIC_WRITE: u32 = 0x4000_0000;

/// One allow entry that applies to the object itself (inherit-only entries are dropped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allow {
    /// The account, as a SID (`S-1-…`).
    pub sid: String,
    /// The access mask.
    pub mask: u32,
}

/// What the rule needs of one file or folder's security descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    /// The owner SID; `None` when the descriptor carries none.
    pub owner: Option<String>,
    /// Allow entries on the object itself. `None`: a NULL DACL — everyone may do anything.
    pub allows: Option<Vec<Allow>>,
}

/// SDDL text Deskside could not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unreadable security descriptor: {0}")]
pub struct SddlError(String);

fn sid_of(token: &str) -> Result<String, SddlError> {
    if token.starts_with("S-") {
        return Ok(token.to_owned());
    }
    ALIASES
        .iter()
        .find(|(a, _)| *a == token)
        .map(|(_, s)| (*s).to_owned())
        // An alias outside the table (a domain-relative one such as `DA`) is kept as written:
        // it is not one of the trusted SIDs, so it counts as "someone else".
        .map_or_else(|| Ok(format!("alias {token}")), Ok)
}

fn rights(text: &str) -> Result<u32, SddlError> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return u32::from_str_radix(hex, 16).map_err(|_| SddlError(format!("rights `{text}`")));
    }
    if text.bytes().all(|b| b.is_ascii_digit()) && !text.is_empty() {
        return text
            .parse()
            .map_err(|_| SddlError(format!("rights `{text}`")));
    }
    if !text.len().is_multiple_of(2) {
        return Err(SddlError(format!("rights `{text}`")));
    }
    let mut mask = 0_u32;
    for pair in text.as_bytes().chunks(2) {
        mask |= match pair {
            b"GA" => GENERIC_ALL,
            b"GR" => 0x8000_0000,
            b"GW" => GENERIC_WRITE,
            b"GX" => 0x2000_0000,
            b"RC" => 0x2_0000,
            b"SD" => DELETE,
            b"WD" => WRITE_DAC,
            b"WO" => WRITE_OWNER,
            b"FA" => 0x1F_01FF,
            b"FR" => 0x12_0089,
            b"FW" => 0x12_0116,
            b"FX" => 0x12_00A0,
            // Directory-service letters, which SDDL reuses for the low file bits.
            b"CC" => 0x1,
            b"DC" => 0x2,
            b"LC" => 0x4,
            b"SW" => 0x8,
            b"RP" => 0x10,
            b"WP" => 0x20,
            b"DT" => 0x40,
            b"LO" => 0x80,
            b"CR" => 0x100,
            _ => return Err(SddlError(format!("rights `{text}`"))),
        };
    }
    Ok(mask)
}

/// Parse the owner and the DACL of an SDDL string (`O:…G:…D:…S:…`; group and SACL ignored).
///
/// # Errors
/// [`SddlError`] for text that is not SDDL.
pub fn parse_sddl(text: &str) -> Result<Descriptor, SddlError> {
    let text = text.trim();
    let mut owner = None;
    let mut dacl: Option<&str> = None;
    // Split at the section tags `O:`, `G:`, `D:`, `S:` outside parentheses.
    let mut sections: Vec<(char, usize)> = Vec::new();
    let bytes = text.as_bytes();
    let mut depth = 0_i32;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'(' => depth += 1,
            b')' => depth -= 1,
            b'O' | b'G' | b'D' | b'S' if depth == 0 && bytes.get(i + 1) == Some(&b':') => {
                // `S-1-…` inside an owner has no colon after the S, so it is not a tag.
                sections.push((char::from(b), i));
            }
            _ => {}
        }
    }
    if sections.is_empty() {
        return Err(SddlError("no owner or DACL section".to_owned()));
    }
    for (n, &(tag, start)) in sections.iter().enumerate() {
        let end = sections.get(n + 1).map_or(text.len(), |&(_, e)| e);
        let body = text.get(start + 2..end).unwrap_or_default();
        match tag {
            'O' => owner = Some(sid_of(body)?),
            'D' => dacl = Some(body),
            _ => {}
        }
    }
    let allows = match dacl {
        None => Some(Vec::new()),
        Some(d) => parse_dacl(d)?,
    };
    Ok(Descriptor { owner, allows })
}

fn parse_dacl(d: &str) -> Result<Option<Vec<Allow>>, SddlError> {
    let (flags, aces) = d.split_at(d.find('(').unwrap_or(d.len()));
    if flags.contains("NO_ACCESS_CONTROL") {
        return Ok(None);
    }
    let mut out = Vec::new();
    let mut rest = aces;
    while let Some(open) = rest.find('(') {
        let close = rest[open..]
            .find(')')
            .map(|c| open + c)
            .ok_or_else(|| SddlError("an entry is not closed".to_owned()))?;
        let ace = &rest[open + 1..close];
        rest = &rest[close + 1..];
        let f: Vec<&str> = ace.split(';').collect();
        let [kind, flags, mask, _, _, who, ..] = f.as_slice() else {
            return Err(SddlError(format!("entry `({ace})`")));
        };
        // Allow entries only: deny entries are not subtracted (stricter, never looser).
        if !matches!(*kind, "A" | "OA" | "XA" | "ZA") {
            continue;
        }
        // Inherit-only entries (`IO`) are templates for children, not rights on this object.
        let inherit_only = flags.as_bytes().chunks(2).any(|p| p == b"IO");
        if inherit_only {
            continue;
        }
        out.push(Allow {
            sid: sid_of(who)?,
            mask: rights(mask)?,
        });
    }
    Ok(Some(out))
}

/// A plain name for a SID (`Authenticated Users`), or the SID itself.
#[must_use]
pub fn name_of(sid: &str) -> String {
    NAMES
        .iter()
        .find(|(s, _)| *s == sid)
        .map_or_else(|| sid.to_owned(), |(_, n)| (*n).to_owned())
}

fn trusted(sid: &str) -> bool {
    TRUSTED.contains(&sid)
}

/// What a file or folder is to the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The file itself.
    File,
    /// The folder that holds a program (others may not add files: DLL planting).
    ProgramFolder,
    /// Any other folder above the file.
    Folder,
    /// The root folder of a volume (`C:\`): it cannot be deleted or renamed.
    VolumeRoot,
}

/// Why a descriptor fails the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// Owned by an account other than Administrators, SYSTEM or TrustedInstaller.
    Owner(String),
    /// A NULL DACL: everyone may do anything.
    NoAcl,
    /// This account may change it.
    Writer(String),
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Owner(sid) => write!(
                f,
                "owned by {}, not Administrators, SYSTEM or TrustedInstaller",
                name_of(sid)
            ),
            Self::NoAcl => f.write_str("it has no access list, so everyone may change it"),
            Self::Writer(sid) => write!(f, "{} may change it", name_of(sid)),
        }
    }
}

/// Decide one descriptor at `place`.
///
/// # Errors
/// The first [`Finding`]: owner before entries.
pub fn judge(d: &Descriptor, place: Place) -> Result<(), Finding> {
    match &d.owner {
        Some(o) if trusted(o) => {}
        Some(o) => return Err(Finding::Owner(o.clone())),
        None => return Err(Finding::Owner("nobody".to_owned())),
    }
    let Some(allows) = &d.allows else {
        return Err(Finding::NoAcl);
    };
    let danger = match place {
        Place::File => WRITE_DATA | APPEND_DATA | DELETE | WRITE_DAC | WRITE_OWNER,
        Place::ProgramFolder => WRITE_DATA | DELETE_CHILD | DELETE | WRITE_DAC | WRITE_OWNER,
        Place::Folder => DELETE_CHILD | DELETE | WRITE_DAC | WRITE_OWNER,
        Place::VolumeRoot => DELETE_CHILD | WRITE_DAC | WRITE_OWNER,
    } | GENERIC_ALL;
    // GENERIC_WRITE on a file means data; on a folder it means adding names only.
    let danger = if place == Place::File || place == Place::ProgramFolder {
        danger | GENERIC_WRITE
    } else {
        danger
    };
    match allows
        .iter()
        .find(|a| !trusted(&a.sid) && a.mask & danger != 0)
    {
        Some(a) => Err(Finding::Writer(a.sid.clone())),
        None => Ok(()),
    }
}

/// A file and the folders above it (nearest first), each with its descriptor: the first
/// finding, with the folder it is about (`None`: the file itself).
///
/// # Errors
/// The place and [`Finding`] of the first object that fails.
pub fn judge_path(
    executed: bool,
    file: &Descriptor,
    folders: &[(PathBuf, Descriptor)],
) -> Result<(), (Option<PathBuf>, Finding)> {
    judge(file, Place::File).map_err(|f| (None, f))?;
    let last = folders.len().saturating_sub(1);
    for (i, (folder, d)) in folders.iter().enumerate() {
        // The program's own folder first: a volume root that holds a program (`D:\x.exe`)
        // must not let others add files either.
        let place = if i == 0 && executed {
            Place::ProgramFolder
        } else if i == last {
            Place::VolumeRoot
        } else {
            Place::Folder
        };
        judge(d, place).map_err(|f| (Some(folder.clone()), f))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Real descriptors (Windows 10/11, `(Get-Acl PATH).Sddl`).
    const SYSTEM_DRIVE: &str = "O:SYG:SYD:(A;OICIIO;GA;;;CO)(A;OICIIO;GA;;;SY)(A;;FA;;;SY)(A;OICIIO;GA;;;BA)(A;;FA;;;BA)(A;OICI;0x1200a9;;;BU)(A;OICIIO;SDGXGWGR;;;AU)(A;;LC;;;AU)";
    const DATA_DRIVE: &str = "O:SYG:SYD:AI(A;OICIIO;SDGXGWGR;;;AU)(A;;0x1301bf;;;AU)(A;;FA;;;SY)(A;OICIIO;GA;;;SY)(A;OICIIO;GA;;;BA)(A;;FA;;;BA)(A;;0x1200a9;;;BU)(A;OICIIO;GXGR;;;BU)";
    const PROGRAM_FILES: &str = "O:S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464G:S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464D:PAI(A;;FA;;;S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464)(A;CIIO;GA;;;S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464)(A;;0x1301bf;;;SY)(A;OICIIO;GA;;;SY)(A;;0x1301bf;;;BA)(A;OICIIO;GA;;;BA)(A;;0x1200a9;;;BU)(A;OICIIO;GXGR;;;BU)(A;OICIIO;GA;;;CO)(A;;0x1200a9;;;AC)(A;OICIIO;GXGR;;;AC)";
    const SYSTEM32: &str = "O:S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464G:S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464D:PAI(A;OICIIO;GA;;;CO)(A;OICIIO;GA;;;SY)(A;;0x1301bf;;;SY)(A;OICIIO;GA;;;BA)(A;;0x1301bf;;;BA)(A;OICIIO;GXGR;;;BU)(A;;0x1200a9;;;BU)(A;CIIO;GA;;;S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464)(A;;FA;;;S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464)(A;;0x1200a9;;;AC)(A;OICIIO;GXGR;;;AC)";
    const CMD_EXE: &str = "O:S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464G:S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464D:PAI(A;;FA;;;S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464)(A;;0x1200a9;;;BA)(A;;0x1200a9;;;SY)(A;;0x1200a9;;;BU)(A;;0x1200a9;;;AC)(A;;0x1200a9;;;S-1-15-2-2)";
    /// A folder an administrator created at the top of `C:\`: it inherits "Modify" for
    /// Authenticated Users from the drive's inherit-only entry.
    const TOOLS_UNDER_C: &str = "O:BAG:S-1-5-21-1004336348-1177238915-682003330-513D:AI(A;ID;FA;;;BA)(A;OICIIOID;GA;;;BA)(A;ID;FA;;;SY)(A;OICIIOID;GA;;;SY)(A;ID;0x1301bf;;;AU)(A;OICIIOID;SDGXGWGR;;;AU)(A;ID;0x1200a9;;;BU)(A;OICIIOID;GXGR;;;BU)";
    /// A file a user created in their profile.
    const USER_FILE: &str = "O:S-1-5-21-1004336348-1177238915-682003330-1001G:S-1-5-21-1004336348-1177238915-682003330-513D:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)(A;ID;FA;;;S-1-5-21-1004336348-1177238915-682003330-1001)";

    fn d(s: &str) -> Descriptor {
        parse_sddl(s).unwrap()
    }

    #[test]
    fn real_descriptors_parse_into_owner_and_effective_entries() {
        let c = d(SYSTEM_DRIVE);
        assert_eq!(c.owner.as_deref(), Some("S-1-5-18"));
        let allows = c.allows.unwrap();
        // Inherit-only entries (CO, the AU/BA/SY templates) are not rights on C:\ itself.
        assert_eq!(allows.len(), 4, "{allows:?}");
        assert!(allows.contains(&Allow {
            sid: "S-1-5-11".into(),
            mask: 0x4
        }));
        assert!(allows.contains(&Allow {
            sid: "S-1-5-32-545".into(),
            mask: 0x12_00a9
        }));
        let pf = d(PROGRAM_FILES);
        assert_eq!(pf.owner.as_deref(), Some(TRUSTED_INSTALLER));
        assert!(pf.allows.unwrap().contains(&Allow {
            sid: TRUSTED_INSTALLER.into(),
            mask: 0x1F_01FF
        }));
        assert_eq!(
            d("O:BAD:NO_ACCESS_CONTROL").allows,
            None,
            "a NULL DACL is not an empty one"
        );
        assert_eq!(rights("SDGXGWGR").unwrap(), 0xE001_0000);
    }

    #[test]
    fn not_sddl_is_an_error_not_a_pass() {
        for bad in [
            "",
            "hello",
            "O:BAD:(A;;FA;;;SY",
            "O:BAD:(A;;QQ;;;SY)",
            "O:BAD:(A;FA)",
        ] {
            assert!(parse_sddl(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn windows_own_programs_in_windows_own_folders_pass() {
        let folders = vec![
            (PathBuf::from(r"C:\Windows\System32"), d(SYSTEM32)),
            (PathBuf::from(r"C:\Windows"), d(SYSTEM32)),
            (PathBuf::from(r"C:\"), d(SYSTEM_DRIVE)),
        ];
        assert_eq!(judge_path(true, &d(CMD_EXE), &folders), Ok(()));
        let pf = vec![
            (
                PathBuf::from(r"C:\Program Files\Deskside"),
                d(PROGRAM_FILES),
            ),
            (PathBuf::from(r"C:\Program Files"), d(PROGRAM_FILES)),
            (PathBuf::from(r"C:\"), d(SYSTEM_DRIVE)),
        ];
        assert_eq!(judge_path(true, &d(CMD_EXE), &pf), Ok(()));
        // A data drive's root lets Authenticated Users modify the root folder itself, which
        // cannot be deleted or renamed; only a folder below would matter.
        let data = vec![(PathBuf::from(r"D:\"), d(DATA_DRIVE))];
        assert_eq!(judge_path(false, &d(CMD_EXE), &data), Ok(()));
    }

    #[test]
    fn a_folder_made_at_the_top_of_c_is_refused_by_name() {
        let folders = vec![
            (PathBuf::from(r"C:\Tools"), d(TOOLS_UNDER_C)),
            (PathBuf::from(r"C:\"), d(SYSTEM_DRIVE)),
        ];
        let (at, finding) = judge_path(false, &d(CMD_EXE), &folders).unwrap_err();
        assert_eq!(at, Some(PathBuf::from(r"C:\Tools")));
        assert_eq!(finding, Finding::Writer("S-1-5-11".into()));
        assert_eq!(finding.to_string(), "Authenticated Users may change it");
    }

    #[test]
    fn a_users_file_or_an_open_acl_is_refused() {
        let e = judge(&d(USER_FILE), Place::File).unwrap_err();
        assert!(
            matches!(&e, Finding::Owner(s) if s.ends_with("-1001")),
            "{e:?}"
        );
        assert!(e.to_string().contains("not Administrators"), "{e}");
        assert_eq!(
            judge(&d("O:BAD:NO_ACCESS_CONTROL"), Place::File),
            Err(Finding::NoAcl)
        );
        // Administrators own it, but Everyone may write the data.
        assert_eq!(
            judge(&d("O:BAD:(A;;FA;;;BA)(A;;0x120116;;;WD)"), Place::File),
            Err(Finding::Writer("S-1-1-0".into()))
        );
        // Read and execute for Users is fine on a file.
        assert_eq!(
            judge(&d("O:BAD:(A;;FA;;;BA)(A;;0x1200a9;;;BU)"), Place::File),
            Ok(())
        );
        // Deny entries never make a file pass.
        assert_eq!(
            judge(&d("O:BAD:(D;;FA;;;WD)(A;;FA;;;WD)"), Place::File),
            Err(Finding::Writer("S-1-1-0".into()))
        );
    }

    #[test]
    fn adding_files_next_to_a_program_is_refused_but_not_elsewhere() {
        // Users may add files (and folders) but not delete: harmless for a folder higher
        // up, a DLL-planting hole for the folder a program runs from.
        let add_only = d("O:BAD:(A;;FA;;;BA)(A;;0x1200af;;;BU)");
        assert_eq!(judge(&add_only, Place::Folder), Ok(()));
        assert_eq!(
            judge(&add_only, Place::ProgramFolder),
            Err(Finding::Writer("S-1-5-32-545".into()))
        );
        let delete_child = d("O:BAD:(A;;FA;;;BA)(A;;DT;;;BU)");
        assert!(judge(&delete_child, Place::Folder).is_err());
        assert!(judge(&delete_child, Place::VolumeRoot).is_err());
    }
}
