//! The SQL of every op on each of the three dialects, as insta snapshots (no database).
//!
//! One snapshot per op (or per variant of an op), with the three dialects in it. Ops that
//! need existing tables are rendered against the schema of [`fixture`]. The snapshots prove
//! the text is stable; `tests/` (package `migrate-tests`) runs the same kinds of SQL on real
//! servers.

use migrate_runtime::dialect::{render, Dialect, Statement};
use migrate_runtime::prelude::*;
use migrate_runtime::schema::Schema;

/// `users`, `items` and `orders` (referencing both), and the enum type `order_status`.
fn fixture() -> Schema {
    Schema::replay(&[
        op::create_enum(status()),
        op::create_table(
            Table::new("users")
                .column(
                    Column::new("id", Type::Integer)
                        .primary_key()
                        .autoincrement(),
                )
                .column(Column::new("email", Type::Varchar(255)).not_null().unique())
                .column(Column::new("name", Type::Text))
                .column(Column::new("age", Type::SmallInt)),
        ),
        op::create_table(
            Table::new("items")
                .column(Column::new("id", Type::BigInt).primary_key())
                .column(Column::new("sku", Type::Varchar(32)).not_null())
                .column(Column::new("price", Type::Numeric(10, 2)).not_null())
                .check(Check::new("price_positive", "price > 0"))
                .index(Index::new(["sku"])),
        ),
        op::create_table(
            Table::new("orders")
                .column(
                    Column::new("id", Type::Integer)
                        .primary_key()
                        .autoincrement(),
                )
                .column(Column::new("user_id", Type::Integer).not_null())
                .column(Column::new("item_id", Type::BigInt))
                .column(Column::new("status", Type::Enum(status())).not_null())
                .column(Column::new("note", Type::Text).comment("free text"))
                .foreign_key(
                    ForeignKey::new(["user_id"], "users", ["id"]).on_delete(FkAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::new(["item_id"], "items", ["id"]).on_delete(FkAction::SetNull),
                ),
        ),
        op::create_table(Table::new("tags").column(Column::new("label", Type::Text).not_null())),
    ])
    .expect("the fixture is valid")
}

fn status() -> EnumType {
    EnumType::new("order_status", ["pending", "paid", "shipped"])
}

/// The SQL of `ops` on every dialect, rendered against `before`.
fn sql_on(before: &Schema, ops: &[Op]) -> String {
    let mut out = String::new();
    for d in Dialect::ALL {
        out.push_str(&format!("-- {d}\n"));
        match render(d, before, ops) {
            Ok(statements) if statements.is_empty() => out.push_str("(no statement)\n"),
            Ok(statements) => {
                for s in statements {
                    match &s {
                        Statement::Execute(_) | Statement::Data { .. } => {
                            out.push_str(&format!("{s}\n"))
                        }
                        Statement::AssertZero { failure, .. } => {
                            out.push_str(&format!("{s} -- must be 0, else: {failure}\n"))
                        }
                    }
                }
            }
            Err(e) => out.push_str(&format!("error: {e}\n")),
        }
    }
    out
}

/// The SQL of `ops` on every dialect, rendered against the fixture.
fn sql(ops: &[Op]) -> String {
    sql_on(&fixture(), ops)
}

macro_rules! snap {
    ($name:ident, $ops:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(sql(&$ops));
        }
    };
}

// ---- tables ----

