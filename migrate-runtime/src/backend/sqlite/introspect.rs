//! SQLite: columns from `pragma_table_xinfo`, indexes from `pragma_index_list`, and the
//! constraints (names, checks, foreign keys, autoincrement, enum checks) from each table's
//! `CREATE TABLE` text, which SQLite keeps as written (and rewrites on renames).

use std::collections::BTreeMap;

use crate::backend::introspect::{
    cell, column_what, fk_action, length, numeric, rows, split_type, IntrospectError, Row,
};
use crate::column::{Column, Type};
use crate::connection::Connection;
use crate::dialect::catalog;
use crate::naming;
use crate::schema::defaults::{parse_default, typed_default};
use crate::schema::sql::{matching_paren, split_commas, strip_outer_parens, tokenize, Kind, Token};
use crate::schema::stored::inline_enum;
use crate::schema::Schema;
use crate::table::{Check, FkAction, ForeignKey, Index, PrimaryKey, Table, Unique};

/// The type a SQLite declared type names (the renderer's spellings, and their synonyms).
fn parse_type(decl: &str) -> Option<Type> {
    let (words, args) = split_type(decl)?;
    Some(match (words.as_str(), args.as_slice()) {
        ("INTEGER" | "INT", []) => Type::Integer,
        ("BIGINT", []) => Type::BigInt,
        ("SMALLINT", []) => Type::SmallInt,
        ("TEXT", []) => Type::Text,
        ("VARCHAR" | "CHARACTER VARYING", a) => Type::Varchar(length(a)?),
        ("CHAR" | "CHARACTER", a) => Type::Char(length(a)?),
        ("BOOLEAN" | "BOOL", []) => Type::Boolean,
        ("REAL" | "FLOAT", []) => Type::Float,
        ("DOUBLE" | "DOUBLE PRECISION", []) => Type::Double,
        ("NUMERIC" | "DECIMAL", a) => numeric(a)?,
        ("DATE", []) => Type::Date,
        ("TIME", []) => Type::Time,
        ("TIMESTAMP" | "DATETIME", []) => Type::Timestamp,
        ("TIMESTAMPTZ", []) => Type::TimestampTz,
        ("BLOB", []) => Type::Binary,
        ("JSON", []) => Type::Json,
        ("UUID", []) => Type::Uuid,
        _ => return None,
    })
}

/// What the `CREATE TABLE` text says beyond `pragma_table_info`.
#[derive(Default)]
struct Parsed {
    /// Columns declared `PRIMARY KEY AUTOINCREMENT`.
    autoincrement: Vec<String>,
    /// Enum columns: `CHECK ("c" IN ('a', 'b'))` on the column itself.
    enums: BTreeMap<String, Vec<String>>,
    uniques: Vec<(Option<String>, Vec<String>)>,
    /// (name, columns, referenced table, referenced columns (empty: its primary key),
    /// on delete, on update)
    foreign_keys: Vec<ParsedFk>,
    checks: Vec<(Option<String>, String)>,
}

struct ParsedFk {
    name: Option<String>,
    columns: Vec<String>,
    ref_table: String,
    ref_columns: Vec<String>,
    on_delete: FkAction,
    on_update: FkAction,
}

/// The identifiers of a parenthesized column list starting at `tokens[open]` (each item's
/// first identifier: `COLLATE` and `ASC`/`DESC` are skipped), and the index after it.
fn column_list(tokens: &[Token], open: usize) -> Option<(Vec<String>, usize)> {
    if !tokens.get(open)?.is("(") {
        return None;
    }
    let close = matching_paren(tokens, open)?;
    let cols = split_commas(&tokens[open + 1..close])
        .into_iter()
        .map(|item| item.first().and_then(Token::ident).map(str::to_owned))
        .collect::<Option<Vec<_>>>()?;
    Some((cols, close + 1))
}

