//! Request shapes of every connector, checked against what the vendors document, by sending
//! to a loopback listener that records each request: paths, auth headers, bodies, multipart
//! parts, the idempotency mechanisms (custom field, `external_id`, `correlation_id`,
//! `Idempotency-Key`, summary tag, `Message-ID`) and the webhook signature. Each vendor's
//! section names the documentation pages its assertions come from.

#![expect(clippy::unwrap_used, reason = "tests: a panic is the failure report")]

use base64::Engine as _;
use deskside_helpdesk::testing::{Recorded, Reply, Server, SmtpSink};
use deskside_helpdesk::{
    Attachment, Connector, Email, Freshservice, Glpi, Jsm, Lookup, Outgoing, Redmine, Remote, Rt,
    Secret, ServiceNow, Settings, Urgency, Webhook, Zammad, Zendesk,
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
        requester: None,
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
        [
            "raiseOnBehalfOf",
            "requestFieldValues",
            "requestTypeId",
            "serviceDeskId"
        ]
    );
    assert_eq!(
        b["raiseOnBehalfOf"], "jdoe@corp.example",
        "raised for the user"
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

// ---------------------------------------------------------------------------------------------
// Zendesk.
// Auth `{email}/token:{api_token}`:
//   https://support.zendesk.com/hc/en-us/articles/4408831452954
// Idempotency-Key on ticket creation:
//   https://developer.zendesk.com/api-reference/ticketing/introduction/#idempotency
// Tickets API (`ticket.comment.uploads`, `external_id`, `requester`, `priority`, list by
// `external_id`, not unique):
//   https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/
// Uploads (`POST /api/v2/uploads?filename=`, raw body with the file's MIME type, `upload.token`):
//   https://developer.zendesk.com/api-reference/ticketing/tickets/ticket-attachments/
// Requests API, anonymous requests need `requester`, `subject` and `comment`:
//   https://developer.zendesk.com/api-reference/ticketing/tickets/ticket-requests/
//   https://developer.zendesk.com/documentation/ticketing/managing-tickets/creating-and-managing-requests/
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn zendesk_uploads_then_ticket_with_idempotency_key_and_external_id() {
    let server = generic().await;
    let mut s = settings("zendesk", &server);
    s.user = Some("agent@corp.example".into());
    s.token = Some(Secret::new("zd-token"));
    let zd = Zendesk::new(&s).unwrap();
    assert_eq!(zd.lookup(), Lookup::Search);
    zd.create(&ticket()).await.unwrap();
    zd.find_by_key(&ticket()).await.unwrap();
    let reqs = server.requests();
    let auth = basic("agent@corp.example/token", "zd-token");
    assert!(
        reqs.iter()
            .all(|r| r.header("authorization") == Some(auth.as_str()))
    );
    for (i, a) in ticket().attachments.iter().enumerate() {
        let up = &reqs[i];
        assert_eq!(
            (up.method.as_str(), up.path()),
            ("POST", "/api/v2/uploads.json")
        );
        assert_eq!(up.query(), [("filename".to_owned(), a.name.clone())]);
        assert_eq!(up.header("content-type"), Some(a.content_type.as_str()));
        assert_eq!(up.body, a.data);
    }
    let t = &reqs[2];
    assert_eq!(
        (t.method.as_str(), t.path()),
        ("POST", "/api/v2/tickets.json")
    );
    assert_eq!(t.header("idempotency-key"), Some(KEY));
    let b = t.json();
    assert_eq!(b["ticket"]["subject"], "VPN keeps dropping");
    assert_eq!(b["ticket"]["external_id"], KEY);
    assert_eq!(b["ticket"]["priority"], "high");
    assert!(
        b["ticket"]["comment"]["body"]
            .as_str()
            .unwrap()
            .contains(KEY)
    );
    assert_eq!(
        b["ticket"]["comment"]["uploads"],
        json!(["upload-token-1", "upload-token-1"])
    );
    assert_eq!(b["ticket"]["requester"]["email"], "jdoe@corp.example");
    let find = &reqs[3];
    assert_eq!(
        (find.method.as_str(), find.path()),
        ("GET", "/api/v2/tickets.json")
    );
    assert_eq!(find.query(), [("external_id".to_owned(), KEY.to_owned())]);
}

#[tokio::test]
async fn zendesk_external_id_match_is_confirmed_because_ids_need_not_be_unique() {
    let server = Server::start(|_: &Recorded| {
        Reply::json(
            200,
            &json!({"tickets": [
                {"id": 7, "external_id": "something-else"},
                {"id": 8, "external_id": KEY},
            ]}),
        )
    })
    .await
    .unwrap();
    let mut s = settings("zendesk", &server);
    s.user = Some("agent@corp.example".into());
    s.token = Some(Secret::new("zd-token"));
    let found = Zendesk::new(&s)
        .unwrap()
        .find_by_key(&ticket())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, "8");
    assert_eq!(
        found.url.unwrap(),
        format!("{}agent/tickets/8", server.url())
    );
}

