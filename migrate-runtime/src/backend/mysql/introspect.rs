//! MySQL and MariaDB: the current database, from `information_schema`.
//!
//! MariaDB stores `JSON` as `LONGTEXT` with a `json_valid` check of the column's own,
//! quotes string defaults and writes `current_timestamp()`; MySQL 8 keeps `JSON`, gives
//! string defaults unquoted and marks expression defaults `DEFAULT_GENERATED`. Both are
//! read here.

use std::collections::{BTreeMap, BTreeSet};

use crate::backend::introspect::{
    cell, column_what, fk_action, length, numeric, rows, split_type, IntrospectError, Row,
};
use crate::column::{Column, Type};
use crate::connection::Connection;
use crate::dialect::catalog;
use crate::naming;
use crate::schema::defaults::{parse_default, typed_default, RawDefault};
use crate::schema::sql::{normalize_expr, split_commas, tokenize, Kind};
use crate::schema::stored::inline_enum;
use crate::schema::Schema;
use crate::table::{Check, FkAction, ForeignKey, Index, PrimaryKey, Table, Unique};

/// The type a `COLUMN_TYPE` names (enums are read apart).
fn parse_type(spelling: &str) -> Option<Type> {
    let (words, args) = split_type(spelling)?;
    let words = words.strip_suffix(" UNSIGNED").unwrap_or(&words).to_owned();
    Some(match (words.as_str(), args.as_slice()) {
        ("TINYINT", [1]) | ("BOOLEAN" | "BOOL", _) => Type::Boolean,
        ("SMALLINT", _) => Type::SmallInt,
        ("INT" | "INTEGER", _) => Type::Integer,
        ("BIGINT", _) => Type::BigInt,
        ("TEXT" | "TINYTEXT" | "MEDIUMTEXT" | "LONGTEXT", _) => Type::Text,
        ("VARCHAR", a) => Type::Varchar(length(a)?),
        ("CHAR", [36]) => Type::Uuid,
        ("CHAR", a) => Type::Char(length(a)?),
        ("FLOAT", []) => Type::Float,
        ("DOUBLE" | "DOUBLE PRECISION", []) => Type::Double,
        ("DECIMAL" | "NUMERIC", a) => numeric(a)?,
        ("DATE", []) => Type::Date,
        ("TIME", _) => Type::Time,
        ("DATETIME", _) => Type::Timestamp,
        ("TIMESTAMP", _) => Type::TimestampTz,
        ("BLOB" | "TINYBLOB" | "MEDIUMBLOB" | "LONGBLOB", _) => Type::Binary,
        ("JSON", []) => Type::Json,
        _ => return None,
    })
}

/// The labels of `enum('a','b')`.
fn enum_labels(spelling: &str) -> Option<Vec<String>> {
    let tokens = tokenize(spelling, true);
    let [kw, open, inner @ .., close] = tokens.as_slice() else {
        return None;
    };
    if !kw.is_word("ENUM") || !open.is("(") || !close.is(")") {
        return None;
    }
    split_commas(inner)
        .into_iter()
        .map(|item| match item {
            [t] if t.kind == Kind::Str => Some(t.value.clone()),
            _ => None,
        })
        .collect()
}

pub(crate) fn introspect(
    conn: &mut Connection,
    skip: &dyn Fn(&str) -> bool,
) -> Result<Schema, IntrospectError> {
    let version = rows(conn, &catalog::mysql_version(), 1, "the server version")?;
    let mariadb = version
        .first()
        .is_some_and(|r| cell(r, 0).contains("MariaDB"));
    let tables = rows(conn, &catalog::mysql_tables(), 2, "the tables")?;
    let columns = rows(conn, &catalog::mysql_columns(), 8, "the columns")?;
    let constraints = rows(conn, &catalog::mysql_constraints(), 9, "the constraints")?;
    let checks = rows(
        conn,
        &catalog::mysql_checks(mariadb),
        4,
        "the check constraints",
    )?;
    let indexes = rows(conn, &catalog::mysql_indexes(), 5, "the indexes")?;

    let mut schema = Schema::new();
    for row in &tables {
        let name = cell(row, 0);
        if skip(name) {
            continue;
        }
        let mut t = Table::new(name);
        t.comment = Some(cell(row, 1).to_owned()).filter(|c| !c.is_empty());
        schema.tables.insert(name.to_owned(), t);
    }
    let json_columns = read_checks(&mut schema, &checks);
    read_columns(&mut schema, &columns, &json_columns, mariadb)?;
    let unique_names = read_constraints(&mut schema, &constraints);
    read_indexes(&mut schema, &indexes, &unique_names);
    Ok(schema)
}

