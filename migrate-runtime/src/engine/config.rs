//! The engine's settings: its tables, the transaction mode, the overrides.

use crate::column::{Column, DefaultValue, Type};
use crate::table::Table;

/// How the engine wraps migrations in transactions on SQLite and PostgreSQL (MySQL cannot
/// roll back DDL: there every statement commits as it runs, recorded in the journal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TransactionMode {
    /// The whole run is one transaction: it happens wholly or not at all (Alembic's
    /// default where DDL is transactional).
    #[default]
    PerRun,
    /// Each migration commits together with its version update: a failure keeps the
    /// migrations before it.
    PerMigration,
}

/// The engine's settings: its tables' names, the transaction mode, the checksum override.
///
/// ```
/// use migrate_runtime::engine::{Config, TransactionMode};
/// let config = Config {
///     version_table: "shop_version".into(),
///     transaction: TransactionMode::PerMigration,
///     ..Config::default()
/// };
/// assert_eq!(config.history_table, "migrate_history");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Holds the current head revision(s). Default `migrate_version`.
    pub version_table: String,
    /// Records every applied step. Default `migrate_history`.
    pub history_table: String,
    /// Default [`TransactionMode::PerRun`].
    pub transaction: TransactionMode,
    /// Run even though an applied migration was edited since it ran (its checksum
    /// changed). Default `false`: such a run is refused.
    pub allow_edited: bool,
    /// MySQL: resume an interrupted migration after this many of its statements, instead
    /// of the point its journal gives (after checking by hand what a statement whose
    /// effect cannot be seen did). Default `None`.
    pub resume_after: Option<usize>,
}

impl Config {
    /// The version table: one row per current head.
    pub fn version_table_def(&self) -> Table {
        Table::new(&self.version_table)
            .column(Column::new("revision", Type::Varchar(64)).primary_key())
    }

    /// The history table: one row per applied step.
    pub fn history_table_def(&self) -> Table {
        Table::new(&self.history_table)
            .column(
                Column::new("id", Type::Integer)
                    .primary_key()
                    .autoincrement(),
            )
            .column(Column::new("revision", Type::Varchar(64)).not_null())
            .column(Column::new("direction", Type::Varchar(16)).not_null())
            .column(Column::new("checksum", Type::Varchar(32)).not_null())
            .column(
                Column::new("applied_at", Type::Timestamp)
                    .not_null()
                    .server_default(DefaultValue::sql("CURRENT_TIMESTAMP")),
            )
            .column(Column::new("duration_ms", Type::BigInt).not_null())
    }
}

impl crate::introspect::OwnTables for Config {
    fn is_own(&self, table: &str) -> bool {
        table == self.version_table || table == self.history_table
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            version_table: "migrate_version".into(),
            history_table: "migrate_history".into(),
            transaction: TransactionMode::PerRun,
            allow_edited: false,
            resume_after: None,
        }
    }
}
