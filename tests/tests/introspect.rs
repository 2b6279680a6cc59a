//! Introspection round trips on every backend compiled in.
//!
//! For each revision of the shop example and every 25th revision of the 300-migration
//! chain, upgraded with the engine: the introspected database equals the replayed schema
//! as the backend stores it (`Schema::as_stored_by`, compared with
//! `diff(.., DiffScope::all())`, plus table comments, which no op alters and so the diff
//! does not compare), and after downgrading that one step it equals what it was before.
//! A hand-written history that uses every type, default, index and constraint kind does
//! the same through the harness's renderer, step by step, up and down. These catch
//! rendering mistakes as much as introspection ones.

use std::collections::BTreeSet;

use migrate_runtime::connection::Connection;
use migrate_runtime::dialect::Dialect;
use migrate_runtime::diff::{diff, DiffScope};
use migrate_runtime::engine::{Config, Engine};
use migrate_runtime::introspect::introspect;
use migrate_runtime::prelude::*;
use migrate_runtime::schema::Schema;
use migrate_tests::chain::CHAIN;
use migrate_tests::TestDb;

/// `expected` and `actual` are the same database under `DiffScope::all()`, and their tables
/// have the same comments.
fn assert_same(expected: &Schema, actual: &Schema, what: &str) {
    let ops = diff(expected, actual, &DiffScope::all());
    if !ops.is_empty() {
        let tables: BTreeSet<&str> = ops.iter().filter_map(Op::table).collect();
        let mut report = String::new();
        for t in tables {
            report += &format!(
                "\n  {t}\n    expected: {:?}\n    actual:   {:?}",
                expected.table(t),
                actual.table(t)
            );
        }
        let ops: Vec<String> = ops.iter().map(Op::describe).collect();
        panic!("{what}: the database differs: {ops:#?}{report}");
    }
    for (name, t) in &expected.tables {
        let comment = actual.table(name).and_then(|a| a.comment.as_deref());
        assert_eq!(
            t.comment.as_deref(),
            comment,
            "{what}: comment of table {name}"
        );
    }
}

/// The revisions applied when `heads` are the database's heads: them and their ancestors.
fn applied(migrations: &Migrations, heads: &[String]) -> BTreeSet<&'static str> {
    let mut set = BTreeSet::new();
    let mut stack: Vec<&'static str> = heads
        .iter()
        .filter_map(|h| migrations.get(h))
        .map(|m| m.revision)
        .collect();
    while let Some(r) = stack.pop() {
        if set.insert(r) {
            let m = migrations.get(r).expect("known");
            stack.extend(m.down_revisions.iter().chain(m.depends_on));
        }
    }
    set
}

/// The schema after the migrations of `applied`, replayed in order (what the engine ran).
fn replayed(migrations: &Migrations, applied: &BTreeSet<&str>) -> Schema {
    let mut s = Schema::new();
    for m in migrations.iter().filter(|m| applied.contains(m.revision)) {
        for op in (m.upgrade)() {
            s.apply(&op)
                .unwrap_or_else(|e| panic!("{}: {e}", m.revision));
        }
    }
    s
}

fn read(engine: &mut Engine<'_>) -> Schema {
    let config = engine.config().clone();
    introspect(engine.connection(), &config).expect("introspect")
}

