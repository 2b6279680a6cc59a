//! Typed, compile-time-checked database migrations for diesel.
//!
//! Migrations are Rust functions that return typed [`Op`](dsl::op::Op) values: data, not
//! SQL ([`dsl`]). From those ops the crate replays the schema at any revision ([`schema`]),
//! derives downgrades ([`schema::inverse`]) and renders SQL for SQLite, PostgreSQL and
//! MySQL ([`backend`]); the [`engine`] applies them and records what ran, and [`cli`] gives
//! Alembic's verbs from a binary's `main`. [`testing`] has the checks for a project's own
//! tests. The layers are described in `docs/architecture.md`.
#![deny(missing_docs)]

// The layers, each depending only on those below it (see docs/architecture.md):
// cli -> engine -> backend -> schema -> dsl, with authoring beside the engine.
#[doc(hidden)]
pub mod authoring;
pub mod backend;
#[cfg(feature = "cli")]
pub mod cli;
pub mod dsl;
pub mod engine;
pub mod schema;
pub mod testing;
#[doc(hidden)]
pub mod text;

// The modules' paths before the layers, kept for code written against them (and for
// the macros' generated code); the documentation shows each in its layer.
#[doc(hidden)]
pub use authoring::{codegen, import, models, scaffold};
#[doc(hidden)]
pub use backend as dialect;
#[doc(hidden)]
pub use backend::sqlite::fk_check;
#[doc(hidden)]
pub use backend::{connection, introspect};
#[doc(hidden)]
pub use dsl::{column, data, op, table};
#[doc(hidden)]
pub use engine::{diesel_source, migration, offline, plan};
#[doc(hidden)]
pub use schema::{diff, inverse, naming};

pub use migrate_macros::{embed_migrations, migration};
pub use migration::{Downgrade, Migration, Migrations};

/// Everything a migration file needs: `use migrate_runtime::prelude::*;`.
pub mod prelude {
    pub use crate::column::{Column, DefaultValue, EnumType, Type, Value};
    pub use crate::data::{DataConnection, DataError, DataStep};
    pub use crate::dialect::Dialect;
    pub use crate::migration::{Migration, Migrations};
    pub use crate::op::{self, AlterColumn, Execute, Op, Sql};
    pub use crate::table::{Check, FkAction, ForeignKey, Index, PrimaryKey, Table, Unique};
    pub use migrate_macros::{embed_migrations, migration};
}

/// Items used by the code the macros generate. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::migration::{Downgrade, Migration, Migrations};
    pub use crate::op::Op;
}
