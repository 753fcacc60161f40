//! A real capture: a private Xvfb (320x200, depth 24), its root painted one colour and a
//! yellow window mapped at a known place, then [`deskside_capture::capture`] through the X11
//! path; the PNG must decode to the same size with each colour where it was drawn. Skips
//! (with a message) without Xvfb, unless `DESKSIDE_E2E_REQUIRED=1`.

#![expect(clippy::unwrap_used, reason = "tests: a panic is the failure report")]
#![expect(clippy::print_stderr, reason = "tests report skips")]
#![expect(
    clippy::disallowed_methods,
    reason = "the test starts its own X server"
)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use deskside_capture::{Desktop, Os, image};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{
    ChangeWindowAttributesAux, ConnectionExt, CreateWindowAux, WindowClass,
};

struct Xvfb {
    display: String,
    /// The first connection, kept open: an X server resets itself when its last client
    /// leaves, and a connection made during that reset is dropped ("failed to read whole
    /// buffer"). `-noreset` says the same; the open connection makes sure of it.
    conn: x11rb::rust_connection::RustConnection,
    screen_num: usize,
    /// Last field, so the connection closes before the server is killed.
    _server: KillOnDrop,
}

/// The server process, killed when dropped (also if the start-up wait panics).
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_xvfb() -> Option<Xvfb> {
    if Command::new("Xvfb")
        .arg("-help")
        .stderr(Stdio::null())
        .status()
        .is_err()
    {
        assert!(
            std::env::var("DESKSIDE_E2E_REQUIRED").as_deref() != Ok("1"),
            "Xvfb is not installed (DESKSIDE_E2E_REQUIRED=1; run scripts/bootstrap.sh)"
        );
        eprintln!("skipping: Xvfb is not installed");
        return None;
    }
    let n = (140..240)
        .find(|n| {
            !Path::new(&format!("/tmp/.X{n}-lock")).exists()
                && !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
        })
        .unwrap();
    let display = format!(":{n}");
    let child = Command::new("Xvfb")
        .args([
            display.as_str(),
            "-screen",
            "0",
            "320x200x24",
            "-nolisten",
            "tcp",
            "-noreset",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = KillOnDrop(child);
    let started = Instant::now();
    let (conn, screen_num) = loop {
        if let Ok(connected) = x11rb::connect(Some(&display)) {
            break connected;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "Xvfb did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    Some(Xvfb {
        display,
        conn,
        screen_num,
        _server: server,
    })
}

const ROOT: u32 = 0x0033_6699;
const YELLOW: u32 = 0x00ff_ff00;

#[tokio::test]
async fn the_root_window_and_a_mapped_window_are_captured_with_their_colours() {
    let Some(xvfb) = start_xvfb() else {
        return;
    };
    let conn = &xvfb.conn;
    let screen = &conn.setup().roots[xvfb.screen_num];
    let root = screen.root;
    conn.change_window_attributes(
        root,
        &ChangeWindowAttributesAux::new().background_pixel(ROOT),
    )
    .unwrap();
    conn.clear_area(false, root, 0, 0, 0, 0).unwrap();
    let win = conn.generate_id().unwrap();
    conn.create_window(
        screen.root_depth,
        win,
        root,
        10,
        20,
        50,
        40,
        0,
        WindowClass::INPUT_OUTPUT,
        screen.root_visual,
        &CreateWindowAux::new().background_pixel(YELLOW),
    )
    .unwrap();
    conn.map_window(win).unwrap();
    conn.flush().unwrap();
    conn.get_input_focus().unwrap().reply().unwrap();

    let desktop = Desktop {
        os: Os::Linux,
        x11_display: Some(xvfb.display.clone()),
        wayland_display: None,
    };
    let shot = deskside_capture::capture(&desktop).await.unwrap();
    assert_eq!(shot.method, "X11");
    assert_eq!((shot.width, shot.height), (320, 200));
    assert!(!shot.scaled);
    let (w, h, rgb) = image::decode_rgb(&shot.png).unwrap();
    assert_eq!((w, h), (320, 200));
    let at = |x: usize, y: usize| {
        let i = (y * 320 + x) * 3;
        [rgb[i], rgb[i + 1], rgb[i + 2]]
    };
    assert_eq!(at(30, 40), [0xff, 0xff, 0x00], "inside the window");
    assert_eq!(at(9, 40), [0x33, 0x66, 0x99], "left of the window");
    assert_eq!(at(300, 190), [0x33, 0x66, 0x99], "the root");
    assert_eq!(at(59, 59), [0xff, 0xff, 0x00], "the window's last pixel");
    assert_eq!(at(60, 60), [0x33, 0x66, 0x99], "just past the window");
}

#[tokio::test]
async fn a_display_that_is_not_there_is_unavailable() {
    let desktop = Desktop {
        os: Os::Linux,
        x11_display: Some(":239".to_owned()),
        wayland_display: None,
    };
    if Path::new("/tmp/.X11-unix/X239").exists() {
        return;
    }
    let err = deskside_capture::capture(&desktop).await.unwrap_err();
    assert_eq!(err.code(), "unavailable");
    assert!(err.to_string().contains(":239"), "{err}");
}
