//! Diffs applied to real databases, on every backend compiled in: the database moves through
//! a series of desired states, each reached by rendering and running `diff(current,
//! desired)`; after each, the introspected database is the desired state as the backend
//! stores it, a second diff is empty, and the derived downgrade of the diff's ops takes the
//! database back. The states change what autogenerate must handle: tables added and
//! dropped (with foreign keys between them), columns added, dropped and altered (type,
//! nullability, default), a key column's type under a foreign key, indexes, unique and
//! check constraints, enum labels.

use std::collections::BTreeSet;

use migrate_runtime::diff::{diff, diff_with_notes, DiffScope};
use migrate_runtime::engine::Config;
use migrate_runtime::introspect::introspect;
use migrate_runtime::prelude::*;
use migrate_runtime::schema::Schema;
use migrate_tests::TestDb;

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
}

fn live(db: &mut TestDb) -> Schema {
    introspect(db.conn(), &Config::default()).expect("introspect")
}

/// Moves the database to `target` with the diff's ops, checks it, checks that the derived
/// downgrade of those ops takes it back, and moves it to `target` again.
fn converge(db: &mut TestDb, target: &Schema, what: &str) {
    let d = db.dialect();
    let before = live(db);
    let ops = diff(&db.schema, target, &DiffScope::all());
    assert!(!ops.is_empty(), "{what}: nothing to do");
    if std::env::var_os("DIFF_TRACE").is_some() {
        eprintln!("== {what}");
        for s in migrate_runtime::dialect::render(d, &db.schema, &ops).unwrap() {
            eprintln!("{s}");
        }
    }
    db.migrate(&ops);
    assert_same(&target.as_stored_by(d), &live(db), &format!("{d}: {what}"));
    assert!(
        diff(&db.schema, target, &DiffScope::all()).is_empty(),
        "{d}: {what}: a second diff is not empty"
    );
    db.downgrade();
    assert_same(&before, &live(db), &format!("{d}: {what}, downgraded"));
    db.migrate(&ops);
    assert_same(
        &target.as_stored_by(d),
        &live(db),
        &format!("{d}: {what}, again"),
    );
}

fn state(ops: Vec<Op>) -> Schema {
    Schema::replay(&ops).expect("a valid desired state")
}

fn users(id: Type) -> Table {
    Table::new("users")
        .column(Column::new("id", id).primary_key().autoincrement())
        .column(Column::new("email", Type::Varchar(255)).not_null().unique())
}

fn first() -> Schema {
    state(vec![
        op::create_table(users(Type::Integer).column(Column::new("name", Type::Varchar(100)))),
        op::create_table(
            Table::new("items")
                .column(
                    Column::new("id", Type::Integer)
                        .primary_key()
                        .autoincrement(),
                )
                .column(Column::new("name", Type::Varchar(255)).not_null())
                .column(Column::new("price", Type::Integer).not_null())
                .check(Check::new("price", "price >= 0")),
        ),
        op::create_table(
            Table::new("orders")
                .column(
                    Column::new("id", Type::Integer)
                        .primary_key()
                        .autoincrement(),
                )
                .column(Column::new("user_id", Type::Integer).not_null())
                .column(Column::new("item_id", Type::Integer))
                .column(
                    Column::new("qty", Type::Integer)
                        .not_null()
                        .server_default(1),
                )
                .column(Column::new("status", Type::Varchar(20)).server_default("new"))
                .column(
                    Column::new("created_at", Type::Timestamp)
                        .not_null()
                        .server_default(DefaultValue::sql("CURRENT_TIMESTAMP")),
                )
                .foreign_key(
                    ForeignKey::new(["user_id"], "users", ["id"]).on_delete(FkAction::Cascade),
                )
                .foreign_key(ForeignKey::new(["item_id"], "items", ["id"]))
                .index(Index::new(["user_id"]))
                .index(Index::new(["item_id"])),
        ),
    ])
}