/// `REFERENCES t [(cols)] [ON DELETE a] [ON UPDATE a] [MATCH x] [[NOT] DEFERRABLE ...]`
/// starting at `tokens[i]` (the word after `REFERENCES`).
fn references(
    tokens: &[Token],
    mut i: usize,
) -> Option<(String, Vec<String>, FkAction, FkAction, usize)> {
    let ref_table = tokens.get(i)?.ident()?.to_owned();
    i += 1;
    let mut ref_columns = Vec::new();
    if tokens.get(i).is_some_and(|t| t.is("(")) {
        let (cols, next) = column_list(tokens, i)?;
        ref_columns = cols;
        i = next;
    }
    let (mut on_delete, mut on_update) = (FkAction::NoAction, FkAction::NoAction);
    while i < tokens.len() {
        let t = &tokens[i];
        if t.is_word("ON") {
            let which = tokens.get(i + 1)?;
            let a = tokens.get(i + 2)?;
            let (action, used) = if a.is_word("SET") {
                (format!("SET {}", tokens.get(i + 3)?.value), 4)
            } else if a.is_word("NO") {
                ("NO ACTION".to_owned(), 4)
            } else {
                (a.value.clone(), 3)
            };
            if which.is_word("DELETE") {
                on_delete = fk_action(&action);
            } else if which.is_word("UPDATE") {
                on_update = fk_action(&action);
            }
            i += used;
        } else if t.is_word("MATCH") {
            i += 2;
        } else if ["NOT", "DEFERRABLE", "INITIALLY", "DEFERRED", "IMMEDIATE"]
            .iter()
            .any(|w| t.is_word(w))
        {
            i += 1;
        } else {
            break;
        }
    }
    Some((ref_table, ref_columns, on_delete, on_update, i))
}

/// `"c" IN ('a', 'b', ...)` on the column `column`: its labels.
fn enum_labels(tokens: &[Token], column: &str) -> Option<Vec<String>> {
    let [col, kw, rest @ ..] = tokens else {
        return None;
    };
    if col.ident()? != column || !kw.is_word("IN") || !rest.first()?.is("(") {
        return None;
    }
    if matching_paren(rest, 0)? != rest.len() - 1 {
        return None;
    }
    split_commas(&rest[1..rest.len() - 1])
        .into_iter()
        .map(|item| match item {
            [t] if t.kind == Kind::Str => Some(t.value.clone()),
            _ => None,
        })
        .collect()
}

/// Skips an `ON CONFLICT <resolution>` clause at `tokens[i]`.
fn skip_conflict(tokens: &[Token], i: usize) -> usize {
    if tokens.get(i).is_some_and(|t| t.is_word("ON"))
        && tokens.get(i + 1).is_some_and(|t| t.is_word("CONFLICT"))
    {
        i + 3
    } else {
        i
    }
}

/// Reads a `CREATE TABLE` statement's constraints.
fn parse_create_table(sql: &str) -> Option<Parsed> {
    let tokens = tokenize(sql, false);
    let open = tokens.iter().position(|t| t.is("("))?;
    let close = matching_paren(&tokens, open)?;
    let mut p = Parsed::default();
    for item in split_commas(&tokens[open + 1..close]) {
        let first = item.first()?;
        let table_constraint = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]
            .iter()
            .any(|w| first.is_word(w));
        if table_constraint {
            parse_table_constraint(sql, item, &mut p)?;
        } else {
            parse_column_def(sql, item, &mut p)?;
        }
    }
    Some(p)
}

fn parse_table_constraint(sql: &str, t: &[Token], p: &mut Parsed) -> Option<()> {
    let mut i = 0;
    let mut name = None;
    if t[0].is_word("CONSTRAINT") {
        name = Some(t.get(1)?.ident()?.to_owned());
        i = 2;
    }
    let kw = t.get(i)?;
    if kw.is_word("PRIMARY") {
        // The key's columns come from pragma_table_info; SQLite keeps no use for its name.
    } else if kw.is_word("UNIQUE") {
        let (cols, _) = column_list(t, i + 1)?;
        p.uniques.push((name, cols));
    } else if kw.is_word("CHECK") {
        let close = matching_paren(t, i + 1)?;
        let expr = sql[t[i + 1].end..t[close].start].trim().to_owned();
        p.checks.push((name, expr));
    } else if kw.is_word("FOREIGN") {
        let (columns, next) = column_list(t, i + 2)?;
        if !t.get(next)?.is_word("REFERENCES") {
            return None;
        }
        let (ref_table, ref_columns, on_delete, on_update, _) = references(t, next + 1)?;
        p.foreign_keys.push(ParsedFk {
            name,
            columns,
            ref_table,
            ref_columns,
            on_delete,
            on_update,
        });
    } else {
        return None;
    }
    Some(())
}

