//! Prism 5.14.2 as a validating mock of Jira Service Management, loaded with the vendor's
//! OpenAPI description from `../shared/contracts/`. Put a [`crate::FaultProxy`] in front to
//! record every request the connector sends, then judge each with [`request_problems`].
//!
//! Prism reports violations in an `sl-violations` header, and not only the request's: for some
//! operations (`POST /rest/servicedeskapi/request`) its own example answer breaks the response
//! schema and it says so (`location: ["response", "body"]`) on a request that is fine. A request
//! is therefore valid iff the answer is 2xx and no violation is located in the `request`.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::process::{Supervised, start_on_fresh_port};
use crate::{Exchange, HarnessError, Result};

const NAME: &str = "Prism (JSM mock)";

/// A running Prism mock.
#[derive(Debug)]
pub struct Prism {
    _dir: tempfile::TempDir,
    port: u16,
    _server: Supervised,
}

impl Prism {
    /// Starts Prism mocking `spec` (Prism loads the ~1 MB contract in a few seconds).
    ///
    /// # Errors
    /// [`HarnessError`] when the contract is missing or Prism does not start.
    pub fn start(spec: &Path) -> Result<Self> {
        let spec = spec.canonicalize().map_err(|e| HarnessError::Setup {
            server: NAME,
            detail: format!("contract {}: {e}", spec.display()),
        })?;
        let dir = tempfile::Builder::new()
            .prefix("deskside-prism-")
            .tempdir()?;
        let (port, server) = start_on_fresh_port(
            NAME,
            |port| {
                vec![
                    "prism-run".into(),
                    dir.path().into(),
                    port.to_string().into(),
                    spec.clone().into(),
                ]
            },
            &dir.path().join("server.log"),
            Duration::from_secs(90),
        )?;
        Ok(Self {
            _dir: dir,
            port,
            _server: server,
        })
    }

    /// The socket address, for a proxy's upstream.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }
}

/// What is wrong with the request of `ex` according to Prism: empty when it is valid.
#[must_use]
pub fn request_problems(ex: &Exchange) -> Vec<String> {
    let mut problems = Vec::new();
    match ex.upstream_status {
        Some(code) if (200..300).contains(&code) => {}
        Some(code) => problems.push(format!("Prism answered {code}")),
        None => problems.push("the request never reached Prism".to_owned()),
    }
    if let Some(header) = ex.upstream_header("sl-violations") {
        match serde_json::from_str::<Value>(header) {
            Ok(Value::Array(list)) => problems.extend(
                list.iter()
                    .filter(|v| v["location"][0] == "request")
                    .map(|v| {
                        format!(
                            "{}: {}",
                            v["location"]
                                .as_array()
                                .map(|l| l
                                    .iter()
                                    .filter_map(Value::as_str)
                                    .collect::<Vec<_>>()
                                    .join("."))
                                .unwrap_or_default(),
                            v["message"].as_str().unwrap_or_default()
                        )
                    }),
            ),
            _ => problems.push(format!("unreadable sl-violations header: {header}")),
        }
    }
    problems
}
