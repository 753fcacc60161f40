//! X11: the root window's pixels over the X protocol (`x11rb`, pure Rust), converted by the
//! pure [`zpixmap_to_rgb`] using the server's pixel format and the visual's colour masks.

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt, ImageFormat, ImageOrder};

use crate::CaptureError;

/// How the server lays out a `ZPixmap` image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelLayout {
    /// Bits per pixel (16, 24 or 32 are read).
    pub bits_per_pixel: u8,
    /// Each row is padded to a multiple of this many bits.
    pub scanline_pad: u8,
    /// Whether pixel bytes are least significant first.
    pub lsb_first: bool,
    /// The visual's red, green and blue masks.
    pub masks: [u32; 3],
}

/// Why an X image cannot be converted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PixelError {
    /// A pixel size other than 16, 24 or 32 bits.
    #[error("{0} bits per pixel is not supported")]
    Depth(u8),
    /// Fewer bytes than the image needs.
    #[error("the image has {got} bytes, {expected} expected")]
    Short {
        /// Bytes received.
        got: usize,
        /// Bytes needed.
        expected: usize,
    },
}

/// A `ZPixmap` image of `width` x `height` in `layout` → 8-bit RGB.
///
/// # Errors
/// An unsupported pixel size, or data shorter than the image.
pub fn zpixmap_to_rgb(
    data: &[u8],
    width: u32,
    height: u32,
    layout: PixelLayout,
) -> Result<Vec<u8>, PixelError> {
    let bytes_pp = match layout.bits_per_pixel {
        16 => 2,
        24 => 3,
        32 => 4,
        other => return Err(PixelError::Depth(other)),
    };
    let (w, h) = (width as usize, height as usize);
    let pad = usize::from(layout.scanline_pad.max(8));
    let stride = (w * usize::from(layout.bits_per_pixel)).div_ceil(pad) * pad / 8;
    if data.len() < stride * h {
        return Err(PixelError::Short {
            got: data.len(),
            expected: stride * h,
        });
    }
    let channel = |pixel: u32, mask: u32| -> u8 {
        if mask == 0 {
            return 0;
        }
        let v = (pixel & mask) >> mask.trailing_zeros();
        let bits = mask.count_ones();
        let v = if bits >= 8 {
            v >> (bits - 8)
        } else {
            v * 255 / ((1 << bits) - 1)
        };
        u8::try_from(v).unwrap_or(u8::MAX)
    };
    let mut rgb = Vec::with_capacity(w * h * 3);
    for row in data.chunks(stride).take(h) {
        for px in row.chunks_exact(bytes_pp).take(w) {
            let mut b = [0u8; 4];
            b[..bytes_pp].copy_from_slice(px);
            let pixel = if layout.lsb_first {
                u32::from_le_bytes(b)
            } else {
                u32::from_be_bytes(b) >> (8 * (4 - bytes_pp))
            };
            rgb.extend(layout.masks.map(|m| channel(pixel, m)));
        }
    }
    Ok(rgb)
}

/// The default screen's root window of `display`: `(width, height, rgb)`.
///
/// # Errors
/// [`CaptureError::Unavailable`] when the display cannot be opened, [`CaptureError::Failed`]
/// when the server refuses the image or its format is unknown.
pub fn capture_root(display: &str) -> Result<(u32, u32, Vec<u8>), CaptureError> {
    let failed = |e: &dyn std::fmt::Display| CaptureError::Failed(format!("X11: {e}"));
    let (conn, screen_num) = x11rb::connect(Some(display)).map_err(|e| {
        CaptureError::Unavailable(format!("cannot open the X display {display}: {e}"))
    })?;
    let setup = conn.setup();
    let screen = setup
        .roots
        .get(screen_num)
        .ok_or_else(|| failed(&"no such screen"))?;
    let (width, height) = (screen.width_in_pixels, screen.height_in_pixels);
    let reply = conn
        .get_image(
            ImageFormat::Z_PIXMAP,
            screen.root,
            0,
            0,
            width,
            height,
            u32::MAX,
        )
        .map_err(|e| failed(&e))?
        .reply()
        .map_err(|e| failed(&e))?;
    let format = setup
        .pixmap_formats
        .iter()
        .find(|f| f.depth == reply.depth)
        .ok_or_else(|| failed(&format!("no pixel format for depth {}", reply.depth)))?;
    let visual = screen
        .allowed_depths
        .iter()
        .flat_map(|d| &d.visuals)
        .find(|v| v.visual_id == reply.visual)
        .ok_or_else(|| failed(&"the root window's visual is unknown"))?;
    let layout = PixelLayout {
        bits_per_pixel: format.bits_per_pixel,
        scanline_pad: format.scanline_pad,
        lsb_first: setup.image_byte_order == ImageOrder::LSB_FIRST,
        masks: [visual.red_mask, visual.green_mask, visual.blue_mask],
    };
    let rgb = zpixmap_to_rgb(&reply.data, u32::from(width), u32::from(height), layout)
        .map_err(|e| failed(&e))?;
    Ok((u32::from(width), u32::from(height), rgb))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRUECOLOR: [u32; 3] = [0x00ff_0000, 0x0000_ff00, 0x0000_00ff];

    const fn layout(
        bits_per_pixel: u8,
        scanline_pad: u8,
        lsb_first: bool,
        masks: [u32; 3],
    ) -> PixelLayout {
        PixelLayout {
            bits_per_pixel,
            scanline_pad,
            lsb_first,
            masks,
        }
    }

    #[test]
    fn bgrx_32_bit_rows_as_xvfb_and_xorg_send_them() {
        let layout = layout(32, 32, true, TRUECOLOR);
        // Two pixels: pure red, then (1, 2, 3); little-endian 0x00RRGGBB.
        let data = [0, 0, 0xff, 0, 3, 2, 1, 0];
        assert_eq!(
            zpixmap_to_rgb(&data, 2, 1, layout).unwrap(),
            [255, 0, 0, 1, 2, 3]
        );
    }

    #[test]
    fn rows_are_padded_and_big_endian_servers_are_read() {
        let layout = layout(24, 32, false, TRUECOLOR);
        // One pixel per row, 3 bytes + 1 byte of padding each.
        let data = [0x10, 0x20, 0x30, 0xee, 0x40, 0x50, 0x60, 0xee];
        assert_eq!(
            zpixmap_to_rgb(&data, 1, 2, layout).unwrap(),
            [0x10, 0x20, 0x30, 0x40, 0x50, 0x60]
        );
    }

    #[test]
    fn rgb565_is_scaled_to_eight_bits() {
        let layout = layout(16, 16, true, [0xf800, 0x07e0, 0x001f]);
        let white = 0xffff_u16.to_le_bytes();
        let green = 0x07e0_u16.to_le_bytes();
        let data = [white[0], white[1], green[0], green[1]];
        assert_eq!(
            zpixmap_to_rgb(&data, 2, 1, layout).unwrap(),
            [255, 255, 255, 0, 255, 0]
        );
    }

    #[test]
    fn short_data_and_odd_formats_are_refused() {
        let layout = layout(32, 32, true, TRUECOLOR);
        assert!(
            zpixmap_to_rgb(&[0; 7], 2, 1, layout)
                .unwrap_err()
                .to_string()
                .contains("expected")
        );
        let odd = PixelLayout {
            bits_per_pixel: 8,
            ..layout
        };
        assert!(
            zpixmap_to_rgb(&[0; 8], 2, 1, odd)
                .unwrap_err()
                .to_string()
                .contains("not supported")
        );
    }
}
