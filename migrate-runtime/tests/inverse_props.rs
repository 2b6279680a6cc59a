//! Property tests of derived downgrades, and unit tests of `Schema::apply`'s errors.
//!
//! Sequences of ops are generated against a model (each op is built from random choices and
//! the schema so far, so most of them apply). For every op that applies, the op followed by
//! its inverse gives back the same schema; the derived downgrade of the whole sequence gives
//! back the starting schema; and every dialect renders the ops without panicking.
//!
//! "The same schema" is `Schema`'s `PartialEq`, except after `drop_column`: its inverse adds
//! the column back at the end of the table (PostgreSQL cannot add a column anywhere else), so
//! there the order of columns may differ.

use migrate_runtime::dialect::{render, Dialect, RenderError};
use migrate_runtime::inverse::{derive_downgrade, inverse};
use migrate_runtime::prelude::*;
use migrate_runtime::schema::{Schema, SchemaErrorKind};
use proptest::prelude::*;

const TABLES: [&str; 5] = ["users", "items", "orders", "order", "línea"];
const COLUMNS: [&str; 8] = [
    "id",
    "name",
    "price",
    "user \"id\"",
    "qty",
    "note",
    "é",
    "back`tick",
];

fn types(n: u16) -> Type {
    match n % 14 {
        0 => Type::Integer,
        1 => Type::BigInt,
        2 => Type::SmallInt,
        3 => Type::Text,
        4 => Type::Varchar(1 + u32::from(n % 200)),
        5 => Type::Boolean,
        6 => Type::Double,
        7 => Type::Numeric(10, (n % 5) as u8),
        8 => Type::Date,
        9 => Type::Timestamp,
        10 => Type::Binary,
        11 => Type::Json,
        12 => Type::Uuid,
        _ => Type::Char(1 + u32::from(n % 4)),
    }
}

fn default_for(ty: &Type, n: u16) -> Option<DefaultValue> {
    match (ty, n % 4) {
        (_, 0) => None,
        (Type::Integer | Type::BigInt | Type::SmallInt, _) => Some(i64::from(n % 100).into()),
        (Type::Boolean, _) => Some((n % 2 == 0).into()),
        (Type::Text | Type::Varchar(_), 1) => Some("it's \\".into()),
        (Type::Timestamp, _) => Some(DefaultValue::sql("CURRENT_TIMESTAMP")),
        _ => None,
    }
}

fn pick<T>(items: &[T], n: u16) -> Option<&T> {
    (!items.is_empty()).then(|| &items[usize::from(n) % items.len()])
}

/// One random choice per field: the op kind and four numbers to pick its arguments with.
type Seed = (u8, u16, u16, u16, u16);

fn column(name: &str, a: u16, b: u16) -> Column {
    let ty = types(a);
    let mut c = Column::new(name, ty.clone());
    if b % 3 == 0 {
        c = c.not_null();
    }
    if let Some(d) = default_for(&ty, b / 3) {
        c = c.server_default(d);
    }
    if b % 7 == 0 {
        c = c.comment("it's a comment");
    }
    c
}

