//! Typed, compile-time-checked database migrations for diesel.
#![deny(missing_docs)]

pub mod migration;
pub mod op;

pub use migrate_macros::{embed_migrations, migration};
pub use migration::{Downgrade, Migration, Migrations};

/// Everything a migration file needs: `use migrate_runtime::prelude::*;`.
pub mod prelude {
    pub use crate::migration::{Migration, Migrations};
    pub use crate::op::{self, Op};
    pub use migrate_macros::{embed_migrations, migration};
}

/// Items used by the code the macros generate. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::migration::{Downgrade, Migration, Migrations};
    pub use crate::op::Op;
}
