use super::*;
#[allow(unused_imports)]
use super::{expr::*, layout::*};
use crate::dialect::Dialect;
use crate::op;
use proptest::prelude::*;
use std::process::Command;

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-z][a-z_]{0,10}",
        2 => "[a-z][a-z_]{10,30}",
        1 => "[a-z][a-z_]{40,90}",
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z ]{0,20}",
        2 => "[ -~]{0,50}",
        1 => "[a-z ]{60,130}",
        1 => "\\PC{0,12}",
        1 => "[a-z\n\"\\\\]{0,12}",
    ]
}

fn names(max: usize) -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec(name(), 1..=max)
}

fn ty() -> impl Strategy<Value = Type> {
    prop_oneof![
        Just(Type::Integer),
        Just(Type::BigInt),
        Just(Type::Text),
        Just(Type::Boolean),
        Just(Type::Timestamp),
        Just(Type::TimestampTz),
        Just(Type::Binary),
        (1u32..100_000).prop_map(Type::Varchar),
        (1u32..10).prop_map(Type::Char),
        (1u8..40, 0u8..10).prop_map(|(p, s)| Type::Numeric(p, s)),
        (name(), proptest::collection::vec(name(), 0..4))
            .prop_map(|(n, v)| Type::Enum(EnumType::new(n, v))),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-5i64..100_000).prop_map(Value::Int),
        any::<i64>().prop_map(Value::Int),
        (-1e6f64..1e6).prop_map(Value::Float),
        any::<f64>().prop_map(Value::Float),
        text().prop_map(Value::Text),
        proptest::collection::vec(any::<u8>(), 0..20).prop_map(Value::Bytes),
    ]
}

fn default() -> impl Strategy<Value = DefaultValue> {
    prop_oneof![
        value().prop_map(DefaultValue::Value),
        text().prop_map(DefaultValue::Sql),
    ]
}

fn column() -> impl Strategy<Value = Column> {
    (
        name(),
        ty(),
        any::<(bool, bool, bool, bool, bool)>(),
        proptest::option::of(default()),
        proptest::option::weighted(0.2, text()),
    )
        .prop_map(|(n, t, (nullable, pk, auto, unique, _), d, c)| Column {
            name: n,
            ty: t,
            nullable,
            primary_key: pk,
            autoincrement: auto,
            unique,
            default: d,
            comment: c,
        })
}

fn fk_action() -> impl Strategy<Value = FkAction> {
    prop_oneof![
        Just(FkAction::NoAction),
        Just(FkAction::Cascade),
        Just(FkAction::SetNull),
        Just(FkAction::Restrict),
    ]
}

fn table() -> impl Strategy<Value = Table> {
    (
        name(),
        proptest::collection::vec(column(), 1..5),
        proptest::option::of((names(3), any::<bool>())),
        proptest::collection::vec(
            (names(3), any::<bool>(), proptest::option::of(text())),
            0..3,
        ),
        proptest::collection::vec((names(2), name(), names(2), fk_action(), fk_action()), 0..3),
        proptest::collection::vec((name(), text(), any::<bool>()), 0..2),
        proptest::option::weighted(0.2, text()),
    )
        .prop_map(|(n, cols, pk, idx, fks, checks, comment)| {
            let mut t = Table::new(n.clone());
            t.columns = cols;
            if let Some((cols, odd)) = pk {
                t = t.primary_key(cols);
                if odd {
                    t.primary_key.as_mut().unwrap().name = format!("{n}_pkey");
                }
            }
            for (cols, unique, w) in idx {
                let mut i = Index::new(cols);
                i.unique = unique;
                i.where_clause = w;
                t = t.index(i);
            }
            for (cols, r, rc, d, u) in fks {
                t = t.foreign_key(ForeignKey::new(cols, r, rc).on_delete(d).on_update(u));
            }
            for (short, expr, odd) in checks {
                let mut c = Check::new(short, expr);
                if odd {
                    c.name = "custom_check".into();
                }
                t = t.check(c);
            }
            t.comment = comment;
            t
        })
}

fn sql() -> impl Strategy<Value = Sql> {
    (
        proptest::option::of(text()),
        proptest::option::weighted(0.3, text()),
        proptest::option::weighted(0.3, text()),
        proptest::option::weighted(0.3, text()),
    )
        .prop_map(|(any, s, p, m)| Sql {
            any,
            sqlite: s,
            postgres: p,
            mysql: m,
        })
}

fn noop(_: &mut DataConnection<'_>) -> Result<(), DataError> {
    Ok(())
}