/// Upgrades through `migrations`; at every `every`-th revision (and the last), checks the
/// introspected database against the replayed schema, downgrades that one step and checks
/// the database is back as it was, then upgrades again.
fn round_trip(db: &TestDb, migrations: &'static Migrations, every: usize) {
    let d = db.dialect();
    let conn = Connection::establish(db.url()).expect("connect to the test database");
    let mut engine = Engine::new(migrations, conn);
    assert_eq!(
        read(&mut engine),
        Schema::new(),
        "a fresh database is empty"
    );
    let revisions: Vec<&'static str> = migrations.iter().map(|m| m.revision).collect();
    for (i, rev) in revisions.iter().enumerate() {
        if i % every != 0 && i + 1 != revisions.len() {
            continue;
        }
        if i > 0 {
            engine
                .upgrade_to(revisions[i - 1])
                .unwrap_or_else(|e| panic!("upgrade to {}: {e}", revisions[i - 1]));
        }
        let before = read(&mut engine);
        let heads = engine.current().expect("heads");
        let expected = replayed(migrations, &applied(migrations, &heads)).as_stored_by(d);
        assert_same(&expected, &before, &format!("{d}: before {rev}"));

        engine
            .upgrade_to(rev)
            .unwrap_or_else(|e| panic!("upgrade to {rev}: {e}"));
        let after = read(&mut engine);
        let heads = engine.current().expect("heads");
        let expected = replayed(migrations, &applied(migrations, &heads)).as_stored_by(d);
        assert_same(&expected, &after, &format!("{d}: at {rev}"));

        engine
            .downgrade_to("-1")
            .unwrap_or_else(|e| panic!("downgrade from {rev}: {e}"));
        let back = read(&mut engine);
        assert_same(&before, &back, &format!("{d}: {rev} downgraded"));
        engine
            .upgrade_to(rev)
            .unwrap_or_else(|e| panic!("upgrade to {rev} again: {e}"));
    }
    let at_head = read(&mut engine);
    assert!(!at_head.tables.contains_key("migrate_version"));
    assert!(!at_head.tables.contains_key("migrate_history"));
}

fn shop_every_revision(db: &mut TestDb) {
    round_trip(db, &migrations::MIGRATIONS, 1);
}

fn chain_every_25th_revision(db: &mut TestDb) {
    round_trip(db, &CHAIN, 25);
}

/// Checks the database against the harness's schema model.
fn check(db: &mut TestDb, what: &str) {
    let d = db.dialect();
    let live = introspect(db.conn(), &Config::default())
        .unwrap_or_else(|e| panic!("{what}: introspect: {e}"));
    assert_same(&db.schema.as_stored_by(d), &live, &format!("{d}: {what}"));
}

