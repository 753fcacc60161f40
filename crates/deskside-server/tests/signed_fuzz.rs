//! Fuzzing behind the signature: schemathesis cannot sign, so it only reaches the checks
//! before it. Here an enrolled device sends every operation of the published OpenAPI
//! description (`docs/server-openapi.json`) validly signed requests whose bodies are made from
//! the operation's schema and then broken — fields dropped, values of the wrong type, huge
//! strings and numbers, deep nesting, unknown fields, not JSON at all, invalid UTF-8 — and
//! whose path parameters are odd (long, unicode, traversal, percent-encoded NUL). Every answer
//! must be below 500 with the `{code, message}` shape for errors, and the server must still be
//! up with no panic in its log. `DESKSIDE_FUZZ_SEED` replays a run.
#![expect(clippy::unwrap_used, reason = "tests: a panic is the failure report")]

#[expect(dead_code, reason = "this file uses a part of the shared helpers")]
mod common;

use std::collections::BTreeMap;

use common::{Server, client, enrol, signed};
use serde_json::{Map, Value, json};

/// Cases per operation.
const CASES: usize = 40;

struct Gen<'a> {
    rng: fastrand::Rng,
    schemas: &'a Map<String, Value>,
}

impl Gen<'_> {
    fn odd_string(&mut self) -> String {
        match self.rng.u8(..10) {
            0 => String::new(),
            1 => "x".repeat(self.rng.usize(1..50_000)),
            2 => "é\u{0}\u{202e}🙂\u{feff}".repeat(self.rng.usize(1..50)),
            3 => "../../etc/passwd".to_owned(),
            4 => "' OR 1=1 --".to_owned(),
            5 => "<script>alert(1)</script>".to_owned(),
            6 => "0f8fad5b-d9cb-469f-a165-70867728950e".to_owned(),
            7 => "%00%ff".to_owned(),
            8 => " ".repeat(self.rng.usize(1..100)),
            _ => format!("value-{}", self.rng.u32(..)),
        }
    }

    fn odd_value(&mut self, depth: u32) -> Value {
        match self.rng.u8(..9) {
            0 => Value::Null,
            1 => json!(self.rng.bool()),
            2 => json!(i64::MAX),
            3 => json!(-1),
            4 => json!(1e308),
            5 => json!(self.odd_string()),
            6 if depth < 60 => json!([self.odd_value(depth + 1)]),
            7 if depth < 60 => json!({"a": self.odd_value(depth + 1)}),
            _ => json!({}),
        }
    }

    /// A value that fits `schema` (as far as this generator reads JSON Schema).
    fn fit(&mut self, schema: &Value, depth: u32) -> Value {
        if depth > 8 {
            return Value::Null;
        }
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let name = r.rsplit('/').next().unwrap_or_default();
            let target = self.schemas.get(name).cloned().unwrap_or(Value::Null);
            return self.fit(&target, depth + 1);
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            if let Some(list) = schema.get(key).and_then(Value::as_array)
                && !list.is_empty()
            {
                let pick = list[self.rng.usize(..list.len())].clone();
                return self.fit(&pick, depth + 1);
            }
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array)
            && !values.is_empty()
        {
            return values[self.rng.usize(..values.len())].clone();
        }
        let ty = match schema.get("type") {
            Some(Value::String(t)) => t.clone(),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or("null")
                .to_owned(),
            _ => "object".to_owned(),
        };
        match ty.as_str() {
            "object" => {
                let mut out = Map::new();
                let required: Vec<&str> = schema
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                    for (k, s) in props {
                        if required.contains(&k.as_str()) || self.rng.bool() {
                            out.insert(k.clone(), self.fit(s, depth + 1));
                        }
                    }
                }
                Value::Object(out)
            }
            "array" => {
                let item = schema.get("items").cloned().unwrap_or(Value::Null);
                (0..self.rng.usize(..3))
                    .map(|_| self.fit(&item, depth + 1))
                    .collect()
            }
            "integer" => json!(self.rng.i64(-5..100_000)),
            "number" => json!(self.rng.f64() * 1000.0),
            "boolean" => json!(self.rng.bool()),
            "null" => Value::Null,
            _ => {
                if schema.get("format").and_then(Value::as_str) == Some("uuid") {
                    json!(format!(
                        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                        self.rng.u32(..),
                        self.rng.u16(..),
                        self.rng.u16(..0xfff),
                        self.rng.u16(..0xfff),
                        self.rng.u64(..0xffff_ffff_ffff)
                    ))
                } else if self.rng.u8(..4) == 0 {
                    json!(self.odd_string())
                } else {
                    json!(format!("s{}", self.rng.u32(..)))
                }
            }
        }
    }

    /// Break a fitting value in one of several ways.
    fn break_it(&mut self, mut v: Value) -> Vec<u8> {
        match self.rng.u8(..10) {
            0 => return b"not json at all {".to_vec(),
            1 => return vec![0xff, 0xfe, b'{', b'}', 0x80],
            2 => return Vec::new(),
            3 => {
                // Deep nesting.
                let mut deep = String::new();
                let n = self.rng.usize(100..3000);
                deep.push_str(&"[".repeat(n));
                deep.push_str(&"]".repeat(n));
                return deep.into_bytes();
            }
            _ => {}
        }
        if let Value::Object(map) = &mut v {
            let keys: Vec<String> = map.keys().cloned().collect();
            match self.rng.u8(..4) {
                0 if !keys.is_empty() => {
                    map.remove(&keys[self.rng.usize(..keys.len())]);
                }
                1 if !keys.is_empty() => {
                    let k = keys[self.rng.usize(..keys.len())].clone();
                    let odd = self.odd_value(0);
                    map.insert(k, odd);
                }
                2 => {
                    let odd = self.odd_value(0);
                    map.insert("unexpected_field".to_owned(), odd);
                }
                _ => {}
            }
        } else if self.rng.bool() {
            v = self.odd_value(0);
        }
        serde_json::to_vec(&v).unwrap()
    }

    fn path(&mut self, template: &str) -> String {
        let mut out = String::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
            let value = match self.rng.u8(..6) {
                0 => "0f8fad5b-d9cb-469f-a165-70867728950e".to_owned(),
                1 => "a".repeat(self.rng.usize(1..5000)),
                2 => "%2e%2e%2f%2e%2e".to_owned(),
                3 => "%00".to_owned(),
                4 => "%F0%9F%99%82%E2%80%AE".to_owned(),
                _ => format!("{}", self.rng.u64(..)),
            };
            out.push_str(&value);
            rest = &rest[close..];
        }
        out.push_str(rest);
        out
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_survives_validly_signed_garbage() {
    let spec: Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/server-openapi.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let schemas = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let seed = std::env::var("DESKSIDE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    let mut g = Gen {
        rng: fastrand::Rng::with_seed(seed),
        schemas: &schemas,
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.sqlite3");
    // Limits high enough that the fuzzer reaches the handlers, not the rate limiter.
    let server = Server::start_with(
        db.to_str().unwrap(),
        None,
        "requests_per_minute = 1000000\ntickets_per_hour = 1000000",
    );
    let c = client();
    let dev = enrol(&c, &server, &server.secret(1), 7).await;

    let mut by_status: BTreeMap<u16, usize> = BTreeMap::new();
    let mut sent = 0;
    let paths = spec["paths"].as_object().unwrap().clone();
    for (template, ops) in &paths {
        for (method, op) in ops.as_object().unwrap() {
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body_schema = op
                .pointer("/requestBody/content/application~1json/schema")
                .cloned();
            for _ in 0..CASES {
                let path = g.path(template);
                let body = match &body_schema {
                    Some(s) => {
                        let fit = g.fit(s, 0);
                        // A quarter stay valid, so the handlers' deeper paths are reached.
                        if g.rng.u8(..4) == 0 {
                            serde_json::to_vec(&fit).unwrap()
                        } else {
                            g.break_it(fit)
                        }
                    }
                    None if g.rng.u8(..4) == 0 => g.break_it(json!({})),
                    None => Vec::new(),
                };
                let r = signed(&c, &server, &dev, method.clone(), &path, body.clone())
                    .header("content-type", "application/json")
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                let text = r.text().await.unwrap_or_default();
                assert!(
                    status < 500,
                    "seed {seed}: {method} {path} with {} bytes → {status}: {text}\n{}",
                    body.len(),
                    server.log()
                );
                if status >= 400 && !text.is_empty() {
                    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    assert!(
                        v["code"].as_str().is_some() && v["message"].as_str().is_some(),
                        "seed {seed}: {method} {path} → {status} without {{code, message}}: {text}"
                    );
                }
                *by_status.entry(status).or_default() += 1;
                sent += 1;
            }
        }
    }
    let up = c.get(server.url("/healthz")).send().await.unwrap();
    assert!(up.status().is_success(), "seed {seed}: the server is down");
    let log = server.log();
    assert!(!log.contains("panicked"), "seed {seed}: a panic:\n{log}");
    eprintln!(
        "signed fuzz (seed {seed}): {sent} requests over {} paths, answers {by_status:?}",
        paths.len()
    );
}
