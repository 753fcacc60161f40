//! Redaction: removes secrets (always) and personal data (when configured) from every piece of
//! text and JSON that goes into a ticket. It is pattern based and deliberately greedy: a ticket
//! that hides a harmless value costs an agent a question, a ticket that leaks a password costs
//! the company a password rotation.
//!
//! Every rule runs on the original text and yields the span to hide; overlapping spans are
//! merged and each merged span is one hidden value, so the counts are exactly what was hidden.
//! Besides machine shapes (`password=…`, headers, PEM blocks, JWTs, vendor and cloud keys,
//! credentials in URLs, long random-looking tokens) it reads prose: a password, PIN or key
//! named in a sentence and followed by its value ("my VPN password is Hunter2!", "mein Passwort
//! ist Sommer2024", "le code PIN : 4821"), in several languages, while sentences about a
//! password that give none ("my password is not working", "the PIN pad is broken") are kept.
//!
//! Fields the user typed go through [`Redactor::user_field`]: each hidden value there is listed
//! as a [`Hidden`] item (its kind and the words around it, never the value) so the preview can
//! show it and let the user undo a false positive; an undone item is sent as typed.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What replaced a secret.
pub const SECRET_MARK: &str = "<redacted>";
/// What replaced a private key block.
pub const PRIVATE_KEY_MARK: &str = "<redacted private key>";
/// Characters of context shown before a hidden value in the preview.
const CONTEXT_BEFORE: usize = 40;
/// Characters of context shown after it.
const CONTEXT_AFTER: usize = 32;

/// Counts of what was hidden, reported in the bundle (`redactions`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedactionCounts {
    /// Secrets hidden: tokens, passwords, keys, credentials.
    pub secrets: u64,
    /// Personal values hidden: user names in paths, MAC addresses, serial numbers.
    pub personal: u64,
}

impl RedactionCounts {
    /// Everything hidden.
    #[must_use]
    pub const fn total(self) -> u64 {
        self.secrets + self.personal
    }
}

/// What kind of value was hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum HiddenKind {
    /// A password or passphrase.
    Password,
    /// A PIN or passcode.
    Pin,
    /// An API key, token, client secret, recovery or licence key, or a random-looking token.
    Key,
    /// A PEM private key block.
    PrivateKey,
    /// A JSON Web Token.
    Jwt,
    /// A cloud access key id (AWS style).
    CloudKey,
    /// Credentials in a URL or a connection string.
    Credentials,
    /// An `Authorization` header or scheme (Bearer, Basic, …), a cookie.
    Authorization,
    /// A user name in a path, or the logged-in user's name.
    UserName,
    /// A MAC address.
    MacAddress,
    /// The machine's serial number.
    Serial,
}

impl HiddenKind {
    /// Stable name (`password`, `pin`, `key`, …), as in the preview's JSON.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::Pin => "pin",
            Self::Key => "key",
            Self::PrivateKey => "private_key",
            Self::Jwt => "jwt",
            Self::CloudKey => "cloud_key",
            Self::Credentials => "credentials",
            Self::Authorization => "authorization",
            Self::UserName => "user_name",
            Self::MacAddress => "mac_address",
            Self::Serial => "serial",
        }
    }

    /// Personal data (hidden only with `tickets.redact_personal`), not a secret.
    #[must_use]
    pub const fn is_personal(self) -> bool {
        matches!(self, Self::UserName | Self::MacAddress | Self::Serial)
    }
}

/// One value hidden in a field the user typed, as the preview lists it: never the value itself,
/// only its kind and the words around it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hidden {
    /// Stable within the same text: `description:1` is the first value hidden in the
    /// description. Pass it back in [`Redactor::user_field`]'s `reveal` to send it as typed.
    pub id: String,
    /// The field: `subject`, `description`, `category` or `contact`.
    pub field: String,
    /// What it looked like.
    pub kind: HiddenKind,
    /// The text just before it (as sent, other hidden values masked).
    pub before: String,
    /// The text just after it.
    pub after: String,
    /// The user undid it: it is sent as typed and not counted as hidden.
    pub revealed: bool,
}

