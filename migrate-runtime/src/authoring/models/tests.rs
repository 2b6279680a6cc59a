use super::*;
#[allow(unused_imports)]
use super::{compare::*, items::*, print::*, tokens::*, types::*};
use proptest::prelude::*;

const SHOP: &str = include_str!("../../../../migrations/src/schema.rs");

fn error(text: &str) -> String {
    parse_schema_rs(text).unwrap_err().to_string()
}

#[test]
fn reads_the_shop() {
    let s = parse_schema_rs(SHOP).unwrap();
    assert_eq!(
        s.tables.keys().collect::<Vec<_>>(),
        ["items", "orders", "shipping_addresses", "users"]
    );
    let users = s.table("users").unwrap();
    let names: Vec<&str> = users.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["id", "email", "name", "created_at", "display_name"]);
    assert_eq!(users.columns[1].ty, Type::Text);
    assert!(!users.columns[1].nullable);
    assert!(users.columns[4].nullable);
    assert_eq!(users.primary_key.as_ref().unwrap().name, "pk_users");
    let orders = s.table("orders").unwrap();
    let fks: Vec<(&str, &str)> = orders
        .foreign_keys
        .iter()
        .map(|f| (f.name.as_str(), f.ref_table.as_str()))
        .collect();
    assert_eq!(
        fks,
        [
            ("fk_orders_item_id_items", "items"),
            ("fk_orders_user_id_users", "users")
        ]
    );
}

#[test]
fn reads_names_types_and_custom_types() {
    let s = parse_schema_rs(
        r#"
        // @generated automatically by Diesel CLI.
        pub mod sql_types {
            #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
            #[diesel(postgres_type(name = "order_state"))]
            pub struct OrderStatus;
        }

        diesel::table! {
            use diesel::sql_types::*;
            use super::sql_types::OrderStatus;
            use crate::types::{Mood as Feeling};

            /// Orders.
            #[sql_name = "Orders"]
            shop.orders (order_id, line) {
                order_id -> Int8,
                line -> Int2,
                #[max_length = 40]
                #[sql_name = "type"]
                type_ -> Varchar,
                r#loop -> Nullable<diesel::sql_types::Numeric>,
                status -> OrderStatus,
                mood -> Nullable<Feeling>,
                at -> Timestamptz,
                data -> Jsonb,
                #[max_length = 2]
                code -> Bpchar,
            }
        }
        "#,
    )
    .unwrap();
    let t = s.table("Orders").unwrap();
    assert_eq!(
        t.primary_key.as_ref().unwrap().columns,
        ["order_id", "line"]
    );
    let col = |n: &str| t.get_column(n).unwrap();
    assert_eq!(col("type").ty, Type::Varchar(40));
    assert_eq!(col("loop").ty, NUMERIC_WITHOUT_PRECISION);
    assert!(col("loop").nullable);
    assert_eq!(
        col("status").ty,
        Type::Enum(EnumType::new("order_state", Vec::<String>::new()))
    );
    assert_eq!(col("mood").ty.diesel_sql_type(), "Feeling");
    assert_eq!(col("at").ty, Type::TimestampTz);
    assert_eq!(col("data").ty, Type::Json);
    assert_eq!(col("code").ty, Type::Char(2));
    assert_eq!(
        s.enums.keys().collect::<Vec<_>>(),
        ["feeling", "order_state"]
    );
}

