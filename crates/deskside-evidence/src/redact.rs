//! Redaction: removes secrets (always) and personal data (when configured) from every piece of
//! text and JSON that goes into a ticket. It is pattern based and deliberately greedy: a ticket
//! that hides a harmless value costs an agent a question, a ticket that leaks a password costs
//! the company a password rotation. Every replacement is counted so the bundle can say how
//! many values it hid.

use std::sync::LazyLock;

use regex::{Captures, Regex};
use serde_json::Value;

/// What replaced a secret.
pub const SECRET_MARK: &str = "<redacted>";

/// Counts of what was hidden, reported in the bundle (`redactions`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RedactionCounts {
    /// Secrets hidden: tokens, passwords, keys, credentials.
    pub secrets: u64,
    /// Personal values hidden: user names in paths, MAC addresses, serial numbers.
    pub personal: u64,
}

/// Redacts text and JSON values. Build one per bundle: it carries the personal values to hide
/// (the logged-in user's name, the machine's serial) and the running counts.
#[derive(Debug, Default)]
pub struct Redactor {
    personal: bool,
    /// Literal personal values (user name, serial) with their replacement.
    literals: Vec<(Regex, &'static str)>,
    counts: RedactionCounts,
}

// `expect` is acceptable here: the patterns are constants, compiled once, and a test compiles
// every one of them, so a typo fails the test suite rather than a user's ticket.
fn re(pattern: &str) -> Regex {
    #[expect(clippy::expect_used, reason = "constant pattern, covered by tests")]
    Regex::new(pattern).expect("valid redaction pattern")
}

/// Whole-match secret patterns: the match is replaced by the given text.
static SECRET_WHOLE: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    vec![
        // PEM private keys (RSA, EC, OPENSSH, ENCRYPTED, PGP blocks), also cut-off ones.
        (
            re(
                r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?s:.*?)(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\z)",
            ),
            "<redacted private key>",
        ),
        // The tail of a key whose BEGIN line was cut off by a size cap.
        (
            re(r"\A[A-Za-z0-9+/=\s]*-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"),
            "<redacted private key>",
        ),
        // JSON Web Tokens.
        (
            re(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"),
            SECRET_MARK,
        ),
        // AWS access key ids.
        (
            re(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|ABIA|ACCA)[A-Z0-9]{16}\b"),
            SECRET_MARK,
        ),
        // Vendor tokens with recognisable prefixes: GitHub, GitLab, Slack, Google, Stripe,
        // OpenAI-style, npm, PyPI.
        (
            re(
                r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{30,}|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|sk-[A-Za-z0-9_-]{20,}|npm_[A-Za-z0-9]{30,}|pypi-[A-Za-z0-9_-]{30,})",
            ),
            SECRET_MARK,
        ),
    ]
});

/// Secrets whose prefix is kept (`$1`) so the reader sees what was there; the suffix is put
/// back after the mark.
static SECRET_PREFIXED: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    vec![
        // Whole header lines that carry credentials.
        (
            re(r"(?im)^([ \t>]*(?:proxy-)?authorization[ \t]*[:=][ \t]*)[^\r\n]+"),
            "",
        ),
        (
            re(r"(?im)^([ \t>]*(?:set-)?cookie[ \t]*:[ \t]*)[^\r\n]+"),
            "",
        ),
        (
            re(
                r"(?im)^([ \t>]*x-(?:api-key|auth-token|redmine-api-key|vault-token)[ \t]*:[ \t]*)[^\r\n]+",
            ),
            "",
        ),
        // key = value pairs, quoted or not: password=..., "api_key": "...", Secret: ...
        // Before the schemes: in "token password=X" the scheme pattern took `password=` for the
        // token and left X readable (found by fuzzing).
        (
            re(
                r#"(?i)(\b[A-Za-z0-9_.-]*(?:password|passwd|pwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?|session[_-]?id|auth[_-]?token)[A-Za-z0-9_.-]*["']?[ \t]*(?:=|:)[ \t]*)(?:"[^"\r\n]*"|'[^'\r\n]*'|[^\s"',;&]+)"#,
            ),
            "",
        ),
        // Authorization schemes anywhere in a line.
        (
            re(
                r"(?i)(\b(?:bearer|token|basic|digest|negotiate|ntlm)[ \t]+)[A-Za-z0-9\-._~+/]{8,}=*",
            ),
            "",
        ),
        // Credentials in URLs: scheme://user:password@host.
        (re(r"(?i)(\b[a-z][a-z0-9+.-]*://)[^/\s:@]*:[^/\s@]*@"), "@"),
        // Command-line flags: --password X, --token=X.
        (
            re(
                r"(?i)(--?(?:password|passwd|pass|token|secret|api-key|apikey|access-key|client-secret|auth-token)(?:[ \t]+|=))(?:'[^']*'|[^\s]+)",
            ),
            "",
        ),
    ]
});

/// JSON object keys whose value is a secret whatever it looks like.
static SECRET_KEY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(password|passwd|pwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|authorization|cookie|credential|session[_-]?id)",
    )
});