/// A history that uses every type, default, comment, index and constraint kind, renames
/// and type changes: each step is checked up, then each downgrade.
fn every_kind_of_object(db: &mut TestDb) {
    let d = db.dialect();
    let mood = EnumType::new("mood", ["happy", "sad", "it's"]);
    let mut steps: Vec<(&str, Vec<Op>)> = vec![
        (
            "people, with every type",
            vec![
                op::create_enum(mood.clone()),
                op::create_table(
                    Table::new("people")
                        .column(
                            Column::new("id", Type::BigInt)
                                .primary_key()
                                .autoincrement(),
                        )
                        .column(
                            Column::new("name", Type::Varchar(100))
                                .not_null()
                                .comment("full name"),
                        )
                        .column(Column::new("nick", Type::Char(8)))
                        .column(Column::new("bio", Type::Text))
                        .column(
                            Column::new("active", Type::Boolean)
                                .not_null()
                                .server_default(true),
                        )
                        .column(Column::new("score", Type::SmallInt).server_default(-1))
                        .column(Column::new("balance", Type::Numeric(12, 2)).server_default(0))
                        .column(Column::new("ratio", Type::Float).server_default(1.5))
                        .column(Column::new("precise", Type::Double))
                        .column(Column::new("born", Type::Date))
                        .column(Column::new("wakes", Type::Time))
                        .column(
                            Column::new("seen", Type::Timestamp)
                                .server_default(DefaultValue::sql("CURRENT_TIMESTAMP")),
                        )
                        .column(Column::new("seen_tz", Type::TimestampTz))
                        .column(Column::new("avatar", Type::Binary))
                        .column(Column::new("prefs", Type::Json))
                        .column(Column::new("token", Type::Uuid))
                        .column(
                            Column::new("mood", Type::Enum(mood.clone())).server_default("happy"),
                        )
                        .column(Column::new("motto", Type::Varchar(50)).server_default("it's"))
                        .comment("people we know")
                        .unique(Unique::new(["name", "nick"]))
                        .check(Check::new("score_floor", "score >= -1"))
                        .index(Index::new(["born"]))
                        .index(Index::new(["mood", "active"]).unique()),
                ),
            ],
        ),
        (
            "pets and tags, with foreign keys and a composite key",
            vec![
                op::create_table(
                    Table::new("pets")
                        .column(
                            Column::new("id", Type::Integer)
                                .primary_key()
                                .autoincrement(),
                        )
                        .column(Column::new("owner_id", Type::BigInt).not_null())
                        .column(Column::new("name", Type::Varchar(50)).server_default("Rex"))
                        .foreign_key(
                            ForeignKey::new(["owner_id"], "people", ["id"])
                                .on_delete(FkAction::Cascade)
                                .on_update(FkAction::Restrict),
                        )
                        .index(Index::new(["owner_id"])),
                ),
                op::create_table(
                    Table::new("pet_tags")
                        .column(Column::new("pet_id", Type::Integer).not_null())
                        .column(Column::new("tag", Type::Varchar(20)).not_null())
                        .column(Column::new("tagged_by", Type::BigInt))
                        .primary_key(["pet_id", "tag"])
                        .foreign_key(ForeignKey::new(["pet_id"], "pets", ["id"]))
                        .foreign_key(
                            ForeignKey::new(["tagged_by"], "people", ["id"])
                                .on_delete(FkAction::SetNull),
                        ),
                ),
            ],
        ),
        (
            "added columns",
            vec![
                // A unique column on a table whose unique constraint sorts after its own:
                // the PostgreSQL and MySQL renderers once gave it that constraint's name.
                op::add_column("people", Column::new("email", Type::Varchar(255)).unique()),
                op::add_column(
                    "pets",
                    Column::new("weight", Type::Numeric(5, 1))
                        .not_null()
                        .server_default(0),
                ),
            ],
        ),
        (
            "altered columns",
            vec![
                op::alter_column(
                    "people",
                    "bio",
                    AlterColumn::new()
                        .set_type(Type::Varchar(500))
                        .set_comment("about them"),
                ),
                op::alter_column("people", "score", AlterColumn::new().set_default(0)),
                op::alter_column("people", "name", AlterColumn::new().drop_comment()),
                op::alter_column("pets", "name", AlterColumn::new().not_null().drop_default()),
                op::alter_column(
                    "pet_tags",
                    "tag",
                    AlterColumn::new().set_type(Type::Varchar(40)),
                ),
            ],
        ),
        (
            "indexes and constraints added",
            vec![
                op::create_index("pets", Index::new(["name", "weight"]).name("pets_by_name")),
                op::create_check_constraint("pets", Check::new("weight_positive", "weight >= 0")),
                op::create_unique_constraint("pets", Unique::new(["owner_id", "name"])),
            ],
        ),
        (
            "a dropped column and a renamed one",
            vec![
                op::drop_column("people", "precise"),
                op::rename_column("people", "nick", "nickname"),
            ],
        ),
        ("a renamed table", vec![op::rename_table("pets", "animals")]),
        (
            "dropped indexes and constraints",
            vec![
                op::drop_constraint("animals", "uq_pets_owner_id_name"),
                op::drop_index("animals", "pets_by_name"),
                op::drop_constraint("pet_tags", "fk_pet_tags_tagged_by_people"),
            ],
        ),
        (
            "the enum column becomes text and the enum goes",
            vec![
                op::alter_column(
                    "people",
                    "mood",
                    AlterColumn::new().set_type(Type::Varchar(20)),
                ),
                op::drop_enum("mood"),
            ],
        ),
        ("a dropped table", vec![op::drop_table("pet_tags")]),
    ];
    if d != Dialect::Mysql {
        // MySQL has no partial indexes.
        steps.insert(
            5,
            (
                "a partial index",
                vec![op::create_index(
                    "people",
                    Index::new(["email"])
                        .unique()
                        .where_clause("email IS NOT NULL AND active"),
                )],
            ),
        );
    }
    check(db, "empty");
    for (what, ops) in &steps {
        db.migrate(ops);
        check(db, what);
    }
    for (what, _) in steps.iter().rev() {
        db.downgrade();
        check(db, &format!("{what}, downgraded"));
    }
    db.downgrade_all();
}

