//! Every integration test in one binary: each file was a binary of its own, and each linked
//! the whole crate (18 links of pagedesk and its dependencies for one `cargo test`).

mod common;

mod attachments;
mod cli;
mod comments;
mod crash;
mod disk;
mod emulator;
mod engine;
mod faults;
mod fidelity;
mod inbox;
mod order_form;
mod orders;
mod parsing;
mod postgres;
mod processes;
mod readme;
mod screens;
mod service;
mod sync;
mod team;
mod terminal;
mod trust;
mod webhooks;

/// The tests of the store, the sync, the outbox's exactly-once and the engine's lease across
/// processes, again with every world's data on PostgreSQL (the tests' own server): a test
/// running under this module's name gets a PostgreSQL world from `TestWorld::start`.
// Each of these files is a module twice, on purpose: once above, once here.
#[allow(clippy::duplicate_mod)]
#[path = "."]
mod on_postgres {
    mod comments;
    mod faults;
    mod orders;
    mod processes;
    mod sync;
    mod team;
    mod trust;
    mod webhooks;
}