snap!(
    create_table_every_type,
    [op::create_table(
        Table::new("every_type")
            .column(
                Column::new("id", Type::BigInt)
                    .primary_key()
                    .autoincrement()
            )
            .column(
                Column::new("integer", Type::Integer)
                    .not_null()
                    .server_default(0)
            )
            .column(Column::new("small", Type::SmallInt))
            .column(Column::new("text", Type::Text).server_default("it's"))
            .column(Column::new("varchar", Type::Varchar(40)).unique())
            .column(Column::new("char", Type::Char(2)))
            .column(
                Column::new("boolean", Type::Boolean)
                    .not_null()
                    .server_default(false)
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
            .comment("every column type")
    )]
);

snap!(
    create_table_constraints,
    [op::create_table(
        Table::new("order_lines")
            .column(Column::new("order_id", Type::Integer).not_null())
            .column(Column::new("line", Type::SmallInt).not_null())
            .column(Column::new("item_id", Type::BigInt))
            .column(Column::new("quantity", Type::Integer).not_null())
            .primary_key(["order_id", "line"])
            .unique(Unique::new(["order_id", "item_id"]))
            .foreign_key(
                ForeignKey::new(["order_id"], "orders", ["id"])
                    .on_delete(FkAction::Cascade)
                    .on_update(FkAction::Restrict),
            )
            .foreign_key(
                ForeignKey::new(["item_id"], "items", ["id"])
                    .name("fk_line_item")
                    .on_delete(FkAction::SetNull)
                    .on_update(FkAction::Cascade),
            )
            .check(Check::new("quantity_positive", "quantity > 0"))
            .index(Index::new(["item_id", "quantity"]))
            .index(Index::new(["line"]).unique().name("ux_lines_line"))
    )]
);

snap!(
    create_table_fk_set_default,
    [op::create_table(
        Table::new("audit")
            .column(Column::new("user_id", Type::Integer).server_default(0))
            .foreign_key(
                ForeignKey::new(["user_id"], "users", ["id"]).on_delete(FkAction::SetDefault)
            )
    )]
);

snap!(
    create_table_partial_index,
    [op::create_table(
        Table::new("jobs")
            .column(Column::new("id", Type::Integer).primary_key())
            .column(Column::new("done", Type::Boolean).not_null())
            .index(Index::new(["id"]).where_clause("NOT done"))
    )]
);

snap!(drop_table, [op::drop_table("tags")]);

snap!(rename_table, [op::rename_table("users", "accounts")]);

// ---- columns ----

snap!(
    add_column_plain,
    [op::add_column(
        "items",
        Column::new("description", Type::Text)
    )]
);

snap!(
    add_column_not_null_with_default,
    [op::add_column(
        "items",
        Column::new("is_physical", Type::Boolean)
            .not_null()
            .server_default(true),
    )]
);

snap!(
    add_column_unique,
    [op::add_column(
        "items",
        Column::new("barcode", Type::Varchar(64)).unique()
    )]
);

snap!(
    add_column_sql_default,
    [op::add_column(
        "items",
        Column::new("created_at", Type::Timestamp)
            .not_null()
            .server_default(DefaultValue::sql("CURRENT_TIMESTAMP")),
    )]
);

snap!(
    add_column_with_comment,
    [op::add_column(
        "items",
        Column::new("origin", Type::Char(2)).comment("ISO country")
    )]
);

snap!(
    add_column_primary_key_autoincrement,
    [op::add_column(
        "tags",
        Column::new("id", Type::Integer)
            .primary_key()
            .autoincrement(),
    )]
);

snap!(
    add_column_enum,
    [op::add_column(
        "users",
        Column::new("last_status", Type::Enum(status())).server_default("pending"),
    )]
);

snap!(drop_column, [op::drop_column("users", "age")]);

snap!(drop_column_primary_key, [op::drop_column("items", "id")]);

snap!(
    alter_column_rename,
    [op::rename_column("users", "name", "full_name")]
);

snap!(
    alter_column_type,
    [op::alter_column(
        "users",
        "age",
        AlterColumn::new().set_type(Type::BigInt)
    )]
);

snap!(
    alter_column_type_to_enum,
    [op::alter_column(
        "users",
        "name",
        AlterColumn::new().set_type(Type::Enum(status())),
    )]
);

#[test]
fn alter_column_type_of_a_column_with_a_default() {
    let mut before = fixture();
    before
        .apply(&op::alter_column(
            "users",
            "name",
            AlterColumn::new().set_default("paid"),
        ))
        .unwrap();
    insta::assert_snapshot!(sql_on(
        &before,
        &[op::alter_column(
            "users",
            "name",
            AlterColumn::new().set_type(Type::Enum(status())),
        )]
    ));
}

snap!(
    alter_column_not_null,
    [op::alter_column(
        "users",
        "name",
        AlterColumn::new().not_null()
    )]
);

snap!(
    alter_column_nullable,
    [op::alter_column(
        "users",
        "email",
        AlterColumn::new().nullable()
    )]
);

snap!(
    alter_column_set_default,
    [op::alter_column(
        "users",
        "name",
        AlterColumn::new().set_default("anon")
    )]
);

snap!(
    alter_column_drop_default,
    [op::alter_column(
        "users",
        "name",
        AlterColumn::new().drop_default()
    )]
);

snap!(
    alter_column_set_comment,
    [op::alter_column(
        "orders",
        "note",
        AlterColumn::new().set_comment("what the buyer wrote"),
    )]
);

snap!(
    alter_column_drop_comment,
    [op::alter_column(
        "orders",
        "note",
        AlterColumn::new().drop_comment()
    )]
);

snap!(
    alter_column_everything,
    [op::alter_column(
        "users",
        "age",
        AlterColumn::new()
            .rename("years")
            .set_type(Type::Integer)
            .not_null()
            .set_default(18)
            .set_comment("in years"),
    )]
);

// ---- indexes ----

snap!(
    create_index,
    [op::create_index("users", Index::new(["name"]))]
);

snap!(
    create_index_unique_multi_column,
    [op::create_index(
        "users",
        Index::new(["name", "age"]).unique()
    )]
);

snap!(
    create_index_partial,
    [op::create_index(
        "users",
        Index::new(["email"])
            .name("ix_adults")
            .where_clause("age >= 18"),
    )]
);

snap!(drop_index, [op::drop_index("items", "ix_items_sku")]);

// ---- constraints ----

snap!(
    create_unique_constraint,
    [op::create_unique_constraint(
        "items",
        Unique::new(["sku", "price"])
    )]
);

snap!(
    create_foreign_key,
    [op::create_foreign_key(
        "users",
        ForeignKey::new(["age"], "users", ["id"])
            .on_delete(FkAction::Restrict)
            .on_update(FkAction::Cascade),
    )]
);

snap!(
    create_check_constraint,
    [op::create_check_constraint(
        "users",
        Check::new("adult", "age >= 18"),
    )]
);

snap!(
    create_primary_key,
    [op::create_primary_key("tags", ["label"])]
);

snap!(
    drop_constraint_primary_key,
    [op::drop_constraint("items", "pk_items")]
);

snap!(
    drop_constraint_unique,
    [op::drop_constraint("users", "uq_users_email")]
);

snap!(
    drop_constraint_foreign_key,
    [op::drop_constraint("orders", "fk_orders_user_id_users")]
);

snap!(
    drop_constraint_check,
    [op::drop_constraint("items", "ck_items_price_positive")]
);

// ---- enums ----

snap!(
    create_enum,
    [op::create_enum(EnumType::new(
        "mood",
        ["happy", "it's ok", "sad"]
    ))]
);

#[test]
fn drop_enum() {
    let mut before = fixture();
    before
        .apply(&op::create_enum(EnumType::new("mood", ["happy", "sad"])))
        .unwrap();
    insta::assert_snapshot!(sql_on(&before, &[op::drop_enum("mood")]));
}

// ---- raw SQL and data ----

snap!(
    execute_common,
    [op::execute("UPDATE items SET price = price * 2")]
);

snap!(
    execute_per_dialect,
    [op::execute(
        Sql::new("UPDATE users SET name = name || '!'")
            .on(Dialect::Mysql, "UPDATE users SET name = CONCAT(name, '!')"),
    )]
);

snap!(
    execute_missing_dialect,
    [op::execute(
        Sql::none()
            .on(Dialect::Postgres, "VACUUM users")
            .on(Dialect::Sqlite, "VACUUM"),
    )]
);

snap!(
    bulk_insert_every_value,
    [op::bulk_insert(
        "users",
        ["id", "email", "name", "age"],
        vec![
            vec![
                1.into(),
                "a@example.com".into(),
                "O'Brien \\ back\\slash".into(),
                30.into()
            ],
            vec![
                2.into(),
                "b@example.com".into(),
                Value::Null,
                Value::Int(-1)
            ],
        ],
    )]
);

snap!(
    bulk_insert_bool_float_bytes,
    [
        op::create_table(
            Table::new("blobs")
                .column(Column::new("flag", Type::Boolean))
                .column(Column::new("ratio", Type::Double))
                .column(Column::new("data", Type::Binary)),
        ),
        op::bulk_insert(
            "blobs",
            ["flag", "ratio", "data"],
            vec![
                vec![true.into(), 0.25.into(), vec![0u8, 0x27, 0x5c, 0xff].into()],
                vec![false.into(), Value::Float(-1e300), Vec::<u8>::new().into()],
            ],
        )
    ]
);

// ---- SQLite rebuilds and hostile identifiers ----

snap!(
    consecutive_changes_share_one_rebuild,
    [
        op::add_column(
            "items",
            Column::new("weight", Type::Double)
                .not_null()
                .server_default(0.0)
        ),
        op::alter_column(
            "items",
            "sku",
            AlterColumn::new().set_type(Type::Varchar(64))
        ),
        op::rename_column("items", "price", "unit_price"),
        op::create_unique_constraint("items", Unique::new(["sku"])),
        op::drop_constraint("items", "ck_items_price_positive"),
    ]
);

snap!(
    rebuild_of_a_referenced_table,
    [op::alter_column(
        "users",
        "name",
        AlterColumn::new().not_null().set_default("")
    )]
);

snap!(
    hostile_identifiers,
    [
        op::create_table(
            Table::new("order")
                .column(Column::new("user \"name\"", Type::Text).not_null())
                .column(Column::new("back`tick", Type::Integer))
                .column(Column::new("prénom_名前", Type::Varchar(20)).unique())
                .index(Index::new(["back`tick"])),
        ),
        op::rename_column("order", "user \"name\"", "it's"),
    ]
);
