//! Shell-style name patterns (`wg*`, `tun?`) for interface names and similar short strings:
//! `*` matches any run of characters (also none), `?` exactly one; everything else is
//! literal and case-sensitive. No character classes, no escaping, no path semantics.

/// Whether `name` matches `pattern` as a whole.
///
/// ```
/// assert!(deskside_platform::glob_match("wg*", "wg0"));
/// assert!(deskside_platform::glob_match("tun?", "tun1"));
/// assert!(!deskside_platform::glob_match("tun?", "tun10"));
/// ```
#[must_use]
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    // Iterative matcher with single-star backtracking: linear memory, O(p·n) worst case.
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(&c) if c == '?' || name.get(n) == Some(&c) => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    p = sp + 1;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|c| *c == '*'))
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn stars_and_question_marks() {
        assert!(glob_match("*", ""));
        assert!(glob_match("*", "anything"));
        assert!(glob_match("", ""));
        assert!(!glob_match("", "x"));
        assert!(glob_match("wg*", "wg"));
        assert!(glob_match("wg*", "wg-corp"));
        assert!(!glob_match("wg*", "awg0"));
        assert!(glob_match("*vpn*", "corp-vpn0"));
        assert!(glob_match("utun?", "utun3"));
        assert!(!glob_match("utun?", "utun"));
        assert!(glob_match("a*b*c", "aXXbYYc"));
        assert!(!glob_match("a*b*c", "aXXbYY"));
        assert!(glob_match("**a", "a"));
        assert!(!glob_match("WG*", "wg0"));
    }

    #[test]
    fn non_ascii_is_one_character() {
        assert!(glob_match("?", "é"));
        assert!(glob_match("Wi-Fi ?", "Wi-Fi 2"));
    }
}
