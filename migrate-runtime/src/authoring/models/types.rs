//! From what was read to the schema model: diesel types onto the closed set, tables,
//! joins; [`parse_schema_rs`].

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use super::{compare::*, items::*, print::*, tokens::*};

pub(super) fn snake_case(name: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, ch) in chars.iter().enumerate() {
        if ch.is_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if i > 0 && (prev_lower || (next_lower && chars[i - 1].is_uppercase())) {
                out.push('_');
            }
            out.extend(ch.to_lowercase());
        } else {
            out.push(*ch);
        }
    }
    out
}

/// diesel type names outside the closed set of [`Type`].
pub(super) const UNSUPPORTED: &[&str] = &[
    "Array",
    "Range",
    "Multirange",
    "Interval",
    "TinyInt",
    "Tinyint",
    "Unsigned",
    "Money",
    "Inet",
    "Cidr",
    "MacAddr",
    "MacAddr8",
    "Oid",
    "Record",
    "Citext",
    "CChar",
    "Int4range",
    "Int8range",
    "Numrange",
    "Tsrange",
    "Tstzrange",
    "Daterange",
];

pub(super) struct TypeContext<'a> {
    pub(super) table: &'a RawTable,
    pub(super) sql_types: &'a BTreeMap<String, String>,
}

/// A column's type and nullability.
pub(super) fn column_type(
    raw: &RawType,
    max_length: Option<(u32, u32)>,
    cx: &TypeContext<'_>,
) -> Result<(Type, bool), ModelsError> {
    let line = raw.line;
    if raw.name == "Nullable" {
        let [inner] = raw.args.as_slice() else {
            return err(line, "`Nullable` takes one type argument: `Nullable<Text>`");
        };
        let (ty, _) = column_type(inner, max_length, cx)?;
        return Ok((ty, true));
    }
    if !raw.args.is_empty() {
        if UNSUPPORTED.contains(&raw.name.as_str()) {
            return err(
                line,
                format!(
                    "`{}` is a diesel type outside the schema model's closed set of types",
                    raw.name
                ),
            );
        }
        return err(line, format!("`{}` takes no type arguments here", raw.name));
    }
    let length = |what: &str| -> Result<Option<u32>, ModelsError> {
        match max_length {
            Some((0, l)) => err(
                l,
                format!("`#[max_length = 0]` on a {what} column: a length must be at least 1"),
            ),
            Some((n, _)) => Ok(Some(n)),
            None => Ok(None),
        }
    };
    let ty = match raw.name.as_str() {
        "Integer" | "Int4" => Type::Integer,
        "BigInt" | "Bigint" | "Int8" => Type::BigInt,
        "SmallInt" | "Smallint" | "Int2" => Type::SmallInt,
        "Text" | "Tinytext" | "Mediumtext" | "Longtext" => Type::Text,
        "Varchar" | "VarChar" => length("Varchar")?.map_or(Type::Text, Type::Varchar),
        "Char" | "Bpchar" => length("Char")?.map_or(Type::Text, Type::Char),
        "Bool" => Type::Boolean,
        "Float" | "Float4" => Type::Float,
        "Double" | "Float8" => Type::Double,
        "Numeric" | "Decimal" => NUMERIC_WITHOUT_PRECISION,
        "Date" => Type::Date,
        "Time" => Type::Time,
        "Timestamp" | "Datetime" => Type::Timestamp,
        "Timestamptz" | "TimestamptzSqlite" => Type::TimestampTz,
        "Binary" | "Bytea" | "Blob" | "Tinyblob" | "Mediumblob" | "Longblob" | "Varbinary"
        | "Bit" => Type::Binary,
        "Json" | "Jsonb" => Type::Json,
        "Uuid" => Type::Uuid,
        other if UNSUPPORTED.contains(&other) => {
            return err(
                line,
                format!(
                    "`{other}` is a diesel type outside the schema model's closed set of types"
                ),
            )
        }
        other => {
            let sql_name = cx.sql_types.get(other).cloned();
            let custom = sql_name.is_some()
                || cx.table.custom_imports.contains(other)
                || cx.table.custom_glob;
            if !custom {
                return err(
                    line,
                    format!(
                        "`{other}` is not a diesel SQL type: for a custom (enum) type, import it with a `use` line inside the `table!` block"
                    ),
                );
            }
            Type::Enum(EnumType::new(
                sql_name.unwrap_or_else(|| snake_case(other)),
                Vec::<String>::new(),
            ))
        }
    };
    Ok((ty, false))
}

/// A table as `joinable!` refers to it: its SQL name, its primary key's SQL columns, and
/// its columns' Rust names -> SQL names.
pub(super) type Declared = (String, Vec<String>, BTreeMap<String, String>);