/// Redacts text and JSON values. Build one per bundle: it carries the personal values to hide
/// (the logged-in user's name, the machine's serial), the running counts and the list of values
/// hidden in the user's own fields.
#[derive(Debug, Default)]
pub struct Redactor {
    personal: bool,
    /// Literal personal values (user name, serial) with their kind and replacement.
    literals: Vec<(Regex, HiddenKind, &'static str)>,
    counts: RedactionCounts,
    hidden: Vec<Hidden>,
}

// `expect` is acceptable here: the patterns are constants, compiled once, and a test compiles
// every one of them, so a typo fails the test suite rather than a user's ticket.
fn re(pattern: &str) -> Regex {
    #[expect(clippy::expect_used, reason = "constant pattern, covered by tests")]
    Regex::new(pattern).expect("valid redaction pattern")
}

/// How a rule's match is judged before it is hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// Always hidden.
    Always,
    /// A value after `key=` or `key:`: hidden unless it is a word about the password
    /// ("Password: expired").
    Keyed,
    /// A value after a label and a connector ("is", ":", "ist", …): hidden unless it is a
    /// word that says something about the password rather than being it.
    Stated,
    /// A value right after a label with no connector ("password Hunter2!"): hidden only when it
    /// looks like a secret (letters with digits or symbols, or a long number).
    Bare,
    /// A long token on its own: hidden when it looks random.
    Random,
}

/// Where a rule's kind comes from.
#[derive(Debug, Clone, Copy)]
enum KindOf {
    /// Always this kind.
    Fixed(HiddenKind),
    /// From the label (capture group `k`): a password, a PIN or a key.
    Label,
}

/// One rule: the value to hide is capture group `v` when the pattern has one, else the whole
/// match.
struct Rule {
    re: Regex,
    kind: KindOf,
    check: Check,
    mark: &'static str,
}

/// Prose labels start at a word ("hotkey: F5" is not a key, "spin 1234" not a PIN), except
/// long password words, which end compounds ("Routerpasswort ist …"). Checked in code, not
/// with a Unicode `\b` in the pattern, which would make every search slow on non-ASCII text.
fn needs_word_start(check: Check, label: &str) -> bool {
    matches!(check, Check::Stated | Check::Bare)
        && (label_kind(label) != HiddenKind::Password || label.chars().count() <= 4)
}

fn rule(pattern: &str, kind: KindOf, check: Check, mark: &'static str) -> Rule {
    Rule {
        re: re(pattern),
        kind,
        check,
        mark,
    }
}

/// Words that name a password (any language, singular and plural).
const PASSWORD_WORDS: &str = r"pass(?:words?|wd|phrases?|w[öo]rter|wort|ord)|kennw[öo]rter|kennwort|mots?[ \t]+de[ \t]+passe|mdp|contrase[ñn]as?|senhas?|wachtwoord(?:en)?|has[łl]o|l[öo]senord|adgangskode|salasana|heslo|parola|пароль|pwd|pw";
/// Words that name a PIN.
const PIN_WORDS: &str = r"pin(?:[ \t-]?code)?|code[ \t]+pin|passcode|c[óo]digo[ \t]+pin";
/// Words that name a key or token.
const KEY_WORDS: &str = r"api[ \t_-]?keys?|access[ \t]+keys?|secret[ \t]+keys?|client[ \t]+secrets?|secrets?|tokens?|jetons?|recovery[ \t]+keys?|product[ \t]+keys?|licen[cs]e[ \t]+keys?|bitlocker[ \t]+(?:recovery[ \t]+)?keys?|cl[ée]s?[ \t]+(?:api|d'api|de[ \t]+r[ée]cup[ée]ration|de[ \t]+licence|de[ \t]+produit)|api-schl[üu]ssel|wiederherstellungsschl[üu]ssel|lizenzschl[üu]ssel";
/// Words that name a secret only when a `:` or `=` follows ("pass: …", "key = …").
const COLON_WORDS: &str = r"pass|key|keys|cl[ée]|clave|schl[üu]ssel|chave|sleutel";
/// A preposition phrase between the label and the connector ("password for the VPN is …").
const LABEL_PHRASE: &str = r"(?:[ \t]+(?:for|of|on|to|at|in|from|f[üu]r|f[üu]rs|zum|zur|vom|von|du|de|des|d'|pour|del|do|da|dos|das|para|van|voor|bij|della|di|dla|f[öo]r|til|av)(?:[ \t]+[^\s.,;:!?=]+){1,3})?";
/// Words that join a label to its value ("is", "ist", "est", "lautet", …), then adverbs.
const CONNECTOR: &str = r"(?:[ \t]*[:=：][ \t]*(?:\r?\n[ \t]*)?|[ \t]+(?:is|was|are|were|ist|war|lautet|lautete|hei(?:ss|ß)t|est|[ée]tait|es|era|é|è|jest|to|är|er|on|luidt|vaut|auf|en|has[ \t]+been|have[ \t]+been|wurde|got)(?:[ \t]+(?:now|still|currently|just|actually|simply|jetzt|nun|noch|immer|einfach|maintenant|toujours|actuellement|ahora|todav[íi]a|agora|ainda|nu|nog|steeds|ora|adesso|teraz|(?:set|changed|reset)[ \t]+to|ge[äa]ndert[ \t]+(?:auf|in|zu)|chang[ée][ \t]+en))?(?:[ \t]*:)?[ \t]+)";
/// A value: quoted (any quotes), or the run of non-space characters.
const VALUE: &str = r#"(?P<v>"[^"\r\n]{1,200}"|'[^'\r\n]{1,200}'|“[^”\r\n]{1,200}”|„[^“”\r\n]{1,200}[“”]|«[^»\r\n]{1,200}»|‘[^’\r\n]{1,200}’|`[^`\r\n]{1,200}`|[^\s]{1,200})"#;

