//! Every op kind, rendered for each backend and run on a real database: the data written
//! before each non-destructive change is read back after it, and every migration's derived
//! downgrade is run at the end until the database is empty again.

use migrate_runtime::dialect::{render, Dialect, RenderError, Statement};
use migrate_runtime::prelude::*;
use migrate_tests::{backend_tests, row, MigrateError, TestDb};

backend_tests!(
    every_type_and_value,
    columns_keep_their_data,
    constraints,
    tables_and_indexes,
    enums,
    execute_steps,
    checks_follow_renamed_columns,
);

fn status() -> EnumType {
    EnumType::new("status", ["pending", "paid", "shipped"])
}

/// The text every backend must store and give back unchanged.
const HOSTILE_TEXT: &str = "it's a \\ back\\slash, a \"quote\", a `tick` and ünïcödé 名前 \\'";

/// Deletes every row of `table` (the hand-written downgrade of a `bulk_insert`).
fn delete_all(table: &str) -> Op {
    op::execute(
        Sql::new(format!("DELETE FROM {}", Dialect::Sqlite.quote(table))).on(
            Dialect::Mysql,
            format!("DELETE FROM {}", Dialect::Mysql.quote(table)),
        ),
    )
}

fn every_type_and_value(db: &mut TestDb) {
    let d = db.dialect();
    let mut table = Table::new("every_type")
        .column(
            Column::new("id", Type::BigInt)
                .primary_key()
                .autoincrement(),
        )
        .column(
            Column::new("integer", Type::Integer)
                .not_null()
                .server_default(0),
        )
        .column(Column::new("small", Type::SmallInt))
        .column(Column::new("text", Type::Text).server_default("it's"))
        .column(Column::new("varchar", Type::Varchar(200)).unique())
        .column(Column::new("char", Type::Char(2)))
        .column(
            Column::new("boolean", Type::Boolean)
                .not_null()
                .server_default(false),
        )
        .column(Column::new("float", Type::Float))
        .column(Column::new("double", Type::Double).server_default(1.5))
        .column(Column::new("numeric", Type::Numeric(12, 3)))
        .column(Column::new("date", Type::Date))
        .column(Column::new("time", Type::Time))
        .column(
            Column::new("timestamp", Type::Timestamp)
                .server_default(DefaultValue::sql("CURRENT_TIMESTAMP")),
        )
        .column(Column::new("timestamptz", Type::TimestampTz))
        .column(Column::new("binary", Type::Binary))
        .column(Column::new("json", Type::Json))
        .column(Column::new("uuid", Type::Uuid))
        .column(Column::new("status", Type::Enum(status())).server_default("paid"))
        .column(Column::new("big", Type::BigInt))
        .check(Check::new("small_positive", "small > 0"))
        .index(Index::new(["integer", "small"]))
        .index(Index::new(["uuid"]).unique())
        .comment("every column type");
    let partial = Index::new(["date"])
        .name("ix_recent")
        .where_clause("small > 10");
    if d == Dialect::Mysql {
        // MySQL has no partial index: a clear error, not a silent index on every row.
        let with_partial = table.clone().index(partial);
        let err = render(
            d,
            &db.schema,
            &[op::create_enum(status()), op::create_table(with_partial)],
        )
        .unwrap_err();
        assert!(
            matches!(&err, RenderError::Unsupported { .. })
                && err.to_string().contains("MySQL has no partial indexes"),
            "{err}"
        );
    } else {
        table = table.index(partial);
    }
    db.migrate(&[op::create_enum(status()), op::create_table(table)]);

    // The key is generated when not given.
    let t = d.quote("every_type");
    db.exec(&format!(
        "INSERT INTO {t} ({}) VALUES (7)",
        d.quote("integer")
    ));
    assert_eq!(
        db.rows("every_type", &["id", "integer"], "id"),
        vec![row!["1", "7"]]
    );

    let full = vec![
        Value::Int(5),
        Value::Int(i32::MIN.into()),
        Value::Int(i16::MAX.into()),
        HOSTILE_TEXT.into(),
        "ünï'\\".into(),
        "ab".into(),
        true.into(),
        0.5.into(),
        2.25.into(),
        12.5.into(),
        "2024-02-29".into(),
        "13:45:00".into(),
        "2024-02-29 13:45:00".into(),
        "2024-02-29 13:45:00".into(),
        vec![0u8, 0x27, 0x5c, 0x22, 0x60, 0xff].into(),
        r#"{"a": [1, "it's \\ ok"]}"#.into(),
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11".into(),
        "shipped".into(),
        Value::Int(i64::MIN),
    ];
    let all_columns = [
        "id",
        "integer",
        "small",
        "text",
        "varchar",
        "char",
        "boolean",
        "float",
        "double",
        "numeric",
        "date",
        "time",
        "timestamp",
        "timestamptz",
        "binary",
        "json",
        "uuid",
        "status",
        "big",
    ];
    db.migrate_with_down(
        &[
            op::bulk_insert("every_type", all_columns, vec![full]),
            // Only the key: every other column takes its default or NULL.
            op::bulk_insert("every_type", ["id"], vec![vec![2.into()], vec![3.into()]]),
            op::bulk_insert(
                "every_type",
                ["id", "text", "boolean", "binary", "big"],
                vec![vec![
                    4.into(),
                    Value::Null,
                    false.into(),
                    Vec::<u8>::new().into(),
                    i64::MAX.into(),
                ]],
            ),
        ],
        vec![delete_all("every_type")],
    );

    let numeric = if d == Dialect::Sqlite {
        "12.5"
    } else {
        "12.500"
    };
    let timestamptz = match d {
        Dialect::Postgres => "2024-02-29 13:45:00+00",
        _ => "2024-02-29 13:45:00",
    };
    let mut cols = all_columns.to_vec();
    cols.retain(|c| *c != "timestamp");
    let rows = db.rows("every_type", &cols, "id");
    let defaults = |id: &str, integer: &str| {
        row![
            id, integer, None, "it's", None, None, "0", None, "1.5", None, None, None, None, None,
            None, None, "paid", None
        ]
    };
    let mut four = defaults("4", "0");
    four[3] = None;
    four[13] = Some(String::new());
    four[17] = Some(i64::MAX.to_string());
    assert_eq!(
        rows,
        vec![
            defaults("1", "7"),
            defaults("2", "0"),
            defaults("3", "0"),
            four,
            row![
                "5",
                "-2147483648",
                "32767",
                HOSTILE_TEXT,
                "ünï'\\",
                "ab",
                "1",
                "0.5",
                "2.25",
                numeric,
                "2024-02-29",
                "13:45:00",
                timestamptz,
                "00275c2260ff",
                r#"{"a": [1, "it's \\ ok"]}"#,
                "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
                "shipped",
                i64::MIN.to_string()
            ],
        ]
    );
    let ts = db.rows("every_type", &["timestamp"], "id");
    assert_eq!(ts[4], row!["2024-02-29 13:45:00"]);
    assert!(
        ts[..4].iter().all(|r| r[0].is_some()),
        "CURRENT_TIMESTAMP default: {ts:?}"
    );

    // The constraints hold.
    db.exec_err(&format!(
        "INSERT INTO {t} ({}, {}) VALUES (10, 0)",
        d.quote("id"),
        d.quote("small")
    ));
    db.exec_err(&format!(
        "INSERT INTO {t} ({}, {}) VALUES (11, {})",
        d.quote("id"),
        d.quote("varchar"),
        d.string_literal("ünï'\\")
    ));
    db.exec_err(&format!(
        "INSERT INTO {t} ({}, {}) VALUES (12, 'lost')",
        d.quote("id"),
        d.quote("status")
    ));

    db.downgrade_all();
}

