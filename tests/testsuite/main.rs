//! Integration tests: each builds a fixture site from `tests/fixtures/` in a temporary
//! folder with the real `vellum` binary and asserts on the files it writes.

mod browser;
mod build;
mod cli;
mod common;
mod compliance;
mod deploy;
mod errors;
mod golden;
mod hostile;
mod import;
mod incremental;
mod incremental_random;
mod languages;
mod layering;
mod pagination;
mod policies;
mod publish;
mod record;
mod serve;
mod shop;
mod storefront;
mod validators;
mod workflows;
