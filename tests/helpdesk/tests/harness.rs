//! Proves the harness itself, without `desksidectl`: each server starts on loopback and does
//! what the connector tests rely on (RT and Redmine create and find tickets by key, the sink
//! stores mail, Prism flags a bad request), a taken port fails clearly, and every proxy fault
//! does what it says.

#![expect(clippy::unwrap_used, reason = "tests")]

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use deskside_helpdesk_tests::{
    Fault, FaultProxy, HarnessError, Kind, Prism, Redmine, Rt, Rule, SmtpSink, jsm_contract,
    request_problems, require,
};
use serde_json::json;

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

fn rt_create(url: &str, token: &str, key: &str) -> reqwest::blocking::Response {
    client()
        .post(format!("{url}REST/2.0/ticket"))
        .header("Authorization", format!("token {token}"))
        .json(&json!({
            "Queue": "General",
            "Subject": format!("harness {key}"),
            "Content": "made by the harness test",
            "ContentType": "text/plain",
            "CustomFields": {"Deskside Key": key},
            "Attachments": [{"FileName": "a.bin", "FileType": "application/octet-stream",
                              "FileContent": "AAECAwQ="}],
        }))
        .send()
        .unwrap()
}

#[test]
fn rt_and_every_proxy_fault() {
    require!(Kind::Rt);
    let rt = Rt::start().unwrap();
    let proxy = FaultProxy::start(rt.addr()).unwrap();
    let url = proxy.url();
    let token = rt.connector_token().to_owned();

    // Plain forwarding: created, readable with the admin token, attachment bytes intact.
    let resp = rt_create(&url, &token, "h-plain");
    assert_eq!(resp.status().as_u16(), 201);
    let ids = rt.tickets_with_key("h-plain").unwrap();
    assert_eq!(ids.len(), 1);
    let t = rt.ticket(ids[0]).unwrap();
    assert_eq!(t.subject, "harness h-plain");
    assert_eq!(t.key.as_deref(), Some("h-plain"));
    assert!(t.body.contains("made by the harness test"), "{t:?}");
    assert_eq!(t.files.len(), 1);
    assert_eq!(t.files[0].data, vec![0, 1, 2, 3, 4]);

    // 500 after forwarding: the client sees 500, the server has the ticket.
    proxy.add(Rule::new(Fault::StatusAfterForward(500)).on("POST", "/REST/2.0/ticket"));
    let resp = rt_create(&url, &token, "h-500");
    assert_eq!(resp.status().as_u16(), 500);
    assert_eq!(rt.tickets_with_key("h-500").unwrap().len(), 1);

    // 429 without forwarding, once; then through again.
    proxy
        .add(Rule::new(Fault::TooManyRequests { retry_after_s: 7 }).on("POST", "/REST/2.0/ticket"));
    let resp = rt_create(&url, &token, "h-429");
    assert_eq!(resp.status().as_u16(), 429);
    assert_eq!(resp.headers()["retry-after"], "7");
    assert!(rt.tickets_with_key("h-429").unwrap().is_empty());
    assert_eq!(rt_create(&url, &token, "h-429").status().as_u16(), 201);

    // Drop after forwarding: the client gets no answer, the server has the ticket.
    proxy.add(Rule::new(Fault::DropAfterForward).on("POST", "/REST/2.0/ticket"));
    assert!(
        client()
            .post(format!("{url}REST/2.0/ticket"))
            .header("Authorization", format!("token {token}"))
            .json(&json!({"Queue": "General", "Subject": "drop",
                          "CustomFields": {"Deskside Key": "h-drop"}}))
            .send()
            .is_err()
    );
    assert_eq!(rt.tickets_with_key("h-drop").unwrap().len(), 1);

    // Delayed answer: a client with a shorter timeout gives up, the ticket exists.
    proxy.add(
        Rule::new(Fault::DelayResponse(Duration::from_secs(3))).on("POST", "/REST/2.0/ticket"),
    );
    let short = reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = short
        .post(format!("{url}REST/2.0/ticket"))
        .header("Authorization", format!("token {token}"))
        .json(&json!({"Queue": "General", "Subject": "slow",
                      "CustomFields": {"Deskside Key": "h-slow"}}))
        .send()
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(rt.tickets_with_key("h-slow").unwrap().len(), 1);

    // The log saw every create, in order, with the faults applied.
    let creates = proxy.exchanges_to("POST", "/REST/2.0/ticket");
    let statuses: Vec<Option<u16>> = creates.iter().map(|e| e.status).collect();
    assert_eq!(
        statuses,
        [Some(201), Some(500), Some(429), Some(201), None, Some(201)],
        "{creates:#?}"
    );
    assert!(
        creates
            .iter()
            .all(|e| e.request_header("authorization").is_some())
    );
    assert_eq!(proxy.in_flight(), 0);

    // Upstream gone: 502 from the proxy.
    let mut rt = rt;
    rt.stop();
    assert_eq!(rt_create(&url, &token, "h-down").status().as_u16(), 502);
    rt.restart().unwrap();
    assert_eq!(rt_create(&url, &token, "h-up").status().as_u16(), 201);
    assert_eq!(rt.tickets_with_key("h-up").unwrap().len(), 1);
}

