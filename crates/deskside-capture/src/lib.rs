//! Screenshots for tickets: what the user sees when something is wrong, taken at their request
//! (the tray hides its own window first) and shown to them before anything is sent.
//!
//! How a screen is captured depends on the desktop, so it is a pure [`plan`] from a
//! [`Desktop`] description (compiled and tested on every OS) followed by a thin run:
//! - X11 (Linux, and any desktop with `DISPLAY` but no Wayland): in process over the X protocol
//!   (`x11rb`, no C library): the root window's pixels, converted by [`x11::zpixmap_to_rgb`];
//! - Wayland: a capture tool of the desktop, the first one installed: `grim` (wlroots),
//!   `gnome-screenshot`, `spectacle` (KDE);
//! - macOS: `screencapture -x` (the system tool; macOS asks the user once for the
//!   screen-recording permission);
//! - Windows: PowerShell with `System.Drawing` copying the virtual screen.
//!
//! Tools write to a file in a private temporary directory; the result is checked to be a PNG
//! and its size read from its header. A capture larger than [`MAX_PNG_BYTES`] is halved
//! ([`shrink`]) until it fits. Nothing is stored: the PNG goes back to the caller.

use std::path::{Path, PathBuf};
use std::time::Duration;

use deskside_exec::{Cmd, ExecError};
pub use deskside_platform::Os;

pub mod image;
pub mod x11;

/// Largest PNG returned; a larger capture is scaled down. Tickets have their own cap too.
pub const MAX_PNG_BYTES: usize = 4 * 1024 * 1024;

/// How long a capture tool may run.
const TOOL_TIMEOUT: Duration = Duration::from_secs(20);

/// The environment variable the Windows script reads the output path from (the path is never
/// spliced into the script text).
pub const WINDOWS_FILE_VAR: &str = "DESKSIDE_CAPTURE_FILE";

/// The PowerShell script for Windows: the whole virtual screen (every monitor) into a PNG.
pub const WINDOWS_SCRIPT: &str = "$ErrorActionPreference = 'Stop'; \
Add-Type -AssemblyName System.Windows.Forms, System.Drawing; \
$b = [System.Windows.Forms.SystemInformation]::VirtualScreen; \
$bmp = New-Object System.Drawing.Bitmap $b.Width, $b.Height; \
$g = [System.Drawing.Graphics]::FromImage($bmp); \
$g.CopyFromScreen($b.Left, $b.Top, 0, 0, $bmp.Size); \
$bmp.Save($env:DESKSIDE_CAPTURE_FILE, [System.Drawing.Imaging.ImageFormat]::Png); \
$g.Dispose(); $bmp.Dispose()";

/// What decides how to capture: the OS and the display environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desktop {
    /// The operating system.
    pub os: Os,
    /// `DISPLAY` (X11), if set.
    pub x11_display: Option<String>,
    /// `WAYLAND_DISPLAY`, if set.
    pub wayland_display: Option<String>,
}

impl Desktop {
    /// This machine's desktop, from the build target and the environment.
    #[must_use]
    pub fn from_env() -> Option<Self> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Some(Self {
            os: Os::supported()?,
            x11_display: var("DISPLAY"),
            wayland_display: var("WAYLAND_DISPLAY"),
        })
    }
}

/// One way to capture the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// The root window of this X display, in process.
    X11 {
        /// The display name (`:0`).
        display: String,
    },
    /// A program writing a PNG to `file`.
    Tool {
        /// The program.
        program: &'static str,
        /// Its arguments (the output file included where the tool takes it as one).
        args: Vec<String>,
        /// Extra environment (the Windows script's output path).
        env: Vec<(&'static str, String)>,
    },
}

impl Method {
    /// A short name for logs and errors.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Self::X11 { .. } => "X11",
            Self::Tool { program, .. } => program,
        }
    }
}

/// The ways to try, in order, writing tool output to `file`. Empty when this desktop has no
/// screen Deskside can capture (no display at all).
#[must_use]
pub fn plan(desktop: &Desktop, file: &Path) -> Vec<Method> {
    let out = file.to_string_lossy().into_owned();
    let tool = |program: &'static str, args: &[&str]| Method::Tool {
        program,
        args: args
            .iter()
            .map(|a| {
                if *a == "{file}" {
                    out.clone()
                } else {
                    (*a).to_owned()
                }
            })
            .collect(),
        env: Vec::new(),
    };
    match desktop.os {
        Os::Macos => vec![tool("screencapture", &["-x", "-t", "png", "{file}"])],
        Os::Windows => vec![Method::Tool {
            program: "powershell.exe",
            args: [
                "-NoProfile",
                "-NonInteractive",
                "-ExecutionPolicy",
                "Bypass",
                "-Command",
                WINDOWS_SCRIPT,
            ]
            .map(str::to_owned)
            .to_vec(),
            env: vec![(WINDOWS_FILE_VAR, out.clone())],
        }],
        Os::Linux => {
            let mut ways = Vec::new();
            if desktop.wayland_display.is_some() {
                // A Wayland compositor does not let X clients see other windows (XWayland's
                // root window is black), so its own tools come first.
                ways.push(tool("grim", &["{file}"]));
                ways.push(tool("gnome-screenshot", &["-f", "{file}"]));
                ways.push(tool("spectacle", &["-b", "-n", "-f", "-o", "{file}"]));
            } else if let Some(display) = &desktop.x11_display {
                ways.push(Method::X11 {
                    display: display.clone(),
                });
            }
            ways
        }
    }
}

