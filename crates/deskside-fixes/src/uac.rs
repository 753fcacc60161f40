//! Windows: start the privileged helper through the UAC consent prompt and read its one JSON
//! answer from a named pipe (a process started with `ShellExecuteExW("runas")` has no stdout
//! its starter can read). Thin and `unsafe`-commented; the pipe name, the argument string
//! and what an outcome means are pure functions in [`crate::elevate`], tested on every OS.
//!
//! The pipe: inbound, the first and only instance of its 128-bit random name, remote
//! clients rejected, default security (this user, SYSTEM and Administrators). Whoever else
//! connects first can at worst make the app show a wrong result; the helper refuses to write
//! anywhere but a pipe of this shape.

use std::fs::File;
use std::io::Read as _;
use std::os::windows::io::{AsRawHandle as _, FromRawHandle as _, RawHandle};
use std::time::Duration;

use windows_sys::Win32::Foundation::{
    CloseHandle, ERROR_CANCELLED, ERROR_PIPE_CONNECTED, GetLastError, HANDLE, INVALID_HANDLE_VALUE,
    WAIT_TIMEOUT,
};
use windows_sys::Win32::Storage::FileSystem::{FILE_FLAG_FIRST_PIPE_INSTANCE, PIPE_ACCESS_INBOUND};
use windows_sys::Win32::System::Pipes::{
    ConnectNamedPipe, CreateNamedPipeW, PIPE_READMODE_BYTE, PIPE_REJECT_REMOTE_CLIENTS,
    PIPE_TYPE_BYTE, PIPE_WAIT,
};
use windows_sys::Win32::System::Threading::{GetExitCodeProcess, WaitForSingleObject};
use windows_sys::Win32::UI::Shell::{
    SEE_MASK_FLAG_NO_UI, SEE_MASK_NOASYNC, SEE_MASK_NOCLOSEPROCESS, SHELLEXECUTEINFOW,
    ShellExecuteExW,
};
use windows_sys::Win32::UI::WindowsAndMessaging::SW_HIDE;

use crate::elevate::UacOutcome;

/// The most of an answer read (a plan's steps with their output are far smaller).
const MAX_ANSWER: u64 = 4 << 20;

fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(std::iter::once(0)).collect()
}