#[test]
fn a_taken_port_fails_clearly() {
    let holder = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = holder.local_addr().unwrap().port();
    let err = deskside_helpdesk_tests::ensure_port_free(port).unwrap_err();
    assert!(matches!(err, HarnessError::PortTaken { port: p } if p == port));
    assert!(err.to_string().contains(&port.to_string()), "{err}");
}

#[test]
fn redmine_creates_and_finds_by_key() {
    require!(Kind::Redmine);
    let rm = Redmine::start().unwrap();
    let http = client();
    let up: serde_json::Value = http
        .post(format!("{}uploads.json?filename=x.bin", rm.url()))
        .header("X-Redmine-API-Key", rm.api_key())
        .header("Content-Type", "application/octet-stream")
        .body(vec![0_u8, 1, 2, 255])
        .send()
        .unwrap()
        .json()
        .unwrap();
    let token = up["upload"]["token"].as_str().unwrap();
    let issue: serde_json::Value = http
        .post(format!("{}issues.json", rm.url()))
        .header("X-Redmine-API-Key", rm.api_key())
        .json(&json!({"issue": {
            "project_id": "it-support", "subject": "harness", "description": "d",
            "custom_fields": [{"id": rm.key_field_id(), "value": "h-rm"}],
            "uploads": [{"token": token, "filename": "x.bin",
                         "content_type": "application/octet-stream"}]}}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let id = issue["issue"]["id"].as_u64().unwrap();
    assert_eq!(rm.tickets_with_key("h-rm").unwrap(), [id]);
    assert!(rm.tickets_with_key("h-other").unwrap().is_empty());
    let t = rm.ticket(id).unwrap();
    assert_eq!(t.key.as_deref(), Some("h-rm"));
    assert_eq!(t.files[0].data, [0, 1, 2, 255]);
}

#[test]
fn smtp_sink_stores_and_parses_mail() {
    require!(Kind::Smtp);
    let sink = SmtpSink::start().unwrap();
    let mut s = TcpStream::connect((Ipv4Addr::LOCALHOST, sink.port())).unwrap();
    let mut r = BufReader::new(s.try_clone().unwrap());
    let mut line = String::new();
    let mut expect = |r: &mut BufReader<TcpStream>, code: &str| loop {
        line.clear();
        r.read_line(&mut line).unwrap();
        assert!(line.starts_with(code), "expected {code}, got {line}");
        if line.as_bytes().get(3) == Some(&b' ') {
            break;
        }
    };
    expect(&mut r, "220");
    for (cmd, code) in [
        ("EHLO test", "250"),
        ("MAIL FROM:<a@deskside.test>", "250"),
        ("RCPT TO:<b@deskside.test>", "250"),
        ("DATA", "354"),
    ] {
        write!(s, "{cmd}\r\n").unwrap();
        expect(&mut r, code);
    }
    let msg = "From: a@deskside.test\r\nTo: b@deskside.test\r\nSubject: hello\r\n\
               MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n\
               --XX\r\nContent-Type: text/plain\r\n\r\nbody text\r\n\
               --XX\r\nContent-Type: application/octet-stream\r\n\
               Content-Disposition: attachment; filename=\"x.bin\"\r\n\
               Content-Transfer-Encoding: base64\r\n\r\nAAEC/w==\r\n--XX--\r\n.\r\n";
    s.write_all(msg.as_bytes()).unwrap();
    expect(&mut r, "250");
    write!(s, "QUIT\r\n").unwrap();
    let mails = sink.messages().unwrap();
    assert_eq!(mails.len(), 1, "{}", sink.log_tail());
    assert_eq!(mails[0].subject, "hello");
    assert_eq!(mails[0].to, ["b@deskside.test"]);
    assert!(mails[0].text.contains("body text"));
    assert_eq!(mails[0].attachments[0].name, "x.bin");
    assert_eq!(mails[0].attachments[0].data, [0, 1, 2, 255]);
}

#[test]
fn prism_flags_a_bad_request_and_passes_a_good_one() {
    require!(Kind::Prism);
    let contract = jsm_contract();
    if !contract.is_file() {
        deskside_helpdesk_tests::skip(&format!("no contract at {}", contract.display()));
        return;
    }
    let prism = Prism::start(&contract).unwrap();
    let proxy = FaultProxy::start(prism.addr()).unwrap();
    let http = client();
    let post = |body: serde_json::Value| {
        http.post(format!("{}rest/servicedeskapi/request", proxy.url()))
            .basic_auth("agent@deskside.test", Some("t"))
            .json(&body)
            .send()
            .unwrap()
    };
    let good = post(json!({"serviceDeskId": "1", "requestTypeId": "2",
                           "requestFieldValues": {"summary": "s", "description": "d"}}));
    assert!(good.status().is_success());
    let bad = post(json!({"serviceDeskId": "1", "summary": "wrong place"}));
    assert!(!bad.status().is_success());
    let log = proxy.exchanges();
    assert_eq!(log.len(), 2);
    assert_eq!(
        request_problems(&log[0]),
        Vec::<String>::new(),
        "{:?}",
        log[0]
    );
    let problems = request_problems(&log[1]);
    assert!(
        problems.iter().any(|p| p.contains("request.body")),
        "{problems:?} {:?}",
        log[1].upstream_header("sl-violations")
    );
}

#[test]
fn dropping_a_server_frees_its_port() {
    // Dropping closes serve.sh's stdin, as the end of the test process would: the server stops.
    require!(Kind::Smtp);
    let sink = SmtpSink::start().unwrap();
    let port = sink.port();
    assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok());
    drop(sink);
    assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err());
}