fn columns_keep_their_data(db: &mut TestDb) {
    let d = db.dialect();
    db.migrate(&[op::create_table(
        Table::new("people")
            .column(Column::new("id", Type::Integer).primary_key())
            .column(Column::new("name", Type::Varchar(100)))
            .column(Column::new("age", Type::Integer))
            .column(Column::new("score", Type::Double).comment("points")),
    )]);
    db.migrate_with_down(
        &[op::bulk_insert(
            "people",
            ["id", "name", "age", "score"],
            vec![
                vec![1.into(), "Ann O'Neil".into(), 31.into(), 1.5.into()],
                vec![2.into(), "back\\slash".into(), 42.into(), Value::Null],
                vec![3.into(), "Zoë".into(), Value::Null, 0.25.into()],
            ],
        )],
        vec![delete_all("people")],
    );
    let base = vec![
        row!["1", "Ann O'Neil", "31", "1.5"],
        row!["2", "back\\slash", "42", None],
        row!["3", "Zoë", None, "0.25"],
    ];
    assert_eq!(
        db.rows("people", &["id", "name", "age", "score"], "id"),
        base
    );

    // add_column: plain, not null with a default, unique, with a SQL default.
    let statements = db.migrate(&[
        op::add_column("people", Column::new("nickname", Type::Text)),
        op::add_column(
            "people",
            Column::new("active", Type::Boolean)
                .not_null()
                .server_default(true),
        ),
        op::add_column("people", Column::new("code", Type::Varchar(20)).unique()),
        op::add_column(
            "people",
            Column::new("created_at", Type::Timestamp)
                .not_null()
                .server_default(DefaultValue::sql("CURRENT_TIMESTAMP")),
        ),
    ]);
    if d == Dialect::Sqlite {
        assert_eq!(
            rebuilds(&statements),
            1,
            "one rebuild for the run: {statements:#?}"
        );
    }
    let cols = ["id", "name", "age", "score", "nickname", "active", "code"];
    let with_new = |base: &[Vec<Option<String>>]| -> Vec<Vec<Option<String>>> {
        base.iter()
            .map(|r| {
                let mut r = r.clone();
                r.extend(row![None, "1", None]);
                r
            })
            .collect()
    };
    assert_eq!(db.rows("people", &cols, "id"), with_new(&base));
    let p = d.quote("people");
    assert_eq!(
        db.count(&format!(
            "SELECT COUNT(*) FROM {p} WHERE {} IS NULL",
            d.quote("created_at")
        )),
        0
    );
    db.exec(&format!(
        "UPDATE {p} SET {} = 'A' WHERE {} = 1",
        d.quote("code"),
        d.quote("id")
    ));
    db.exec_err(&format!(
        "UPDATE {p} SET {} = 'A' WHERE {} = 2",
        d.quote("code"),
        d.quote("id")
    ));
    db.exec(&format!("UPDATE {p} SET {} = NULL", d.quote("code")));

    // alter_column: rename.
    db.migrate(&[op::rename_column("people", "name", "full_name")]);
    let cols = [
        "id",
        "full_name",
        "age",
        "score",
        "nickname",
        "active",
        "code",
    ];
    assert_eq!(db.rows("people", &cols, "id"), with_new(&base));

    // alter_column: type (wider integer, longer text, integer to text).
    db.migrate(&[
        op::alter_column("people", "age", AlterColumn::new().set_type(Type::BigInt)),
        op::alter_column(
            "people",
            "full_name",
            AlterColumn::new().set_type(Type::Varchar(300)),
        ),
        op::alter_column("people", "code", AlterColumn::new().set_type(Type::Text)),
    ]);
    assert_eq!(db.rows("people", &cols, "id"), with_new(&base));

    // alter_column: nullability both ways.
    db.migrate(&[
        op::alter_column("people", "full_name", AlterColumn::new().not_null()),
        op::alter_column("people", "active", AlterColumn::new().nullable()),
    ]);
    assert_eq!(db.rows("people", &cols, "id"), with_new(&base));
    db.exec_err(&format!("INSERT INTO {p} ({}) VALUES (9)", d.quote("id")));

    // alter_column: set and drop defaults.
    db.migrate(&[
        op::alter_column("people", "nickname", AlterColumn::new().set_default("anon")),
        op::alter_column("people", "active", AlterColumn::new().drop_default()),
    ]);
    assert_eq!(db.rows("people", &cols, "id"), with_new(&base));
    db.exec(&format!(
        "INSERT INTO {p} ({}, {}) VALUES (9, 'new')",
        d.quote("id"),
        d.quote("full_name")
    ));
    assert_eq!(
        db.rows("people", &["nickname", "active"], "id")[3],
        row!["anon", None]
    );
    db.exec(&format!("DELETE FROM {p} WHERE {} = 9", d.quote("id")));

    // alter_column: comments.
    db.migrate(&[
        op::alter_column(
            "people",
            "full_name",
            AlterColumn::new().set_comment("it's the name"),
        ),
        op::alter_column("people", "score", AlterColumn::new().drop_comment()),
    ]);
    assert_eq!(
        comment(db, "people", "full_name").as_deref(),
        supported(d, "it's the name")
    );
    assert_eq!(comment(db, "people", "score"), None);
    assert_eq!(db.rows("people", &cols, "id"), with_new(&base));

    // Not null on a column holding a NULL fails, and the migration changes nothing.
    let not_null = [op::alter_column(
        "people",
        "age",
        AlterColumn::new().not_null(),
    )];
    assert!(matches!(
        db.try_migrate(&not_null),
        Err(MigrateError::Run(_))
    ));
    assert_eq!(db.rows("people", &cols, "id"), with_new(&base));
    db.exec(&format!(
        "UPDATE {p} SET {} = 0 WHERE {} IS NULL",
        d.quote("age"),
        d.quote("age")
    ));

    // Everything at once.
    db.migrate(&[op::alter_column(
        "people",
        "age",
        AlterColumn::new()
            .rename("years")
            .set_type(Type::Integer)
            .not_null()
            .set_default(18)
            .set_comment("in years"),
    )]);
    let zero_base: Vec<_> = base
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r[2].get_or_insert_with(|| "0".into());
            r
        })
        .collect();
    let cols = [
        "id",
        "full_name",
        "years",
        "score",
        "nickname",
        "active",
        "code",
    ];
    assert_eq!(db.rows("people", &cols, "id"), with_new(&zero_base));
    assert_eq!(
        comment(db, "people", "years").as_deref(),
        supported(d, "in years")
    );

    // drop_column.
    db.migrate(&[
        op::drop_column("people", "nickname"),
        op::drop_constraint("people", "uq_people_code"),
        op::drop_column("people", "code"),
    ]);
    let cols = ["id", "full_name", "years", "score", "active"];
    let expected: Vec<_> = zero_base
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.push(Some("1".into()));
            r
        })
        .collect();
    assert_eq!(db.rows("people", &cols, "id"), expected);

    // Downgrades, one at a time: the rows survive every non-destructive one.
    db.downgrade(); // drop_column: the columns come back, with their defaults
    assert_eq!(
        db.rows("people", &["id", "nickname", "code"], "id"),
        vec![
            row!["1", "anon", None],
            row!["2", "anon", None],
            row!["3", "anon", None]
        ]
    );
    db.downgrade(); // everything at once
    let cols = ["id", "full_name", "age", "score", "active"];
    assert_eq!(
        db.rows("people", &cols, "id"),
        zero_base
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r.push(Some("1".into()));
                r
            })
            .collect::<Vec<_>>()
    );
    assert_eq!(comment(db, "people", "age"), None);
    db.downgrade(); // comments
    assert_eq!(comment(db, "people", "full_name"), None);
    assert_eq!(
        comment(db, "people", "score").as_deref(),
        supported(d, "points")
    );
    db.downgrade(); // defaults
    db.downgrade(); // nullability
    db.downgrade(); // types
    db.downgrade(); // rename
    assert_eq!(db.rows("people", &["id", "name", "score"], "id").len(), 3);
    db.downgrade(); // add_column
    assert_eq!(
        db.rows("people", &["id", "name", "score"], "id"),
        base.iter()
            .map(|r| vec![r[0].clone(), r[1].clone(), r[3].clone()])
            .collect::<Vec<_>>()
    );
    db.downgrade_all();
}

