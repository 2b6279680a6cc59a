//! PostgreSQL: the current schema, from `pg_catalog` (types by `format_type`, defaults and
//! predicates by `pg_get_expr`, identity and serial columns as autoincrement).

use std::collections::BTreeMap;

use crate::backend::introspect::{
    cell, column_what, length, numeric, rows, split_type, IntrospectError, Row,
};
use crate::column::{Column, EnumType, Type};
use crate::connection::Connection;
use crate::dialect::catalog;
use crate::naming;
use crate::schema::defaults::{parse_default, typed_default};
use crate::schema::sql::strip_outer_parens;
use crate::schema::Schema;
use crate::table::{Check, FkAction, ForeignKey, Index, PrimaryKey, Table, Unique};

/// The type `format_type` names.
fn parse_type(spelling: &str) -> Option<Type> {
    let (words, args) = split_type(spelling)?;
    Some(match (words.as_str(), args.as_slice()) {
        ("INTEGER", []) => Type::Integer,
        ("BIGINT", []) => Type::BigInt,
        ("SMALLINT", []) => Type::SmallInt,
        ("TEXT", []) | ("CHARACTER VARYING", []) => Type::Text,
        ("CHARACTER VARYING", a) => Type::Varchar(length(a)?),
        ("CHARACTER", a) => Type::Char(length(a)?),
        ("BOOLEAN", []) => Type::Boolean,
        ("REAL", []) => Type::Float,
        ("DOUBLE PRECISION", []) => Type::Double,
        ("NUMERIC", a) => numeric(a)?,
        ("DATE", []) => Type::Date,
        ("TIME WITHOUT TIME ZONE", _) => Type::Time,
        ("TIMESTAMP WITHOUT TIME ZONE", _) => Type::Timestamp,
        ("TIMESTAMP WITH TIME ZONE", _) => Type::TimestampTz,
        ("BYTEA", []) => Type::Binary,
        ("JSONB" | "JSON", []) => Type::Json,
        ("UUID", []) => Type::Uuid,
        _ => return None,
    })
}

