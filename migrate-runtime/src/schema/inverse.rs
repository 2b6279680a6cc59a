//! Derived downgrades: the inverse of each op, computed from the schema state before it.
//!
//! Because the state before an op is known, destructive ops can be undone: `drop_column`
//! is undone by `add_column` with the column's full original definition, `drop_table` by
//! `create_table` with every index and constraint, `alter_column` by the old definition.
//! Opaque steps (`execute` without a reverse, `bulk_insert`) are irreversible.
//!
//! ```
//! use migrate_runtime::prelude::*;
//! use migrate_runtime::inverse::derive_downgrade;
//! use migrate_runtime::schema::Schema;
//!
//! let before = Schema::replay(&[op::create_table(
//!     Table::new("items").column(Column::new("id", Type::Integer).primary_key()),
//! )])
//! .unwrap();
//! let up = vec![op::add_column(
//!     "items",
//!     Column::new("is_physical", Type::Boolean).not_null().server_default(false),
//! )];
//! let down = derive_downgrade(&before, &up).unwrap();
//! assert_eq!(down, vec![op::drop_column("items", "is_physical")]);
//! ```

use crate::column::Column;
use crate::data::DataStep;
use crate::naming;
use crate::op::{AlterColumn, Execute, Op};
use crate::schema::{Schema, SchemaError};
use crate::table::Table;

/// Why a list of ops has no derived downgrade.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InverseError {
    /// An op that cannot be undone automatically.
    #[error("{op} is irreversible: {reason}")]
    Irreversible {
        /// The op, described.
        op: String,
        /// Why, and what to do.
        reason: &'static str,
    },
    /// An op of the upgrade does not apply to the schema (the upgrade itself is invalid).
    #[error(transparent)]
    Schema(#[from] SchemaError),
}

/// The ops that undo `op`, given the schema `before` it ran.
///
/// The op must apply to `before`; an op that does not apply gives an error.
pub fn inverse(before: &Schema, op: &Op) -> Result<Vec<Op>, InverseError> {
    // Validate first so that lookups below cannot miss.
    before.clone().apply(op)?;
    let table = |name: &str| before.table(name).expect("validated by apply");
    Ok(match op {
        Op::CreateTable(t) => vec![Op::DropTable {
            table: t.name.clone(),
        }],
        Op::DropTable { table: name } => vec![Op::CreateTable(table(name).clone())],
        Op::RenameTable { from, to } => vec![Op::RenameTable {
            from: to.clone(),
            to: from.clone(),
        }],
        Op::AddColumn { table: t, column } => add_column_inverse(t, column),
        Op::DropColumn { table: t, column } => drop_column_inverse(table(t), column),
        Op::AlterColumn {
            table: t,
            column,
            change,
        } => alter_column_inverse(table(t), column, change),
        Op::CreateIndex { table: t, index } => vec![Op::DropIndex {
            table: t.clone(),
            name: index.name.clone(),
        }],
        Op::DropIndex { table: t, name } => {
            let index = table(t).indexes.iter().find(|i| i.name == *name);
            vec![Op::CreateIndex {
                table: t.clone(),
                index: index.expect("validated").clone(),
            }]
        }
        Op::CreateUnique { table: t, unique } => drop_constraint(t, &unique.name),
        Op::CreateForeignKey {
            table: t,
            foreign_key,
        } => drop_constraint(t, &foreign_key.name),
        Op::CreateCheck { table: t, check } => drop_constraint(t, &check.name),
        Op::CreatePrimaryKey {
            table: t,
            primary_key,
        } => drop_constraint(t, &primary_key.name),
        Op::DropConstraint { table: t, name } => drop_constraint_inverse(table(t), name),
        Op::CreateEnum(e) => vec![Op::DropEnum {
            name: e.name.clone(),
        }],
        Op::DropEnum { name } => vec![Op::CreateEnum(
            before.enums.get(name).expect("validated").clone(),
        )],
        Op::Execute(_) | Op::DataStep(_) | Op::BulkInsert { .. } => opaque_inverse(op)?,
    })
}

/// The inverse of `add_column`: the column goes (with a unique constraint its flag made;
/// a primary key on it goes with it).
fn add_column_inverse(t: &str, column: &Column) -> Vec<Op> {
    let mut ops = Vec::new();
    if column.unique {
        ops.push(Op::DropConstraint {
            table: t.to_owned(),
            name: naming::unique(t, &[&column.name]),
        });
    }
    ops.push(Op::DropColumn {
        table: t.to_owned(),
        column: column.name.clone(),
    });
    ops
}

