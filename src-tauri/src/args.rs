//! The command line of `deskside`, also parsed from a second launch's arguments (which the
//! single-instance plugin forwards to the running app).

use clap::Parser;

use crate::ipc::Screen;

/// Deskside: IT self-service in the tray.
#[derive(Debug, Clone, Default, PartialEq, Eq, Parser)]
#[command(name = "deskside", version, about)]
pub struct Args {
    /// Open the window at start (normally the app starts in the tray only).
    #[arg(long)]
    pub open: bool,
    /// Open the window on this screen (implies --open).
    #[arg(long, value_enum, value_name = "NAME")]
    pub screen: Option<Screen>,
    /// Ask the running Deskside to quit (as the tray menu's Quit does), e.g. before an upgrade.
    #[arg(long, conflicts_with_all = ["open", "screen", "close"])]
    pub quit: bool,
    /// Ask the running Deskside to close its window (it stays in the tray), e.g. for scripts
    /// and benchmarks.
    #[arg(long, conflicts_with_all = ["open", "screen"])]
    pub close: bool,
}

impl Args {
    /// Whether the window should open now.
    #[must_use]
    pub const fn wants_window(&self) -> bool {
        !self.quit && !self.close && (self.open || self.screen.is_some())
    }

    /// Parse a second launch's `argv` (program name first); unknown arguments are ignored
    /// rather than failing the running instance.
    #[must_use]
    pub fn from_second_launch(argv: &[String]) -> Self {
        Self::try_parse_from(argv).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screen_implies_open_and_bad_second_launch_args_are_ignored() {
        let a = Args::try_parse_from(["deskside", "--screen", "help"]).unwrap();
        assert_eq!(a.screen, Some(Screen::Help));
        assert!(a.wants_window());
        assert!(!Args::try_parse_from(["deskside"]).unwrap().wants_window());
        let b = Args::from_second_launch(&["deskside".into(), "--bogus".into()]);
        assert_eq!(b, Args::default());
        let q = Args::try_parse_from(["deskside", "--quit"]).unwrap();
        assert!(q.quit && !q.wants_window());
        assert!(Args::try_parse_from(["deskside", "--quit", "--open"]).is_err());
        let c = Args::try_parse_from(["deskside", "--close"]).unwrap();
        assert!(c.close && !c.wants_window());
    }
}
