//! Ops as Rust: the DSL code of a migration, written from [`Op`] values.
//!
//! `revision --autogenerate` turns a schema difference into ops; this module writes them as
//! the code a person would write (the prelude constructors of the shop's migrations), in
//! the layout rustfmt gives it, so a generated file is reviewed like a hand-written one and
//! `cargo fmt --check` has nothing to say about it.
//!
//! ```
//! use migrate_runtime::codegen::ops_to_rust;
//! use migrate_runtime::prelude::*;
//!
//! let ops = vec![
//!     op::add_column("items", Column::new("sku", Type::Varchar(64)).not_null().unique()),
//!     op::create_index("items", Index::new(["sku", "name"])),
//! ];
//! assert_eq!(
//!     ops_to_rust(&ops),
//!     r#"vec![
//!         op::add_column(
//!             "items",
//!             Column::new("sku", Type::Varchar(64)).not_null().unique(),
//!         ),
//!         op::create_index("items", Index::new(["sku", "name"])),
//!     ]"#
//! );
//! ```
//!
//! Every [`Op`] variant is written, and the code evaluates to ops equal to the input, with
//! these limits:
//!
//! - A data step's function is code, not data: it is written as
//!   `DataStep::new("its name", migrate_runtime::codegen::unwritten_data_step)` (and the
//!   same for its reverse), which compares equal (a data step compares by name and
//!   reversibility) but fails when run until the function is written by hand.
//! - An index, unique constraint, foreign key or check constraint with an empty name (which
//!   no constructor makes, and [`Schema::apply`](crate::schema::Schema::apply) rejects) is
//!   written unnamed, so the code names it by the convention.
//! - Names the constructors cannot produce (a check constraint or primary key named other
//!   than by the convention) are written as struct literals with `..` the constructor.
//!
//! Layout follows rustfmt's rules (default configuration, edition 2021) for the
//! expressions written here: a width of 100, calls and arrays that go vertical past 60
//! columns of arguments, chains past 60 columns, the last argument overflowing when it
//! is the only one. A string too long for any layout makes rustfmt leave the whole `vec!`
//! as it is written, so the code is written the same way with that string overflowing.
//! String literals escape characters whose display width is not one column.

use std::cell::Cell;

use crate::column::{Column, DefaultValue, EnumType, Type, Value};
use crate::data::{DataConnection, DataError, DataStep};
use crate::naming;
use crate::op::{AlterColumn, Execute, Op, Sql};
use crate::table::{Check, FkAction, ForeignKey, Index, PrimaryKey, Table, Unique};

/// The function generated code gives a data step, whose function cannot be written from
/// data: it fails, saying so, until it is replaced by the real function.
///
/// ```
/// use migrate_runtime::codegen::{ops_to_rust, unwritten_data_step};
/// use migrate_runtime::prelude::*;
///
/// let code = ops_to_rust(&[op::data_step(DataStep::new("backfill", unwritten_data_step))]);
/// assert!(code.contains("migrate_runtime::codegen::unwritten_data_step"));
/// ```
pub fn unwritten_data_step(_conn: &mut DataConnection<'_>) -> Result<(), DataError> {
    Err(
        "this data step was generated without its function (code is not data): \
         write it in the migration file"
            .into(),
    )
}

mod expr;
mod layout;

use expr::*;
// The one string escaping, shared with the schema.rs printer.
use layout::*;
pub(crate) use migrate_core::lex::string_literal;

/// The ops' `vec![...]` laid out at `indent` (the first line not indented).
fn layout_ops(ops: &[Op], comments: &[Option<String>], indent: usize) -> String {
    layout_ops_strict(ops, comments, indent).0
}

/// [`layout_ops`], and whether rustfmt can format the result (false: a string is too long
/// for any layout, so rustfmt leaves the text as written).
fn layout_ops_strict(ops: &[Op], comments: &[Option<String>], indent: usize) -> (String, bool) {
    let items: Vec<Expr> = ops.iter().map(op_expr).collect();
    // A `vec!` in statement position: rustfmt keeps a column for the `;` it may add.
    let shape = Shape {
        width: MAX_WIDTH.saturating_sub(indent).saturating_sub(1),
        indent,
        offset: 0,
    };
    for lenient in [false, true] {
        let layout = Layout::new(lenient);
        if let Some(s) = layout.rewrite_list("vec!", &items, comments, shape, ListKind::VecMacro) {
            return (s, !lenient);
        }
    }
    (vertical(&vec_mac(items), indent), false)
}

/// `// text` lines for a comment above an op (characters a comment cannot hold become
/// spaces).
fn comment_lines(text: &str) -> Option<String> {
    let lines: Vec<String> = text
        .replace("\r\n", "\n")
        .split('\n')
        .map(|l| {
            let l: String = l
                .chars()
                .map(|c| {
                    if c.is_control()
                        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
                    {
                        ' '
                    } else {
                        c
                    }
                })
                .collect();
            let l = l.trim_end();
            if l.is_empty() {
                "//".to_owned()
            } else {
                format!("// {l}")
            }
        })
        .collect();
    (!text.trim().is_empty()).then(|| lines.join("\n"))
}

