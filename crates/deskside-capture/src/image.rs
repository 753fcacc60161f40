//! Pixels to PNG and back, and halving a picture until its PNG fits a size cap. Pure.

use std::io::Cursor;

use crate::CaptureError;

/// Why pixels could not be turned into a PNG or back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// The encoder refused the pixels (a buffer of the wrong size).
    #[error("the picture cannot be encoded as PNG: {0}")]
    Encode(#[source] png::EncodingError),
    /// The file is not a PNG the decoder can read.
    #[error("the image cannot be read: {0}")]
    Decode(#[source] png::DecodingError),
    /// The header claims more pixels than [`MAX_PIXELS`].
    #[error("the image is too large ({width}×{height} pixels)")]
    TooLarge {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
    },
    /// A `PLTE` chunk that is not 1 to 256 RGB entries.
    #[error("the image's palette is malformed ({len} bytes)")]
    Palette {
        /// The chunk's length.
        len: usize,
    },
    /// The decoder left a palette unexpanded, or panicked.
    #[error("the image could not be decoded")]
    Undecodable,
}

/// Largest picture decoded: 64 Mi pixels (an 8K screen is 33 Mi).
pub const MAX_PIXELS: u64 = 1 << 26;

/// Width and height from a PNG's header (`IHDR`), or `None` if `data` is not a PNG.
#[must_use]
pub fn png_size(data: &[u8]) -> Option<(u32, u32)> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if data.len() < 24 || !data.starts_with(SIGNATURE) || &data[12..16] != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(data[16..20].try_into().ok()?);
    let h = u32::from_be_bytes(data[20..24].try_into().ok()?);
    (w > 0 && h > 0).then_some((w, h))
}

/// Encodes 8-bit RGB pixels (`width * height * 3` bytes) as a PNG.
///
/// # Errors
/// [`ImageError::Encode`] (wrong buffer size).
pub fn encode_rgb(width: u32, height: u32, rgb: &[u8]) -> Result<Vec<u8>, ImageError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().map_err(ImageError::Encode)?;
    writer.write_image_data(rgb).map_err(ImageError::Encode)?;
    writer.finish().map_err(ImageError::Encode)?;
    Ok(out)
}

/// Decodes a PNG into 8-bit RGB pixels (grey, palette and alpha are converted; alpha dropped).
///
/// # Errors
/// [`ImageError`]: not a readable PNG, too large, a malformed palette.
pub fn decode_rgb(data: &[u8]) -> Result<(u32, u32, Vec<u8>), ImageError> {
    check_palette(data)?;
    // The decoder is third-party code fed an untrusted file: a panic in it (one was found by
    // fuzzing, see `check_palette`) is an unreadable image, not a crashed app.
    std::panic::catch_unwind(|| decode_checked(data)).unwrap_or(Err(ImageError::Undecodable))
}

/// The `png` crate (0.18) panics expanding a palette whose length is not a multiple of three
/// (found by fuzzing): such a file is refused before it reaches the decoder. A PLTE chunk
/// holds at most 256 RGB entries.
fn check_palette(data: &[u8]) -> Result<(), ImageError> {
    let mut rest = data.get(8..).unwrap_or_default();
    while rest.len() >= 12 {
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        if &rest[4..8] == b"PLTE" && (!len.is_multiple_of(3) || len > 768) {
            return Err(ImageError::Palette { len });
        }
        let Some(next) = rest.get(12usize.saturating_add(len)..) else {
            break;
        };
        rest = next;
    }
    Ok(())
}

fn decode_checked(data: &[u8]) -> Result<(u32, u32, Vec<u8>), ImageError> {
    let mut decoder = png::Decoder::new(Cursor::new(data));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(ImageError::Decode)?;
    // The header's size is not to be trusted: allocating for it aborted the process (fuzzing).
    let (w, h) = (reader.info().width, reader.info().height);
    let size = reader
        .output_buffer_size()
        .filter(|_| u64::from(w) * u64::from(h) <= MAX_PIXELS)
        .ok_or(ImageError::TooLarge {
            width: w,
            height: h,
        })?;
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf).map_err(ImageError::Decode)?;
    buf.truncate(info.buffer_size());
    let channels = match info.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => return Err(ImageError::Undecodable),
    };
    let mut rgb = Vec::with_capacity(info.width as usize * info.height as usize * 3);
    for row in buf.chunks(info.line_size) {
        for px in row.chunks_exact(channels).take(info.width as usize) {
            match channels {
                1 | 2 => rgb.extend_from_slice(&[px[0], px[0], px[0]]),
                _ => rgb.extend_from_slice(&px[..3]),
            }
        }
    }
    Ok((info.width, info.height, rgb))
}

