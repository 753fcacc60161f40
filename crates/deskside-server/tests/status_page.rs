//! The status page for IT, rendered by a real headless Chromium: the real server (SQLite) with
//! `fleet.status_listen` on loopback, three enrolled devices reporting the same root cause over
//! signed HTTP (the threshold is three) and an announcement; Chromium's DOM shows the incident,
//! the 24-hour chart (inline SVG) and the announcement, and its log shows no Content Security
//! Policy violation (the page has no script and no inline style). The device-facing port does
//! not serve the page. Without Chromium the test prints `SKIPPED` and passes, unless
//! `DESKSIDE_SERVER_PG_REQUIRED=1` (CI, whose bootstrap installs it).
#![expect(clippy::disallowed_methods, reason = "the test runs Chromium itself")]

#[expect(dead_code, reason = "this file uses a part of the shared helpers")]
mod common;

use std::process::Command;

use common::{Server, client, enrol, signed};
use deskside_server_api::fleet::{FleetReport, ReportAnswer, ReportStatus};

fn chromium() -> Option<std::path::PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(std::path::PathBuf::from)
        .find(|p| p.exists())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_page_renders_in_chromium_with_a_strict_csp() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var("DESKSIDE_SERVER_PG_REQUIRED").as_deref() != Ok("1"),
            "chromium is not installed and DESKSIDE_SERVER_PG_REQUIRED=1"
        );
        eprintln!("SKIPPED: chromium is not installed (apt-get install chromium)");
        return;
    };
    let status_port = deskside_test_support::server_port().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.sqlite3");
    let server = Server::start_with(
        &db.display().to_string(),
        None,
        &format!("\n[fleet]\nfleet_devices = 3\nstatus_listen = \"127.0.0.1:{status_port}\"\n"),
    );
    let c = client();
    let secret = server.secret(3);
    let mut answers = Vec::new();
    for seed in 1..=3 {
        let dev = enrol(&c, &server, &secret, seed).await;
        let body = serde_json::to_vec(&FleetReport {
            root_cause: Some("vpn.tunnel".into()),
            status: ReportStatus::Broken,
            network: None,
            vpn_up: Some(false),
        })
        .unwrap();
        let r = signed(
            &c,
            &server,
            &dev,
            reqwest::Method::POST,
            "/v1/fleet/reports",
            body,
        )
        .send()
        .await
        .unwrap();
        assert_eq!(r.status().as_u16(), 201, "{}", server.log());
        answers.push(r.json::<ReportAnswer>().await.unwrap());
    }
    assert!(answers[0].known_issue.is_none());
    assert!(
        answers[2].known_issue.is_some(),
        "the third report opens it"
    );
    server.admin(&["announce", "create", "Printer <b>3</b> is being replaced"]);

    // Headers, over plain HTTP first.
    let url = format!("http://127.0.0.1:{status_port}/status");
    let r = c.get(&url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("unsafe"),
        "{csp}"
    );
    // The device-facing port does not serve it.
    let r = c.get(server.url("/status")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);

    // The real browser.
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "chromium failed: {log}");
    assert!(dom.contains("<table id=\"incidents\">"), "{dom}");
    assert!(dom.contains("<code>vpn.tunnel</code>"), "{dom}");
    assert!(dom.contains("<td>3</td>"), "three devices: {dom}");
    assert!(dom.contains("<svg id=\"causes\""), "the chart: {dom}");
    assert!(
        dom.contains("Printer &lt;b&gt;3&lt;/b&gt; is being replaced"),
        "{dom}"
    );
    assert!(
        dom.contains("id=\"devices-enrolled\"><strong>3</strong>"),
        "{dom}"
    );
    for bad in ["Content Security Policy", "Refused to"] {
        assert!(
            !log.contains(bad),
            "CSP violation in Chromium's log:\n{log}"
        );
    }
}
