//! Request shapes of every connector, checked against what the vendors document, by sending
//! to a loopback listener that records each request: paths, auth headers, bodies, multipart
//! parts, the idempotency mechanisms (custom field, `external_id`, `correlation_id`,
//! `Idempotency-Key`, summary tag, `Message-ID`) and the webhook signature.

#![expect(clippy::unwrap_used, reason = "tests: a panic is the failure report")]

use base64::Engine as _;
use deskside_helpdesk::testing::{Recorded, Reply, Server, SmtpSink};
use deskside_helpdesk::{
    Attachment, Connector, Email, Freshservice, Glpi, Jsm, Outgoing, Redmine, Rt, Secret,
    ServiceNow, Settings, Urgency, Webhook, Zammad, Zendesk,
};
use serde_json::{Value, json};

const KEY: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

fn ticket() -> Outgoing {
    Outgoing {
        key: KEY.into(),
        subject: "VPN keeps dropping".into(),
        body: format!("Deskside summary\nRoot cause: vpn.tunnel\n\nDeskside reference: {KEY}\n"),
        urgency: Urgency::High,
        category: Some("vpn".into()),
        contact: Some("jdoe@corp.example".into()),
        attachments: vec![
            Attachment {
                name: "deskside-bundle.json".into(),
                content_type: "application/json".into(),
                data: br#"{"schema":"deskside.bundle/1"}"#.to_vec(),
            },
            Attachment {
                name: "screenshot.png".into(),
                content_type: "image/png".into(),
                data: b"\x89PNG\r\n\x1a\n-image-".to_vec(),
            },
        ],
    }
}

/// Answers every request with a body that satisfies any connector's create/upload step.
async fn generic() -> Server {
    Server::start(|r: &Recorded| {
        if r.method == "GET" {
            return Reply::json(
                200,
                &json!({"items": [], "issues": [], "tickets": [], "values": [], "result": [{"sys_id": "6816f79cc0a8016401c5a33be04be441", "number": "INC0010001"}], "session_token": "sess-1", "custom_fields": [{"id": 7, "name": "Deskside Key", "customized_type": "issue"}]}),
            );
        }
        Reply::json(
            201,
            &json!({
                "id": 1,
                "number": "31001",
                "issueKey": "IT-1",
                "issueId": "10001",
                "_links": {"web": "https://jsm.example.invalid/servicedesk/customer/portal/1/IT-1"},
                "ticket": {"id": 1},
                "issue": {"id": 1},
                "upload": {"token": "upload-token-1"},
                "result": {"sys_id": "6816f79cc0a8016401c5a33be04be441", "number": "INC0010001"},
                "temporaryAttachments": [{"temporaryAttachmentId": "temp-1", "fileName": "deskside-bundle.json"}],
            }),
        )
    })
    .await
    .unwrap()
}

fn settings(kind: &str, server: &Server) -> Settings {
    Settings::new(kind, Some(server.url().parse().unwrap()))
}

fn basic(user: &str, pass: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    )
}

fn b64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

/// One multipart part: (name, filename, content-type, bytes).
type Part = (String, Option<String>, Option<String>, Vec<u8>);

