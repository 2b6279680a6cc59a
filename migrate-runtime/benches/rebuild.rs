//! SQLite table rebuild (issue 9, figure 4): one column's nullability altered on a table of
//! 1,000,000 rows, through the renderer (`dialect::render` for SQLite, its statements run by
//! `connection::Connection`), against the hand-written rebuild (create / `INSERT .. SELECT`
//! / drop / rename) in one transaction, on the same data in the same run.
//!
//! `cargo bench -p migrate-runtime --bench rebuild` (a plain timing binary, no criterion).
//!
//! - Each run is a child process (this binary, `--child`) on a fresh copy of a database
//!   file built once per size, so that each variant's peak memory (`VmHWM`) is its own.
//!   The engine and the baseline alternate run by run; the figures are medians.
//! - The time is the migration itself (`BEGIN` to `COMMIT`, rendering included), on a file
//!   with SQLite's defaults (rollback journal, `synchronous = FULL`).
//! - Sizes: 1,000,000 rows, and 100,000 to show that the peak memory does not follow the
//!   row count. A second table shape adds an index and a foreign key (to a 100-row table):
//!   the engine then also recreates the index (as the baseline does) and runs
//!   `foreign_key_check` (which the baseline does not).
//! - `BENCH_RUNS` (default 5) runs per variant; `BENCH_ROWS` (default `1000000,100000`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use migrate_runtime::connection::Connection;
use migrate_runtime::dialect::{render, Dialect, Statement};
use migrate_runtime::prelude::*;
use migrate_runtime::schema::Schema;

/// The table before the change; `linked` adds an index and a foreign key to `owners`.
fn items(linked: bool) -> Table {
    let mut t = Table::new("items")
        .column(Column::new("id", Type::Integer).primary_key())
        .column(Column::new("name", Type::Varchar(100)).not_null())
        .column(Column::new("price", Type::Integer).not_null())
        .column(Column::new("note", Type::Text))
        .column(Column::new("created", Type::Timestamp).not_null());
    if linked {
        t = t
            .column(Column::new("owner_id", Type::Integer).not_null())
            .index(Index::new(["name"]))
            .foreign_key(ForeignKey::new(["owner_id"], "owners", ["id"]));
    }
    t
}

fn owners() -> Table {
    Table::new("owners")
        .column(Column::new("id", Type::Integer).primary_key())
        .column(Column::new("name", Type::Text).not_null())
}

/// The migration: `price` becomes nullable.
fn change() -> Vec<Op> {
    vec![op::alter_column(
        "items",
        "price",
        AlterColumn::new().nullable(),
    )]
}

fn schema(linked: bool) -> Schema {
    let mut s = Schema::new();
    if linked {
        s.apply(&op::create_table(owners())).expect("valid");
    }
    s.apply(&op::create_table(items(linked))).expect("valid");
    s
}

/// What a person writes for the same change (SQLite's documented procedure).
fn hand_written(linked: bool) -> String {
    let (owner_col, owner_fk, owner_list) = if linked {
        (
            ", \"owner_id\" INTEGER NOT NULL",
            ", FOREIGN KEY (\"owner_id\") REFERENCES \"owners\" (\"id\")",
            ", \"owner_id\"",
        )
    } else {
        ("", "", "")
    };
    let mut sql = format!(
        "CREATE TABLE \"items_new\" (\"id\" INTEGER NOT NULL, \"name\" VARCHAR(100) NOT NULL, \
         \"price\" INTEGER, \"note\" TEXT, \"created\" TIMESTAMP NOT NULL{owner_col}, \
         PRIMARY KEY (\"id\"){owner_fk});\n\
         INSERT INTO \"items_new\" (\"id\", \"name\", \"price\", \"note\", \"created\"{owner_list}) \
         SELECT \"id\", \"name\", \"price\", \"note\", \"created\"{owner_list} FROM \"items\";\n\
         DROP TABLE \"items\";\n\
         ALTER TABLE \"items_new\" RENAME TO \"items\";\n"
    );
    if linked {
        sql.push_str("CREATE INDEX \"ix_items_name\" ON \"items\" (\"name\");\n");
    }
    sql
}

fn url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// The database before the change, with `rows` rows (built with the engine's own DDL).
fn build_template(path: &Path, rows: usize, linked: bool) {
    let _ = std::fs::remove_file(path);
    let mut conn = Connection::establish(&url(path)).expect("open");
    let mut ops = Vec::new();
    if linked {
        ops.push(op::create_table(owners()));
    }
    ops.push(op::create_table(items(linked)));
    conn.batch_execute("BEGIN").expect("begin");
    for st in render(Dialect::Sqlite, &Schema::new(), &ops).expect("renders") {
        conn.run(&st).expect("create");
    }
    if linked {
        conn.batch_execute(
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100) \
             INSERT INTO owners (id, name) SELECT x, 'owner ' || x FROM n",
        )
        .expect("owners");
    }
    let (cols, vals) = if linked {
        (", owner_id", ", 1 + x % 100")
    } else {
        ("", "")
    };
    conn.batch_execute(&format!(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {rows}) \
         INSERT INTO items (id, name, price, note, created{cols}) \
         SELECT x, 'item number ' || x, x % 1000, CASE WHEN x % 2 = 0 THEN 'note ' || x END, \
         '2025-01-01 00:00:00'{vals} FROM n"
    ))
    .expect("rows");
    conn.batch_execute("COMMIT").expect("commit");
}

