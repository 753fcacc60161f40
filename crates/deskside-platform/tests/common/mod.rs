//! Helpers shared by the parser test files: fixture loading and fixture mangling for the
//! "never panics" property tests.

/// The text of `tests/fixtures/<os>/<name>`.
#[expect(clippy::panic, reason = "a missing fixture is a test failure")]
pub fn fixture(os: &str, name: &str) -> String {
    let path = format!("{}/tests/fixtures/{os}/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A fixture with some lines dropped and some cut short or overwritten.
pub fn mangle(text: &str, seed: &[u8]) -> String {
    let mut out = String::new();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let byte = seed.get(i % seed.len().max(1)).copied().unwrap_or(0);
        match byte % 6 {
            0 => {}
            1 => out.extend(line.chars().take(usize::from(byte) % 40)),
            2 => {
                out.push_str(&line.replace(['.', ':'], " "));
            }
            3 => {
                out.push_str(line);
                out.push_str(&line.repeat(2));
            }
            _ => out.push_str(line),
        }
    }
    out
}