/// The parts of a multipart body.
fn multipart(r: &Recorded) -> Vec<Part> {
    let ct = r.header("content-type").unwrap();
    assert!(ct.starts_with("multipart/form-data; boundary="), "{ct}");
    let boundary = format!("--{}", ct.split("boundary=").nth(1).unwrap());
    let body = &r.body;
    let mut parts = Vec::new();
    let mut rest = &body[..];
    while let Some(start) = find(rest, boundary.as_bytes()) {
        rest = &rest[start + boundary.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let end = find(rest, boundary.as_bytes()).unwrap();
        let part = &rest[2..end - 2];
        let split = find(part, b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&part[..split]).into_owned();
        let data = part[split + 4..].to_vec();
        let disp = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))
            .unwrap();
        let attr = |n: &str| {
            disp.split(&format!("{n}=\""))
                .nth(1)
                .map(|s| s.split('"').next().unwrap().to_owned())
        };
        let ctype = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-type"))
            .map(|l| l.split_once(':').unwrap().1.trim().to_owned());
        parts.push((attr("name").unwrap(), attr("filename"), ctype, data));
        rest = &rest[end..];
    }
    parts
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[tokio::test]
async fn rt_rest2_ticket_with_custom_field_and_base64_attachments() {
    let server = generic().await;
    let mut s = settings("rt", &server);
    s.queue = Some("General".into());
    s.token = Some(Secret::new("1-14-abc"));
    let rt = Rt::new(&s).unwrap();
    let remote = rt.create(&ticket()).await.unwrap();
    assert_eq!(remote.id, "1");
    let _ = rt.find_by_key(&ticket()).await.unwrap();
    let reqs = server.requests();
    let create = &reqs[0];
    assert_eq!(
        (create.method.as_str(), create.path()),
        ("POST", "/REST/2.0/ticket")
    );
    assert_eq!(create.header("authorization"), Some("token 1-14-abc"));
    assert_eq!(create.header("content-type"), Some("application/json"));
    let b = create.json();
    assert_eq!(b["Queue"], "General");
    assert_eq!(b["Subject"], "VPN keeps dropping");
    assert_eq!(b["ContentType"], "text/plain");
    assert_eq!(b["CustomFields"]["Deskside Key"], KEY);
    assert_eq!(b["Requestor"], "jdoe@corp.example");
    assert_eq!(b["Attachments"][1]["FileName"], "screenshot.png");
    assert_eq!(b["Attachments"][1]["FileType"], "image/png");
    assert_eq!(
        b64(b["Attachments"][1]["FileContent"].as_str().unwrap()),
        ticket().attachments[1].data
    );
    let search = &reqs[1];
    assert_eq!(
        (search.method.as_str(), search.path()),
        ("GET", "/REST/2.0/tickets")
    );
    assert!(
        search
            .query()
            .contains(&("query".into(), format!("CF.{{Deskside Key}} = '{KEY}'")))
    );
}

#[tokio::test]
async fn redmine_uploads_first_then_the_issue_with_tokens_and_custom_field() {
    let server = generic().await;
    let mut s = settings("redmine", &server);
    s.project = Some("it-support".into());
    s.api_key = Some(Secret::new("redmine-key"));
    let rm = Redmine::new(&s).unwrap();
    rm.create(&ticket()).await.unwrap();
    rm.find_by_key(&ticket()).await.unwrap();
    let reqs = server.requests();
    assert_eq!(reqs[0].path(), "/custom_fields.json");
    for (i, a) in ticket().attachments.iter().enumerate() {
        let up = &reqs[1 + i];
        assert_eq!((up.method.as_str(), up.path()), ("POST", "/uploads.json"));
        assert_eq!(up.query(), [("filename".to_owned(), a.name.clone())]);
        assert_eq!(up.header("content-type"), Some("application/octet-stream"));
        assert_eq!(up.header("x-redmine-api-key"), Some("redmine-key"));
        assert_eq!(up.body, a.data);
    }
    let issue = &reqs[3];
    assert_eq!(
        (issue.method.as_str(), issue.path()),
        ("POST", "/issues.json")
    );
    let b = issue.json();
    assert_eq!(b["issue"]["project_id"], "it-support");
    assert_eq!(
        b["issue"]["custom_fields"],
        json!([{"id": 7, "value": KEY}])
    );
    assert_eq!(
        b["issue"]["uploads"][0],
        json!({"token": "upload-token-1", "filename": "deskside-bundle.json", "content_type": "application/json"})
    );
    assert!(b["issue"]["description"].as_str().unwrap().contains(KEY));
    // Search: the custom-field filter, then the description, closed issues included.
    let q = reqs[4].query();
    assert!(q.contains(&("cf_7".into(), KEY.into())), "{q:?}");
    assert!(q.contains(&("status_id".into(), "*".into())));
    let q = reqs[5].query();
    assert!(
        q.contains(&("op[description]".into(), "~".into()))
            && q.contains(&("v[description][]".into(), KEY.into())),
        "{q:?}"
    );
}

