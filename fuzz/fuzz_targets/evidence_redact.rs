//! The ticket bundle's redactor on arbitrary user text and JSON. Besides never panicking, it
//! must not let a planted secret through: the input is split in two and `password=<token>` is
//! put between the halves (the token is letters and digits only, so every reading of
//! "password=value" covers it), and a JSON copy carries the token under a secret key. After
//! redaction the token must be gone from both. The same planted text goes through
//! `user_field` (the user's own fields, with the per-value list and undo): the token must be
//! gone, the count must be exactly the values listed as hidden, and no listed context may carry
//! the token; undoing the first value must still hide every other one.
#![no_main]

use std::collections::BTreeSet;

use deskside_evidence::Redactor;
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    let personal = data.len() % 2 == 0;
    // A token no input contains by chance: derived from the input, prefixed.
    let sum = data.iter().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    });
    let token = format!("Qz7{sum:08x}tok");
    if text.contains(&token) {
        return;
    }

    let mut r = Redactor::new(personal);
    r.hide_literal(text.split_whitespace().next().unwrap_or_default(), "<user>");
    let _ = r.text(text);
    let _ = r.secrets_only(text);

    let mut mid = text.len() / 2;
    while !text.is_char_boundary(mid) {
        mid -= 1;
    }
    let (head, tail) = text.split_at(mid);
    let planted = format!("{head} password={token} {tail}");
    let out = r.text(&planted);
    assert!(!out.contains(&token), "planted secret survived: {out:?}");
    let out = r.secrets_only(&planted);
    assert!(
        !out.contains(&token),
        "planted secret survived secrets_only: {out:?}"
    );

    let parsed = serde_json::from_slice::<Value>(data).unwrap_or_else(|_| json!(text));
    let mut value = json!({"data": parsed, "auth": {"client_secret": token}, "log": planted});
    r.json(&mut value);
    let out = value.to_string();
    assert!(
        !out.contains(&token),
        "planted secret survived in JSON: {out}"
    );
    let _ = r.counts();

    let mut u = Redactor::new(personal);
    let out = u.user_field("description", &planted, true, &BTreeSet::new());
    assert!(
        !out.contains(&token),
        "planted secret survived user_field: {out:?}"
    );
    let listed = u.hidden().iter().filter(|h| !h.revealed).count() as u64;
    assert_eq!(u.counts().total(), listed, "count differs from the list");
    for h in u.hidden() {
        assert!(
            !h.before.contains(&token) && !h.after.contains(&token),
            "planted secret in the context of {}",
            h.id
        );
    }
    // Undo all values but one: for some one value (the one holding the token) the token stays
    // hidden, and the count is always exactly what the list says is hidden.
    let ids: Vec<String> = u.hidden().iter().map(|h| h.id.clone()).collect();
    let mut held = false;
    for keep in ids.iter().take(16) {
        let reveal: BTreeSet<String> = ids.iter().filter(|i| *i != keep).cloned().collect();
        let mut v = Redactor::new(personal);
        let out = v.user_field("description", &planted, true, &reveal);
        let hidden_now = v.hidden().iter().filter(|h| !h.revealed).count() as u64;
        assert_eq!(v.counts().total(), hidden_now, "count differs after undo");
        held |= !out.contains(&token);
    }
    assert!(
        held || ids.len() > 16,
        "no single hidden value holds the planted secret"
    );
});
