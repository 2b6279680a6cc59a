//! Turns revision-graph errors into the text rustc shows at the literal at fault.
//!
//! Each problem is keyed by the check name (see [`crate::checks`]) of the literal that should
//! carry it; its message, label and notes become the `#[diagnostic::on_unimplemented]` of
//! that check.

use std::collections::BTreeMap;

use migrate_core::{EdgeKind, Graph, GraphError, Revision};

use crate::checks;
use migrate_core::similar::fresh_id;

/// The text of one compile error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The error's message (first line).
    pub message: String,
    /// The label under the literal.
    pub label: String,
    /// `= note:` lines.
    pub notes: Vec<String>,
}

/// `` `id` "message" (file:line) ``
fn describe(r: &Revision) -> String {
    let mut s = format!("`{}`", r.id);
    if !r.message.is_empty() {
        s.push_str(&format!(" \"{}\"", r.message));
    }
    s.push_str(&format!(" ({})", r.location()));
    s
}

/// `a`, `a` and `b`, `a`, `b` and `c`
fn and_list(ids: &[&str]) -> String {
    let quoted: Vec<String> = ids.iter().map(|i| format!("`{i}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Heads that `id` is not part of: where a migration meant to come last should point.
fn other_heads<'g>(graph: &'g Graph, id: &str) -> Vec<&'g Revision> {
    graph
        .heads()
        .into_iter()
        .filter(|h| h.id != id && !graph.is_ancestor(id, &h.id))
        .collect()
}

/// Every problem of the graph, by check name. Problems on the same literal are merged.
pub fn problems(graph: &Graph, dir: &str, package: &str) -> BTreeMap<String, Problem> {
    let mut out: BTreeMap<String, Problem> = BTreeMap::new();
    let mut add = |key: String, problem: Problem| match out.get_mut(&key) {
        None => {
            out.insert(key, problem);
        }
        Some(existing) => {
            if existing.message != problem.message {
                existing.notes.push(format!("also: {}", problem.message));
                existing.notes.extend(problem.notes);
            }
        }
    };

    for error in graph.check() {
        match error {
            GraphError::InvalidId { .. } => {
                // Only valid ids reach the graph; the attribute reports the others.
            }
            GraphError::DuplicateId { first, .. } => {
                let (key, problem) = duplicate_id(graph, &first);
                add(key, problem);
            }
            GraphError::MissingParent {
                revision,
                parent,
                closest,
            } => add(
                checks::down_revision(&revision.id, &parent),
                unknown_target(
                    "down_revision",
                    &revision,
                    &parent,
                    closest.as_ref(),
                    graph,
                    dir,
                ),
            ),
            GraphError::UnknownDependency {
                revision,
                dependency,
                closest,
            } => add(
                checks::depends_on(&revision.id, &dependency),
                unknown_target(
                    "depends_on",
                    &revision,
                    &dependency,
                    closest.as_ref(),
                    graph,
                    dir,
                ),
            ),
            GraphError::Cycle(cycle) => {
                let (key, problem) = cycle_problem(&cycle);
                add(key, problem);
            }
            GraphError::MultipleRoots { roots } => {
                let first = &roots[0];
                for root in &roots[1..] {
                    let mut notes = vec![format!("the first migration is {}", describe(first))];
                    let heads: Vec<&Revision> = graph
                        .heads()
                        .into_iter()
                        .filter(|h| h.id == first.id || graph.is_ancestor(&first.id, &h.id))
                        .collect();
                    if let Some(head) = heads.first() {
                        notes.push(format!(
                            "to run `{}` after the newest migration, add down_revision = \"{}\"",
                            root.id, head.id
                        ));
                    }
                    add(
                        checks::revision(&root.id),
                        Problem {
                            message: format!(
                                "revision `{}` is a second root: only the first migration may leave out down_revision",
                                root.id
                            ),
                            label: "this migration has no down_revision".to_owned(),
                            notes,
                        },
                    );
                }
            }
            GraphError::UnmergedHeads { heads } => {
                let (key, problem) = unmerged_heads(&heads, package);
                add(key, problem);
            }
            GraphError::DuplicateBranchLabel {
                label,
                first,
                duplicate,
            } => add(
                checks::branch_label(&duplicate.id, &label),
                Problem {
                    message: format!(
                        "branch label `{label}` is already used by revision `{}`",
                        first.id
                    ),
                    label: "branch labels must be unique".to_owned(),
                    notes: vec![format!("`{label}` is first used by {}", describe(&first))],
                },
            ),
        }
    }
    out
}

/// The problem of a revision id declared by several migrations.
fn duplicate_id(graph: &Graph, first: &Revision) -> (String, Problem) {
    let all: Vec<&Revision> = graph
        .revisions()
        .iter()
        .filter(|r| r.id == first.id)
        .collect();
    let mut notes: Vec<String> = all
        .iter()
        .map(|r| {
            if r.message.is_empty() {
                format!("declared in {}", r.location())
            } else {
                format!("declared in {} (\"{}\")", r.location(), r.message)
            }
        })
        .collect();
    let newest = all.last().expect("a duplicate has two declarations");
    notes.push(format!(
        "give the newer migration ({}) a fresh id, e.g. \"{}\"",
        newest.file,
        fresh_id(&newest.file)
    ));
    (
        checks::revision(&first.id),
        Problem {
            message: format!(
                "revision `{}` is declared by {} migrations",
                first.id,
                all.len()
            ),
            label: "this id must be unique".to_owned(),
            notes,
        },
    )
}

/// The problem of a cycle, at its first link.
fn cycle_problem(cycle: &migrate_core::Cycle) -> (String, Problem) {
    let from = &cycle.revisions[0];
    let to = &cycle.revisions[1 % cycle.revisions.len()];
    let (key, arg) = match cycle.links[0] {
        EdgeKind::DownRevision => (checks::down_revision(&from.id, &to.id), "down_revision"),
        EdgeKind::DependsOn => (checks::depends_on(&from.id, &to.id), "depends_on"),
    };
    let (label, mut notes) = if cycle.revisions.len() == 1 {
        (
            format!("`{}` names itself", from.id),
            vec![format!(
                "a migration runs after its {arg}: name an older revision, or remove this one"
            )],
        )
    } else {
        let mut notes: Vec<String> = cycle
            .revisions
            .iter()
            .map(|r| format!("in the cycle: {}", describe(r)))
            .collect();
        notes.push(
            "a migration runs after the revisions it names: one of these links must name an older revision instead"
                .to_owned(),
        );
        (
            format!("`{}` would have to run after itself", from.id),
            notes,
        )
    };
    if cycle.links.contains(&EdgeKind::DependsOn) {
        notes.push("`x -> y` means x names y in its down_revision, `x -(depends_on)-> y` in its depends_on".to_owned());
    }
    (
        key,
        Problem {
            message: format!("{arg} `{}` makes a cycle: {}", to.id, cycle.text()),
            label,
            notes,
        },
    )
}

/// The problem of unmerged heads, at the last head.
fn unmerged_heads(heads: &[Revision], package: &str) -> (String, Problem) {
    let last = heads.last().expect("several heads");
    let ids: Vec<&str> = heads.iter().map(|h| h.id.as_str()).collect();
    let mut notes: Vec<String> = heads
        .iter()
        .map(|h| format!("head {}", describe(h)))
        .collect();
    notes.push(format!(
        "merge them with a new migration: {}",
        GraphError::merge_command(package, heads)
    ));
    if let [first, _] = heads {
        notes.push(format!(
            "or, if `{}` should simply come after `{}`, set its down_revision to \"{}\"",
            last.id, first.id, first.id
        ));
    }
    (
        checks::revision(&last.id),
        Problem {
            message: format!(
                "the migration graph has {} heads: {} are not merged",
                heads.len(),
                and_list(&ids)
            ),
            label: "this revision is one of the heads".to_owned(),
            notes,
        },
    )
}

fn unknown_target(
    arg: &str,
    revision: &Revision,
    target: &str,
    closest: Option<&Revision>,
    graph: &Graph,
    dir: &str,
) -> Problem {
    let mut notes = Vec::new();
    match closest {
        Some(c) => notes.push(format!("the closest revision is {}", describe(c))),
        None if arg == "down_revision" => {
            let heads = other_heads(graph, &revision.id);
            if let [head] = heads.as_slice() {
                notes.push(format!("the newest migration is {}", describe(head)));
            }
        }
        None => {}
    }
    Problem {
        message: format!("{arg} `{target}` does not match any migration"),
        label: format!("no migration in `{dir}` has this revision"),
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(id: &str) -> Revision {
        Revision::new(id).at(format!("versions/{id}.rs"), 3)
    }

    fn only(graph: &Graph) -> (String, Problem) {
        let problems = problems(graph, "versions", "shop");
        assert_eq!(problems.len(), 1, "{problems:#?}");
        problems.into_iter().next().unwrap()
    }

    #[test]
    fn sound_graph_has_no_problem() {
        let g = Graph::new([r("aaaa"), r("bbbb").parent("aaaa")]);
        assert!(problems(&g, "versions", "shop").is_empty());
    }

    #[test]
    fn missing_parent_with_closest() {
        let g = Graph::new([
            r("aaaa0000").message("init"),
            r("bbbb0000").parent("aaaa0001"),
        ]);
        let (key, p) = only(&g);
        assert_eq!(key, "down_revision_aaaa0001_of_bbbb0000");
        assert_eq!(
            p.message,
            "down_revision `aaaa0001` does not match any migration"
        );
        assert_eq!(p.label, "no migration in `versions` has this revision");
        assert_eq!(
            p.notes,
            ["the closest revision is `aaaa0000` \"init\" (versions/aaaa0000.rs:3)"]
        );
    }

    #[test]
    fn missing_parent_without_closest_names_the_newest() {
        let g = Graph::new([
            r("aaaa0000"),
            r("cccc0000").parent("aaaa0000"),
            r("bbbb0000").parent("ffffffff"),
        ]);
        let (_, p) = only(&g);
        assert_eq!(
            p.notes,
            ["the newest migration is `cccc0000` (versions/cccc0000.rs:3)"]
        );
    }

    #[test]
    fn unknown_depends_on() {
        let g = Graph::new([
            r("aaaa0000"),
            r("bbbb0000").parent("aaaa0000").depends_on(["aaaa0001"]),
        ]);
        let (key, p) = only(&g);
        assert_eq!(key, "depends_on_aaaa0001_of_bbbb0000");
        assert_eq!(
            p.message,
            "depends_on `aaaa0001` does not match any migration"
        );
    }

    #[test]
    fn duplicate_names_every_file() {
        let g = Graph::new([
            r("aaaa"),
            Revision::new("aaaa")
                .at("versions/z.rs", 5)
                .message("again"),
        ]);
        let (key, p) = only(&g);
        assert_eq!(key, "revision_aaaa");
        assert_eq!(p.message, "revision `aaaa` is declared by 2 migrations");
        assert_eq!(p.notes[0], "declared in versions/aaaa.rs:3");
        assert_eq!(p.notes[1], "declared in versions/z.rs:5 (\"again\")");
        assert!(
            p.notes[2].starts_with("give the newer migration (versions/z.rs) a fresh id, e.g. \"")
        );
    }

    #[test]
    fn cycle_is_at_the_first_link() {
        let g = Graph::new([
            r("0000"),
            r("aaaa").parents(["0000", "cccc"]),
            r("bbbb").parent("aaaa"),
            r("cccc").parent("bbbb"),
        ]);
        let (key, p) = only(&g);
        assert_eq!(key, "down_revision_cccc_of_aaaa");
        assert_eq!(
            p.message,
            "down_revision `cccc` makes a cycle: aaaa -> cccc -> bbbb -> aaaa"
        );
        assert_eq!(p.label, "`aaaa` would have to run after itself");
    }

    #[test]
    fn self_cycle() {
        let g = Graph::new([r("0000"), r("aaaa").parents(["0000", "aaaa"])]);
        let (key, p) = only(&g);
        assert_eq!(key, "down_revision_aaaa_of_aaaa");
        assert_eq!(p.label, "`aaaa` names itself");
    }

    #[test]
    fn cycle_through_depends_on() {
        let g = Graph::new([
            r("0000"),
            r("aaaa").parent("0000").depends_on(["bbbb"]),
            r("bbbb").parent("aaaa"),
        ]);
        let (key, p) = only(&g);
        assert_eq!(key, "depends_on_bbbb_of_aaaa");
        assert!(p.message.starts_with("depends_on `bbbb` makes a cycle"));
        assert_eq!(p.notes.len(), 4);
    }

    #[test]
    fn second_root_points_at_the_head() {
        let g = Graph::new([r("aaaa"), r("bbbb").parent("aaaa"), r("cccc")]);
        let (key, p) = only(&g);
        assert_eq!(key, "revision_cccc");
        assert_eq!(
            p.notes,
            [
                "the first migration is `aaaa` (versions/aaaa.rs:3)",
                "to run `cccc` after the newest migration, add down_revision = \"bbbb\""
            ]
        );
    }

    #[test]
    fn two_heads_with_merge_command() {
        let g = Graph::new([
            r("aaaa"),
            r("bbbb").parent("aaaa").message("add items"),
            r("cccc").parent("aaaa").message("add orders"),
        ]);
        let (key, p) = only(&g);
        assert_eq!(key, "revision_cccc");
        assert_eq!(
            p.message,
            "the migration graph has 2 heads: `bbbb` and `cccc` are not merged"
        );
        assert_eq!(
            p.notes,
            [
                "head `bbbb` \"add items\" (versions/bbbb.rs:3)",
                "head `cccc` \"add orders\" (versions/cccc.rs:3)",
                "merge them with a new migration: cargo run -p shop -- merge -m \"merge heads\" bbbb cccc",
                "or, if `cccc` should simply come after `bbbb`, set its down_revision to \"bbbb\"",
            ]
        );
    }

    #[test]
    fn three_heads() {
        let g = Graph::new([
            r("aaaa"),
            r("bbbb").parent("aaaa"),
            r("cccc").parent("aaaa"),
            r("dddd").parent("aaaa"),
        ]);
        let (key, p) = only(&g);
        assert_eq!(key, "revision_dddd");
        assert_eq!(
            p.message,
            "the migration graph has 3 heads: `bbbb`, `cccc` and `dddd` are not merged"
        );
        assert_eq!(p.notes.len(), 4);
    }

    #[test]
    fn duplicate_branch_label() {
        let g = Graph::new([
            r("aaaa").branch_labels(["shop"]),
            r("bbbb").parent("aaaa").branch_labels(["shop"]),
        ]);
        let (key, p) = only(&g);
        assert_eq!(key, checks::branch_label("bbbb", "shop"));
        assert_eq!(
            p.message,
            "branch label `shop` is already used by revision `aaaa`"
        );
    }

    #[test]
    fn two_problems_on_one_literal_are_merged() {
        // `cccc` is both a duplicate and a second root.
        let g = Graph::new([r("aaaa"), r("cccc"), r("cccc")]);
        let problems = problems(&g, "versions", "shop");
        let p = &problems["revision_cccc"];
        assert!(
            p.notes
                .iter()
                .any(|n| n.starts_with("also: revision `cccc` is a second root")),
            "{p:#?}"
        );
    }

    #[test]
    fn and_list_reads_well() {
        assert_eq!(and_list(&["a"]), "`a`");
        assert_eq!(and_list(&["a", "b"]), "`a` and `b`");
        assert_eq!(and_list(&["a", "b", "c"]), "`a`, `b` and `c`");
    }
}
