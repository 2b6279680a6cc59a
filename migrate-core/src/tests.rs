//! Unit tests of the graph queries and checks.

use crate::{Cycle, EdgeKind, Graph, GraphError, PathError, PrefixError, Revision};

fn r(id: &str) -> Revision {
    Revision::new(id).at(format!("versions/{id}.rs"), 3)
}

fn ids(revs: &[&Revision]) -> Vec<String> {
    revs.iter().map(|r| r.id.clone()).collect()
}

/// a1 <- b2 <- c3
fn linear() -> Graph {
    Graph::new([
        r("aaa1"),
        r("bbb2").parent("aaa1"),
        r("ccc3").parent("bbb2"),
    ])
}

/// a1 <- b2 <- d4, a1 <- c3 <- d4 (merge)
fn diamond() -> Graph {
    Graph::new([
        r("aaa1"),
        r("bbb2").parent("aaa1"),
        r("ccc3").parent("aaa1"),
        r("ddd4").parents(["bbb2", "ccc3"]),
    ])
}

#[test]
fn linear_chain_is_valid() {
    assert_eq!(linear().check(), vec![]);
}

#[test]
fn diamond_is_valid() {
    assert_eq!(diamond().check(), vec![]);
}

#[test]
fn empty_graph_is_valid() {
    let g = Graph::new([]);
    assert!(g.is_empty());
    assert_eq!(g.check(), vec![]);
    assert!(g.heads().is_empty());
    assert!(g.bases().is_empty());
    assert_eq!(g.topological_order().unwrap().len(), 0);
}

#[test]
fn single_revision_is_valid() {
    let g = Graph::new([r("aaa1")]);
    assert_eq!(g.check(), vec![]);
    assert_eq!(ids(&g.heads()), ["aaa1"]);
    assert_eq!(ids(&g.bases()), ["aaa1"]);
}

#[test]
fn validated_returns_graph_or_errors() {
    assert!(Graph::validated([r("aaa1")]).is_ok());
    let errors = Graph::validated([r("aaa1"), r("aaa1")]).unwrap_err();
    assert_eq!(errors.len(), 1);
}

#[test]
fn heads_and_bases() {
    let g = linear();
    assert_eq!(ids(&g.heads()), ["ccc3"]);
    assert_eq!(ids(&g.bases()), ["aaa1"]);
    let g = diamond();
    assert_eq!(ids(&g.heads()), ["ddd4"]);
}

#[test]
fn parents_and_children() {
    let g = diamond();
    assert_eq!(ids(&g.parents("ddd4")), ["bbb2", "ccc3"]);
    assert_eq!(ids(&g.children("aaa1")), ["bbb2", "ccc3"]);
    assert!(g.children("ddd4").is_empty());
    assert!(g.parents("zzzz").is_empty());
}

#[test]
fn get_and_contains() {
    let g = linear();
    assert_eq!(g.get("bbb2").unwrap().parents, ["aaa1"]);
    assert!(g.contains("ccc3"));
    assert!(!g.contains("ccc"));
    assert_eq!(g.len(), 3);
}

#[test]
fn topological_order_respects_parents_whatever_the_input_order() {
    let g = Graph::new([
        r("ccc3").parent("bbb2"),
        r("ddd4").parents(["bbb2", "ccc3"]),
        r("bbb2").parent("aaa1"),
        r("aaa1"),
    ]);
    assert_eq!(
        ids(&g.topological_order().unwrap()),
        ["aaa1", "bbb2", "ccc3", "ddd4"]
    );
}

#[test]
fn topological_order_breaks_ties_by_input_order() {
    let g = Graph::new([
        r("aaa1"),
        r("ccc3").parent("aaa1"),
        r("bbb2").parent("aaa1"),
        r("ddd4").parents(["bbb2", "ccc3"]),
    ]);
    assert_eq!(
        ids(&g.topological_order().unwrap()),
        ["aaa1", "ccc3", "bbb2", "ddd4"]
    );
}