#[tokio::test]
async fn redmine_without_admin_rights_searches_the_description() {
    let server = Server::start(|r: &Recorded| match r.path() {
        "/custom_fields.json" => Reply::json(403, &json!({})),
        "/issues.json" if r.method == "GET" => Reply::json(
            200,
            &json!({"issues": [{"id": 9, "description": format!("x\nDeskside reference: {KEY}\n")}]}),
        ),
        _ => Reply::json(500, &json!({})),
    })
    .await
    .unwrap();
    let mut s = settings("redmine", &server);
    s.project = Some("it".into());
    s.api_key = Some(Secret::new("k"));
    let found = Redmine::new(&s)
        .unwrap()
        .find_by_key(&ticket())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, "9");
    assert_eq!(found.url.unwrap(), format!("{}issues/9", server.url()));
}

#[tokio::test]
async fn jsm_request_then_temporary_files_then_attach() {
    let server = generic().await;
    let mut s = settings("jsm", &server);
    s.user = Some("agent@corp.example".into());
    s.token = Some(Secret::new("atl-token"));
    s.service_desk_id = Some("1".into());
    s.request_type_id = Some("10".into());
    let jsm = Jsm::new(&s).unwrap();
    assert!(jsm.attaches_separately());
    let remote = jsm.create(&ticket()).await.unwrap();
    assert_eq!(remote.id, "IT-1");
    jsm.attach(&remote, &ticket()).await.unwrap();
    jsm.find_by_key(&ticket()).await.unwrap();
    let reqs = server.requests();
    let auth = basic("agent@corp.example", "atl-token");
    assert!(
        reqs.iter()
            .all(|r| r.header("authorization") == Some(auth.as_str()))
    );
    let create = &reqs[0];
    assert_eq!(create.path(), "/rest/servicedeskapi/request");
    let b = create.json();
    let mut keys: Vec<&String> = b.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["requestFieldValues", "requestTypeId", "serviceDeskId"]
    );
    assert_eq!(b["serviceDeskId"], "1");
    assert_eq!(
        b["requestFieldValues"]["summary"],
        format!("VPN keeps dropping [{KEY}]")
    );
    let tmp = &reqs[1];
    assert_eq!(
        tmp.path(),
        "/rest/servicedeskapi/servicedesk/1/attachTemporaryFile"
    );
    assert_eq!(tmp.header("x-atlassian-token"), Some("no-check"));
    let parts = multipart(tmp);
    assert_eq!(parts.len(), 2);
    assert!(parts.iter().all(|p| p.0 == "file"));
    assert_eq!(parts[1].1.as_deref(), Some("screenshot.png"));
    assert_eq!(parts[1].3, ticket().attachments[1].data);
    let attach = &reqs[2];
    assert_eq!(
        attach.path(),
        "/rest/servicedeskapi/request/IT-1/attachment"
    );
    assert_eq!(
        attach.json(),
        json!({"temporaryAttachmentIds": ["temp-1"], "public": true})
    );
    let q = reqs[3].query();
    assert!(
        q.contains(&("searchTerm".into(), KEY.into()))
            && q.contains(&("requestStatus".into(), "ALL_REQUESTS".into())),
        "{q:?}"
    );
}

