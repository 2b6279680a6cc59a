//! Data steps written in Rust: a function that receives the live diesel connection.
//!
//! When a data migration is more than one `UPDATE` (read rows, compute, write back), write
//! it as a plain function over a [`DataConnection`] and add it to a migration with
//! [`op::data_step`](crate::op::data_step). [`with_diesel!`](crate::with_diesel) runs the same
//! diesel query-builder code on whichever backend the connection is, so one function works
//! on SQLite, PostgreSQL and MySQL:
//!
//! ```
//! use diesel::prelude::*;
//! use migrate_runtime::data::{DataConnection, DataError, DataStep};
//! use migrate_runtime::prelude::*;
//!
//! diesel::table! {
//!     users (id) {
//!         id -> Integer,
//!         email -> Text,
//!         display_name -> Nullable<Text>,
//!     }
//! }
//!
//! fn fill_display_names(conn: &mut DataConnection<'_>) -> Result<(), DataError> {
//!     migrate_runtime::with_diesel!(conn, |c| {
//!         diesel::update(users::table.filter(users::display_name.is_null()))
//!             .set(users::display_name.eq(users::email.nullable()))
//!             .execute(c)
//!     })?;
//!     Ok(())
//! }
//!
//! fn clear_display_names(conn: &mut DataConnection<'_>) -> Result<(), DataError> {
//!     migrate_runtime::with_diesel!(conn, |c| {
//!         diesel::update(users::table)
//!             .set(users::display_name.eq(None::<String>))
//!             .execute(c)
//!     })?;
//!     Ok(())
//! }
//!
//! let step = op::data_step(
//!     DataStep::new("fill users.display_name from email", fill_display_names)
//!         .reverse(clear_display_names),
//! );
//! assert_eq!(step.kind(), "data_step");
//! ```
//!
//! A data step is opaque to the schema model (like `op::execute`), is irreversible unless
//! it has a reverse, and cannot be printed as offline SQL: `--sql` names it instead. The
//! migration's checksum covers its name, not its code.

use std::fmt;

/// The error a data step returns: anything that implements `std::error::Error`
/// (diesel's `QueryResult` converts with `?`).
pub type DataError = Box<dyn std::error::Error + Send + Sync>;

/// A data step's function.
pub type DataFn = fn(&mut DataConnection<'_>) -> Result<(), DataError>;

/// The live connection a data step receives: the diesel connection of the backend the
/// migration runs on. Use [`with_diesel!`](crate::with_diesel) to run backend-generic
/// diesel code on it, or match on it for backend-specific work.
pub enum DataConnection<'a> {
    /// SQLite.
    #[cfg(feature = "sqlite")]
    Sqlite(&'a mut diesel::SqliteConnection),
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(&'a mut diesel::PgConnection),
    /// MySQL / MariaDB.
    #[cfg(feature = "mysql")]
    Mysql(&'a mut diesel::MysqlConnection),
}

/// A named Rust function run as one step of a migration, with an optional reverse.
///
/// The name appears in logs, errors and `--sql` output, and in the migration's checksum.
#[derive(Clone, Copy)]
pub struct DataStep {
    /// What the step does, in a few words.
    pub name: &'static str,
    /// Runs the step.
    pub run: DataFn,
    /// Undoes the step, if it can be undone.
    pub reverse: Option<DataFn>,
}

impl DataStep {
    /// A step named `name` that runs `run`; irreversible until [`DataStep::reverse`] is given.
    pub fn new(name: &'static str, run: DataFn) -> Self {
        DataStep {
            name,
            run,
            reverse: None,
        }
    }

    /// Sets the function that undoes this step.
    pub fn reverse(mut self, reverse: DataFn) -> Self {
        self.reverse = Some(reverse);
        self
    }
}

impl fmt::Debug for DataStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only stable parts: function addresses change from build to build.
        f.debug_struct("DataStep")
            .field("name", &self.name)
            .field("reversible", &self.reverse.is_some())
            .finish()
    }
}

impl Eq for DataStep {}

impl PartialEq for DataStep {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.reverse.is_some() == other.reverse.is_some()
    }
}

/// Runs the same diesel code on whichever backend a [`DataConnection`] holds.
///
/// `with_diesel!(conn, |c| expr)` binds `c` to the backend's diesel connection
/// (`&mut SqliteConnection`, `&mut PgConnection` or `&mut MysqlConnection`) and evaluates
/// `expr` for it; the expression must have the same type on every backend (diesel's
/// `QueryResult<usize>` for an `execute`, for example). See the [module docs](crate::data).
#[macro_export]
macro_rules! with_diesel {
    ($conn:expr, |$c:ident| $body:expr) => {{
        let __conn: &mut $crate::data::DataConnection<'_> = $conn;
        $crate::__with_sqlite!(
            __conn,
            $c,
            $body,
            $crate::__with_postgres!(
                __conn,
                $c,
                $body,
                $crate::__with_mysql!(__conn, $c, $body, unreachable!("no backend compiled"))
            )
        )
    }};
}

#[cfg(feature = "sqlite")]
#[doc(hidden)]
#[macro_export]
macro_rules! __with_sqlite {
    ($conn:ident, $c:ident, $body:expr, $rest:expr) => {{
        #[allow(irrefutable_let_patterns)]
        let __result = if let $crate::data::DataConnection::Sqlite(__inner) = &mut *$conn {
            let $c = &mut **__inner;
            $body
        } else {
            $rest
        };
        __result
    }};
}

#[cfg(not(feature = "sqlite"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __with_sqlite {
    ($conn:ident, $c:ident, $body:expr, $rest:expr) => {
        $rest
    };
}

#[cfg(feature = "postgres")]
#[doc(hidden)]
#[macro_export]
macro_rules! __with_postgres {
    ($conn:ident, $c:ident, $body:expr, $rest:expr) => {{
        #[allow(irrefutable_let_patterns)]
        let __result = if let $crate::data::DataConnection::Postgres(__inner) = &mut *$conn {
            let $c = &mut **__inner;
            $body
        } else {
            $rest
        };
        __result
    }};
}

#[cfg(not(feature = "postgres"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __with_postgres {
    ($conn:ident, $c:ident, $body:expr, $rest:expr) => {
        $rest
    };
}

#[cfg(feature = "mysql")]
#[doc(hidden)]
#[macro_export]
macro_rules! __with_mysql {
    ($conn:ident, $c:ident, $body:expr, $rest:expr) => {{
        #[allow(irrefutable_let_patterns)]
        let __result = if let $crate::data::DataConnection::Mysql(__inner) = &mut *$conn {
            let $c = &mut **__inner;
            $body
        } else {
            $rest
        };
        __result
    }};
}

#[cfg(not(feature = "mysql"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __with_mysql {
    ($conn:ident, $c:ident, $body:expr, $rest:expr) => {
        $rest
    };
}
