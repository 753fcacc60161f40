//! Operating-system facts as data.
//!
//! This crate owns the typed picture of a machine that every other crate reasons about
//! ([`model`]): interfaces, routes, DNS and proxy configuration, volumes. It gets those
//! facts in two layers, kept apart on purpose:
//!
//! - **Pure parsers**, one module per OS ([`windows`], [`macos`], [`linux`]), that turn the
//!   text of a command or a system file into model values. They compile and are tested on
//!   every OS with fixtures of real output under `tests/fixtures/<os>/`, so Windows and macOS
//!   logic is exercised on a Linux build machine ("OS as data").
//! - **Collectors**, the only `cfg`-gated code: they read `/proc`/`/sys` or run a command
//!   through [`deskside_exec`] and hand the text to a parser.
//!
//! Parsers never panic on arbitrary input: malformed lines are skipped, and property tests
//! feed them random text.

pub mod collect;
pub mod glob;
pub use glob::glob_match;
pub mod linux;
pub mod macos;
pub mod model;
pub mod netwatch;
pub mod temp;
pub mod vpn;
pub mod windows;

pub use model::*;