/// The engine's own tables are left out, whatever they are called.
fn the_tools_tables_are_left_out(db: &mut TestDb) {
    let config = Config {
        version_table: "shop_version".into(),
        history_table: "shop_history".into(),
        ..Config::default()
    };
    let conn = Connection::establish(db.url()).expect("connect");
    let mut engine = Engine::new(&migrations::MIGRATIONS, conn).with_config(config.clone());
    engine.upgrade().expect("upgrade to head");
    let live = introspect(db.conn(), &config).expect("introspect");
    let names: Vec<&String> = live.tables.keys().collect();
    assert_eq!(names, ["items", "orders", "shipping_addresses", "users"]);
    let with_defaults = introspect(db.conn(), &Config::default()).expect("introspect");
    assert!(with_defaults.tables.contains_key("shop_version"));
}

/// What the model cannot hold stops introspection with an error that names it.
fn unsupported_types_are_named(db: &mut TestDb) {
    let ty = match db.dialect() {
        Dialect::Sqlite => "POINT",
        Dialect::Postgres => "point",
        Dialect::Mysql => "POINT",
    };
    db.exec(&format!("CREATE TABLE odd (id INTEGER, p {ty})"));
    let err = introspect(db.conn(), &Config::default()).expect_err("point has no Type");
    let msg = err.to_string();
    assert!(msg.contains("column \"odd\".\"p\""), "{msg}");
    assert!(msg.to_ascii_lowercase().contains("point"), "{msg}");
}

/// Spellings written by hand rather than by the renderer map back by meaning.
fn hand_written_spellings(db: &mut TestDb) {
    let sql = match db.dialect() {
        Dialect::Sqlite => {
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT NOT NULL DEFAULT 0, b character varying(10), \
             c DATETIME, d REAL, e DECIMAL(8, 3), f BOOL DEFAULT 1, g TEXT UNIQUE, \
             h INTEGER REFERENCES t ON DELETE CASCADE, CHECK (a >= 0))"
        }
        Dialect::Postgres => {
            "CREATE TABLE t (id serial PRIMARY KEY, a int4 NOT NULL DEFAULT 0, b varchar(10), \
             c timestamp(3), d float4, e decimal(8, 3), f bool DEFAULT 't', g text UNIQUE, \
             h int REFERENCES t ON DELETE CASCADE, CHECK (a >= 0))"
        }
        Dialect::Mysql => {
            "CREATE TABLE t (id int AUTO_INCREMENT PRIMARY KEY, a integer NOT NULL DEFAULT 0, \
             b varchar(10), c datetime(3), d float, e decimal(8, 3), f bool DEFAULT 1, \
             g varchar(30) UNIQUE, h int, FOREIGN KEY (h) REFERENCES t (id) ON DELETE CASCADE, \
             CHECK (a >= 0))"
        }
    };
    db.exec(sql);
    let live = introspect(db.conn(), &Config::default()).expect("introspect");
    let t = live.table("t").expect("table t");
    let ty = |c: &str| t.get_column(c).map(|c| c.ty.clone());
    assert_eq!(ty("a"), Some(Type::Integer));
    assert_eq!(ty("b"), Some(Type::Varchar(10)));
    assert_eq!(ty("c"), Some(Type::Timestamp));
    assert_eq!(ty("d"), Some(Type::Float));
    assert_eq!(ty("e"), Some(Type::Numeric(8, 3)));
    assert_eq!(ty("f"), Some(Type::Boolean));
    assert_eq!(
        t.get_column("a").and_then(|c| c.default.clone()),
        Some(DefaultValue::Value(Value::Int(0)))
    );
    assert_eq!(
        t.get_column("f").and_then(|c| c.default.clone()),
        Some(DefaultValue::Value(Value::Bool(true)))
    );
    assert!(!t.get_column("a").expect("a").nullable);
    if db.dialect() != Dialect::Sqlite {
        // A SQLite INTEGER PRIMARY KEY is a rowid alias, not AUTOINCREMENT.
        assert!(t.get_column("id").expect("id").autoincrement);
    }
    assert_eq!(
        t.primary_key.as_ref().map(|p| p.columns.clone()),
        Some(vec!["id".to_owned()])
    );
    assert_eq!(t.uniques.len(), 1);
    assert_eq!(t.uniques[0].columns, ["g"]);
    assert_eq!(t.foreign_keys.len(), 1);
    assert_eq!(t.foreign_keys[0].ref_columns, ["id"]);
    assert_eq!(t.foreign_keys[0].on_delete, FkAction::Cascade);
    assert_eq!(t.checks.len(), 1);
    assert!(t.indexes.is_empty(), "{:?}", t.indexes);
}