#[test]
fn topological_order_respects_depends_on() {
    let g = Graph::new([
        r("aaa1"),
        r("bbb2").parent("aaa1").depends_on(["ccc3"]),
        r("ccc3").parent("aaa1"),
        r("ddd4").parents(["bbb2", "ccc3"]),
    ]);
    assert_eq!(
        ids(&g.topological_order().unwrap()),
        ["aaa1", "ccc3", "bbb2", "ddd4"]
    );
}

#[test]
fn topological_order_reports_cycle() {
    let g = Graph::new([r("aaa1").parent("bbb2"), r("bbb2").parent("aaa1")]);
    assert_eq!(
        g.topological_order().unwrap_err().to_string(),
        "revisions form a cycle: aaa1 -> bbb2 -> aaa1"
    );
}

#[test]
fn topological_order_of_long_chain() {
    let n = 5000;
    let mut revs = vec![r("10000")];
    for i in 1..n {
        revs.push(r(&format!("{}", 10000 + i)).parent(format!("{}", 10000 + i - 1)));
    }
    revs.reverse();
    let g = Graph::new(revs);
    assert_eq!(g.check(), vec![]);
    let order = g.topological_order().unwrap();
    assert_eq!(order.first().unwrap().id, "10000");
    assert_eq!(order.last().unwrap().id, format!("{}", 10000 + n - 1));
}

#[test]
fn ancestors_and_descendants() {
    let g = diamond();
    assert_eq!(ids(&g.ancestors("ddd4").unwrap()), ["aaa1", "bbb2", "ccc3"]);
    assert_eq!(ids(&g.ancestors("bbb2").unwrap()), ["aaa1"]);
    assert!(g.ancestors("aaa1").unwrap().is_empty());
    assert!(g.ancestors("zzzz").is_none());
    assert_eq!(
        ids(&g.descendants("aaa1").unwrap()),
        ["bbb2", "ccc3", "ddd4"]
    );
    assert_eq!(ids(&g.descendants("ccc3").unwrap()), ["ddd4"]);
    assert!(g.descendants("zzzz").is_none());
}

#[test]
fn ancestors_include_depends_on() {
    let g = Graph::new([
        r("aaa1"),
        r("bbb2").parent("aaa1"),
        r("ccc3").parent("bbb2"),
        r("eee5").depends_on(["bbb2"]).parent("aaa1"),
        r("ddd4").parents(["ccc3", "eee5"]),
    ]);
    assert_eq!(ids(&g.ancestors("eee5").unwrap()), ["aaa1", "bbb2"]);
}

#[test]
fn is_ancestor_is_strict() {
    let g = linear();
    assert!(g.is_ancestor("aaa1", "ccc3"));
    assert!(!g.is_ancestor("ccc3", "aaa1"));
    assert!(!g.is_ancestor("aaa1", "aaa1"));
    assert!(!g.is_ancestor("zzzz", "aaa1"));
}

/// a1 <- b2 <- c3, a1 <- e5 (depends on b2), d4 merges c3 and e5
fn with_dependency() -> Graph {
    Graph::new([
        r("aaa1"),
        r("bbb2").parent("aaa1"),
        r("ccc3").parent("bbb2"),
        r("eee5").depends_on(["bbb2"]).parent("aaa1"),
        r("ddd4").parents(["ccc3", "eee5"]),
    ])
}

#[test]
fn indices_follow_the_order_given() {
    let g = diamond();
    assert_eq!(g.index("aaa1"), Some(0));
    assert_eq!(g.index("ddd4"), Some(3));
    assert_eq!(g.index("zzzz"), None);
    assert_eq!(g.revisions()[g.index("ccc3").unwrap()].id, "ccc3");
    assert_eq!(g.parent_indices(3), [1, 2]);
    assert_eq!(g.child_indices(0), [1, 2]);
    assert!(g.child_indices(3).is_empty());
    assert_eq!(g.head_indices(), [3]);
    let g = with_dependency();
    assert_eq!(g.dep_indices(3), [1]);
    // bbb2 is needed by its child ccc3 and by eee5 through depends_on.
    assert_eq!(g.child_indices(1), [2]);
    assert_eq!(g.dependent_indices(1), [2, 3]);
    assert_eq!(g.dependent_indices(0), [1, 3]);
}

