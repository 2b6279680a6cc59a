//! Checks of a whole revision graph, each problem as a structured [`GraphError`].

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;

use crate::graph::{Graph, Revision};
use crate::id::{self, IdError};

/// How one revision names another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// Through `down_revision` (a parent).
    DownRevision,
    /// Through `depends_on`.
    DependsOn,
}

/// Revisions that are their own ancestors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    /// The revisions in the cycle, starting with the one declared first; each names the
    /// next one, and the last names the first.
    pub revisions: Vec<Revision>,
    /// `links[i]` is how `revisions[i]` names `revisions[i + 1]` (wrapping around).
    pub links: Vec<EdgeKind>,
}

impl Cycle {
    /// The cycle as text: `a -> b -> c -> a`, where `x -> y` means that `x` names `y` in its
    /// `down_revision`; a link through `depends_on` reads `x -(depends_on)-> y`.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for (i, r) in self.revisions.iter().enumerate() {
            s.push_str(&r.id);
            s.push_str(match self.links.get(i) {
                Some(EdgeKind::DependsOn) => " -(depends_on)-> ",
                _ => " -> ",
            });
        }
        if let Some(first) = self.revisions.first() {
            s.push_str(&first.id);
        }
        s
    }
}

impl fmt::Display for Cycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "revisions form a cycle: {}", self.text())
    }
}

impl std::error::Error for Cycle {}

/// One problem in a revision graph.
///
/// Every variant carries the [`Revision`]s involved, so a message can name their files,
/// lines and messages without going back to the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphError {
    /// A revision id is not short lowercase hex.
    InvalidId {
        /// The revision.
        revision: Revision,
        /// What is wrong with its id.
        error: IdError,
    },
    /// Two migrations declare the same id.
    DuplicateId {
        /// The first declaration (in the order given to the graph).
        first: Revision,
        /// A later declaration of the same id.
        duplicate: Revision,
    },
    /// A `down_revision` names no existing revision.
    MissingParent {
        /// The revision whose `down_revision` is wrong.
        revision: Revision,
        /// The id it names.
        parent: String,
        /// The closest existing revision, when one is a likely typo.
        closest: Option<Revision>,
    },
    /// A `depends_on` names no existing revision.
    UnknownDependency {
        /// The revision whose `depends_on` is wrong.
        revision: Revision,
        /// The id it names.
        dependency: String,
        /// The closest existing revision, when one is a likely typo.
        closest: Option<Revision>,
    },
    /// Revisions that are their own ancestors.
    Cycle(Cycle),
    /// More than one revision has no `down_revision`.
    MultipleRoots {
        /// Every root, in declaration order.
        roots: Vec<Revision>,
    },
    /// More than one revision is a head, and no merge migration joins them.
    UnmergedHeads {
        /// Every head, in declaration order.
        heads: Vec<Revision>,
    },
    /// Two revisions carry the same branch label.
    DuplicateBranchLabel {
        /// The label.
        label: String,
        /// The first revision carrying it.
        first: Revision,
        /// A later revision carrying it.
        duplicate: Revision,
    },
}

fn describe(r: &Revision) -> String {
    let mut s = format!("`{}`", r.id);
    if !r.message.is_empty() {
        s.push_str(&format!(" \"{}\"", r.message));
    }
    if !r.file.is_empty() {
        s.push_str(&format!(" ({})", r.location()));
    }
    s
}

impl GraphError {
    /// The command that merges these heads, for a binary crate named `package` that runs
    /// the migration CLI: `cargo run -p <package> -- merge -m "merge heads" <id> <id>`.
    pub fn merge_command(package: &str, heads: &[Revision]) -> String {
        let mut s = format!("cargo run -p {package} -- merge -m \"merge heads\"");
        for h in heads {
            s.push(' ');
            s.push_str(&h.id);
        }
        s
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphError::InvalidId { revision, error } => {
                write!(f, "{} in {}", error, revision.location())
            }
            GraphError::DuplicateId { first, duplicate } => write!(
                f,
                "revision `{}` is declared twice, in {} and in {}: give one of them a new id",
                first.id,
                first.location(),
                duplicate.location()
            ),
            GraphError::MissingParent {
                revision,
                parent,
                closest,
            } => {
                write!(
                    f,
                    "down_revision `{parent}` of {} does not match any migration",
                    describe(revision)
                )?;
                if let Some(c) = closest {
                    write!(f, ": did you mean {}?", describe(c))?;
                }
                Ok(())
            }
            GraphError::UnknownDependency {
                revision,
                dependency,
                closest,
            } => {
                write!(
                    f,
                    "depends_on `{dependency}` of {} does not match any migration",
                    describe(revision)
                )?;
                if let Some(c) = closest {
                    write!(f, ": did you mean {}?", describe(c))?;
                }
                Ok(())
            }
            GraphError::Cycle(cycle) => cycle.fmt(f),
            GraphError::MultipleRoots { roots } => {
                write!(
                    f,
                    "{} migrations have no down_revision but only one may be the root: ",
                    roots.len()
                )?;
                let list: Vec<String> = roots.iter().map(describe).collect();
                f.write_str(&list.join(", "))
            }
            GraphError::UnmergedHeads { heads } => {
                write!(
                    f,
                    "the migration graph has {} heads, add a merge migration: ",
                    heads.len()
                )?;
                let list: Vec<String> = heads.iter().map(describe).collect();
                f.write_str(&list.join(", "))
            }
            GraphError::DuplicateBranchLabel {
                label,
                first,
                duplicate,
            } => write!(
                f,
                "branch label `{label}` is used by {} and by {}: labels must be unique",
                describe(first),
                describe(duplicate)
            ),
        }
    }
}

