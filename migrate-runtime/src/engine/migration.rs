//! Embedded migrations: what `#[migration]` and `embed_migrations!` produce.
//!
//! A [`Migration`] is plain `'static` data built by the `#[migration]` attribute; a
//! [`Migrations`] set is built by `embed_migrations!`, which has already checked the
//! revision graph at compile time and lists the migrations in topological order
//! (every migration after all of its parents).

use crate::op::Op;

/// How a migration is undone.
#[derive(Clone, Copy)]
pub enum Downgrade {
    /// Derived from the upgrade: the inverse of each op, computed from the schema state
    /// before it, in reverse order.
    Derived,
    /// Written by hand (`pub fn downgrade() -> Vec<Op>` in a migration module).
    Explicit(fn() -> Vec<Op>),
}

impl std::fmt::Debug for Downgrade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Downgrade::Derived => f.write_str("Derived"),
            Downgrade::Explicit(_) => f.write_str("Explicit(..)"),
        }
    }
}

/// One migration, as declared by `#[migration(...)]` in its own file.
///
/// Built at compile time by the attribute macro; users rarely construct one by hand.
#[derive(Clone, Copy)]
pub struct Migration {
    /// The revision id (`revision = "..."`), short lowercase hex.
    pub revision: &'static str,
    /// The parent revisions (`down_revision`): empty for the root, two or more for a merge.
    pub down_revisions: &'static [&'static str],
    /// The human message (`message = "..."`), empty when not given.
    pub message: &'static str,
    /// Branch labels (`branch_labels = ["..."]`).
    pub branch_labels: &'static [&'static str],
    /// Extra revisions that must be applied first (`depends_on = ["..."]`), not parents.
    pub depends_on: &'static [&'static str],
    /// The source file, as `file!()` gives it.
    pub file: &'static str,
    /// The line of the `#[migration]` attribute in [`Migration::file`].
    pub line: u32,
    /// Builds the upgrade's ops.
    pub upgrade: fn() -> Vec<Op>,
    /// How the migration is undone.
    pub downgrade: Downgrade,
}

impl std::fmt::Debug for Migration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Migration")
            .field("revision", &self.revision)
            .field("down_revisions", &self.down_revisions)
            .field("message", &self.message)
            .field("branch_labels", &self.branch_labels)
            .field("depends_on", &self.depends_on)
            .field("file", &self.file)
            .field("line", &self.line)
            .field("downgrade", &self.downgrade)
            .finish()
    }
}

impl Migration {
    /// A migration declared in code rather than by `#[migration]` (tests, generated sets):
    /// no message, branch labels or dependencies, a derived downgrade, and no source file
    /// until [`Migration::at`] gives one. `embed_migrations!` sets are built by the macros.
    ///
    /// ```
    /// use migrate_runtime::prelude::*;
    /// fn users() -> Vec<Op> {
    ///     vec![op::create_table(Table::new("users").column(Column::new("id", Type::Integer).primary_key()))]
    /// }
    /// static SET: [Migration; 1] = [Migration::new("aaaa0001", &[], users).at(file!(), line!())];
    /// let set = Migrations::__from_sorted(&SET, "");
    /// assert_eq!(set.heads()[0].revision, "aaaa0001");
    /// ```
    pub const fn new(
        revision: &'static str,
        down_revisions: &'static [&'static str],
        upgrade: fn() -> Vec<Op>,
    ) -> Migration {
        Migration {
            revision,
            down_revisions,
            message: "",
            branch_labels: &[],
            depends_on: &[],
            file: "",
            line: 0,
            upgrade,
            downgrade: Downgrade::Derived,
        }
    }

    /// The same migration, declared at `file` and `line` (for messages).
    pub const fn at(mut self, file: &'static str, line: u32) -> Migration {
        self.file = file;
        self.line = line;
        self
    }

    /// The same migration, with a hand-written downgrade.
    pub const fn with_downgrade(mut self, downgrade: fn() -> Vec<Op>) -> Migration {
        self.downgrade = Downgrade::Explicit(downgrade);
        self
    }

    /// The same migration, carrying these branch labels.
    pub const fn with_branch_labels(mut self, labels: &'static [&'static str]) -> Migration {
        self.branch_labels = labels;
        self
    }

    /// Whether this migration merges two or more parents.
    pub fn is_merge(&self) -> bool {
        self.down_revisions.len() > 1
    }

    /// Whether this migration is a root (has no parent).
    pub fn is_base(&self) -> bool {
        self.down_revisions.is_empty()
    }

    /// This migration as a node of a [`migrate_core::Graph`].
    pub fn to_revision(&self) -> migrate_core::Revision {
        migrate_core::Revision {
            id: self.revision.to_owned(),
            parents: self.down_revisions.iter().map(|s| s.to_string()).collect(),
            depends_on: self.depends_on.iter().map(|s| s.to_string()).collect(),
            branch_labels: self.branch_labels.iter().map(|s| s.to_string()).collect(),
            message: self.message.to_owned(),
            file: self.file.to_owned(),
            line: self.line,
        }
    }
}