#[test]
fn dependents_are_listed_once() {
    let g = Graph::new([r("aaa1"), r("bbb2").parent("aaa1").depends_on(["aaa1"])]);
    assert_eq!(g.dependent_indices(0), [1]);
}

#[test]
fn closure_of_a_set_includes_depends_on() {
    let g = with_dependency();
    assert_eq!(g.closure([3]), [0, 1, 3]);
    assert_eq!(g.closure([2, 3]), [0, 1, 2, 3]);
    assert_eq!(g.closure([0]), [0]);
    assert!(g.closure([]).is_empty());
    let g = diamond();
    assert_eq!(g.closure([1, 2]), [0, 1, 2]);
    assert_eq!(g.closure([3]), [0, 1, 2, 3]);
}

#[test]
fn heads_of_a_subset() {
    let g = diamond();
    assert_eq!(g.heads_of(|i| i <= 2), [1, 2]);
    assert_eq!(g.heads_of(|i| i < 4), [3]);
    assert_eq!(g.heads_of(|i| i == 0), [0]);
    assert!(g.heads_of(|_| false).is_empty());
    // depends_on does not merge heads: eee5 depends on bbb2, which stays a head.
    let g = with_dependency();
    assert_eq!(g.heads_of(|i| [0, 1, 3].contains(&i)), [1, 3]);
}

#[test]
fn depths_count_the_longest_chain_below() {
    assert_eq!(linear().depths(), [0, 1, 2]);
    assert_eq!(diamond().depths(), [0, 1, 1, 2]);
    // eee5 sits on aaa1 but depends on bbb2: it is one above bbb2.
    assert_eq!(with_dependency().depths(), [0, 1, 2, 2, 3]);
    let g = Graph::new([
        r("ccc3").parent("bbb2"),
        r("bbb2").parent("aaa1"),
        r("aaa1"),
    ]);
    assert_eq!(g.depths(), [2, 1, 0]);
}

#[test]
fn depths_on_a_cycle_do_not_loop() {
    let g = Graph::new([
        r("aaa1"),
        r("bbb2").parents(["aaa1", "ccc3"]),
        r("ccc3").parent("bbb2"),
    ]);
    assert_eq!(g.depths().len(), 3);
}

#[test]
fn path_from_base() {
    let g = linear();
    assert_eq!(
        ids(&g.path(None, "ccc3").unwrap()),
        ["aaa1", "bbb2", "ccc3"]
    );
    assert_eq!(ids(&g.path(None, "aaa1").unwrap()), ["aaa1"]);
}

#[test]
fn path_between_revisions() {
    let g = linear();
    assert_eq!(
        ids(&g.path(Some("aaa1"), "ccc3").unwrap()),
        ["bbb2", "ccc3"]
    );
    assert!(g.path(Some("ccc3"), "ccc3").unwrap().is_empty());
}

#[test]
fn path_through_merge_includes_both_branches() {
    let g = diamond();
    assert_eq!(
        ids(&g.path(Some("bbb2"), "ddd4").unwrap()),
        ["ccc3", "ddd4"]
    );
}

#[test]
fn path_backwards_is_an_error() {
    let g = linear();
    assert_eq!(
        g.path(Some("ccc3"), "aaa1"),
        Err(PathError::NotAncestor {
            from: "ccc3".into(),
            to: "aaa1".into()
        })
    );
}

#[test]
fn path_between_sibling_branches_is_an_error() {
    let g = diamond();
    assert!(matches!(
        g.path(Some("bbb2"), "ccc3"),
        Err(PathError::NotAncestor { .. })
    ));
}

#[test]
fn path_with_unknown_revision() {
    let g = linear();
    assert_eq!(g.path(None, "zzzz"), Err(PathError::Unknown("zzzz".into())));
    assert_eq!(
        g.path(Some("zzzz"), "aaa1"),
        Err(PathError::Unknown("zzzz".into()))
    );
    assert_eq!(
        PathError::Unknown("zzzz".into()).to_string(),
        "no revision `zzzz` in the migration graph"
    );
}

