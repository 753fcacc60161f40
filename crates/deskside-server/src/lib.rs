//! The `deskside-server` binary's library: the command line ([`cli`]), the config file
//! ([`config`]), the HTTP routes ([`http`]), TLS from PEM files ([`tls`]) and the delivery
//! worker. The domain lives in
//! `deskside-server-core`; this crate only wires it to HTTP, a config file and a terminal.

pub mod cli;
pub mod config;
pub mod http;
pub mod tls;
