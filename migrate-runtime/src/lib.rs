//! Typed, compile-time-checked database migrations for diesel.
//!
//! Migrations are Rust functions that return typed [`Op`](op::Op) values: data, not SQL.
//! From those ops the crate replays the schema at any revision ([`schema`]), derives
//! downgrades ([`inverse`]) and renders SQL for SQLite, PostgreSQL and MySQL ([`dialect`]).
#![deny(missing_docs)]

#[cfg(feature = "cli")]
pub mod cli;
pub mod codegen;
pub mod column;
pub mod connection;
pub mod data;
pub mod dialect;
pub mod diesel_source;
pub mod diff;
pub mod engine;
pub mod fk_check;
pub mod import;
pub mod introspect;
pub mod inverse;
pub mod migration;
pub mod models;
pub mod naming;
pub mod offline;
pub mod op;
pub mod plan;
pub mod scaffold;
pub mod schema;
pub mod table;
pub mod testing;
pub mod text;

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