#[tokio::test]
async fn zendesk_without_a_token_files_an_anonymous_request() {
    let server = Server::start(|r: &Recorded| {
        Reply::json(
            201,
            &json!({"upload": {"token": format!("tok-{}", r.query().first().map_or("", |q| q.1.as_str()))}, "request": {"id": 35436}}),
        )
    })
    .await
    .unwrap();
    let mut s = settings("zendesk", &server);
    s.from = Some("deskside@corp.example".into());
    let zd = Zendesk::new(&s).unwrap();
    assert!(zd.is_anonymous());
    // Nothing can be searched anonymously: retries lean on the Idempotency-Key.
    assert_eq!(zd.lookup(), Lookup::ReceiverDeduplicates);
    let remote = zd.create(&ticket()).await.unwrap();
    assert_eq!(remote.id, "35436");
    assert_eq!(
        remote.url.unwrap(),
        format!("{}hc/requests/35436", server.url())
    );
    assert_eq!(zd.find_by_key(&ticket()).await.unwrap(), None);
    assert_eq!(
        zd.status(&Remote {
            id: "35436".into(),
            url: None
        })
        .await
        .unwrap(),
        None
    );
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3, "find_by_key and status send nothing");
    assert!(reqs.iter().all(|r| r.header("authorization").is_none()));
    assert_eq!(reqs[0].path(), "/api/v2/uploads.json");
    assert_eq!(reqs[1].header("content-type"), Some("image/png"));
    let r = &reqs[2];
    assert_eq!(
        (r.method.as_str(), r.path()),
        ("POST", "/api/v2/requests.json")
    );
    assert_eq!(r.header("idempotency-key"), Some(KEY));
    let b = r.json();
    assert_eq!(
        b["request"]["requester"],
        json!({"name": "jdoe@corp.example", "email": "jdoe@corp.example"})
    );
    assert_eq!(b["request"]["subject"], "VPN keeps dropping");
    assert!(
        b["request"]["comment"]["body"]
            .as_str()
            .unwrap()
            .contains(KEY)
    );
    assert_eq!(
        b["request"]["comment"]["uploads"],
        json!(["tok-deskside-bundle.json", "tok-screenshot.png"])
    );
    // Without a contact the configured address is the requester.
    let mut t = ticket();
    t.contact = None;
    t.attachments.clear();
    zd.create(&t).await.unwrap();
    let b = server.requests()[3].json();
    assert_eq!(b["request"]["requester"]["email"], "deskside@corp.example");
    // Neither a token nor a fallback requester: the missing key is named.
    let s = settings("zendesk", &server);
    assert!(
        Zendesk::new(&s)
            .unwrap_err()
            .to_string()
            .contains("helpdesk.from")
    );
}

