//! pagedesk: a terminal inbox for shops that sell through Facebook Pages, Spam folder included.
//!
//! Data flows one way: `graph` (HTTP) → `sync` (the engine) → `store` (SQLite) → the CLI and UI,
//! which read the store and put replies in its outbox.

pub mod cli;
pub mod config;
pub mod files;
pub mod graph;
pub mod i18n;
pub mod keymap;
pub mod log_file;
pub mod log_repeats;
pub mod model;
pub mod orders;
pub mod problems;
pub mod store;
pub mod sync;
pub mod text;
pub mod ui;
pub mod webhook;

/// This pagedesk's version and the commit it was built from, as `--version` says it.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("PAGEDESK_COMMIT"),
    ")"
);