/// Start `file` with `parameters` through `verb` (`runas`: the consent prompt), wait up to
/// `timeout`, and read what it wrote to the pipe `pipe`.
pub(crate) fn run(
    verb: &str,
    file: &str,
    parameters: &str,
    pipe: &str,
    timeout: Duration,
) -> UacOutcome {
    let pipe_w = wide(pipe);
    // SAFETY: a NUL-terminated name; no security attributes (the default descriptor).
    let handle = unsafe {
        CreateNamedPipeW(
            pipe_w.as_ptr(),
            PIPE_ACCESS_INBOUND | FILE_FLAG_FIRST_PIPE_INSTANCE,
            PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
            1,
            0,
            64 * 1024,
            0,
            std::ptr::null(),
        )
    };
    if handle == INVALID_HANDLE_VALUE || handle.is_null() {
        return UacOutcome::NotStarted(std::io::Error::last_os_error());
    }
    // SAFETY: a new handle nobody else owns; the File closes it.
    let server = unsafe { File::from_raw_handle(handle as RawHandle) };
    let reader = std::thread::spawn(move || {
        // SAFETY: a live pipe handle owned by `server`; synchronous (no OVERLAPPED).
        let ok =
            unsafe { ConnectNamedPipe(server.as_raw_handle() as HANDLE, std::ptr::null_mut()) };
        // SAFETY: reads this thread's last error, right after the call.
        if ok == 0 && unsafe { GetLastError() } != ERROR_PIPE_CONNECTED {
            return Vec::new();
        }
        let mut buf = Vec::new();
        // std reads a closed pipe (ERROR_BROKEN_PIPE) as the end of the data.
        let _ = (&server).take(MAX_ANSWER).read_to_end(&mut buf);
        buf
    });

    let (verb_w, file_w, params_w) = (wide(verb), wide(file), wide(parameters));
    let mut info = SHELLEXECUTEINFOW {
        cbSize: u32::try_from(std::mem::size_of::<SHELLEXECUTEINFOW>()).unwrap_or(0),
        fMask: SEE_MASK_NOCLOSEPROCESS | SEE_MASK_NOASYNC | SEE_MASK_FLAG_NO_UI,
        lpVerb: verb_w.as_ptr(),
        lpFile: file_w.as_ptr(),
        lpParameters: params_w.as_ptr(),
        nShow: SW_HIDE,
        ..Default::default()
    };
    // SAFETY: `info` is a filled SHELLEXECUTEINFOW whose strings outlive the call.
    let started = unsafe { ShellExecuteExW(&raw mut info) } != 0;
    let outcome = if !started {
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() == i32::try_from(ERROR_CANCELLED).ok() {
            UacOutcome::Cancelled
        } else {
            UacOutcome::NotStarted(e)
        }
    } else if info.hProcess.is_null() {
        UacOutcome::NotStarted(std::io::Error::other("no process was started"))
    } else {
        let ms = u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX - 1);
        // SAFETY: the process handle SEE_MASK_NOCLOSEPROCESS asked for, closed below.
        let waited = unsafe { WaitForSingleObject(info.hProcess, ms) };
        let mut code = 0_u32;
        // SAFETY: as above; out-pointer to a local.
        let got = unsafe { GetExitCodeProcess(info.hProcess, &raw mut code) } != 0;
        // SAFETY: closed once, not used again.
        unsafe { CloseHandle(info.hProcess) };
        if waited == WAIT_TIMEOUT || !got {
            UacOutcome::TimedOut
        } else {
            UacOutcome::Exited {
                code,
                answer: String::new(),
            }
        }
    };
    // A helper that never connected leaves the reader waiting: connect and hang up ourselves
    // (this fails harmlessly when the helper did connect).
    drop(std::fs::OpenOptions::new().write(true).open(pipe));
    match outcome {
        UacOutcome::Exited { code, .. } => {
            let buf = reader.join().unwrap_or_default();
            UacOutcome::Exited {
                code,
                answer: String::from_utf8_lossy(&buf).into_owned(),
            }
        }
        // A helper still running may hold the pipe open: the reader ends when it does.
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elevate::{answer_pipe_name, uac_answer};

    fn pipe() -> String {
        let mut r = [0_u8; 16];
        getrandom::fill(&mut r).unwrap();
        answer_pipe_name(r)
    }

    /// The whole path but the prompt itself: a program started by ShellExecuteExW writes to
    /// the pipe and its answer and exit code come back (`cmd.exe` stands in for the helper).
    #[test]
    fn the_answer_comes_back_through_the_pipe() {
        let p = pipe();
        let params = format!("/c echo {{\"ok\":true}}> {p} & exit 3");
        let out = run("runas", "cmd.exe", &params, &p, Duration::from_secs(60));
        let UacOutcome::Exited { code, answer } = out else {
            panic!("{out:?}");
        };
        assert_eq!(code, 3);
        assert_eq!(
            uac_answer(UacOutcome::Exited { code, answer }).unwrap(),
            serde_json::json!({"ok": true})
        );
    }

    /// A helper that exits without answering does not hang the app.
    #[test]
    fn a_helper_that_never_answers_gives_a_reason_not_a_hang() {
        let p = pipe();
        let out = run("runas", "cmd.exe", "/c exit 2", &p, Duration::from_secs(60));
        let UacOutcome::Exited { code: 2, answer } = &out else {
            panic!("{out:?}");
        };
        assert!(answer.is_empty());
        let e = uac_answer(out).unwrap_err();
        assert!(e.to_string().contains("exit code 2"), "{e}");
    }
}
