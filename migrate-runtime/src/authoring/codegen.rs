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

// ---------------------------------------------------------------------------------------
// The expressions generated code is made of.
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Expr {
    /// Text rustfmt never breaks: a literal or a path. `simple` is rustfmt's notion (a
    /// literal, a negated literal, or a one-segment path).
    Atom { text: String, simple: bool },
    /// `callee(args)`.
    Call {
        callee: &'static str,
        args: Vec<Expr>,
        flat: Option<String>,
    },
    /// `vec![items]` (`mac` set) or `[items]`.
    Array {
        mac: bool,
        items: Vec<Expr>,
        flat: Option<String>,
    },
    /// `root.method(args)...`.
    Chain {
        root: Box<Expr>,
        calls: Vec<(&'static str, Vec<Expr>)>,
        flat: Option<String>,
        /// The widest method call but the last, when `flat` is set.
        widest_child: usize,
    },
    /// `Path { field: value, ..base }`.
    Struct {
        path: String,
        fields: Vec<(String, Expr)>,
        base: Option<Box<Expr>>,
    },
}

fn atom(text: impl Into<String>, simple: bool) -> Expr {
    Expr::Atom {
        text: text.into(),
        simple,
    }
}

fn path(p: &str) -> Expr {
    atom(p, !p.contains("::"))
}

/// The text of an expression written on one line, when rustfmt's rules keep it on one
/// line wherever it fits (see [`Layout::rewrite`]): its parts do, and its arguments (or
/// its chain, past one method call) are at most 60 columns wide.
fn flat(e: &Expr) -> Option<&str> {
    match e {
        Expr::Atom { text, .. } => Some(text),
        Expr::Call { flat, .. } | Expr::Array { flat, .. } | Expr::Chain { flat, .. } => {
            flat.as_deref()
        }
        Expr::Struct { .. } => None,
    }
}

/// `prefix ident(args)` on one line, if the arguments are flat and at most 60 columns
/// (`prefix` is `.` for a method call).
fn flat_list(prefix: &str, ident: &str, delims: (char, char), args: &[Expr]) -> Option<String> {
    if !ident.is_empty() && prefix.len() + ident.len() < TAB {
        return None;
    }
    let mut total = 2 * args.len().saturating_sub(1);
    for a in args {
        total += width(flat(a)?);
        if total > SHORT_WIDTH {
            return None;
        }
    }
    let mut out = String::with_capacity(prefix.len() + ident.len() + total + 2);
    out.push_str(prefix);
    out.push_str(ident);
    out.push(delims.0);
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(flat(a)?);
    }
    out.push(delims.1);
    Some(out)
}

fn call(callee: &'static str, args: Vec<Expr>) -> Expr {
    let flat = flat_list("", callee, ('(', ')'), &args);
    Expr::Call { callee, args, flat }
}