/// Reads diesel `table!` definitions (a `schema.rs`) into the schema model.
///
/// Each table gets its columns in order (not null unless `Nullable`), its primary key (the
/// declared one, or diesel's default `id`) named by the convention, and a foreign key for
/// each `joinable!` naming it as the child. Custom types are recorded in
/// [`Schema::enums`] with no labels. See the [module docs](super) for what is accepted.
///
/// ```
/// use migrate_runtime::models::parse_schema_rs;
///
/// let err = parse_schema_rs("diesel::table! {\n    users (id) {\n        id -> Int4\n        name -> Text,\n    }\n}\n")
///     .unwrap_err();
/// assert_eq!(err.to_string(), "line 4: expected `,` after a column definition, found `name`");
/// ```
pub fn parse_schema_rs(text: &str) -> Result<Schema, ModelsError> {
    let file = read_file(text)?;
    let mut schema = Schema::new();
    let mut by_rust: BTreeMap<String, Declared> = BTreeMap::new();
    for raw in &file.tables {
        if by_rust.contains_key(&raw.rust_name) || schema.tables.contains_key(&raw.sql_name) {
            return err(
                raw.line,
                format!("table `{}` is declared twice", raw.rust_name),
            );
        }
        let (table, columns) = read_table(raw, &file.sql_types, &mut schema)?;
        let pk = table
            .primary_key
            .as_ref()
            .map(|k| k.columns.clone())
            .unwrap_or_default();
        by_rust.insert(raw.rust_name.clone(), (raw.sql_name.clone(), pk, columns));
        schema.tables.insert(raw.sql_name.clone(), table);
    }
    add_joinables(&file.joinables, &by_rust, &mut schema)?;
    Ok(schema)
}

/// A table's columns: Rust name -> SQL name.
pub(super) type ColumnNames = BTreeMap<String, String>;

/// One `table!` block as a table of the model (its enums added to `schema`), and its
/// [`ColumnNames`].
pub(super) fn read_table(
    raw: &RawTable,
    sql_types: &BTreeMap<String, String>,
    schema: &mut Schema,
) -> Result<(Table, ColumnNames), ModelsError> {
    let cx = TypeContext {
        table: raw,
        sql_types,
    };
    let mut table = Table::new(raw.sql_name.clone());
    let mut columns: BTreeMap<String, String> = BTreeMap::new();
    for col in &raw.columns {
        if columns.contains_key(&col.rust_name) || table.get_column(&col.sql_name).is_some() {
            return err(
                col.line,
                format!(
                    "column `{}` is declared twice in table `{}`",
                    col.rust_name, raw.rust_name
                ),
            );
        }
        let (ty, nullable) = column_type(&col.ty, col.max_length, &cx)?;
        if let Type::Enum(e) = &ty {
            schema
                .enums
                .entry(e.name.clone())
                .or_insert_with(|| e.clone());
        }
        let mut column = Column::new(col.sql_name.clone(), ty);
        if !nullable {
            column = column.not_null();
        }
        table = table.column(column);
        columns.insert(col.rust_name.clone(), col.sql_name.clone());
    }
    if raw.columns.is_empty() {
        return err(
            raw.line,
            format!("table `{}` has no columns", raw.rust_name),
        );
    }
    let keys: Vec<(String, u32)> = match &raw.primary_key {
        Some(keys) => keys.clone(),
        None if columns.contains_key("id") => vec![("id".to_owned(), raw.line)],
        None => {
            return err(
                raw.line,
                format!(
                "table `{}` declares no primary key and has no `id` column: write `{} (column) {{`",
                raw.rust_name, raw.rust_name
            ),
            )
        }
    };
    let mut pk = Vec::new();
    for (key, line) in &keys {
        let Some(sql) = columns.get(key) else {
            return err(
                *line,
                format!(
                    "primary key column `{key}` is not a column of table `{}`",
                    raw.rust_name
                ),
            );
        };
        if pk.contains(sql) {
            return err(*line, format!("primary key column `{key}` is listed twice"));
        }
        if table.get_column(sql).is_some_and(|c| c.nullable) {
            return err(
                *line,
                format!(
                    "primary key column `{key}` of table `{}` is Nullable: a key column cannot be",
                    raw.rust_name
                ),
            );
        }
        pk.push(sql.clone());
    }
    Ok((table.primary_key(pk), columns))
}

/// The foreign keys of the `joinable!` lines, added to the child tables.
pub(super) fn add_joinables(
    joinables: &[Joinable],
    by_rust: &BTreeMap<String, Declared>,
    schema: &mut Schema,
) -> Result<(), ModelsError> {
    let mut joined = BTreeSet::new();
    for j in joinables {
        let Some((child_sql, _, child_cols)) = by_rust.get(&j.child) else {
            return err(
                j.line,
                format!(
                    "`joinable!` names table `{}`, which no `table!` declares",
                    j.child
                ),
            );
        };
        let Some((parent_sql, parent_pk, _)) = by_rust.get(&j.parent) else {
            return err(
                j.line,
                format!(
                    "`joinable!` names table `{}`, which no `table!` declares",
                    j.parent
                ),
            );
        };
        let Some(col_sql) = child_cols.get(&j.column) else {
            return err(
                j.line,
                format!(
                    "`joinable!` names column `{}`, which table `{}` does not have",
                    j.column, j.child
                ),
            );
        };
        let [pk_col] = parent_pk.as_slice() else {
            return err(
                j.line,
                format!("table `{}` has a composite primary key: diesel joins only to a single-column key", j.parent),
            );
        };
        if !joined.insert((j.child.clone(), j.parent.clone())) {
            return err(
                j.line,
                format!(
                    "a second `joinable!({} -> {})`: diesel allows one per pair of tables",
                    j.child, j.parent
                ),
            );
        }
        let fk = ForeignKey::new([col_sql.clone()], parent_sql.clone(), [pk_col.clone()]);
        let child_sql = child_sql.clone();
        if let Some(t) = schema.tables.remove(&child_sql) {
            let mut t = t.foreign_key(fk);
            t.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
            schema.tables.insert(child_sql, t);
        }
    }
    Ok(())
}
