//! Inputs the `evidence_redact` fuzz target in `fuzz/` found, replayed under plain `cargo test`
//! with the target's oracle: `password=<token>` planted in the middle of each file must not
//! survive redaction. See `fuzz/README.md`.

use std::path::PathBuf;

use deskside_evidence::Redactor;

/// The target's planted secret: letters and digits derived from the input (FNV-1a).
fn token(data: &[u8]) -> String {
    let sum = data.iter().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    });
    format!("Qz7{sum:08x}tok")
}

/// "… token password=SECRET …": the authorization-scheme pattern took `password=` for the
/// token, replaced it, and left SECRET readable for the key = value pattern that came after.
#[test]
fn planted_secret_after_a_scheme_word_is_hidden() {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions/evidence_redact");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&data);
        let token = token(&data);
        let mut mid = text.len() / 2;
        while !text.is_char_boundary(mid) {
            mid -= 1;
        }
        let (head, tail) = text.split_at(mid);
        let planted = format!("{head} password={token} {tail}");
        for personal in [false, true] {
            let out = Redactor::new(personal).text(&planted);
            assert!(!out.contains(&token), "{path:?}: {out:?}");
        }
        seen += 1;
    }
    assert!(seen > 0, "no inputs in {}", dir.display());
}