/// Personal data, replaced when `tickets.redact_personal` is on.
static PERSONAL: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    vec![
        (re(r"(/home/)[^/\s:]+"), "${1}<user>"),
        (re(r"(/Users/)[^/\s:]+"), "${1}<user>"),
        (
            re(r"(?i)(\b[A-Z]:\\(?:Users|Documents and Settings)\\)[^\\\s]+"),
            "${1}<user>",
        ),
        (re(r"(?i)\b[0-9a-f]{2}(?:[:-][0-9a-f]{2}){5}\b"), "<mac>"),
    ]
});

impl Redactor {
    /// A redactor for secrets only, or for secrets and personal data.
    #[must_use]
    pub fn new(personal: bool) -> Self {
        Self {
            personal,
            ..Self::default()
        }
    }

    /// Hides this literal value (the user's name, the machine's serial) wherever it appears,
    /// when personal-data redaction is on. Values shorter than 3 characters are ignored: hiding
    /// every "jo" in a log would make it unreadable.
    pub fn hide_literal(&mut self, value: &str, mark: &'static str) {
        if !self.personal || value.chars().count() < 3 {
            return;
        }
        let pattern = format!(r"(?i)\b{}\b", regex::escape(value));
        if let Ok(r) = Regex::new(&pattern) {
            self.literals.push((r, mark));
        }
    }

    /// The counts so far.
    #[must_use]
    pub fn counts(&self) -> RedactionCounts {
        self.counts
    }

    /// Redacts one piece of text.
    pub fn text(&mut self, input: &str) -> String {
        let out = self.secrets_only(input);
        self.personal_data(out)
    }

    /// Redacts secrets but keeps personal data: for what the user deliberately gave, such as
    /// their contact address.
    pub fn secrets_only(&mut self, input: &str) -> String {
        let mut out = input.to_owned();
        for (pattern, mark) in SECRET_WHOLE.iter() {
            out = replace_counting(pattern, &out, &mut self.counts.secrets, |_| {
                (*mark).to_owned()
            });
        }
        for (pattern, suffix) in SECRET_PREFIXED.iter() {
            out = replace_counting(pattern, &out, &mut self.counts.secrets, |c| {
                format!(
                    "{}{SECRET_MARK}{suffix}",
                    c.get(1).map_or("", |m| m.as_str())
                )
            });
        }
        out
    }

    fn personal_data(&mut self, mut out: String) -> String {
        if self.personal {
            for (pattern, replacement) in PERSONAL.iter() {
                out = replace_counting(pattern, &out, &mut self.counts.personal, |c| {
                    let mut s = String::new();
                    c.expand(replacement, &mut s);
                    s
                });
            }
            for (pattern, mark) in &self.literals {
                out = replace_counting(pattern, &out, &mut self.counts.personal, |_| {
                    (*mark).to_owned()
                });
            }
        }
        out
    }