#[tokio::test]
async fn zendesk_uploads_then_ticket_with_idempotency_key_and_external_id() {
    let server = generic().await;
    let mut s = settings("zendesk", &server);
    s.user = Some("agent@corp.example".into());
    s.token = Some(Secret::new("zd-token"));
    let zd = Zendesk::new(&s).unwrap();
    zd.create(&ticket()).await.unwrap();
    zd.find_by_key(&ticket()).await.unwrap();
    let reqs = server.requests();
    let auth = basic("agent@corp.example/token", "zd-token");
    assert!(
        reqs.iter()
            .all(|r| r.header("authorization") == Some(auth.as_str()))
    );
    assert_eq!(reqs[0].path(), "/api/v2/uploads.json");
    assert_eq!(
        reqs[0].query(),
        [("filename".to_owned(), "deskside-bundle.json".to_owned())]
    );
    assert_eq!(reqs[0].header("content-type"), Some("application/json"));
    assert_eq!(reqs[1].header("content-type"), Some("image/png"));
    let t = &reqs[2];
    assert_eq!(
        (t.method.as_str(), t.path()),
        ("POST", "/api/v2/tickets.json")
    );
    assert_eq!(t.header("idempotency-key"), Some(KEY));
    let b = t.json();
    assert_eq!(b["ticket"]["external_id"], KEY);
    assert_eq!(b["ticket"]["priority"], "high");
    assert_eq!(
        b["ticket"]["comment"]["uploads"],
        json!(["upload-token-1", "upload-token-1"])
    );
    assert_eq!(b["ticket"]["requester"]["email"], "jdoe@corp.example");
    assert_eq!(
        reqs[3].query(),
        [("external_id".to_owned(), KEY.to_owned())]
    );
}

#[tokio::test]
async fn freshservice_multipart_ticket_with_custom_field_and_filter_search() {
    let server = generic().await;
    let mut s = settings("freshservice", &server);
    s.api_key = Some(Secret::new("fs-key"));
    s.from = Some("deskside@corp.example".into());
    let fs = Freshservice::new(&s).unwrap();
    fs.create(&ticket()).await.unwrap();
    fs.find_by_key(&ticket()).await.unwrap();
    let reqs = server.requests();
    let auth = basic("fs-key", "X");
    assert!(
        reqs.iter()
            .all(|r| r.header("authorization") == Some(auth.as_str()))
    );
    assert_eq!(reqs[0].path(), "/api/v2/tickets");
    let parts = multipart(&reqs[0]);
    let field =
        |n: &str| String::from_utf8(parts.iter().find(|p| p.0 == n).unwrap().3.clone()).unwrap();
    assert_eq!(field("subject"), "VPN keeps dropping");
    assert_eq!(field("email"), "jdoe@corp.example");
    assert_eq!(field("priority"), "3");
    assert_eq!(field("status"), "2");
    assert_eq!(field("custom_fields[deskside_key]"), KEY);
    assert!(field("description").starts_with("<pre>Deskside summary"));
    let files: Vec<_> = parts.iter().filter(|p| p.0 == "attachments[]").collect();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0].1.as_deref(), Some("deskside-bundle.json"));
    assert_eq!(reqs[1].path(), "/api/v2/tickets/filter");
    assert_eq!(
        reqs[1].query(),
        [("query".to_owned(), format!("\"deskside_key:'{KEY}'\""))]
    );
}

#[tokio::test]
async fn servicenow_incident_with_correlation_id_then_attachment_api() {
    let server = generic().await;
    let mut s = settings("servicenow", &server);
    s.user = Some("deskside.api".into());
    s.password = Some(Secret::new("sn-pass"));
    let sn = ServiceNow::new(&s).unwrap();
    let remote = sn.create(&ticket()).await.unwrap();
    assert_eq!(remote.id, "INC0010001");
    sn.attach(&remote, &ticket()).await.unwrap();
    sn.find_by_key(&ticket()).await.unwrap();
    let reqs = server.requests();
    let auth = basic("deskside.api", "sn-pass");
    assert!(
        reqs.iter()
            .all(|r| r.header("authorization") == Some(auth.as_str()))
    );
    assert_eq!(reqs[0].path(), "/api/now/table/incident");
    let b = reqs[0].json();
    assert_eq!(b["short_description"], "VPN keeps dropping");
    assert_eq!(b["correlation_id"], KEY);
    assert_eq!(b["urgency"], "1");
    assert!(
        reqs[1]
            .query()
            .contains(&("sysparm_query".into(), "number=INC0010001".into()))
    );
    let att = &reqs[2];
    assert_eq!(
        (att.method.as_str(), att.path()),
        ("POST", "/api/now/attachment/file")
    );
    assert_eq!(
        att.query(),
        [
            ("table_name".to_owned(), "incident".to_owned()),
            (
                "table_sys_id".to_owned(),
                "6816f79cc0a8016401c5a33be04be441".to_owned()
            ),
            ("file_name".to_owned(), "deskside-bundle.json".to_owned()),
        ]
    );
    assert_eq!(att.header("content-type"), Some("application/json"));
    assert_eq!(att.body, ticket().attachments[0].data);
    assert!(
        reqs[4]
            .query()
            .contains(&("sysparm_query".into(), format!("correlation_id={KEY}")))
    );
}

