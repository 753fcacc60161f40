//! The Win32 calls of this crate, thin and `unsafe`-commented: the owner SID of a file, its
//! security descriptor as SDDL text, the SIDs this process's token owns files as, and whether
//! the token is elevated. The decisions on these facts are pure functions elsewhere
//! (`files::may_touch`, `acl::judge_path`), tested on every OS.

use std::os::windows::fs::OpenOptionsExt;
use std::os::windows::io::AsRawHandle;
use std::path::Path;

use windows_sys::Win32::Foundation::{CloseHandle, HANDLE, LocalFree};
use windows_sys::Win32::Security::Authorization::{
    ConvertSecurityDescriptorToStringSecurityDescriptorW, ConvertSidToStringSidW, GetSecurityInfo,
    SDDL_REVISION_1, SE_FILE_OBJECT,
};
use windows_sys::Win32::Security::{
    DACL_SECURITY_INFORMATION, GetTokenInformation, OWNER_SECURITY_INFORMATION,
    PSECURITY_DESCRIPTOR, PSID, TOKEN_ELEVATION, TOKEN_OWNER, TOKEN_QUERY, TOKEN_USER,
    TokenElevation, TokenOwner, TokenUser,
};
use windows_sys::Win32::Storage::FileSystem::{
    FILE_FLAG_BACKUP_SEMANTICS, FILE_FLAG_OPEN_REPARSE_POINT, READ_CONTROL,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

/// Text of a NUL-terminated UTF-16 string allocated with `LocalAlloc`, which is freed.
///
/// # Safety
/// `text` is null or a NUL-terminated string the caller owns and will not use again.
unsafe fn take_local_wide(text: *mut u16) -> Option<String> {
    if text.is_null() {
        return None;
    }
    let mut len = 0_usize;
    // SAFETY: `text` is NUL-terminated (the caller's contract).
    while unsafe { *text.add(len) } != 0 {
        len += 1;
    }
    // SAFETY: `len` u16s were just read from `text`.
    let out = String::from_utf16(unsafe { std::slice::from_raw_parts(text, len) }).ok();
    // SAFETY: allocated with LocalAlloc (the caller's contract), freed once.
    unsafe { LocalFree(text.cast()) };
    out
}

/// The owner and DACL of `path` as SDDL text (`O:…D:…`), read through a handle opened with
/// only `READ_CONTROL`. `follow`: a final link or junction is followed (folders above a
/// file, judged by what they lead to) or not (the file itself).
pub(crate) fn sddl_of(path: &Path, follow: bool) -> std::io::Result<String> {
    let flags = if follow {
        FILE_FLAG_BACKUP_SEMANTICS
    } else {
        FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT
    };
    let file = std::fs::OpenOptions::new()
        .access_mode(READ_CONTROL)
        .custom_flags(flags)
        .open(path)?;
    let info = OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION;
    let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
    // SAFETY: a live handle; the owner/DACL out-pointers are not wanted (null), `sd` is an
    // out-pointer to a local, freed below.
    let rc = unsafe {
        GetSecurityInfo(
            file.as_raw_handle() as HANDLE,
            SE_FILE_OBJECT,
            info,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &raw mut sd,
        )
    };
    if rc != 0 {
        return Err(std::io::Error::from_raw_os_error(rc as i32));
    }
    let mut text: *mut u16 = std::ptr::null_mut();
    // SAFETY: `sd` is the descriptor GetSecurityInfo returned; `text` receives a LocalAlloc'd
    // NUL-terminated string (length not wanted).
    let ok = unsafe {
        ConvertSecurityDescriptorToStringSecurityDescriptorW(
            sd,
            SDDL_REVISION_1,
            info,
            &raw mut text,
            std::ptr::null_mut(),
        )
    };
    let err = std::io::Error::last_os_error();
    // SAFETY: allocated by GetSecurityInfo with LocalAlloc, freed once.
    unsafe { LocalFree(sd) };
    if ok == 0 {
        return Err(err);
    }
    // SAFETY: the string the conversion allocated, not used again.
    unsafe { take_local_wide(text) }
        .ok_or_else(|| std::io::Error::other("the security descriptor is not valid text"))
}

/// `S-1-…` text of a SID, or `None`.
fn sid_text(sid: PSID) -> Option<String> {
    if sid.is_null() {
        return None;
    }
    let mut text: *mut u16 = std::ptr::null_mut();
    // SAFETY: `sid` is a valid SID owned by the caller's buffer; on success `text` is a
    // NUL-terminated string allocated with LocalAlloc, freed below.
    if unsafe { ConvertSidToStringSidW(sid, &raw mut text) } == 0 {
        return None;
    }
    // SAFETY: allocated by ConvertSidToStringSidW with LocalAlloc, not used again.
    unsafe { take_local_wide(text) }
}

/// The owner of `path` itself: opened with `FILE_FLAG_OPEN_REPARSE_POINT` (a link or
/// junction is not followed) and only `READ_CONTROL` access.
pub(crate) fn owner_of(path: &Path) -> Option<String> {
    let file = std::fs::OpenOptions::new()
        .access_mode(READ_CONTROL)
        .custom_flags(FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT)
        .open(path)
        .ok()?;
    let mut owner: PSID = std::ptr::null_mut();
    let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
    // SAFETY: a live handle; out-pointers to locals; `owner` points into `sd`, which is
    // freed after the owner was converted to text.
    let rc = unsafe {
        GetSecurityInfo(
            file.as_raw_handle() as HANDLE,
            SE_FILE_OBJECT,
            OWNER_SECURITY_INFORMATION,
            &raw mut owner,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &raw mut sd,
        )
    };
    if rc != 0 {
        return None;
    }
    let text = sid_text(owner);
    // SAFETY: allocated by GetSecurityInfo with LocalAlloc.
    unsafe { LocalFree(sd) };
    text
}

/// One record (`TokenUser`, `TokenOwner`, `TokenElevation`) of a token, as u64-aligned bytes.
fn token_info(token: HANDLE, class: i32) -> Option<Vec<u64>> {
    let mut need = 0_u32;
    // SAFETY: a size query with no buffer.
    unsafe { GetTokenInformation(token, class, std::ptr::null_mut(), 0, &raw mut need) };
    if need == 0 {
        return None;
    }
    let mut buf = vec![0_u64; (need as usize).div_ceil(8)];
    // SAFETY: `buf` holds at least `need` bytes.
    let ok =
        unsafe { GetTokenInformation(token, class, buf.as_mut_ptr().cast(), need, &raw mut need) };
    (ok != 0).then_some(buf)
}

/// This process's token, closed on drop.
struct Token(HANDLE);

impl Token {
    fn open() -> Option<Self> {
        let mut token: HANDLE = std::ptr::null_mut();
        // SAFETY: the pseudo handle of this process; out-pointer to a local.
        (unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &raw mut token) } != 0)
            .then_some(Self(token))
    }
}