/// The inverse of `drop_column` on `tb`: the column comes back as it was.
fn drop_column_inverse(tb: &Table, column: &str) -> Vec<Op> {
    let mut col = tb.get_column(column).expect("validated").clone();
    // A sole primary key column took its key with it: bring both back.
    col.primary_key = tb
        .primary_key
        .as_ref()
        .is_some_and(|p| p.columns == [column.to_owned()]);
    vec![Op::AddColumn {
        table: tb.name.clone(),
        column: col,
    }]
}

/// The inverse of `alter_column` on `tb`: each changed attribute set back to what it was.
fn alter_column_inverse(tb: &Table, column: &str, change: &AlterColumn) -> Vec<Op> {
    let old = tb.get_column(column).expect("validated");
    let back = AlterColumn {
        rename: change.rename.as_ref().map(|_| column.to_owned()),
        ty: change.ty.as_ref().map(|_| old.ty.clone()),
        nullable: change.nullable.map(|_| old.nullable),
        default: change.default.as_ref().map(|_| old.default.clone()),
        comment: change.comment.as_ref().map(|_| old.comment.clone()),
    };
    vec![Op::AlterColumn {
        table: tb.name.clone(),
        column: change.rename.clone().unwrap_or_else(|| column.to_owned()),
        change: back,
    }]
}

/// The inverse of `drop_constraint` on `tb`: the constraint comes back, whatever its kind.
fn drop_constraint_inverse(tb: &Table, name: &str) -> Vec<Op> {
    let t = tb.name.clone();
    if let Some(pk) = tb.primary_key.as_ref().filter(|p| p.name == *name) {
        vec![Op::CreatePrimaryKey {
            table: t,
            primary_key: pk.clone(),
        }]
    } else if let Some(u) = tb.uniques.iter().find(|u| u.name == *name) {
        vec![Op::CreateUnique {
            table: t,
            unique: u.clone(),
        }]
    } else if let Some(f) = tb.foreign_keys.iter().find(|f| f.name == *name) {
        vec![Op::CreateForeignKey {
            table: t,
            foreign_key: f.clone(),
        }]
    } else {
        let c = tb.checks.iter().find(|c| c.name == *name);
        vec![Op::CreateCheck {
            table: t,
            check: c.expect("validated").clone(),
        }]
    }
}

/// The inverse of an op the schema does not see into (raw SQL, a data step, a bulk
/// insert): its reverse when it was given one.
fn opaque_inverse(op: &Op) -> Result<Vec<Op>, InverseError> {
    Ok(match op {
        Op::Execute(Execute {
            sql,
            reverse: Some(rev),
        }) => vec![Op::Execute(Execute {
            sql: rev.clone(),
            reverse: Some(sql.clone()),
        })],
        Op::Execute(Execute { reverse: None, .. }) => {
            return Err(InverseError::Irreversible {
                op: op.describe(),
                reason: "raw SQL has no reverse: give one with Execute::new(..).reverse(..), or write the migration's downgrade by hand",
            })
        }
        Op::DataStep(step) => match step.reverse {
            Some(reverse) => vec![Op::DataStep(DataStep {
                name: step.name,
                run: reverse,
                reverse: Some(step.run),
            })],
            None => {
                return Err(InverseError::Irreversible {
                    op: op.describe(),
                    reason: "the data step has no reverse: give one with DataStep::new(..).reverse(..), or write the migration's downgrade by hand",
                })
            }
        },
        Op::BulkInsert { .. } => {
            return Err(InverseError::Irreversible {
                op: op.describe(),
                reason: "inserted rows are not tracked: write the migration's downgrade by hand (for example an op::execute that deletes them)",
            })
        }
        _ => unreachable!("only opaque ops"),
    })
}

fn drop_constraint(table: &str, name: &str) -> Vec<Op> {
    vec![Op::DropConstraint {
        table: table.to_owned(),
        name: name.to_owned(),
    }]
}

/// The derived downgrade of a migration whose upgrade is `ops`, starting from `before`:
/// the inverses of the ops, last op first.
pub fn derive_downgrade(before: &Schema, ops: &[Op]) -> Result<Vec<Op>, InverseError> {
    let mut state = before.clone();
    let mut groups = Vec::with_capacity(ops.len());
    for op in ops {
        groups.push(inverse(&state, op)?);
        state.apply(op)?;
    }
    Ok(groups.into_iter().rev().flatten().collect())
}
