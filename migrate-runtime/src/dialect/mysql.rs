//! MySQL and MariaDB: DDL commits implicitly, enums are inline, columns are altered with
//! their full definition.

use super::{
    column, constraint_clauses, create_index_sql, create_table_sql, default_clause, execute_sql,
    foreign_key_clause, insert_sql, table, Dialect, Statement,
};
use crate::column::{Column, Type};
use crate::op::Op;
use crate::schema::Schema;
use crate::table::Table;

const D: Dialect = Dialect::Mysql;

/// The MySQL spelling of a type.
pub(crate) fn type_sql(ty: &Type) -> String {
    match ty {
        Type::Integer => "INT".into(),
        Type::BigInt => "BIGINT".into(),
        Type::SmallInt => "SMALLINT".into(),
        Type::Text => "TEXT".into(),
        Type::Varchar(n) => format!("VARCHAR({n})"),
        Type::Char(n) => format!("CHAR({n})"),
        Type::Boolean => "BOOLEAN".into(),
        Type::Float => "FLOAT".into(),
        Type::Double => "DOUBLE".into(),
        Type::Numeric(p, s) => format!("DECIMAL({p}, {s})"),
        Type::Date => "DATE".into(),
        Type::Time => "TIME".into(),
        Type::Timestamp => "DATETIME".into(),
        Type::TimestampTz => "TIMESTAMP".into(),
        Type::Binary => "LONGBLOB".into(),
        Type::Json => "JSON".into(),
        Type::Uuid => "CHAR(36)".into(),
        Type::Enum(e) => {
            let labels: Vec<String> = e.variants.iter().map(|v| D.string_literal(v)).collect();
            format!("ENUM({})", labels.join(", "))
        }
    }
}

fn column_def(c: &Column) -> String {
    let mut s = format!("{} {}", D.quote(&c.name), type_sql(&c.ty));
    s.push_str(if c.nullable { " NULL" } else { " NOT NULL" });
    s.push_str(&default_clause(D, c));
    if c.autoincrement {
        s.push_str(" AUTO_INCREMENT");
    }
    if let Some(cm) = &c.comment {
        s.push_str(" COMMENT ");
        s.push_str(&D.string_literal(cm));
    }
    s
}

fn alter(t: &str, rest: String) -> Statement {
    Statement::Execute(format!("ALTER TABLE {} {rest}", D.quote(t)))
}

fn create_table(t: &Table, out: &mut Vec<Statement>) -> Result<(), String> {
    let mut parts: Vec<String> = t.columns.iter().map(column_def).collect();
    parts.extend(constraint_clauses(D, t, false)?);
    let suffix = t
        .comment
        .as_ref()
        .map(|c| format!(" COMMENT = {}", D.string_literal(c)))
        .unwrap_or_default();
    out.push(Statement::Execute(create_table_sql(
        D, &t.name, &parts, &suffix,
    )));
    for i in &t.indexes {
        out.push(Statement::Execute(create_index_sql(D, &t.name, i)?));
    }
    Ok(())
}

/// Renders one op; `before` and `after` are the schema around it.
pub(crate) fn render_op(
    before: &Schema,
    after: &Schema,
    op: &Op,
    out: &mut Vec<Statement>,
) -> Result<(), String> {
    let q = |i: &str| D.quote(i);
    match op {
        Op::CreateTable(t) => create_table(table(after, &t.name), out)?,
        Op::DropTable { table } => out.push(Statement::Execute(format!("DROP TABLE {}", q(table)))),
        Op::RenameTable { from, to } => out.push(Statement::Execute(format!(
            "RENAME TABLE {} TO {}",
            q(from),
            q(to)
        ))),
        Op::AddColumn {
            table: t,
            column: c,
        } => {
            // One statement: MySQL wants an AUTO_INCREMENT column to be a key as it is added.
            let ta = table(after, t);
            let mut parts = vec![format!("ADD COLUMN {}", column_def(column(ta, &c.name)))];
            if c.primary_key {
                parts.push(format!("ADD PRIMARY KEY ({})", q(&c.name)));
            }
            if c.unique {
                let u = ta.uniques.last().expect("added with the column");
                parts.push(format!(
                    "ADD CONSTRAINT {} UNIQUE ({})",
                    q(&u.name),
                    q(&c.name)
                ));
            }
            out.push(alter(t, parts.join(", ")));
        }
        Op::DropColumn { table, column } => {
            out.push(alter(table, format!("DROP COLUMN {}", q(column))))
        }
        Op::AlterColumn {
            table: t,
            column: name,
            change,
        } => {
            let new_name = change.rename.clone().unwrap_or_else(|| name.clone());
            let only_rename = change.ty.is_none()
                && change.nullable.is_none()
                && change.default.is_none()
                && change.comment.is_none();
            if only_rename {
                out.push(alter(
                    t,
                    format!("RENAME COLUMN {} TO {}", q(name), q(&new_name)),
                ));
            } else {
                // CHANGE restates the whole column, so unchanged attributes are kept.
                let new = column(table(after, t), &new_name);
                out.push(alter(
                    t,
                    format!("CHANGE COLUMN {} {}", q(name), column_def(new)),
                ));
            }
            let _ = before;
        }
        Op::CreateIndex { table, index } => {
            out.push(Statement::Execute(create_index_sql(D, table, index)?))
        }
        Op::DropIndex { table, name } => out.push(Statement::Execute(format!(
            "DROP INDEX {} ON {}",
            q(name),
            q(table)
        ))),
        Op::CreateUnique { table, unique } => out.push(alter(
            table,
            format!(
                "ADD CONSTRAINT {} UNIQUE ({})",
                q(&unique.name),
                D.quote_list(&unique.columns)
            ),
        )),
        Op::CreateForeignKey { table, foreign_key } => out.push(alter(
            table,
            format!("ADD {}", foreign_key_clause(D, foreign_key)?),
        )),
        Op::CreateCheck { table, check } => out.push(alter(
            table,
            format!("ADD CONSTRAINT {} CHECK ({})", q(&check.name), check.expr),
        )),
        Op::CreatePrimaryKey { table, primary_key } => out.push(alter(
            table,
            format!("ADD PRIMARY KEY ({})", D.quote_list(&primary_key.columns)),
        )),
        Op::DropConstraint { table: t, name } => {
            let tb = table(before, t);
            let rest = if tb.primary_key.as_ref().is_some_and(|p| p.name == *name) {
                "DROP PRIMARY KEY".to_owned()
            } else if tb.uniques.iter().any(|u| u.name == *name) {
                format!("DROP INDEX {}", q(name))
            } else if tb.foreign_keys.iter().any(|f| f.name == *name) {
                format!("DROP FOREIGN KEY {}", q(name))
            } else {
                format!("DROP CONSTRAINT {}", q(name))
            };
            out.push(alter(t, rest));
        }
        // MySQL writes enum labels into each column (`ENUM('a', 'b')`): the named type
        // exists only in the schema model, so there is no statement to run.
        Op::CreateEnum(_) | Op::DropEnum { .. } => {}
        Op::Execute(e) => out.push(Statement::Execute(execute_sql(D, e)?)),
        Op::BulkInsert {
            table,
            columns,
            rows,
        } => out.extend(
            insert_sql(D, table, columns, rows)
                .into_iter()
                .map(Statement::Execute),
        ),
    }
    Ok(())
}