impl Drop for Token {
    fn drop(&mut self) {
        // SAFETY: opened by `Token::open`, closed once.
        unsafe { CloseHandle(self.0) };
    }
}

/// Whether the process token is elevated (an administrator past UAC, or SYSTEM).
pub(crate) fn is_elevated() -> bool {
    let Some(token) = Token::open() else {
        return false;
    };
    token_info(token.0, TokenElevation).is_some_and(|buf| {
        // SAFETY: GetTokenInformation(TokenElevation) filled a TOKEN_ELEVATION at the start of
        // the u64-aligned buffer.
        unsafe { (*buf.as_ptr().cast::<TOKEN_ELEVATION>()).TokenIsElevated != 0 }
    })
}

/// The SIDs of the token's user and default owner (deduplicated).
pub(crate) fn token_owners() -> Vec<String> {
    let Some(token) = Token::open() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(buf) = token_info(token.0, TokenUser) {
        // SAFETY: GetTokenInformation(TokenUser) fills a TOKEN_USER at the start of the
        // u64-aligned buffer; its SID points into the same buffer, alive here.
        let sid = unsafe { (*buf.as_ptr().cast::<TOKEN_USER>()).User.Sid };
        out.extend(sid_text(sid));
    }
    if let Some(buf) = token_info(token.0, TokenOwner) {
        // SAFETY: as above, a TOKEN_OWNER.
        let sid = unsafe { (*buf.as_ptr().cast::<TOKEN_OWNER>()).Owner };
        out.extend(sid_text(sid));
    }
    out.dedup();
    out
}