/// Every rule, in priority order (an earlier rule's kind wins where spans overlap).
static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    use Check::{Always, Bare, Keyed, Random, Stated};
    use HiddenKind as K;
    use KindOf::{Fixed, Label};
    vec![
        // PEM private keys (RSA, EC, OPENSSH, ENCRYPTED, PGP blocks), also cut-off ones.
        rule(
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?s:.*?)(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\z)",
            Fixed(K::PrivateKey),
            Always,
            PRIVATE_KEY_MARK,
        ),
        // The tail of a key whose BEGIN line was cut off by a size cap.
        rule(
            r"\A[A-Za-z0-9+/=\s]*-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----",
            Fixed(K::PrivateKey),
            Always,
            PRIVATE_KEY_MARK,
        ),
        // JSON Web Tokens.
        rule(
            r"(?-u:\b)eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*",
            Fixed(K::Jwt),
            Always,
            SECRET_MARK,
        ),
        // AWS access key ids.
        rule(
            r"(?-u:\b)(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|ABIA|ACCA)[A-Z0-9]{16}(?-u:\b)",
            Fixed(K::CloudKey),
            Always,
            SECRET_MARK,
        ),
        // Vendor tokens with recognisable prefixes: GitHub, GitLab, Slack, Google, Stripe,
        // OpenAI-style, npm, PyPI.
        rule(
            r"(?-u:\b)(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{30,}|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|sk-[A-Za-z0-9_-]{20,}|npm_[A-Za-z0-9]{30,}|pypi-[A-Za-z0-9_-]{30,})",
            Fixed(K::Key),
            Always,
            SECRET_MARK,
        ),
        // Whole header lines that carry credentials.
        rule(
            r"(?im)^[ \t>]*(?:proxy-)?authorization[ \t]*[:=][ \t]*(?P<v>[^\r\n]+)",
            Fixed(K::Authorization),
            Always,
            SECRET_MARK,
        ),
        rule(
            r"(?im)^[ \t>]*(?:set-)?cookie[ \t]*:[ \t]*(?P<v>[^\r\n]+)",
            Fixed(K::Authorization),
            Always,
            SECRET_MARK,
        ),
        rule(
            r"(?im)^[ \t>]*x-(?:api-key|auth-token|redmine-api-key|vault-token)[ \t]*:[ \t]*(?P<v>[^\r\n]+)",
            Fixed(K::Key),
            Always,
            SECRET_MARK,
        ),
        // key = value pairs, quoted or not: password=..., "api_key": "...", Secret: ...,
        // Pwd={a;b} in connection strings.
        rule(
            r#"(?i)(?P<k>[A-Za-z0-9_.-]*(?:password|passwd|pwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?|session[_-]?id|auth[_-]?token)[A-Za-z0-9_.-]*)["']?[ \t]*(?:=|:)[ \t]*(?P<v>"[^"\r\n]*"|'[^'\r\n]*'|\{[^}\r\n]*\}|[^\s"',;&]+)"#,
            Label,
            Keyed,
            SECRET_MARK,
        ),
        // Authorization schemes anywhere in a line.
        rule(
            r"(?i)(?-u:\b)(?:bearer|token|basic|digest|negotiate|ntlm)[ \t]+(?P<v>[A-Za-z0-9\-._~+/]{8,}=*)",
            Fixed(K::Authorization),
            Always,
            SECRET_MARK,
        ),
        // Credentials in URLs: scheme://user:password@host.
        rule(
            r"(?i)\b[a-z][a-z0-9+.-]*://(?P<v>[^/\s:@]*:[^/\s@]*)@",
            Fixed(K::Credentials),
            Always,
            SECRET_MARK,
        ),
        // Command-line flags: --password X, --token=X.
        rule(
            r"(?i)--?(?P<k>password|passwd|pass|token|secret|api-key|apikey|access-key|client-secret|auth-token)(?:[ \t]+|=)(?P<v>'[^']*'|[^\s]+)",
            Label,
            Always,
            SECRET_MARK,
        ),
        // Prose: a label, maybe "for the VPN", a connector, the value.
        rule(
            &format!(
                r"(?i)(?P<k>{PASSWORD_WORDS}|{PIN_WORDS}|{KEY_WORDS})(?:[ \t]*\([^)\r\n]{{0,40}}\))?{LABEL_PHRASE}{CONNECTOR}{VALUE}"
            ),
            Label,
            Stated,
            SECRET_MARK,
        ),
        // Prose with only a colon or equals sign: "pass: …", "key = …".
        rule(
            &format!(r"(?i)(?P<k>{COLON_WORDS})[ \t]*[:=：][ \t]*{VALUE}"),
            Label,
            Stated,
            SECRET_MARK,
        ),
        // Prose with no connector: "password Hunter2! does not work", "PIN 4821".
        rule(
            &format!(r"(?i)(?P<k>{PASSWORD_WORDS}|{PIN_WORDS}|{KEY_WORDS})[ \t]+{VALUE}"),
            Label,
            Bare,
            SECRET_MARK,
        ),
        // A long random-looking token on its own.
        rule(
            r"[A-Za-z0-9+/_-]{32,}={0,2}",
            Fixed(K::Key),
            Random,
            SECRET_MARK,
        ),
    ]
});

