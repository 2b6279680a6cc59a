//! The schema model printed as a `schema.rs` ([`print_schema_rs`]).

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use super::{compare::*, items::*, tokens::*, types::*};

// ---------------------------------------------------------------------------------------
// Printing.
// ---------------------------------------------------------------------------------------

pub(super) const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// Names a column's Rust identifier cannot take in a `table!`: the items the macro defines
/// or imports next to the columns (`table`, `star`, the `columns` and `dsl` modules,
/// `diesel`), and diesel's SQL type names (a column named `Integer` would shadow the type of
/// the columns declared `Integer`).
pub(super) const RESERVED_COLUMNS: &[&str] = &[
    "table",
    "star",
    "columns",
    "dsl",
    "diesel",
    "Add",
    "AllAreNullable",
    "Array",
    "BigInt",
    "BigSerial",
    "Bigint",
    "Binary",
    "Bit",
    "Blob",
    "Bool",
    "BoolOrNullableBool",
    "Bpchar",
    "Bytea",
    "CChar",
    "Char",
    "Cidr",
    "Citext",
    "Date",
    "Datemultirange",
    "Daterange",
    "Datetime",
    "Decimal",
    "DieselNumericOps",
    "Div",
    "Double",
    "Float",
    "Float4",
    "Float8",
    "Foldable",
    "HasSqlType",
    "Inet",
    "Int2",
    "Int4",
    "Int4multirange",
    "Int4range",
    "Int8",
    "Int8multirange",
    "Int8range",
    "Integer",
    "Interval",
    "IntoNotNullable",
    "IntoNullable",
    "Json",
    "Jsonb",
    "Longblob",
    "Longtext",
    "MacAddr",
    "MacAddr8",
    "Macaddr",
    "Macaddr8",
    "MaybeNullableType",
    "Mediumblob",
    "Mediumtext",
    "Money",
    "Mul",
    "Multirange",
    "Nullable",
    "Numeric",
    "Nummultirange",
    "Numrange",
    "Oid",
    "OneIsNullable",
    "Range",
    "Record",
    "Serial",
    "SingleValue",
    "SmallInt",
    "SmallSerial",
    "Smallint",
    "SqlOrd",
    "SqlType",
    "Sub",
    "Text",
    "Time",
    "Timestamp",
    "Timestamptz",
    "TimestamptzSqlite",
    "TinyInt",
    "Tinyblob",
    "Tinyint",
    "Tinytext",
    "Tsmultirange",
    "Tsrange",
    "Tstzmultirange",
    "Tstzrange",
    "TypeMetadata",
    "Unsigned",
    "Untyped",
    "Uuid",
    "VarChar",
    "Varbinary",
    "Varchar",
];

/// Names a table's Rust identifier cannot take: `diesel` (the macros' paths start with it)
/// and `sql_types` (the module of custom types).
pub(super) const RESERVED_TABLES: &[&str] = &["diesel", "sql_types"];

/// A Rust identifier for `name`, as diesel print-schema makes one: invalid characters
/// become `_`, a keyword gets a trailing `_`, and a clash with `taken` more `_`s.
pub(super) fn rust_ident(name: &str, taken: &BTreeSet<String>) -> String {
    let mut id: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if id.is_empty() || id.starts_with(|c: char| c.is_ascii_digit()) {
        id.insert(0, '_');
    }
    if id == "_" || KEYWORDS.contains(&id.as_str()) {
        id.push('_');
    }
    while taken.contains(&id) {
        id.push('_');
    }
    id
}

