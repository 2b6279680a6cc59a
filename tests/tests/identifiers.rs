//! Hostile identifiers on every backend: a table named `order`, columns with a double
//! quote, a backtick, an apostrophe and non-ASCII letters, an enum with such labels; created,
//! filled, changed (SQLite rebuilds included), read back and downgraded.

use migrate_runtime::dialect::Dialect;
use migrate_runtime::prelude::*;
use migrate_tests::{backend_tests, row, TestDb};

backend_tests!(hostile_identifiers);

const NAME: &str = "user \"name\"";
const TICK: &str = "back`tick";
const UNICODE: &str = "prénom_名前";

fn hostile_identifiers(db: &mut TestDb) {
    let d = db.dialect();
    let mood = EnumType::new("mood \"x\" `y`", ["it's", "back\\slash", "ünï"]);
    db.migrate(&[
        op::create_enum(mood.clone()),
        op::create_table(
            Table::new("order")
                .column(
                    Column::new("id", Type::Integer)
                        .primary_key()
                        .autoincrement(),
                )
                .column(
                    Column::new(NAME, Type::Text)
                        .not_null()
                        .comment("it's \"the\" name"),
                )
                .column(Column::new(TICK, Type::Integer).server_default(7))
                .column(Column::new(UNICODE, Type::Varchar(20)).unique())
                .column(Column::new("it's", Type::Enum(mood.clone())).server_default("it's"))
                .index(Index::new([TICK, UNICODE]))
                .check(Check::new("ok \"1\" `2`", "1 = 1"))
                .comment("the `order` table's \"comment\""),
        ),
        op::create_table(
            Table::new("línea \"x\"")
                .column(Column::new("order", Type::Integer).not_null())
                .column(Column::new("select", Type::Text))
                .foreign_key(
                    ForeignKey::new(["order"], "order", ["id"]).on_delete(FkAction::Cascade),
                ),
        ),
    ]);
    db.migrate_with_down(
        &[
            op::bulk_insert(
                "order",
                ["id", NAME, TICK, UNICODE, "it's"],
                vec![
                    vec![
                        1.into(),
                        "O'Hara \"Q\"".into(),
                        1.into(),
                        "é名".into(),
                        "back\\slash".into(),
                    ],
                    vec![
                        2.into(),
                        "`tick` \\".into(),
                        Value::Null,
                        Value::Null,
                        "ünï".into(),
                    ],
                ],
            ),
            op::bulk_insert(
                "línea \"x\"",
                ["order", "select"],
                vec![vec![1.into(), "a".into()], vec![2.into(), "b".into()]],
            ),
        ],
        vec![delete_all("línea \"x\""), delete_all("order")],
    );
    let cols = ["id", NAME, TICK, UNICODE, "it's"];
    let rows = vec![
        row!["1", "O'Hara \"Q\"", "1", "é名", "back\\slash"],
        row!["2", "`tick` \\", None, None, "ünï"],
    ];
    assert_eq!(db.rows("order", &cols, "id"), rows);

    // Changes that rebuild the table on SQLite, and renames.
    db.exec(&format!(
        "UPDATE {} SET {} = 0 WHERE {} IS NULL",
        d.quote("order"),
        d.quote(TICK),
        d.quote(TICK)
    ));
    db.migrate(&[
        op::rename_column("order", NAME, "user's name"),
        op::alter_column(
            "order",
            TICK,
            AlterColumn::new()
                .set_type(Type::BigInt)
                .not_null()
                .set_default(8),
        ),
        op::add_column(
            "order",
            Column::new("naïve \"ñ\"", Type::Boolean)
                .not_null()
                .server_default(true),
        ),
        op::create_index(
            "order",
            Index::new(["user's name"]).name("ix \"quoted\" `name`"),
        ),
        op::drop_constraint("order", "ck_order_ok \"1\" `2`"),
    ]);
    let cols = ["id", "user's name", TICK, UNICODE, "it's", "naïve \"ñ\""];
    let rows = vec![
        row!["1", "O'Hara \"Q\"", "1", "é名", "back\\slash", "1"],
        row!["2", "`tick` \\", "0", None, "ünï", "1"],
    ];
    assert_eq!(db.rows("order", &cols, "id"), rows);
    db.migrate(&[op::rename_table("order", "select")]);
    assert_eq!(db.rows("select", &cols, "id"), rows);
    db.exec(&format!(
        "DELETE FROM {} WHERE {} = 2",
        d.quote("select"),
        d.quote("id")
    ));
    assert_eq!(
        db.rows("línea \"x\"", &["order", "select"], "order"),
        vec![row!["1", "a"]]
    );
    db.downgrade_all();
}

/// Deletes every row of `table` (the hand-written downgrade of a `bulk_insert`).
fn delete_all(table: &str) -> Op {
    op::execute(
        Sql::new(format!("DELETE FROM {}", Dialect::Sqlite.quote(table))).on(
            Dialect::Mysql,
            format!("DELETE FROM {}", Dialect::Mysql.quote(table)),
        ),
    )
}
