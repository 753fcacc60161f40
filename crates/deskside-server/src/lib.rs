//! The `deskside-server` binary's library: the command line ([`cli`]), the config file
//! ([`config`]), the HTTP routes ([`http`]), TLS from PEM files ([`tls`]), the delivery
//! worker, and the password reset/unlock routes and web page ([`reset_http`]) with their
//! directory and mail ([`reset_wiring`]), the fleet routes and admin commands ([`fleet`]) and
//! the status page for IT ([`status`]). The domain lives in
//! `deskside-server-core`; this crate only wires it to HTTP, a config file and a terminal.

pub mod cli;
pub mod config;
pub mod fleet;
pub mod http;
pub mod reset_http;
pub mod reset_wiring;
pub mod status;
pub mod tls;