/// The set of migrations embedded in a binary by `embed_migrations!`.
///
/// The macro has already rejected missing parents, duplicate ids, cycles, several roots and
/// unmerged heads, so a `Migrations` value always describes one valid revision graph.
/// Migrations are stored in topological order (parents first).
#[derive(Debug, Clone, Copy)]
pub struct Migrations {
    migrations: &'static [Migration],
    dir: &'static str,
}

impl Migrations {
    /// Builds a set from migrations already in topological order. Used by `embed_migrations!`.
    #[doc(hidden)]
    pub const fn __from_sorted(migrations: &'static [Migration], dir: &'static str) -> Self {
        Migrations { migrations, dir }
    }

    /// The migrations, parents before children.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &'static Migration> + ExactSizeIterator {
        self.migrations.iter()
    }

    /// All migrations as a slice, parents before children.
    pub fn as_slice(&self) -> &'static [Migration] {
        self.migrations
    }

    /// The number of migrations.
    pub fn len(&self) -> usize {
        self.migrations.len()
    }

    /// Whether there are no migrations.
    pub fn is_empty(&self) -> bool {
        self.migrations.is_empty()
    }

    /// The absolute path of the folder the migrations were read from at compile time.
    pub fn dir(&self) -> &'static str {
        self.dir
    }

    /// The migration with exactly this revision id.
    pub fn get(&self, revision: &str) -> Option<&'static Migration> {
        self.migrations.iter().find(|m| m.revision == revision)
    }

    /// The revision graph, for planning: heads, bases, paths between revisions, unique
    /// prefixes, branch labels. `embed_migrations!` has checked it at compile time, so
    /// [`migrate_core::Graph::check`] finds nothing on it.
    pub fn graph(&self) -> migrate_core::Graph {
        migrate_core::Graph::new(self.migrations.iter().map(Migration::to_revision))
    }

    /// Upgrades the database at `url` to head: the one call for a service's `main`.
    ///
    /// Cheap when there is nothing to do: one connection, one query of the version table,
    /// no lock and no transaction. Otherwise it runs [`crate::engine::Engine::upgrade`], with
    /// every safety check, and returns what ran.
    ///
    /// ```no_run
    /// use migrate_runtime::prelude::*;
    /// # static MIGRATIONS: Migrations = Migrations::__from_sorted(&[], "");
    /// // static MIGRATIONS: Migrations = embed_migrations!("versions");
    /// let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://app.db".into());
    /// MIGRATIONS.run_pending(&url)?;
    /// # Ok::<(), migrate_runtime::engine::EngineError>(())
    /// ```
    pub fn run_pending(
        &self,
        url: &str,
    ) -> Result<Vec<crate::engine::Applied>, crate::engine::EngineError> {
        crate::engine::Engine::connect(self, url)?.upgrade()
    }

    /// Revisions that no other migration names as a parent.
    pub fn heads(&self) -> Vec<&'static Migration> {
        self.migrations
            .iter()
            .filter(|m| {
                !self
                    .migrations
                    .iter()
                    .any(|c| c.down_revisions.contains(&m.revision))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> Vec<Op> {
        Vec::new()
    }

    const fn migration(
        revision: &'static str,
        down_revisions: &'static [&'static str],
    ) -> Migration {
        Migration::new(revision, down_revisions, none).at("versions/x.rs", 3)
    }

    static SET: [Migration; 3] = [
        migration("aaaa0001", &[]),
        migration("bbbb0002", &["aaaa0001"]),
        migration("cccc0003", &["bbbb0002"]),
    ];

    #[test]
    fn graph_plans_over_the_embedded_set() {
        let set = Migrations::__from_sorted(&SET, "/versions");
        let graph = set.graph();
        assert!(graph.check().is_empty());
        let path: Vec<&str> = graph
            .path(Some("aaaa0001"), "cccc0003")
            .unwrap()
            .into_iter()
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(path, ["bbbb0002", "cccc0003"]);
        assert_eq!(graph.resolve_prefix("bbbb").unwrap().line, 3);
        assert_eq!(set.heads()[0].revision, "cccc0003");
    }
}