/// The check constraints; returns the columns that MariaDB's own check marks as JSON.
fn read_checks(schema: &mut Schema, checks: &[Row]) -> BTreeSet<(String, String)> {
    // MariaDB's JSON: a column check named after the column, `json_valid(`c`)`.
    let mut json_columns = BTreeSet::new();
    for row in checks {
        let (table, name, clause) = (cell(row, 0), cell(row, 1), cell(row, 2));
        if !schema.tables.contains_key(table) {
            continue;
        }
        let own_json = cell(row, 3) == "Column"
            && normalize_expr(clause) == normalize_expr(&format!("json_valid(`{name}`)"));
        if own_json {
            json_columns.insert((table.to_owned(), name.to_owned()));
        } else {
            let t = schema.tables.get_mut(table).expect("checked");
            t.checks.push(Check {
                short_name: naming::check_short_name(table, name),
                name: name.to_owned(),
                expr: clause.to_owned(),
            });
        }
    }
    json_columns
}

/// The columns of the tables read, in order: types (inline enums, MariaDB's JSON),
/// nullability, autoincrement, defaults (read the way the server gives them), comments.
fn read_columns(
    schema: &mut Schema,
    columns: &[Row],
    json_columns: &BTreeSet<(String, String)>,
    mariadb: bool,
) -> Result<(), IntrospectError> {
    for row in columns {
        let (table, name) = (cell(row, 0), cell(row, 1));
        if !schema.tables.contains_key(table) {
            continue;
        }
        let what = || column_what(table, name);
        let (spelling, extra) = (cell(row, 2), cell(row, 5).to_ascii_uppercase());
        if extra.contains("GENERATED") && !extra.contains("DEFAULT_GENERATED")
            || extra.contains("VIRTUAL")
            || extra.contains("PERSISTENT")
            || extra.contains("STORED")
        {
            return Err(IntrospectError::Unsupported {
                what: what(),
                reason: "a generated column, which the schema model cannot represent".into(),
            });
        }
        let ty = if let Some(labels) = enum_labels(spelling) {
            Some(inline_enum(&mut schema.enums, table, name, labels))
        } else if json_columns.contains(&(table.to_owned(), name.to_owned())) {
            Some(Type::Json)
        } else {
            parse_type(spelling)
        };
        let ty = ty.ok_or_else(|| IntrospectError::Unsupported {
            what: what(),
            reason: format!("its type \"{spelling}\" has no Type in the schema model"),
        })?;
        let mut c = Column::new(name, ty);
        c.nullable = cell(row, 3) == "YES";
        c.autoincrement = extra.contains("AUTO_INCREMENT");
        if let Some(d) = row[4].as_deref() {
            let raw = if mariadb || extra.contains("DEFAULT_GENERATED") {
                parse_default(d, true)
            } else {
                // MySQL 8 gives literal defaults unquoted.
                match &c.ty {
                    Type::Binary => parse_default(d, true),
                    t if t.is_integer()
                        || matches!(
                            t,
                            Type::Boolean | Type::Float | Type::Double | Type::Numeric(..)
                        ) =>
                    {
                        RawDefault::Num(d.to_owned())
                    }
                    _ => RawDefault::Str(d.to_owned()),
                }
            };
            c.default = typed_default(&c.ty, raw);
        }
        c.comment = Some(cell(row, 6).to_owned()).filter(|c| !c.is_empty());
        schema
            .tables
            .get_mut(table)
            .expect("checked")
            .columns
            .push(c);
    }
    Ok(())
}