fn parse_column_def(sql: &str, t: &[Token], p: &mut Parsed) -> Option<()> {
    let column = t[0].ident()?.to_owned();
    let starts_constraint = |tok: &Token| {
        [
            "CONSTRAINT",
            "PRIMARY",
            "NOT",
            "NULL",
            "UNIQUE",
            "CHECK",
            "DEFAULT",
            "COLLATE",
            "REFERENCES",
            "GENERATED",
            "AS",
        ]
        .iter()
        .any(|w| tok.is_word(w))
    };
    let mut i = 1;
    // The type: words and one parenthesized argument list.
    while i < t.len() && !starts_constraint(&t[i]) {
        i = if t[i].is("(") {
            matching_paren(t, i)? + 1
        } else {
            i + 1
        };
    }
    let mut name: Option<String> = None;
    while i < t.len() {
        let kw = &t[i];
        if kw.is_word("CONSTRAINT") {
            name = Some(t.get(i + 1)?.ident()?.to_owned());
            i += 2;
            continue;
        }
        if kw.is_word("PRIMARY") {
            i += 2; // PRIMARY KEY
            if t.get(i)
                .is_some_and(|x| x.is_word("ASC") || x.is_word("DESC"))
            {
                i += 1;
            }
            i = skip_conflict(t, i);
            if t.get(i).is_some_and(|x| x.is_word("AUTOINCREMENT")) {
                p.autoincrement.push(column.clone());
                i += 1;
            }
        } else if kw.is_word("NOT") {
            i = skip_conflict(t, i + 2);
        } else if kw.is_word("NULL") {
            i = skip_conflict(t, i + 1);
        } else if kw.is_word("UNIQUE") {
            p.uniques.push((name.clone(), vec![column.clone()]));
            i = skip_conflict(t, i + 1);
        } else if kw.is_word("CHECK") {
            let close = matching_paren(t, i + 1)?;
            match enum_labels(&t[i + 2..close], &column).filter(|_| name.is_none()) {
                Some(labels) => {
                    p.enums.insert(column.clone(), labels);
                }
                None => {
                    let expr = sql[t[i + 1].end..t[close].start].trim().to_owned();
                    p.checks.push((name.clone(), expr));
                }
            }
            i = close + 1;
        } else if kw.is_word("DEFAULT") {
            // The default's text comes from pragma_table_info.
            i += 1;
            if t.get(i).is_some_and(|x| x.is("(")) {
                i = matching_paren(t, i)? + 1;
            } else {
                if t.get(i).is_some_and(|x| x.is("-") || x.is("+")) {
                    i += 1;
                }
                i += 1;
                // A blob literal X'..' is two tokens.
                if t.get(i)
                    .is_some_and(|x| x.kind == Kind::Str && t[i - 1].end == x.start)
                {
                    i += 1;
                }
            }
        } else if kw.is_word("COLLATE") {
            i += 2;
        } else if kw.is_word("REFERENCES") {
            let (ref_table, ref_columns, on_delete, on_update, next) = references(t, i + 1)?;
            p.foreign_keys.push(ParsedFk {
                name: name.clone(),
                columns: vec![column.clone()],
                ref_table,
                ref_columns,
                on_delete,
                on_update,
            });
            i = next;
        } else if kw.is_word("GENERATED") || kw.is_word("AS") {
            // Reported as a generated column by pragma_table_xinfo.
            return Some(());
        } else {
            return None;
        }
        name = None;
    }
    Some(())
}

/// The `WHERE` predicate of a `CREATE INDEX` statement, if any.
fn index_predicate(sql: &str) -> Option<String> {
    let tokens = tokenize(sql, false);
    let open = tokens.iter().position(|t| t.is("("))?;
    let close = matching_paren(&tokens, open)?;
    let w = tokens.get(close + 1)?;
    w.is_word("WHERE")
        .then(|| strip_outer_parens(sql[w.end..].trim().trim_end_matches(';')).to_owned())
}