// ---------------------------------------------------------------------------------------------
// Freshservice (API v2).
// Auth: Basic with the API key as user name and any password ("X"):
//   https://api.freshservice.com/#authentication
// Create a ticket (`email`, `subject`, `description` HTML, `status` 2 open, `priority` 1-4,
// `source`, `custom_fields`; multipart with `attachments[]`):
//   https://api.freshservice.com/#create_ticket
// Filter tickets (`GET /api/v2/tickets/filter?query="field:'value'"`):
//   https://api.freshservice.com/#filter_tickets
// List tickets of a requester (`GET /api/v2/tickets?email=`, `per_page` up to 100):
//   https://api.freshservice.com/#view_all_ticket
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn freshservice_multipart_ticket_with_custom_field_and_filter_search() {
    let server = generic().await;
    let mut s = settings("freshservice", &server);
    s.api_key = Some(Secret::new("fs-key"));
    s.from = Some("deskside@corp.example".into());
    let fs = Freshservice::new(&s).unwrap();
    fs.create(&ticket()).await.unwrap();
    assert_eq!(fs.find_by_key(&ticket()).await.unwrap(), None);
    let reqs = server.requests();
    let auth = basic("fs-key", "X");
    assert!(
        reqs.iter()
            .all(|r| r.header("authorization") == Some(auth.as_str()))
    );
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].path()),
        ("POST", "/api/v2/tickets")
    );
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
    assert_eq!(files[1].2.as_deref(), Some("image/png"));
    assert_eq!(files[1].3, ticket().attachments[1].data);
    assert_eq!(reqs[1].path(), "/api/v2/tickets/filter");
    assert_eq!(
        reqs[1].query(),
        [("query".to_owned(), format!("\"deskside_key:'{KEY}'\""))]
    );
    // Nothing in the index: the requester's own list is checked too.
    assert_eq!(reqs[2].path(), "/api/v2/tickets");
    assert_eq!(
        reqs[2].query(),
        [
            ("email".to_owned(), "jdoe@corp.example".to_owned()),
            ("per_page".to_owned(), "100".to_owned()),
        ]
    );
}

#[tokio::test]
async fn freshservice_refused_filter_falls_back_to_the_requesters_tickets() {
    let server = Server::start(|r: &Recorded| match r.path() {
        "/api/v2/tickets/filter" => Reply::json(400, &json!({"description": "Validation failed"})),
        _ => Reply::json(
            200,
            &json!({"tickets": [
                {"id": 41, "custom_fields": {"deskside_key": null}},
                {"id": 42, "custom_fields": {"deskside_key": KEY}},
            ]}),
        ),
    })
    .await
    .unwrap();
    let mut s = settings("freshservice", &server);
    s.api_key = Some(Secret::new("fs-key"));
    s.from = Some("deskside@corp.example".into());
    let found = Freshservice::new(&s)
        .unwrap()
        .find_by_key(&ticket())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, "42");
}

// ---------------------------------------------------------------------------------------------
// ServiceNow.
// Table API (`POST /api/now/table/{tableName}` answers `{"result": {...}}`; `sysparm_query`,
// `sysparm_fields`, `sysparm_limit`, `sysparm_display_value`; an invalid query part is ignored
// and the rest still returns rows):
//   https://www.servicenow.com/docs/r/australia/api-reference/rest-apis/c_TableAPI.html
// Attachment API (`POST /api/now/attachment/file?table_name=&table_sys_id=&file_name=`, raw
// body with the file's Content-Type):
//   https://www.servicenow.com/docs/r/zurich/api-reference/rest-apis/c_AttachmentAPI.html
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn servicenow_incident_with_correlation_id_then_attachment_api() {
    let server = Server::start(|r: &Recorded| {
        if r.method == "GET" {
            return Reply::json(
                200,
                &json!({"result": [{"sys_id": "6816f79cc0a8016401c5a33be04be441", "number": "INC0010001", "correlation_id": KEY}]}),
            );
        }
        Reply::json(
            201,
            &json!({"result": {"sys_id": "6816f79cc0a8016401c5a33be04be441", "number": "INC0010001"}}),
        )
    })
    .await
    .unwrap();
    let mut s = settings("servicenow", &server);
    s.user = Some("deskside.api".into());
    s.password = Some(Secret::new("sn-pass"));
    let sn = ServiceNow::new(&s).unwrap();
    let remote = sn.create(&ticket()).await.unwrap();
    assert_eq!(remote.id, "INC0010001");
    sn.attach(&remote, &ticket()).await.unwrap();
    assert_eq!(
        sn.find_by_key(&ticket()).await.unwrap().unwrap().id,
        "INC0010001"
    );
    let reqs = server.requests();
    let auth = basic("deskside.api", "sn-pass");
    assert!(reqs.iter().all(|r| {
        r.header("authorization") == Some(auth.as_str())
            && r.header("accept") == Some("application/json")
    }));
    // The caller is the requester's sys_user, looked up by e-mail first.
    let caller = &reqs[0];
    assert_eq!(
        (caller.method.as_str(), caller.path()),
        ("GET", "/api/now/table/sys_user")
    );
    assert!(
        caller
            .query()
            .contains(&("sysparm_query".into(), "email=jdoe@corp.example".into()))
    );
    let create = &reqs[1];
    assert_eq!(
        (create.method.as_str(), create.path()),
        ("POST", "/api/now/table/incident")
    );
    assert_eq!(
        create.json()["caller_id"],
        "6816f79cc0a8016401c5a33be04be441"
    );
    assert_eq!(create.header("content-type"), Some("application/json"));
    let b = create.json();
    assert_eq!(b["short_description"], "VPN keeps dropping");
    assert!(b["description"].as_str().unwrap().contains(KEY));
    assert_eq!(b["correlation_id"], KEY);
    assert_eq!(b["urgency"], "1");
    assert!(
        reqs[2]
            .query()
            .contains(&("sysparm_query".into(), "number=INC0010001".into()))
    );
    for (i, a) in ticket().attachments.iter().enumerate() {
        let att = &reqs[3 + i];
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
                ("file_name".to_owned(), a.name.clone()),
            ]
        );
        assert_eq!(att.header("content-type"), Some(a.content_type.as_str()));
        assert_eq!(att.body, a.data);
    }
    let q = reqs[5].query();
    assert!(q.contains(&("sysparm_query".into(), format!("correlation_id={KEY}"))));
    assert!(q.contains(&(
        "sysparm_fields".into(),
        "sys_id,number,correlation_id".into()
    )));
}

