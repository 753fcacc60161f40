//! A fresh environment per test: a temp directory standing in for `$HOME`, and load options
//! whose environment points every layer inside it, so no test reads the real machine's config.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a panic is the failure report"
)]

use std::path::{Path, PathBuf};

use deskside_config::{ENV_SYSTEM, ENV_USER, LoadOptions, Os};

pub struct TestEnv {
    pub dir: tempfile::TempDir,
}

impl TestEnv {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// Options with the system and user layers at the given files ("" skips a layer), `HOME`
    /// inside the temp dir, and any extra variables.
    pub fn options(
        &self,
        system: Option<&Path>,
        user: Option<&Path>,
        explicit: Option<&Path>,
        extra: &[(&str, &str)],
    ) -> LoadOptions {
        let show = |p: Option<&Path>| p.map(|p| p.display().to_string()).unwrap_or_default();
        let mut vars = vec![
            ("HOME".to_owned(), self.dir.path().display().to_string()),
            (ENV_SYSTEM.to_owned(), show(system)),
            (ENV_USER.to_owned(), show(user)),
        ];
        vars.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        LoadOptions::from_vars(Os::Linux, explicit.map(Path::to_path_buf), vars)
    }
}