/// Keys widened under a foreign key, a column renamed (drop + add), defaults, nullability
/// and lengths changed, indexes and constraints changed, two new tables that reference each
/// other in creation order (`a_tags` references `reviews`).
fn second() -> Schema {
    state(vec![
        op::create_table(
            users(Type::BigInt).column(Column::new("display_name", Type::Varchar(100))),
        ),
        op::create_table(
            Table::new("items")
                .column(
                    Column::new("id", Type::Integer)
                        .primary_key()
                        .autoincrement(),
                )
                .column(Column::new("name", Type::Varchar(255)).not_null())
                .column(Column::new("price", Type::Integer).not_null())
                .column(
                    Column::new("sku", Type::Char(12))
                        .not_null()
                        .server_default("none")
                        .comment("stock keeping unit"),
                )
                .check(Check::new("price", "price > 0")),
        ),
        op::create_table(
            Table::new("orders")
                .column(
                    Column::new("id", Type::Integer)
                        .primary_key()
                        .autoincrement(),
                )
                .column(Column::new("user_id", Type::BigInt).not_null())
                .column(Column::new("item_id", Type::Integer))
                .column(Column::new("qty", Type::Integer).server_default(2))
                .column(
                    Column::new("status", Type::Varchar(40))
                        .not_null()
                        .server_default("new"),
                )
                .column(
                    Column::new("created_at", Type::Timestamp)
                        .not_null()
                        .server_default(DefaultValue::sql("CURRENT_TIMESTAMP")),
                )
                .foreign_key(
                    ForeignKey::new(["user_id"], "users", ["id"]).on_delete(FkAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::new(["item_id"], "items", ["id"]).on_delete(FkAction::SetNull),
                )
                .index(Index::new(["user_id", "created_at"]))
                .index(Index::new(["item_id"]))
                .unique(Unique::new(["user_id", "item_id"])),
        ),
        op::create_table(
            Table::new("reviews")
                .column(
                    Column::new("id", Type::Integer)
                        .primary_key()
                        .autoincrement(),
                )
                .column(Column::new("order_id", Type::Integer).not_null())
                .column(Column::new("body", Type::Text))
                .column(Column::new("rating", Type::SmallInt).not_null())
                .foreign_key(
                    ForeignKey::new(["order_id"], "orders", ["id"]).on_delete(FkAction::Cascade),
                )
                .index(Index::new(["order_id"]))
                .check(Check::new("rating", "rating >= 1 AND rating <= 5")),
        ),
        op::create_table(
            Table::new("a_tags")
                .column(Column::new("review_id", Type::Integer).not_null())
                .column(Column::new("tag", Type::Varchar(30)).not_null())
                .primary_key(["review_id", "tag"])
                .foreign_key(ForeignKey::new(["review_id"], "reviews", ["id"])),
        ),
    ])
}

/// `items` goes (and the key to it), `orders.status` becomes an enum.
fn third(labels: &[&str]) -> Schema {
    let status = EnumType::new("order_status", labels.iter().copied());
    state(vec![
        op::create_enum(status.clone()),
        op::create_table(
            users(Type::BigInt).column(Column::new("display_name", Type::Varchar(100))),
        ),
        op::create_table(
            Table::new("orders")
                .column(
                    Column::new("id", Type::Integer)
                        .primary_key()
                        .autoincrement(),
                )
                .column(Column::new("user_id", Type::BigInt).not_null())
                .column(
                    Column::new("status", Type::Enum(status))
                        .not_null()
                        .server_default("new"),
                )
                .foreign_key(
                    ForeignKey::new(["user_id"], "users", ["id"]).on_delete(FkAction::Cascade),
                )
                .index(Index::new(["user_id"])),
        ),
        // The key keeps an index: on MySQL, dropping the last index a foreign key can use
        // leaves an index the model does not know (see `mysql_fk_index_leak` below).
        op::create_table(
            Table::new("reviews")
                .column(
                    Column::new("id", Type::Integer)
                        .primary_key()
                        .autoincrement(),
                )
                .column(Column::new("order_id", Type::Integer).not_null())
                .column(Column::new("rating", Type::SmallInt).not_null())
                .foreign_key(
                    ForeignKey::new(["order_id"], "orders", ["id"]).on_delete(FkAction::Cascade),
                )
                .index(Index::new(["order_id", "rating"])),
        ),
    ])
}

fn a_series_of_states(db: &mut TestDb) {
    converge(db, &first(), "first state");
    let (_, notes) = diff_with_notes(&db.schema, &second(), &DiffScope::all());
    assert!(
        notes
            .iter()
            .any(|n| n.contains("op::rename_column(\"users\", \"name\", \"display_name\")")),
        "{notes:?}"
    );
    converge(db, &second(), "second state");
    converge(db, &third(&["new", "paid"]), "third state");
    converge(db, &third(&["new", "paid", "shipped"]), "enum labels added");
    converge(db, &first(), "back to the first state");
    converge(db, &Schema::new(), "empty");
    db.downgrade_all();
}

/// Every column of a table replaced, and an autoincrement key that stops being one.
fn every_column_replaced(db: &mut TestDb) {
    let a = state(vec![op::create_table(
        Table::new("t")
            .column(
                Column::new("id", Type::Integer)
                    .primary_key()
                    .autoincrement(),
            )
            .column(Column::new("a", Type::Text)),
    )]);
    let b = state(vec![op::create_table(
        Table::new("t")
            .column(Column::new("id", Type::BigInt).primary_key())
            .column(Column::new("b", Type::Varchar(10))),
    )]);
    converge(db, &a, "a");
    converge(db, &b, "every column replaced");
}

/// Under `DiffScope::models()`, what diesel cannot see is not a difference: the head's
/// indexes, constraint names and actions, defaults, lengths.
fn models_see_less(db: &mut TestDb) {
    converge(db, &second(), "second state");
    let mut models = second();
    for t in models.tables.values_mut() {
        t.indexes.clear();
        t.uniques.clear();
        t.checks.clear();
        for c in &mut t.columns {
            c.default = None;
            c.comment = None;
            c.autoincrement = false;
            if matches!(c.ty, Type::Varchar(_) | Type::Char(_)) {
                c.ty = Type::Text;
            }
        }
        for fk in &mut t.foreign_keys {
            fk.on_delete = FkAction::NoAction;
            fk.name = format!("renamed_{}", fk.name);
        }
    }
    assert_eq!(
        diff(&db.schema, &models, &DiffScope::models()),
        Vec::<Op>::new()
    );
    // A new column in the models is one op, applied as any other.
    let t = models.tables.get_mut("reviews").expect("reviews");
    t.columns.push(Column::new("helpful", Type::Boolean));
    let ops = diff(&db.schema, &models, &DiffScope::models());
    assert_eq!(
        ops,
        [op::add_column(
            "reviews",
            Column::new("helpful", Type::Boolean)
        )]
    );
    db.migrate(&ops);
    let d = db.dialect();
    let t = live(db);
    assert!(t
        .table("reviews")
        .and_then(|r| r.get_column("helpful"))
        .is_some());
    assert_same(
        &db.schema.as_stored_by(d),
        &t,
        &format!("{d}: after the models' op"),
    );
}

migrate_tests::backend_tests!(a_series_of_states, every_column_replaced, models_see_less);

/// Dropping the last index a foreign key can use makes the MySQL renderer keep an index
/// named after the key (MySQL refuses to leave the key without one); creating an index over
/// the key's columns again drops that one in the same statement, so a second drop of the
/// new index works ("Duplicate key name 'fk_orders_user_id_users'" before that fix). The
/// same steps on every backend.
fn fk_index_leak(db: &mut TestDb) {
    db.migrate(&[
        op::create_table(
            Table::new("users").column(Column::new("id", Type::Integer).primary_key()),
        ),
        op::create_table(
            Table::new("orders")
                .column(Column::new("id", Type::Integer).primary_key())
                .column(Column::new("user_id", Type::Integer))
                .foreign_key(ForeignKey::new(["user_id"], "users", ["id"]))
                .index(Index::new(["user_id"])),
        ),
    ]);
    db.migrate(&[op::drop_index("orders", "ix_orders_user_id")]);
    db.migrate(&[op::create_index("orders", Index::new(["user_id"]))]);
    db.migrate(&[op::drop_index("orders", "ix_orders_user_id")]);
    // No index the model does not know is left behind.
    let d = db.dialect();
    let live = live(db);
    assert_same(
        &db.schema.as_stored_by(d),
        &live,
        &format!("{d}: after the drops"),
    );
}

#[cfg(feature = "mysql")]
#[test]
fn mysql_fk_index_leak() {
    migrate_tests::run_scenario(
        migrate_tests::Backend::Mysql,
        "mysql_fk_index_leak",
        fk_index_leak,
    );
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_fk_index_leak() {
    migrate_tests::run_scenario(
        migrate_tests::Backend::Postgres,
        "postgres_fk_index_leak",
        fk_index_leak,
    );
}

#[cfg(feature = "sqlite")]
#[test]
fn sqlite_fk_index_leak() {
    migrate_tests::run_scenario(
        migrate_tests::Backend::Sqlite,
        "sqlite_fk_index_leak",
        fk_index_leak,
    );
}