/// Text for a doc comment line: characters a comment cannot hold become spaces.
pub(super) fn doc_lines(text: &str, indent: &str, out: &mut String) {
    for line in text.replace("\r\n", "\n").lines() {
        let line: String = line
            .chars()
            .map(|c| {
                if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
                {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        let line = line.trim_end();
        if line.is_empty() {
            out.push_str(&format!("{indent}///\n"));
        } else {
            out.push_str(&format!("{indent}/// {line}\n"));
        }
    }
}

/// A Rust string literal for `s` (characters wider or narrower than a column escaped, so
/// rustfmt's widths are character counts).
pub(super) fn str_lit(s: &str) -> String {
    crate::codegen::string_literal(s)
}

/// Prints the schema as diesel `table!` definitions, in diesel print-schema's style:
/// custom (enum) types in a `sql_types` module, tables sorted by name with their columns in
/// order and their primary key, `#[max_length]` for `Varchar(n)`/`Char(n)`,
/// `#[sql_name]` where a name is not a usable Rust identifier (a keyword, other characters,
/// a column named like its table, like an item `table!` defines (`table`, `star`, `dsl`,
/// ...) or like a SQL type; a table named `diesel` or `sql_types`), table and column comments as doc comments, a
/// `joinable!` for each foreign key diesel print-schema would write one for (single-column,
/// to the parent's primary key, the only one between the two tables), and
/// `allow_tables_to_appear_in_same_query!`. The text is rustfmt-clean.
///
/// A table without a primary key cannot be declared in diesel: it is left out, with a
/// comment saying so. Enum types print as PostgreSQL custom types (`postgres_type`), as
/// diesel print-schema writes them; using them needs diesel's `postgres` feature.
///
/// ```
/// use migrate_runtime::models::print_schema_rs;
/// use migrate_runtime::prelude::*;
/// use migrate_runtime::schema::Schema;
///
/// let schema = Schema::replay(&[op::create_table(
///     Table::new("users")
///         .column(Column::new("id", Type::Integer).primary_key())
///         .column(Column::new("type", Type::Varchar(20))),
/// )])
/// .unwrap();
/// assert_eq!(
///     print_schema_rs(&schema),
///     "// diesel's view of the schema, printed by migrate_runtime::models::print_schema_rs.\n\
///      \n\
///      diesel::table! {\n    users (id) {\n        id -> Integer,\n        #[max_length = 20]\n        \
///      #[sql_name = \"type\"]\n        type_ -> Nullable<Varchar>,\n    }\n}\n"
/// );
/// ```
pub fn print_schema_rs(schema: &Schema) -> String {
    let mut out = String::from(
        "// diesel's view of the schema, printed by migrate_runtime::models::print_schema_rs.\n",
    );
    let keyed: Vec<&Table> = schema
        .tables
        .values()
        .filter(|t| t.primary_key.is_some())
        .collect();
    for t in schema.tables.values().filter(|t| t.primary_key.is_none()) {
        let name: String = t
            .name
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        out.push_str(&format!(
            "// Table {name:?} has no primary key: diesel cannot declare it, so it is left out.\n"
        ));
    }

    // Custom types: SQL name -> Rust type name.
    let custom = custom_types(&keyed);
    if !custom.is_empty() {
        out.push_str("\npub mod sql_types {\n");
        let mut first = true;
        for (sql, rust) in &custom {
            if !first {
                out.push('\n');
            }
            first = false;
            out.push_str(
                "    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]\n",
            );
            out.push_str(&postgres_type_attr(sql));
            out.push_str(&format!("    pub struct {rust};\n"));
        }
        out.push_str("}\n");
    }

    // Rust names of tables and of each table's columns.
    let reserved_tables: BTreeSet<String> = RESERVED_TABLES.iter().map(|s| s.to_string()).collect();
    let mut table_names: BTreeSet<String> = BTreeSet::new();
    let mut rust_tables: BTreeMap<&str, String> = BTreeMap::new();
    for t in &keyed {
        let taken: BTreeSet<String> = table_names.union(&reserved_tables).cloned().collect();
        let id = rust_ident(&t.name, &taken);
        table_names.insert(id.clone());
        rust_tables.insert(&t.name, id);
    }
    let mut rust_columns: BTreeMap<(&str, &str), String> = BTreeMap::new();
    for t in &keyed {
        let table_id = &rust_tables[t.name.as_str()];
        let mut taken: BTreeSet<String> = RESERVED_COLUMNS.iter().map(|s| s.to_string()).collect();
        taken.extend(custom.values().cloned());
        taken.insert(table_id.clone());
        for c in &t.columns {
            let id = rust_ident(&c.name, &taken);
            taken.insert(id.clone());
            rust_columns.insert((&t.name, &c.name), id);
        }
    }

    let mut ordered: Vec<&&Table> = keyed.iter().collect();
    ordered.sort_by(|a, b| rust_tables[a.name.as_str()].cmp(&rust_tables[b.name.as_str()]));
    for t in ordered {
        print_table(
            t,
            &rust_tables[t.name.as_str()],
            &custom,
            &rust_columns,
            &mut out,
        );
    }

    let joins = joinables(schema);
    let mut join_lines: Vec<String> = joins
        .iter()
        .filter_map(|(child, parent, column)| {
            let c = rust_tables.get(child.as_str())?;
            let p = rust_tables.get(parent.as_str())?;
            let col = rust_columns.get(&(child.as_str(), column.as_str()))?;
            Some(format!("diesel::joinable!({c} -> {p} ({col}));\n"))
        })
        .collect();
    join_lines.sort();
    if !join_lines.is_empty() {
        out.push('\n');
        for l in join_lines {
            out.push_str(&l);
        }
    }
    if table_names.len() >= 2 {
        out.push('\n');
        let names: Vec<&str> = table_names.iter().map(String::as_str).collect();
        out.push_str(&allow_tables(&names));
    }
    out
}

/// The Rust type names of the enums of `keyed` tables: SQL name -> Rust type name.
pub(super) fn custom_types(keyed: &[&Table]) -> BTreeMap<String, String> {
    let mut custom: BTreeMap<String, String> = BTreeMap::new();
    let mut type_names: BTreeSet<String> = BTreeSet::new();
    for t in keyed {
        for c in &t.columns {
            if let Type::Enum(e) = &c.ty {
                if !custom.contains_key(&e.name) {
                    let mut base = c.ty.diesel_sql_type();
                    if !base.starts_with(|ch: char| ch.is_ascii_alphabetic()) {
                        base.insert_str(0, "Type");
                    }
                    let mut name = base.clone();
                    let mut n = 2;
                    while type_names.contains(&name) || KEYWORDS.contains(&name.as_str()) {
                        name = format!("{base}{n}");
                        n += 1;
                    }
                    type_names.insert(name.clone());
                    custom.insert(e.name.clone(), name);
                }
            }
        }
    }
    custom
}

/// One `diesel::table!` block.
pub(super) fn print_table(
    t: &Table,
    table_id: &str,
    custom: &BTreeMap<String, String>,
    rust_columns: &BTreeMap<(&str, &str), String>,
    out: &mut String,
) {
    out.push_str("\ndiesel::table! {\n");
    let mut uses: Vec<&String> = t
        .columns
        .iter()
        .filter_map(|c| match &c.ty {
            Type::Enum(e) => custom.get(&e.name),
            _ => None,
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    uses.sort();
    if !uses.is_empty() {
        out.push_str("    use diesel::sql_types::*;\n");
        for u in uses {
            out.push_str(&format!("    use super::sql_types::{u};\n"));
        }
        out.push('\n');
    }
    if let Some(comment) = &t.comment {
        doc_lines(comment, "    ", out);
    }
    if table_id != t.name {
        out.push_str(&format!("    #[sql_name = {}]\n", str_lit(&t.name)));
    }
    let pk: Vec<&str> = t
        .primary_key
        .iter()
        .flat_map(|pk| pk.columns.iter())
        .map(|c| {
            rust_columns
                .get(&(t.name.as_str(), c.as_str()))
                .map_or(c.as_str(), String::as_str)
        })
        .collect();
    out.push_str(&format!("    {table_id} ({}) {{\n", pk.join(", ")));
    for c in &t.columns {
        let col_id = &rust_columns[&(t.name.as_str(), c.name.as_str())];
        if let Some(comment) = &c.comment {
            doc_lines(comment, "        ", out);
        }
        if let Type::Varchar(n) | Type::Char(n) = c.ty {
            out.push_str(&format!("        #[max_length = {n}]\n"));
        }
        if *col_id != c.name {
            out.push_str(&format!("        #[sql_name = {}]\n", str_lit(&c.name)));
        }
        let ty = match &c.ty {
            Type::Enum(e) => custom[&e.name].clone(),
            other => other.diesel_sql_type(),
        };
        let ty = if c.nullable {
            format!("Nullable<{ty}>")
        } else {
            ty
        };
        out.push_str(&format!("        {col_id} -> {ty},\n"));
    }
    out.push_str("    }\n}\n");
}

/// `#[diesel(postgres_type(name = "..."))]` as rustfmt lays it out: on one line when it
/// is narrower than 100 columns (rustfmt keeps one for the attribute's end), else with
/// `name = ...` on a line of its own.
pub(super) fn postgres_type_attr(sql: &str) -> String {
    let lit = str_lit(sql);
    let line = format!("    #[diesel(postgres_type(name = {lit}))]");
    if line.chars().count() < 100 {
        format!("{line}\n")
    } else {
        format!("    #[diesel(postgres_type(\n        name = {lit}\n    ))]\n")
    }
}

/// `diesel::allow_tables_to_appear_in_same_query!(...)` as rustfmt lays it out: one line
/// when the names fit (60 columns of arguments, 100 of line), else one name a line, or
/// several a line when every name is at most 10 characters.
pub(super) fn allow_tables(names: &[&str]) -> String {
    const MACRO: &str = "diesel::allow_tables_to_appear_in_same_query!";
    let one_line = names.join(", ");
    // The line is 100 wide, less 1 for the `;`, less the name and `()`.
    let one_line_width = 99usize.saturating_sub(MACRO.len() + 2);
    if one_line.len() <= one_line_width.min(60) {
        return format!("{MACRO}({one_line});\n");
    }
    let mut out = format!("{MACRO}(\n");
    if names.iter().all(|n| n.len() <= 10) {
        // rustfmt's "mixed" layout: as many names a line as fit in 95 columns.
        let width = 95;
        let mut line = String::new();
        for (i, n) in names.iter().enumerate() {
            let last = i + 1 == names.len();
            let item = if last { n.to_string() } else { format!("{n},") };
            if !line.is_empty() && line.len() + 1 + item.len() > width {
                out.push_str(&format!("    {line}\n"));
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&item);
        }
        out.push_str(&format!("    {line}\n"));
    } else {
        for (i, n) in names.iter().enumerate() {
            let sep = if i + 1 == names.len() { "" } else { "," };
            out.push_str(&format!("    {n}{sep}\n"));
        }
    }
    out.push_str(");\n");
    out
}
