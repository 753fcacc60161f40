//! Screenshot PNGs from a capture tool: the bundle's metadata stripping (`deskside-evidence`)
//! and the decoder and halving of `deskside-capture`. Stripping must be idempotent and leave no
//! text, EXIF or time chunk behind. None may panic.
#![no_main]

use deskside_capture::image;
use deskside_evidence::png::strip_metadata;
use libfuzzer_sys::fuzz_target;

/// Chunk types of a PNG (after the signature), as long as the chunks are well formed.
fn chunk_types(png: &[u8]) -> Vec<[u8; 4]> {
    let mut out = Vec::new();
    let mut rest = png.get(8..).unwrap_or_default();
    while rest.len() >= 12 {
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        out.push([rest[4], rest[5], rest[6], rest[7]]);
        let Some(next) = rest.get(12 + len..) else {
            break;
        };
        rest = next;
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let _ = image::png_size(data);
    if let Ok((stripped, _)) = strip_metadata(data) {
        for kind in chunk_types(&stripped) {
            assert!(
                !matches!(&kind, b"tEXt" | b"zTXt" | b"iTXt" | b"eXIf" | b"tIME"),
                "metadata chunk {:?} kept",
                String::from_utf8_lossy(&kind)
            );
        }
        let again = strip_metadata(&stripped);
        assert_eq!(
            again,
            Ok((stripped.clone(), 0)),
            "stripping is not idempotent"
        );
    }
    if let Ok((w, h, rgb)) = image::decode_rgb(data) {
        assert_eq!(rgb.len(), w as usize * h as usize * 3);
        if u64::from(w) * u64::from(h) <= 1 << 16 {
            let _ = image::shrink(w, h, &rgb);
        }
    }
});