/// Builds an op from `seed` against `s`: valid most of the time, not always.
fn build(s: &Schema, seed: Seed) -> Option<Op> {
    let (kind, a, b, c, e) = seed;
    let tables: Vec<&Table> = s.tables.values().collect();
    let table = pick(&tables, a).copied();
    let col = |t: &Table, n: u16| pick(&t.columns, n).map(|c| c.name.clone());
    Some(match kind % 17 {
        0 | 1 => {
            let name = TABLES[usize::from(a) % TABLES.len()];
            let mut t = Table::new(name);
            if b % 2 == 0 {
                let mut id = Column::new("id", Type::Integer).primary_key();
                if b % 4 == 0 {
                    id = id.autoincrement();
                }
                t = t.column(id);
            }
            for i in 0..(1 + c % 3) {
                let n = COLUMNS[usize::from(c / 3 + i * 3 + 1) % COLUMNS.len()];
                if t.get_column(n).is_none() {
                    let mut col = column(n, e.wrapping_add(i * 5), e / 7 + i);
                    if e % 5 == 0 && i == 0 {
                        col = col.unique();
                    }
                    t = t.column(col);
                }
            }
            if let Some(parent) = tables
                .iter()
                .find(|p| p.primary_key.as_ref().is_some_and(|k| k.columns == ["id"]) && e % 3 == 0)
            {
                let fk_col = format!("{}_id", parent.name);
                t = t.column(Column::new(&fk_col, Type::Integer)).foreign_key(
                    ForeignKey::new([fk_col.as_str()], parent.name.clone(), ["id"])
                        .on_delete(FkAction::Cascade),
                );
            }
            if e % 4 == 1 {
                let first = t.columns[0].name.clone();
                t = t.index(Index::new([first]));
            }
            if e % 6 == 2 {
                t = t.check(Check::new("one", "1 = 1"));
            }
            op::create_table(t)
        }
        2 => op::drop_table(table?.name.clone()),
        3 => op::rename_table(table?.name.clone(), TABLES[usize::from(b) % TABLES.len()]),
        4 | 5 => {
            let t = table?;
            let name = COLUMNS[usize::from(b) % COLUMNS.len()];
            let mut col = column(name, c, e);
            if e % 5 == 1 {
                col = col.unique();
            }
            if e % 11 == 3 && t.primary_key.is_none() {
                col = col.primary_key();
                if e % 2 == 0 {
                    col = Column {
                        ty: Type::Integer,
                        ..col
                    }
                    .autoincrement();
                }
            }
            op::add_column(t.name.clone(), col)
        }
        6 => {
            let t = table?;
            op::drop_column(t.name.clone(), col(t, b)?)
        }
        7 | 8 => {
            let t = table?;
            let mut change = AlterColumn::new();
            if c % 2 == 0 {
                change = change.rename(COLUMNS[usize::from(e) % COLUMNS.len()]);
            }
            if c % 3 == 0 {
                change = change.set_type(types(e / 3));
            }
            match c % 5 {
                0 => change = change.nullable(),
                1 => change = change.not_null(),
                _ => {}
            }
            match c % 7 {
                0 => change = change.drop_default(),
                1 => change = change.set_default(1),
                2 => change = change.set_default("x"),
                _ => {}
            }
            match c % 11 {
                0 => change = change.set_comment("new comment"),
                1 => change = change.drop_comment(),
                _ => {}
            }
            op::alter_column(t.name.clone(), col(t, b)?, change)
        }
        9 => {
            let t = table?;
            let mut cols = vec![col(t, b)?];
            if let Some(second) = col(t, c).filter(|x| !cols.contains(x)) {
                if e % 2 == 0 {
                    cols.push(second);
                }
            }
            let mut i = Index::new(cols);
            if e % 3 == 0 {
                i = i.unique();
            }
            if e % 5 == 0 {
                i = i.where_clause("1 = 1");
            }
            op::create_index(t.name.clone(), i)
        }
        10 => {
            let t = table?;
            op::drop_index(t.name.clone(), pick(&t.indexes, b)?.name.clone())
        }
        11 => {
            let t = table?;
            op::create_unique_constraint(t.name.clone(), Unique::new([col(t, b)?]))
        }
        12 => {
            let t = table?;
            let parent = pick(&tables, c)?;
            let key = parent
                .primary_key
                .as_ref()
                .filter(|k| k.columns.len() == 1)?;
            let action = [
                FkAction::NoAction,
                FkAction::Cascade,
                FkAction::SetNull,
                FkAction::Restrict,
            ];
            op::create_foreign_key(
                t.name.clone(),
                ForeignKey::new([col(t, b)?], parent.name.clone(), key.columns.clone())
                    .on_delete(action[usize::from(e) % 4])
                    .on_update(action[usize::from(e / 4) % 4]),
            )
        }
        13 => {
            let t = table?;
            op::create_check_constraint(
                t.name.clone(),
                Check::new(format!("c{}", b % 3), check_sql(&col(t, c)?)),
            )
        }
        14 => {
            let t = table?;
            let not_null: Vec<String> = t
                .columns
                .iter()
                .filter(|c| !c.nullable)
                .map(|c| c.name.clone())
                .collect();
            op::create_primary_key(t.name.clone(), [pick(&not_null, b)?.clone()])
        }
        15 => {
            let t = table?;
            let names: Vec<&str> = t
                .primary_key
                .iter()
                .map(|p| p.name.as_str())
                .chain(t.uniques.iter().map(|u| u.name.as_str()))
                .chain(t.foreign_keys.iter().map(|f| f.name.as_str()))
                .chain(t.checks.iter().map(|c| c.name.as_str()))
                .collect();
            op::drop_constraint(t.name.clone(), *pick(&names, b)?)
        }
        _ => match b % 4 {
            0 => op::create_enum(EnumType::new(
                format!("mood{}", c % 2),
                ["happy", "it's ok"],
            )),
            1 => op::drop_enum(format!("mood{}", c % 2)),
            2 => {
                let t = table?;
                let e = s.enums.values().next()?.clone();
                op::add_column(t.name.clone(), Column::new("mood", Type::Enum(e)))
            }
            _ => op::execute(Execute::new("SELECT 1").reverse("SELECT 2")),
        },
    })
}