migrate_tests::backend_tests!(
    shop_every_revision,
    chain_every_25th_revision,
    every_kind_of_object,
    the_tools_tables_are_left_out,
    unsupported_types_are_named,
    hand_written_spellings,
);

/// A database of many tables (10 columns, 2 indexes and a foreign key each: the diff
/// benchmark's schema) is read back exactly, and the time it takes is printed (median of
/// 3; seen with `--nocapture`). 100 tables by default, so that it runs with every test run;
/// `INTROSPECT_TABLES=1000` gives the figure BENCHMARKS.md quotes:
/// `INTROSPECT_TABLES=1000 cargo test -p migrate-tests --features postgres,mysql --test introspect many_tables -- --nocapture`.
fn many_tables(db: &mut TestDb) {
    let d = db.dialect();
    let n: usize = std::env::var("INTROSPECT_TABLES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100);
    let mut schema = Schema::new();
    let mut ops = Vec::new();
    for i in 0..n {
        let mut t = Table::new(format!("t{i:04}"))
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
            t = t.foreign_key(ForeignKey::new(["c9"], format!("t{:04}", i - 1), ["id"]));
        }
        ops.push(op::create_table(t));
    }
    let statements = migrate_runtime::diff::render(d, &schema, &ops).expect("the tables render");
    let batch: Vec<String> = statements.iter().map(ToString::to_string).collect();
    db.exec(&batch.join("\n"));
    for op in &ops {
        schema.apply(op).expect("valid");
    }
    let mut times = Vec::new();
    let mut live = Schema::new();
    for _ in 0..3 {
        let start = std::time::Instant::now();
        live = introspect(db.conn(), &Config::default()).expect("introspect");
        times.push(start.elapsed());
    }
    times.sort();
    eprintln!(
        "{d}: introspecting {n} tables ({} columns, {} indexes, {} foreign keys): {:.0} ms (median of 3)",
        n * 10,
        n * 2,
        n.saturating_sub(1),
        times[1].as_secs_f64() * 1e3
    );
    assert_same(&schema.as_stored_by(d), &live, &format!("{d}: {n} tables"));
}

#[cfg(feature = "sqlite")]
#[test]
fn sqlite_many_tables() {
    migrate_tests::run_scenario(
        migrate_tests::Backend::Sqlite,
        "sqlite_many_tables",
        many_tables,
    );
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_many_tables() {
    migrate_tests::run_scenario(
        migrate_tests::Backend::Postgres,
        "postgres_many_tables",
        many_tables,
    );
}

#[cfg(feature = "mysql")]
#[test]
fn mysql_many_tables() {
    migrate_tests::run_scenario(
        migrate_tests::Backend::Mysql,
        "mysql_many_tables",
        many_tables,
    );
}