#[test]
fn errors_name_the_line() {
    assert_eq!(
        error("table! {\n  t (id) {\n    id -> Integer,\n    tags -> Array<Text>,\n  }\n}"),
        "line 4: `Array` is a diesel type outside the schema model's closed set of types"
    );
    assert_eq!(
        error("table! {\n  t (id) {\n    id -> Integer,\n    mood -> Mood,\n  }\n}"),
        "line 4: `Mood` is not a diesel SQL type: for a custom (enum) type, import it with a `use` line inside the `table!` block"
    );
    assert_eq!(
        error("table! {\n  t {\n    name -> Text,\n  }\n}"),
        "line 2: table `t` declares no primary key and has no `id` column: write `t (column) {`"
    );
    assert_eq!(
        error("table! {\n  t (id) {\n    id -> Integer,\n  }\n\n"),
        "line 1: this `{` is never closed: add its `}`"
    );
    assert_eq!(
        error("table! { t (id) { id -> Integer, } }\njoinable!(t -> u (id));"),
        "line 2: `joinable!` names table `u`, which no `table!` declares"
    );
    assert_eq!(
        error("table! {\n  t (key) {\n    id -> Integer,\n  }\n}"),
        "line 2: primary key column `key` is not a column of table `t`"
    );
    assert_eq!(
        error("table! {\n  t (id) {\n    id -> Nullable<Integer>,\n  }\n}"),
        "line 2: primary key column `id` of table `t` is Nullable: a key column cannot be"
    );
    assert_eq!(
        error("table! { t (id) { id -> Integer, } }\ntable! {\n t (id) { id -> Integer, } }"),
        "line 3: table `t` is declared twice"
    );
    assert_eq!(
        error("table! { t (id) { id -> Integer, } u (id) { id -> Integer, } }"),
        "line 1: unexpected `u` after table `t`: diesel 2 takes one table per `table!` block"
    );
    assert_eq!(
        error("table! { t (id) { id -> Integer, x -> \"Text\", } }"),
        "line 1: expected a SQL type, found the string \"Text\""
    );
    assert_eq!(
        error("\n\n/* open"),
        "line 3: this block comment is never closed: end it with `*/`"
    );
    assert_eq!(error("a ) b"), "line 1: `)` closes nothing");
}

#[test]
fn deep_nesting_is_refused_not_followed() {
    let deep = "(".repeat(100_000);
    assert!(error(&deep).contains("nested deeper"));
    let types = format!(
        "table! {{ t (id) {{ id -> {}Integer }} }}",
        "Nullable<".repeat(500)
    );
    assert!(error(&types).contains("nested deeper"));
}

#[test]
fn prints_what_it_reads() {
    let shop = parse_schema_rs(SHOP).unwrap();
    let printed = print_schema_rs(&shop);
    let again = parse_schema_rs(&printed).unwrap();
    assert_eq!(diesel_differences(&again, &shop), []);
    assert_eq!(print_schema_rs(&again), printed);
}

#[test]
fn differences_are_listed() {
    let shop = parse_schema_rs(SHOP).unwrap();
    let wrong = SHOP
        .replace("price_cents -> Integer", "price_cents -> Nullable<BigInt>")
        .replace("        is_physical -> Bool,\n", "")
        .replace("diesel::joinable!(orders -> items (item_id));", "");
    let wrong = parse_schema_rs(&wrong).unwrap();
    let diffs: Vec<String> = diesel_differences(&wrong, &shop)
        .iter()
        .map(|d| d.to_string())
        .collect();
    assert_eq!(
        diffs,
        [
            "column \"items\".\"price_cents\" is Nullable<BigInt> in the models but Integer in the schema state",
            "column \"items\".\"is_physical\" is in the schema state but not in the models",
            "the foreign key orders.item_id -> items of the schema state has no joinable! in the models",
        ]
    );
}