/// `VmHWM` (peak resident set) of this process, in kB.
fn peak_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Child: runs one variant on `path` and prints `<nanos> <peak kB before> <peak kB after>`.
fn child(variant: &str, path: &Path, linked: bool, rows: usize) {
    let mut conn = Connection::establish(&url(path)).expect("open");
    let before_schema = schema(linked);
    let ops = change();
    let before = peak_kb();
    let start = Instant::now();
    conn.batch_execute("BEGIN").expect("begin");
    match variant {
        "engine" => {
            for st in render(Dialect::Sqlite, &before_schema, &ops).expect("renders") {
                conn.run(&st).expect("engine statement");
            }
        }
        "baseline" => conn.batch_execute(&hand_written(linked)).expect("baseline"),
        other => panic!("unknown variant {other}"),
    }
    conn.batch_execute("COMMIT").expect("commit");
    let elapsed = start.elapsed();
    let after = peak_kb();
    // The change took, and no row was lost.
    let count = conn
        .query_count("SELECT COUNT(*) FROM items")
        .expect("count");
    assert_eq!(count, rows as i64, "{variant}: rows");
    let notnull = conn
        .query_count("SELECT \"notnull\" FROM pragma_table_info('items') WHERE name = 'price'")
        .expect("table_info");
    assert_eq!(notnull, 0, "{variant}: price is nullable");
    println!("{} {before} {after}", elapsed.as_nanos());
}

struct Run {
    time: Duration,
    peak_before_kb: u64,
    peak_kb: u64,
}

fn run_child(variant: &str, template: &Path, work: &Path, linked: bool, rows: usize) -> Run {
    std::fs::copy(template, work).expect("copy the database");
    let out = Command::new(std::env::current_exe().expect("own path"))
        .args([
            "--child",
            variant,
            &work.to_string_lossy(),
            if linked { "linked" } else { "plain" },
            &rows.to_string(),
        ])
        .output()
        .expect("run the child");
    assert!(
        out.status.success(),
        "{variant} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let fields: Vec<u64> = text
        .split_whitespace()
        .map(|f| f.parse().expect("a number"))
        .collect();
    let _ = std::fs::remove_file(work);
    Run {
        time: Duration::from_nanos(fields[0]),
        peak_before_kb: fields[1],
        peak_kb: fields[2],
    }
}

fn median<T: Ord + Copy>(mut v: Vec<T>) -> T {
    v.sort();
    v[v.len() / 2]
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let rows = args[i + 4].parse().expect("rows");
        child(
            &args[i + 1],
            Path::new(&args[i + 2]),
            args[i + 3] == "linked",
            rows,
        );
        return;
    }
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let sizes: Vec<usize> = std::env::var("BENCH_ROWS")
        .unwrap_or_else(|_| "1000000,100000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("BENCH_ROWS: numbers"))
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");

    println!("the engine's statements for the plain table:");
    for st in render(Dialect::Sqlite, &schema(false), &change()).expect("renders") {
        if let Statement::Execute(sql) | Statement::AssertZero { sql, .. } = &st {
            println!("  {};", sql.replace('\n', "\n  "));
        }
    }
    println!();

    let cases: Vec<(usize, bool)> = [false, true]
        .into_iter()
        .flat_map(|linked| sizes.iter().map(move |&n| (n, linked)))
        .collect();
    println!(
        "alter a column's nullability (SQLite rebuild), median of {runs} runs, each in its own process:"
    );
    for (rows, linked) in cases {
        let template: PathBuf = dir.path().join(format!("template-{rows}-{linked}.db"));
        let work = dir.path().join("work.db");
        let start = Instant::now();
        build_template(&template, rows, linked);
        let size = std::fs::metadata(&template).map_or(0, |m| m.len());
        eprintln!(
            "  ({rows} rows{}: database of {:.0} MB built in {:.1} s)",
            if linked { ", index + foreign key" } else { "" },
            size as f64 / 1e6,
            start.elapsed().as_secs_f64()
        );
        let mut engine = Vec::new();
        let mut baseline = Vec::new();
        for _ in 0..runs {
            engine.push(run_child("engine", &template, &work, linked, rows));
            baseline.push(run_child("baseline", &template, &work, linked, rows));
        }
        let _ = std::fs::remove_file(&template);
        let time = |v: &[Run]| median(v.iter().map(|r| r.time).collect());
        let peak = |v: &[Run]| median(v.iter().map(|r| r.peak_kb).collect());
        let start_peak = |v: &[Run]| median(v.iter().map(|r| r.peak_before_kb).collect());
        let (te, tb) = (time(&engine), time(&baseline));
        let ratio = te.as_secs_f64() / tb.as_secs_f64();
        println!(
            "  {rows:>9} rows{:<22} engine {:8.1} ms   hand-written {:8.1} ms   ratio {:.2}x (target 1.2x: {})",
            if linked { ", index + foreign key" } else { "" },
            te.as_secs_f64() * 1e3,
            tb.as_secs_f64() * 1e3,
            ratio,
            if ratio <= 1.2 { "met" } else { "MISSED" }
        );
        println!(
            "  {:>9}{:<27} peak RSS {:6.1} MB ({:.1} MB before the migration)   {:6.1} MB ({:.1} MB before)",
            "",
            "",
            mb(peak(&engine)),
            mb(start_peak(&engine)),
            mb(peak(&baseline)),
            mb(start_peak(&baseline)),
        );
    }
}
