//! Compile-time checks of `#[migration]` and `embed_migrations!`, proven with trybuild.
//!
//! - `tests/ui.rs` runs `pass/*.rs` (must build and run) and `ui/fail/*.rs` (must fail
//!   with the committed `.stderr`); each case embeds its own folder under `fixtures/`.
//! - `tests/rebuild.rs` builds a scratch crate, adds, edits and removes migration files and
//!   checks that every change reaches the binary.
//!
//! Regenerate the expected errors with `TRYBUILD=overwrite cargo test -p ui-tests --test ui`,
//! then read them.
#![deny(missing_docs)]
