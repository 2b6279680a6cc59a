//! The expressions generated code is made of, built from ops.

#[allow(unused_imports)]
use super::layout::*;
#[allow(unused_imports)]
use super::*;

// ---------------------------------------------------------------------------------------
// The expressions generated code is made of.
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub(super) enum Expr {
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

pub(super) fn atom(text: impl Into<String>, simple: bool) -> Expr {
    Expr::Atom {
        text: text.into(),
        simple,
    }
}

pub(super) fn path(p: &str) -> Expr {
    atom(p, !p.contains("::"))
}

/// The text of an expression written on one line, when rustfmt's rules keep it on one
/// line wherever it fits (see [`Layout::rewrite`]): its parts do, and its arguments (or
/// its chain, past one method call) are at most 60 columns wide.
pub(super) fn flat(e: &Expr) -> Option<&str> {
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
pub(super) fn flat_list(
    prefix: &str,
    ident: &str,
    delims: (char, char),
    args: &[Expr],
) -> Option<String> {
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

pub(super) fn call(callee: &'static str, args: Vec<Expr>) -> Expr {
    let flat = flat_list("", callee, ('(', ')'), &args);
    Expr::Call { callee, args, flat }
}

pub(super) fn chain(root: Expr, calls: Vec<(&'static str, Vec<Expr>)>) -> Expr {
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
pub(super) type MethodCall = (&'static str, Vec<Expr>);

/// rustfmt's `wrap_items`: `ident(items)` on one line when the items are horizontal and
/// fit, else the items on their own lines.
pub(super) fn wrap_items(
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

pub(super) fn array(mac: bool, items: Vec<Expr>) -> Expr {
    let flat = flat_list("", if mac { "vec!" } else { "" }, ('[', ']'), &items);
    Expr::Array { mac, items, flat }
}

pub(super) fn vec_mac(items: Vec<Expr>) -> Expr {
    array(true, items)
}

/// `s` as a Rust string literal (the one escaping routine, shared with the migration-file
/// writer).
pub(super) fn lit(s: &str) -> Expr {
    atom(string_literal(s), true)
}

pub(super) fn int(n: impl std::fmt::Display) -> Expr {
    let text = n.to_string();
    atom(text, true)
}

/// `["a", "b"]`, or `Vec::<String>::new()` when empty (`[]` has no element type).
pub(super) fn str_list(items: &[String]) -> Expr {
    if items.is_empty() {
        return call("Vec::<String>::new", vec![]);
    }
    array(false, items.iter().map(|s| lit(s)).collect())
}

pub(super) fn into(e: Expr) -> Expr {
    chain(e, vec![("into", vec![])])
}

pub(super) fn float(f: f64) -> Expr {
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

pub(super) fn i64_literal(n: i64) -> Expr {
    if n == i64::MIN {
        path("i64::MIN")
    } else {
        int(n)
    }
}

pub(super) fn type_expr(ty: &Type) -> Expr {
    match ty {
        Type::Varchar(n) => call("Type::Varchar", vec![int(n)]),
        Type::Char(n) => call("Type::Char", vec![int(n)]),
        Type::Numeric(p, s) => call("Type::Numeric", vec![int(p), int(s)]),
        Type::Enum(e) => call("Type::Enum", vec![enum_expr(e)]),
        other => path(&format!("Type::{other:?}")),
    }
}

pub(super) fn enum_expr(e: &EnumType) -> Expr {
    call("EnumType::new", vec![lit(&e.name), str_list(&e.variants)])
}

/// A default, as the argument of `server_default` / `set_default`.
pub(super) fn default_expr(d: &DefaultValue) -> Expr {
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
pub(super) fn value_expr(v: &Value) -> Expr {
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

pub(super) fn column_expr(c: &Column) -> Expr {
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
pub(super) fn name_call(name: &str, conventional: &str, calls: &mut Vec<(&str, Vec<Expr>)>) {
    if !name.is_empty() && name != conventional {
        calls.push(("name", vec![lit(name)]));
    }
}

pub(super) fn index_expr(i: &Index, table: &str) -> Expr {
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

pub(super) fn unique_expr(u: &Unique, table: &str) -> Expr {
    let mut calls = Vec::new();
    name_call(&u.name, &naming::unique(table, &u.columns), &mut calls);
    chain(call("Unique::new", vec![str_list(&u.columns)]), calls)
}

pub(super) fn fk_action(a: FkAction) -> Expr {
    path(&format!("FkAction::{a:?}"))
}

pub(super) fn fk_expr(fk: &ForeignKey, table: &str) -> Expr {
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

pub(super) fn check_expr(c: &Check, table: &str) -> Expr {
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

pub(super) fn primary_key_struct(pk: &PrimaryKey, table: &str) -> Expr {
    Expr::Struct {
        path: "PrimaryKey".into(),
        fields: vec![("name".into(), into(lit(&pk.name)))],
        base: Some(Box::new(call(
            "PrimaryKey::new",
            vec![lit(table), str_list(&pk.columns)],
        ))),
    }
}

pub(super) fn table_expr(t: &Table) -> Expr {
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

pub(super) fn alter_expr(change: &AlterColumn) -> Expr {
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

pub(super) fn sql_expr(sql: &Sql) -> Expr {
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

pub(super) fn execute_expr(e: &Execute) -> Expr {
    match &e.reverse {
        None => sql_expr(&e.sql),
        Some(rev) => chain(
            call("Execute::new", vec![sql_expr(&e.sql)]),
            vec![("reverse", vec![sql_expr(rev)])],
        ),
    }
}

pub(super) const UNWRITTEN: &str = "migrate_runtime::codegen::unwritten_data_step";

pub(super) fn data_step_expr(d: &DataStep) -> Expr {
    let mut calls = Vec::new();
    if d.reverse.is_some() {
        calls.push(("reverse", vec![path(UNWRITTEN)]));
    }
    chain(
        call("DataStep::new", vec![lit(d.name), path(UNWRITTEN)]),
        calls,
    )
}

pub(super) fn op_expr(op: &Op) -> Expr {
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