/// Inputs that once were, or could be, trouble: each is read without a panic, and the
/// ones that are valid keep their table.
#[test]
fn corpus() {
    let table = "diesel::table! { t (id) { id -> Integer, } }";
    for ok in [
        format!("\u{feff}{table}"),
        format!("{table}\r\n"),
        format!("@ ! {table}"),
        format!("#![allow(unused)]\n{table}"),
        format!("pub(crate) mod schema {{ {table} }}"),
        format!("macro_rules! m {{ () => {{}} }}\n{table}"),
        format!("/* /* nested */ */ {table} // trailing"),
        format!("const X: [u8; 2] = [1, 2];\n{table}"),
        format!("::{table}"),
        format!("{table}\ndiesel::allow_tables_to_appear_in_same_query!(t, t);"),
    ] {
        let s = parse_schema_rs(&ok).unwrap_or_else(|e| panic!("{ok:?}: {e}"));
        assert!(s.table("t").is_some(), "{ok:?}");
    }
    for bad in [
        "",
        "\"",
        "r#\"",
        "r##\"abc\"#",
        "b'",
        "'",
        "'\\",
        "\"\\u{110000}\"",
        "\"\\u{",
        "\"\\x\"",
        "table!",
        "table! {",
        "table! { t (",
        "table! { t () { id -> Integer, } }",
        "table! { t (id) { id -> } }",
        "table! { t (id) { id -> Nullable<> } }",
        "table! { t (id) { id -> Nullable<Integer, Text> } }",
        "table! { t (id) { #[sql_name] id -> Integer } }",
        "table! { t (id) { #[max_length = x] id -> Integer } }",
        "table! { use ; t (id) { id -> Integer } }",
        "table! { use a::{b, {c as}}; t (id) { id -> Integer } }",
        "joinable!(a -> b ());",
        "joinable!(a ->);",
        "pub mod sql_types { # }",
        "pub mod sql_types { #[diesel(postgres_type(name = 1))] pub struct X; }",
        "mod",
        "pub(",
        "\u{202e}",
    ] {
        let _ = parse_schema_rs(bad);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics_on_any_text(text in "\\PC*") {
        let _ = parse_schema_rs(&text);
    }

    #[test]
    fn never_panics_on_schema_rs_like_text(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("diesel::table!"), Just("table!"), Just("joinable!"), Just("{"), Just("}"),
                Just("("), Just(")"), Just("<"), Just(">"), Just("->"), Just(","), Just(";"),
                Just("#[sql_name = \"x\"]"), Just("#[max_length = 3]"), Just("Nullable"),
                Just("Integer"), Just("Varchar"), Just("use"), Just("::"), Just("*"),
                Just("id"), Just("t"), Just("u"), Just("pub mod sql_types"), Just("\""),
                Just("'"), Just("/*"), Just("*/"), Just("//"), Just("\n"), Just("r#"),
                Just("#"), Just("."), Just("\\"),
            ],
            0..60,
        )
    ) {
        let _ = parse_schema_rs(&parts.join(" "));
    }

    #[test]
    fn never_panics_on_mutations_of_the_shop(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0usize..4, "\\PC{0,3}"), 1..8)
    ) {
        let mut text: Vec<char> = SHOP.chars().collect();
        for (at, kind, s) in edits {
            let i = at.index(text.len() + 1);
            match kind {
                0 => { text.insert(i.min(text.len()), s.chars().next().unwrap_or('{')); }
                1 => { if i < text.len() { text.remove(i); } }
                2 => { let end = (i + 20).min(text.len()); text.drain(i.min(end)..end); }
                _ => { for (k, c) in s.chars().enumerate() { if i + k < text.len() { text[i + k] = c; } } }
            }
        }
        let text: String = text.into_iter().collect();
        let _ = parse_schema_rs(&text);
        if let Ok(s) = parse_schema_rs(&text) {
            let printed = print_schema_rs(&s);
            prop_assert!(parse_schema_rs(&printed).is_ok(), "{printed}");
        }
    }
}

fn sql_name() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-z][a-z_]{0,10}",
        2 => "[a-z][a-z_]{10,40}",
        1 => Just("type".to_owned()),
        1 => Just("match".to_owned()),
        1 => "[A-Za-z0-9 é-]{1,12}",
    ]
}

