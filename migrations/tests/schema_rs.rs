//! `src/schema.rs` (diesel's view of the shop, written by hand) agrees with the migrations,
//! and the schema printed from the migrations is diesel code that compiles and queries the
//! migrated database.
//!
//! The printed schemas are committed under `tests/generated/` and compiled into this test
//! (`#[path]` modules below): each test checks that its committed copy is exactly what
//! `print_schema_rs` prints today, so what compiles is what the printer writes. After a
//! deliberate change to the printer or the migrations, rewrite the copies with
//! `MIGRATE_BLESS=1 cargo test -p migrations --test schema_rs` (and run it again: the
//! rewritten copies are compiled by the next build).

use std::path::{Path, PathBuf};
use std::process::Command;

use diesel::{Connection as _, ExpressionMethods as _, QueryDsl as _, RunQueryDsl as _};
use migrate_runtime::models::{diesel_differences, parse_schema_rs, print_schema_rs};
use migrate_runtime::prelude::*;
use migrate_runtime::schema::Schema;
use migrations::MIGRATIONS;

#[path = "generated/schema_shop.rs"]
#[allow(dead_code, unused_imports)]
mod printed_shop;

#[path = "generated/schema_portable.rs"]
#[allow(dead_code, unused_imports, non_snake_case)]
mod printed_portable;

#[cfg(feature = "postgres")]
#[path = "generated/schema_postgres.rs"]
#[allow(dead_code, unused_imports)]
mod printed_postgres;