/// A condition that names `column`: bare when it can be, quoted otherwise.
fn check_sql(column: &str) -> String {
    if column.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
        format!("{column} IS NOT NULL OR 'x' <> '{column}'")
    } else {
        format!("\"{}\" IS NOT NULL", column.replace('"', "\"\""))
    }
}

/// The ops built from `seeds` that apply, in order, and the schema after them.
fn valid_ops(seeds: &[Seed]) -> (Vec<Op>, Schema) {
    let mut s = Schema::new();
    let mut ops = Vec::new();
    for seed in seeds {
        if let Some(op) = build(&s, *seed) {
            if s.apply(&op).is_ok() {
                ops.push(op);
            }
        }
    }
    (ops, s)
}

fn sorted_columns(schema: &Schema) -> Schema {
    let mut s = schema.clone();
    for t in s.tables.values_mut() {
        t.columns.sort_by(|a, b| a.name.cmp(&b.name));
    }
    s
}

fn seeds() -> impl Strategy<Value = Vec<Seed>> {
    prop::collection::vec(any::<Seed>(), 1..60)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn an_op_then_its_inverse_gives_back_the_schema(seeds in seeds()) {
        let mut s = Schema::new();
        for seed in &seeds {
            let Some(op) = build(&s, *seed) else { continue };
            let mut after = s.clone();
            if after.apply(&op).is_err() {
                continue;
            }
            let inv = inverse(&s, &op)
                .unwrap_or_else(|e| panic!("no inverse for {}: {e}", op.describe()));
            let mut back = after.clone();
            for i in &inv {
                back.apply(i).unwrap_or_else(|e| {
                    panic!("the inverse of {} does not apply: {e}\n{inv:#?}", op.describe())
                });
            }
            if matches!(op, Op::DropColumn { .. }) {
                prop_assert_eq!(sorted_columns(&back), sorted_columns(&s), "{}", op.describe());
            } else {
                prop_assert_eq!(&back, &s, "{}", op.describe());
            }
            s = after;
        }
    }

    #[test]
    fn the_derived_downgrade_gives_back_the_start(
        before in seeds(),
        seeds in seeds(),
    ) {
        let (_, start) = valid_ops(&before);
        let mut end = start.clone();
        let mut ops = Vec::new();
        for seed in &seeds {
            if let Some(op) = build(&end, *seed) {
                if end.apply(&op).is_ok() {
                    ops.push(op);
                }
            }
        }
        let down = derive_downgrade(&start, &ops).expect("every generated op is reversible");
        let mut back = end;
        for op in &down {
            back.apply(op).unwrap_or_else(|e| panic!("the downgrade does not apply: {e}"));
        }
        prop_assert_eq!(sorted_columns(&back), sorted_columns(&start));
        if !ops.iter().any(|o| matches!(o, Op::DropColumn { .. })) {
            prop_assert_eq!(back, start);
        }
    }

    #[test]
    fn every_dialect_renders_the_ops_and_their_downgrade(seeds in seeds()) {
        let (ops, end) = valid_ops(&seeds);
        let down = derive_downgrade(&Schema::new(), &ops).expect("reversible");
        for d in Dialect::ALL {
            for (before, ops) in [(&Schema::new(), &ops), (&end, &down)] {
                match render(d, before, ops) {
                    Ok(_) => {}
                    // What MySQL cannot do is a clear error, never a panic.
                    Err(RenderError::Unsupported { dialect: Dialect::Mysql, reason, .. })
                        if reason.contains("partial indexes") => {}
                    Err(e) => panic!("{d}: {e}"),
                }
            }
        }
    }
}

// ---- Schema::apply errors ----

fn shop() -> Schema {
    Schema::replay(&[
        op::create_table(
            Table::new("users")
                .column(
                    Column::new("id", Type::Integer)
                        .primary_key()
                        .autoincrement(),
                )
                .column(Column::new("email", Type::Text).not_null().unique())
                .column(Column::new("name", Type::Text))
                .index(Index::new(["name"])),
        ),
        op::create_table(
            Table::new("orders")
                .column(Column::new("id", Type::Integer).primary_key())
                .column(Column::new("user_id", Type::Integer).not_null())
                .foreign_key(ForeignKey::new(["user_id"], "users", ["id"])),
        ),
    ])
    .unwrap()
}

fn error(op: Op) -> String {
    shop().apply(&op).unwrap_err().to_string()
}