/// Primary keys, unique keys and foreign keys; returns the unique keys' names, by table.
fn read_constraints(schema: &mut Schema, constraints: &[Row]) -> BTreeSet<(String, String)> {
    // Keys and foreign keys, one row per column in key order.
    let mut seen = BTreeSet::new();
    let mut unique_names: BTreeSet<(String, String)> = BTreeSet::new();
    for row in constraints {
        let (table, name, kind) = (cell(row, 0), cell(row, 1), cell(row, 2));
        let Some(t) = schema.tables.get_mut(table) else {
            continue;
        };
        let first = seen.insert((table.to_owned(), name.to_owned()));
        let col = cell(row, 4).to_owned();
        match kind {
            "PRIMARY KEY" => {
                let pk = t.primary_key.get_or_insert_with(|| PrimaryKey {
                    name: naming::primary_key(table),
                    columns: Vec::new(),
                });
                pk.columns.push(col);
            }
            "UNIQUE" => {
                if first {
                    unique_names.insert((table.to_owned(), name.to_owned()));
                    t.uniques.push(Unique::new(Vec::<String>::new()).name(name));
                }
                t.uniques.last_mut().expect("pushed").columns.push(col);
            }
            "FOREIGN KEY" => {
                if first {
                    let mut fk =
                        ForeignKey::new(Vec::<String>::new(), cell(row, 5), Vec::<String>::new())
                            .name(name);
                    // InnoDB's RESTRICT is NO ACTION (and what MariaDB reports for a key
                    // written without an action).
                    let action = |rule: &str| match fk_action(rule) {
                        FkAction::Restrict => FkAction::NoAction,
                        a => a,
                    };
                    fk.on_delete = action(cell(row, 7));
                    fk.on_update = action(cell(row, 8));
                    t.foreign_keys.push(fk);
                }
                let fk = t.foreign_keys.last_mut().expect("pushed");
                fk.columns.push(col);
                fk.ref_columns.push(cell(row, 6).to_owned());
            }
            _ => {}
        }
    }
    unique_names
}

/// The indexes that are not a key read as a constraint (a unique index is a unique
/// constraint).
fn read_indexes(schema: &mut Schema, indexes: &[Row], unique_names: &BTreeSet<(String, String)>) {
    // Plain indexes: not the primary key, not a unique key (read above as a constraint),
    // not the index InnoDB made for a foreign key (named after it); not over an expression.
    let mut grouped: BTreeMap<(String, String), (Index, bool)> = BTreeMap::new();
    for row in indexes {
        let (table, name) = (cell(row, 0), cell(row, 1));
        let Some(t) = schema.tables.get(table) else {
            continue;
        };
        // InnoDB names the index it makes for a foreign key after the key, or, for a key
        // it named itself (`<table>_ibfk_<n>`), after the key's first column.
        let fk_own = t.foreign_keys.iter().any(|fk| {
            fk.name == name
                || (fk.name.starts_with(&format!("{table}_ibfk_"))
                    && fk.columns.first().is_some_and(|c| c == name))
        });
        if name == "PRIMARY"
            || fk_own
            || unique_names.contains(&(table.to_owned(), name.to_owned()))
        {
            continue;
        }
        let (index, complete) = grouped
            .entry((table.to_owned(), name.to_owned()))
            .or_insert_with(|| {
                let mut i = Index::new(Vec::<String>::new()).name(name);
                i.unique = cell(row, 2) == "0";
                (i, true)
            });
        match row[4].as_deref() {
            Some(c) => index.columns.push(c.to_owned()),
            None => *complete = false,
        }
    }
    for ((table, _), (index, complete)) in grouped {
        if !complete {
            continue;
        }
        let t = schema.tables.get_mut(&table).expect("checked");
        if index.unique {
            t.uniques.push(Unique {
                name: index.name,
                columns: index.columns,
            });
        } else {
            t.indexes.push(index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_types_map_back() {
        assert_eq!(parse_type("int(11)"), Some(Type::Integer));
        assert_eq!(parse_type("int"), Some(Type::Integer));
        assert_eq!(parse_type("tinyint(1)"), Some(Type::Boolean));
        assert_eq!(parse_type("smallint(6)"), Some(Type::SmallInt));
        assert_eq!(parse_type("bigint(20) unsigned"), Some(Type::BigInt));
        assert_eq!(parse_type("decimal(10,2)"), Some(Type::Numeric(10, 2)));
        assert_eq!(parse_type("char(36)"), Some(Type::Uuid));
        assert_eq!(parse_type("datetime"), Some(Type::Timestamp));
        assert_eq!(parse_type("timestamp"), Some(Type::TimestampTz));
        assert_eq!(parse_type("longblob"), Some(Type::Binary));
        assert_eq!(parse_type("tinyint(4)"), None);
        assert_eq!(
            enum_labels("enum('a','it''s')"),
            Some(vec!["a".to_owned(), "it's".to_owned()])
        );
    }
}
