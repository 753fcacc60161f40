//! `[server] tls_cert` + `tls_key`: the server speaks HTTPS itself (rustls). A client that
//! trusts the test CA gets answers; plain HTTP to the port gets none; a half-configured TLS
//! pair is refused at start.
#![expect(
    clippy::disallowed_methods,
    reason = "the test runs openssl and the server binary itself"
)]

#[expect(dead_code, reason = "this file uses a part of the shared helpers")]
mod common;

use std::process::Command;

#[tokio::test]
async fn https_from_pem_files() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let d = dir.path();
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .current_dir(d)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // A test CA and a server certificate for 127.0.0.1 signed by it.
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    openssl(
        &[
            &["req", "-x509"],
            &ec[..],
            &[
                "-days",
                "2",
                "-subj",
                "/CN=deskside test CA",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
            ],
        ]
        .concat(),
    );
    openssl(
        &[
            &["req"],
            &ec[..],
            &[
                "-subj",
                "/CN=127.0.0.1",
                "-keyout",
                "key.pem",
                "-out",
                "leaf.csr",
            ],
        ]
        .concat(),
    );
    std::fs::write(
        d.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        "-out",
        "cert.pem",
    ]);
    let db = dir.path().join("server.sqlite3");
    let mut server = common::Server::start_with(db.to_str().unwrap(), None, "");
    server.kill9();
    let text = std::fs::read_to_string(&server.config).unwrap();
    let with_tls = text.replacen(
        "[database]",
        &format!(
            "tls_cert = \"{}\"\ntls_key = \"{}\"\n[database]",
            cert.display(),
            key.display()
        ),
        1,
    );
    std::fs::write(&server.config, &with_tls).unwrap();
    server.restart();
    let ca = reqwest::Certificate::from_pem(&std::fs::read(d.join("ca.pem")).unwrap()).unwrap();
    let client = reqwest::Client::builder()
        .no_proxy()
        .add_root_certificate(ca)
        .build()
        .unwrap();
    let url = format!("https://127.0.0.1:{}/healthz", server.port);
    let r = client.get(&url).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "ok");
    // Plain HTTP to the TLS port gets no HTTP answer.
    let plain = common::client()
        .get(server.url("/healthz"))
        .timeout(std::time::Duration::from_secs(5))
        .send()
        .await;
    assert!(plain.is_err(), "{plain:?}");
    // Only one of the pair: refused at start with a clear message.
    server.kill9();
    let half = text.replacen(
        "[database]",
        &format!("tls_cert = \"{}\"\n[database]", cert.display()),
        1,
    );
    std::fs::write(&server.config, half).unwrap();
    let out = Command::new(common::BIN)
        .arg("--config")
        .arg(&server.config)
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("tls_cert and server.tls_key go together")
    );
}