#[tokio::test]
async fn glpi_session_ticket_with_externalid_and_documents() {
    let server = generic().await;
    let mut s = settings("glpi", &server);
    s.token = Some(Secret::new("user-token"));
    s.app_token = Some(Secret::new("app-token"));
    let glpi = Glpi::new(&s).unwrap();
    let remote = glpi.create(&ticket()).await.unwrap();
    glpi.attach(&remote, &ticket()).await.unwrap();
    let reqs = server.requests();
    let paths: Vec<&str> = reqs.iter().map(Recorded::path).collect();
    assert_eq!(
        paths,
        [
            "/apirest.php/initSession",
            "/apirest.php/Ticket",
            "/apirest.php/killSession",
            "/apirest.php/initSession",
            "/apirest.php/Document",
            "/apirest.php/Document",
            "/apirest.php/killSession",
        ]
    );
    assert_eq!(
        reqs[0].header("authorization"),
        Some("user_token user-token")
    );
    assert!(
        reqs.iter()
            .all(|r| r.header("app-token") == Some("app-token"))
    );
    assert_eq!(reqs[1].header("session-token"), Some("sess-1"));
    let b = reqs[1].json();
    assert_eq!(b["input"]["externalid"], KEY);
    assert_eq!(b["input"]["urgency"], 4);
    let parts = multipart(&reqs[4]);
    let manifest: Value =
        serde_json::from_slice(&parts.iter().find(|p| p.0 == "uploadManifest").unwrap().3).unwrap();
    assert_eq!(manifest["input"]["itemtype"], "Ticket");
    assert_eq!(manifest["input"]["items_id"], 1);
    assert_eq!(
        manifest["input"]["_filename"],
        json!(["deskside-bundle.json"])
    );
    let file = parts.iter().find(|p| p.0 == "filename[0]").unwrap();
    assert_eq!(file.1.as_deref(), Some("deskside-bundle.json"));
}

#[tokio::test]
async fn zammad_ticket_with_inline_article_attachments() {
    let server = generic().await;
    let mut s = settings("zammad", &server);
    s.token = Some(Secret::new("zm-token"));
    s.group = Some("Users".into());
    s.from = Some("deskside@corp.example".into());
    let zm = Zammad::new(&s).unwrap();
    let remote = zm.create(&ticket()).await.unwrap();
    assert_eq!(remote.id, "31001");
    let r = &server.requests()[0];
    assert_eq!(r.path(), "/api/v1/tickets");
    assert_eq!(r.header("authorization"), Some("Token token=zm-token"));
    let b = r.json();
    assert_eq!(b["title"], "VPN keeps dropping");
    assert_eq!(b["group"], "Users");
    assert_eq!(b["customer_id"], "guess:jdoe@corp.example");
    assert_eq!(b["article"]["type"], "web");
    assert_eq!(b["article"]["attachments"][1]["mime-type"], "image/png");
    assert_eq!(
        b64(b["article"]["attachments"][1]["data"].as_str().unwrap()),
        ticket().attachments[1].data
    );
    assert!(b["note"].as_str().unwrap().contains(KEY));
}