#[test]
fn unknown_names_get_the_closest_one() {
    assert_eq!(
        error(op::add_column("user", Column::new("x", Type::Text))),
        "cannot apply add_column \"user\".\"x\": table \"user\" does not exist (did you mean \"users\"?)"
    );
    assert_eq!(
        error(op::drop_column("users", "emial")),
        "cannot apply drop_column \"users\".\"emial\": column \"emial\" does not exist in table \"users\" (did you mean \"email\"?)"
    );
    assert_eq!(
        error(op::drop_index("users", "ix_users_nam")),
        "cannot apply drop_index \"ix_users_nam\" on \"users\": table \"users\" has no index \"ix_users_nam\" (did you mean \"ix_users_name\"?)"
    );
    assert_eq!(
        error(op::drop_constraint("users", "uq_users_mail")),
        "cannot apply drop_constraint \"uq_users_mail\" on \"users\": table \"users\" has no constraint \"uq_users_mail\" (did you mean \"uq_users_email\"?)"
    );
    // Nothing close: no hint.
    assert_eq!(
        error(op::drop_table("zzzzzzzz")),
        "cannot apply drop_table \"zzzzzzzz\": table \"zzzzzzzz\" does not exist"
    );
}

#[test]
fn columns_in_use_cannot_be_dropped() {
    assert_eq!(
        error(op::drop_column("users", "name")),
        "cannot apply drop_column \"users\".\"name\": column \"users\".\"name\" is still used by index \"ix_users_name\": drop index \"ix_users_name\" first"
    );
    assert_eq!(
        error(op::drop_column("users", "email")),
        "cannot apply drop_column \"users\".\"email\": column \"users\".\"email\" is still used by unique constraint \"uq_users_email\": drop unique constraint \"uq_users_email\" first"
    );
    assert_eq!(
        error(op::drop_column("users", "id")),
        "cannot apply drop_column \"users\".\"id\": column \"users\".\"id\" is still used by foreign key \"fk_orders_user_id_users\" of table \"orders\": drop that foreign key first"
    );
    assert_eq!(
        error(op::drop_column("orders", "user_id")),
        "cannot apply drop_column \"orders\".\"user_id\": column \"orders\".\"user_id\" is still used by foreign key \"fk_orders_user_id_users\": drop foreign key \"fk_orders_user_id_users\" first"
    );
}

