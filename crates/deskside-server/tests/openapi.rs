//! `docs/server-openapi.json` is exactly what the handlers' annotations generate. After
//! changing the API, regenerate it: `DESKSIDE_OPENAPI_WRITE=1 cargo test -p deskside-server
//! --test openapi`, and commit the file.

use std::path::Path;

#[test]
fn published_openapi_matches_the_code() {
    let generated = format!("{}\n", deskside_server::http::openapi_json());
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/server-openapi.json");
    if std::env::var("DESKSIDE_OPENAPI_WRITE").as_deref() == Ok("1") {
        std::fs::write(&path, &generated).unwrap();
    }
    let published = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        published == generated,
        "docs/server-openapi.json drifted from the code: run `DESKSIDE_OPENAPI_WRITE=1 cargo test -p deskside-server --test openapi` and commit it"
    );
    let v: serde_json::Value = serde_json::from_str(&published).unwrap();
    for path in [
        "/v1/enroll",
        "/v1/tickets",
        "/v1/tickets/{key}",
        "/v1/device",
    ] {
        assert!(v["paths"][path].is_object(), "{path} is described");
    }
}