impl std::error::Error for GraphError {}

impl Graph {
    /// Every problem of the graph, in a stable order: invalid ids, duplicate ids, missing
    /// parents, unknown `depends_on`, cycles, several roots, unmerged heads, duplicate
    /// branch labels.
    ///
    /// Unmerged heads are only reported when nothing else is structurally wrong (a missing
    /// parent, a duplicate id, a cycle or a second root each make extra heads that fixing
    /// that first problem removes). An empty graph has no problem.
    pub fn check(&self) -> Vec<GraphError> {
        let mut errors = Vec::new();
        let revisions = self.revisions();

        for r in revisions {
            if let Err(error) = id::validate(&r.id) {
                errors.push(GraphError::InvalidId {
                    revision: r.clone(),
                    error,
                });
            }
        }

        for (i, r) in revisions.iter().enumerate() {
            let first = self.index(&r.id).expect("every id is indexed");
            if first != i {
                errors.push(GraphError::DuplicateId {
                    first: self.at(first).clone(),
                    duplicate: r.clone(),
                });
            }
        }

        let mut broken = errors
            .iter()
            .any(|e| matches!(e, GraphError::DuplicateId { .. }));

        for r in revisions {
            for p in &r.parents {
                if !self.contains(p) {
                    broken = true;
                    errors.push(GraphError::MissingParent {
                        revision: r.clone(),
                        parent: p.clone(),
                        closest: self.closest(p).cloned(),
                    });
                }
            }
        }
        for r in revisions {
            for d in &r.depends_on {
                if !self.contains(d) {
                    errors.push(GraphError::UnknownDependency {
                        revision: r.clone(),
                        dependency: d.clone(),
                        closest: self.closest(d).cloned(),
                    });
                }
            }
        }

        let cycles = cycles(self);
        broken |= !cycles.is_empty();
        errors.extend(cycles.into_iter().map(GraphError::Cycle));

        let roots = self.bases();
        if roots.len() > 1 {
            broken = true;
            errors.push(GraphError::MultipleRoots {
                roots: roots.into_iter().cloned().collect(),
            });
        }

        let heads = self.heads();
        if !broken && heads.len() > 1 {
            errors.push(GraphError::UnmergedHeads {
                heads: heads.into_iter().cloned().collect(),
            });
        }

        let mut labels: HashMap<&str, &Revision> = HashMap::new();
        for r in revisions {
            let mut own = HashSet::new();
            for l in &r.branch_labels {
                if !own.insert(l.as_str()) {
                    continue;
                }
                match labels.get(l.as_str()) {
                    Some(first) => errors.push(GraphError::DuplicateBranchLabel {
                        label: l.clone(),
                        first: (*first).clone(),
                        duplicate: r.clone(),
                    }),
                    None => {
                        labels.insert(l, r);
                    }
                }
            }
        }

        errors
    }
}

/// Every cycle of the graph, one per strongly connected group of revisions, each the
/// shortest cycle through the group's first-declared revision.
pub(crate) fn cycles(graph: &Graph) -> Vec<Cycle> {
    let Err(()) = graph.topological_indices() else {
        return Vec::new();
    };
    let n = graph.len();
    let before = |i: usize| -> Vec<usize> {
        let mut v: Vec<usize> = graph.parent_indices(i).to_vec();
        v.extend(graph.dep_indices(i));
        v
    };
    let mut after: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        for b in before(i) {
            after[b].push(i);
        }
    }
    let reach = |start: usize, next: &dyn Fn(usize) -> Vec<usize>| -> HashSet<usize> {
        let mut seen = HashSet::from([start]);
        let mut queue = VecDeque::from([start]);
        while let Some(i) = queue.pop_front() {
            for j in next(i) {
                if seen.insert(j) {
                    queue.push_back(j);
                }
            }
        }
        seen
    };

    let mut done = vec![false; n];
    let mut out = Vec::new();
    for s in 0..n {
        if done[s] {
            continue;
        }
        // Shortest path s -> ... -> s following "names" links (child to parent).
        let mut prev: HashMap<usize, usize> = HashMap::new();
        let mut queue = VecDeque::new();
        let mut closing = None;
        for b in before(s) {
            if b == s {
                closing = Some(s);
                break;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = prev.entry(b) {
                e.insert(s);
                queue.push_back(b);
            }
        }
        while closing.is_none() {
            let Some(i) = queue.pop_front() else { break };
            for b in before(i) {
                if b == s {
                    closing = Some(i);
                    break;
                }
                if let std::collections::hash_map::Entry::Vacant(e) = prev.entry(b) {
                    e.insert(i);
                    queue.push_back(b);
                }
            }
        }
        let Some(last) = closing else { continue };
        let mut path = vec![last];
        while *path.last().expect("non-empty") != s {
            let cur = *path.last().expect("non-empty");
            path.push(prev[&cur]);
        }
        path.reverse(); // s, ..., last
        let links = path
            .iter()
            .enumerate()
            .map(|(k, &i)| graph.edge_kind(i, path[(k + 1) % path.len()]))
            .collect();
        // Mark the whole strongly connected group so it is reported once.
        let down = reach(s, &before);
        let up = reach(s, &|i| after[i].clone());
        for i in down.intersection(&up) {
            done[*i] = true;
        }
        out.push(Cycle {
            revisions: path.iter().map(|&i| graph.at(i).clone()).collect(),
            links,
        });
    }
    out
}
