//! Generated migration code compiles and evaluates to the ops it was generated from.
//!
//! `tests/generated/versions/` holds migration files written by
//! `migrate_runtime::codegen::migration_file` from the ops built below (every `Op` variant,
//! then long names and strings that force every layout). They are embedded like the shop's
//! own `versions/`, so this test only builds if the generated code compiles (and the
//! embedding macro accepts the files); each test then checks that its committed file is
//! exactly what codegen writes today, that rustfmt would leave it unchanged, and that the
//! compiled `upgrade()` returns ops equal to the ones it was written from.
//!
//! After a deliberate change to codegen, rewrite the files with
//! `MIGRATE_BLESS=1 cargo test -p migrations --test codegen` (and run it again: the
//! rewritten files are compiled by the next build).

use std::path::Path;
use std::process::Command;

use migrate_runtime::codegen::{migration_file, migration_file_commented, ops_to_rust};
use migrate_runtime::data::{DataConnection, DataError};
use migrate_runtime::prelude::*;
use migrate_runtime::schema::Schema;

static GENERATED: Migrations = embed_migrations!("tests/generated/versions");

const EVERY_OP: &str = "c0de00000001";
const LONG: &str = "c0de00000002";

fn backfill(_: &mut DataConnection<'_>) -> Result<(), DataError> {
    Ok(())
}

fn order_status() -> EnumType {
    EnumType::new("order_status", ["pending", "paid", "shipped"])
}

/// Every `Op` variant, with every option of the builders.
fn every_op() -> Vec<Op> {
    let mut odd_check = Check::new("positive", "qty > 0");
    odd_check.name = "qty_positive".into();
    let mut odd_pk_table = Table::new("legacy")
        .column(Column::new("code", Type::Char(4)).not_null())
        .primary_key(["code"])
        .check(odd_check.clone());
    odd_pk_table.primary_key.as_mut().unwrap().name = "legacy_pkey".into();
    let mut odd_pk = op::create_primary_key("legacy_copy", ["code"]);
    if let Op::CreatePrimaryKey { primary_key, .. } = &mut odd_pk {
        primary_key.name = "legacy_copy_pkey".into();
    }
    let mut odd_check_op = op::create_check_constraint("orders", Check::new("qty", "qty < 100"));
    if let Op::CreateCheck { check, .. } = &mut odd_check_op {
        check.name = "orders_qty_small".into();
    }
    vec![
        op::create_enum(order_status()),
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
                .column(Column::new("big", Type::BigInt).server_default(Value::Int(1 << 40)))
                .column(Column::new("min", Type::BigInt).server_default(Value::Int(i64::MIN)))
                .column(Column::new("low", Type::Integer).server_default(i32::MIN))
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
                .column(Column::new("avatar", Type::Binary).server_default(vec![0u8, 255]))
                .column(Column::new("prefs", Type::Json).server_default("{}"))
                .column(Column::new("token", Type::Uuid))
                .column(Column::new("status", Type::Enum(order_status())))
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
        op::create_table(odd_pk_table),
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
            ForeignKey::new(["customer_id"], "customers", ["id"]).on_delete(FkAction::NoAction),
        ),
        op::create_check_constraint("purchases", Check::new("qty", "qty > 0")),
        odd_check_op,
        op::create_primary_key("purchases", ["id", "qty"]),
        odd_pk,
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
        op::data_step(DataStep::new("backfill nicks", backfill)),
        op::data_step(DataStep::new("backfill ages", backfill).reverse(backfill)),
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
                    "grace \"amazing\" h\u{e9}\\n\u{1f600}\n\t".into(),
                    Value::Int(-7),
                    false.into(),
                    Value::Float(1e300),
                    Value::Bytes(vec![]),
                    Value::Int(i64::MAX),
                ],
            ],
        ),
        op::bulk_insert("customers", Vec::<String>::new(), vec![vec![]]),
        op::bulk_insert("customers", ["email"], vec![]),
    ]
}