fn action(code: &str) -> FkAction {
    match code {
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

pub(crate) fn introspect(
    conn: &mut Connection,
    skip: &dyn Fn(&str) -> bool,
) -> Result<Schema, IntrospectError> {
    let tables = rows(conn, &catalog::postgres_tables(), 2, "the tables")?;
    let enums = rows(conn, &catalog::postgres_enums(), 2, "the enum types")?;
    let columns = rows(conn, &catalog::postgres_columns(), 10, "the columns")?;
    let constraints = rows(
        conn,
        &catalog::postgres_constraints(),
        10,
        "the constraints",
    )?;
    let indexes = rows(conn, &catalog::postgres_indexes(), 6, "the indexes")?;

    let mut schema = Schema::new();
    read_enums(&mut schema, &enums);
    for row in &tables {
        let name = cell(row, 0);
        if skip(name) {
            continue;
        }
        let mut t = Table::new(name);
        t.comment = row[1].clone();
        schema.tables.insert(name.to_owned(), t);
    }
    read_columns(&mut schema, &columns)?;
    read_constraints(&mut schema, &constraints);
    read_indexes(&mut schema, &indexes);
    Ok(schema)
}

/// The enum types, one row per label in label order.
fn read_enums(schema: &mut Schema, enums: &[Row]) {
    for row in enums {
        let e = schema
            .enums
            .entry(cell(row, 0).to_owned())
            .or_insert_with(|| EnumType::new(cell(row, 0), Vec::<String>::new()));
        e.variants.push(cell(row, 1).to_owned());
    }
}

/// The columns of the tables read, in order: types (enum types by name), nullability,
/// defaults (a serial's sequence is autoincrement), comments.
fn read_columns(schema: &mut Schema, columns: &[Row]) -> Result<(), IntrospectError> {
    for row in columns {
        let (table, name) = (cell(row, 0), cell(row, 1));
        if !schema.tables.contains_key(table) {
            continue;
        }
        let what = || column_what(table, name);
        if !cell(row, 9).is_empty() {
            return Err(IntrospectError::Unsupported {
                what: what(),
                reason: "a generated column, which the schema model cannot represent".into(),
            });
        }
        let spelling = cell(row, 2);
        let ty = if cell(row, 3) == "e" {
            schema.enums.get(cell(row, 4)).cloned().map(Type::Enum)
        } else {
            parse_type(spelling)
        };
        let ty = ty.ok_or_else(|| IntrospectError::Unsupported {
            what: what(),
            reason: format!("its type \"{spelling}\" has no Type in the schema model"),
        })?;
        let mut c = Column::new(name, ty);
        c.nullable = cell(row, 5) != "true";
        c.autoincrement = matches!(cell(row, 6), "a" | "d");
        match row[7].as_deref() {
            // A serial column: its sequence is how PostgreSQL spelled autoincrement before
            // identity columns.
            Some(d) if d.starts_with("nextval(") => c.autoincrement = true,
            Some(d) => c.default = typed_default(&c.ty, parse_default(d, false)),
            None => {}
        }
        c.comment = row[8].clone();
        schema
            .tables
            .get_mut(table)
            .expect("checked")
            .columns
            .push(c);
    }
    Ok(())
}

/// Primary keys, unique constraints, foreign keys and checks.
fn read_constraints(schema: &mut Schema, constraints: &[Row]) {
    // Constraints: one row per key column, in key order.
    let mut seen: BTreeMap<(String, String), ()> = BTreeMap::new();
    for row in constraints {
        let (table, name, kind) = (cell(row, 0), cell(row, 1), cell(row, 2));
        let Some(t) = schema.tables.get_mut(table) else {
            continue;
        };
        let first = seen
            .insert((table.to_owned(), name.to_owned()), ())
            .is_none();
        let col = cell(row, 4).to_owned();
        match kind {
            "p" => {
                let pk = t.primary_key.get_or_insert_with(|| PrimaryKey {
                    name: name.to_owned(),
                    columns: Vec::new(),
                });
                pk.columns.push(col);
            }
            "u" => {
                if first {
                    t.uniques.push(Unique::new(Vec::<String>::new()).name(name));
                }
                t.uniques.last_mut().expect("pushed").columns.push(col);
            }
            "f" => {
                if first {
                    let mut fk =
                        ForeignKey::new(Vec::<String>::new(), cell(row, 5), Vec::<String>::new())
                            .name(name);
                    fk.on_delete = action(cell(row, 7));
                    fk.on_update = action(cell(row, 8));
                    t.foreign_keys.push(fk);
                }
                let fk = t.foreign_keys.last_mut().expect("pushed");
                fk.columns.push(col);
                fk.ref_columns.push(cell(row, 6).to_owned());
            }
            "c" if first => t.checks.push(Check {
                short_name: naming::check_short_name(table, name),
                name: name.to_owned(),
                expr: strip_outer_parens(cell(row, 9)).to_owned(),
            }),
            _ => {}
        }
    }
}

/// The indexes.
fn read_indexes(schema: &mut Schema, indexes: &[Row]) {
    // Indexes that back no constraint; one over an expression is left out.
    let mut grouped: BTreeMap<(String, String), (Index, bool)> = BTreeMap::new();
    for row in indexes {
        let (table, name) = (cell(row, 0), cell(row, 1));
        if !schema.tables.contains_key(table) {
            continue;
        }
        let (index, complete) = grouped
            .entry((table.to_owned(), name.to_owned()))
            .or_insert_with(|| {
                let mut i = Index::new(Vec::<String>::new()).name(name);
                i.unique = cell(row, 2) == "true";
                i.where_clause = row[5].as_deref().map(|w| strip_outer_parens(w).to_owned());
                (i, true)
            });
        match row[4].as_deref() {
            Some(c) => index.columns.push(c.to_owned()),
            None => *complete = false,
        }
    }
    for ((table, _), (index, complete)) in grouped {
        if complete {
            schema
                .tables
                .get_mut(&table)
                .expect("checked")
                .indexes
                .push(index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_type_spellings_map_back() {
        assert_eq!(parse_type("integer"), Some(Type::Integer));
        assert_eq!(parse_type("character varying(50)"), Some(Type::Varchar(50)));
        assert_eq!(parse_type("character(3)"), Some(Type::Char(3)));
        assert_eq!(parse_type("numeric(10,2)"), Some(Type::Numeric(10, 2)));
        assert_eq!(
            parse_type("timestamp with time zone"),
            Some(Type::TimestampTz)
        );
        assert_eq!(
            parse_type("timestamp(3) without time zone"),
            Some(Type::Timestamp)
        );
        assert_eq!(parse_type("double precision"), Some(Type::Double));
        assert_eq!(parse_type("jsonb"), Some(Type::Json));
        assert_eq!(parse_type("point"), None);
        assert_eq!(parse_type("integer[]"), None);
    }
}