/// A screenshot.
#[derive(Clone, PartialEq, Eq)]
pub struct Capture {
    /// The PNG bytes.
    pub png: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// How it was taken ([`Method::name`]).
    pub method: String,
    /// Whether it was scaled down to fit [`MAX_PNG_BYTES`].
    pub scaled: bool,
}

impl std::fmt::Debug for Capture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Capture")
            .field("png_bytes", &self.png.len())
            .field("width", &self.width)
            .field("height", &self.height)
            .field("method", &self.method)
            .field("scaled", &self.scaled)
            .finish()
    }
}

/// Why no screenshot was taken.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// Nothing here can capture this desktop (no display, no tool installed).
    #[error(
        "Deskside cannot take a screenshot on this desktop ({0}); take one with your usual tool and choose the image"
    )]
    Unavailable(String),
    /// A capture was tried and failed.
    #[error("the screenshot failed ({0}); take one with your usual tool and choose the image")]
    Failed(String),
}

impl CaptureError {
    /// The stable code (`capture.<code>` across IPC).
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Unavailable(_) => "unavailable",
            Self::Failed(_) => "failed",
        }
    }
}

/// Captures the whole screen of `desktop`: each planned method in turn until one works.
///
/// # Errors
/// [`CaptureError::Unavailable`] when no method applies or none is installed,
/// [`CaptureError::Failed`] with the last method's problem otherwise.
pub async fn capture(desktop: &Desktop) -> Result<Capture, CaptureError> {
    let dir = tempfile::Builder::new()
        .prefix("deskside-capture-")
        .tempdir()
        .map_err(|e| CaptureError::Failed(format!("cannot make a temporary directory: {e}")))?;
    let file = dir.path().join("screen.png");
    let methods = plan(desktop, &file);
    if methods.is_empty() {
        return Err(CaptureError::Unavailable("no display found".to_owned()));
    }
    let mut missing = Vec::new();
    let mut failure = None;
    for method in &methods {
        let taken: Encoded = match method {
            Method::X11 { display } => {
                let display = display.clone();
                match tokio::task::spawn_blocking(move || x11::capture_root(&display)).await {
                    Ok(Ok((w, h, rgb))) => image::encode_fitting(w, h, rgb, MAX_PNG_BYTES),
                    Ok(Err(e)) => Err(e),
                    Err(e) => Err(CaptureError::Failed(e.to_string())),
                }
            }
            Method::Tool { .. } => run_tool(method, &file).await,
        };
        match taken {
            Ok((png, width, height, scaled)) => {
                tracing::info!(
                    method = method.name(),
                    width,
                    height,
                    bytes = png.len(),
                    scaled,
                    "screenshot taken"
                );
                return Ok(Capture {
                    png,
                    width,
                    height,
                    method: method.name().to_owned(),
                    scaled,
                });
            }
            Err(e) => {
                tracing::warn!(method = method.name(), "screenshot method failed: {e}");
                match e {
                    CaptureError::Unavailable(what) => missing.push(what),
                    CaptureError::Failed(what) => failure = Some(what),
                }
            }
        }
    }
    Err(match failure {
        Some(what) => CaptureError::Failed(what),
        None => CaptureError::Unavailable(missing.join("; ")),
    })
}

type Encoded = Result<(Vec<u8>, u32, u32, bool), CaptureError>;

/// Runs a capture tool and reads the PNG it wrote (scaled down when too large).
async fn run_tool(method: &Method, file: &Path) -> Encoded {
    let Method::Tool { program, args, env } = method else {
        return Err(CaptureError::Failed("not a tool".to_owned()));
    };
    let _ = std::fs::remove_file(file);
    let mut cmd = Cmd::new(*program).args(args).timeout(TOOL_TIMEOUT);
    for (k, v) in env {
        cmd = cmd.env(*k, v);
    }
    let out = deskside_exec::run(&cmd).await.map_err(|e| match e {
        ExecError::NotFound { program } => {
            CaptureError::Unavailable(format!("`{program}` is not installed"))
        }
        other => CaptureError::Failed(other.to_string()),
    })?;
    if out.code != Some(0) {
        let said = out
            .stderr
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no message");
        return Err(CaptureError::Failed(format!(
            "`{program}` ended with {:?}: {said}",
            out.code
        )));
    }
    let png = read_png(file)?;
    let (width, height) = image::png_size(&png)
        .ok_or_else(|| CaptureError::Failed(format!("`{program}` did not write a PNG")))?;
    if png.len() <= MAX_PNG_BYTES {
        return Ok((png, width, height, false));
    }
    let (w, h, rgb) = image::decode_rgb(&png)
        .map_err(|e| CaptureError::Failed(format!("cannot read `{program}`'s PNG: {e}")))?;
    image::encode_fitting(w, h, rgb, MAX_PNG_BYTES)
}

