//! Inputs the `png` fuzz target in `fuzz/` found, replayed under plain `cargo test`: every file
//! under `tests/fuzz_regressions/png/` must decode to a consistent picture or be refused with an
//! error. See `fuzz/README.md`.

use std::path::PathBuf;

use deskside_capture::image;

/// A 90-byte PNG whose header claims 63 229 × 4 278 648 834 pixels made `decode_rgb` allocate
/// 270 TB and abort the process; it is now refused before any allocation.
#[test]
fn png_with_a_huge_declared_size_is_refused_not_allocated() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions/png");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        match image::decode_rgb(&data) {
            Ok((w, h, rgb)) => assert_eq!(rgb.len(), w as usize * h as usize * 3, "{path:?}"),
            Err(e) if path.ends_with("huge-declared-size") => {
                assert!(e.to_string().contains("too large"), "{e}");
            }
            // A 7-byte PLTE chunk made the png crate panic (index out of range) while expanding
            // the palette; it is now refused before decoding.
            Err(e) if path.ends_with("palette-not-a-multiple-of-three") => {
                assert!(e.to_string().contains("palette"), "{e}");
            }
            Err(_) => {}
        }
        seen += 1;
    }
    assert!(seen > 0, "no inputs in {}", dir.display());
    assert!(image::decode_rgb(&std::fs::read(dir.join("huge-declared-size")).unwrap()).is_err());
    let palette = std::fs::read(dir.join("palette-not-a-multiple-of-three")).unwrap();
    assert!(matches!(
        image::decode_rgb(&palette),
        Err(image::ImageError::Palette { len: 7 })
    ));
}