fn model_type() -> impl Strategy<Value = Type> {
    prop_oneof![
        Just(Type::Integer),
        Just(Type::BigInt),
        Just(Type::Text),
        Just(Type::Boolean),
        Just(Type::TimestampTz),
        Just(Type::Uuid),
        Just(NUMERIC_WITHOUT_PRECISION),
        (1u32..500).prop_map(Type::Varchar),
        "[a-z][a-z_]{0,70}".prop_map(|n| Type::Enum(EnumType::new(n, Vec::<String>::new()))),
    ]
}

/// Random schemas: awkward names, every kind of key, custom types, foreign keys.
fn schema() -> impl Strategy<Value = Schema> {
    proptest::collection::vec(
        (
            sql_name(),
            proptest::collection::vec((sql_name(), model_type(), any::<bool>()), 1..6),
            0usize..3,
            proptest::option::weighted(0.3, "[ -~]{0,40}"),
        ),
        1..14,
    )
    .prop_flat_map(|tables| {
        let n = tables.len();
        (
            Just(tables),
            proptest::collection::vec((0..n, 0..n, 0usize..6), 0..8),
        )
    })
    .prop_map(|(tables, fks)| {
        let mut schema = Schema::new();
        for (name, cols, pk, comment) in tables {
            if schema.tables.contains_key(&name) {
                continue;
            }
            let mut t = Table::new(name.clone());
            for (c, ty, nullable) in cols {
                if t.get_column(&c).is_some() {
                    continue;
                }
                if let Type::Enum(e) = &ty {
                    schema.enums.insert(e.name.clone(), e.clone());
                }
                let mut col = Column::new(c, ty);
                col.nullable = nullable;
                t.columns.push(col);
            }
            let keys: Vec<String> = t.columns.iter().take(pk).map(|c| c.name.clone()).collect();
            for c in &mut t.columns {
                if keys.contains(&c.name) {
                    c.nullable = false;
                }
            }
            if !keys.is_empty() {
                t = t.primary_key(keys);
            }
            t.comment = comment;
            schema.tables.insert(name, t);
        }
        let names: Vec<String> = schema.tables.keys().cloned().collect();
        for (child, parent, col) in fks {
            let (child, parent) = (&names[child % names.len()], &names[parent % names.len()]);
            let Some(pk) = schema.tables[parent].primary_key.clone() else {
                continue;
            };
            let t = &schema.tables[child];
            let c = t.columns[col % t.columns.len()].name.clone();
            let fk = ForeignKey::new([c], parent.clone(), pk.columns.iter().take(1).cloned());
            let t = schema.tables.remove(child).unwrap().foreign_key(fk);
            schema.tables.insert(child.clone(), t);
        }
        schema
    })
}

/// `rustfmt --check` on `text`: `None` when rustfmt is not installed.
fn rustfmt_clean(text: &str) -> Option<bool> {
    let dir = tempfile::tempdir().ok()?;
    let file = dir.path().join("schema.rs");
    std::fs::write(&file, text).ok()?;
    let out = std::process::Command::new("rustfmt")
        .args(["--check", "--edition", "2021"])
        .arg(&file)
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stdout));
    }
    Some(out.status.success())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn printed_schemas_read_back_and_are_rustfmt_clean(schema in schema()) {
        let printed = print_schema_rs(&schema);
        let again = parse_schema_rs(&printed).map_err(|e| TestCaseError::fail(format!("{e}\n{printed}")))?;
        prop_assert_eq!(diesel_differences(&again, &schema), vec![], "{}", printed);
        // Tables without a primary key are left out, and doc comments are not read.
        let mut keyed = schema.clone();
        keyed.tables.retain(|_, t| t.primary_key.is_some());
        for t in keyed.tables.values_mut() {
            t.comment = None;
        }
        prop_assert_eq!(print_schema_rs(&again), print_schema_rs(&keyed));
        if let Some(clean) = rustfmt_clean(&printed) {
            prop_assert!(clean, "rustfmt would change:\n{}", printed);
        }
    }
}