#[test]
fn referenced_tables_and_keys_cannot_be_dropped() {
    assert_eq!(
        error(op::drop_table("users")),
        "cannot apply drop_table \"users\": table \"users\" is still used by foreign key \"fk_orders_user_id_users\" of table \"orders\": drop that foreign key first"
    );
    let mut s = shop();
    s.apply(&op::create_table(
        Table::new("items")
            .column(Column::new("id", Type::Integer).primary_key())
            .column(Column::new("sku", Type::Text).not_null().unique()),
    ))
    .unwrap();
    s.apply(&op::create_foreign_key(
        "orders",
        ForeignKey::new(["user_id"], "items", ["sku"]).name("fk_sku"),
    ))
    .unwrap();
    let e = s
        .apply(&op::drop_constraint("items", "uq_items_sku"))
        .unwrap_err();
    assert!(matches!(e.kind, SchemaErrorKind::InUse { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        "cannot apply drop_constraint \"uq_items_sku\" on \"items\": unique constraint \"uq_items_sku\" is still used by foreign key \"fk_sku\" of table \"orders\": drop that foreign key first"
    );
    // Another key over the same columns can take over.
    s.apply(&op::create_index("items", Index::new(["sku"]).unique()))
        .unwrap();
    s.apply(&op::drop_constraint("items", "uq_items_sku"))
        .unwrap();
    let e = s
        .apply(&op::drop_index("items", "ix_items_sku"))
        .unwrap_err();
    assert!(matches!(e.kind, SchemaErrorKind::InUse { .. }), "{e}");
}

#[test]
fn other_invalid_ops_are_explained() {
    let cases = [
        (
            op::create_table(Table::new("users").column(Column::new("x", Type::Text))),
            "table \"users\" already exists",
        ),
        (
            op::add_column("users", Column::new("email", Type::Text)),
            "column \"email\" already exists in table \"users\"",
        ),
        (
            op::alter_column("users", "name", AlterColumn::new()),
            "alter_column changes nothing: set a new name, type, nullability, default or comment",
        ),
        (
            op::alter_column("users", "name", AlterColumn::new().rename("email")),
            "column \"email\" already exists in table \"users\"",
        ),
        (
            op::alter_column("users", "id", AlterColumn::new().nullable()),
            "column \"users\".\"id\" is still used by the primary key (a key column cannot be nullable): drop the primary key first",
        ),
        (
            op::alter_column("users", "id", AlterColumn::new().set_type(Type::Text)),
            "column \"id\" is autoincrement and must keep an integer type",
        ),
        (
            op::create_index("orders", Index::new(["user_id"]).name("ix_users_name")),
            "the name \"ix_users_name\" is already used by an index or constraint of table \"users\": give this one another name",
        ),
        (
            op::create_primary_key("users", ["name"]),
            "table \"users\" already has the primary key \"pk_users\": drop it first",
        ),
        (
            op::drop_constraint("users", "pk_users"),
            "primary key \"pk_users\" is still used by autoincrement column \"id\": drop the column's autoincrement (drop the column) first",
        ),
        (
            op::drop_constraint("users", "ix_users_name"),
            "\"ix_users_name\" is an index, not a constraint: use op::drop_index(\"users\", \"ix_users_name\")",
        ),
        (
            op::add_column("users", Column::new("mood", Type::Enum(EnumType::new("mood", ["a"])))),
            "enum type \"mood\" does not exist: create it first with op::create_enum",
        ),
        (
            op::drop_column("orders", "id"),
            "",
        ),
        (
            op::bulk_insert("users", ["id", "email"], vec![vec![1.into()]]),
            "row 0 has 1 values for 2 columns",
        ),
        (
            op::create_foreign_key("orders", ForeignKey::new(["user_id"], "users", ["id", "email"])),
            "foreign key \"fk_orders_user_id_users\" has 1 columns but references 2",
        ),
    ];
    for (op, expected) in cases {
        let described = op.describe();
        match shop().apply(&op) {
            Err(e) => assert_eq!(
                e.to_string(),
                format!("cannot apply {described}: {expected}")
            ),
            Ok(()) => assert!(
                expected.is_empty(),
                "{described} applied but should fail: {expected}"
            ),
        }
    }
}

#[test]
fn renames_follow_into_checks_and_partial_indexes() {
    let mut s = Schema::replay(&[op::create_table(
        Table::new("t")
            .column(Column::new("price", Type::Integer))
            .column(Column::new("qty", Type::Integer))
            .check(Check::new(
                "a",
                "price > 0 AND 'price' <> \"price\" AND PRICE < abs(\"qty\")",
            ))
            .index(Index::new(["qty"]).where_clause("\"qty\" > 1 AND price(1) > 0")),
    )])
    .unwrap();
    s.apply(&op::rename_column("t", "price", "unit_price"))
        .unwrap();
    s.apply(&op::rename_column("t", "qty", "n")).unwrap();
    let t = s.table("t").unwrap();
    assert_eq!(
        t.checks[0].expr,
        "unit_price > 0 AND 'price' <> \"unit_price\" AND unit_price < abs(\"n\")"
    );
    assert_eq!(
        t.indexes[0].where_clause.as_deref(),
        Some("\"n\" > 1 AND price(1) > 0")
    );
    // A bare name cannot become one that needs quotes.
    let e = s
        .apply(&op::rename_column("t", "unit_price", "Unit Price"))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot apply alter_column \"t\".\"unit_price\": column \"t\".\"unit_price\" is still used by check constraint \"ck_t_a\" (its SQL names the column without the quotes \"Unit Price\" needs): drop check constraint \"ck_t_a\" first"
    );
    // A quoted one can.
    s.apply(&op::rename_column("t", "n", "the \"n\"")).unwrap();
    let t = s.table("t").unwrap();
    assert_eq!(
        t.indexes[0].where_clause.as_deref(),
        Some("\"the \"\"n\"\"\" > 1 AND price(1) > 0")
    );
    assert!(t.checks[0].expr.ends_with("abs(\"the \"\"n\"\"\")"));
}

#[test]
fn columns_named_in_checks_cannot_be_dropped() {
    let s = Schema::replay(&[op::create_table(
        Table::new("t")
            .column(Column::new("id", Type::Integer))
            .column(Column::new("price", Type::Integer))
            .check(Check::new("a", "price > 0"))
            .index(Index::new(["id"]).name("ix_p").where_clause("id > 'price'")),
    )])
    .unwrap();
    assert_eq!(
        s.clone().apply(&op::drop_column("t", "price")).unwrap_err().to_string(),
        "cannot apply drop_column \"t\".\"price\": column \"t\".\"price\" is still used by check constraint \"ck_t_a\": drop check constraint \"ck_t_a\" first"
    );
}

#[test]
fn a_failed_op_changes_nothing() {
    let mut s = shop();
    let before = s.clone();
    assert!(s.apply(&op::drop_table("users")).is_err());
    assert_eq!(s, before);
}