#[test]
fn resolve_prefix_unique() {
    let g = Graph::new([r("3f9a1c2b7d10"), r("3f9b00000000").parent("3f9a1c2b7d10")]);
    assert_eq!(g.resolve_prefix("3f9a").unwrap().id, "3f9a1c2b7d10");
    assert_eq!(g.resolve_prefix("3f9a1c2b7d10").unwrap().id, "3f9a1c2b7d10");
}

#[test]
fn resolve_prefix_ambiguous() {
    let g = Graph::new([r("3f9a1c2b7d10"), r("3f9b00000000").parent("3f9a1c2b7d10")]);
    assert_eq!(
        g.resolve_prefix("3f9"),
        Err(PrefixError::Ambiguous {
            prefix: "3f9".into(),
            matches: vec!["3f9a1c2b7d10".into(), "3f9b00000000".into()]
        })
    );
}

#[test]
fn resolve_prefix_not_found_suggests() {
    let g = Graph::new([r("3f9a1c2b7d10")]);
    let err = g.resolve_prefix("3f9a1c2b7d11").unwrap_err();
    assert_eq!(
        err.to_string(),
        "no revision matches `3f9a1c2b7d11`: did you mean `3f9a1c2b7d10`?"
    );
}

#[test]
fn by_label_finds_revision() {
    let g = Graph::new([r("aaa1").branch_labels(["shop"])]);
    assert_eq!(g.by_label("shop").unwrap().id, "aaa1");
    assert!(g.by_label("nope").is_none());
}

#[test]
fn closest_revision() {
    let g = linear();
    assert_eq!(g.closest("bbb3").unwrap().id, "bbb2");
    assert!(g.closest("ffffffff").is_none());
}

// ---- checks ----

#[test]
fn invalid_id_is_reported() {
    let errors = Graph::new([r("XYZ")]).check();
    assert!(matches!(&errors[..], [GraphError::InvalidId { .. }]));
    assert_eq!(
        errors[0].to_string(),
        "revision id has 'X' at position 1, only hex digits 0-9 and a-f are allowed in versions/XYZ.rs:3"
    );
}

#[test]
fn duplicate_id_names_both_files() {
    let g = Graph::new([
        r("aaa1"),
        Revision::new("aaa1")
            .parent("aaa1")
            .at("versions/other.rs", 7),
    ]);
    let errors = g.check();
    assert!(errors
        .iter()
        .any(|e| matches!(e, GraphError::DuplicateId { .. })));
    let dup = errors
        .iter()
        .find(|e| matches!(e, GraphError::DuplicateId { .. }))
        .unwrap();
    assert_eq!(
        dup.to_string(),
        "revision `aaa1` is declared twice, in versions/aaa1.rs:3 and in versions/other.rs:7: \
         give one of them a new id"
    );
}

#[test]
fn triple_duplicate_reports_each_later_one() {
    let g = Graph::new([r("aaa1"), r("aaa1"), r("aaa1")]);
    let dups = g
        .check()
        .into_iter()
        .filter(|e| matches!(e, GraphError::DuplicateId { .. }))
        .count();
    assert_eq!(dups, 2);
}

#[test]
fn duplicate_does_not_report_heads() {
    let g = Graph::new([
        r("aaa1"),
        r("bbb2").parent("aaa1"),
        r("bbb2").parent("aaa1"),
    ]);
    let errors = g.check();
    assert_eq!(errors.len(), 1, "{errors:?}");
}