/// JSON object keys whose value is a secret whatever it looks like.
static SECRET_KEY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(password|passwd|pwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|authorization|cookie|credential|session[_-]?id)",
    )
});

/// Personal data, hidden when `tickets.redact_personal` is on.
static PERSONAL: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    use HiddenKind as K;
    vec![
        rule(
            r"/home/(?P<v>[^/\s:]+)",
            KindOf::Fixed(K::UserName),
            Check::Always,
            "<user>",
        ),
        rule(
            r"/Users/(?P<v>[^/\s:]+)",
            KindOf::Fixed(K::UserName),
            Check::Always,
            "<user>",
        ),
        rule(
            r"(?i)(?-u:\b)[A-Z]:\\(?:Users|Documents and Settings)\\(?P<v>[^\\\s]+)",
            KindOf::Fixed(K::UserName),
            Check::Always,
            "<user>",
        ),
        rule(
            r"(?i)(?-u:\b)[0-9a-f]{2}(?:[:-][0-9a-f]{2}){5}(?-u:\b)",
            KindOf::Fixed(K::MacAddress),
            Check::Always,
            "<mac>",
        ),
    ]
});

/// Marks a value may already be (text redacted before is not hidden or counted again).
const MARKS: [&str; 5] = [SECRET_MARK, PRIVATE_KEY_MARK, "<user>", "<mac>", "<serial>"];

