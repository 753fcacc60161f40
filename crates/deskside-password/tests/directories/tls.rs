//! Transport rules: a certificate from another CA is refused with `tls_error` (LDAPS and
//! StartTLS), an `ldap://` server that does not start TLS is refused before any bind is sent,
//! and a closed port is `directory_unreachable`; the pre-flight tells those apart.

use std::io::Read;
use std::net::TcpListener;
use std::time::Duration;

use deskside_password::{ChangeRequest, Password, StatusRequest};

use crate::common;
use crate::openldap::{add_user, config_text};

const PLANTED: &str = "Planted-Plain-Text-5521";

async fn change_with(config_text: &str, user: &str) -> deskside_password::PasswordError {
    let config = common::config(config_text);
    let dir = tempfile::tempdir().unwrap();
    deskside_password::change(
        &config,
        ChangeRequest {
            user: Some(user.to_owned()),
            current: Password::from(PLANTED),
            new: Password::from("Quiet-River-Stone-58"),
            data_dir: Some(dir.path().to_path_buf()),
            skip_local_checks: false,
        },
    )
    .await
    .unwrap_err()
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_a_tls_error() {
    let Some(server) = common::slapd() else {
        return;
    };
    let uid = add_user(server, PLANTED, None).await;
    for url in [&server.ldaps_url, &server.ldap_url] {
        let text = config_text(server, url, "").replace(
            &server.ca.display().to_string(),
            &server.other_ca.display().to_string(),
        );
        let err = change_with(&text, &uid).await;
        assert_eq!(err.code(), "tls_error", "{url}: {err}");
        assert!(err.to_string().contains("not trusted"), "{err}");
    }
    // With the right CA, StartTLS over ldap:// works.
    let config = common::config(&config_text(server, &server.ldap_url, ""));
    let st = deskside_password::status(
        &config,
        StatusRequest {
            user: Some(uid.clone()),
            password: Some(Password::from(PLANTED)),
            data_dir: Some(tempfile::tempdir().unwrap().path().to_path_buf()),
        },
    )
    .await
    .unwrap();
    assert_eq!(st.problem, None, "{st:?}");
}

/// A server that accepts, records what it receives, and never starts TLS.
#[tokio::test]
async fn plain_ldap_without_starttls_is_refused_before_any_bind() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let recorder = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        let mut buf = vec![0_u8; 4096];
        let n = stream.read(&mut buf).unwrap_or(0);
        buf.truncate(n);
        // Answer like a server without TLS: ExtendedResponse, resultCode protocolError (2),
        // echoing the request's message id (SEQUENCE, INTEGER id, ...).
        let id = if buf.len() > 4 && buf[2] == 0x02 && buf[3] == 1 {
            buf[4]
        } else {
            1
        };
        let text = b"unsupported";
        let op: Vec<u8> = [
            &[0x0a, 0x01, 0x02, 0x04, 0x00, 0x04, text.len() as u8][..],
            text,
        ]
        .concat();
        let body: Vec<u8> = [&[0x02, 0x01, id, 0x78, op.len() as u8][..], &op].concat();
        let reply: Vec<u8> = [&[0x30, body.len() as u8][..], &body].concat();
        let _ = std::io::Write::write_all(&mut stream, &reply);
        std::thread::sleep(Duration::from_millis(300));
        buf
    });
    let text = format!(
        "[password]\nsource = \"ldap\"\nurl = \"ldap://127.0.0.1:{port}\"\nuser_dn_template = \"uid={{user}},ou=people,dc=x\"\n"
    );
    let err = change_with(&text, "someone").await;
    assert_eq!(err.code(), "tls_error", "{err}");
    assert!(err.to_string().contains("refused StartTLS"), "{err}");
    let received = recorder.join().unwrap();
    // The only request was StartTLS; no bind, no password.
    assert!(
        received.windows(22).any(|w| w == b"1.3.6.1.4.1.1466.20037"),
        "{received:?}"
    );
    assert!(
        !received
            .windows(PLANTED.len())
            .any(|w| w == PLANTED.as_bytes())
    );
}

#[tokio::test]
async fn a_closed_port_is_directory_unreachable() {
    let port = common::free_port();
    let text = format!(
        "[password]\nsource = \"ldap\"\nurl = \"ldaps://127.0.0.1:{port}\"\nuser_dn_template = \"uid={{user}},dc=x\"\n"
    );
    let err = change_with(&text, "someone").await;
    assert_eq!(err.code(), "directory_unreachable", "{err}");
}

/// The pre-flight against the real slapd (LDAPS and StartTLS: the directory answers, TLS with
/// the configured CA works; another CA is a failed `tls` line) and a closed loopback port (the
/// directory does not answer, and no TLS line is shown).
#[tokio::test]
async fn preflight_reports_reachability_and_tls() {
    let port = common::free_port();
    let closed = common::config(&format!(
        "[password]\nsource = \"ldap\"\nurl = \"ldaps://127.0.0.1:{port}\"\nuser_dn_template = \"uid={{user}},dc=x\"\n"
    ));
    let p = deskside_password::preflight(&closed, Some("someone")).await;
    assert!(!p.ok, "{p:?}");
    assert_eq!(p.items.len(), 1, "{p:?}");
    assert_eq!((p.items[0].id, p.items[0].ok), ("directory", false));
    assert!(
        p.items[0]
            .message
            .contains(&format!("127.0.0.1:{port} does not answer")),
        "{p:?}"
    );

    let Some(server) = common::slapd() else {
        return;
    };
    for url in [&server.ldaps_url, &server.ldap_url] {
        let config = common::config(&config_text(server, url, ""));
        let p = deskside_password::preflight(&config, Some("someone")).await;
        let lines: Vec<(&str, bool)> = p.items.iter().map(|i| (i.id, i.ok)).collect();
        assert_eq!(lines, [("directory", true), ("tls", true)], "{url}: {p:?}");
        assert!(p.ok);

        let other = common::config(&config_text(server, url, "").replace(
            &server.ca.display().to_string(),
            &server.other_ca.display().to_string(),
        ));
        let p = deskside_password::preflight(&other, Some("someone")).await;
        let lines: Vec<(&str, bool)> = p.items.iter().map(|i| (i.id, i.ok)).collect();
        assert_eq!(lines, [("directory", true), ("tls", false)], "{url}: {p:?}");
        assert!(p.items[1].message.contains("not trusted"), "{p:?}");
    }
}
