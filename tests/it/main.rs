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
