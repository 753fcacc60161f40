//! What checks read: the config, one snapshot of the network state, and memoized answers
//! (DNS resolutions, connectivity probes) so concurrent checks that need the same fact ask
//! the network once.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use deskside_config::Config;
use deskside_netprobe::dns::{self, Resolution};
use deskside_netprobe::http::{self, Exchange};
use deskside_platform::{Interface, InterfaceKind, NetworkState, Os};
use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use tokio::sync::OnceCell;

/// One web request: the URL's host resolved, then fetched.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Probe {
    /// The probe URL.
    pub url: String,
    /// The host part of the URL.
    pub host: String,
    /// Resolution of the host.
    pub resolution: Resolution,
    /// The exchange, if the host resolved.
    pub exchange: Option<Exchange>,
}

/// Shared inputs of a diagnosis run.
pub struct Context {
    /// Effective configuration.
    pub config: Config,
    /// The OS whose rules apply.
    pub os: Os,
    /// Network state at the start of the run.
    pub net: NetworkState,
    resolutions: Mutex<HashMap<String, Shared<BoxFuture<'static, Resolution>>>>,
    probes: OnceCell<Vec<Probe>>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("os", &self.os)
            .field("net", &self.net)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// A context over an already-collected network state.
    #[must_use]
    pub fn new(config: Config, os: Os, net: NetworkState) -> Self {
        Self {
            config,
            os,
            net,
            resolutions: Mutex::new(HashMap::new()),
            probes: OnceCell::new(),
        }
    }

    /// Per-query DNS timeout from config.
    #[must_use]
    pub fn dns_timeout(&self) -> Duration {
        Duration::from_millis(self.config.network.dns_timeout_ms)
    }

    /// HTTP timeout from config.
    #[must_use]
    pub fn http_timeout(&self) -> Duration {
        Duration::from_millis(self.config.network.http_timeout_ms)
    }

    /// The DNS servers the OS would use for `name`: a matching split-DNS scope's servers
    /// first (longest domain wins), else the default servers.
    #[must_use]
    pub fn servers_for(&self, name: &str) -> Vec<IpAddr> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let scope = self
            .net
            .dns
            .scopes
            .iter()
            .flat_map(|s| s.domains.iter().map(move |d| (d, s)))
            .filter(|(d, _)| {
                let d = d.trim_matches('.').to_ascii_lowercase();
                !d.is_empty() && (name == d || name.ends_with(&format!(".{d}")))
            })
            .max_by_key(|(d, _)| d.len());
        match scope {
            Some((_, s)) if !s.servers.is_empty() => s.servers.clone(),
            _ => self.net.dns.servers.clone(),
        }
    }

    /// Resolve `name` as the OS would, once per run.
    pub async fn resolve(&self, name: &str) -> Resolution {
        let key = name.to_ascii_lowercase();
        let fut = {
            let mut map = match self.resolutions.lock() {
                Ok(m) => m,
                Err(poisoned) => poisoned.into_inner(),
            };
            map.entry(key)
                .or_insert_with(|| {
                    let servers = self.servers_for(name);
                    let name = name.to_owned();
                    let timeout = self.dns_timeout();
                    async move { dns::resolve(&servers, &name, timeout).await }
                        .boxed()
                        .shared()
                })
                .clone()
        };
        fut.await
    }

    /// Fetch every configured probe URL (concurrently, once per run).
    pub async fn probes(&self) -> &[Probe] {
        self.probes
            .get_or_init(|| async {
                let all = self
                    .config
                    .network
                    .probe_urls
                    .iter()
                    .map(|url| self.fetch(url));
                futures::future::join_all(all).await
            })
            .await
    }

    /// Resolve `url`'s host the way the OS would (memoized), then GET it from that address.
    /// An unresolved name is never handed to the HTTP stack: it would fall back to the
    /// system resolver and its long timeouts.
    pub async fn fetch(&self, url: &str) -> Probe {
        let host = url_host(url).unwrap_or_default();
        let resolution = self.resolve(&host).await;
        let exchange = match resolution.addrs.first() {
            Some(addr) => Some(
                http::get(&http::Request {
                    url,
                    addr: Some(*addr),
                    timeout: self.http_timeout(),
                    proxy: None,
                })
                .await,
            ),
            None => None,
        };
        Probe {
            url: url.to_owned(),
            host,
            resolution,
            exchange,
        }
    }

    /// Whether `iface` looks like a VPN tunnel: its kind says so or its name matches a
    /// configured pattern.
    #[must_use]
    pub fn is_vpn(&self, iface: &Interface) -> bool {
        iface.is_vpn(&self.config.vpn.interfaces)
    }

    /// Interfaces that can carry the machine's own uplink: not loopback, not VPN, not
    /// bridges or container/VM plumbing.
    #[must_use]
    pub fn uplink_candidates(&self) -> Vec<&Interface> {
        self.net
            .interfaces
            .iter()
            .filter(|i| {
                !matches!(
                    i.kind,
                    InterfaceKind::Loopback | InterfaceKind::Bridge | InterfaceKind::Virtual
                ) && !self.is_vpn(i)
            })
            .collect()
    }

    /// Interfaces that look like VPN tunnels.
    #[must_use]
    pub fn vpn_interfaces(&self) -> Vec<&Interface> {
        self.net.vpn_interfaces(&self.config.vpn.interfaces)
    }
}

/// The host of a URL (without brackets for IPv6).
#[must_use]
pub fn url_host(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    Some(u.host_str()?.trim_matches(['[', ']']).to_owned())
}

/// Shared handle.
pub type SharedContext = Arc<Context>;
