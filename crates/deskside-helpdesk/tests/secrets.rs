//! The privacy promise end to end: secrets and personal data are planted in every part a
//! ticket can carry (subject, description, category, contact, device snapshot, diagnosis,
//! fix results, audit entries, a log, a screenshot's metadata); the bundle is built with
//! personal-data redaction on, rendered, and sent through every connector to loopback
//! listeners and an SMTP sink. Every produced artifact — the JSON, the body, each attachment,
//! every captured HTTP request and the e-mail MIME, with base64 and quoted-printable decoded —
//! is scanned. None of the planted values may survive.

#![expect(clippy::unwrap_used, reason = "tests: a panic is the failure report")]

use base64::Engine as _;
use deskside_evidence::{BuildOptions, Evidence, LogFile, Screenshot, TicketRequest, Urgency};
use deskside_helpdesk::testing::{Recorded, Reply, Server, SmtpSink};
use deskside_helpdesk::{Connector, Outgoing, Secret, Settings};
use serde_json::json;

/// Values that must never leave the machine.
const PLANTED: &[&str] = &[
    "Hunter2Secret!",
    "ghp_AAAAbbbbCCCCddddEEEEffffGGGGhhhh1234",
    "CatSecret42",
    "ContactBearerToken123",
    "UrlPass77",
    "DeviceApiKey55",
    "QWxhZGRpbjpPcGVuU2VzYW1l",
    "Aladdin:OpenSesame",
    "AKIAIOSFODNN7EXAMPLE",
    "AuditPass31",
    "MIIEowIBAAKCAQEAplanted",
    "eyJzdWIiOiJwbGFudGVkIn0",
    "ScreenshotSecret88",
    "SessionCookie4242",
    "/home/jdoe",
    "C:\\Users\\jdoe",
    "aa:bb:cc:dd:ee:ff",
    "SNX12345",
];

fn png_with_text(text: &str) -> Vec<u8> {
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut c = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        c.extend_from_slice(&[0, 0, 0, 0]);
        c
    };
    let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
    p.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
    p.extend(chunk(b"tEXt", format!("Comment\0{text}").as_bytes()));
    p.extend(chunk(b"iTXt", format!("Author\0\0\0\0\0{text}").as_bytes()));
    p.extend(chunk(b"IDAT", &[0x78, 0x9c, 0x63, 0, 0, 0, 1, 0, 1]));
    p.extend(chunk(b"IEND", &[]));
    p
}