/// Words that say something about a password rather than being it ("my password is *not*
/// working", "Passwort ist *abgelaufen*"): a stated value that is one of these is kept.
#[rustfmt::skip]
const NOT_A_VALUE: &[&str] = &[
    // English
    "a", "about", "accepted", "actually", "already", "also", "always", "an", "and", "apparently",
    "asked", "at", "available", "bad", "being", "been", "blank", "blocked", "broken", "but",
    "case-sensitive", "changed", "changing", "compromised", "complex", "correct", "definitely",
    "different", "disabled", "due", "empty", "enabled", "entered", "expired", "expiring",
    "expires", "fine", "for", "forgotten", "from", "going", "good", "greyed", "grayed", "here",
    "hidden", "identical", "if", "in", "incomplete", "incorrect", "invalid", "it", "its", "just",
    "known", "leaked", "less", "like", "locked", "long", "longer", "lost", "managed", "mandatory",
    "maybe", "meant", "missing", "more", "my", "needed", "never", "new", "newer", "no", "not",
    "now", "of", "ok", "okay", "old", "older", "on", "only", "optional", "or", "our", "out",
    "perhaps", "probably", "prompted", "really", "refused", "rejected", "remembered", "required",
    "requested", "reset", "right", "same", "saved", "sent", "set", "short", "shorter", "shown",
    "simple", "since", "so", "somehow", "still", "stored", "strange", "strong", "stuck",
    "supposed", "synced", "that", "the", "their", "there", "this", "to", "too", "typed",
    "unavailable", "unchanged", "unknown", "valid", "very", "visible", "wrong", "weak", "weird",
    "what", "when", "which", "with", "working", "your", "yours", "mine", "one", "two", "three",
    "four", "five", "six", "seven", "eight", "nine", "ten", "twelve", "sixteen", "twenty", "least",
    "exactly", "only", "again", "get", "be", "do", "log", "login", "sign", "use", "access", "work",
    "change", "update", "reset",
    // French
    "pas", "plus", "faux", "fausse", "incorrect", "incorrecte", "expiré", "expirée", "bloqué",
    "bloquée", "verrouillé", "verrouillée", "refusé", "refusée", "invalide", "valide", "correct",
    "correcte", "trop", "très", "toujours", "encore", "le", "la", "les", "un", "une", "mon", "ma",
    "mes", "ton", "votre", "notre", "bon", "bonne", "mauvais", "mauvaise", "changé", "perdu",
    "oublié", "vide", "requis", "obligatoire", "nouveau", "nouvelle", "ancien", "ancienne", "même",
    "différent", "différente", "court", "long", "demandé", "clair", "dans", "sur", "sous",
    "enregistré", "déjà", "peut-être", "jamais",
    // German
    "nicht", "kein", "keine", "falsch", "richtig", "korrekt", "abgelaufen", "gesperrt", "ungültig",
    "gültig", "zu", "sehr", "noch", "immer", "schon", "jetzt", "der", "die", "das", "dem", "den",
    "ein", "eine", "einen", "mein", "meine", "dein", "deine", "unser", "neu", "alt", "leer",
    "vergessen", "geändert", "weg", "verloren", "kaputt", "erforderlich", "abgelehnt", "gleich",
    "anders", "kurz", "lang", "nun", "auch", "bereits", "gespeichert", "im", "in", "auf",
    "unbekannt",
    // Spanish
    "no", "incorrecta", "incorrecto", "correcta", "correcto", "caducada", "caducado", "expirada",
    "expirado", "bloqueada", "bloqueado", "inválida", "inválido", "válida", "válido", "muy",
    "demasiado", "el", "mi", "mis", "su", "nueva", "nuevo", "vieja", "viejo", "antigua", "igual",
    "misma", "mismo", "diferente", "corta", "larga", "olvidada", "todavía", "aún", "ya", "otra",
    "otro", "errónea", "equivocada",
    // Portuguese
    "não", "incorreta", "incorreto", "correta", "correto", "inválido", "muito", "o", "uma", "um",
    "minha", "meu", "antiga", "mesma", "curta", "longa", "ainda", "já", "errada", "errado",
    "bloqueado",
    // Dutch
    "niet", "geen", "fout", "onjuist", "juist", "verlopen", "geblokkeerd", "ongeldig", "geldig",
    "te", "erg", "zeer", "nog", "al", "de", "het", "een", "mijn", "nieuw", "oud", "leeg",
    "vergeten", "gewijzigd", "anders", "kort", "zelfde", "hetzelfde", "verkeerd",
    // Italian
    "non", "sbagliata", "sbagliato", "scaduta", "scaduto", "bloccata", "bloccato", "il", "mia",
    "mio", "nuova", "troppo", "ancora", "già", "errata",
];