pub(crate) fn introspect(
    conn: &mut Connection,
    skip: &dyn Fn(&str) -> bool,
) -> Result<Schema, IntrospectError> {
    let tables = rows(conn, &catalog::sqlite_tables(), 2, "the tables")?;
    let columns = rows(conn, &catalog::sqlite_columns(), 8, "the columns")?;
    let indexes = rows(conn, &catalog::sqlite_indexes(), 6, "the indexes")?;
    let mut schema = Schema::new();
    let mut parsed = BTreeMap::new();
    for row in &tables {
        let name = cell(row, 0);
        if skip(name) {
            continue;
        }
        let p = parse_create_table(cell(row, 1)).ok_or_else(|| IntrospectError::Unsupported {
            what: format!("table \"{name}\""),
            reason: format!("cannot read its CREATE TABLE statement: {}", cell(row, 1)),
        })?;
        parsed.insert(name.to_owned(), p);
        schema.tables.insert(name.to_owned(), Table::new(name));
    }
    read_columns(&mut schema, &columns, &parsed)?;
    add_constraints(&mut schema, parsed);
    read_indexes(&mut schema, &indexes);
    Ok(schema)
}

/// The columns of the tables read, in order (inline enums from their checks), and the
/// primary keys.
fn read_columns(
    schema: &mut Schema,
    columns: &[Row],
    parsed: &BTreeMap<String, Parsed>,
) -> Result<(), IntrospectError> {
    // Columns, and the primary key from their `pk` positions.
    let mut pk_cols: BTreeMap<String, Vec<(u32, String)>> = BTreeMap::new();
    for row in columns {
        let (table, name) = (cell(row, 0), cell(row, 1));
        let Some(p) = parsed.get(table) else { continue };
        let what = || column_what(table, name);
        if cell(row, 6) != "0" {
            return Err(IntrospectError::Unsupported {
                what: what(),
                reason: "a generated column, which the schema model cannot represent".into(),
            });
        }
        let decl = cell(row, 2);
        let mut ty = parse_type(decl).ok_or_else(|| IntrospectError::Unsupported {
            what: what(),
            reason: format!("its declared type \"{decl}\" has no Type in the schema model"),
        })?;
        if let (Type::Text, Some(labels)) = (&ty, p.enums.get(name)) {
            ty = inline_enum(&mut schema.enums, table, name, labels.clone());
        }
        let mut c = Column::new(name, ty);
        c.nullable = cell(row, 3) == "0";
        c.autoincrement = p.autoincrement.iter().any(|a| a == name);
        if let Some(text) = row[4].as_deref() {
            c.default = typed_default(&c.ty, parse_default(text, false));
        }
        let pk: u32 = cell(row, 5).parse().unwrap_or(0);
        if pk > 0 {
            // An `INTEGER PRIMARY KEY` is the rowid, never NULL even when not declared so;
            // and the model keeps key columns NOT NULL, as the other backends do.
            c.nullable = false;
            pk_cols
                .entry(table.to_owned())
                .or_default()
                .push((pk, name.to_owned()));
        }
        schema
            .tables
            .get_mut(table)
            .expect("listed")
            .columns
            .push(c);
    }
    for (table, mut cols) in pk_cols {
        cols.sort();
        let t = schema.tables.get_mut(&table).expect("listed");
        t.primary_key = Some(PrimaryKey {
            name: naming::primary_key(&table),
            columns: cols.into_iter().map(|(_, c)| c).collect(),
        });
    }
    Ok(())
}