fn constraints(db: &mut TestDb) {
    let d = db.dialect();
    db.migrate(&[
        op::create_table(
            Table::new("customers")
                .column(Column::new("id", Type::Integer).primary_key())
                .column(Column::new("email", Type::Varchar(100)).not_null()),
        ),
        op::create_table(
            Table::new("coupons").column(Column::new("id", Type::Integer).primary_key()),
        ),
        op::create_table(
            Table::new("orders")
                .column(Column::new("id", Type::Integer).primary_key())
                .column(Column::new("customer_id", Type::Integer).not_null())
                .column(Column::new("coupon_id", Type::Integer))
                .column(Column::new("qty", Type::Integer).not_null())
                .foreign_key(
                    ForeignKey::new(["customer_id"], "customers", ["id"])
                        .on_delete(FkAction::Cascade)
                        .on_update(FkAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::new(["coupon_id"], "coupons", ["id"])
                        .on_delete(FkAction::SetNull)
                        .on_update(FkAction::Restrict),
                )
                .check(Check::new("qty_positive", "qty > 0"))
                .unique(Unique::new(["customer_id", "coupon_id"])),
        ),
        op::create_table(
            Table::new("tags").column(Column::new("label", Type::Varchar(50)).not_null()),
        ),
    ]);
    db.migrate_with_down(
        &[
            op::bulk_insert(
                "customers",
                ["id", "email"],
                (1..=3)
                    .map(|i| vec![i.into(), format!("c{i}@x").into()])
                    .collect(),
            ),
            op::bulk_insert("coupons", ["id"], vec![vec![1.into()], vec![2.into()]]),
            op::bulk_insert(
                "orders",
                ["id", "customer_id", "coupon_id", "qty"],
                vec![
                    vec![1.into(), 1.into(), 1.into(), 5.into()],
                    vec![2.into(), 2.into(), 2.into(), 1.into()],
                    vec![3.into(), 3.into(), Value::Null, 2.into()],
                    vec![4.into(), 2.into(), Value::Null, 3.into()],
                ],
            ),
            op::bulk_insert("tags", ["label"], vec![vec!["a".into()], vec!["b".into()]]),
        ],
        vec![
            delete_all("tags"),
            delete_all("orders"),
            delete_all("coupons"),
            delete_all("customers"),
        ],
    );
    let (o, c) = (d.quote("orders"), d.quote("customers"));
    let q = |s: &str| d.quote(s);

    // The foreign keys' actions and the check, as created with the tables.
    db.exec(&format!(
        "DELETE FROM {} WHERE {} = 1",
        q("coupons"),
        q("id")
    ));
    db.exec(&format!(
        "UPDATE {c} SET {} = 20 WHERE {} = 2",
        q("id"),
        q("id")
    ));
    db.exec(&format!("DELETE FROM {c} WHERE {} = 3", q("id")));
    let orders = vec![
        row!["1", "1", None, "5"],
        row!["2", "20", "2", "1"],
        row!["4", "20", None, "3"],
    ];
    let order_cols = ["id", "customer_id", "coupon_id", "qty"];
    assert_eq!(db.rows("orders", &order_cols, "id"), orders);
    db.exec_err(&format!(
        "UPDATE {} SET {} = 3 WHERE {} = 2",
        q("coupons"),
        q("id"),
        q("id")
    ));
    db.exec_err(&format!("INSERT INTO {o} VALUES (5, 1, NULL, 0)"));
    db.exec_err(&format!("INSERT INTO {o} VALUES (5, 99, NULL, 1)"));
    db.exec_err(&format!("INSERT INTO {o} VALUES (5, 20, 2, 1)"));

    // Add a unique, a check and a primary key to tables with rows.
    db.migrate(&[
        op::create_unique_constraint("customers", Unique::new(["email"])),
        op::create_check_constraint("customers", Check::new("email_not_empty", "email <> ''")),
        op::create_primary_key("tags", ["label"]),
    ]);
    assert_eq!(db.rows("orders", &order_cols, "id"), orders);
    assert_eq!(
        db.rows("customers", &["id", "email"], "id"),
        vec![row!["1", "c1@x"], row!["20", "c2@x"]]
    );
    db.exec_err(&format!("INSERT INTO {c} VALUES (5, 'c1@x')"));
    db.exec_err(&format!("INSERT INTO {c} VALUES (5, '')"));
    db.exec_err(&format!("INSERT INTO {} VALUES ('a')", q("tags")));

    // Drop one constraint of each kind: what they forbade is allowed again.
    db.migrate(&[
        op::drop_constraint("orders", "fk_orders_customer_id_customers"),
        op::drop_constraint("orders", "ck_orders_qty_positive"),
        op::drop_constraint("orders", "uq_orders_customer_id_coupon_id"),
        op::drop_constraint("tags", "pk_tags"),
    ]);
    assert_eq!(db.rows("orders", &order_cols, "id"), orders);
    db.exec(&format!("INSERT INTO {o} VALUES (5, 99, 2, 0)"));
    db.exec(&format!("INSERT INTO {o} VALUES (6, 99, 2, 0)"));
    db.exec(&format!("INSERT INTO {} VALUES ('a')", q("tags")));
    db.exec(&format!("DELETE FROM {o} WHERE {} >= 5", q("id")));
    db.exec(&format!(
        "DELETE FROM {} WHERE {} = 'a'",
        q("tags"),
        q("label")
    ));

    // And create them again under other names, with other actions.
    db.migrate(&[
        op::create_foreign_key(
            "orders",
            ForeignKey::new(["customer_id"], "customers", ["id"])
                .name("fk_orders_customer")
                .on_delete(FkAction::Restrict),
        ),
        op::create_check_constraint("orders", Check::new("qty_small", "qty < 100")),
        op::create_unique_constraint("orders", Unique::new(["customer_id", "qty"])),
    ]);
    assert_eq!(db.rows("orders", &order_cols, "id"), orders);
    db.exec_err(&format!("DELETE FROM {c} WHERE {} = 1", q("id")));
    db.exec_err(&format!("INSERT INTO {o} VALUES (5, 1, NULL, 100)"));
    db.exec_err(&format!("INSERT INTO {o} VALUES (5, 1, NULL, 5)"));
    db.exec(&format!("INSERT INTO {o} VALUES (5, 1, NULL, 0)"));
    db.exec(&format!("DELETE FROM {o} WHERE {} = 5", q("id")));

    // The downgrades, one by one, with the rows intact after each.
    for _ in 0..2 {
        db.downgrade();
        assert_eq!(db.rows("orders", &order_cols, "id"), orders);
    }
    // The dropped constraints are back.
    db.exec_err(&format!("INSERT INTO {o} VALUES (5, 1, NULL, 0)"));
    db.exec_err(&format!("INSERT INTO {o} VALUES (5, 99, NULL, 1)"));
    db.exec_err(&format!("INSERT INTO {o} VALUES (5, 20, 2, 1)"));
    db.exec_err(&format!("INSERT INTO {} VALUES ('b')", q("tags")));
    db.exec_err(&format!("INSERT INTO {c} VALUES (5, 'c1@x')"));
    // And the added ones go.
    db.downgrade();
    assert_eq!(db.rows("orders", &order_cols, "id"), orders);
    db.exec(&format!("INSERT INTO {} VALUES ('b')", q("tags")));
    db.exec(&format!("INSERT INTO {c} VALUES (5, '')"));
    db.downgrade_all();
}

fn tables_and_indexes(db: &mut TestDb) {
    let d = db.dialect();
    db.migrate(&[
        op::create_table(
            Table::new("items")
                .column(
                    Column::new("id", Type::Integer)
                        .primary_key()
                        .autoincrement(),
                )
                .column(Column::new("sku", Type::Varchar(20)).not_null())
                .column(Column::new("shelf", Type::SmallInt))
                .column(Column::new("price", Type::Numeric(8, 2))),
        ),
        op::create_table(
            Table::new("stock")
                .column(Column::new("item_id", Type::Integer).not_null())
                .column(Column::new("count", Type::Integer).not_null())
                .foreign_key(
                    ForeignKey::new(["item_id"], "items", ["id"]).on_delete(FkAction::Cascade),
                ),
        ),
    ]);
    db.migrate_with_down(
        &[
            op::bulk_insert(
                "items",
                ["id", "sku", "shelf", "price"],
                vec![
                    vec![1.into(), "A-1".into(), 1.into(), "9.99".into()],
                    vec![2.into(), "A-2".into(), 1.into(), Value::Null],
                    vec![3.into(), "B-1".into(), 2.into(), 100.into()],
                ],
            ),
            op::bulk_insert(
                "stock",
                ["item_id", "count"],
                vec![vec![1.into(), 5.into()], vec![3.into(), 7.into()]],
            ),
        ],
        vec![delete_all("stock"), delete_all("items")],
    );
    let price = |s: &str| {
        if d == Dialect::Sqlite {
            s.trim_end_matches(".00").to_owned()
        } else {
            s.to_owned()
        }
    };
    let items = vec![
        row!["1", "A-1", "1", price("9.99")],
        row!["2", "A-2", "1", None],
        row!["3", "B-1", "2", price("100.00")],
    ];
    let cols = ["id", "sku", "shelf", "price"];
    assert_eq!(db.rows("items", &cols, "id"), items);

    let mut indexes = vec![
        op::create_index("items", Index::new(["sku"]).unique()),
        op::create_index("items", Index::new(["shelf", "price"])),
    ];
    let partial = op::create_index(
        "items",
        Index::new(["price"])
            .name("ix_cheap")
            .where_clause("price < 10"),
    );
    if d == Dialect::Mysql {
        let err = render(d, &db.schema, &[partial]).unwrap_err();
        assert!(
            err.to_string().contains("MySQL has no partial indexes"),
            "{err}"
        );
    } else {
        indexes.push(partial);
    }
    db.migrate(&indexes);
    assert_eq!(db.rows("items", &cols, "id"), items);
    let it = d.quote("items");
    db.exec_err(&format!(
        "INSERT INTO {it} ({}, {}) VALUES (4, 'A-1')",
        d.quote("id"),
        d.quote("sku")
    ));
    let all = if d == Dialect::Mysql {
        vec!["ix_items_shelf_price", "ix_items_sku"]
    } else {
        vec!["ix_cheap", "ix_items_shelf_price", "ix_items_sku"]
    };
    assert_eq!(index_names(db, "items"), all);

    db.migrate(&[op::drop_index("items", "ix_items_shelf_price")]);
    assert!(!index_names(db, "items").contains(&"ix_items_shelf_price".to_owned()));

    // Renaming a referenced table keeps the foreign key working.
    db.migrate(&[op::rename_table("items", "products")]);
    assert_eq!(db.rows("products", &cols, "id"), items);
    db.exec(&format!(
        "DELETE FROM {} WHERE {} = 1",
        d.quote("products"),
        d.quote("id")
    ));
    assert_eq!(
        db.rows("stock", &["item_id", "count"], "item_id"),
        vec![row!["3", "7"]]
    );
    db.exec_err(&format!("INSERT INTO {} VALUES (42, 1)", d.quote("stock")));

    // Dropping a table: its downgrade recreates it empty, with its constraints.
    db.migrate(&[op::drop_table("stock")]);
    db.downgrade();
    assert_eq!(
        db.count(&format!("SELECT COUNT(*) FROM {}", d.quote("stock"))),
        0
    );
    db.exec_err(&format!("INSERT INTO {} VALUES (42, 1)", d.quote("stock")));
    db.exec(&format!("INSERT INTO {} VALUES (3, 1)", d.quote("stock")));
    db.exec(&format!("DELETE FROM {}", d.quote("stock")));

    db.downgrade(); // rename
    db.downgrade(); // drop_index
    assert_eq!(index_names(db, "items"), all);
    db.downgrade(); // create_index
    assert!(index_names(db, "items").is_empty());
    db.downgrade_all();
}

fn enums(db: &mut TestDb) {
    let d = db.dialect();
    let mood = EnumType::new("mood", ["happy", "it's ok", "sad \\ blue"]);
    db.migrate(&[
        op::create_enum(mood.clone()),
        op::create_table(
            Table::new("diary")
                .column(Column::new("id", Type::Integer).primary_key())
                .column(
                    Column::new("mood", Type::Enum(mood.clone()))
                        .not_null()
                        .server_default("happy"),
                )
                .column(Column::new("note", Type::Text)),
        ),
    ]);
    db.migrate_with_down(
        &[op::bulk_insert(
            "diary",
            ["id", "mood", "note"],
            vec![
                vec![1.into(), "it's ok".into(), "sad \\ blue".into()],
                vec![2.into(), "sad \\ blue".into(), "happy".into()],
            ],
        )],
        vec![delete_all("diary")],
    );
    let t = d.quote("diary");
    db.exec(&format!("INSERT INTO {t} ({}) VALUES (3)", d.quote("id")));
    db.exec_err(&format!(
        "INSERT INTO {t} ({}, {}) VALUES (4, 'angry')",
        d.quote("id"),
        d.quote("mood")
    ));
    let rows = vec![
        row!["1", "it's ok", "sad \\ blue"],
        row!["2", "sad \\ blue", "happy"],
        row!["3", "happy", None],
    ];
    let cols = ["id", "mood", "note"];
    assert_eq!(db.rows("diary", &cols, "id"), rows);

    // A text column becomes an enum, an enum column becomes text, and an enum column is added.
    db.exec(&format!(
        "UPDATE {t} SET {} = 'it''s ok' WHERE {} = 3",
        d.quote("note"),
        d.quote("id")
    ));
    let rows = vec![
        row!["1", "it's ok", "sad \\ blue"],
        row!["2", "sad \\ blue", "happy"],
        row!["3", "happy", "it's ok"],
    ];
    db.migrate(&[
        op::alter_column(
            "diary",
            "note",
            AlterColumn::new().set_type(Type::Enum(mood.clone())),
        ),
        op::alter_column("diary", "mood", AlterColumn::new().set_type(Type::Text)),
        op::add_column(
            "diary",
            Column::new("later", Type::Enum(mood.clone())).server_default("sad \\ blue"),
        ),
    ]);
    assert_eq!(db.rows("diary", &cols, "id"), rows);
    assert_eq!(
        db.rows("diary", &["later"], "id"),
        vec![row!["sad \\ blue"]; 3]
    );
    db.exec_err(&format!("UPDATE {t} SET {} = 'angry'", d.quote("note")));
    db.exec(&format!(
        "UPDATE {t} SET {} = 'angry' WHERE {} = 3",
        d.quote("mood"),
        d.quote("id")
    ));
    db.exec(&format!(
        "UPDATE {t} SET {} = 'happy' WHERE {} = 3",
        d.quote("mood"),
        d.quote("id")
    ));

    // Dropping the enum needs its columns gone first.
    db.migrate(&[
        op::drop_column("diary", "later"),
        op::drop_column("diary", "note"),
    ]);
    db.migrate(&[op::drop_enum("mood")]);
    if d == Dialect::Postgres {
        db.exec_err("SELECT 'happy'::mood");
    }
    db.downgrade(); // drop_enum
    db.downgrade(); // drop_column
    db.downgrade(); // alter/add
    assert_eq!(
        db.rows("diary", &["id", "mood"], "id"),
        vec![
            row!["1", "it's ok"],
            row!["2", "sad \\ blue"],
            row!["3", "happy"]
        ]
    );
    db.downgrade_all();
}

fn execute_steps(db: &mut TestDb) {
    let d = db.dialect();
    db.migrate(&[op::create_table(
        Table::new("counter")
            .column(Column::new("id", Type::Integer).primary_key())
            .column(Column::new("n", Type::Integer).not_null()),
    )]);
    // Common SQL, with a reverse.
    db.migrate(&[op::execute(
        Execute::new("INSERT INTO counter (id, n) VALUES (1, 10)")
            .reverse("DELETE FROM counter WHERE id = 1"),
    )]);
    assert_eq!(db.rows("counter", &["n"], "id"), vec![row!["10"]]);
    // Per-dialect SQL: each backend runs its own text.
    db.migrate(&[op::execute(
        Execute::new(
            Sql::new("UPDATE counter SET n = n + 1")
                .on(Dialect::Postgres, "UPDATE counter SET n = n + 2")
                .on(Dialect::Mysql, "UPDATE counter SET n = n + 3"),
        )
        .reverse(
            Sql::none()
                .on(Dialect::Sqlite, "UPDATE counter SET n = n - 1")
                .on(Dialect::Postgres, "UPDATE counter SET n = n - 2")
                .on(Dialect::Mysql, "UPDATE counter SET n = n - 3"),
        ),
    )]);
    let expected = match d {
        Dialect::Sqlite => "11",
        Dialect::Postgres => "12",
        Dialect::Mysql => "13",
    };
    assert_eq!(db.rows("counter", &["n"], "id"), vec![row![expected]]);

    // SQL for the other dialects only: a clear error, and nothing runs.
    let others: Vec<Dialect> = Dialect::ALL.into_iter().filter(|o| *o != d).collect();
    let mut sql = Sql::none();
    for o in &others {
        sql = sql.on(*o, "UPDATE counter SET n = 0");
    }
    match db.try_migrate(&[op::execute(sql)]) {
        Err(MigrateError::Render(RenderError::Unsupported {
            dialect, reason, ..
        })) => {
            assert_eq!(dialect, d);
            assert!(reason.contains("SQL only for other dialects"), "{reason}");
        }
        other => panic!("expected a render error, got {:?}", other.map(|s| s.len())),
    }
    assert_eq!(db.rows("counter", &["n"], "id"), vec![row![expected]]);

    // A failing statement stops the migration and reports which one failed.
    match db.try_migrate(&[op::execute("UPDATE counter SET nope = 1")]) {
        Err(MigrateError::Run(e)) => assert_eq!(e.index, 0, "{e}"),
        other => panic!("expected a run error, got {:?}", other.map(|s| s.len())),
    }

    db.downgrade();
    assert_eq!(db.rows("counter", &["n"], "id"), vec![row!["10"]]);
    db.downgrade();
    assert_eq!(db.count("SELECT COUNT(*) FROM counter"), 0);
    db.downgrade_all();
}

fn checks_follow_renamed_columns(db: &mut TestDb) {
    let d = db.dialect();
    // Quoted the way each backend quotes: MySQL reads "qty" as a string.
    let q = if d == Dialect::Mysql { '`' } else { '"' };
    let mut table = Table::new("line_items")
        .column(Column::new("id", Type::Integer).primary_key())
        .column(Column::new("price", Type::Integer).not_null())
        .column(Column::new("qty", Type::Integer))
        .check(Check::new(
            "price_positive",
            format!("price > 0 AND 'price' <> 'qty' AND {q}qty{q} >= 0"),
        ));
    if d != Dialect::Mysql {
        table = table.index(
            Index::new(["id"])
                .name("ix_big")
                .where_clause("\"qty\" > 10"),
        );
    }
    db.migrate(&[op::create_table(table)]);
    db.exec("INSERT INTO line_items (id, price, qty) VALUES (1, 5, 2)");
    db.migrate(&[
        op::rename_column("line_items", "price", "unit_price"),
        op::rename_column("line_items", "qty", "quantity"),
    ]);
    // A later SQLite rebuild, and a table recreated by a downgrade, use the renamed SQL.
    db.migrate(&[op::create_unique_constraint(
        "line_items",
        Unique::new(["unit_price"]),
    )]);
    assert_eq!(
        db.rows("line_items", &["id", "unit_price", "quantity"], "id"),
        vec![row!["1", "5", "2"]]
    );
    let insert = |price: i32, quantity: i32| {
        format!("INSERT INTO line_items (id, unit_price, quantity) VALUES (2, {price}, {quantity})")
    };
    db.exec_err(&insert(0, 1));
    db.exec_err(&insert(6, -1));
    db.migrate(&[op::drop_table("line_items")]);
    db.downgrade();
    db.exec_err(&insert(0, 1));
    db.exec_err(&insert(6, -1));
    db.exec(&insert(6, 1));
    db.downgrade_all();
}

/// How many table rebuilds the statements make (SQLite).
pub fn rebuilds(statements: &[Statement]) -> usize {
    statements
        .iter()
        .filter(|s| s.sql().starts_with("CREATE TABLE \"_migrate_new_"))
        .count()
}

/// The comment of a column, or `None` (SQLite stores none).
fn comment(db: &mut TestDb, table: &str, column: &str) -> Option<String> {
    let d = db.dialect();
    let sql = match d {
        Dialect::Sqlite => return None,
        Dialect::Postgres => format!(
            "SELECT col_description(a.attrelid, a.attnum) AS value FROM pg_attribute a \
             WHERE a.attrelid = {}::regclass AND a.attname = {}",
            d.string_literal(&d.quote(table)),
            d.string_literal(column)
        ),
        Dialect::Mysql => format!(
            "SELECT column_comment AS value FROM information_schema.columns \
             WHERE table_schema = DATABASE() AND table_name = {} AND column_name = {}",
            d.string_literal(table),
            d.string_literal(column)
        ),
    };
    let values = db
        .conn()
        .query_optional_strings(&sql)
        .expect("read the comment");
    assert_eq!(values.len(), 1, "{sql}");
    values
        .into_iter()
        .next()
        .flatten()
        .filter(|c| !c.is_empty())
}

/// `Some(comment)` where the backend stores comments.
fn supported(d: Dialect, comment: &str) -> Option<&str> {
    (d != Dialect::Sqlite).then_some(comment)
}

/// The names of the indexes of `table` named `ix_...`, sorted.
fn index_names(db: &mut TestDb, table: &str) -> Vec<String> {
    let d = db.dialect();
    let t = d.string_literal(table);
    let sql = match d {
        Dialect::Sqlite => format!(
            "SELECT name AS value FROM sqlite_master WHERE type = 'index' AND tbl_name = {t} \
             AND substr(name, 1, 3) = 'ix_' ORDER BY name"
        ),
        Dialect::Postgres => format!(
            "SELECT CAST(indexname AS TEXT) AS value FROM pg_indexes WHERE schemaname = current_schema() \
             AND tablename = {t} AND substr(indexname, 1, 3) = 'ix_' ORDER BY indexname"
        ),
        Dialect::Mysql => format!(
            "SELECT DISTINCT index_name AS value FROM information_schema.statistics \
             WHERE table_schema = DATABASE() AND table_name = {t} AND substr(index_name, 1, 3) = 'ix_' \
             ORDER BY index_name"
        ),
    };
    let names = db
        .conn()
        .query_optional_strings(&sql)
        .expect("list the indexes");
    names.into_iter().flatten().collect()
}