/// Words after a number that make it a length or a count, not a PIN ("12 characters").
#[rustfmt::skip]
const UNITS: &[&str] = &[
    "characters", "character", "chars", "char", "caractères", "caracteres", "zeichen", "stellen",
    "tekens", "znaków", "digits", "digit", "chiffres", "ziffern", "dígitos", "digitos", "cijfers",
    "letters", "lettres", "buchstaben", "letras", "times", "fois", "mal", "veces", "vezes", "keer",
    "days", "jours", "tage", "tagen", "días", "dias", "dagen", "weeks", "semaines", "wochen",
    "hours", "heures", "stunden", "minutes", "minuten", "bits", "bytes", "attempts", "tries",
    "versuche", "tentatives", "intentos", "tentativas", "pogingen", "months", "mois", "monate",
    "meses", "maanden", "years", "ans", "jahre", "años", "anos", "jaar", "ago",
];

/// Characters a value may end or start with that belong to the sentence, not the value (they
/// are hidden with it, but ignored when judging it).
fn sentence_punct(c: char) -> bool {
    matches!(
        c,
        '.' | ','
            | ';'
            | ':'
            | '!'
            | '?'
            | '('
            | ')'
            | '['
            | ']'
            | '"'
            | '\''
            | '“'
            | '”'
            | '„'
            | '«'
            | '»'
            | '‘'
            | '’'
            | '`'
            | '*'
    )
}

fn is_mark(value: &str) -> bool {
    let core = value.trim_end_matches(|c: char| sentence_punct(c) || c.is_whitespace());
    MARKS.contains(&core)
}

/// A value in quotes: the quotes stay, what is inside is hidden.
fn quote_len(value: &str) -> Option<(usize, usize)> {
    let first = value.chars().next()?;
    let last = value.chars().next_back()?;
    let pair = matches!(
        (first, last),
        ('"', '"')
            | ('\'', '\'')
            | ('`', '`')
            | ('“', '”')
            | ('„', '“' | '”')
            | ('«', '»')
            | ('‘', '’')
    );
    (pair && value.chars().count() > 2).then(|| (first.len_utf8(), last.len_utf8()))
}

/// The first word after a value, lowercased.
fn next_word(rest: &str) -> String {
    rest.split_whitespace()
        .next()
        .unwrap_or("")
        .trim_matches(sentence_punct)
        .to_lowercase()
}

/// A number followed by a unit is a length or a count.
fn is_count(core: &str, rest: &str) -> bool {
    core.chars().all(|c| c.is_ascii_digit()) && UNITS.contains(&next_word(rest).as_str())
}

/// A value after `key=` or `key:`: hidden unless it is a word about the password.
fn keyed_value(value: &str) -> bool {
    let core = value.trim_matches(sentence_punct);
    core.chars().count() < 2 || !NOT_A_VALUE.contains(&core.to_lowercase().as_str())
}

/// A value after a label and a connector: hidden unless it is a word about the password.
fn stated_value(value: &str, rest: &str) -> bool {
    let core = value.trim_matches(sentence_punct);
    if core.chars().count() < 3 || is_count(core, rest) {
        return false;
    }
    let lower = core.to_lowercase();
    !NOT_A_VALUE.contains(&lower.as_str())
}

/// A value right after a label: hidden when it looks like a secret.
fn bare_value(value: &str, rest: &str) -> bool {
    let core = value.trim_matches(sentence_punct);
    let n = core.chars().count();
    if core.chars().all(|c| c.is_ascii_digit()) {
        return (4..=16).contains(&n) && !is_count(core, rest);
    }
    let letters = core.chars().any(char::is_alphabetic);
    let digits = core.chars().any(|c| c.is_ascii_digit());
    let symbols = core
        .chars()
        .any(|c| !c.is_alphanumeric() && !matches!(c, '-' | '\'' | '’' | '/' | '.'));
    n >= 6 && letters && (digits || symbols) && !NOT_A_VALUE.contains(&core.to_lowercase().as_str())
}