/// The unique constraints, foreign keys and checks read from each `CREATE TABLE` text.
fn add_constraints(schema: &mut Schema, parsed: BTreeMap<String, Parsed>) {
    // Constraints from the CREATE TABLE text; a foreign key that names no referenced
    // columns references the primary key.
    let keys: BTreeMap<String, Vec<String>> = schema
        .tables
        .iter()
        .filter_map(|(n, t)| Some((n.clone(), t.primary_key.as_ref()?.columns.clone())))
        .collect();
    for (table, p) in parsed {
        let t = schema.tables.get_mut(&table).expect("listed");
        for (name, columns) in p.uniques {
            let name = name.unwrap_or_else(|| naming::unique(&table, &columns));
            t.uniques.push(Unique { name, columns });
        }
        for fk in p.foreign_keys {
            let ref_columns = if fk.ref_columns.is_empty() {
                keys.get(&fk.ref_table).cloned().unwrap_or_default()
            } else {
                fk.ref_columns
            };
            t.foreign_keys.push(ForeignKey {
                name: fk
                    .name
                    .unwrap_or_else(|| naming::foreign_key(&table, &fk.columns, &fk.ref_table)),
                columns: fk.columns,
                ref_table: fk.ref_table,
                ref_columns,
                on_delete: fk.on_delete,
                on_update: fk.on_update,
            });
        }
        for (i, (name, expr)) in p.checks.into_iter().enumerate() {
            let name = name.unwrap_or_else(|| naming::check(&table, &format!("check{}", i + 1)));
            t.checks.push(Check {
                short_name: naming::check_short_name(&table, &name),
                name,
                expr,
            });
        }
    }
}

/// The indexes.
fn read_indexes(schema: &mut Schema, indexes: &[Row]) {
    // Indexes made by CREATE INDEX (not the ones behind UNIQUE and PRIMARY KEY).
    let mut current: Option<(String, Index, bool)> = None;
    let finish = |schema: &mut Schema, cur: Option<(String, Index, bool)>| {
        if let Some((table, index, complete)) = cur {
            // An index over an expression cannot be held by the model: left out.
            if complete {
                if let Some(t) = schema.tables.get_mut(&table) {
                    t.indexes.push(index);
                }
            }
        }
    };
    for row in indexes {
        let (table, name) = (cell(row, 0), cell(row, 1));
        if !schema.tables.contains_key(table) {
            continue;
        }
        let same = current
            .as_ref()
            .is_some_and(|(t, i, _)| t == table && i.name == name);
        if !same {
            finish(schema, current.take());
            let mut index = Index::new(Vec::<String>::new()).name(name);
            index.unique = cell(row, 2) == "1";
            index.where_clause = index_predicate(cell(row, 5));
            current = Some((table.to_owned(), index, true));
        }
        let (_, index, complete) = current.as_mut().expect("set above");
        match row[4].as_deref() {
            Some(c) => index.columns.push(c.to_owned()),
            None => *complete = false,
        }
    }
    finish(schema, current.take());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_table_text_is_read() {
        let p = parse_create_table(
            r#"CREATE TABLE "t" (
  "id" INTEGER CONSTRAINT "pk_t" PRIMARY KEY AUTOINCREMENT NOT NULL,
  "s" TEXT NOT NULL DEFAULT 'a' CHECK ("s" IN ('a', 'it''s')),
  "u" INTEGER REFERENCES "o" ON DELETE SET NULL,
  "b" BLOB DEFAULT X'ab' UNIQUE,
  CONSTRAINT "uq_t_s" UNIQUE ("s", "u"),
  CONSTRAINT "fk_t_u_o" FOREIGN KEY ("u") REFERENCES "o" ("id") ON DELETE CASCADE ON UPDATE NO ACTION,
  CONSTRAINT "ck_t_pos" CHECK (u > 0 AND (s <> 'x'))
)"#,
        )
        .unwrap();
        assert_eq!(p.autoincrement, ["id"]);
        assert_eq!(p.enums["s"], ["a", "it's"]);
        assert_eq!(p.uniques.len(), 2);
        assert_eq!(p.uniques[0], (None, vec!["b".to_owned()]));
        assert_eq!(p.foreign_keys.len(), 2);
        assert_eq!(p.foreign_keys[0].on_delete, FkAction::SetNull);
        assert!(p.foreign_keys[0].ref_columns.is_empty());
        assert_eq!(p.foreign_keys[1].on_delete, FkAction::Cascade);
        assert_eq!(
            p.checks,
            [(
                Some("ck_t_pos".to_owned()),
                "u > 0 AND (s <> 'x')".to_owned()
            )]
        );
        assert_eq!(
            index_predicate(r#"CREATE INDEX "i" ON "t" ("a", "b") WHERE (a > 0)"#).as_deref(),
            Some("a > 0")
        );
        assert_eq!(parse_type("NUMERIC(10, 2)"), Some(Type::Numeric(10, 2)));
        assert_eq!(parse_type("VARCHAR(50)"), Some(Type::Varchar(50)));
    }
}