fn planted_outgoing() -> Outgoing {
    let request = TicketRequest {
        subject: "Git push fails, token ghp_AAAAbbbbCCCCddddEEEEffffGGGGhhhh1234".into(),
        description: "It says password=Hunter2Secret! is wrong; my files are in /home/jdoe/src and C:\\Users\\jdoe\\Desktop".into(),
        category: Some("secret=CatSecret42".into()),
        urgency: Urgency::High,
        contact: Some("jdoe@corp.example, Bearer ContactBearerToken123".into()),
    };
    let evidence = Evidence {
        device: Some(json!({
            "schema": "deskside.device/1",
            "hostname": "pc-042",
            "user": "jdoe",
            "hardware": {"vendor": "Dell", "model": "5440", "serial": "SNX12345"},
            "network": {
                "interfaces": [{"name": "wlan0", "kind": "wifi", "state": "up", "mac": "aa:bb:cc:dd:ee:ff", "addresses": []}],
                "proxy": {"url": "http://proxyuser:UrlPass77@proxy.corp.example:8080"}
            },
            "api_key": "DeviceApiKey55",
            "notes": ["serial SNX12345 read from /sys"]
        })),
        diagnosis: Some(json!({
            "schema": "deskside.report/1",
            "checks": [{"id": "net.proxy", "status": "fail", "summary": "proxy refused",
                        "evidence": {"request": "Authorization: Basic QWxhZGRpbjpPcGVuU2VzYW1l"}}],
            "diagnosis": {"status": "broken", "root_cause": "net.proxy", "headline": "The proxy server set on this computer is not working.", "summary": "It answered 407."}
        })),
        fixes: vec![json!({"id": "net.flush_dns", "status": "ok", "output": "used AKIAIOSFODNN7EXAMPLE"})],
        audit: vec![json!({"at": "2026-01-01T00:00:00Z", "command": "mount -o password=AuditPass31 //srv/share"})],
        logs: vec![LogFile {
            name: "client.log".into(),
            original_bytes: 0,
            content: b"start\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAplanted\nabc\n-----END RSA PRIVATE KEY-----\njwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbGFudGVkIn0.sig123sig\nCookie: SESSION=SessionCookie4242\nmac AA:BB:CC:DD:EE:FF on /home/jdoe/.cache\nend\n".to_vec(),
        }],
        screenshot: Some(Screenshot {
            png: png_with_text("token=ScreenshotSecret88"),
            consent: true,
        }),
    };
    let mut options = BuildOptions::default();
    options.policy.redact_personal = true;
    let bundle = deskside_evidence::build(
        &request,
        evidence,
        &options,
        time::OffsetDateTime::from_unix_timestamp(1_790_000_000).unwrap(),
    )
    .unwrap();
    assert!(
        bundle.screenshot.is_some(),
        "the screenshot is sent, without its metadata"
    );
    let rendered = deskside_evidence::render(&bundle).unwrap();
    Outgoing {
        key: "0f8fad5b-d9cb-469f-a165-70867728950e".into(),
        subject: rendered.subject,
        body: rendered.body,
        urgency: request.urgency,
        category: bundle.request.category.clone(),
        contact: bundle.request.contact.clone(),
        requester: rendered.requester,
        attachments: rendered.attachments,
    }
}

/// Raw bytes plus every base64 run and the quoted-printable reading, decoded.
fn readings(bytes: &[u8]) -> Vec<Vec<u8>> {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let mut out = vec![bytes.to_vec()];
    // Quoted-printable: soft breaks removed, =XX decoded.
    let soft = text.replace("=\r\n", "");
    let mut qp = Vec::new();
    let b = soft.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'='
            && i + 2 < b.len()
            && let Some(Ok(v)) = soft.get(i + 1..i + 3).map(|h| u8::from_str_radix(h, 16))
        {
            qp.push(v);
            i += 3;
            continue;
        }
        qp.push(b[i]);
        i += 1;
    }
    out.push(qp);
    // Base64 runs (MIME wraps them across lines): each block of non-empty lines, decoded from
    // every line start, so a run glued to a preceding word still decodes aligned.
    let engine = base64::engine::general_purpose::STANDARD_NO_PAD;
    for run in regex_lite(&text) {
        let lines: Vec<&str> = run.lines().map(str::trim).collect();
        for block in lines.split(|l| l.is_empty()) {
            for start in 0..block.len() {
                let joined: String = block[start..].concat();
                if let Ok(d) = engine.decode(joined.trim_end_matches('=')) {
                    out.push(d);
                }
            }
        }
    }
    out
}

/// Runs of base64 alphabet (with line breaks) at least 16 long.
fn regex_lite(text: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || "+/=\r\n".contains(c) {
            cur.push(c);
        } else {
            if cur.trim().len() >= 16 {
                runs.push(cur.clone());
            }
            cur.clear();
        }
    }
    if cur.trim().len() >= 16 {
        runs.push(cur);
    }
    runs
}

fn assert_clean(what: &str, bytes: &[u8]) {
    for reading in readings(bytes) {
        let text = String::from_utf8_lossy(&reading).to_ascii_lowercase();
        for secret in PLANTED {
            assert!(
                !text.contains(&secret.to_ascii_lowercase()),
                "{secret:?} survived in {what}"
            );
        }
    }
}