fn chain(root: Expr, calls: Vec<(&'static str, Vec<Expr>)>) -> Expr {
    if calls.is_empty() {
        return root;
    }
    let mut widest_child = 0;
    let flat = flat(&root).and_then(|r| {
        let mut text = r.to_owned();
        let mut total = width(r);
        for (i, (m, args)) in calls.iter().enumerate() {
            let child = flat_list(".", m, ('(', ')'), args)?;
            let w = width(&child);
            if i + 1 < calls.len() {
                widest_child = widest_child.max(w);
            }
            total += w;
            if calls.len() > 1 && total > SHORT_WIDTH {
                return None;
            }
            text.push_str(&child);
        }
        Some(text)
    });
    Expr::Chain {
        root: Box::new(root),
        calls,
        flat,
        widest_child,
    }
}

/// A method call of a chain: its name and its arguments.
type MethodCall = (&'static str, Vec<Expr>);

/// rustfmt's `wrap_items`: `ident(items)` on one line when the items are horizontal and
/// fit, else the items on their own lines.
fn wrap_items(
    ident: &str,
    (open, close): (&str, &str),
    items_str: &str,
    tactic: Tactic,
    shape: Shape,
    nested_shape: Shape,
) -> String {
    let extendable = tactic == Tactic::Horizontal;
    let avail = shape.width.saturating_sub(width(ident));
    let extend_width = if items_str.is_empty() {
        2
    } else {
        first_line_width(items_str) + 1
    };
    let mut out = format!("{ident}{open}");
    if extendable && extend_width <= avail {
        out.push_str(items_str);
    } else {
        if !items_str.is_empty() {
            out.push('\n');
            out.push_str(&spaces(nested_shape.indent));
            out.push_str(items_str);
        }
        out.push('\n');
        out.push_str(&spaces(shape.indent));
    }
    out.push_str(close);
    out
}

fn array(mac: bool, items: Vec<Expr>) -> Expr {
    let flat = flat_list("", if mac { "vec!" } else { "" }, ('[', ']'), &items);
    Expr::Array { mac, items, flat }
}

fn vec_mac(items: Vec<Expr>) -> Expr {
    array(true, items)
}

/// `s` as a Rust string literal (the one escaping routine, shared with the migration-file
/// writer).
pub(crate) use migrate_core::lex::string_literal;

fn lit(s: &str) -> Expr {
    atom(string_literal(s), true)
}

fn int(n: impl std::fmt::Display) -> Expr {
    let text = n.to_string();
    atom(text, true)
}

/// `["a", "b"]`, or `Vec::<String>::new()` when empty (`[]` has no element type).
fn str_list(items: &[String]) -> Expr {
    if items.is_empty() {
        return call("Vec::<String>::new", vec![]);
    }
    array(false, items.iter().map(|s| lit(s)).collect())
}

fn into(e: Expr) -> Expr {
    chain(e, vec![("into", vec![])])
}

fn float(f: f64) -> Expr {
    if f.is_nan() {
        path("f64::NAN")
    } else if f == f64::INFINITY {
        path("f64::INFINITY")
    } else if f == f64::NEG_INFINITY {
        path("f64::NEG_INFINITY")
    } else {
        // Debug prints the shortest text that reads back as the same f64, always with a
        // `.` or an exponent, so it is a float literal.
        atom(format!("{f:?}"), true)
    }
}

fn i64_literal(n: i64) -> Expr {
    if n == i64::MIN {
        path("i64::MIN")
    } else {
        int(n)
    }
}

fn type_expr(ty: &Type) -> Expr {
    match ty {
        Type::Varchar(n) => call("Type::Varchar", vec![int(n)]),
        Type::Char(n) => call("Type::Char", vec![int(n)]),
        Type::Numeric(p, s) => call("Type::Numeric", vec![int(p), int(s)]),
        Type::Enum(e) => call("Type::Enum", vec![enum_expr(e)]),
        other => path(&format!("Type::{other:?}")),
    }
}

fn enum_expr(e: &EnumType) -> Expr {
    call("EnumType::new", vec![lit(&e.name), str_list(&e.variants)])
}

/// A default, as the argument of `server_default` / `set_default`.
fn default_expr(d: &DefaultValue) -> Expr {
    match d {
        DefaultValue::Sql(s) => call("DefaultValue::sql", vec![lit(s)]),
        DefaultValue::Value(v) => match v {
            Value::Null => path("Value::Null"),
            Value::Bool(b) => atom(b.to_string(), true),
            // A bare literal is an `i32` (`i32::MIN` itself is left to `Value::Int`: its
            // digits alone overflow).
            Value::Int(i) if i32::try_from(*i).is_ok_and(|n| n != i32::MIN) => int(i),
            Value::Int(i) => call("Value::Int", vec![i64_literal(*i)]),
            Value::Float(f) => float(*f),
            Value::Text(s) => lit(s),
            Value::Bytes(b) => call("Value::Bytes", vec![vec_mac(b.iter().map(int).collect())]),
        },
    }
}

/// A value of a `bulk_insert` row.
fn value_expr(v: &Value) -> Expr {
    match v {
        Value::Null => path("Value::Null"),
        Value::Bool(b) => into(atom(b.to_string(), true)),
        Value::Int(i) if (0..=i64::from(i32::MAX)).contains(i) => into(int(i)),
        Value::Int(i) => call("Value::Int", vec![i64_literal(*i)]),
        Value::Float(f) => call("Value::Float", vec![float(*f)]),
        Value::Text(s) => into(lit(s)),
        Value::Bytes(b) => call("Value::Bytes", vec![vec_mac(b.iter().map(int).collect())]),
    }
}

fn column_expr(c: &Column) -> Expr {
    let mut calls: Vec<(&str, Vec<Expr>)> = Vec::new();
    if c.primary_key {
        calls.push(("primary_key", vec![]));
        if c.nullable {
            calls.push(("nullable", vec![]));
        }
    } else if !c.nullable {
        calls.push(("not_null", vec![]));
    }
    if c.autoincrement {
        calls.push(("autoincrement", vec![]));
    }
    if c.unique {
        calls.push(("unique", vec![]));
    }
    if let Some(d) = &c.default {
        calls.push(("server_default", vec![default_expr(d)]));
    }
    if let Some(comment) = &c.comment {
        calls.push(("comment", vec![lit(comment)]));
    }
    chain(
        call("Column::new", vec![lit(&c.name), type_expr(&c.ty)]),
        calls,
    )
}

/// `.name("...")` when the name is not the one the constructor gives.
fn name_call(name: &str, conventional: &str, calls: &mut Vec<(&str, Vec<Expr>)>) {
    if !name.is_empty() && name != conventional {
        calls.push(("name", vec![lit(name)]));
    }
}

fn index_expr(i: &Index, table: &str) -> Expr {
    let mut calls = Vec::new();
    name_call(&i.name, &naming::index(table, &i.columns), &mut calls);
    if i.unique {
        calls.push(("unique", vec![]));
    }
    if let Some(w) = &i.where_clause {
        calls.push(("where_clause", vec![lit(w)]));
    }
    chain(call("Index::new", vec![str_list(&i.columns)]), calls)
}

fn unique_expr(u: &Unique, table: &str) -> Expr {
    let mut calls = Vec::new();
    name_call(&u.name, &naming::unique(table, &u.columns), &mut calls);
    chain(call("Unique::new", vec![str_list(&u.columns)]), calls)
}

fn fk_action(a: FkAction) -> Expr {
    path(&format!("FkAction::{a:?}"))
}

fn fk_expr(fk: &ForeignKey, table: &str) -> Expr {
    let mut calls = Vec::new();
    name_call(
        &fk.name,
        &naming::foreign_key(table, &fk.columns, &fk.ref_table),
        &mut calls,
    );
    if fk.on_delete != FkAction::NoAction {
        calls.push(("on_delete", vec![fk_action(fk.on_delete)]));
    }
    if fk.on_update != FkAction::NoAction {
        calls.push(("on_update", vec![fk_action(fk.on_update)]));
    }
    chain(
        call(
            "ForeignKey::new",
            vec![
                str_list(&fk.columns),
                lit(&fk.ref_table),
                str_list(&fk.ref_columns),
            ],
        ),
        calls,
    )
}

fn check_expr(c: &Check, table: &str) -> Expr {
    let built = call("Check::new", vec![lit(&c.short_name), lit(&c.expr)]);
    if c.name.is_empty() || c.name == naming::check(table, &c.short_name) {
        built
    } else {
        Expr::Struct {
            path: "Check".into(),
            fields: vec![("name".into(), into(lit(&c.name)))],
            base: Some(Box::new(built)),
        }
    }
}

fn primary_key_struct(pk: &PrimaryKey, table: &str) -> Expr {
    Expr::Struct {
        path: "PrimaryKey".into(),
        fields: vec![("name".into(), into(lit(&pk.name)))],
        base: Some(Box::new(call(
            "PrimaryKey::new",
            vec![lit(table), str_list(&pk.columns)],
        ))),
    }
}

fn table_expr(t: &Table) -> Expr {
    let mut calls: Vec<(&str, Vec<Expr>)> = Vec::new();
    for c in &t.columns {
        calls.push(("column", vec![column_expr(c)]));
    }
    let odd_pk = t
        .primary_key
        .as_ref()
        .filter(|pk| pk.name != naming::primary_key(&t.name));
    if let Some(pk) = &t.primary_key {
        if odd_pk.is_none() {
            calls.push(("primary_key", vec![str_list(&pk.columns)]));
        }
    }
    for u in &t.uniques {
        calls.push(("unique", vec![unique_expr(u, &t.name)]));
    }
    for fk in &t.foreign_keys {
        calls.push(("foreign_key", vec![fk_expr(fk, &t.name)]));
    }
    for i in &t.indexes {
        calls.push(("index", vec![index_expr(i, &t.name)]));
    }
    for c in &t.checks {
        calls.push(("check", vec![check_expr(c, &t.name)]));
    }
    if let Some(comment) = &t.comment {
        calls.push(("comment", vec![lit(comment)]));
    }
    let built = chain(call("Table::new", vec![lit(&t.name)]), calls);
    match odd_pk {
        None => built,
        Some(pk) => Expr::Struct {
            path: "Table".into(),
            fields: vec![(
                "primary_key".into(),
                call("Some", vec![primary_key_struct(pk, &t.name)]),
            )],
            base: Some(Box::new(built)),
        },
    }
}

fn alter_expr(change: &AlterColumn) -> Expr {
    let mut calls: Vec<(&str, Vec<Expr>)> = Vec::new();
    if let Some(to) = &change.rename {
        calls.push(("rename", vec![lit(to)]));
    }
    if let Some(ty) = &change.ty {
        calls.push(("set_type", vec![type_expr(ty)]));
    }
    match change.nullable {
        Some(false) => calls.push(("not_null", vec![])),
        Some(true) => calls.push(("nullable", vec![])),
        None => {}
    }
    match &change.default {
        Some(Some(d)) => calls.push(("set_default", vec![default_expr(d)])),
        Some(None) => calls.push(("drop_default", vec![])),
        None => {}
    }
    match &change.comment {
        Some(Some(c)) => calls.push(("set_comment", vec![lit(c)])),
        Some(None) => calls.push(("drop_comment", vec![])),
        None => {}
    }
    chain(call("AlterColumn::new", vec![]), calls)
}

fn sql_expr(sql: &Sql) -> Expr {
    let per_dialect = [
        ("Dialect::Sqlite", &sql.sqlite),
        ("Dialect::Postgres", &sql.postgres),
        ("Dialect::Mysql", &sql.mysql),
    ];
    if per_dialect.iter().all(|(_, s)| s.is_none()) {
        if let Some(any) = &sql.any {
            return lit(any);
        }
    }
    let root = match &sql.any {
        Some(any) => call("Sql::new", vec![lit(any)]),
        None => call("Sql::none", vec![]),
    };
    let calls = per_dialect
        .iter()
        .filter_map(|(d, s)| s.as_ref().map(|s| ("on", vec![path(d), lit(s)])))
        .collect();
    chain(root, calls)
}

fn execute_expr(e: &Execute) -> Expr {
    match &e.reverse {
        None => sql_expr(&e.sql),
        Some(rev) => chain(
            call("Execute::new", vec![sql_expr(&e.sql)]),
            vec![("reverse", vec![sql_expr(rev)])],
        ),
    }
}

const UNWRITTEN: &str = "migrate_runtime::codegen::unwritten_data_step";

fn data_step_expr(d: &DataStep) -> Expr {
    let mut calls = Vec::new();
    if d.reverse.is_some() {
        calls.push(("reverse", vec![path(UNWRITTEN)]));
    }
    chain(
        call("DataStep::new", vec![lit(d.name), path(UNWRITTEN)]),
        calls,
    )
}

fn op_expr(op: &Op) -> Expr {
    match op {
        Op::CreateTable(t) => call("op::create_table", vec![table_expr(t)]),
        Op::DropTable { table } => call("op::drop_table", vec![lit(table)]),
        Op::RenameTable { from, to } => call("op::rename_table", vec![lit(from), lit(to)]),
        Op::AddColumn { table, column } => {
            call("op::add_column", vec![lit(table), column_expr(column)])
        }
        Op::DropColumn { table, column } => call("op::drop_column", vec![lit(table), lit(column)]),
        Op::AlterColumn {
            table,
            column,
            change,
        } => match &change.rename {
            Some(to) if *change == AlterColumn::new().rename(to.clone()) => {
                call("op::rename_column", vec![lit(table), lit(column), lit(to)])
            }
            _ => call(
                "op::alter_column",
                vec![lit(table), lit(column), alter_expr(change)],
            ),
        },
        Op::CreateIndex { table, index } => call(
            "op::create_index",
            vec![lit(table), index_expr(index, table)],
        ),
        Op::DropIndex { table, name } => call("op::drop_index", vec![lit(table), lit(name)]),
        Op::CreateUnique { table, unique } => call(
            "op::create_unique_constraint",
            vec![lit(table), unique_expr(unique, table)],
        ),
        Op::CreateForeignKey { table, foreign_key } => call(
            "op::create_foreign_key",
            vec![lit(table), fk_expr(foreign_key, table)],
        ),
        Op::CreateCheck { table, check } => {
            if !check.name.is_empty() && check.name != naming::check(table, &check.short_name) {
                // `create_check_constraint` only fills an empty name: the struct literal
                // keeps this one.
                call(
                    "op::create_check_constraint",
                    vec![lit(table), check_expr(check, table)],
                )
            } else {
                call(
                    "op::create_check_constraint",
                    vec![
                        lit(table),
                        call("Check::new", vec![lit(&check.short_name), lit(&check.expr)]),
                    ],
                )
            }
        }
        Op::CreatePrimaryKey { table, primary_key } => {
            if primary_key.name == naming::primary_key(table) {
                call(
                    "op::create_primary_key",
                    vec![lit(table), str_list(&primary_key.columns)],
                )
            } else {
                Expr::Struct {
                    path: "Op::CreatePrimaryKey".into(),
                    fields: vec![
                        ("table".into(), into(lit(table))),
                        ("primary_key".into(), primary_key_struct(primary_key, table)),
                    ],
                    base: None,
                }
            }
        }
        Op::DropConstraint { table, name } => {
            call("op::drop_constraint", vec![lit(table), lit(name)])
        }
        Op::CreateEnum(e) => call("op::create_enum", vec![enum_expr(e)]),
        Op::DropEnum { name } => call("op::drop_enum", vec![lit(name)]),
        Op::Execute(e) => call("op::execute", vec![execute_expr(e)]),
        Op::DataStep(d) => call("op::data_step", vec![data_step_expr(d)]),
        Op::BulkInsert {
            table,
            columns,
            rows,
        } => call(
            "op::bulk_insert",
            vec![
                lit(table),
                str_list(columns),
                vec_mac(
                    rows.iter()
                        .map(|r| vec_mac(r.iter().map(value_expr).collect()))
                        .collect(),
                ),
            ],
        ),
    }
}

// ---------------------------------------------------------------------------------------
// Layout: rustfmt's rules (default configuration, edition 2021) for these expressions.
// Widths are character counts: every character written is one column wide.
// ---------------------------------------------------------------------------------------

const MAX_WIDTH: usize = 100;
const TAB: usize = 4;
/// `fn_call_width`, `array_width` and `chain_width`.
const SHORT_WIDTH: usize = 60;
/// `struct_lit_width`.
const STRUCT_LIT_WIDTH: usize = 18;
/// `short_array_element_width_threshold`.
const SHORT_ITEM: usize = 10;

/// rustfmt's `Shape` with block indentation only: `indent` columns of indentation for
/// following lines, `offset` columns already used on the first line, `width` columns left.
#[derive(Debug, Clone, Copy)]
struct Shape {
    width: usize,
    indent: usize,
    offset: usize,
}

impl Shape {
    fn indented(indent: usize) -> Shape {
        Shape {
            width: MAX_WIDTH.saturating_sub(indent),
            indent,
            offset: 0,
        }
    }

    fn offset_left(self, d: usize) -> Option<Shape> {
        Some(Shape {
            width: self.width.checked_sub(d)?,
            offset: self.offset + d,
            ..self
        })
    }

    fn sub_width(self, d: usize) -> Option<Shape> {
        Some(Shape {
            width: self.width.checked_sub(d)?,
            ..self
        })
    }

    fn block_indent(self, d: usize) -> Shape {
        Shape {
            width: self.width,
            indent: self.indent + d,
            offset: 0,
        }
    }

    fn with_max_width(self) -> Shape {
        Shape {
            width: MAX_WIDTH.saturating_sub(self.indent),
            ..self
        }
    }

    fn used_width(self) -> usize {
        self.indent + self.offset
    }

    fn rhs_overhead(self) -> usize {
        MAX_WIDTH.saturating_sub(self.used_width() + self.width)
    }
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn first_line_width(s: &str) -> usize {
    width(s.split('\n').next().unwrap_or(""))
}

fn last_line_width(s: &str) -> usize {
    width(s.rsplit('\n').next().unwrap_or(""))
}

fn spaces(n: usize) -> String {
    " ".repeat(n)
}

/// rustfmt's `filtered_str_fits`: the first line fits the shape, the others the maximum
/// width, the last the shape's right edge.
fn fits(s: &str, shape: Shape) -> bool {
    if s.is_empty() {
        return true;
    }
    if first_line_width(s) > shape.width {
        return false;
    }
    if !s.contains('\n') {
        return true;
    }
    if s.split('\n').skip(1).any(|l| width(l) > MAX_WIDTH) {
        return false;
    }
    last_line_width(s) <= shape.used_width() + shape.width
}

fn last_line_extendable(s: &str) -> bool {
    if s.ends_with("\"#") {
        return true;
    }
    for c in s.chars().rev() {
        match c {
            '(' | ')' | ']' | '}' | '?' | '>' => continue,
            '\n' => break,
            c if c.is_whitespace() => continue,
            _ => return false,
        }
    }
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tactic {
    Horizontal,
    Vertical,
    Mixed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trailing {
    Vertical,
    Never,
}

/// One item of a list: its rewrite (`None` when it did not fit) and the comment lines
/// written above it.
struct Item {
    text: Option<String>,
    comment: Option<String>,
}

impl Item {
    fn inner(&self) -> &str {
        self.text.as_deref().unwrap_or("")
    }

    fn multiline(&self) -> bool {
        self.inner().contains('\n')
    }
}

fn definitive_tactic(items: &[Item], limit: usize) -> Tactic {
    if items.iter().any(|i| i.comment.is_some()) {
        return Tactic::Vertical;
    }
    let total: usize =
        items.iter().map(|i| width(i.inner())).sum::<usize>() + 2 * items.len().saturating_sub(1);
    if total <= limit && !items.iter().any(Item::multiline) {
        Tactic::Horizontal
    } else {
        Tactic::Vertical
    }
}

/// rustfmt's `write_list`, for comma-separated expression lists.
fn write_list(
    items: &[Item],
    tactic: Tactic,
    shape: Shape,
    trailing: Trailing,
    ends_with_newline: bool,
) -> Option<String> {
    let needs_trailing = match trailing {
        Trailing::Vertical => tactic == Tactic::Vertical,
        Trailing::Never => false,
    };
    let indent = spaces(shape.indent);
    let mut result = String::new();
    let mut line_len = 0;
    for (i, item) in items.iter().enumerate() {
        let inner = item.text.as_deref()?;
        let first = i == 0;
        let last = i + 1 == items.len();
        let mut separate = !last || needs_trailing;
        let sep_len = usize::from(separate);
        match tactic {
            Tactic::Horizontal if !first => result.push(' '),
            Tactic::Vertical if !first && !inner.is_empty() && !result.is_empty() => {
                result.push('\n');
                result.push_str(&indent);
            }
            Tactic::Mixed => {
                let total = width(inner) + sep_len;
                if line_len > 0 && line_len + 1 + total > shape.width {
                    result.push('\n');
                    result.push_str(&indent);
                    line_len = 0;
                } else if line_len > 0 {
                    result.push(' ');
                    line_len += 1;
                }
                if last && ends_with_newline {
                    separate = trailing != Trailing::Never;
                }
                line_len += total;
            }
            _ => {}
        }
        if let Some(comment) = &item.comment {
            result.push_str(&comment.replace('\n', &format!("\n{indent}")));
            result.push('\n');
            result.push_str(&indent);
        }
        result.push_str(inner);
        if separate {
            result.push(',');
        }
    }
    Some(result)
}

fn is_nested_call(e: &Expr) -> bool {
    matches!(e, Expr::Call { .. } | Expr::Array { mac: true, .. })
}

fn is_simple(e: &Expr) -> bool {
    matches!(e, Expr::Atom { simple: true, .. })
}

fn can_be_overflowed(e: &Expr, len: usize) -> bool {
    match e {
        Expr::Atom { .. } => false,
        _ => len == 1,
    }
}

struct Layout {
    /// rustfmt's `force_one_line_chain`: set while an overflowing last argument that is a
    /// method chain is tried on the rest of the line.
    force_one_line_chain: Cell<bool>,
    /// Atoms fit anywhere: for the layout of code rustfmt cannot format (and leaves as it
    /// is written).
    lenient: bool,
}

impl Layout {
    fn new(lenient: bool) -> Layout {
        Layout {
            force_one_line_chain: Cell::new(false),
            lenient,
        }
    }

    /// rustfmt's rewrite of `e` in `shape`: `None` when it does not fit.
    ///
    /// A flat expression (see [`flat`]) that fits on the first line is written on it
    /// without trying the alternatives: rustfmt's rules choose that line for it (its
    /// arguments are at most 60 columns and fit, so each list is horizontal and each last
    /// argument overflows onto the same line; a chain's parts fit the budget), and the
    /// full rules give the same text, only slower.
    fn rewrite(&self, e: &Expr, shape: Shape) -> Option<String> {
        if let Some(text) = flat(e) {
            let w = width(text);
            let fast = match e {
                Expr::Atom { .. } | Expr::Struct { .. } => false,
                Expr::Call { .. } | Expr::Array { .. } => w <= shape.width,
                Expr::Chain {
                    root, widest_child, ..
                } => {
                    let child_width = MAX_WIDTH.saturating_sub(shape.indent + TAB);
                    w <= shape.width
                        && flat(root).is_some_and(|r| width(r) > TAB.saturating_sub(shape.offset))
                        && shape.indent + TAB + widest_child <= MAX_WIDTH
                        && child_width >= shape.rhs_overhead()
                }
            };
            if fast {
                return Some(text.to_owned());
            }
        }
        match e {
            Expr::Atom { text, .. } => (self.lenient || fits(text, shape)).then(|| text.clone()),
            Expr::Call { callee, args, .. } => {
                if !self.lenient && width(callee) > shape.width {
                    return None;
                }
                self.rewrite_list(callee, args, &[], shape, ListKind::Call)
            }
            Expr::Array { mac, items, .. } => {
                let kind = if *mac {
                    ListKind::VecMacro
                } else {
                    ListKind::Array
                };
                self.rewrite_list(if *mac { "vec!" } else { "" }, items, &[], shape, kind)
            }
            Expr::Chain { root, calls, .. } => self.rewrite_chain(root, calls, shape),
            Expr::Struct { path, fields, base } => {
                self.rewrite_struct(path, fields, base.as_deref(), shape)
            }
        }
    }

    /// rustfmt's overflow `Context`: `ident(items)` / `ident[items]`.
    fn rewrite_list(
        &self,
        ident: &str,
        items: &[Expr],
        comments: &[Option<String>],
        shape: Shape,
        kind: ListKind,
    ) -> Option<String> {
        let (open, close, max_width) = match kind {
            ListKind::Call => ("(", ")", SHORT_WIDTH),
            ListKind::Array | ListKind::VecMacro => ("[", "]", SHORT_WIDTH),
        };
        let ident_width = width(ident);
        let one_line_width = shape.width.saturating_sub(ident_width + 2);
        let one_line_shape = shape
            .offset_left(ident_width + 1)
            .and_then(|s| s.sub_width(1))
            .unwrap_or(Shape { width: 0, ..shape });
        let nested_shape = Shape {
            width: MAX_WIDTH
                .saturating_sub(shape.indent + TAB)
                .saturating_sub(1),
            indent: shape.indent + TAB,
            offset: 0,
        };

        let mut list: Vec<Item> = items
            .iter()
            .enumerate()
            .map(|(i, e)| Item {
                text: self.rewrite(e, nested_shape),
                comment: comments.get(i).cloned().flatten(),
            })
            .collect();

        // try_overflow_last_item
        let n = items.len();
        // The last item in the nested shape, which rustfmt computes again below.
        let last_nested = list.last().and_then(|i| i.text.clone());
        let combine = n == 1 && ident_width < TAB;
        let overflow_last = combine || items.last().is_some_and(|e| can_be_overflowed(e, n));
        let placeholder = if overflow_last {
            self.overflow_last_item(items, &mut list, kind, combine, one_line_shape, max_width)
        } else {
            None
        };
        let limit = one_line_width.min(max_width);
        let mut tactic = definitive_tactic(&list, limit);
        match (overflow_last, tactic, placeholder) {
            (true, Tactic::Horizontal, Some(overflowed)) if n == 1 => {
                if overflowed.matches('\n').count() == 1 {
                    let rw = last_nested;
                    if rw.as_ref().is_some_and(|s| !s.contains('\n')) {
                        list[0].text = rw;
                    } else {
                        list[0].text = Some(overflowed);
                    }
                } else {
                    list[0].text = Some(overflowed);
                }
            }
            (true, Tactic::Horizontal, Some(overflowed)) => {
                list[n - 1].text = Some(overflowed);
            }
            _ if n > 0 => {
                list[n - 1].text = last_nested;
                if n == 1
                    && one_line_width != 0
                    && list[0].comment.is_none()
                    && !list[0].multiline()
                    && width(list[0].inner()) <= one_line_width
                {
                    tactic = Tactic::Horizontal;
                } else {
                    tactic = definitive_tactic(&list, limit);
                    if tactic == Tactic::Vertical
                        && items.iter().all(is_simple)
                        && list.iter().all(|i| width(i.inner()) <= SHORT_ITEM)
                    {
                        tactic = Tactic::Mixed;
                    }
                }
            }
            _ => {}
        }

        let ends_with_newline = matches!(tactic, Tactic::Vertical | Tactic::Mixed);
        let items_str = write_list(
            &list,
            tactic,
            nested_shape,
            Trailing::Vertical,
            ends_with_newline,
        )?;

        let delimiters = (open, close);
        Some(wrap_items(
            ident,
            delimiters,
            &items_str,
            tactic,
            shape,
            nested_shape,
        ))
    }

    /// rustfmt's `try_overflow_last_item`: the last item rewritten in the space left on
    /// the line (its first line put in `list`), if it fits there.
    fn overflow_last_item(
        &self,
        items: &[Expr],
        list: &mut [Item],
        kind: ListKind,
        combine: bool,
        one_line_shape: Shape,
        max_width: usize,
    ) -> Option<String> {
        let n = items.len();
        let old = self.force_one_line_chain.get();
        if !combine && kind != ListKind::VecMacro && matches!(items[n - 1], Expr::Chain { .. }) {
            self.force_one_line_chain.set(true);
        }
        let last_shape = if n == 1 && !is_nested_call(&items[0]) {
            Some(one_line_shape)
        } else {
            let offset: usize = list[..n - 1].iter().map(|i| 2 + width(i.inner())).sum();
            Shape {
                width: max_width.min(one_line_shape.width),
                ..one_line_shape
            }
            .offset_left(offset)
        };
        let result = last_shape.and_then(|s| self.rewrite(&items[n - 1], s));
        if let Some(rw) = &result {
            list[n - 1].text = Some(rw.split('\n').next().unwrap_or("").to_owned());
        }
        self.force_one_line_chain.set(old);
        result
    }

    fn rewrite_method(&self, child: &(&'static str, Vec<Expr>), shape: Shape) -> Option<String> {
        let (name, args) = child;
        self.rewrite_list(&format!(".{name}"), args, &[], shape, ListKind::Call)
    }

    /// The root of a chain, with the calls that fit on its first line when it is short
    /// (rustfmt's chain root): its text, whether it ends with a block, the calls left.
    fn chain_root<'c>(
        &self,
        root: &Expr,
        calls: &'c [MethodCall],
        shape: Shape,
    ) -> Option<(String, bool, &'c [MethodCall])> {
        let mut root_rw = self.rewrite(root, shape)?;
        let mut root_ends_with_block = match root {
            Expr::Atom { .. } => false,
            _ => root_rw.contains('\n'),
        };
        let mut children = calls;
        let tab_width = TAB.saturating_sub(shape.offset);
        while width(&root_rw) <= tab_width && !root_rw.contains('\n') {
            let s = shape.offset_left(width(&root_rw))?;
            match self.rewrite_method(&children[0], s) {
                Some(rw) => root_rw.push_str(&rw),
                None => break,
            }
            root_ends_with_block = last_line_extendable(&root_rw);
            children = &children[1..];
            if children.is_empty() {
                break;
            }
        }
        Some((root_rw, root_ends_with_block, children))
    }

    /// rustfmt's block-indented chain formatting.
    fn rewrite_chain(
        &self,
        root: &Expr,
        calls: &[(&'static str, Vec<Expr>)],
        shape: Shape,
    ) -> Option<String> {
        let force = self.force_one_line_chain.get();
        let (root_rw, root_ends_with_block, children) = self.chain_root(root, calls, shape)?;
        if children.is_empty() {
            return (self.lenient || fits(&root_rw, shape)).then_some(root_rw);
        }

        let child_shape = if root_ends_with_block {
            shape.block_indent(0)
        } else {
            shape.block_indent(TAB)
        }
        .with_max_width();
        // Forced onto one line, the chain fails as soon as a part breaks or the parts before
        // the last exceed the one-line budget (the outcome rustfmt reaches after the rest).
        let limit = if calls.len() == 1 {
            shape.width
        } else {
            shape.width.min(SHORT_WIDTH)
        };
        let mut total = width(&root_rw);
        if force && (root_rw.contains('\n') || total >= limit) {
            return None;
        }
        let mut rewrites = vec![root_rw];
        for child in &children[..children.len() - 1] {
            let rw = self.rewrite_method(child, child_shape)?;
            total += width(&rw);
            if force && (rw.contains('\n') || total >= limit) {
                return None;
            }
            rewrites.push(rw);
        }

        // format_last_child
        let last_child = &children[children.len() - 1];
        let extendable = last_line_extendable(&rewrites[0]);
        let almost_total = if extendable {
            last_line_width(&rewrites[0])
        } else {
            rewrites.iter().map(|r| width(r)).sum()
        };
        let one_line_budget = if calls.len() == 1 {
            shape.width
        } else {
            shape.width.min(SHORT_WIDTH)
        }
        .saturating_sub(almost_total);
        let all_in_one_line = rewrites.iter().all(|r| !r.contains('\n')) && one_line_budget > 0;
        let last_shape = if all_in_one_line {
            shape
        } else if extendable {
            child_shape
        } else {
            child_shape.sub_width(shape.rhs_overhead())?
        };
        let mut fits_single_line = false;
        let mut last = None;
        if all_in_one_line || extendable {
            if let Some(one_line_shape) = last_shape.offset_left(almost_total) {
                if let Some(rw) = self.rewrite_method(last_child, one_line_shape) {
                    let line_count = rw.lines().count();
                    let could_fit = first_line_width(&rw) <= one_line_budget;
                    if could_fit && line_count >= 5 {
                        last = Some(rw);
                        fits_single_line = all_in_one_line;
                    } else {
                        let own_line = child_shape.sub_width(shape.rhs_overhead())?;
                        match self.rewrite_method(last_child, own_line) {
                            Some(new) if !could_fit => last = Some(new),
                            Some(new) if new.lines().count() >= line_count => {
                                last = Some(rw);
                                fits_single_line = could_fit && all_in_one_line;
                            }
                            Some(new) => last = Some(new),
                            None => {
                                last = Some(rw);
                                fits_single_line = could_fit && all_in_one_line;
                            }
                        }
                    }
                }
            }
        }
        let last = match last {
            Some(l) => l,
            None => self.rewrite_method(last_child, last_shape)?,
        };
        rewrites.push(last);

        let connector = if fits_single_line {
            String::new()
        } else {
            if self.force_one_line_chain.get() {
                return None;
            }
            format!("\n{}", spaces(child_shape.indent))
        };
        let result = rewrites.join(&connector);
        (self.lenient || fits(&result, shape)).then_some(result)
    }

    /// rustfmt's struct literal formatting (fields are never aligned: every literal here
    /// has a base).
    fn rewrite_struct(
        &self,
        path: &str,
        fields: &[(String, Expr)],
        base: Option<&Expr>,
        shape: Shape,
    ) -> Option<String> {
        if !self.lenient && width(path) > shape.sub_width(2)?.width {
            return None;
        }
        let v_shape = Shape::indented(shape.indent + TAB);
        let h_width = shape
            .width
            .checked_sub(width(path) + 3 + 2)
            .map(|w| w.min(STRUCT_LIT_WIDTH));
        let field_shape = v_shape.sub_width(1)?;
        let mut items: Vec<Item> = fields
            .iter()
            .map(|(name, e)| Item {
                text: self.rewrite_field(name, e, field_shape),
                comment: None,
            })
            .collect();
        if let Some(b) = base {
            let text = v_shape
                .offset_left(2)
                .and_then(|s| self.rewrite(b, s))
                .map(|s| format!("..{s}"));
            items.push(Item {
                text,
                comment: None,
            });
        }
        let tactic = match h_width {
            Some(w) => definitive_tactic(&items, w),
            None => Tactic::Vertical,
        };
        let trailing = if base.is_some() {
            Trailing::Never
        } else {
            Trailing::Vertical
        };
        let list_shape = match (tactic, h_width) {
            (Tactic::Horizontal, Some(w)) => Shape {
                width: w,
                indent: shape.indent,
                offset: 0,
            },
            _ => v_shape,
        };
        let fields_str = write_list(
            &items,
            tactic,
            list_shape,
            trailing,
            tactic == Tactic::Vertical,
        )?;
        let one_line_width = h_width.unwrap_or(0);
        if fields_str.contains('\n') || width(&fields_str) > one_line_width {
            Some(format!(
                "{path} {{\n{}{fields_str}\n{}}}",
                spaces(v_shape.indent),
                spaces(shape.indent)
            ))
        } else {
            Some(format!("{path} {{ {fields_str} }}"))
        }
    }

    fn rewrite_field(&self, name: &str, e: &Expr, shape: Shape) -> Option<String> {
        let expr_shape = shape.offset_left(width(name) + 2)?;
        match self.rewrite(e, expr_shape) {
            Some(s) => Some(format!("{name}: {s}")),
            None => {
                let indent = shape.indent + TAB;
                self.rewrite(e, Shape::indented(indent))
                    .map(|s| format!("{name}:\n{}{s}", spaces(indent)))
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListKind {
    Call,
    Array,
    VecMacro,
}

/// A layout that cannot fail: every list one item a line. Only used when even the lenient
/// layout finds no room (nesting deeper than the line is wide).
fn vertical(e: &Expr, indent: usize) -> String {
    let inner = indent + TAB;
    let list = |open: String, items: Vec<String>, close: &str| -> String {
        if items.is_empty() {
            return format!("{open}{close}");
        }
        let mut s = open;
        for i in items {
            s.push_str(&format!("\n{}{i},", spaces(inner)));
        }
        s.push_str(&format!("\n{}{close}", spaces(indent)));
        s
    };
    match e {
        Expr::Atom { text, .. } => text.clone(),
        Expr::Call { callee, args, .. } => list(
            format!("{callee}("),
            args.iter().map(|a| vertical(a, inner)).collect(),
            ")",
        ),
        Expr::Array { mac, items, .. } => list(
            format!("{}[", if *mac { "vec!" } else { "" }),
            items.iter().map(|a| vertical(a, inner)).collect(),
            "]",
        ),
        Expr::Chain { root, calls, .. } => {
            let mut s = vertical(root, indent);
            for (m, args) in calls {
                s.push_str(&format!("\n{}", spaces(inner)));
                s.push_str(&list(
                    format!(".{m}("),
                    args.iter().map(|a| vertical(a, inner + TAB)).collect(),
                    ")",
                ));
            }
            s
        }
        Expr::Struct { path, fields, base } => {
            let mut s = format!("{path} {{");
            for (name, value) in fields {
                s.push_str(&format!(
                    "\n{}{name}: {},",
                    spaces(inner),
                    vertical(value, inner)
                ));
            }
            if let Some(b) = base {
                s.push_str(&format!("\n{}..{}", spaces(inner), vertical(b, inner)));
            }
            s.push_str(&format!("\n{}}}", spaces(indent)));
            s
        }
    }
}

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
mod tests {
    use super::*;
    use crate::dialect::Dialect;
    use crate::op;
    use proptest::prelude::*;
    use std::process::Command;

    fn name() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => "[a-z][a-z_]{0,10}",
            2 => "[a-z][a-z_]{10,30}",
            1 => "[a-z][a-z_]{40,90}",
        ]
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => "[a-z ]{0,20}",
            2 => "[ -~]{0,50}",
            1 => "[a-z ]{60,130}",
            1 => "\\PC{0,12}",
            1 => "[a-z\n\"\\\\]{0,12}",
        ]
    }

    fn names(max: usize) -> impl Strategy<Value = Vec<String>> {
        proptest::collection::vec(name(), 1..=max)
    }

    fn ty() -> impl Strategy<Value = Type> {
        prop_oneof![
            Just(Type::Integer),
            Just(Type::BigInt),
            Just(Type::Text),
            Just(Type::Boolean),
            Just(Type::Timestamp),
            Just(Type::TimestampTz),
            Just(Type::Binary),
            (1u32..100_000).prop_map(Type::Varchar),
            (1u32..10).prop_map(Type::Char),
            (1u8..40, 0u8..10).prop_map(|(p, s)| Type::Numeric(p, s)),
            (name(), proptest::collection::vec(name(), 0..4))
                .prop_map(|(n, v)| Type::Enum(EnumType::new(n, v))),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-5i64..100_000).prop_map(Value::Int),
            any::<i64>().prop_map(Value::Int),
            (-1e6f64..1e6).prop_map(Value::Float),
            any::<f64>().prop_map(Value::Float),
            text().prop_map(Value::Text),
            proptest::collection::vec(any::<u8>(), 0..20).prop_map(Value::Bytes),
        ]
    }

    fn default() -> impl Strategy<Value = DefaultValue> {
        prop_oneof![
            value().prop_map(DefaultValue::Value),
            text().prop_map(DefaultValue::Sql),
        ]
    }

    fn column() -> impl Strategy<Value = Column> {
        (
            name(),
            ty(),
            any::<(bool, bool, bool, bool, bool)>(),
            proptest::option::of(default()),
            proptest::option::weighted(0.2, text()),
        )
            .prop_map(|(n, t, (nullable, pk, auto, unique, _), d, c)| Column {
                name: n,
                ty: t,
                nullable,
                primary_key: pk,
                autoincrement: auto,
                unique,
                default: d,
                comment: c,
            })
    }

    fn fk_action() -> impl Strategy<Value = FkAction> {
        prop_oneof![
            Just(FkAction::NoAction),
            Just(FkAction::Cascade),
            Just(FkAction::SetNull),
            Just(FkAction::Restrict),
        ]
    }

    fn table() -> impl Strategy<Value = Table> {
        (
            name(),
            proptest::collection::vec(column(), 1..5),
            proptest::option::of((names(3), any::<bool>())),
            proptest::collection::vec(
                (names(3), any::<bool>(), proptest::option::of(text())),
                0..3,
            ),
            proptest::collection::vec((names(2), name(), names(2), fk_action(), fk_action()), 0..3),
            proptest::collection::vec((name(), text(), any::<bool>()), 0..2),
            proptest::option::weighted(0.2, text()),
        )
            .prop_map(|(n, cols, pk, idx, fks, checks, comment)| {
                let mut t = Table::new(n.clone());
                t.columns = cols;
                if let Some((cols, odd)) = pk {
                    t = t.primary_key(cols);
                    if odd {
                        t.primary_key.as_mut().unwrap().name = format!("{n}_pkey");
                    }
                }
                for (cols, unique, w) in idx {
                    let mut i = Index::new(cols);
                    i.unique = unique;
                    i.where_clause = w;
                    t = t.index(i);
                }
                for (cols, r, rc, d, u) in fks {
                    t = t.foreign_key(ForeignKey::new(cols, r, rc).on_delete(d).on_update(u));
                }
                for (short, expr, odd) in checks {
                    let mut c = Check::new(short, expr);
                    if odd {
                        c.name = "custom_check".into();
                    }
                    t = t.check(c);
                }
                t.comment = comment;
                t
            })
    }

    fn sql() -> impl Strategy<Value = Sql> {
        (
            proptest::option::of(text()),
            proptest::option::weighted(0.3, text()),
            proptest::option::weighted(0.3, text()),
            proptest::option::weighted(0.3, text()),
        )
            .prop_map(|(any, s, p, m)| Sql {
                any,
                sqlite: s,
                postgres: p,
                mysql: m,
            })
    }

    fn noop(_: &mut DataConnection<'_>) -> Result<(), DataError> {
        Ok(())
    }

    fn an_op() -> impl Strategy<Value = Op> {
        prop_oneof![
            table().prop_map(op::create_table),
            name().prop_map(op::drop_table),
            (name(), name()).prop_map(|(a, b)| op::rename_table(a, b)),
            (name(), column()).prop_map(|(t, c)| op::add_column(t, c)),
            (name(), name()).prop_map(|(t, c)| op::drop_column(t, c)),
            (
                name(),
                name(),
                proptest::option::of(name()),
                proptest::option::of(ty()),
                proptest::option::of(any::<bool>()),
                proptest::option::of(proptest::option::of(default())),
                proptest::option::of(proptest::option::of(text())),
            )
                .prop_map(|(t, c, rename, ty, nullable, default, comment)| {
                    op::alter_column(
                        t,
                        c,
                        AlterColumn {
                            rename,
                            ty,
                            nullable,
                            default,
                            comment,
                        },
                    )
                }),
            (
                name(),
                names(3),
                any::<bool>(),
                proptest::option::of(text()),
                any::<bool>()
            )
                .prop_map(|(t, cols, unique, w, named)| {
                    let mut i = Index::new(cols);
                    i.unique = unique;
                    i.where_clause = w;
                    if named {
                        i = i.name("ix_custom");
                    }
                    op::create_index(t, i)
                }),
            (name(), name()).prop_map(|(t, n)| op::drop_index(t, n)),
            (name(), names(3)).prop_map(|(t, c)| op::create_unique_constraint(t, Unique::new(c))),
            (name(), names(2), name(), names(2), fk_action()).prop_map(|(t, c, r, rc, a)| {
                op::create_foreign_key(t, ForeignKey::new(c, r, rc).on_delete(a))
            }),
            (name(), name(), text(), any::<bool>()).prop_map(|(t, n, e, odd)| {
                let mut op = op::create_check_constraint(t, Check::new(n, e));
                if let (true, Op::CreateCheck { check, .. }) = (odd, &mut op) {
                    check.name = "odd_check".into();
                }
                op
            }),
            (name(), names(3), any::<bool>()).prop_map(|(t, c, odd)| {
                let mut op = op::create_primary_key(t, c);
                if let (true, Op::CreatePrimaryKey { primary_key, .. }) = (odd, &mut op) {
                    primary_key.name = "odd_pkey".into();
                }
                op
            }),
            (name(), name()).prop_map(|(t, n)| op::drop_constraint(t, n)),
            (name(), proptest::collection::vec(name(), 0..5))
                .prop_map(|(n, v)| op::create_enum(EnumType::new(n, v))),
            name().prop_map(op::drop_enum),
            (sql(), proptest::option::of(sql()))
                .prop_map(|(s, r)| op::execute(Execute { sql: s, reverse: r })),
            any::<bool>().prop_map(|rev| {
                let step = DataStep::new("backfill the names", noop);
                op::data_step(if rev { step.reverse(noop) } else { step })
            }),
            (
                name(),
                names(3),
                proptest::collection::vec(proptest::collection::vec(value(), 0..4), 0..4)
            )
                .prop_map(|(t, c, rows)| op::bulk_insert(t, c, rows)),
        ]
    }

    /// Formats `code` (a file) with rustfmt: `None` when rustfmt is not installed.
    fn rustfmt(code: &str) -> Option<String> {
        let dir = tempfile::tempdir().ok()?;
        let file = dir.path().join("generated.rs");
        std::fs::write(&file, code).ok()?;
        let status = Command::new("rustfmt")
            .args(["--edition", "2021"])
            .arg(&file)
            .status()
            .ok()?;
        assert!(status.success(), "rustfmt failed on:\n{code}");
        std::fs::read_to_string(&file).ok()
    }

    fn functions(bodies: &[String]) -> String {
        bodies
            .iter()
            .enumerate()
            .map(|(i, b)| format!("fn f{i}() -> Vec<Op> {{\n    {b}\n}}\n"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn check_with_rustfmt(bodies: &[String], ops: &[Vec<Op>]) {
        let ours = functions(bodies);
        let Some(theirs) = rustfmt(&ours) else {
            eprintln!("rustfmt is not installed: layout not checked");
            return;
        };
        if ours != theirs {
            let ours_fns: Vec<&str> = ours.split("\nfn ").collect();
            let theirs_fns: Vec<&str> = theirs.split("\nfn ").collect();
            for (i, (a, b)) in ours_fns.iter().zip(&theirs_fns).enumerate() {
                if a != b {
                    panic!(
                        "rustfmt disagrees on function {i}:\n--- ours\n{a}\n--- rustfmt\n{b}\n--- ops\n{:#?}",
                        ops.get(i)
                    );
                }
            }
            panic!("rustfmt disagrees:\n{ours}\n---\n{theirs}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn the_layout_is_rustfmts(batch in proptest::collection::vec(proptest::collection::vec(an_op(), 0..5), 40)) {
            let bodies: Vec<(String, bool)> = batch.iter().map(|ops| layout_ops_strict(ops, &[], TAB)).collect();
            let strict = bodies.iter().filter(|b| b.1).count();
            // Most of the batch is laid out by the rules (the rest has a string too long for
            // any layout, which rustfmt leaves as written): the comparison tests the rules.
            prop_assert!(strict * 2 > bodies.len(), "only {strict} of {} laid out", bodies.len());
            let bodies: Vec<String> = bodies.into_iter().map(|b| b.0).collect();
            check_with_rustfmt(&bodies, &batch);
        }
    }

    #[test]
    fn comments_and_dialects() {
        let ops = vec![
            op::drop_column("users", "name"),
            op::add_column("users", Column::new("full_name", Type::Text)),
            op::execute(Sql::none().on(Dialect::Postgres, "SELECT 1")),
        ];
        let code = ops_to_rust_commented(
            &ops,
            &[
                (
                    0,
                    "may be a rename:\nop::rename_column(\"users\", \"name\", \"full_name\")"
                        .into(),
                ),
                (1, "second".into()),
                (9, "ignored".into()),
            ],
        );
        check_with_rustfmt(&[code], &[ops]);
    }

    #[test]
    fn a_thousand_tables_are_written_quickly() {
        let ops: Vec<Op> = (0..1000)
            .map(|t| {
                let mut table = Table::new(format!("table_{t}")).column(
                    Column::new("id", Type::BigInt)
                        .primary_key()
                        .autoincrement(),
                );
                for c in 0..9 {
                    table = table
                        .column(Column::new(format!("column_{c}"), Type::Varchar(255)).not_null());
                }
                op::create_table(
                    table
                        .index(Index::new(["column_0"]))
                        .index(Index::new(["column_1", "column_2"]).unique()),
                )
            })
            .collect();
        let start = std::time::Instant::now();
        let code = ops_to_rust(&ops);
        let elapsed = start.elapsed();
        assert!(code.len() > 500_000);
        // Generous for debug builds on a busy machine; a release build takes about 30 ms.
        assert!(elapsed.as_secs_f64() < 5.0, "{elapsed:?}");
        eprintln!("1,000 tables written in {elapsed:?}");
    }
}