#[test]
fn fixture_pngs_are_well_formed() {
    // Decoded by Python's zlib + a chunk walk, independently of the fixture code.
    let dir = tempfile::tempdir().unwrap();
    for (name, data) in [
        ("plain.png", deskside_helpdesk_tests::fixtures::png(None)),
        (
            "meta.png",
            deskside_helpdesk_tests::fixtures::png(Some("x")),
        ),
        (
            "noise.png",
            deskside_helpdesk_tests::fixtures::noise_png(300, 200, 1),
        ),
    ] {
        std::fs::write(dir.path().join(name), &data).unwrap();
    }
    let script = r#"
import struct, sys, zlib, pathlib
for p in sorted(pathlib.Path(sys.argv[1]).glob('*.png')):
    b = p.read_bytes(); assert b[:8] == b'\x89PNG\r\n\x1a\n'; i = 8; idat = b''
    while i < len(b):
        n, = struct.unpack('>I', b[i:i+4]); t = b[i+4:i+8]; d = b[i+8:i+8+n]
        assert zlib.crc32(t + d) == struct.unpack('>I', b[i+8+n:i+12+n])[0], (p, t)
        if t == b'IHDR': w, h = struct.unpack('>II', d[:8])
        if t == b'IDAT': idat += d
        i += 12 + n
    assert len(zlib.decompress(idat)) == h * (1 + 3 * w), p
    print(p.name, 'ok')
"#;
    #[expect(clippy::disallowed_methods, reason = "test: an independent decoder")]
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3);
}

#[test]
fn a_namespace_reaches_the_server_only_through_its_proxy() {
    require!(Kind::Smtp);
    let sink = SmtpSink::start().unwrap();
    let ns = deskside_helpdesk_tests::Netns::new().unwrap();
    let bridge = deskside_helpdesk_tests::TcpBridge::start_in(sink.addr(), Some(&ns)).unwrap();
    let (direct, bridged) = (sink.port(), bridge.port());
    let greeting = ns
        .run_inside(move || {
            // The host's loopback is not this namespace's: the sink is not reachable directly.
            assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, direct)).is_err());
            let s = TcpStream::connect((Ipv4Addr::LOCALHOST, bridged))?;
            let mut line = String::new();
            BufReader::new(s).read_line(&mut line)?;
            Ok(line)
        })
        .unwrap();
    assert!(greeting.starts_with("220"), "{greeting}");
}