#[tokio::test]
async fn webhook_is_signed_over_timestamp_and_body() {
    let server = generic().await;
    let mut s = Settings::new(
        "webhook",
        Some(format!("{}hooks/deskside", server.url()).parse().unwrap()),
    );
    s.secret = Some(Secret::new("whsec"));
    let hook = Webhook::new(&s).unwrap();
    hook.create(&ticket()).await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.path(), "/hooks/deskside");
    assert_eq!(r.header("idempotency-key"), Some(KEY));
    let ts: u64 = r.header("x-deskside-timestamp").unwrap().parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(now.abs_diff(ts) < 60);
    assert_eq!(
        r.header("x-deskside-signature").unwrap(),
        deskside_helpdesk::webhook_signature(b"whsec", ts, &r.body)
    );
    assert_ne!(
        r.header("x-deskside-signature").unwrap(),
        deskside_helpdesk::webhook_signature(b"other", ts, &r.body)
    );
    let b = r.json();
    assert_eq!(b["schema"], "deskside.ticket/1");
    assert_eq!(b["key"], KEY);
    assert_eq!(
        b64(b["attachments"][0]["data_base64"].as_str().unwrap()),
        ticket().attachments[0].data
    );
}

#[tokio::test]
async fn email_is_one_mime_message_with_the_key_as_message_id() {
    let sink = SmtpSink::start().await.unwrap();
    let mut s = Settings::new("email", None);
    s.smtp_host = Some("127.0.0.1".into());
    s.smtp_port = Some(sink.port());
    s.smtp_tls = deskside_helpdesk::SmtpTls::None;
    s.from = Some("deskside@corp.example".into());
    s.to = Some("helpdesk@corp.example".into());
    let mail = Email::new(&s).unwrap();
    let remote = mail.create(&ticket()).await.unwrap();
    assert_eq!(remote.id, format!("<{KEY}@deskside.invalid>"));
    let msgs = sink.messages();
    assert_eq!(msgs.len(), 1);
    let text = String::from_utf8_lossy(&msgs[0]);
    assert!(
        text.contains(&format!("Message-ID: <{KEY}@deskside.invalid>")),
        "{text}"
    );
    assert!(text.contains("Subject: VPN keeps dropping"));
    assert!(text.contains("To: helpdesk@corp.example"));
    assert!(text.contains("Reply-To: jdoe@corp.example"));
    assert!(text.contains("multipart/mixed"));
    assert!(text.contains("filename=\"deskside-bundle.json\""));
    assert!(text.contains("filename=\"screenshot.png\""));
}

#[test]
fn plain_smtp_to_another_machine_is_refused() {
    let mut s = Settings::new("email", None);
    s.smtp_host = Some("mail.corp.example".into());
    s.smtp_tls = deskside_helpdesk::SmtpTls::None;
    s.from = Some("a@b.example".into());
    s.to = Some("c@d.example".into());
    assert_eq!(Email::new(&s).unwrap_err().code(), "helpdesk.insecure_smtp");
}

#[test]
fn each_connector_names_its_missing_keys() {
    let s = Settings::new("rt", Some("http://127.0.0.1:1/".parse().unwrap()));
    let e = deskside_helpdesk::from_config(&s).unwrap_err();
    assert_eq!(
        e.to_string(),
        "helpdesk.kind = \"rt\" needs helpdesk.queue; set it in the config"
    );
    let s = Settings::new("nope", None);
    assert_eq!(
        deskside_helpdesk::from_config(&s).unwrap_err().code(),
        "helpdesk.unknown_kind"
    );
    // Secrets never show in Debug output of a configured connector.
    let mut s = Settings::new("rt", Some("http://127.0.0.1:1/".parse().unwrap()));
    s.queue = Some("q".into());
    s.token = Some(Secret::new("supersecret"));
    let c = deskside_helpdesk::from_config(&s).unwrap();
    assert!(!format!("{c:?}").contains("supersecret"));
    assert!(!format!("{s:?}").contains("supersecret"));
}
