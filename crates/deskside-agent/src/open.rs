//! Opening a web page in the user's browser (IT's password reset page, a ticket's link): the
//! address is validated by the fixes crate's `WebUrl` (http/https, no credentials, no
//! characters a launcher could misread) and handed as one argument to the OS's opener through
//! `deskside-exec` — never through a shell. The choice of opener is pure and tested for every OS.

use std::time::Duration;

use deskside_config::Os;
use deskside_exec::Cmd;

use crate::AgentError;

/// How long the opener may take to hand the address to the browser.
const OPEN_TIMEOUT: Duration = Duration::from_secs(15);

/// The opener and its arguments for `url` on `os` (pure, tested for every OS).
#[must_use]
pub fn opener(os: Os, url: &str) -> (&'static str, Vec<String>) {
    match os {
        Os::Windows => ("explorer.exe", vec![url.to_owned()]),
        Os::Macos => ("open", vec![url.to_owned()]),
        Os::Linux => ("xdg-open", vec![url.to_owned()]),
    }
}

/// Open `url` in the browser.
///
/// # Errors
/// [`AgentError::BadUrl`] when the address is not a plain web address (nothing runs);
/// [`AgentError::OpenFailed`] when the opener could not run or failed.
pub async fn url(url: &str) -> Result<(), AgentError> {
    let checked = deskside_fixes::WebUrl::parse(url).map_err(AgentError::BadUrl)?;
    let (program, args) = opener(Os::current(), checked.as_str());
    let out = deskside_exec::run(&Cmd::new(program).args(args).timeout(OPEN_TIMEOUT))
        .await
        .map_err(|e| AgentError::OpenFailed {
            detail: e.to_string(),
        })?;
    if out.success() {
        Ok(())
    } else {
        Err(AgentError::OpenFailed {
            detail: format!(
                "{program} ended with code {}; the address is {}",
                out.code
                    .map_or_else(|| "none".to_owned(), |c| c.to_string()),
                checked.as_str()
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_os_gets_its_opener_with_the_url_as_one_argument() {
        let u = "https://sspr.example/reset?x=1&y=2";
        assert_eq!(opener(Os::Linux, u), ("xdg-open", vec![u.to_owned()]));
        assert_eq!(opener(Os::Macos, u).0, "open");
        assert_eq!(opener(Os::Windows, u).0, "explorer.exe");
    }

    #[tokio::test]
    async fn a_url_with_credentials_or_another_scheme_is_refused_before_anything_runs() {
        for bad in [
            "file:///etc/passwd",
            "https://u:p@host/",
            "https://host/a b",
            "javascript:alert(1)",
        ] {
            assert_eq!(url(bad).await.unwrap_err().code(), "open.bad_url", "{bad}");
        }
    }
}