/// A long token that looks random: both cases, digits, many changes between kinds of
/// character (an identifier in CamelCase has few), not a path.
fn random_looking(token: &str) -> bool {
    let t = token.trim_end_matches('=');
    let n = t.chars().count();
    let class = |c: char| {
        if c.is_ascii_uppercase() {
            0
        } else if c.is_ascii_lowercase() {
            1
        } else if c.is_ascii_digit() {
            2
        } else {
            3
        }
    };
    let upper = t.chars().any(|c| class(c) == 0);
    let lower = t.chars().any(|c| class(c) == 1);
    let digits = t.chars().filter(|c| class(*c) == 2).count();
    let slashes = t.matches('/').count();
    let changes = t
        .chars()
        .zip(t.chars().skip(1))
        .filter(|(a, b)| class(*a) != class(*b))
        .count();
    n >= 32
        && upper
        && lower
        && digits >= 2
        && slashes <= 2
        && !t.starts_with('/')
        && changes * 5 >= n * 2
}

/// The kind a label names: a PIN, a password or a key.
fn label_kind(label: &str) -> HiddenKind {
    let l = label.to_lowercase();
    if l.starts_with("pin")
        || l.starts_with("code")
        || l.contains("passcode")
        || l.starts_with("código")
        || l.starts_with("codigo")
    {
        HiddenKind::Pin
    } else if l.contains("pass")
        || l.contains("pwd")
        || [
            "pw",
            "kennw",
            "mdp",
            "contrase",
            "senha",
            "wachtwoord",
            "hasło",
            "haslo",
            "lösen",
            "losen",
            "adgang",
            "salasana",
            "heslo",
            "parola",
            "пароль",
        ]
        .iter()
        .any(|w| l.starts_with(w))
    {
        HiddenKind::Password
    } else {
        HiddenKind::Key
    }
}

/// A span of the input to hide.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    kind: HiddenKind,
    mark: &'static str,
}

fn collect(rule: &Rule, text: &str, out: &mut Vec<Span>) {
    for c in rule.re.captures_iter(text) {
        let Some(m) = c.name("v").or_else(|| c.get(0)) else {
            continue;
        };
        let start_of_match = c.get(0).map_or(0, |w| w.start());
        let label = c.name("k").map_or("", |k| k.as_str());
        if needs_word_start(rule.check, label)
            && text[..start_of_match]
                .chars()
                .next_back()
                .is_some_and(|p| p.is_alphanumeric() || p == '_')
        {
            continue;
        }
        let (mut start, mut end) = (m.start(), m.end());
        let quoted = quote_len(m.as_str());
        if let Some((open, close)) = quoted {
            start += open;
            end -= close;
        }
        let value = &text[start..end];
        if value.trim().is_empty() || is_mark(value) {
            continue;
        }
        let rest = &text[end..];
        let hide = match rule.check {
            Check::Always => true,
            Check::Keyed => quoted.is_some() || keyed_value(value),
            Check::Stated => quoted.is_some() || stated_value(value, rest),
            Check::Bare => quoted.is_some() || bare_value(value, rest),
            Check::Random => random_looking(value),
        };
        if !hide {
            continue;
        }
        let kind = match rule.kind {
            KindOf::Fixed(k) => k,
            KindOf::Label => label_kind(label),
        };
        out.push(Span {
            start,
            end,
            kind,
            mark: rule.mark,
        });
    }
}

/// Overlapping spans become one (the earlier rule's kind wins; a secret wins over personal
/// data); touching secrets too.
fn merge(mut spans: Vec<Span>) -> Vec<Span> {
    // Stable: for the same range the earlier rule stays first.
    spans.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans {
        if let Some(last) = out.last_mut() {
            let touching = s.start == last.end && !s.kind.is_personal() && !last.kind.is_personal();
            if s.start < last.end || touching {
                last.end = last.end.max(s.end);
                if last.kind.is_personal() && !s.kind.is_personal() {
                    last.kind = s.kind;
                    last.mark = s.mark;
                }
                continue;
            }
        }
        out.push(s);
    }
    out
}

/// The last `n` characters of `s` on one line, with an ellipsis when cut.
fn tail_chars(s: &str, n: usize) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    let count = flat.chars().count();
    if count <= n {
        return flat;
    }
    let mut out = String::from("…");
    out.extend(flat.chars().skip(count - n));
    out
}