async fn sink_server() -> Server {
    Server::start(|r: &Recorded| {
        if r.method == "GET" {
            return Reply::json(200, &json!({"session_token": "s", "result": [{"sys_id": "a", "number": "INC1"}], "custom_fields": []}));
        }
        Reply::json(201, &json!({
            "id": 1, "number": "1", "issueKey": "IT-1", "ticket": {"id": 1}, "issue": {"id": 1},
            "upload": {"token": "t"}, "result": {"sys_id": "a", "number": "INC1"},
            "temporaryAttachments": [{"temporaryAttachmentId": "x"}]
        }))
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn no_planted_secret_survives_into_any_artifact() {
    let t = planted_outgoing();
    assert_clean("the ticket body", t.body.as_bytes());
    assert_clean("the subject", t.subject.as_bytes());
    for a in &t.attachments {
        assert_clean(&a.name, &a.data);
    }
    // The evidence is still there, only masked.
    let bundle = String::from_utf8_lossy(&t.attachments[0].data).into_owned();
    assert!(bundle.contains("<redacted private key>"));
    assert!(bundle.contains("/home/<user>/"));
    assert!(bundle.contains("<mac>"));
    assert!(bundle.contains("proxy refused"));
    assert!(t.body.starts_with("Deskside summary"));

    for kind in [
        "rt",
        "redmine",
        "jsm",
        "zendesk",
        "freshservice",
        "servicenow",
        "glpi",
        "zammad",
        "webhook",
    ] {
        let server = sink_server().await;
        let mut s = Settings::new(kind, Some(server.url().parse().unwrap()));
        s.queue = Some("General".into());
        s.project = Some("it".into());
        s.token = Some(Secret::new("tok"));
        s.api_key = Some(Secret::new("key"));
        s.user = Some("agent@corp.example".into());
        s.password = Some(Secret::new("pw"));
        s.service_desk_id = Some("1".into());
        s.request_type_id = Some("2".into());
        s.group = Some("Users".into());
        s.secret = Some(Secret::new("whsec"));
        s.from = Some("deskside@corp.example".into());
        let c = deskside_helpdesk::from_config(&s).unwrap();
        let remote = c.create(&t).await.unwrap();
        if c.attaches_separately() {
            c.attach(&remote, &t).await.unwrap();
        }
        let reqs = server.requests();
        assert!(!reqs.is_empty());
        for r in reqs {
            let mut all = r.target.clone().into_bytes();
            for (n, v) in &r.headers {
                all.extend(format!("{n}: {v}\n").into_bytes());
            }
            all.extend(&r.body);
            assert_clean(&format!("{kind} {} {}", r.method, r.path()), &all);
        }
    }

    let smtp = SmtpSink::start().await.unwrap();
    let mut s = Settings::new("email", None);
    s.smtp_host = Some("127.0.0.1".into());
    s.smtp_port = Some(smtp.port());
    s.smtp_tls = deskside_helpdesk::SmtpTls::None;
    s.from = Some("deskside@corp.example".into());
    s.to = Some("helpdesk@corp.example".into());
    deskside_helpdesk::from_config(&s)
        .unwrap()
        .create(&t)
        .await
        .unwrap();
    let msgs = smtp.messages();
    assert_eq!(msgs.len(), 1);
    assert_clean("the e-mail MIME", &msgs[0]);
}

/// The scanner itself finds a secret hidden in base64 and quoted-printable: the test above
/// would catch a leak through either encoding.
#[test]
fn the_scanner_sees_through_encodings() {
    let b64 = base64::engine::general_purpose::STANDARD
        .encode("xx Hunter2Secret! xx, long enough to wrap");
    let wrapped = format!(
        "Content-Transfer-Encoding: base64\r\n\r\n{}\r\n{}\r\n",
        &b64[..20],
        &b64[20..]
    );
    let found = readings(wrapped.as_bytes())
        .iter()
        .any(|r| String::from_utf8_lossy(r).contains("Hunter2Secret!"));
    assert!(found);
    let qp = b"password is Hunter2=\r\nSecret=21 ok";
    let found = readings(qp)
        .iter()
        .any(|r| String::from_utf8_lossy(r).contains("Hunter2Secret!"));
    assert!(found);
}