    /// Redacts a JSON value in place: every string, and every value under a key that names a
    /// secret (`password`, `token`, `api_key`, …).
    pub fn json(&mut self, value: &mut Value) {
        match value {
            Value::String(s) => *s = self.text(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.json(v)),
            Value::Object(map) => {
                let keys: Vec<String> = map.keys().cloned().collect();
                for key in keys {
                    let Some(mut v) = map.remove(&key) else {
                        continue;
                    };
                    let is_secret = SECRET_KEY.is_match(&key) && !is_counter_key(&key);
                    if is_secret && !matches!(v, Value::Null | Value::Bool(_)) {
                        if !(matches!(&v, Value::String(s) if s == SECRET_MARK)) {
                            self.counts.secrets += 1;
                        }
                        v = Value::String(SECRET_MARK.to_owned());
                    } else {
                        self.json(&mut v);
                    }
                    let key = self.text(&key);
                    map.insert(key, v);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

/// Keys such as `token_count` or `max_tokens` hold numbers about tokens, not tokens.
fn is_counter_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.ends_with("_count") || k.starts_with("max_") || k.ends_with("_len") || k.ends_with("_ms")
}

fn replace_counting(
    pattern: &Regex,
    input: &str,
    counter: &mut u64,
    mut with: impl FnMut(&Captures<'_>) -> String,
) -> String {
    let mut n = 0_u64;
    let out = pattern.replace_all(input, |c: &Captures<'_>| {
        let replacement = with(c);
        // A value already redacted (by an earlier pattern) is not counted twice.
        if c.get(0).map(|m| m.as_str()) != Some(replacement.as_str())
            && !c.get(0).is_some_and(|m| m.as_str().ends_with(SECRET_MARK))
        {
            n += 1;
        }
        replacement
    });
    *counter += n;
    out.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(text: &str) -> String {
        Redactor::new(false).text(text)
    }

    #[test]
    fn every_pattern_compiles() {
        assert!(!SECRET_WHOLE.is_empty());
        assert!(!SECRET_PREFIXED.is_empty());
        assert!(!PERSONAL.is_empty());
        assert!(SECRET_KEY.is_match("api_key"));
    }

    #[test]
    fn hides_each_kind_of_secret() {
        let cases = [
            ("Authorization: Basic dXNlcjpodW50ZXIy", "dXNlcjpodW50ZXIy"),
            (
                "curl -H 'Authorization: Bearer abc.def.ghi123456'",
                "abc.def.ghi123456",
            ),
            ("token ABCDEF1234567890abcdef", "ABCDEF1234567890abcdef"),
            (
                "https://jdoe:S3cretPass@git.corp.example/repo",
                "S3cretPass",
            ),
            ("password=hunter2hunter2", "hunter2hunter2"),
            ("db_password = \"with spaces inside\"", "with spaces inside"),
            ("{\"client_secret\": \"cs-77aa\"}", "cs-77aa"),
            ("secret: topsecretvalue", "topsecretvalue"),
            ("aws key AKIAIOSFODNN7EXAMPLE here", "AKIAIOSFODNN7EXAMPLE"),
            (
                "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "wJalrXUtnFEMI",
            ),
            (
                "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl done",
                "eyJzdWIiOiIxMjM0In0",
            ),
            ("run --password 'pa ss' now", "pa ss"),
            ("ghp_0123456789abcdefghijABCDEFGHIJ012345", "ghp_0123456789"),
            ("Cookie: session=abcdef123456", "abcdef123456"),
            ("X-Redmine-API-Key: 0123456789abcdef", "0123456789abcdef"),
            ("Server=db;User Id=sa;Password=P@ssw0rd;", "P@ssw0rd"),
        ];
        for (input, secret) in cases {
            let out = secrets(input);
            assert!(!out.contains(secret), "{input:?} -> {out:?}");
            assert!(out.contains("<redacted"), "{input:?} -> {out:?}");
        }
    }

    #[test]
    fn scheme_word_before_a_key_does_not_leak_its_value() {
        for input in [
            "token password=hunter2hunter2",
            "Bearer secret: hunter2hunter2",
            "basic api_key=hunter2hunter2 next",
        ] {
            let out = secrets(input);
            assert!(!out.contains("hunter2hunter2"), "{input:?} -> {out:?}");
        }
    }

    #[test]
    fn url_credentials_keep_the_host_readable() {
        assert_eq!(
            secrets("proxy https://jdoe:pw123@proxy.corp.example:8080/x"),
            "proxy https://<redacted>@proxy.corp.example:8080/x"
        );
    }

    #[test]
    fn hides_private_keys_whole_and_cut_off() {
        let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nQUJDREVG\n-----END OPENSSH PRIVATE KEY-----";
        let out = secrets(&format!("before\n{key}\nafter"));
        assert_eq!(out, "before\n<redacted private key>\nafter");
        let cut = secrets("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA");
        assert_eq!(cut, "<redacted private key>");
        let tail = secrets("QUJDREVG\n-----END RSA PRIVATE KEY-----\nnext line");
        assert_eq!(tail, "<redacted private key>\nnext line");
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        let text = "The VPN dropped at 10:42 after resume; DNS server 10.0.0.53 timed out.";
        let mut r = Redactor::new(true);
        assert_eq!(r.text(text), text);
        assert_eq!(r.counts(), RedactionCounts::default());
    }

    #[test]
    fn personal_data_only_when_asked() {
        let text =
            "/home/jdoe/.config and C:\\Users\\jdoe\\AppData, mac aa:bb:cc:dd:ee:ff, SN ABC12345";
        assert_eq!(Redactor::new(false).text(text), text);
        let mut r = Redactor::new(true);
        r.hide_literal("ABC12345", "<serial>");
        r.hide_literal("jdoe", "<user>");
        let out = r.text(text);
        assert!(!out.contains("jdoe"), "{out}");
        assert!(!out.contains("aa:bb"), "{out}");
        assert!(!out.contains("ABC12345"), "{out}");
        assert!(out.contains("/home/<user>/.config"), "{out}");
        assert_eq!(r.counts().personal, 4);
    }

    #[test]
    fn json_keys_naming_secrets_are_hidden_whatever_the_value() {
        let mut v = serde_json::json!({
            "user": "x",
            "token": 123456,
            "nested": [{"apiKey": "short"}, {"note": "password=abc123xyz"}],
            "max_tokens": 5,
            "enabled": true
        });
        let mut r = Redactor::new(false);
        r.json(&mut v);
        assert_eq!(v["token"], SECRET_MARK);
        assert_eq!(v["nested"][0]["apiKey"], SECRET_MARK);
        assert_eq!(v["nested"][1]["note"], "password=<redacted>");
        assert_eq!(v["max_tokens"], 5);
        assert_eq!(r.counts().secrets, 3);
        let text = serde_json::to_string(&v).unwrap();
        assert!(!text.contains("abc123xyz"));
    }

    #[test]
    fn redacting_twice_changes_nothing_more() {
        let mut r = Redactor::new(false);
        let once = r.text("password=abc123 and Authorization: Bearer xyz12345678");
        let n = r.counts().secrets;
        let twice = r.text(&once);
        assert_eq!(once, twice);
        assert_eq!(r.counts().secrets, n);
    }
}