/// Names and strings long enough to force every layout: vertical lists, broken chains,
/// multi-line roots, and strings too long for any layout (which rustfmt leaves as written).
fn long_ops() -> Vec<Op> {
    let t = "a_table_with_a_name_long_enough_to_push_everything_onto_lines_of_its_own";
    let c = "a_column_whose_name_alone_takes_more_than_half_of_the_line";
    vec![
        op::create_table(
            Table::new(t)
                .column(
                    Column::new(c, Type::Varchar(4096))
                        .not_null()
                        .unique()
                        .server_default(
                            "a default value that is itself rather long for a single line of code",
                        ),
                )
                .column(Column::new("id", Type::Integer).primary_key())
                .index(Index::new([c, "id"]).where_clause("id > 0 AND id < 1000000 AND id <> 42")),
        ),
        op::alter_column(
            t,
            c,
            AlterColumn::new().rename("short").set_type(Type::Text),
        ),
        op::execute(
            "UPDATE a_table_with_a_name_long_enough_to_push_everything_onto_lines_of_its_own \
             SET short = lower(short) WHERE short IS NOT NULL AND length(short) > 10",
        ),
        op::bulk_insert(
            t,
            ["id", "short"],
            (0..4)
                .map(|i| {
                    vec![
                        Value::Int(i),
                        Value::Text(format!("row number {i} of four")),
                    ]
                })
                .collect(),
        ),
        op::drop_table(t),
    ]
}

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The committed file of `revision`, its text checked against what codegen writes today
/// (rewritten instead when `MIGRATE_BLESS` is set), and rustfmt's view of it.
fn check_file(revision: &str, slug: &str, expected: &str) {
    let path = manifest_dir()
        .join("tests/generated/versions")
        .join(format!("20250301_{revision}_{slug}.rs"));
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != expected {
        if std::env::var_os("MIGRATE_BLESS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, expected).unwrap();
            eprintln!("wrote {}", path.display());
        } else {
            panic!(
                "{} is not what codegen writes today: rerun with MIGRATE_BLESS=1 to rewrite it \
                 (then build again), or fix codegen.\n--- written\n{expected}",
                path.display()
            );
        }
    }
    match Command::new("rustfmt")
        .args(["--check", "--edition", "2021"])
        .arg(&path)
        .output()
    {
        Err(_) => eprintln!("rustfmt is not installed: formatting not checked"),
        Ok(out) => assert!(
            out.status.success(),
            "rustfmt would change {}:\n{}{}",
            path.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

fn compiled(revision: &str) -> Vec<Op> {
    let m = GENERATED
        .get(revision)
        .unwrap_or_else(|| panic!("{revision} is embedded"));
    (m.upgrade)()
}

#[test]
fn every_op_is_written_as_code_that_evaluates_to_it() {
    let ops = every_op();
    let text = migration_file(EVERY_OP, &[], "every op the DSL has", &ops);
    check_file(EVERY_OP, "every_op_the_dsl_has", &text);
    assert_eq!(compiled(EVERY_OP), ops);
    // Every variant is there.
    let kinds: std::collections::BTreeSet<&str> = ops.iter().map(Op::kind).collect();
    assert_eq!(kinds.len(), 18, "{kinds:?}");
    // The names the constructors cannot give are written as struct literals.
    assert!(text.contains("Check {\n"), "{text}");
    assert!(text.contains("Op::CreatePrimaryKey {\n"), "{text}");
    assert!(text.contains("migrate_runtime::codegen::unwritten_data_step"));
}

#[test]
fn long_names_and_strings_are_written_in_rustfmts_layout() {
    let ops = long_ops();
    let comments = [
        (
            1,
            "A drop and an add of the same type may be a rename:".to_owned(),
        ),
        (
            1,
            "op::rename_column(\"...\", \"old\", \"new\") keeps the data.".to_owned(),
        ),
        (4, "Irreversible once the rows are gone.".to_owned()),
    ];
    let text =
        migration_file_commented(LONG, &[EVERY_OP], "long names and strings", &ops, &comments);
    check_file(LONG, "long_names_and_strings", &text);
    assert!(text.contains("        // A drop and an add of the same type may be a rename:\n"));
    assert_eq!(compiled(LONG), ops);
}

#[test]
fn generated_code_is_deterministic() {
    let ops = every_op();
    assert_eq!(ops_to_rust(&ops), ops_to_rust(&ops.clone()));
    // And the ops replay: codegen writes what the schema model accepts.
    let applicable: Vec<Op> = long_ops();
    Schema::replay(&applicable).unwrap();
}