#[tokio::test]
async fn servicenow_rows_that_do_not_carry_the_key_are_not_taken_for_the_ticket() {
    // An instance that cannot evaluate `correlation_id=…` drops the condition and lists other
    // incidents; none of them is ours.
    let server = Server::start(|_: &Recorded| {
        Reply::json(
            200,
            &json!({"result": [{"sys_id": "a", "number": "INC0000001", "correlation_id": ""}]}),
        )
    })
    .await
    .unwrap();
    let mut s = settings("servicenow", &server);
    s.user = Some("deskside.api".into());
    s.password = Some(Secret::new("sn-pass"));
    let sn = ServiceNow::new(&s).unwrap();
    assert_eq!(sn.find_by_key(&ticket()).await.unwrap(), None);
    let other = Remote {
        id: "INC0010001".into(),
        url: None,
    };
    assert_eq!(sn.status(&other).await.unwrap(), None);
}

// ---------------------------------------------------------------------------------------------
// GLPI REST API (`apirest.php`): initSession with `Authorization: user_token …` and
// `App-Token`, `Session-Token` on every later call, `Content-Type` on every call, add item
// `{"input": {...}}` answered `{"id": …}`, Document upload as multipart `uploadManifest` (JSON)
// + `filename[0]`, `Document_Item` to link it, get all items with `searchText[field]` and
// `range`, killSession:
//   https://github.com/glpi-project/glpi/blob/main/apirest.md
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn glpi_session_ticket_with_externalid_then_documents_linked_to_it() {
    let server = Server::start(|r: &Recorded| match (r.method.as_str(), r.path()) {
        ("GET", "/apirest.php/initSession") => {
            Reply::json(200, &json!({"session_token": "sess-1"}))
        }
        ("GET", "/apirest.php/Ticket") => Reply::json(
            200,
            &json!([{"id": 4, "externalid": "other"}, {"id": 5, "externalid": KEY}]),
        ),
        ("POST", "/apirest.php/Ticket") => Reply::json(201, &json!({"id": 5, "message": ""})),
        ("POST", "/apirest.php/Document") => Reply::json(201, &json!({"id": 90, "message": ""})),
        ("POST", "/apirest.php/Document_Item") => Reply::json(201, &json!({"id": 300})),
        _ => Reply::json(200, &json!({})),
    })
    .await
    .unwrap();
    let mut s = settings("glpi", &server);
    s.token = Some(Secret::new("user-token"));
    s.app_token = Some(Secret::new("app-token"));
    let glpi = Glpi::new(&s).unwrap();
    assert!(glpi.attaches_separately());
    let remote = glpi.create(&ticket()).await.unwrap();
    assert_eq!(remote.id, "5");
    glpi.attach(&remote, &ticket()).await.unwrap();
    assert_eq!(glpi.find_by_key(&ticket()).await.unwrap().unwrap().id, "5");
    let reqs = server.requests();
    let calls: Vec<(&str, &str)> = reqs.iter().map(|r| (r.method.as_str(), r.path())).collect();
    assert_eq!(
        calls,
        [
            ("GET", "/apirest.php/initSession"),
            ("POST", "/apirest.php/Ticket"),
            ("GET", "/apirest.php/killSession"),
            ("GET", "/apirest.php/initSession"),
            ("POST", "/apirest.php/Document"),
            ("POST", "/apirest.php/Document_Item"),
            ("POST", "/apirest.php/Document"),
            ("POST", "/apirest.php/Document_Item"),
            ("GET", "/apirest.php/killSession"),
            ("GET", "/apirest.php/initSession"),
            ("GET", "/apirest.php/Ticket"),
            ("GET", "/apirest.php/killSession"),
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
    for (i, r) in reqs.iter().enumerate() {
        if r.path().ends_with("initSession") {
            assert_eq!(r.header("session-token"), None);
        } else {
            assert_eq!(r.header("session-token"), Some("sess-1"), "{}", r.target);
            assert_eq!(
                r.header("authorization"),
                None,
                "the user token is sent once"
            );
        }
        if r.path() != "/apirest.php/Document" {
            assert_eq!(
                r.header("content-type"),
                Some("application/json"),
                "request {i}"
            );
        }
    }
    let b = reqs[1].json();
    assert_eq!(b["input"]["name"], "VPN keeps dropping");
    assert!(b["input"]["content"].as_str().unwrap().contains(KEY));
    assert_eq!(b["input"]["externalid"], KEY);
    assert_eq!(b["input"]["urgency"], 4);
    assert_eq!(b["input"]["type"], 1);
    for (n, a) in ticket().attachments.iter().enumerate() {
        let parts = multipart(&reqs[4 + 2 * n]);
        let manifest = parts.iter().find(|p| p.0 == "uploadManifest").unwrap();
        assert_eq!(manifest.2.as_deref(), Some("application/json"));
        let manifest: Value = serde_json::from_slice(&manifest.3).unwrap();
        assert_eq!(
            manifest,
            json!({"input": {"name": a.name, "_filename": [a.name]}})
        );
        let file = parts.iter().find(|p| p.0 == "filename[0]").unwrap();
        assert_eq!(file.1.as_deref(), Some(a.name.as_str()));
        assert_eq!(file.3, a.data);
        assert_eq!(
            reqs[5 + 2 * n].json(),
            json!({"input": {"documents_id": 90, "itemtype": "Ticket", "items_id": 5}})
        );
    }
    let q = reqs[10].query();
    assert!(
        q.contains(&("searchText[externalid]".into(), KEY.into())),
        "{q:?}"
    );
    assert!(q.contains(&("range".into(), "0-4".into())));
}

// ---------------------------------------------------------------------------------------------
// Zammad REST API.
// Tickets: create with `title`, `group`, `customer_id: "guess:{email}"`, `priority` by name,
// first `article`; show `GET /api/v1/tickets/{id}`; search `GET /api/v1/tickets/search?query=`
// answered with ticket ids and `assets.Ticket`:
//   https://docs.zammad.org/en/latest/api/ticket/index.html
// Articles: inline `attachments` `[{filename, data (base64), mime-type}]`; list
// `GET /api/v1/ticket_articles/by_ticket/{id}`:
//   https://docs.zammad.org/en/latest/api/ticket/articles.html
// Token auth `Authorization: Token token=…`:
//   https://docs.zammad.org/en/latest/api/intro.html
// ---------------------------------------------------------------------------------------------

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
    assert_eq!(
        remote.url.unwrap(),
        format!("{}#ticket/zoom/1", server.url())
    );
    let r = &server.requests()[0];
    assert_eq!((r.method.as_str(), r.path()), ("POST", "/api/v1/tickets"));
    assert_eq!(r.header("authorization"), Some("Token token=zm-token"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    let b = r.json();
    assert_eq!(b["title"], "VPN keeps dropping");
    assert_eq!(b["group"], "Users");
    assert_eq!(b["customer_id"], "guess:jdoe@corp.example");
    assert_eq!(b["priority"], "3 high");
    assert_eq!(b["article"]["subject"], "VPN keeps dropping");
    assert!(b["article"]["body"].as_str().unwrap().contains(KEY));
    assert_eq!(b["article"]["internal"], false);
    for (i, a) in ticket().attachments.iter().enumerate() {
        let att = &b["article"]["attachments"][i];
        assert_eq!(att["filename"], a.name.as_str());
        assert_eq!(att["mime-type"], a.content_type.as_str());
        assert_eq!(b64(att["data"].as_str().unwrap()), a.data);
    }
    assert!(b["note"].as_str().unwrap().contains(KEY));
}

#[tokio::test]
async fn zammad_search_reads_the_documented_answer_and_status_reads_the_ticket() {
    let server = Server::start(|r: &Recorded| match r.path() {
        "/api/v1/tickets/search" => Reply::json(
            200,
            &json!({
                "tickets": [9, 12],
                "tickets_count": 2,
                "assets": {"Ticket": {
                    "9": {"id": 9, "number": "22009", "note": null},
                    "12": {"id": 12, "number": "22012", "note": format!("Deskside {KEY}")},
                }},
            }),
        ),
        "/api/v1/tickets/12" => Reply::json(200, &json!({"id": 12, "number": "22012", "state": "open"})),
        _ => Reply::json(
            200,
            &json!([
                {"id": 1, "internal": false, "sender": "Customer", "body": "first", "created_at": "t1"},
                {"id": 2, "internal": true, "sender": "Agent", "body": "private", "created_at": "t2"},
                {"id": 3, "internal": false, "sender": "Agent", "body": "Reconnect please", "created_at": "t3"},
                {"id": 4, "internal": false, "sender": "Customer", "body": "thanks", "created_at": "t4"},
            ]),
        ),
    })
    .await
    .unwrap();
    let mut s = settings("zammad", &server);
    s.token = Some(Secret::new("zm-token"));
    s.group = Some("Users".into());
    s.from = Some("deskside@corp.example".into());
    let zm = Zammad::new(&s).unwrap();
    let found = zm.find_by_key(&ticket()).await.unwrap().unwrap();
    assert_eq!(found.id, "22012");
    let status = zm.status(&found).await.unwrap().unwrap();
    assert_eq!(status.status, "open");
    assert_eq!(status.last_reply.as_deref(), Some("Reconnect please"));
    assert_eq!(status.last_reply_at.as_deref(), Some("t3"));
    let reqs = server.requests();
    assert!(
        reqs.iter()
            .all(|r| r.header("authorization") == Some("Token token=zm-token"))
    );
    assert_eq!(reqs[0].path(), "/api/v1/tickets/search");
    assert!(
        reqs[0]
            .query()
            .contains(&("query".into(), format!("\"{KEY}\"")))
    );
    assert_eq!(reqs[1].path(), "/api/v1/tickets/12");
    assert_eq!(reqs[2].path(), "/api/v1/ticket_articles/by_ticket/12");
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

// ---------------------------------------------------------------------------------------------
// The requester and the set-up test.
// ---------------------------------------------------------------------------------------------

fn for_jane() -> Outgoing {
    Outgoing {
        contact: Some("+49 30 1234".into()),
        requester: Some(deskside_helpdesk::Requester {
            login: "jdoe".into(),
            email: Some("jane.doe@corp.example".into()),
        }),
        ..ticket()
    }
}

#[tokio::test]
async fn email_replies_go_to_the_user_and_the_sender_names_them() {
    let mut s = Settings::new("email", None);
    s.smtp_host = Some("127.0.0.1".into());
    s.smtp_tls = deskside_helpdesk::SmtpTls::None;
    s.from = Some("deskside@corp.example".into());
    s.to = Some("helpdesk@corp.example".into());
    let raw = String::from_utf8(
        Email::new(&s)
            .unwrap()
            .message(&for_jane())
            .unwrap()
            .formatted(),
    )
    .unwrap();
    assert!(raw.contains("Reply-To: jane.doe@corp.example"), "{raw}");
    assert!(
        raw.contains("From: \"jdoe via Deskside\" <deskside@corp.example>"),
        "{raw}"
    );
}

#[tokio::test]
async fn rt_files_for_the_mapped_requester_not_the_typed_contact() {
    let server = generic().await;
    let mut s = settings("rt", &server);
    s.queue = Some("General".into());
    s.token = Some(Secret::new("1-14-abc"));
    Rt::new(&s).unwrap().create(&for_jane()).await.unwrap();
    assert_eq!(
        server.requests()[0].json()["Requestor"],
        "jane.doe@corp.example"
    );
}

#[tokio::test]
async fn redmine_impersonates_only_a_user_redmine_knows() {
    // Redmine answers 412 to X-Redmine-Switch-User for an unknown login.
    let server = Server::start(|r: &Recorded| {
        if r.path() == "/users/current.json" {
            return match r.header("x-redmine-switch-user") {
                Some("jdoe") => Reply::json(200, &json!({"user": {"login": "jdoe"}})),
                _ => Reply::json(412, &json!({})),
            };
        }
        Reply::json(201, &json!({"issue": {"id": 7}}))
    })
    .await
    .unwrap();
    let mut s = settings("redmine", &server);
    s.project = Some("it".into());
    s.api_key = Some(Secret::new("admin-key"));
    s.key_field_id = Some(1);
    s.impersonate = true;
    let rm = Redmine::new(&s).unwrap();
    let mut t = for_jane();
    t.attachments.clear();
    rm.create(&t).await.unwrap();
    let reqs = server.requests();
    let create = reqs.iter().find(|r| r.path() == "/issues.json").unwrap();
    assert_eq!(create.header("x-redmine-switch-user"), Some("jdoe"));
    // Unknown to Redmine: filed as the connector's account.
    t.requester = Some(deskside_helpdesk::Requester {
        login: "ghost".into(),
        email: None,
    });
    rm.create(&t).await.unwrap();
    let reqs = server.requests();
    let last = reqs
        .iter()
        .rev()
        .find(|r| r.path() == "/issues.json")
        .unwrap();
    assert_eq!(last.header("x-redmine-switch-user"), None);
}

#[tokio::test]
async fn the_setup_test_says_what_to_fix() {
    use deskside_helpdesk::StepStatus;
    let refused =
        Server::start(|_: &Recorded| Reply::json(401, &json!({"message": "Unauthorized"})))
            .await
            .unwrap();
    let mut s = settings("rt", &refused);
    s.queue = Some("General".into());
    s.token = Some(Secret::new("wrong"));
    let steps = Rt::new(&s).unwrap().test_setup().await;
    assert_eq!(steps[0].status, StepStatus::Ok, "{steps:?}");
    assert_eq!(steps[1].status, StepStatus::Failed, "{steps:?}");
    assert!(steps[1].detail.contains("helpdesk.token"), "{steps:?}");

    let other_queue = Server::start(|_: &Recorded| {
        Reply::json(200, &json!({"items": [{"id": 1, "Name": "General"}]}))
    })
    .await
    .unwrap();
    let mut s = settings("rt", &other_queue);
    s.queue = Some("Support".into());
    s.token = Some(Secret::new("ok"));
    let steps = Rt::new(&s).unwrap().test_setup().await;
    let last = steps.last().unwrap();
    assert_eq!(
        (last.step.as_str(), last.status),
        ("permission", StepStatus::Failed)
    );
    assert!(last.detail.contains("General"), "{last:?}");

    // Nothing listening.
    let mut s = Settings::new("rt", Some("http://127.0.0.1:9/".parse().unwrap()));
    s.queue = Some("General".into());
    s.token = Some(Secret::new("ok"));
    let steps = Rt::new(&s).unwrap().test_setup().await;
    assert_eq!(
        (steps[0].step.as_str(), steps[0].status),
        ("reachable", StepStatus::Failed)
    );
}

#[test]
fn one_check_names_every_missing_key() {
    let mut c = deskside_config::HelpdeskConfig {
        kind: Some("jsm".into()),
        url: Some("https://desk.example.com".into()),
        ..Default::default()
    };
    let err = deskside_helpdesk::check_config(&c).unwrap_err();
    assert_eq!(err.code(), "helpdesk.missing_key");
    assert_eq!(
        err.to_string(),
        "helpdesk.kind = \"jsm\" needs helpdesk.user, helpdesk.token, helpdesk.service_desk_id, helpdesk.request_type_id; set them in the config (see docs/tickets.md)"
    );
    // The connector refuses with the same message.
    assert_eq!(
        Settings::from_config(&c).unwrap_err().to_string(),
        err.to_string()
    );
    c.kind = Some("zendesk".into());
    c.token = Some("t".into());
    assert!(
        deskside_helpdesk::check_config(&c)
            .unwrap_err()
            .to_string()
            .contains("helpdesk.user")
    );
    c.kind = Some("nope".into());
    assert_eq!(
        deskside_helpdesk::check_config(&c).unwrap_err().code(),
        "helpdesk.unknown_kind"
    );
}
