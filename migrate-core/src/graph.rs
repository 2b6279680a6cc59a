//! The revision graph: nodes, edges and the queries planning needs.
//!
//! A [`Graph`] is built from [`Revision`] records in any order and never fails to build:
//! unknown parents, duplicate ids and cycles are kept aside so that [`Graph::check`] can
//! report all of them at once (see [`crate::check`]). Queries work on whatever is
//! consistent; on a graph that passed [`Graph::check`] they are exact.
//!
//! Edges: a revision's `parents` (its `down_revision`s) and its `depends_on` revisions must
//! both be applied before it. Only `parents` define heads and roots, as in Alembic.
//!
//! Besides the queries by id, every query has a form on *indices*: a revision's index is its
//! position in the order given to [`Graph::new`] ([`Graph::index`], [`Graph::revisions`]).
//! A caller that keeps its own records in that same order (the runtime's `Migrations`) maps
//! an index back to its record without a lookup.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use crate::check::{Cycle, EdgeKind, GraphError};

/// One migration as the graph sees it: its id, links and where it was declared.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Revision {
    /// The revision id.
    pub id: String,
    /// The parent ids (`down_revision`): none for the root, several for a merge.
    pub parents: Vec<String>,
    /// Revisions that must be applied first without being parents (`depends_on`).
    pub depends_on: Vec<String>,
    /// Branch labels (`branch_labels`).
    pub branch_labels: Vec<String>,
    /// The human message, empty when none.
    pub message: String,
    /// The file that declares it, as it should be shown to a user.
    pub file: String,
    /// The line of the declaration in `file` (1-based, 0 when unknown).
    pub line: u32,
}

impl Revision {
    /// A revision with this id and nothing else: a root until parents are given.
    pub fn new(id: impl Into<String>) -> Self {
        Revision {
            id: id.into(),
            ..Revision::default()
        }
    }

    /// Sets the parents (`down_revision`).
    pub fn parents<I, S>(mut self, parents: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.parents = parents.into_iter().map(Into::into).collect();
        self
    }

    /// Sets one parent.
    pub fn parent(self, parent: impl Into<String>) -> Self {
        self.parents([parent.into()])
    }

    /// Sets the `depends_on` revisions.
    pub fn depends_on<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.depends_on = ids.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the branch labels.
    pub fn branch_labels<I, S>(mut self, labels: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.branch_labels = labels.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the message.
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    /// Sets where the revision is declared.
    pub fn at(mut self, file: impl Into<String>, line: u32) -> Self {
        self.file = file.into();
        self.line = line;
        self
    }

    /// `file:line`, or just `file` when the line is unknown.
    pub fn location(&self) -> String {
        if self.line == 0 {
            self.file.clone()
        } else {
            format!("{}:{}", self.file, self.line)
        }
    }
}

/// Why a path between two revisions could not be computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// No revision has this id.
    Unknown(String),
    /// `from` is not an ancestor of `to`: going from one to the other is not an upgrade.
    NotAncestor {
        /// The starting revision.
        from: String,
        /// The target revision.
        to: String,
    },
}

impl std::fmt::Display for PathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PathError::Unknown(id) => write!(f, "no revision `{id}` in the migration graph"),
            PathError::NotAncestor { from, to } => write!(
                f,
                "revision `{from}` is not an ancestor of `{to}`: there is no upgrade path between them"
            ),
        }
    }
}

impl std::error::Error for PathError {}

/// Why a prefix did not resolve to one revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrefixError {
    /// No revision id starts with the prefix.
    NotFound {
        /// The prefix asked for.
        prefix: String,
        /// The closest existing id by edit distance, if any is close.
        closest: Option<String>,
    },
    /// Several revision ids start with the prefix.
    Ambiguous {
        /// The prefix asked for.
        prefix: String,
        /// The ids it matches, in graph order.
        matches: Vec<String>,
    },
}

impl std::fmt::Display for PrefixError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PrefixError::NotFound { prefix, closest } => {
                write!(f, "no revision matches `{prefix}`")?;
                if let Some(closest) = closest {
                    write!(f, ": did you mean `{closest}`?")?;
                }
                Ok(())
            }
            PrefixError::Ambiguous { prefix, matches } => write!(
                f,
                "`{prefix}` matches several revisions ({}): give more characters",
                matches.join(", ")
            ),
        }
    }
}

impl std::error::Error for PrefixError {}

