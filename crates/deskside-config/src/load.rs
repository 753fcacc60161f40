//! Loading from the machine: resolves the system, user and explicit files for an [`Os`] and an
//! environment, reads the ones that exist, and merges them over the defaults. The environment is a
//! parameter so tests pass a snapshot and never read the real user's or system's files.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

use crate::error::ConfigError;
use crate::layer::{Layer, SourceKind};
use crate::loaded::{Loaded, PolicyIssue};
use crate::paths::{self, ConfigPaths, Os};
use crate::policy::PolicySources;

/// A function looking up an environment variable.
pub type EnvLookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// What [`load`] needs to know: the OS rules, an explicit file, and the environment.
pub struct LoadOptions {
    /// Whose path rules apply.
    pub os: Os,
    /// The file from `--config`; wins over `DESKSIDE_CONFIG`.
    pub explicit: Option<PathBuf>,
    /// Environment lookup: `DESKSIDE_*` overrides, `HOME`, `XDG_CONFIG_HOME`, `APPDATA`, ….
    pub env: EnvLookup,
    /// Where managed policy is read from: the OS's locations for [`LoadOptions::from_env`],
    /// none for [`LoadOptions::from_vars`] (tests set a folder they created). No environment
    /// variable moves it: mandatory policy must not be skippable by whoever starts the process.
    pub policy: PolicySources,
}

impl LoadOptions {
    /// Options reading the process environment at load time.
    pub fn from_env(os: Os, explicit: Option<PathBuf>) -> Self {
        let env: EnvLookup = Box::new(|name| std::env::var(name).ok());
        let policy = PolicySources::for_os(os, &*env);
        Self {
            os,
            explicit,
            env,
            policy,
        }
    }

    /// Options with a fixed environment, for tests and for callers that snapshot it.
    pub fn from_vars<K, V>(
        os: Os,
        explicit: Option<PathBuf>,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        let vars: HashMap<String, String> = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        Self {
            os,
            explicit,
            env: Box::new(move |name| vars.get(name).cloned()),
            policy: PolicySources::None,
        }
    }

    /// The files a load with these options would read.
    pub fn paths(&self) -> ConfigPaths {
        paths::resolve(self.os, self.explicit.clone(), &*self.env)
    }
}

impl fmt::Debug for LoadOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadOptions")
            .field("os", &self.os)
            .field("explicit", &self.explicit)
            .field("env", &"<lookup>")
            .field("policy", &self.policy)
            .finish()
    }
}

/// Loads defaults < system file < recommended policy < user file < explicit file < mandatory
/// policy. Missing system and user files are skipped; a missing explicit file is an error.
/// Policy never makes the load fail: refused policy files and dropped values are in
/// [`Loaded::policy_errors`]. Localised admin text is resolved for the user's locale
/// ([`crate::localized::locale_from_env`], else [`crate::localized::os_locale`]).
pub fn load(opts: &LoadOptions) -> Result<Loaded, ConfigError> {
    let paths = opts.paths();
    let mut layers = Vec::new();
    for (kind, path) in [
        (SourceKind::System, paths.system),
        (SourceKind::User, paths.user),
        (SourceKind::Explicit, paths.explicit),
    ] {
        if let Some(path) = path
            && let Some(layer) = Layer::from_file(kind, &path)?
        {
            layers.push(layer);
        }
    }
    let policy = crate::policy::read(&opts.policy);
    layers.extend(policy.layers);
    let locale = crate::localized::locale_from_env(&*opts.env)
        .or_else(|| crate::localized::os_locale(opts.os, &*opts.env));
    let mut loaded = crate::merge::load_layers_for(layers, locale.as_deref())?;
    let read_errors = policy.errors.iter().map(PolicyIssue::from_error);
    loaded.policy_errors.splice(0..0, read_errors);
    Ok(loaded)
}
