//! every op the DSL has
use migrate_runtime::prelude::*;

#[migration(revision = "c0de00000001", message = "every op the DSL has")]
pub fn upgrade() -> Vec<Op> {
    vec![
        op::create_enum(EnumType::new(
            "order_status",
            ["pending", "paid", "shipped"],
        )),
        op::create_table(
            Table::new("customers")
                .column(
                    Column::new("id", Type::BigInt)
                        .primary_key()
                        .autoincrement(),
                )
                .column(Column::new("email", Type::Varchar(255)).not_null().unique())
                .column(Column::new("nick", Type::Text).comment("Shown to others."))
                .column(Column::new("age", Type::SmallInt).server_default(-1))
                .column(Column::new("big", Type::BigInt).server_default(Value::Int(1099511627776)))
                .column(Column::new("min", Type::BigInt).server_default(Value::Int(i64::MIN)))
                .column(Column::new("low", Type::Integer).server_default(Value::Int(-2147483648)))
                .column(
                    Column::new("vip", Type::Boolean)
                        .not_null()
                        .server_default(false),
                )
                .column(Column::new("score", Type::Float).server_default(0.5))
                .column(Column::new("inf", Type::Double).server_default(f64::INFINITY))
                .column(Column::new("balance", Type::Numeric(12, 2)).server_default(Value::Null))
                .column(Column::new("born", Type::Date))
                .column(Column::new("wakes", Type::Time))
                .column(
                    Column::new("joined", Type::Timestamp)
                        .not_null()
                        .server_default(DefaultValue::sql("CURRENT_TIMESTAMP")),
                )
                .column(Column::new("seen", Type::TimestampTz))
                .column(
                    Column::new("avatar", Type::Binary).server_default(Value::Bytes(vec![0, 255])),
                )
                .column(Column::new("prefs", Type::Json).server_default("{}"))
                .column(Column::new("token", Type::Uuid))
                .column(Column::new(
                    "status",
                    Type::Enum(EnumType::new(
                        "order_status",
                        ["pending", "paid", "shipped"],
                    )),
                ))
                .column(Column::new("odd", Type::Integer).primary_key().nullable())
                .unique(Unique::new(["nick", "age"]))
                .unique(Unique::new(["token"]).name("customers_token_key"))
                .index(Index::new(["joined"]))
                .index(
                    Index::new(["nick"])
                        .unique()
                        .where_clause("nick IS NOT NULL"),
                )
                .index(Index::new(["age", "vip"]).name("by_age"))
                .check(Check::new("adult", "age >= 18"))
                .comment("People who buy."),
        ),
        op::create_table(
            Table::new("orders")
                .column(Column::new("id", Type::Integer).primary_key())
                .column(Column::new("customer_id", Type::BigInt).not_null())
                .column(
                    Column::new("qty", Type::Integer)
                        .not_null()
                        .server_default(1),
                )
                .foreign_key(
                    ForeignKey::new(["customer_id"], "customers", ["id"])
                        .on_delete(FkAction::Cascade)
                        .on_update(FkAction::Restrict),
                )
                .foreign_key(
                    ForeignKey::new(["qty"], "customers", ["age"])
                        .name("fk_odd")
                        .on_delete(FkAction::SetNull)
                        .on_update(FkAction::SetDefault),
                ),
        ),
        op::create_table(Table {
            primary_key: Some(PrimaryKey {
                name: "legacy_pkey".into(),
                ..PrimaryKey::new("legacy", ["code"])
            }),
            ..Table::new("legacy")
                .column(Column::new("code", Type::Char(4)).not_null())
                .check(Check {
                    name: "qty_positive".into(),
                    ..Check::new("positive", "qty > 0")
                })
        }),
        op::drop_table("legacy"),
        op::rename_table("orders", "purchases"),
        op::add_column(
            "purchases",
            Column::new("note", Type::Text).comment("Free text."),
        ),
        op::drop_column("purchases", "note"),
        op::alter_column(
            "purchases",
            "qty",
            AlterColumn::new()
                .rename("quantity")
                .set_type(Type::BigInt)
                .nullable()
                .set_default(2)
                .set_comment("How many."),
        ),
        op::alter_column(
            "purchases",
            "quantity",
            AlterColumn::new().not_null().drop_default().drop_comment(),
        ),
        op::alter_column("purchases", "quantity", AlterColumn::new()),
        op::rename_column("purchases", "quantity", "qty"),
        op::create_index("purchases", Index::new(["qty"])),
        op::create_index(
            "purchases",
            Index::new(["customer_id", "qty"])
                .name("by_customer")
                .unique()
                .where_clause("qty > 1"),
        ),
        op::drop_index("purchases", "ix_purchases_qty"),
        op::create_unique_constraint("purchases", Unique::new(["customer_id", "qty"])),
        op::create_unique_constraint("purchases", Unique::new(["qty"]).name("one_qty")),
        op::create_foreign_key(
            "purchases",
            ForeignKey::new(["customer_id"], "customers", ["id"]),
        ),
        op::create_check_constraint("purchases", Check::new("qty", "qty > 0")),
        op::create_check_constraint(
            "orders",
            Check {
                name: "orders_qty_small".into(),
                ..Check::new("qty", "qty < 100")
            },
        ),
        op::create_primary_key("purchases", ["id", "qty"]),
        Op::CreatePrimaryKey {
            table: "legacy_copy".into(),
            primary_key: PrimaryKey {
                name: "legacy_copy_pkey".into(),
                ..PrimaryKey::new("legacy_copy", ["code"])
            },
        },
        op::drop_constraint("purchases", "uq_purchases_qty"),
        op::drop_enum("order_status"),
        op::execute("UPDATE purchases SET qty = qty + 1"),
        op::execute(
            Execute::new("UPDATE purchases SET qty = qty * 2")
                .reverse("UPDATE purchases SET qty = qty / 2"),
        ),
        op::execute(
            Sql::none()
                .on(Dialect::Postgres, "SET LOCAL lock_timeout = '1s'")
                .on(Dialect::Mysql, "SET SESSION innodb_lock_wait_timeout = 1"),
        ),
        op::execute(
            Execute::new(Sql::new("SELECT 1").on(Dialect::Sqlite, "SELECT 2")).reverse(Sql::none()),
        ),
        op::data_step(DataStep::new(
            "backfill nicks",
            migrate_runtime::codegen::unwritten_data_step,
        )),
        op::data_step(
            DataStep::new(
                "backfill ages",
                migrate_runtime::codegen::unwritten_data_step,
            )
            .reverse(migrate_runtime::codegen::unwritten_data_step),
        ),
        op::bulk_insert(
            "customers",
            ["email", "age", "vip", "score", "avatar", "nick"],
            vec![
                vec![
                    "ada@example.com".into(),
                    36.into(),
                    true.into(),
                    Value::Float(-1.5),
                    Value::Bytes(vec![1, 2, 3]),
                    Value::Null,
                ],
                vec![
                    "grace \"amazing\" hé\\n\u{1f600}\n\t".into(),
                    Value::Int(-7),
                    false.into(),
                    Value::Float(1e300),
                    Value::Bytes(vec![]),
                    Value::Int(9223372036854775807),
                ],
            ],
        ),
        op::bulk_insert("customers", Vec::<String>::new(), vec![vec![]]),
        op::bulk_insert("customers", ["email"], vec![]),
    ]
}
