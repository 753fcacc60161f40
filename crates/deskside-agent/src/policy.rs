//! Managed policy applied live: [`run_watch`] polls the OS's policy sources (Linux policy
//! files, the Windows registry keys, macOS managed preferences) and, when they change, loads
//! the configuration afresh and hands it to the shell through [`Announce::policy_changed`].
//! Every task of the agent loads the configuration when it starts, so the new policy governs
//! the next check, ticket or fix; the announcement lets a shell refresh what it shows now
//! (branding, the Managed settings page) and logs the policy's errors once per change.

use std::sync::Arc;
use std::time::Duration;

use deskside_config::Os;
use deskside_config::policy::{PolicySources, PolicyWatch};

use crate::Announce;

/// How often the policy sources are looked at: cheap (a few `stat` calls on Linux and macOS).
pub const POLL_INTERVAL: Duration = Duration::from_secs(5);

/// The policy sources of this machine.
#[must_use]
pub fn sources() -> PolicySources {
    PolicySources::for_os(Os::current(), &|name| std::env::var(name).ok())
}

/// Watches `sources` every `every` until the task is dropped; on each change, reloads the
/// configuration, logs the policy's errors and announces it. A configuration that no longer
/// loads (a broken user file) is logged, and the next change is awaited.
pub async fn run_watch<A: Announce + ?Sized>(
    announce: Arc<A>,
    sources: PolicySources,
    every: Duration,
) {
    let mut watch = PolicyWatch::new(sources);
    loop {
        tokio::time::sleep(every).await;
        // A few `stat` calls (or one registry read): too little to move off the runtime.
        if !watch.changed() {
            continue;
        }
        match crate::load_config() {
            Ok(loaded) => {
                tracing::info!(
                    errors = loaded.policy_errors.len(),
                    "managed policy changed; configuration reloaded"
                );
                for issue in &loaded.policy_errors {
                    tracing::warn!(code = issue.code, "policy: {}", issue.message);
                }
                announce.policy_changed(&loaded);
            }
            Err(e) => tracing::warn!(code = e.code(), "policy changed, config not loaded: {e}"),
        }
    }
}