fn read_png(file: &Path) -> Result<Vec<u8>, CaptureError> {
    std::fs::read(file).map_err(|e| {
        CaptureError::Failed(format!(
            "no image at {}: {e}",
            PathBuf::from(file).display()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linux(x11: Option<&str>, wayland: Option<&str>) -> Desktop {
        Desktop {
            os: Os::Linux,
            x11_display: x11.map(str::to_owned),
            wayland_display: wayland.map(str::to_owned),
        }
    }

    fn argv(m: &Method) -> Vec<String> {
        match m {
            Method::X11 { display } => vec![format!("x11 {display}")],
            Method::Tool { program, args, .. } => std::iter::once((*program).to_owned())
                .chain(args.iter().cloned())
                .collect(),
        }
    }

    #[test]
    fn x11_is_captured_in_process() {
        let p = plan(&linux(Some(":0"), None), Path::new("/t/s.png"));
        assert_eq!(
            p,
            [Method::X11 {
                display: ":0".to_owned()
            }]
        );
    }

    #[test]
    fn wayland_uses_the_desktops_tools_in_order_even_with_xwayland() {
        let p = plan(&linux(Some(":0"), Some("wayland-0")), Path::new("/t/s.png"));
        let all: Vec<Vec<String>> = p.iter().map(argv).collect();
        assert_eq!(
            all,
            [
                vec!["grim", "/t/s.png"],
                vec!["gnome-screenshot", "-f", "/t/s.png"],
                vec!["spectacle", "-b", "-n", "-f", "-o", "/t/s.png"],
            ]
        );
    }

    #[test]
    fn no_display_means_no_plan() {
        assert!(plan(&linux(None, None), Path::new("/t/s.png")).is_empty());
    }

    #[test]
    fn macos_uses_screencapture_silently() {
        let d = Desktop {
            os: Os::Macos,
            x11_display: None,
            wayland_display: None,
        };
        let p = plan(&d, Path::new("/private/tmp/x y/s.png"));
        assert_eq!(
            argv(&p[0]),
            ["screencapture", "-x", "-t", "png", "/private/tmp/x y/s.png"]
        );
    }

    #[test]
    fn windows_passes_the_path_through_the_environment_not_the_script() {
        let d = Desktop {
            os: Os::Windows,
            x11_display: None,
            wayland_display: None,
        };
        let file = Path::new(r"C:\Users\a'b\AppData\Local\Temp\s.png");
        let p = plan(&d, file);
        let Method::Tool { program, args, env } = &p[0] else {
            panic!("{p:?}")
        };
        assert_eq!(*program, "powershell.exe");
        assert_eq!(
            args[..5],
            [
                "-NoProfile",
                "-NonInteractive",
                "-ExecutionPolicy",
                "Bypass",
                "-Command"
            ]
        );
        assert_eq!(args[5], WINDOWS_SCRIPT);
        assert!(!WINDOWS_SCRIPT.contains("a'b"));
        assert!(WINDOWS_SCRIPT.contains("$env:DESKSIDE_CAPTURE_FILE"));
        assert_eq!(
            env,
            &[(WINDOWS_FILE_VAR, file.to_string_lossy().into_owned())]
        );
    }

    #[tokio::test]
    async fn a_missing_tool_is_unavailable_and_names_what_was_tried() {
        let file = tempfile::tempdir().unwrap();
        let m = Method::Tool {
            program: "deskside-no-such-capture-tool",
            args: vec![],
            env: vec![],
        };
        let err = run_tool(&m, &file.path().join("s.png")).await.unwrap_err();
        assert_eq!(err.code(), "unavailable");
        assert!(
            err.to_string().contains("deskside-no-such-capture-tool"),
            "{err}"
        );
    }

    /// Unix: the stand-in tools are `true` and `cp` (the Windows capture is PowerShell, which
    /// Wine does not have).
    #[cfg(unix)]
    #[tokio::test]
    async fn a_tool_that_writes_no_png_fails_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.png");
        let m = Method::Tool {
            program: "true",
            args: vec![],
            env: vec![],
        };
        let err = run_tool(&m, &file).await.unwrap_err();
        assert_eq!(err.code(), "failed");
        assert!(err.to_string().contains("no image"), "{err}");
        let m = Method::Tool {
            program: "cp",
            args: vec![
                "/etc/hostname".to_owned(),
                file.to_string_lossy().into_owned(),
            ],
            env: vec![],
        };
        let err = run_tool(&m, &file).await.unwrap_err();
        assert!(err.to_string().contains("did not write a PNG"), "{err}");
    }
}