/// The shop at head: every migration's upgrade applied in order, as the engine replays it.
fn head() -> Schema {
    let mut schema = Schema::new();
    for m in MIGRATIONS.iter() {
        for op in (m.upgrade)() {
            schema
                .apply(&op)
                .unwrap_or_else(|e| panic!("{}: {e}", m.revision));
        }
    }
    schema
}

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The differences between `models` and the head, one a line, or `None` when they agree.
fn disagreement(models: &Schema, head: &Schema) -> Option<String> {
    let diffs = diesel_differences(models, head);
    (!diffs.is_empty()).then(|| {
        diffs
            .iter()
            .map(|d| format!("  - {d}"))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// Asserts that the committed file `name` under `tests/generated/` holds `text`; with
/// `MIGRATE_BLESS` set, writes it instead.
fn check_generated(name: &str, text: &str) {
    let path = manifest_dir().join("tests/generated").join(name);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed == text {
        return;
    }
    if std::env::var_os("MIGRATE_BLESS").is_some() {
        std::fs::write(&path, text).unwrap();
        eprintln!("wrote {}", path.display());
        return;
    }
    panic!(
        "{} is not what the printer writes today: rerun with MIGRATE_BLESS=1 to rewrite it \
         (then build again), or fix the printer.\n--- printed\n{text}",
        path.display()
    );
}

/// `rustfmt --check` on `text`, when rustfmt is installed.
fn assert_rustfmt_clean(text: &str) {
    let dir = std::env::temp_dir().join(format!("schema-rs-fmt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{:x}.rs", fnv(text)));
    std::fs::write(&file, text).unwrap();
    let out = Command::new("rustfmt")
        .args(["--check", "--edition", "2021"])
        .arg(&file)
        .output();
    let _ = std::fs::remove_file(&file);
    match out {
        Err(_) => eprintln!("rustfmt is not installed: formatting not checked"),
        Ok(out) => assert!(
            out.status.success(),
            "rustfmt would change the printed text:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

#[test]
fn src_schema_rs_agrees_with_the_migrations() {
    let text = std::fs::read_to_string(manifest_dir().join("src/schema.rs")).unwrap();
    let models = parse_schema_rs(&text).unwrap_or_else(|e| panic!("src/schema.rs, {e}"));
    if let Some(list) = disagreement(&models, &head()) {
        panic!(
            "src/schema.rs disagrees with the migrations' head (\"models\" is schema.rs, the \
             schema state the migrations):\n{list}"
        );
    }
}

#[test]
fn a_wrong_schema_rs_is_caught() {
    let text = std::fs::read_to_string(manifest_dir().join("src/schema.rs")).unwrap();
    let wrong = text
        // A type that is not the migrations'.
        .replace("price_cents -> Integer", "price_cents -> BigInt")
        // Nullability the other way.
        .replace(
            "display_name -> Nullable<Varchar>",
            "display_name -> Varchar",
        )
        // A column the migrations dropped (the integer status before c41d7e2a9f3b).
        .replace(
            "status -> Varchar,",
            "status -> Varchar,\n        status_code -> Integer,",
        )
        // A column forgotten.
        .replace("        is_physical -> Bool,\n", "")
        // A join forgotten.
        .replace("diesel::joinable!(orders -> items (item_id));\n", "")
        // A table the migrations never created.
        .replace(
            "diesel::joinable!(orders -> users (user_id));",
            "diesel::table! {\n    coupons (code) {\n        code -> Text,\n    }\n}\n\n\
             diesel::joinable!(orders -> users (user_id));",
        );
    let models = parse_schema_rs(&wrong).unwrap();
    let list = disagreement(&models, &head()).expect("the mistakes are found");
    assert_eq!(
        list,
        [
            "  - table \"coupons\" is in the models but not in the schema state",
            "  - column \"items\".\"price_cents\" is BigInt in the models but Integer in the schema state",
            "  - column \"items\".\"is_physical\" is in the schema state but not in the models",
            "  - column \"orders\".\"status_code\" is in the models but not in the schema state",
            "  - column \"users\".\"display_name\" is NOT NULL in the models but nullable in the schema state",
            "  - the foreign key orders.item_id -> items of the schema state has no joinable! in the models",
        ]
        .join("\n")
    );

    // A file diesel would not accept is refused with its line.
    let broken = text.replace("        email -> Varchar,\n", "        email -> Varchar\n");
    assert_eq!(
        parse_schema_rs(&broken).unwrap_err().to_string(),
        "line 12: expected `,` after a column definition, found `name`"
    );
}

#[test]
fn the_printed_head_reads_back_and_is_committed() {
    let head = head();
    let printed = print_schema_rs(&head);
    let again = parse_schema_rs(&printed).unwrap();
    assert_eq!(disagreement(&again, &head), None);
    assert_eq!(print_schema_rs(&again), printed, "printing is stable");
    // The hand-written schema.rs says the same as the printed one, in diesel's view.
    let hand =
        parse_schema_rs(&std::fs::read_to_string(manifest_dir().join("src/schema.rs")).unwrap())
            .unwrap();
    assert_eq!(disagreement(&hand, &again), None);
    assert_rustfmt_clean(&printed);
    check_generated("schema_shop.rs", &printed);
}

fn temp_db() -> PathBuf {
    let path = std::env::temp_dir().join(format!("schema-rs-shop-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

#[test]
fn the_printed_head_queries_the_migrated_database() {
    use printed_shop::{items, orders, shipping_addresses, users};

    let path = temp_db();
    MIGRATIONS
        .run_pending(&format!("sqlite://{}", path.display()))
        .unwrap();
    let mut conn = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    diesel::insert_into(users::table)
        .values((users::email.eq("ada@example.com"), users::name.eq("Ada")))
        .execute(&mut conn)
        .unwrap();
    diesel::insert_into(items::table)
        .values((
            items::name.eq("book"),
            items::price_cents.eq(1200),
            items::is_physical.eq(true),
        ))
        .execute(&mut conn)
        .unwrap();
    diesel::insert_into(orders::table)
        .values((orders::user_id.eq(1), orders::item_id.eq(1)))
        .execute(&mut conn)
        .unwrap();
    diesel::insert_into(shipping_addresses::table)
        .values((
            shipping_addresses::order_id.eq(1),
            shipping_addresses::encrypted_address.eq(vec![1u8, 2, 3]),
        ))
        .execute(&mut conn)
        .unwrap();
    // The joins come from the printed joinable! and allow_tables_to_appear_in_same_query!.
    type Row = (String, Option<String>, String, bool, i32, String, Vec<u8>);
    let rows: Vec<Row> = orders::table
        .inner_join(users::table)
        .inner_join(items::table)
        .inner_join(shipping_addresses::table)
        .select((
            users::email,
            users::display_name,
            items::name,
            items::is_physical,
            orders::quantity,
            orders::status,
            shipping_addresses::encrypted_address,
        ))
        .load(&mut conn)
        .unwrap();
    drop(conn);
    let _ = std::fs::remove_file(&path);
    assert_eq!(
        rows,
        [(
            "ada@example.com".to_owned(),
            None,
            "book".to_owned(),
            true,
            1,
            "PENDING".to_owned(),
            vec![1, 2, 3]
        )]
    );
}

/// A schema with every type diesel has on every backend, names a `table!` cannot use as
/// they are, comments, composite keys and foreign keys diesel print-schema skips.
fn portable() -> Schema {
    let id = || {
        Column::new("id", Type::Integer)
            .primary_key()
            .autoincrement()
    };
    let mut ops = vec![op::create_table(
        Table::new("every_type")
            .column(id())
            .column(Column::new("big", Type::BigInt).not_null())
            .column(Column::new("small", Type::SmallInt))
            .column(Column::new("text", Type::Text).not_null())
            .column(Column::new("short", Type::Varchar(20)).comment("At most 20."))
            .column(Column::new("code", Type::Char(3)).not_null())
            .column(Column::new("flag", Type::Boolean).not_null())
            .column(Column::new("ratio", Type::Float))
            .column(Column::new("precise", Type::Double))
            .column(Column::new("money", Type::Numeric(12, 2)).not_null())
            .column(Column::new("day", Type::Date))
            .column(Column::new("at", Type::Time))
            .column(Column::new("stamp", Type::Timestamp).not_null())
            .column(Column::new("bytes", Type::Binary))
            .column(Column::new("doc", Type::Json))
            .comment("Every portable type.\nTwo lines of comment."),
    )];
    ops.push(op::create_table(
        Table::new("type")
            .column(id())
            .column(Column::new("type", Type::Text).not_null())
            .column(Column::new("match", Type::Integer))
            .column(Column::new("Order Total", Type::Double))
            .column(Column::new("1st", Type::Boolean))
            .column(Column::new("every_type_id", Type::Integer).not_null())
            .column(Column::new("table", Type::Integer))
            .column(Column::new("star", Type::Integer))
            .column(Column::new("dsl", Type::Integer))
            .column(Column::new("columns", Type::Integer))
            .column(Column::new("Integer", Type::Integer))
            .foreign_key(ForeignKey::new(["every_type_id"], "every_type", ["id"])),
    ));
    ops.push(op::create_table(
        Table::new("pairs")
            .column(Column::new("left_id", Type::Integer).not_null())
            .column(Column::new("right_id", Type::Integer).not_null())
            .column(Column::new("parent_left", Type::Integer))
            .column(Column::new("parent_right", Type::Integer))
            .primary_key(["left_id", "right_id"])
            // Composite: no joinable!.
            .foreign_key(ForeignKey::new(
                ["parent_left", "parent_right"],
                "pairs",
                ["left_id", "right_id"],
            )),
    ));
    ops.push(op::create_table(
        Table::new("log").column(Column::new("line", Type::Text).not_null()),
    ));
    ops.push(op::create_table(
        Table::new("diesel")
            .column(id())
            .column(Column::new("diesel", Type::Integer)),
    ));
    // Two foreign keys between the same tables: diesel print-schema writes no joinable!.
    ops.push(op::create_table(
        Table::new("moves")
            .column(id())
            .column(Column::new("from_id", Type::Integer).not_null())
            .column(Column::new("to_id", Type::Integer).not_null())
            .foreign_key(ForeignKey::new(["from_id"], "every_type", ["id"]))
            .foreign_key(ForeignKey::new(["to_id"], "every_type", ["id"])),
    ));
    // Short names, enough for allow_tables_to_appear_in_same_query! to pack several a line.
    for name in ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta"] {
        ops.push(op::create_table(
            Table::new(name)
                .column(id())
                .column(Column::new("type_id", Type::Integer))
                .foreign_key(ForeignKey::new(["type_id"], "type", ["id"])),
        ));
    }
    Schema::replay(&ops).unwrap()
}

#[test]
fn every_portable_type_prints_as_diesel_code_that_compiles() {
    let schema = portable();
    let printed = print_schema_rs(&schema);
    assert!(printed.contains("// Table \"log\" has no primary key"));
    assert!(printed.contains("#[sql_name = \"type\"]\n    type_ (id) {"));
    assert!(
        printed.contains("#[sql_name = \"Order Total\"]\n        Order_Total -> Nullable<Double>,")
    );
    assert!(printed.contains("diesel::joinable!(type_ -> every_type (every_type_id));"));
    assert!(!printed.contains("moves ->"));
    let again = parse_schema_rs(&printed).unwrap();
    assert_eq!(disagreement(&again, &schema), None);
    assert_rustfmt_clean(&printed);
    check_generated("schema_portable.rs", &printed);

    // The compiled copy is diesel code: a query over the renamed names type-checks.
    let query = printed_portable::type_::table
        .inner_join(printed_portable::every_type::table)
        .select((
            printed_portable::type_::type__,
            printed_portable::every_type::money,
        ));
    let sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(&query).to_string();
    assert!(sql.contains("`type`.`type`"), "{sql}");
}

/// Types only PostgreSQL has in diesel: `Timestamptz`, `Uuid` and enums (custom types).
fn postgres_only() -> Schema {
    let long_enum = "a_rather_long_enum_type_name_that_breaks_the_attribute_line_x";
    Schema::replay(&[
        op::create_enum(EnumType::new("order_status", ["pending", "paid"])),
        op::create_enum(EnumType::new(long_enum, ["a"])),
        op::create_table(
            Table::new("events")
                .column(Column::new("id", Type::Uuid).primary_key())
                .column(Column::new("at", Type::TimestampTz).not_null())
                .column(Column::new(
                    "status",
                    Type::Enum(EnumType::new("order_status", ["pending", "paid"])),
                ))
                .column(
                    Column::new("kind", Type::Enum(EnumType::new(long_enum, ["a"]))).not_null(),
                ),
        ),
    ])
    .unwrap()
}

#[test]
fn postgres_types_print_as_diesel_code() {
    let schema = postgres_only();
    let printed = print_schema_rs(&schema);
    assert!(printed.contains(
        "    #[diesel(postgres_type(name = \"order_status\"))]\n    pub struct OrderStatus;"
    ));
    assert!(printed.contains("    use super::sql_types::OrderStatus;\n"));
    let again = parse_schema_rs(&printed).unwrap();
    assert_eq!(disagreement(&again, &schema), None);
    assert_eq!(
        again.enums.keys().collect::<Vec<_>>(),
        schema.enums.keys().collect::<Vec<_>>()
    );
    assert_rustfmt_clean(&printed);
    // Compiled only with diesel's PostgreSQL types (`--features postgres`, as CI builds).
    check_generated("schema_postgres.rs", &printed);
}
