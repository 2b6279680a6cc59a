//! diesel interop: an embedded [`Migrations`] set is a diesel_migrations
//! [`MigrationSource`], so an application that already runs
//! `conn.run_pending_migrations(MIGRATIONS)` keeps working.
//!
//! ```no_run
//! use diesel::prelude::*;
//! use diesel_migrations::MigrationHarness;
//! use migrate_runtime::prelude::*;
//! # static MIGRATIONS: Migrations = Migrations::__from_sorted(&[], "");
//! // static MIGRATIONS: Migrations = embed_migrations!("versions");
//!
//! let mut conn = SqliteConnection::establish("app.db")?;
//! conn.run_pending_migrations(MIGRATIONS)?;
//! # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
//! ```
//!
//! diesel's harness records versions in its own `__diesel_schema_migrations` table, not in
//! the engine's version table: use one or the other on a given database. Each migration's
//! version is `<depth>_<revision>` (depth: the longest path from the root, zero-padded), so
//! that diesel's ordering by version is a valid order of the revision graph and an
//! existing migration's version never changes when others are added. Rendering happens in
//! [`MigrationSource::migrations`], against the schema replayed from the ops; data steps
//! need the plain diesel connection type of the backend (not a pooled or multi-backend
//! wrapper) and fail with a message otherwise. The engine ([`crate::engine`]) adds what
//! diesel's harness has not: locking, checksums, derived downgrades to any target, and on
//! SQLite the foreign-key check before each commit ([`crate::fk_check`]).

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use diesel::backend::Backend;
use diesel::connection::BoxableConnection;
use diesel::migration::{
    Migration as DieselMigration, MigrationMetadata, MigrationName, MigrationSource,
    MigrationVersion, Result as MigrationResult,
};

use crate::data::DataError;
use crate::dialect::{render, Dialect, Statement};
use crate::engine::{downgrade_ops, replay, EngineError};
use crate::migration::Migrations;
use crate::schema::Schema;

/// Why diesel's harness could not run an embedded migration (diesel's
/// [`MigrationSource`] takes any [`std::error::Error`]).
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// An assertion or a data step needs the backend's own diesel connection type.
    #[error("`{sql}` needs a plain {connection} to run through diesel's migration harness; run these migrations with migrate_runtime::engine::Engine instead")]
    NotPlainConnection {
        /// The statement (or the data step's label).
        sql: String,
        /// The connection type it needs.
        connection: &'static str,
    },
    /// The database refused a statement.
    #[error(transparent)]
    Sql(#[from] diesel::result::Error),
    /// A check of the data before a change found rows.
    #[error("{failure} ({found} found)")]
    Assertion {
        /// What the rows found mean.
        failure: String,
        /// How many.
        found: i64,
    },
    /// A data step failed.
    #[error("{label}: {source}")]
    Data {
        /// The step's label.
        label: String,
        /// Its error.
        source: DataError,
    },
    /// A statement of a migration failed.
    #[error("migration {revision} failed at statement {index} `{sql}`: {source}")]
    Statement {
        /// The migration.
        revision: String,
        /// The statement's position in the migration, from 1.
        index: usize,
        /// The statement.
        sql: String,
        /// Why it failed.
        source: Box<HarnessError>,
    },
    /// The migration has no downgrade (or it cannot be rendered).
    #[error(transparent)]
    NoDowngrade(Arc<EngineError>),
}

/// A backend that diesel's harness can run embedded migrations on.
pub trait HarnessBackend: Backend + Sized + 'static {
    /// The dialect to render for.
    const DIALECT: Dialect;

    /// Runs one statement that is not plain SQL: an assertion or a data step.
    fn run_special(
        conn: &mut dyn BoxableConnection<Self>,
        statement: &Statement,
    ) -> Result<(), HarnessError>;
}

macro_rules! harness_backend {
    ($feature:literal, $backend:ty, $conn:ty, $dialect:expr, $variant:ident) => {
        #[cfg(feature = $feature)]
        impl HarnessBackend for $backend {
            const DIALECT: Dialect = $dialect;

            fn run_special(
                conn: &mut dyn BoxableConnection<Self>,
                statement: &Statement,
            ) -> Result<(), HarnessError> {
                use diesel::RunQueryDsl;
                let Some(c) = conn.as_any_mut().downcast_mut::<$conn>() else {
                    return Err(HarnessError::NotPlainConnection {
                        sql: statement.sql().to_owned(),
                        connection: stringify!($conn),
                    });
                };
                match statement {
                    Statement::Execute(sql) => {
                        Ok(diesel::connection::SimpleConnection::batch_execute(c, sql)?)
                    }
                    Statement::AssertZero { sql, failure } => {
                        let wrapped = crate::dialect::catalog::as_count($dialect, sql);
                        let row: crate::connection::Count =
                            diesel::sql_query(wrapped).get_result(c)?;
                        if row.n == 0 {
                            Ok(())
                        } else {
                            Err(HarnessError::Assertion {
                                failure: failure.clone(),
                                found: row.n,
                            })
                        }
                    }
                    Statement::Data { label, step } => (step.run)(
                        &mut crate::data::DataConnection::$variant(c),
                    )
                    .map_err(|source| HarnessError::Data {
                        label: label.trim_start_matches("-- ").to_owned(),
                        source,
                    }),
                }
            }
        }
    };
}