/// A revision graph (see the module docs).
#[derive(Debug, Clone)]
pub struct Graph {
    revisions: Vec<Revision>,
    /// Id -> index of its first declaration.
    by_id: HashMap<String, usize>,
    /// Resolved parent indices, per revision, without duplicates.
    parents: Vec<Vec<usize>>,
    /// Resolved depends_on indices, per revision, without duplicates.
    deps: Vec<Vec<usize>>,
    /// Children (through parents only), per revision, in declaration order.
    children: Vec<Vec<usize>>,
    /// Revisions naming this one as a parent or in `depends_on`, per revision, in
    /// declaration order, without duplicates.
    dependents: Vec<Vec<usize>>,
}

fn dedup(v: &mut Vec<usize>) {
    let mut seen = HashSet::new();
    v.retain(|i| seen.insert(*i));
}

impl Graph {
    /// Builds a graph from revisions in any order. The order given is kept as the tie-break
    /// of every query (give them sorted by file name for stable output).
    pub fn new(revisions: impl IntoIterator<Item = Revision>) -> Graph {
        let revisions: Vec<Revision> = revisions.into_iter().collect();
        let mut by_id = HashMap::with_capacity(revisions.len());
        for (i, r) in revisions.iter().enumerate() {
            by_id.entry(r.id.clone()).or_insert(i);
        }
        let resolve = |ids: &[String]| -> Vec<usize> {
            let mut v: Vec<usize> = ids.iter().filter_map(|p| by_id.get(p).copied()).collect();
            dedup(&mut v);
            v
        };
        let parents: Vec<Vec<usize>> = revisions.iter().map(|r| resolve(&r.parents)).collect();
        let deps: Vec<Vec<usize>> = revisions.iter().map(|r| resolve(&r.depends_on)).collect();
        let mut children = vec![Vec::new(); revisions.len()];
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); revisions.len()];
        for (child, ps) in parents.iter().enumerate() {
            for &p in ps {
                children[p].push(child);
            }
            for &before in ps.iter().chain(&deps[child]) {
                if dependents[before].last() != Some(&child) {
                    dependents[before].push(child);
                }
            }
        }
        Graph {
            revisions,
            by_id,
            parents,
            deps,
            children,
            dependents,
        }
    }

    /// Builds a graph and checks it: `Err` holds every problem found (see [`Graph::check`]).
    pub fn validated(
        revisions: impl IntoIterator<Item = Revision>,
    ) -> Result<Graph, Vec<GraphError>> {
        let graph = Graph::new(revisions);
        let errors = graph.check();
        if errors.is_empty() {
            Ok(graph)
        } else {
            Err(errors)
        }
    }

    /// All revisions, in the order given to [`Graph::new`].
    pub fn revisions(&self) -> &[Revision] {
        &self.revisions
    }

    /// The number of revisions (duplicates included).
    pub fn len(&self) -> usize {
        self.revisions.len()
    }

    /// Whether the graph has no revision.
    pub fn is_empty(&self) -> bool {
        self.revisions.is_empty()
    }

    /// The revision with this exact id (its first declaration if duplicated).
    pub fn get(&self, id: &str) -> Option<&Revision> {
        self.index(id).map(|i| &self.revisions[i])
    }

    /// Whether a revision has this exact id.
    pub fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    /// The index of the revision with this exact id (its first declaration if duplicated):
    /// its position in [`Graph::revisions`].
    pub fn index(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    pub(crate) fn at(&self, index: usize) -> &Revision {
        &self.revisions[index]
    }

    /// The indices of the parents of the revision at `index` that exist in the graph, in the
    /// order of its `down_revision`, without duplicates.
    pub fn parent_indices(&self, index: usize) -> &[usize] {
        &self.parents[index]
    }

    /// The indices of the `depends_on` revisions of the revision at `index` that exist in the
    /// graph, in the order given, without duplicates.
    pub fn dep_indices(&self, index: usize) -> &[usize] {
        &self.deps[index]
    }

    /// The indices of the revisions whose `down_revision` names the revision at `index`, in
    /// declaration order.
    pub fn child_indices(&self, index: usize) -> &[usize] {
        &self.children[index]
    }

    /// The indices of the revisions that name the revision at `index` as a parent or in
    /// `depends_on` (those that need it applied first), in declaration order.
    pub fn dependent_indices(&self, index: usize) -> &[usize] {
        &self.dependents[index]
    }

    /// The indices of [`Graph::heads`], in declaration order.
    pub fn head_indices(&self) -> Vec<usize> {
        (0..self.revisions.len())
            .filter(|&i| self.children[i].is_empty() && self.is_first_declaration(i))
            .collect()
    }

    /// The revisions of a subset that no other revision of the subset names as a parent:
    /// the heads of the graph restricted to the indices for which `member` is true, in
    /// declaration order. What a version table holds when exactly that subset is applied.
    pub fn heads_of(&self, member: impl Fn(usize) -> bool) -> Vec<usize> {
        (0..self.revisions.len())
            .filter(|&i| member(i) && !self.children[i].iter().any(|&c| member(c)))
            .collect()
    }

    /// The indices in `start` and everything that must be applied before them (parents and
    /// `depends_on`, transitively), in ascending index order (declaration order).
    pub fn closure(&self, start: impl IntoIterator<Item = usize>) -> Vec<usize> {
        let marks = self.closure_marks(start);
        (0..marks.len()).filter(|&i| marks[i]).collect()
    }

    /// For each index, whether it is in `start` or an ancestor of one of them.
    fn closure_marks(&self, start: impl IntoIterator<Item = usize>) -> Vec<bool> {
        let mut marks = vec![false; self.revisions.len()];
        let mut stack: Vec<usize> = start.into_iter().collect();
        while let Some(i) = stack.pop() {
            if !std::mem::replace(&mut marks[i], true) {
                stack.extend(self.parents[i].iter().chain(&self.deps[i]));
            }
        }
        marks
    }

    /// For each index, the number of revisions on the longest chain of parents and
    /// `depends_on` below it: 0 for a root, one more than the deepest of its prerequisites
    /// otherwise. On a graph with a cycle, the revisions of the cycle (and above it) count
    /// only what is below it.
    pub fn depths(&self) -> Vec<usize> {
        let order = self
            .topological_indices()
            .unwrap_or_else(|()| (0..self.revisions.len()).collect());
        let mut depth: Vec<Option<usize>> = vec![None; self.revisions.len()];
        for i in order {
            depth[i] = Some(
                self.parents[i]
                    .iter()
                    .chain(&self.deps[i])
                    .filter_map(|&p| depth[p])
                    .map(|d| d + 1)
                    .max()
                    .unwrap_or(0),
            );
        }
        depth.into_iter().map(Option::unwrap_or_default).collect()
    }

    /// The parents of `id` that exist in the graph.
    pub fn parents(&self, id: &str) -> Vec<&Revision> {
        self.index(id)
            .map(|i| {
                self.parents[i]
                    .iter()
                    .map(|&p| &self.revisions[p])
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The revisions whose `down_revision` names `id`.
    pub fn children(&self, id: &str) -> Vec<&Revision> {
        self.index(id)
            .map(|i| {
                self.children[i]
                    .iter()
                    .map(|&c| &self.revisions[c])
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Revisions that no other revision names as a parent, in declaration order.
    pub fn heads(&self) -> Vec<&Revision> {
        self.head_indices()
            .into_iter()
            .map(|i| &self.revisions[i])
            .collect()
    }

    /// Revisions without a parent (roots), in declaration order.
    pub fn bases(&self) -> Vec<&Revision> {
        self.revisions
            .iter()
            .enumerate()
            .filter(|(i, r)| r.parents.is_empty() && self.is_first_declaration(*i))
            .map(|(_, r)| r)
            .collect()
    }

    fn is_first_declaration(&self, i: usize) -> bool {
        self.by_id.get(&self.revisions[i].id) == Some(&i)
    }

    /// Every revision after all of its parents and `depends_on` revisions. Ties keep the
    /// order given to [`Graph::new`]. Fails on a cycle, which it returns.
    pub fn topological_order(&self) -> Result<Vec<&Revision>, Cycle> {
        self.topological_indices()
            .map(|order| order.into_iter().map(|i| &self.revisions[i]).collect())
            .map_err(|()| {
                crate::check::cycles(self)
                    .into_iter()
                    .next()
                    .expect("kahn's algorithm stalls only on a cycle")
            })
    }

    pub(crate) fn topological_indices(&self) -> Result<Vec<usize>, ()> {
        let n = self.revisions.len();
        let mut indegree = vec![0usize; n];
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, degree) in indegree.iter_mut().enumerate() {
            for &before in self.parents[i].iter().chain(&self.deps[i]) {
                *degree += 1;
                dependents[before].push(i);
            }
        }
        let mut ready: BinaryHeap<Reverse<usize>> =
            (0..n).filter(|&i| indegree[i] == 0).map(Reverse).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(Reverse(i)) = ready.pop() {
            order.push(i);
            for &d in &dependents[i] {
                indegree[d] -= 1;
                if indegree[d] == 0 {
                    ready.push(Reverse(d));
                }
            }
        }
        if order.len() == n {
            Ok(order)
        } else {
            Err(())
        }
    }

    /// Indices of everything that must be applied before `start` (parents and depends_on,
    /// transitively), without `start` itself.
    fn ancestor_set(&self, start: usize) -> HashSet<usize> {
        let mut seen: HashSet<usize> = self
            .closure(self.parents[start].iter().chain(&self.deps[start]).copied())
            .into_iter()
            .collect();
        seen.remove(&start);
        seen
    }

    fn in_topological_order(&self, set: &HashSet<usize>) -> Vec<&Revision> {
        match self.topological_indices() {
            Ok(order) => order
                .into_iter()
                .filter(|i| set.contains(i))
                .map(|i| &self.revisions[i])
                .collect(),
            Err(()) => {
                let mut v: Vec<usize> = set.iter().copied().collect();
                v.sort_unstable();
                v.into_iter().map(|i| &self.revisions[i]).collect()
            }
        }
    }

    /// Everything that must be applied before `id` (parents and `depends_on`,
    /// transitively), parents first. `None` if `id` is unknown.
    pub fn ancestors(&self, id: &str) -> Option<Vec<&Revision>> {
        let i = self.index(id)?;
        Some(self.in_topological_order(&self.ancestor_set(i)))
    }

    /// Everything that has `id` among its ancestors, parents first. `None` if `id` is unknown.
    pub fn descendants(&self, id: &str) -> Option<Vec<&Revision>> {
        let start = self.index(id)?;
        let mut seen = HashSet::new();
        let mut stack = vec![start];
        while let Some(i) = stack.pop() {
            for &d in &self.dependents[i] {
                if seen.insert(d) {
                    stack.push(d);
                }
            }
        }
        seen.remove(&start);
        Some(self.in_topological_order(&seen))
    }

    /// Whether `ancestor` must be applied before `id` (strictly: a revision is not its own
    /// ancestor). False when either is unknown.
    pub fn is_ancestor(&self, ancestor: &str, id: &str) -> bool {
        match (self.index(ancestor), self.index(id)) {
            (Some(a), Some(i)) => self.ancestor_set(i).contains(&a),
            _ => false,
        }
    }

    /// The revisions to apply, in order, to go from `from` (applied, with its ancestors) to
    /// `to`: `to` and its ancestors that are not `from` or one of its ancestors. `from =
    /// None` means the empty database. Going from a revision to itself is an empty path.
    ///
    /// For a downgrade, reverse the result of `path(Some(target), current)`.
    pub fn path(&self, from: Option<&str>, to: &str) -> Result<Vec<&Revision>, PathError> {
        let t = self
            .index(to)
            .ok_or_else(|| PathError::Unknown(to.to_owned()))?;
        let mut wanted = self.ancestor_set(t);
        wanted.insert(t);
        if let Some(from) = from {
            let f = self
                .index(from)
                .ok_or_else(|| PathError::Unknown(from.to_owned()))?;
            if f == t {
                return Ok(Vec::new());
            }
            if !wanted.contains(&f) {
                return Err(PathError::NotAncestor {
                    from: from.to_owned(),
                    to: to.to_owned(),
                });
            }
            wanted.remove(&f);
            for a in self.ancestor_set(f) {
                wanted.remove(&a);
            }
        }
        Ok(self.in_topological_order(&wanted))
    }

    /// The revision carrying this branch label (its first declaration).
    pub fn by_label(&self, label: &str) -> Option<&Revision> {
        self.revisions
            .iter()
            .find(|r| r.branch_labels.iter().any(|l| l == label))
    }

    /// The one revision whose id starts with `prefix` (an exact id always wins).
    pub fn resolve_prefix(&self, prefix: &str) -> Result<&Revision, PrefixError> {
        if let Some(r) = self.get(prefix) {
            return Ok(r);
        }
        let matches: Vec<&Revision> = self
            .revisions
            .iter()
            .enumerate()
            .filter(|(i, r)| r.id.starts_with(prefix) && self.is_first_declaration(*i))
            .map(|(_, r)| r)
            .collect();
        match matches.as_slice() {
            [one] => Ok(one),
            [] => Err(PrefixError::NotFound {
                prefix: prefix.to_owned(),
                closest: self.closest(prefix).map(|r| r.id.clone()),
            }),
            many => Err(PrefixError::Ambiguous {
                prefix: prefix.to_owned(),
                matches: many.iter().map(|r| r.id.clone()).collect(),
            }),
        }
    }

    /// The existing revision whose id is closest to `id` by edit distance, if one is close
    /// enough to be a likely typo (or `id` is a prefix of exactly one revision).
    pub fn closest(&self, id: &str) -> Option<&Revision> {
        crate::similar::closest(id, self.revisions.iter().map(|r| r.id.as_str()))
            .and_then(|best| self.get(best))
    }

    /// The kind of link from `child` to `target`, if `child` names it.
    pub(crate) fn edge_kind(&self, child: usize, target: usize) -> EdgeKind {
        if self.parents[child].contains(&target) {
            EdgeKind::DownRevision
        } else {
            EdgeKind::DependsOn
        }
    }
}