/// The first `n` characters of `s` on one line, with an ellipsis when cut.
fn head_chars(s: &str, n: usize) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    if flat.chars().count() <= n {
        return flat;
    }
    let mut out: String = flat.chars().take(n).collect();
    out.push('…');
    out
}

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
        let kind = if mark == "<serial>" {
            HiddenKind::Serial
        } else {
            HiddenKind::UserName
        };
        // ASCII word boundaries where the value allows: the regex engine's fast path does not
        // handle Unicode ones on non-ASCII text (a 1 MB log took a second).
        let b = if value.is_ascii() { r"(?-u:\b)" } else { r"\b" };
        let pattern = format!(r"(?i){b}{}{b}", regex::escape(value));
        if let Ok(r) = Regex::new(&pattern) {
            self.literals.push((r, kind, mark));
        }
    }

    /// The counts so far.
    #[must_use]
    pub fn counts(&self) -> RedactionCounts {
        self.counts
    }

    /// The values hidden (or revealed by the user) in the user's fields so far, in order.
    #[must_use]
    pub fn hidden(&self) -> &[Hidden] {
        &self.hidden
    }

    /// Redacts one piece of text.
    pub fn text(&mut self, input: &str) -> String {
        self.redact(input, self.personal)
    }

    /// Redacts secrets but keeps personal data: for what the user deliberately gave, such as
    /// their contact address.
    pub fn secrets_only(&mut self, input: &str) -> String {
        self.redact(input, false)
    }

    /// Redacts a field the user typed (`subject`, `description`, …) and lists every value
    /// hidden in it as a [`Hidden`] item, numbered `field:1`, `field:2`, … in reading order.
    /// Items whose id is in `reveal` are the user's undo: they are sent as typed, listed as
    /// revealed and not counted. `personal` is false for what the user gave on purpose (their
    /// contact); personal data is hidden only when the redactor hides it anyway.
    pub fn user_field(
        &mut self,
        field: &str,
        input: &str,
        personal: bool,
        reveal: &BTreeSet<String>,
    ) -> String {
        let spans = self.find(input, personal && self.personal);
        let mut out = String::with_capacity(input.len());
        let mut placed = Vec::with_capacity(spans.len());
        let mut at = 0;
        for (i, s) in spans.iter().enumerate() {
            let id = format!("{field}:{}", i + 1);
            let revealed = reveal.contains(&id);
            out.push_str(&input[at..s.start]);
            let from = out.len();
            if revealed {
                out.push_str(&input[s.start..s.end]);
            } else {
                out.push_str(s.mark);
                self.count(s.kind);
            }
            placed.push((id, s.kind, revealed, from, out.len()));
            at = s.end;
        }
        out.push_str(&input[at..]);
        for (id, kind, revealed, from, to) in placed {
            self.hidden.push(Hidden {
                id,
                field: field.to_owned(),
                kind,
                before: tail_chars(&out[..from], CONTEXT_BEFORE),
                after: head_chars(&out[to..], CONTEXT_AFTER),
                revealed,
            });
        }
        out
    }

    fn count(&mut self, kind: HiddenKind) {
        if kind.is_personal() {
            self.counts.personal += 1;
        } else {
            self.counts.secrets += 1;
        }
    }

    /// Every span to hide in `input`, merged.
    fn find(&self, input: &str, personal: bool) -> Vec<Span> {
        let mut spans = Vec::new();
        for rule in RULES.iter() {
            collect(rule, input, &mut spans);
        }
        if personal {
            for rule in PERSONAL.iter() {
                collect(rule, input, &mut spans);
            }
            for (pattern, kind, mark) in &self.literals {
                spans.extend(
                    pattern
                        .find_iter(input)
                        .filter(|m| !is_mark(m.as_str()))
                        .map(|m| Span {
                            start: m.start(),
                            end: m.end(),
                            kind: *kind,
                            mark,
                        }),
                );
            }
        }
        merge(spans)
    }

    fn redact(&mut self, input: &str, personal: bool) -> String {
        let spans = self.find(input, personal);
        if spans.is_empty() {
            return input.to_owned();
        }
        let mut out = String::with_capacity(input.len());
        let mut at = 0;
        for s in &spans {
            out.push_str(&input[at..s.start]);
            out.push_str(s.mark);
            self.count(s.kind);
            at = s.end;
        }
        out.push_str(&input[at..]);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(text: &str) -> String {
        Redactor::new(false).text(text)
    }

    #[test]
    fn every_pattern_compiles() {
        assert!(RULES.len() > 10);
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