/// Halves a picture in each direction, averaging each 2×2 block (an odd last row or column
/// is dropped). A 1-pixel side stays 1.
#[must_use]
pub fn shrink(width: u32, height: u32, rgb: &[u8]) -> (u32, u32, Vec<u8>) {
    let (w, h) = (width as usize, height as usize);
    let (nw, nh) = ((w / 2).max(1), (h / 2).max(1));
    let mut out = Vec::with_capacity(nw * nh * 3);
    for y in 0..nh {
        for x in 0..nw {
            for c in 0..3 {
                let mut sum = 0u32;
                let mut n = 0u32;
                for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                    let (sy, sx) = (y * 2 + dy, x * 2 + dx);
                    if sy < h && sx < w {
                        sum += u32::from(rgb[(sy * w + sx) * 3 + c]);
                        n += 1;
                    }
                }
                out.push(u8::try_from(sum / n.max(1)).unwrap_or(u8::MAX));
            }
        }
    }
    (
        u32::try_from(nw).unwrap_or(u32::MAX),
        u32::try_from(nh).unwrap_or(u32::MAX),
        out,
    )
}

/// The PNG of a picture, halved until it is at most `max_bytes`: `(png, width, height,
/// scaled)`.
///
/// # Errors
/// [`CaptureError::Failed`] when encoding fails or even a tiny version does not fit.
pub fn encode_fitting(
    width: u32,
    height: u32,
    rgb: Vec<u8>,
    max_bytes: usize,
) -> Result<(Vec<u8>, u32, u32, bool), CaptureError> {
    let (mut w, mut h, mut pixels) = (width, height, rgb);
    let mut scaled = false;
    loop {
        let png = encode_rgb(w, h, &pixels).map_err(|e| CaptureError::Failed(e.to_string()))?;
        if png.len() <= max_bytes {
            return Ok((png, w, h, scaled));
        }
        if w <= 64 && h <= 64 {
            return Err(CaptureError::Failed(format!(
                "the picture does not fit in {max_bytes} bytes"
            )));
        }
        (w, h, pixels) = shrink(w, h, &pixels);
        scaled = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(w: u32, h: u32) -> Vec<u8> {
        let mut x = 0x2545_f491_u32;
        (0..w * h * 3)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x.to_le_bytes()[0]
            })
            .collect()
    }

    #[test]
    fn rgb_survives_a_png_round_trip() {
        let rgb = noise(7, 5);
        let png = encode_rgb(7, 5, &rgb).unwrap();
        assert_eq!(png_size(&png), Some((7, 5)));
        assert_eq!(decode_rgb(&png).unwrap(), (7, 5, rgb));
    }

    #[test]
    fn not_a_png_has_no_size() {
        assert_eq!(png_size(b"GIF89a......................"), None);
        assert_eq!(png_size(b"\x89PNG\r\n\x1a\n"), None);
        assert!(decode_rgb(b"\x89PNG\r\n\x1a\nrubbish").is_err());
    }

    #[test]
    fn shrink_averages_two_by_two_blocks() {
        // 3x2: the odd column is dropped; block (0,0) averages 0,10,20,30.
        #[rustfmt::skip]
        let rgb = [
            0, 0, 0,    10, 10, 10,  99, 99, 99,
            20, 20, 20, 30, 30, 30,  99, 99, 99,
        ];
        assert_eq!(shrink(3, 2, &rgb), (1, 1, vec![15, 15, 15]));
        assert_eq!(shrink(1, 1, &[1, 2, 3]), (1, 1, vec![1, 2, 3]));
    }

    #[test]
    fn a_picture_too_large_is_halved_until_it_fits() {
        let rgb = noise(400, 300);
        let (full, ..) = encode_fitting(400, 300, rgb.clone(), usize::MAX).unwrap();
        let cap = full.len() / 2;
        let (png, w, h, scaled) = encode_fitting(400, 300, rgb, cap).unwrap();
        assert!(scaled);
        assert!(png.len() <= cap);
        assert_eq!((w, h), (200, 150));
        assert_eq!(png_size(&png), Some((200, 150)));
        let err = encode_fitting(400, 300, noise(400, 300), 10).unwrap_err();
        assert!(err.to_string().contains("does not fit"), "{err}");
    }
}
