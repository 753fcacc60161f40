//! Two `deskside-server` instances on one PostgreSQL serve the same devices: tickets sent to
//! both (and each one resent to the other) reach the helpdesk exactly once, the per-device
//! ticket limit is one limit across both, a request replayed to the other instance is
//! refused, and a secret's last use is spent once.

#[expect(dead_code, reason = "this file uses a part of the shared helpers")]
mod common;

use std::time::Duration;

use common::{Server, client, enrol, error_of, key, relay_counts, signed, upload};
use deskside_helpdesk::testing::{FakeRt, Faults};
use deskside_server_core::testing::cluster_or_skip;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_one_postgres_no_duplicates_one_rate_limit() {
    let Some(cluster) = cluster_or_skip("two_instances_one_postgres") else {
        return;
    };
    let fake = FakeRt::new();
    // Slow answers: both instances' delivery rounds overlap.
    fake.set_faults(Faults {
        delay: Duration::from_millis(30),
        ..Faults::default()
    });
    let rt = fake.serve().await.unwrap();
    let db = cluster.url("postgres");
    let limit = "tickets_per_hour = 3";
    let a = Server::start(&db, &rt.url(), limit);
    let b = Server::start(&db, &rt.url(), limit);
    let c = client();

    // Ten devices enrol with one ten-use secret, alternating instances; the eleventh fails.
    let secret = a.secret(10);
    let mut devices = Vec::new();
    for d in 0..10_u8 {
        let server = if d % 2 == 0 { &a } else { &b };
        devices.push(enrol(&c, server, &secret, d + 1).await);
    }
    let r = c
        .post(b.url("/v1/enroll"))
        .json(&serde_json::json!({
            "secret": secret,
            "public_key": deskside_server_api::sign::public_key_text(
                &ed25519_dalek::SigningKey::from_bytes(&[99; 32])),
            "device_name": "x",
            "os_user": "y",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r).await, (401, "enroll.invalid_secret".to_owned()));

    // Each device files three tickets, each to one instance and again to the other.
    for (d, dev) in devices.iter().enumerate() {
        let d = u32::try_from(d).unwrap();
        for n in 0..3 {
            let body = upload(&key(d, n), &format!("device {d} ticket {n}"));
            let (first, second) = if n % 2 == 0 { (&a, &b) } else { (&b, &a) };
            let r = signed(
                &c,
                first,
                dev,
                reqwest::Method::POST,
                "/v1/tickets",
                body.clone(),
            )
            .send()
            .await
            .unwrap();
            assert_eq!(r.status().as_u16(), 201, "{}", first.log());
            let r = signed(&c, second, dev, reqwest::Method::POST, "/v1/tickets", body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 200);
        }
        // The fourth new ticket is over the limit of three, whichever instance gets it.
        for server in [&a, &b] {
            let r = signed(
                &c,
                server,
                dev,
                reqwest::Method::POST,
                "/v1/tickets",
                upload(&key(d, 9), "one too many"),
            )
            .send()
            .await
            .unwrap();
            assert!(r.headers().get("retry-after").is_some());
            assert_eq!(error_of(r).await, (429, "relay.rate_limited".to_owned()));
        }
    }

    // A request captured at one instance and replayed to the other.
    let req = signed(
        &c,
        &a,
        &devices[0],
        reqwest::Method::GET,
        "/v1/device",
        vec![],
    )
    .build()
    .unwrap();
    let mut replay = req.try_clone().unwrap();
    assert_eq!(c.execute(req).await.unwrap().status().as_u16(), 200);
    *replay.url_mut() = b.url("/v1/device").parse().unwrap();
    let r = c.execute(replay).await.unwrap();
    assert_eq!(error_of(r).await, (401, "auth.replay".to_owned()));

    // Both instances deliver; every ticket lands once.
    for _ in 0..200 {
        if relay_counts(&a)["delivered"] == 30 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        relay_counts(&a)["delivered"],
        30,
        "{}\n{}",
        a.log(),
        b.log()
    );
    let counts = fake.count_by_key();
    assert_eq!(counts.len(), 30, "{counts:?}");
    assert!(counts.values().all(|n| *n == 1), "duplicates: {counts:?}");
    // Both instances took part.
    let delivered_by = |s: &Server| s.log().matches("ticket delivered to the helpdesk").count();
    assert_eq!(delivered_by(&a) + delivered_by(&b), 30);
    assert!(
        delivered_by(&a) > 0 && delivered_by(&b) > 0,
        "a {} b {}",
        delivered_by(&a),
        delivered_by(&b)
    );
}