#[test]
fn missing_parent_with_closest() {
    let g = Graph::new([
        r("3f9a1c2b7d10").message("create users"),
        r("9b2e4d6f8a01").parent("3f9a1c2b7d11"),
    ]);
    let errors = g.check();
    assert_eq!(errors.len(), 1, "{errors:?}");
    match &errors[0] {
        GraphError::MissingParent {
            revision,
            parent,
            closest,
        } => {
            assert_eq!(revision.id, "9b2e4d6f8a01");
            assert_eq!(parent, "3f9a1c2b7d11");
            assert_eq!(closest.as_ref().unwrap().id, "3f9a1c2b7d10");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        errors[0].to_string(),
        "down_revision `3f9a1c2b7d11` of `9b2e4d6f8a01` (versions/9b2e4d6f8a01.rs:3) does not \
         match any migration: did you mean `3f9a1c2b7d10` \"create users\" \
         (versions/3f9a1c2b7d10.rs:3)?"
    );
}

#[test]
fn missing_parent_without_closest() {
    let g = Graph::new([r("aaaa0000"), r("bbbb0000").parent("ffffffff")]);
    match &g.check()[0] {
        GraphError::MissingParent { closest, .. } => assert!(closest.is_none()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn missing_parent_hides_consequential_heads() {
    // bbbb0000 hangs off a missing parent: it is not a root, and the extra head it makes
    // is not reported separately.
    let g = Graph::new([r("aaaa0000"), r("bbbb0000").parent("ffffffff")]);
    assert_eq!(g.check().len(), 1);
}

#[test]
fn missing_parent_in_merge() {
    let g = Graph::new([
        r("aaa1"),
        r("bbb2").parent("aaa1"),
        r("ccc3").parents(["bbb2", "dddd"]),
    ]);
    let errors = g.check();
    assert_eq!(errors.len(), 1);
    assert!(matches!(&errors[0], GraphError::MissingParent { parent, .. } if parent == "dddd"));
}

#[test]
fn unknown_depends_on() {
    let g = Graph::new([r("aaa1"), r("bbb2").parent("aaa1").depends_on(["aaa2"])]);
    let errors = g.check();
    assert_eq!(errors.len(), 1);
    assert!(matches!(
        &errors[0],
        GraphError::UnknownDependency { dependency, closest: Some(c), .. }
            if dependency == "aaa2" && c.id == "aaa1"
    ));
    assert!(errors[0]
        .to_string()
        .starts_with("depends_on `aaa2` of `bbb2`"));
}

#[test]
fn cycle_of_three() {
    let g = Graph::new([
        r("aaa1").parent("ccc3"),
        r("bbb2").parent("aaa1"),
        r("ccc3").parent("bbb2"),
    ]);
    let errors = g.check();
    let cycle = errors
        .iter()
        .find(|e| matches!(e, GraphError::Cycle(_)))
        .unwrap();
    assert_eq!(
        cycle.to_string(),
        "revisions form a cycle: aaa1 -> ccc3 -> bbb2 -> aaa1"
    );
}

#[test]
fn cycle_is_reported_once() {
    let g = Graph::new([
        r("0000"),
        r("aaa1").parents(["0000", "ccc3"]),
        r("bbb2").parent("aaa1"),
        r("ccc3").parent("bbb2"),
    ]);
    let cycles: Vec<_> = g
        .check()
        .into_iter()
        .filter(|e| matches!(e, GraphError::Cycle(_)))
        .collect();
    assert_eq!(cycles.len(), 1, "{cycles:?}");
}

#[test]
fn two_separate_cycles_are_both_reported() {
    let g = Graph::new([
        r("0000"),
        r("aaa1").parent("bbb2"),
        r("bbb2").parent("aaa1"),
        r("ccc3").parent("ddd4"),
        r("ddd4").parent("ccc3"),
    ]);
    let cycles = g
        .check()
        .into_iter()
        .filter(|e| matches!(e, GraphError::Cycle(_)))
        .count();
    assert_eq!(cycles, 2);
}

#[test]
fn self_parent_is_a_cycle() {
    let g = Graph::new([r("aaa1"), r("bbb2").parents(["aaa1", "bbb2"])]);
    let errors = g.check();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        errors[0].to_string(),
        "revisions form a cycle: bbb2 -> bbb2"
    );
}

#[test]
fn cycle_through_depends_on_is_marked() {
    let g = Graph::new([
        r("aaa1"),
        r("bbb2").parent("aaa1").depends_on(["ccc3"]),
        r("ccc3").parent("bbb2"),
    ]);
    let errors = g.check();
    match &errors[..] {
        [GraphError::Cycle(Cycle { links, .. })] => {
            assert_eq!(links, &[EdgeKind::DependsOn, EdgeKind::DownRevision]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        errors[0].to_string(),
        "revisions form a cycle: bbb2 -(depends_on)-> ccc3 -> bbb2"
    );
}

#[test]
fn downstream_of_cycle_is_not_a_cycle() {
    let g = Graph::new([
        r("aaa1").parent("bbb2"),
        r("bbb2").parent("aaa1"),
        r("ccc3").parent("bbb2"),
    ]);
    let cycles = g
        .check()
        .into_iter()
        .filter(|e| matches!(e, GraphError::Cycle(_)))
        .count();
    assert_eq!(cycles, 1);
}

#[test]
fn two_roots() {
    let g = Graph::new([r("aaa1"), r("bbb2").parent("aaa1"), r("ccc3")]);
    let errors = g.check();
    assert_eq!(errors.len(), 1, "{errors:?}");
    match &errors[0] {
        GraphError::MultipleRoots { roots } => {
            assert_eq!(ids(&roots.iter().collect::<Vec<_>>()), ["aaa1", "ccc3"])
        }
        other => panic!("{other:?}"),
    }
    assert!(errors[0]
        .to_string()
        .starts_with("2 migrations have no down_revision but only one may be the root"));
}

#[test]
fn two_heads_are_reported_with_merge_command() {
    let g = Graph::new([
        r("aaa1"),
        r("bbb2").parent("aaa1").message("add items"),
        r("ccc3").parent("aaa1").message("add orders"),
    ]);
    let errors = g.check();
    assert_eq!(errors.len(), 1);
    match &errors[0] {
        GraphError::UnmergedHeads { heads } => {
            assert_eq!(
                GraphError::merge_command("shop", heads),
                "cargo run -p shop -- merge -m \"merge heads\" bbb2 ccc3"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        errors[0].to_string(),
        "the migration graph has 2 heads, add a merge migration: `bbb2` \"add items\" \
         (versions/bbb2.rs:3), `ccc3` \"add orders\" (versions/ccc3.rs:3)"
    );
}

#[test]
fn three_heads() {
    let g = Graph::new([
        r("aaa1"),
        r("bbb2").parent("aaa1"),
        r("ccc3").parent("aaa1"),
        r("ddd4").parent("aaa1"),
    ]);
    assert!(matches!(&g.check()[..], [GraphError::UnmergedHeads { heads }] if heads.len() == 3));
}

#[test]
fn depends_on_does_not_merge_heads() {
    let g = Graph::new([
        r("aaa1"),
        r("bbb2").parent("aaa1"),
        r("ccc3").parent("aaa1").depends_on(["bbb2"]),
    ]);
    assert!(matches!(&g.check()[..], [GraphError::UnmergedHeads { .. }]));
}

#[test]
fn duplicate_branch_label() {
    let g = Graph::new([
        r("aaa1").branch_labels(["shop"]),
        r("bbb2").parent("aaa1").branch_labels(["shop", "shop"]),
    ]);
    let errors = g.check();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0]
        .to_string()
        .starts_with("branch label `shop` is used by `aaa1`"));
}

#[test]
fn independent_errors_are_all_reported() {
    let g = Graph::new([
        r("aaa1"),
        r("bbb2").parent("aaa9999"),
        r("bbb2").parent("aaa1"),
        r("ccc3").parent("aaa1").depends_on(["ffff0000"]),
        r("ddd4"),
    ]);
    let errors = g.check();
    let kinds: Vec<&str> = errors
        .iter()
        .map(|e| match e {
            GraphError::DuplicateId { .. } => "duplicate",
            GraphError::MissingParent { .. } => "missing",
            GraphError::UnknownDependency { .. } => "dependency",
            GraphError::MultipleRoots { .. } => "roots",
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(kinds, ["duplicate", "missing", "dependency", "roots"]);
}

#[test]
fn messages_have_no_trailing_period() {
    let g = Graph::new([
        r("aaa1"),
        r("bbb2").parent("aaa9"),
        r("aaa1"),
        r("ccc3").depends_on(["ffff"]),
    ]);
    for e in g.check() {
        let text = e.to_string();
        assert!(!text.ends_with('.'), "{text}");
        assert!(text.chars().next().unwrap().is_lowercase() || text.starts_with(char::is_numeric));
    }
}

#[test]
fn location_without_line() {
    assert_eq!(Revision::new("aaaa").at("x.rs", 0).location(), "x.rs");
    assert_eq!(Revision::new("aaaa").at("x.rs", 4).location(), "x.rs:4");
}
