//! The Jira Service Management connector against Atlassian's OpenAPI contract: every request it
//! sends while filing a ticket with attachments goes through a recording proxy to Prism, which
//! validates it against `../shared/contracts/jira-service-management.openapi.json`; each must be
//! answered 2xx with no violation located in the request.

use deskside_helpdesk_tests::fixtures::{JANE, evidence_files, submit};
use deskside_helpdesk_tests::{
    Deskside, FaultProxy, Kind, Prism, jsm_contract, request_problems, require, skip,
};

#[test]
fn every_request_is_valid_for_the_contract() {
    require!(Kind::Prism);
    let contract = jsm_contract();
    if !contract.is_file() {
        skip(&format!("no JSM contract at {}", contract.display()));
        return;
    }
    let prism = Prism::start(&contract).unwrap();
    // A live diagnosis runs: the CLI sits in a namespace with only loopback and the proxy.
    let mut ds = Deskside::isolated("").unwrap();
    ds.set_user("jdoe");
    let proxy = FaultProxy::start_in(prism.addr(), ds.netns()).unwrap();
    let config = format!(
        "[helpdesk]\nkind = \"jsm\"\nurl = \"{}\"\nuser = \"agent@deskside.test\"\n\
         token = \"jsm-test-token\"\nservice_desk_id = \"1\"\nrequest_type_id = \"10\"\n\
         timeout_s = 20\n{JANE}",
        proxy.url()
    );
    ds.set_config(&config).unwrap();
    let (log, shot, _) = evidence_files(&ds);
    let run = submit(
        &ds,
        "Need access to the finance share",
        "Please give me access to \\\\files\\finance.",
        &[
            "--contact",
            "jdoe@deskside.test",
            "--attach-diagnostics",
            "--attach",
            log.to_str().unwrap(),
            "--screenshot",
            shot.to_str().unwrap(),
        ],
    );
    let exchanges = proxy.exchanges();
    for e in &exchanges {
        println!(
            "{} {} -> {:?} {:?}",
            e.method,
            e.target,
            e.upstream_status,
            e.upstream_header("sl-violations")
        );
    }
    let bad: Vec<String> = exchanges
        .iter()
        .filter_map(|e| {
            let p = request_problems(e);
            (!p.is_empty()).then(|| format!("{} {}: {}", e.method, e.target, p.join("; ")))
        })
        .collect();
    assert!(
        bad.is_empty(),
        "requests the contract rejects:\n{}",
        bad.join("\n")
    );

    // Raised on behalf of the user (the mapped address, not the typed contact), and the
    // contract accepts the field.
    let create = exchanges
        .iter()
        .find(|e| e.method == "POST" && e.path() == "/rest/servicedeskapi/request")
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&create.request_body).unwrap();
    assert_eq!(body["raiseOnBehalfOf"], "jane.doe@deskside.test", "{body}");

    // The whole documented flow happened: request, temporary files, attach.
    let paths: Vec<String> = exchanges
        .iter()
        .map(|e| format!("{} {}", e.method, e.path()))
        .collect();
    assert!(
        paths
            .iter()
            .any(|p| p == "POST /rest/servicedeskapi/request"),
        "{paths:?}"
    );
    assert!(
        paths
            .iter()
            .any(|p| p.starts_with("POST /rest/servicedeskapi/servicedesk/1/attachTemporaryFile")),
        "{paths:?}"
    );
    assert!(
        paths
            .iter()
            .any(|p| p.starts_with("POST /rest/servicedeskapi/request/")
                && p.ends_with("/attachment")),
        "{paths:?}"
    );
    for e in exchanges
        .iter()
        .filter(|e| e.path().ends_with("attachTemporaryFile"))
    {
        assert_eq!(e.request_header("x-atlassian-token"), Some("no-check"));
        assert!(
            e.request_header("content-type")
                .is_some_and(|c| c.starts_with("multipart/form-data")),
            "{:?}",
            e.request_headers
        );
    }
    assert!(
        exchanges
            .iter()
            .all(|e| e.request_header("authorization").is_some())
    );
    assert_eq!(run.json()["state"], "delivered", "{}", run.describe());
}