fn an_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        table().prop_map(op::create_table),
        name().prop_map(op::drop_table),
        (name(), name()).prop_map(|(a, b)| op::rename_table(a, b)),
        (name(), column()).prop_map(|(t, c)| op::add_column(t, c)),
        (name(), name()).prop_map(|(t, c)| op::drop_column(t, c)),
        (
            name(),
            name(),
            proptest::option::of(name()),
            proptest::option::of(ty()),
            proptest::option::of(any::<bool>()),
            proptest::option::of(proptest::option::of(default())),
            proptest::option::of(proptest::option::of(text())),
        )
            .prop_map(|(t, c, rename, ty, nullable, default, comment)| {
                op::alter_column(
                    t,
                    c,
                    AlterColumn {
                        rename,
                        ty,
                        nullable,
                        default,
                        comment,
                    },
                )
            }),
        (
            name(),
            names(3),
            any::<bool>(),
            proptest::option::of(text()),
            any::<bool>()
        )
            .prop_map(|(t, cols, unique, w, named)| {
                let mut i = Index::new(cols);
                i.unique = unique;
                i.where_clause = w;
                if named {
                    i = i.name("ix_custom");
                }
                op::create_index(t, i)
            }),
        (name(), name()).prop_map(|(t, n)| op::drop_index(t, n)),
        (name(), names(3)).prop_map(|(t, c)| op::create_unique_constraint(t, Unique::new(c))),
        (name(), names(2), name(), names(2), fk_action()).prop_map(|(t, c, r, rc, a)| {
            op::create_foreign_key(t, ForeignKey::new(c, r, rc).on_delete(a))
        }),
        (name(), name(), text(), any::<bool>()).prop_map(|(t, n, e, odd)| {
            let mut op = op::create_check_constraint(t, Check::new(n, e));
            if let (true, Op::CreateCheck { check, .. }) = (odd, &mut op) {
                check.name = "odd_check".into();
            }
            op
        }),
        (name(), names(3), any::<bool>()).prop_map(|(t, c, odd)| {
            let mut op = op::create_primary_key(t, c);
            if let (true, Op::CreatePrimaryKey { primary_key, .. }) = (odd, &mut op) {
                primary_key.name = "odd_pkey".into();
            }
            op
        }),
        (name(), name()).prop_map(|(t, n)| op::drop_constraint(t, n)),
        (name(), proptest::collection::vec(name(), 0..5))
            .prop_map(|(n, v)| op::create_enum(EnumType::new(n, v))),
        name().prop_map(op::drop_enum),
        (sql(), proptest::option::of(sql()))
            .prop_map(|(s, r)| op::execute(Execute { sql: s, reverse: r })),
        any::<bool>().prop_map(|rev| {
            let step = DataStep::new("backfill the names", noop);
            op::data_step(if rev { step.reverse(noop) } else { step })
        }),
        (
            name(),
            names(3),
            proptest::collection::vec(proptest::collection::vec(value(), 0..4), 0..4)
        )
            .prop_map(|(t, c, rows)| op::bulk_insert(t, c, rows)),
    ]
}

/// Formats `code` (a file) with rustfmt: `None` when rustfmt is not installed.
fn rustfmt(code: &str) -> Option<String> {
    let dir = tempfile::tempdir().ok()?;
    let file = dir.path().join("generated.rs");
    std::fs::write(&file, code).ok()?;
    let status = Command::new("rustfmt")
        .args(["--edition", "2021"])
        .arg(&file)
        .status()
        .ok()?;
    assert!(status.success(), "rustfmt failed on:\n{code}");
    std::fs::read_to_string(&file).ok()
}

fn functions(bodies: &[String]) -> String {
    bodies
        .iter()
        .enumerate()
        .map(|(i, b)| format!("fn f{i}() -> Vec<Op> {{\n    {b}\n}}\n"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn check_with_rustfmt(bodies: &[String], ops: &[Vec<Op>]) {
    let ours = functions(bodies);
    let Some(theirs) = rustfmt(&ours) else {
        eprintln!("rustfmt is not installed: layout not checked");
        return;
    };
    if ours != theirs {
        let ours_fns: Vec<&str> = ours.split("\nfn ").collect();
        let theirs_fns: Vec<&str> = theirs.split("\nfn ").collect();
        for (i, (a, b)) in ours_fns.iter().zip(&theirs_fns).enumerate() {
            if a != b {
                panic!(
                    "rustfmt disagrees on function {i}:\n--- ours\n{a}\n--- rustfmt\n{b}\n--- ops\n{:#?}",
                    ops.get(i)
                );
            }
        }
        panic!("rustfmt disagrees:\n{ours}\n---\n{theirs}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn the_layout_is_rustfmts(batch in proptest::collection::vec(proptest::collection::vec(an_op(), 0..5), 40)) {
        let bodies: Vec<(String, bool)> = batch.iter().map(|ops| layout_ops_strict(ops, &[], TAB)).collect();
        let strict = bodies.iter().filter(|b| b.1).count();
        // Most of the batch is laid out by the rules (the rest has a string too long for
        // any layout, which rustfmt leaves as written): the comparison tests the rules.
        prop_assert!(strict * 2 > bodies.len(), "only {strict} of {} laid out", bodies.len());
        let bodies: Vec<String> = bodies.into_iter().map(|b| b.0).collect();
        check_with_rustfmt(&bodies, &batch);
    }
}

#[test]
fn comments_and_dialects() {
    let ops = vec![
        op::drop_column("users", "name"),
        op::add_column("users", Column::new("full_name", Type::Text)),
        op::execute(Sql::none().on(Dialect::Postgres, "SELECT 1")),
    ];
    let code = ops_to_rust_commented(
        &ops,
        &[
            (
                0,
                "may be a rename:\nop::rename_column(\"users\", \"name\", \"full_name\")".into(),
            ),
            (1, "second".into()),
            (9, "ignored".into()),
        ],
    );
    check_with_rustfmt(&[code], &[ops]);
}

#[test]
fn a_thousand_tables_are_written_quickly() {
    let ops: Vec<Op> = (0..1000)
        .map(|t| {
            let mut table = Table::new(format!("table_{t}")).column(
                Column::new("id", Type::BigInt)
                    .primary_key()
                    .autoincrement(),
            );
            for c in 0..9 {
                table =
                    table.column(Column::new(format!("column_{c}"), Type::Varchar(255)).not_null());
            }
            op::create_table(
                table
                    .index(Index::new(["column_0"]))
                    .index(Index::new(["column_1", "column_2"]).unique()),
            )
        })
        .collect();
    let start = std::time::Instant::now();
    let code = ops_to_rust(&ops);
    let elapsed = start.elapsed();
    assert!(code.len() > 500_000);
    // Generous for debug builds on a busy machine; a release build takes about 30 ms.
    assert!(elapsed.as_secs_f64() < 5.0, "{elapsed:?}");
    eprintln!("1,000 tables written in {elapsed:?}");
}
