//! The folders that hold a user's throwaway files: the OS temp folder and the user's cache
//! folder. The `disk.temp` check measures them and `disk.clear_temp` clears them, so both
//! take the list from here.

use std::path::PathBuf;

/// The OS temp dir, plus the user cache dir (`$XDG_CACHE_HOME` or `~/.cache` on Linux,
/// `~/Library/Caches` on macOS), whether or not they exist.
#[must_use]
pub fn default_temp_paths() -> Vec<PathBuf> {
    let mut paths = vec![std::env::temp_dir()];
    if cfg!(target_os = "linux") {
        match std::env::var_os("XDG_CACHE_HOME") {
            Some(c) => paths.push(PathBuf::from(c)),
            None => {
                if let Some(home) = std::env::var_os("HOME") {
                    paths.push(PathBuf::from(home).join(".cache"));
                }
            }
        }
    } else if cfg!(target_os = "macos")
        && let Some(home) = std::env::var_os("HOME")
    {
        paths.push(PathBuf::from(home).join("Library/Caches"));
    }
    paths
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_os_temp_dir_comes_first() {
        let paths = super::default_temp_paths();
        assert_eq!(paths.first(), Some(&std::env::temp_dir()));
        assert!(paths.len() <= 2);
    }
}
