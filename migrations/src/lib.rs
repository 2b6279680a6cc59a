//! The shop example of the original request: users, items, orders and shipping addresses,
//! with the history of its schema written as typed migrations in `versions/`.
//!
//! The binary (`src/main.rs`) runs them from the command line; a service would call
//! [`MIGRATIONS`]`.run_pending(url)` from its own `main`, or keep diesel's
//! `conn.run_pending_migrations(MIGRATIONS)`.

use migrate_runtime::prelude::*;

pub mod schema;

embed_migrations!(
    /// Every migration of `versions/`, checked at compile time (the item form: each
    /// migration gets its own codegen unit, so an edit recompiles only it).
    pub static MIGRATIONS = "versions"
);
