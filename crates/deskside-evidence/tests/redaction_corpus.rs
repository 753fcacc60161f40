//! The prose-secret corpus (`tests/fixtures/prose-secrets.txt`): every planted secret is gone
//! from every output (the redacted field, the preview's hidden-value list, the ticket body and
//! the JSON attachment), in every field the user types, alone and all together; every innocent
//! sentence arrives exactly as written; the count is exactly the number of values hidden; an
//! undone item is sent as typed and no longer counted.

#[cfg(test)]
mod corpus {
    use std::collections::BTreeSet;

    use deskside_evidence::{
        BuildOptions, Evidence, Redactor, TicketRequest, Urgency, build, render,
    };

    /// A planted sentence and its secret, or an innocent sentence.
    struct Corpus {
        planted: Vec<(String, String)>,
        innocent: Vec<String>,
    }

    fn corpus() -> Corpus {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/prose-secrets.txt"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let mut c = Corpus {
            planted: Vec::new(),
            innocent: Vec::new(),
        };
        for line in text.lines() {
            let line = line.replace("\\n", "\n");
            if let Some(s) = line.strip_prefix("S ") {
                let open = s.find("[[").unwrap();
                let close = s.find("]]").unwrap();
                let secret = s[open + 2..close].to_owned();
                let sentence = format!("{}{}{}", &s[..open], secret, &s[close + 2..]);
                c.planted.push((sentence, secret));
            } else if let Some(s) = line.strip_prefix("I ") {
                c.innocent.push(s.to_owned());
            }
        }
        assert!(c.planted.len() >= 50 && c.innocent.len() >= 40);
        c
    }

    fn no_reveal() -> BTreeSet<String> {
        BTreeSet::new()
    }

    #[test]
    fn every_planted_secret_is_hidden_alone_and_counted_once_per_value() {
        let c = corpus();
        let mut leaks = Vec::new();
        for (sentence, secret) in &c.planted {
            let mut r = Redactor::new(false);
            let out = r.user_field("description", sentence, true, &no_reveal());
            let hidden = r.hidden();
            let context: String = hidden
                .iter()
                .map(|h| format!("{}|{}", h.before, h.after))
                .collect();
            if out.contains(secret.as_str())
                || context.contains(secret.as_str())
                || hidden.is_empty()
            {
                leaks.push(format!("{sentence:?} -> {out:?}"));
            }
            assert_eq!(
                r.counts().total(),
                hidden.len() as u64,
                "{sentence:?}: the count is the number of values hidden"
            );
        }
        assert!(leaks.is_empty(), "secrets survived:\n{}", leaks.join("\n"));
    }

    #[test]
    fn every_innocent_sentence_survives_untouched() {
        let c = corpus();
        let mut damaged = Vec::new();
        for sentence in &c.innocent {
            let mut r = Redactor::new(true);
            let out = r.user_field("description", sentence, true, &no_reveal());
            if out != *sentence || !r.hidden().is_empty() {
                damaged.push(format!("{sentence:?} -> {out:?}"));
            }
        }
        assert!(
            damaged.is_empty(),
            "innocent sentences changed:\n{}",
            damaged.join("\n")
        );
    }

    fn request(description: String, subject: &str) -> TicketRequest {
        TicketRequest {
            subject: subject.to_owned(),
            description,
            category: None,
            urgency: Urgency::Normal,
            contact: Some("jdoe@corp.example, my PIN is 9931".to_owned()),
        }
    }

    fn ticket(
        req: &TicketRequest,
        reveal: BTreeSet<String>,
    ) -> (deskside_evidence::Bundle, String) {
        let options = BuildOptions {
            reveal,
            ..BuildOptions::default()
        };
        let now = time::OffsetDateTime::from_unix_timestamp(1_790_000_000).unwrap();
        let bundle = build(req, Evidence::default(), &options, now).unwrap();
        let rendered = render(&bundle).unwrap();
        let mut everything = format!("{}\n{}\n", rendered.subject, rendered.body);
        for a in &rendered.attachments {
            everything.push_str(&String::from_utf8_lossy(&a.data));
        }
        (bundle, everything)
    }

    #[test]
    fn the_whole_corpus_in_one_ticket_leaks_nothing_and_keeps_every_innocent_line() {
        let c = corpus();
        let mut lines: Vec<&str> = Vec::new();
        for (i, (sentence, _)) in c.planted.iter().enumerate() {
            lines.push(sentence);
            if let Some(innocent) = c.innocent.get(i) {
                lines.push(innocent);
            }
        }
        lines.extend(c.innocent.iter().skip(c.planted.len()).map(String::as_str));
        let req = request(lines.join("\n"), "VPN rejects password Hunter3? twice");
        let (bundle, everything) = ticket(&req, no_reveal());
        for (_, secret) in &c.planted {
            assert!(
                !everything.contains(secret.as_str()),
                "{secret:?} reached the ticket"
            );
        }
        for s in ["Hunter3?", "9931"] {
            assert!(
                !everything.contains(s),
                "{s:?} (subject, contact) reached the ticket"
            );
        }
        assert!(
            everything.contains("jdoe@corp.example"),
            "the contact stays"
        );
        let json: serde_json::Value =
            serde_json::from_slice(&render(&bundle).unwrap().attachments[0].data).unwrap();
        let description = json["request"]["description"].as_str().unwrap();
        for innocent in &c.innocent {
            assert!(
                description.lines().any(|l| l == innocent),
                "{innocent:?} did not arrive intact"
            );
            assert!(everything.contains(innocent.as_str()));
        }
        // Exactly what was hidden: one count per listed item, nothing else in a text-only ticket.
        assert_eq!(bundle.redactions.total(), bundle.hidden.len() as u64);
        assert!(bundle.hidden.iter().all(|h| !h.revealed));
        let fields: BTreeSet<&str> = bundle.hidden.iter().map(|h| h.field.as_str()).collect();
        assert_eq!(
            fields,
            BTreeSet::from(["contact", "description", "subject"]),
            "values hidden in every field the user typed"
        );
    }

    #[test]
    fn an_undone_item_is_sent_as_typed_and_no_longer_counted() {
        let req = request(
            "My VPN password is Hunter2! and my PIN is 4821.\nThe printer code is Bravo-7".into(),
            "VPN",
        );
        let (before, text) = ticket(&req, no_reveal());
        assert!(!text.contains("Hunter2!") && !text.contains("4821"));
        let ids: Vec<&str> = before.hidden.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["description:1", "description:2", "contact:1"]);
        assert_eq!(
            before.hidden[0].kind,
            deskside_evidence::HiddenKind::Password
        );
        assert_eq!(before.hidden[1].kind, deskside_evidence::HiddenKind::Pin);
        assert!(before.hidden[0].before.ends_with("My VPN password is "));
        assert!(
            before.hidden[0]
                .after
                .starts_with(" and my PIN is <redacted>"),
            "{:?}",
            before.hidden[0]
        );

        // The user says the PIN is not a secret: it is sent, the password stays hidden.
        let (after, text) = ticket(&req, BTreeSet::from(["description:2".to_owned()]));
        assert!(text.contains("my PIN is 4821."), "the undone value is sent");
        assert!(!text.contains("Hunter2!"));
        assert_eq!(after.redactions.total(), before.redactions.total() - 1);
        assert!(after.hidden[1].revealed && !after.hidden[0].revealed);
        assert_eq!(
            after.redactions.total(),
            after.hidden.iter().filter(|h| !h.revealed).count() as u64
        );
    }
}
