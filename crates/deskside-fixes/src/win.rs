//! The Win32 calls of this crate, thin and `unsafe`-commented: the owner SID of a file, the
//! SIDs this process's token owns files as, and whether the token is elevated. The decisions
//! on these facts are pure functions elsewhere (`files::may_touch`), tested on every OS.

use std::os::windows::fs::OpenOptionsExt;
use std::os::windows::io::AsRawHandle;
use std::path::Path;

use windows_sys::Win32::Foundation::{CloseHandle, HANDLE, LocalFree};
use windows_sys::Win32::Security::Authorization::{
    ConvertSidToStringSidW, GetSecurityInfo, SE_FILE_OBJECT,
};
use windows_sys::Win32::Security::{
    GetTokenInformation, OWNER_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR, PSID, TOKEN_ELEVATION,
    TOKEN_OWNER, TOKEN_QUERY, TOKEN_USER, TokenElevation, TokenOwner, TokenUser,
};
use windows_sys::Win32::Storage::FileSystem::{
    FILE_FLAG_BACKUP_SEMANTICS, FILE_FLAG_OPEN_REPARSE_POINT, READ_CONTROL,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

/// `S-1-…` text of a SID, or `None`.
fn sid_text(sid: PSID) -> Option<String> {
    if sid.is_null() {
        return None;
    }
    let mut text: *mut u16 = std::ptr::null_mut();
    // SAFETY: `sid` is a valid SID owned by the caller's buffer; on success `text` is a
    // NUL-terminated string allocated with LocalAlloc, freed below.
    if unsafe { ConvertSidToStringSidW(sid, &raw mut text) } == 0 || text.is_null() {
        return None;
    }
    let mut len = 0_usize;
    // SAFETY: `text` is NUL-terminated (the API's contract).
    while unsafe { *text.add(len) } != 0 {
        len += 1;
    }
    // SAFETY: `len` u16s were just read from `text`.
    let out = String::from_utf16(unsafe { std::slice::from_raw_parts(text, len) }).ok();
    // SAFETY: allocated by ConvertSidToStringSidW with LocalAlloc.
    unsafe { LocalFree(text.cast()) };
    out
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
