//! Screenshot hygiene: a screenshot goes into a ticket only as a well-formed PNG with its
//! metadata removed. Text chunks (`tEXt`, `zTXt`, `iTXt`), EXIF and timestamps can carry user
//! names, paths or anything a tool wrote there, and no pattern can redact compressed text, so
//! every chunk that is not needed to draw the picture is dropped.

/// The eight bytes every PNG starts with.
const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// Chunks kept: the critical ones and those that change how pixels look.
const KEEP: &[&[u8; 4]] = &[
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"pHYs", b"sBIT",
];

/// Why a screenshot was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PngError {
    /// The bytes do not start with the PNG signature.
    #[error("the screenshot is not a PNG image")]
    NotPng,
    /// A chunk runs past the end of the data, or the image has no `IHDR`/`IEND`.
    #[error("the screenshot PNG is damaged ({0})")]
    Damaged(&'static str),
}

/// Returns the PNG without its ancillary metadata chunks, plus how many chunks were dropped.
///
/// # Errors
/// [`PngError`] when the data is not a complete PNG.
pub fn strip_metadata(data: &[u8]) -> Result<(Vec<u8>, usize), PngError> {
    let rest = data.strip_prefix(SIGNATURE).ok_or(PngError::NotPng)?;
    let mut out = Vec::with_capacity(data.len());
    out.extend_from_slice(SIGNATURE);
    let mut pos = 0_usize;
    let mut dropped = 0_usize;
    let mut first = true;
    loop {
        let header = rest
            .get(pos..pos + 8)
            .ok_or(PngError::Damaged("no IEND chunk"))?;
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind = [header[4], header[5], header[6], header[7]];
        let end = pos
            .checked_add(12)
            .and_then(|p| p.checked_add(len))
            .ok_or(PngError::Damaged("chunk length overflows"))?;
        let chunk = rest
            .get(pos..end)
            .ok_or(PngError::Damaged("a chunk runs past the end of the file"))?;
        if first && &kind != b"IHDR" {
            return Err(PngError::Damaged("the first chunk is not IHDR"));
        }
        first = false;
        if KEEP.contains(&&kind) {
            out.extend_from_slice(chunk);
        } else {
            dropped += 1;
        }
        pos = end;
        if &kind == b"IEND" {
            return Ok((out, dropped));
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (u32::try_from(data.len()).unwrap()).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        // The CRC is not checked by the stripper; zeros keep the fixture short.
        c.extend_from_slice(&[0, 0, 0, 0]);
        c
    }

    /// A minimal PNG with a text chunk carrying `text`.
    pub(crate) fn png_with_text(text: &str) -> Vec<u8> {
        let mut p = SIGNATURE.to_vec();
        p.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
        p.extend(chunk(b"tEXt", format!("Comment\0{text}").as_bytes()));
        p.extend(chunk(b"IDAT", &[0x78, 0x9c, 0x63, 0, 0, 0, 1, 0, 1]));
        p.extend(chunk(b"IEND", &[]));
        p
    }

    #[test]
    fn drops_text_chunks_and_keeps_the_image() {
        let png = png_with_text("password=hunter2");
        let (clean, dropped) = strip_metadata(&png).unwrap();
        assert_eq!(dropped, 1);
        assert!(!clean.windows(7).any(|w| w == b"hunter2"));
        assert!(clean.windows(4).any(|w| w == b"IDAT"));
        assert!(clean.ends_with(&[b'I', b'E', b'N', b'D', 0, 0, 0, 0]));
    }

    #[test]
    fn refuses_what_is_not_a_png() {
        assert_eq!(strip_metadata(b"GIF89a"), Err(PngError::NotPng));
        let mut cut = png_with_text("x");
        cut.truncate(30);
        assert!(matches!(strip_metadata(&cut), Err(PngError::Damaged(_))));
    }
}
