//! Embedded migrations: what `#[migration]` and `embed_migrations!` produce.
//!
//! A [`Migration`] is plain `'static` data built by the `#[migration]` attribute; a
//! [`Migrations`] set is built by `embed_migrations!`, which has already checked the
//! revision graph at compile time and lists the migrations in topological order
//! (every migration after all of its parents).
//!
//! The revision graph of a set is [`migrate_core::Graph`], built once per set, on first
//! use, from [`Migration::to_revision`]: the one place where a migration becomes a graph
//! node. Heads, children, closures and planning order are all asked of that graph.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use migrate_core::Graph;

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

    /// This migration as a node of a [`migrate_core::Graph`]: the only reader of
    /// `down_revisions` and `depends_on` for the graph.
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
///
/// Its revision graph is built on first use and kept: index `i` of the graph is the
/// migration at position `i` of [`Migrations::as_slice`].
#[derive(Debug, Clone, Copy)]
pub struct Migrations {
    migrations: &'static [Migration],
    dir: &'static str,
}

/// The graph of every set of migrations used so far in this process, keyed by the address
/// and length of its `'static` slice (which never moves, changes or goes away, so one key
/// always means the same migrations).
///
/// Kept here rather than in [`Migrations`] so that a set stays `Copy` (diesel's
/// `MigrationSource` takes it by value: `conn.run_pending_migrations(MIGRATIONS)`) and is
/// still made by a `const fn` (`embed_migrations!` makes a `static`).
static GRAPHS: Mutex<BTreeMap<(usize, usize), &'static Graph>> = Mutex::new(BTreeMap::new());

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
        self.graph().index(revision).map(|i| &self.migrations[i])
    }

    /// The revision graph, for planning: heads, bases, paths between revisions, unique
    /// prefixes, branch labels. `embed_migrations!` has checked it at compile time, so
    /// [`migrate_core::Graph::check`] finds nothing on it. Built on the first call, then
    /// kept; its indices are positions in [`Migrations::as_slice`].
    pub fn graph(&self) -> &'static Graph {
        let key = (self.migrations.as_ptr() as usize, self.migrations.len());
        let mut graphs = GRAPHS.lock().unwrap_or_else(PoisonError::into_inner);
        graphs.entry(key).or_insert_with(|| {
            Box::leak(Box::new(Graph::new(
                self.migrations.iter().map(Migration::to_revision),
            )))
        })
    }

    /// The migrations at these graph indices.
    pub(crate) fn at_indices(
        &self,
        indices: impl IntoIterator<Item = usize>,
    ) -> impl Iterator<Item = &'static Migration> {
        let all = self.migrations;
        indices.into_iter().map(move |i| &all[i])
    }

    /// The graph index of `m`, which must belong to this set.
    fn index_of(&self, m: &Migration) -> usize {
        self.graph()
            .index(m.revision)
            .expect("a migration of this set is in its graph")
    }

    /// The parents of `m` (its `down_revision`), in the order declared.
    pub(crate) fn parents(&self, m: &Migration) -> Vec<&'static Migration> {
        self.at_indices(
            self.graph()
                .parent_indices(self.index_of(m))
                .iter()
                .copied(),
        )
        .collect()
    }

    /// `a, b` for the parents of `m`, `<base>` for the root (history lines, SQL comments).
    pub(crate) fn parent_list(&self, m: &Migration) -> String {
        let parents: Vec<&str> = self.parents(m).iter().map(|p| p.revision).collect();
        if parents.is_empty() {
            "<base>".to_owned()
        } else {
            parents.join(", ")
        }
    }

    /// The migrations that `m` depends on without being their child (`depends_on`).
    pub(crate) fn dependencies(&self, m: &Migration) -> Vec<&'static Migration> {
        self.at_indices(self.graph().dep_indices(self.index_of(m)).iter().copied())
            .collect()
    }

    /// The migrations whose `down_revision` names `m`, parents before children.
    pub(crate) fn children(&self, m: &Migration) -> Vec<&'static Migration> {
        self.at_indices(self.graph().child_indices(self.index_of(m)).iter().copied())
            .collect()
    }

    /// The migrations that name `m` as a parent or in `depends_on`.
    pub(crate) fn dependents(&self, m: &Migration) -> Vec<&'static Migration> {
        self.at_indices(
            self.graph()
                .dependent_indices(self.index_of(m))
                .iter()
                .copied(),
        )
        .collect()
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
        self.at_indices(self.graph().head_indices()).collect()
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

    static FORK: [Migration; 4] = [
        migration("aaaa0001", &[]),
        migration("bbbb0002", &["aaaa0001"]),
        migration("cccc0003", &["aaaa0001"]),
        migration("dddd0004", &["bbbb0002", "cccc0003"]),
    ];

    #[test]
    fn the_graph_is_built_once_per_set() {
        let set = Migrations::__from_sorted(&FORK, "/versions");
        let copy = set;
        assert!(std::ptr::eq(set.graph(), copy.graph()));
        assert!(!std::ptr::eq(
            set.graph(),
            Migrations::__from_sorted(&SET, "").graph()
        ));
        // A prefix of the same slice is another set, with its own graph.
        let prefix = Migrations::__from_sorted(&FORK[..3], "/versions");
        let heads: Vec<&str> = prefix.heads().iter().map(|m| m.revision).collect();
        assert_eq!(heads, ["bbbb0002", "cccc0003"]);
        assert_eq!(set.heads()[0].revision, "dddd0004");
    }

    #[test]
    fn neighbours_come_from_the_graph() {
        let set = Migrations::__from_sorted(&FORK, "/versions");
        let ids = |ms: Vec<&Migration>| ms.iter().map(|m| m.revision).collect::<Vec<_>>();
        let root = set.get("aaaa0001").unwrap();
        let merge = set.get("dddd0004").unwrap();
        assert_eq!(ids(set.children(root)), ["bbbb0002", "cccc0003"]);
        assert_eq!(ids(set.parents(merge)), ["bbbb0002", "cccc0003"]);
        assert_eq!(set.parent_list(merge), "bbbb0002, cccc0003");
        assert_eq!(set.parent_list(root), "<base>");
        assert!(set.get("eeee0005").is_none());
    }
}