/// The ops as DSL code: the `vec![...]` an `upgrade` function returns, laid out for the
/// body of a function at the top level of a file (lines after the first indented by four
/// spaces; no trailing newline), as rustfmt formats it. Deterministic: the same ops give
/// the same text. See the [module docs](self) for what is written and its limits.
///
/// ```
/// use migrate_runtime::codegen::ops_to_rust;
/// use migrate_runtime::prelude::*;
///
/// assert_eq!(ops_to_rust(&[]), "vec![]");
/// assert_eq!(
///     ops_to_rust(&[op::drop_column("users", "age")]),
///     r#"vec![op::drop_column("users", "age")]"#
/// );
/// ```
pub fn ops_to_rust(ops: &[Op]) -> String {
    layout_ops(ops, &[], TAB)
}

/// [`ops_to_rust`] with comments: each `(index, text)` writes `text` as `//` lines above
/// the op at `index` (several for one op are joined; an index past the end is ignored).
/// Autogenerate uses it to flag a drop and an add that may be a rename.
///
/// ```
/// use migrate_runtime::codegen::ops_to_rust_commented;
/// use migrate_runtime::prelude::*;
///
/// let ops = [op::drop_column("users", "name"), op::add_column("users", Column::new("full_name", Type::Text))];
/// let code = ops_to_rust_commented(&ops, &[(0, "maybe a rename: op::rename_column(\"users\", \"name\", \"full_name\")".into())]);
/// assert!(code.starts_with(
///     "vec![\n        // maybe a rename: op::rename_column(\"users\", \"name\", \"full_name\")\n        op::drop_column("
/// ));
/// ```
pub fn ops_to_rust_commented(ops: &[Op], comments: &[(usize, String)]) -> String {
    layout_ops(ops, &collect_comments(ops.len(), comments), TAB)
}

fn collect_comments(len: usize, comments: &[(usize, String)]) -> Vec<Option<String>> {
    let mut out: Vec<Option<String>> = vec![None; len];
    for (i, text) in comments {
        let Some(lines) = comment_lines(text) else {
            continue;
        };
        if let Some(slot) = out.get_mut(*i) {
            *slot = Some(match slot.take() {
                Some(before) => format!("{before}\n{lines}"),
                None => lines,
            });
        }
    }
    out
}

/// A whole migration file for `ops`, in the style of the files in `versions/`, by the one
/// writer of migration files ([`migrate_core::scan::render_file`]: the header and
/// attribute of [`migrate_core::scan::render_migration`], then `pub fn upgrade()`
/// returning the ops as [`ops_to_rust`] writes them; the downgrade is derived). `parents`
/// is empty for a first migration, one id usually, several for a merge. The values are
/// written as given: check ids with [`migrate_core::id::validate`] first.
///
/// ```
/// use migrate_runtime::codegen::migration_file;
/// use migrate_runtime::prelude::*;
///
/// let text = migration_file(
///     "3f9a1c2b7d10",
///     &["1a2b3c4d5e6f"],
///     "add is_physical to items",
///     &[op::add_column(
///         "items",
///         Column::new("is_physical", Type::Boolean).not_null().server_default(false),
///     )],
/// );
/// assert_eq!(
///     text,
///     r#"//! add is_physical to items
/// use migrate_runtime::prelude::*;
///
/// #[migration(
///     revision = "3f9a1c2b7d10",
///     down_revision = "1a2b3c4d5e6f",
///     message = "add is_physical to items"
/// )]
/// pub fn upgrade() -> Vec<Op> {
///     vec![op::add_column(
///         "items",
///         Column::new("is_physical", Type::Boolean)
///             .not_null()
///             .server_default(false),
///     )]
/// }
/// "#
/// );
/// ```
pub fn migration_file(id: &str, parents: &[&str], message: &str, ops: &[Op]) -> String {
    migration_file_commented(id, parents, message, ops, &[])
}

/// [`migration_file`] with comments above ops, as [`ops_to_rust_commented`] writes them.
pub fn migration_file_commented(
    id: &str,
    parents: &[&str],
    message: &str,
    ops: &[Op],
    comments: &[(usize, String)],
) -> String {
    let new = migrate_core::scan::NewMigration {
        id: id.to_owned(),
        parents: parents.iter().map(|p| p.to_string()).collect(),
        message: message.to_owned(),
        ..Default::default()
    };
    let ops = ops_to_rust_commented(ops, comments);
    migrate_core::scan::render_file(&new, None, migrate_core::scan::MigrationBody::Ops(&ops))
}

#[cfg(test)]
mod tests;