// Each diesel backend type paired with its dialect: a mapping of names, not behaviour
// (what differs between the databases is asked of `Dialect::backend`).
harness_backend!(
    "sqlite",
    diesel::sqlite::Sqlite,
    diesel::SqliteConnection,
    Dialect::Sqlite,
    Sqlite
);
harness_backend!(
    "postgres",
    diesel::pg::Pg,
    diesel::PgConnection,
    Dialect::Postgres,
    Postgres
);
harness_backend!(
    "mysql",
    diesel::mysql::Mysql,
    diesel::MysqlConnection,
    Dialect::Mysql,
    Mysql
);

/// One embedded migration, rendered for diesel's harness.
struct Rendered<DB> {
    name: Name,
    up: Vec<Statement>,
    /// The downgrade, or why there is none.
    down: Result<Vec<Statement>, Arc<EngineError>>,
    backend: PhantomData<fn() -> DB>,
}

struct Name {
    version: String,
    revision: &'static str,
    message: &'static str,
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.revision)
        } else {
            write!(f, "{} ({})", self.revision, self.message)
        }
    }
}

impl MigrationName for Name {
    fn version(&self) -> MigrationVersion<'_> {
        MigrationVersion::from(self.version.as_str())
    }
}

struct InTransaction;

impl MigrationMetadata for InTransaction {}

fn run_all<DB: HarnessBackend>(
    conn: &mut dyn BoxableConnection<DB>,
    revision: &str,
    statements: &[Statement],
) -> MigrationResult<()> {
    for (i, s) in statements.iter().enumerate() {
        let result = match s {
            Statement::Execute(sql) => conn.batch_execute(sql).map_err(HarnessError::from),
            _ => DB::run_special(conn, s),
        };
        result.map_err(|e| HarnessError::Statement {
            revision: revision.to_owned(),
            index: i + 1,
            sql: s.sql().to_owned(),
            source: Box::new(e),
        })?;
    }
    Ok(())
}

impl<DB: HarnessBackend> DieselMigration<DB> for Rendered<DB> {
    fn run(&self, conn: &mut dyn BoxableConnection<DB>) -> MigrationResult<()> {
        run_all(conn, self.name.revision, &self.up)
    }

    fn revert(&self, conn: &mut dyn BoxableConnection<DB>) -> MigrationResult<()> {
        match &self.down {
            Ok(down) => run_all(conn, self.name.revision, down),
            Err(why) => Err(Box::new(HarnessError::NoDowngrade(Arc::clone(why)))),
        }
    }

    fn metadata(&self) -> &dyn MigrationMetadata {
        &InTransaction
    }

    fn name(&self) -> &dyn MigrationName {
        &self.name
    }
}

impl Migrations {
    /// Each migration's diesel version, `<depth>_<revision>`, in topological order.
    pub fn diesel_versions(&self) -> Vec<String> {
        self.iter()
            .zip(self.graph().depths())
            .map(|(m, d)| format!("{d:04}_{}", m.revision))
            .collect()
    }

    fn rendered<DB: HarnessBackend>(&self) -> Result<Vec<Rendered<DB>>, EngineError> {
        let d = DB::DIALECT;
        let mut state = Schema::new();
        let mut out = Vec::new();
        for (m, version) in self.iter().zip(self.diesel_versions()) {
            let ops = (m.upgrade)();
            let before = state.clone();
            let up = render(d, &before, &ops).map_err(|e| EngineError::Render {
                revision: m.revision,
                file: m.file,
                source: Box::new(e),
            })?;
            replay(&mut state, m, &ops)?;
            let down = downgrade_ops(m, &before, &ops)
                .and_then(|down| {
                    render(d, &state, &down).map_err(|e| EngineError::Render {
                        revision: m.revision,
                        file: m.file,
                        source: Box::new(e),
                    })
                })
                .map_err(Arc::new);
            out.push(Rendered {
                name: Name {
                    version,
                    revision: m.revision,
                    message: m.message,
                },
                up,
                down,
                backend: PhantomData,
            });
        }
        Ok(out)
    }
}

impl<DB: HarnessBackend> MigrationSource<DB> for Migrations {
    fn migrations(&self) -> MigrationResult<Vec<Box<dyn DieselMigration<DB>>>> {
        Ok(self
            .rendered::<DB>()?
            .into_iter()
            .map(|r| Box::new(r) as Box<dyn DieselMigration<DB>>)
            .collect())
    }
}
