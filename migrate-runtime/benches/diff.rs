//! Diffing two 1,000-table schemas (10 columns and 2 indexes each, about 10% of the tables
//! changed) and rendering the migration for PostgreSQL, timed against baselines measured in
//! the same run: cloning the schema, and replaying the diff's ops onto it.
//!
//! `cargo bench -p migrate-runtime --bench diff` (a plain timing binary: medians of several
//! runs, printed; no criterion).

use std::hint::black_box;
use std::time::{Duration, Instant};

use migrate_runtime::dialect::{render, Dialect};
use migrate_runtime::diff::{self, diff, DiffScope};
use migrate_runtime::prelude::*;
use migrate_runtime::schema::Schema;

const TABLES: usize = 1000;
const RUNS: usize = 15;

fn table(i: usize) -> Table {
    let name = format!("t{i:04}");
    let mut t = Table::new(&name)
        .column(
            Column::new("id", Type::BigInt)
                .primary_key()
                .autoincrement(),
        )
        .column(Column::new("c1", Type::Varchar(100)).not_null())
        .column(Column::new("c2", Type::Integer).server_default(0))
        .column(Column::new("c3", Type::Timestamp))
        .column(Column::new("c4", Type::Text))
        .column(Column::new("c5", Type::Varchar(50)))
        .column(
            Column::new("c6", Type::Boolean)
                .not_null()
                .server_default(false),
        )
        .column(Column::new("c7", Type::Numeric(10, 2)))
        .column(Column::new("c8", Type::Double))
        .column(Column::new("c9", Type::BigInt))
        .index(Index::new(["c1"]))
        .index(Index::new(["c2", "c3"]));
    if i > 0 {
        let parent = format!("t{:04}", i - 1);
        t = t.foreign_key(ForeignKey::new(["c9"], parent, ["id"]));
    }
    t
}

/// The head schema, and the same with about one table in ten changed: columns added,
/// dropped, retyped and given defaults, indexes swapped, foreign keys added, tables dropped
/// and created.
fn schemas() -> (Schema, Schema) {
    let mut from = Schema::new();
    for i in 0..TABLES {
        from.apply(&op::create_table(table(i))).expect("valid");
    }
    let mut to = from.clone();
    for i in (0..TABLES).step_by(10) {
        let t = format!("t{i:04}");
        let ops = match (i / 10) % 6 {
            0 => vec![op::add_column(&t, Column::new("c10", Type::Integer))],
            1 => vec![
                op::drop_index(&t, format!("ix_{t}_c2_c3")),
                op::create_index(&t, Index::new(["c4", "c5"])),
            ],
            2 => vec![op::alter_column(
                &t,
                "c5",
                AlterColumn::new().set_type(Type::Varchar(200)).not_null(),
            )],
            3 => vec![op::alter_column(
                &t,
                "c2",
                AlterColumn::new().set_default(7),
            )],
            4 => vec![
                op::drop_column(&t, "c8"),
                op::add_column(&t, Column::new("c8b", Type::Double)),
            ],
            _ => vec![op::create_unique_constraint(&t, Unique::new(["c1", "c5"]))],
        };
        for op in &ops {
            to.apply(op).expect("valid change");
        }
    }
    // A few tables go and a few arrive (the last ones: nothing references them).
    for i in ((TABLES - 5)..TABLES).rev() {
        to.apply(&op::drop_table(format!("t{i:04}")))
            .expect("droppable");
    }
    for i in 0..5 {
        let mut t = table(0);
        t.name = format!("new_{i}");
        t.indexes
            .iter_mut()
            .for_each(|x| x.name = x.name.replace("t0000", &t.name));
        t.foreign_keys = vec![ForeignKey::new(["c9"], "t0001", ["id"]).name(format!("fk_new_{i}"))];
        to.apply(&op::create_table(t)).expect("new table");
    }
    (from, to)
}

fn median<T>(mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        let out = black_box(f());
        times.push(start.elapsed());
        last = Some(out);
    }
    times.sort();
    (times[RUNS / 2], last.expect("ran"))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let (from, to) = schemas();
    let (vf, vt) = (DiffScope::all().view(&from), DiffScope::all().view(&to));
    let tables_changed = vf
        .tables
        .iter()
        .filter(|(n, t)| vt.tables.get(*n) != Some(t))
        .count()
        + vt.tables
            .keys()
            .filter(|n| !vf.tables.contains_key(*n))
            .count();
    let (clone, _) = median(|| from.clone());
    let (diffing, ops) = median(|| diff(&from, &to, &DiffScope::all()));
    let (full_render, full_sql) =
        median(|| render(Dialect::Postgres, &from, &ops).expect("the diff renders"));
    let (rendering, sql) =
        median(|| diff::render(Dialect::Postgres, &from, &ops).expect("the diff renders"));
    assert_eq!(sql, full_sql, "diff::render and dialect::render agree");
    let (both, _) = median(|| {
        let ops = diff(&from, &to, &DiffScope::all());
        diff::render(Dialect::Postgres, &from, &ops).expect("the diff renders")
    });
    let (replaying, replayed) = median(|| {
        let mut s = from.clone();
        for op in &ops {
            s.apply(op).expect("the diff applies");
        }
        s
    });
    assert_eq!(DiffScope::all().view(&replayed), DiffScope::all().view(&to));

    println!(
        "diff of two {TABLES}-table schemas (10 columns, 2 indexes each; {} tables differ, \
         {} ops, {} PostgreSQL statements), median of {RUNS} runs:",
        tables_changed,
        ops.len(),
        sql.len()
    );
    println!(
        "  baseline: clone the schema           {:>8.2} ms",
        ms(clone)
    );
    println!(
        "  baseline: replay the ops onto it     {:>8.2} ms",
        ms(replaying)
    );
    println!(
        "  diff                                 {:>8.2} ms  ({:.1}x clone, {:.1}x replay)",
        ms(diffing),
        ms(diffing) / ms(clone),
        ms(diffing) / ms(replaying)
    );
    println!(
        "  render, dialect::render              {:>8.2} ms  ({:.1}x clone: it copies the schema for every op)",
        ms(full_render),
        ms(full_render) / ms(clone)
    );
    println!(
        "  render, diff::render                 {:>8.2} ms  ({:.1}x clone; same statements)",
        ms(rendering),
        ms(rendering) / ms(clone)
    );
    println!(
        "  diff + render (the migration)        {:>8.2} ms  ({:.1}x clone, {:.1}x replay; target < 50 ms: {})",
        ms(both),
        ms(both) / ms(clone),
        ms(both) / ms(replaying),
        if ms(both) < 50.0 { "met" } else { "MISSED" }
    );
}
