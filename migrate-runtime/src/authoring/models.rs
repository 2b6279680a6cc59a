//! diesel models: a `schema.rs` of `table!` definitions read into the schema model, the
//! schema model printed as one, and the two compared the way diesel sees them.
//!
//! ```
//! use migrate_runtime::models::{diesel_differences, parse_schema_rs, print_schema_rs};
//!
//! let models = parse_schema_rs(
//!     r#"
//!     diesel::table! {
//!         users (id) {
//!             id -> Integer,
//!             #[max_length = 255]
//!             email -> Varchar,
//!             display_name -> Nullable<Text>,
//!         }
//!     }
//!     "#,
//! )
//! .unwrap();
//! let users = models.table("users").unwrap();
//! assert_eq!(users.primary_key.as_ref().unwrap().columns, ["id"]);
//! assert!(users.get_column("display_name").unwrap().nullable);
//!
//! // Printing and reading back keeps everything diesel can see.
//! let again = parse_schema_rs(&print_schema_rs(&models)).unwrap();
//! assert!(diesel_differences(&again, &models).is_empty());
//! ```
//!
//! # What the reader accepts
//!
//! - `table!` / `diesel::table!` blocks (one table each, as diesel 2 requires): `use` lines,
//!   doc comments and attributes, an optional `schema.` prefix (dropped: the schema model has
//!   no namespaces), an optional primary key list (diesel's default, `id`, otherwise),
//!   columns `name -> Type` with `Nullable<T>`, and `#[sql_name = "..."]` on tables and
//!   columns (the SQL names are the model's names) and `#[max_length = n]` on columns.
//! - `joinable!(child -> parent (column))`: a foreign key from `child.column` to the
//!   parent's primary key, named by the convention.
//! - `pub mod sql_types { ... }` as diesel print-schema writes it: each
//!   `#[diesel(postgres_type(name = "..."))] pub struct Name;` names a custom type.
//! - Everything else (`allow_tables_to_appear_in_same_query!`, other items, comments) is
//!   skipped.
//!
//! diesel's SQL types map onto the closed set of [`Type`]: `Integer`/`Int4`,
//! `BigInt`/`Int8`, `SmallInt`/`Int2`, `Text` (and MySQL's `*text`), `Bool`, `Float`/`Float4`,
//! `Double`/`Float8`, `Date`, `Time`, `Timestamp`/`Datetime`,
//! `Timestamptz`/`TimestamptzSqlite`, `Binary`/`Bytea`/`Blob` (and MySQL's `*blob`,
//! `Varbinary`), `Json`/`Jsonb`, `Uuid`. diesel keeps no lengths or precisions, so:
//!
//! - `Varchar` (or `VarChar`) is `Type::Varchar(n)` with `#[max_length = n]`, and `Type::Text`
//!   without it; `Char`/`Bpchar` likewise give `Type::Char(n)` or `Type::Text`
//!   ([`Type::same_for_diesel`] treats all of them as one type);
//! - `Numeric`/`Decimal` is `Type::Numeric(38, 10)` ([`NUMERIC_WITHOUT_PRECISION`]).
//!
//! Any other type name is a custom (enum) type when the `table!` block imports it with a
//! `use` line (or a glob of a module other than `diesel::sql_types`), or the file's
//! `sql_types` module defines it: it becomes `Type::Enum` of the SQL name the
//! `postgres_type` attribute gives, else of the snake-case type name, with no labels
//! (`schema.rs` does not list them). diesel types outside the closed set (`Array`, `Range`,
//! `Interval`, `TinyInt`, `Unsigned`, ...) are errors, as are unknown names, syntax errors,
//! duplicate tables or columns, unknown names in a primary key or `joinable!`, a nullable
//! primary key column, and a join to a composite primary key. Every error names its line;
//! no input makes the reader panic.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use migrate_core::lex::{self, TokenKind};

use crate::column::{Column, EnumType, Type};
use crate::schema::Schema;
use crate::table::{ForeignKey, Table};

/// The type a diesel `Numeric` (or `Decimal`) column reads as: `schema.rs` keeps no
/// precision, and `Numeric(38, 10)` is valid on every backend and keeps fractions.
pub const NUMERIC_WITHOUT_PRECISION: Type = Type::Numeric(38, 10);

/// Nesting deeper than this (brackets, or generic type arguments) is refused rather than
/// followed: a `schema.rs` never comes close, and a bound keeps hostile input from
/// exhausting the stack.
const MAX_DEPTH: usize = 64;

/// Why a `schema.rs` text cannot be read: the line, and what is wrong in one sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelsError {
    /// The 1-based line the problem is on.
    pub line: u32,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl fmt::Display for ModelsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ModelsError {}

fn err<T>(line: u32, message: impl Into<String>) -> Result<T, ModelsError> {
    Err(ModelsError {
        line,
        message: message.into(),
    })
}

// ---------------------------------------------------------------------------------------
// Tokens with their lines, grouped by brackets, from the one lexer
// (`migrate_core::lex`). Comments (doc comments included) are dropped.
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// An identifier, `r#` removed; the flag says it was raw.
    Ident(String, bool),
    Punct(char),
    /// A string literal's value.
    Str(String),
    /// Any other literal, as written.
    Lit(String),
    /// A bracketed group: its opening bracket and its tokens.
    Group(char, Vec<Token>),
}

#[derive(Debug, Clone, PartialEq)]
struct Token {
    tok: Tok,
    line: u32,
}

impl From<lex::LexError> for ModelsError {
    fn from(e: lex::LexError) -> Self {
        ModelsError {
            line: e.line,
            message: e.kind.to_string(),
        }
    }
}

fn lex(text: &str) -> Result<Vec<Token>, ModelsError> {
    lex::nest(text, MAX_DEPTH, leaf, |open, line, inner| Token {
        tok: Tok::Group(open, inner),
        line,
    })
}

/// A token other than a bracket.
fn leaf(t: lex::Token<'_>) -> Result<Token, ModelsError> {
    let tok = match t.kind {
        TokenKind::Ident { raw } => Tok::Ident(t.ident().unwrap_or(t.text).to_owned(), raw),
        TokenKind::Str { .. } => match t.string_value() {
            Some(Ok(value)) => Tok::Str(value),
            Some(Err(e)) => return err(t.line, e.to_string()),
            None => Tok::Lit(t.text.to_owned()),
        },
        TokenKind::Lit => Tok::Lit(t.text.to_owned()),
        TokenKind::Punct(c) | TokenKind::Open(c) | TokenKind::Close(c) => Tok::Punct(c),
    };
    Ok(Token { tok, line: t.line })
}

// ---------------------------------------------------------------------------------------
// Parsing: a cursor over one level of tokens.
// ---------------------------------------------------------------------------------------

struct Cursor<'a> {
    toks: &'a [Token],
    pos: usize,
    /// The line to report at the end of the tokens (the group's opening line).
    end_line: u32,
}

impl<'a> Cursor<'a> {
    fn new(toks: &'a [Token], end_line: u32) -> Self {
        Cursor {
            toks,
            pos: 0,
            end_line,
        }
    }

    fn peek(&self) -> Option<&'a Token> {
        self.toks.get(self.pos)
    }

    fn peek_at(&self, ahead: usize) -> Option<&'a Token> {
        self.toks.get(self.pos + ahead)
    }

    fn next(&mut self) -> Option<&'a Token> {
        let t = self.toks.get(self.pos)?;
        self.pos += 1;
        Some(t)
    }

    fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    fn line(&self) -> u32 {
        self.peek().map_or(self.end_line, |t| t.line)
    }

    fn is_punct(&self, c: char) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Punct(p), .. }) if *p == c)
    }

    fn is_punct_at(&self, ahead: usize, c: char) -> bool {
        matches!(self.peek_at(ahead), Some(Token { tok: Tok::Punct(p), .. }) if *p == c)
    }

    fn is_ident(&self, name: &str) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Ident(n, false), .. }) if n == name)
    }

    fn eat_punct(&mut self, c: char) -> bool {
        if self.is_punct(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_punct(&mut self, c: char, what: &str) -> Result<(), ModelsError> {
        if self.eat_punct(c) {
            Ok(())
        } else {
            err(
                self.line(),
                format!("expected `{c}` {what}, found {}", self.found()),
            )
        }
    }

    /// An identifier: its name (`r#` removed) and whether it was raw.
    fn ident(&mut self, what: &str) -> Result<(String, bool, u32), ModelsError> {
        match self.peek() {
            Some(Token {
                tok: Tok::Ident(name, raw),
                line,
            }) => {
                self.pos += 1;
                Ok((name.clone(), *raw, *line))
            }
            _ => err(
                self.line(),
                format!("expected {what}, found {}", self.found()),
            ),
        }
    }

    fn group(&mut self, open: char) -> Option<(&'a [Token], u32)> {
        match self.peek() {
            Some(Token {
                tok: Tok::Group(o, inner),
                line,
            }) if *o == open => {
                self.pos += 1;
                Some((inner, *line))
            }
            _ => None,
        }
    }

    /// What the next token is, for messages.
    fn found(&self) -> String {
        match self.peek() {
            None => "the end of the block".into(),
            Some(t) => describe(&t.tok),
        }
    }

    /// `::` (two `:` puncts).
    fn eat_path_sep(&mut self) -> bool {
        if self.is_punct(':') && self.is_punct_at(1, ':') {
            self.pos += 2;
            true
        } else {
            false
        }
    }
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Ident(n, true) => format!("`r#{n}`"),
        Tok::Ident(n, false) => format!("`{n}`"),
        Tok::Punct(c) => format!("`{c}`"),
        Tok::Str(s) => format!("the string {s:?}"),
        Tok::Lit(l) => format!("`{l}`"),
        Tok::Group(o, _) => format!("`{o}...{}`", lex::closing(*o)),
    }
}

/// An attribute `#[name = value]` / `#[name(...)]`, as far as the reader cares.
struct Attr {
    name: String,
    value: Option<Tok>,
    line: u32,
    /// The tokens inside the brackets, for `#[diesel(...)]`.
    inner: Vec<Token>,
}

/// Reads the outer attributes at the cursor (doc comments are already gone).
fn attributes(c: &mut Cursor<'_>) -> Result<Vec<Attr>, ModelsError> {
    let mut attrs = Vec::new();
    while c.is_punct('#') {
        let line = c.line();
        c.next();
        let Some((inner, _)) = c.group('[') else {
            return err(line, "expected `[` after `#` to open an attribute");
        };
        let mut a = Cursor::new(inner, line);
        let name = match a.next() {
            Some(Token {
                tok: Tok::Ident(n, _),
                ..
            }) => n.clone(),
            _ => return err(line, "an attribute must start with its name"),
        };
        let value = if a.eat_punct('=') {
            a.next().map(|t| t.tok.clone())
        } else {
            None
        };
        attrs.push(Attr {
            name,
            value,
            line,
            inner: inner.to_vec(),
        });
    }
    Ok(attrs)
}

fn take_attr(attrs: &mut Vec<Attr>, name: &str) -> Option<Attr> {
    let i = attrs.iter().position(|a| a.name == name)?;
    Some(attrs.remove(i))
}

/// A `#[sql_name = "..."]` value, with diesel's handling of a leading `r#`.
fn sql_name_attr(attrs: &mut Vec<Attr>) -> Result<Option<String>, ModelsError> {
    let Some(a) = take_attr(attrs, "sql_name") else {
        return Ok(None);
    };
    match a.value {
        Some(Tok::Str(s)) => Ok(Some(s.strip_prefix("r#").unwrap_or(&s).to_owned())),
        _ => err(
            a.line,
            "`#[sql_name]` needs a string: `#[sql_name = \"name\"]`",
        ),
    }
}

/// A type as written in a column definition: its last path segment and generic arguments.
struct RawType {
    name: String,
    args: Vec<RawType>,
    line: u32,
}

fn raw_type(c: &mut Cursor<'_>, depth: usize) -> Result<RawType, ModelsError> {
    if depth > MAX_DEPTH {
        return err(
            c.line(),
            format!("type arguments nested deeper than {MAX_DEPTH} levels"),
        );
    }
    c.eat_path_sep();
    let (mut name, _, line) = c.ident("a SQL type")?;
    while c.eat_path_sep() {
        name = c.ident("a SQL type after `::`")?.0;
    }
    let mut args = Vec::new();
    if c.eat_punct('<') {
        loop {
            args.push(raw_type(c, depth + 1)?);
            if c.eat_punct('>') {
                break;
            }
            c.expect_punct(',', "or `>` between type arguments")?;
            if c.eat_punct('>') {
                break;
            }
        }
    }
    Ok(RawType { name, args, line })
}

struct RawColumn {
    line: u32,
    rust_name: String,
    sql_name: String,
    ty: RawType,
    max_length: Option<(u32, u32)>,
}

struct RawTable {
    line: u32,
    rust_name: String,
    sql_name: String,
    primary_key: Option<Vec<(String, u32)>>,
    columns: Vec<RawColumn>,
    /// Type names imported by `use` lines that are not diesel's.
    custom_imports: BTreeSet<String>,
    /// A glob import of something other than `diesel::sql_types`.
    custom_glob: bool,
}

struct Joinable {
    line: u32,
    child: String,
    parent: String,
    column: String,
}

#[derive(Default)]
struct RawFile {
    tables: Vec<RawTable>,
    joinables: Vec<Joinable>,
    /// Custom SQL types of the `sql_types` module: type name -> SQL name.
    sql_types: BTreeMap<String, String>,
}

/// A `use` line inside a `table!` block: records the names it imports.
fn use_line(c: &mut Cursor<'_>, t: &mut RawTable) -> Result<(), ModelsError> {
    let line = c.line();
    c.next(); // use
    let mut toks = Vec::new();
    loop {
        match c.next() {
            None => return err(line, "this `use` line has no `;` at its end"),
            Some(Token {
                tok: Tok::Punct(';'),
                ..
            }) => break,
            Some(tok) => toks.push(tok.clone()),
        }
    }
    use_tree(&toks, &mut Vec::new(), t, line, 0)
}

fn use_tree(
    toks: &[Token],
    prefix: &mut Vec<String>,
    t: &mut RawTable,
    line: u32,
    depth: usize,
) -> Result<(), ModelsError> {
    if depth > MAX_DEPTH {
        return err(line, "this `use` line nests too deeply");
    }
    let base = prefix.len();
    let mut c = Cursor::new(toks, line);
    c.eat_path_sep();
    loop {
        match c.next().map(|t| &t.tok) {
            Some(Tok::Ident(name, _)) => {
                let name = name.clone();
                if c.eat_path_sep() {
                    prefix.push(name);
                    continue;
                }
                let imported = if c.is_ident("as") {
                    c.next();
                    c.ident("a name after `as`")?.0
                } else {
                    name.clone()
                };
                let from_diesel = prefix.first().is_some_and(|p| p == "diesel");
                if !from_diesel && name != "self" {
                    t.custom_imports.insert(imported);
                }
            }
            Some(Tok::Punct('*')) => {
                let diesel_types = prefix.len() >= 2 && prefix[0] == "diesel";
                if !diesel_types {
                    t.custom_glob = true;
                }
            }
            Some(Tok::Group('{', inner)) => {
                for part in inner.split(|t| t.tok == Tok::Punct(',')) {
                    if !part.is_empty() {
                        use_tree(part, prefix, t, line, depth + 1)?;
                    }
                }
            }
            _ => {
                return err(
                    line,
                    "this `use` line is not a path this reader understands",
                )
            }
        }
        break;
    }
    prefix.truncate(base);
    if !c.at_end() {
        return err(line, format!("unexpected {} in this `use` line", c.found()));
    }
    Ok(())
}

/// The content of one `table!` block.
fn table_block(toks: &[Token], line: u32) -> Result<RawTable, ModelsError> {
    let mut c = Cursor::new(toks, line);
    let mut t = RawTable {
        line,
        rust_name: String::new(),
        sql_name: String::new(),
        primary_key: None,
        columns: Vec::new(),
        custom_imports: BTreeSet::new(),
        custom_glob: false,
    };
    while c.is_ident("use") {
        use_line(&mut c, &mut t)?;
    }
    let mut attrs = attributes(&mut c)?;
    let (mut name, _, name_line) = c.ident("a table name")?;
    if c.eat_punct('.') {
        // `schema.table`: the schema model has no namespaces, so the schema is dropped.
        name = c.ident("a table name after `.`")?.0;
    }
    t.line = name_line;
    t.rust_name = name.clone();
    t.sql_name = sql_name_attr(&mut attrs)?.unwrap_or(name);
    if let Some((inner, pk_line)) = c.group('(') {
        let mut k = Cursor::new(inner, pk_line);
        let mut keys = Vec::new();
        while !k.at_end() {
            let (key, _, key_line) = k.ident("a primary key column")?;
            keys.push((key, key_line));
            if !k.at_end() {
                k.expect_punct(',', "between primary key columns")?;
            }
        }
        if keys.is_empty() {
            return err(pk_line, "the primary key list is empty: name its columns, or drop the `()` for diesel's default `id`");
        }
        t.primary_key = Some(keys);
    }
    let Some((body, body_line)) = c.group('{') else {
        return err(
            c.line(),
            format!(
                "expected the `{{ ... }}` of table `{}`'s columns, found {}",
                t.rust_name,
                c.found()
            ),
        );
    };
    let mut b = Cursor::new(body, body_line);
    while !b.at_end() {
        let mut attrs = attributes(&mut b)?;
        let (name, _, col_line) = b.ident("a column name")?;
        if !(b.eat_punct('-') && b.eat_punct('>')) {
            return err(
                b.line(),
                format!("expected `->` after column `{name}`, found {}", b.found()),
            );
        }
        let ty = raw_type(&mut b, 0)?;
        let sql_name = sql_name_attr(&mut attrs)?.unwrap_or_else(|| name.clone());
        let max_length = match take_attr(&mut attrs, "max_length") {
            None => None,
            Some(a) => match &a.value {
                Some(Tok::Lit(l)) => match l.replace('_', "").parse::<u32>() {
                    Ok(n) => Some((n, a.line)),
                    Err(_) => {
                        return err(
                            a.line,
                            format!("`#[max_length = {l}]` needs a whole number"),
                        )
                    }
                },
                _ => {
                    return err(
                        a.line,
                        "`#[max_length]` needs a number: `#[max_length = 255]`",
                    )
                }
            },
        };
        t.columns.push(RawColumn {
            line: col_line,
            rust_name: name,
            sql_name,
            ty,
            max_length,
        });
        if !b.at_end() {
            b.expect_punct(',', "after a column definition")?;
        }
    }
    if !c.at_end() {
        return err(
            c.line(),
            format!(
                "unexpected {} after table `{}`: diesel 2 takes one table per `table!` block",
                c.found(),
                t.rust_name
            ),
        );
    }
    Ok(t)
}

fn joinable_block(toks: &[Token], line: u32) -> Result<Joinable, ModelsError> {
    let mut c = Cursor::new(toks, line);
    let (child, _, _) = c.ident("the child table of `joinable!`")?;
    if !(c.eat_punct('-') && c.eat_punct('>')) {
        return err(
            c.line(),
            format!("expected `->` in `joinable!`, found {}", c.found()),
        );
    }
    let (parent, _, _) = c.ident("the parent table of `joinable!`")?;
    let Some((inner, col_line)) = c.group('(') else {
        return err(
            c.line(),
            format!(
                "expected `(column)` after the parent table in `joinable!`, found {}",
                c.found()
            ),
        );
    };
    let mut k = Cursor::new(inner, col_line);
    let (column, _, _) = k.ident("the foreign key column of `joinable!`")?;
    if !k.at_end() {
        return err(col_line, "`joinable!` takes one foreign key column");
    }
    if !c.at_end() {
        return err(c.line(), format!("unexpected {} in `joinable!`", c.found()));
    }
    Ok(Joinable {
        line,
        child,
        parent,
        column,
    })
}

/// `pub mod sql_types { ... }`: the custom types it defines.
fn sql_types_module(
    toks: &[Token],
    line: u32,
    out: &mut BTreeMap<String, String>,
) -> Result<(), ModelsError> {
    let mut c = Cursor::new(toks, line);
    while !c.at_end() {
        let attrs = attributes(&mut c)?;
        if c.is_ident("pub") {
            c.next();
            c.group('(');
        }
        if c.is_ident("struct") {
            c.next();
            let (name, _, _) = c.ident("a type name")?;
            let mut sql = None;
            for a in attrs.iter().filter(|a| a.name == "diesel") {
                sql = sql.or_else(|| postgres_type_name(&a.inner));
            }
            out.insert(name.clone(), sql.unwrap_or_else(|| snake_case(&name)));
        }
        skip_item(&mut c);
    }
    Ok(())
}

/// The `name` of `diesel(postgres_type(name = "..."))`.
fn postgres_type_name(attr: &[Token]) -> Option<String> {
    let Some(Token {
        tok: Tok::Group('(', inner),
        ..
    }) = attr.get(1)
    else {
        return None;
    };
    let mut c = Cursor::new(inner, 0);
    while !c.at_end() {
        if c.is_ident("postgres_type") {
            c.next();
            let (args, _) = c.group('(')?;
            let mut a = Cursor::new(args, 0);
            while !a.at_end() {
                if a.is_ident("name") && a.is_punct_at(1, '=') {
                    a.pos += 2;
                    if let Some(Token {
                        tok: Tok::Str(s), ..
                    }) = a.next()
                    {
                        return Some(s.clone());
                    }
                } else {
                    a.next();
                }
            }
            return None;
        }
        c.next();
    }
    None
}

/// Skips one item: up to a `;` or past a `{ ... }` body.
fn skip_item(c: &mut Cursor<'_>) {
    while let Some(t) = c.next() {
        match &t.tok {
            Tok::Punct(';') | Tok::Group('{', _) => {
                c.eat_punct(';');
                return;
            }
            _ => {}
        }
    }
}

/// A macro call at the cursor, `[::]path::name! (...)`: its name and its group.
fn macro_call<'a>(c: &mut Cursor<'a>) -> Option<(String, &'a [Token], u32)> {
    let start = c.pos;
    c.eat_path_sep();
    let mut name = None;
    while let Some(Token {
        tok: Tok::Ident(n, _),
        ..
    }) = c.peek()
    {
        c.next();
        name = Some(n.clone());
        if !c.eat_path_sep() {
            break;
        }
    }
    if let Some(name) = name {
        if c.eat_punct('!') {
            let line = c.line();
            if let Some(Token {
                tok: Tok::Group(_, inner),
                ..
            }) = c.peek()
            {
                c.next();
                c.eat_punct(';');
                return Some((name, inner, line));
            }
        }
    }
    c.pos = start;
    None
}

fn read_file(text: &str) -> Result<RawFile, ModelsError> {
    let toks = lex(text)?;
    let mut file = RawFile::default();
    read_items(&toks, 1, &mut file)?;
    Ok(file)
}

/// Reads the items of a file or of an inline module (`mod schema { ... }`).
fn read_items(toks: &[Token], line: u32, file: &mut RawFile) -> Result<(), ModelsError> {
    let mut c = Cursor::new(toks, line);
    while !c.at_end() {
        if c.is_punct('#') {
            // An attribute, outer or inner (`#![...]`).
            c.next();
            c.eat_punct('!');
            c.group('[');
            continue;
        }
        if let Some((name, inner, line)) = macro_call(&mut c) {
            match name.as_str() {
                "table" => file.tables.push(table_block(inner, line)?),
                "joinable" => file.joinables.push(joinable_block(inner, line)?),
                _ => {}
            }
            continue;
        }
        // `[pub] mod name { ... }`: `sql_types` defines custom types, others are read too.
        let start = c.pos;
        if c.is_ident("pub") {
            c.next();
            c.group('(');
        }
        if c.is_ident("mod") {
            c.next();
            if let Ok((name, _, _)) = c.ident("a module name") {
                if let Some((inner, line)) = c.group('{') {
                    if name == "sql_types" {
                        sql_types_module(inner, line, &mut file.sql_types)?;
                    } else {
                        read_items(inner, line, file)?;
                    }
                    continue;
                }
            }
        }
        c.pos = start;
        // An item starts with a name (`use`, `fn`, `pub`, a macro path): anything else is a
        // stray token, skipped alone so that it cannot take the next item with it.
        if matches!(
            c.peek(),
            Some(Token {
                tok: Tok::Ident(..),
                ..
            })
        ) {
            skip_item(&mut c);
        } else {
            c.next();
        }
    }
    Ok(())
}

fn snake_case(name: &str) -> String {
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
const UNSUPPORTED: &[&str] = &[
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

struct TypeContext<'a> {
    table: &'a RawTable,
    sql_types: &'a BTreeMap<String, String>,
}

/// A column's type and nullability.
fn column_type(
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
type Declared = (String, Vec<String>, BTreeMap<String, String>);

/// Reads diesel `table!` definitions (a `schema.rs`) into the schema model.
///
/// Each table gets its columns in order (not null unless `Nullable`), its primary key (the
/// declared one, or diesel's default `id`) named by the convention, and a foreign key for
/// each `joinable!` naming it as the child. Custom types are recorded in
/// [`Schema::enums`] with no labels. See the [module docs](self) for what is accepted.
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

/// One `table!` block as a table of the model (its enums added to `schema`), and its
/// columns' Rust names -> SQL names.
fn read_table(
    raw: &RawTable,
    sql_types: &BTreeMap<String, String>,
    schema: &mut Schema,
) -> Result<(Table, BTreeMap<String, String>), ModelsError> {
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
fn add_joinables(
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

// ---------------------------------------------------------------------------------------
// diesel's view of a schema, shared by the printer and the comparison.
// ---------------------------------------------------------------------------------------

/// A foreign key diesel print-schema writes as `joinable!`: single-column, to the parent's
/// whole (single-column) primary key, not from a table to itself, and the only foreign key
/// between its two tables (in either direction), as diesel print-schema decides.
fn joinables(schema: &Schema) -> BTreeSet<(String, String, String)> {
    let mut candidates = Vec::new();
    let mut pairs: BTreeMap<(String, String), usize> = BTreeMap::new();
    for t in schema.tables.values() {
        for fk in &t.foreign_keys {
            let pair = if t.name <= fk.ref_table {
                (t.name.clone(), fk.ref_table.clone())
            } else {
                (fk.ref_table.clone(), t.name.clone())
            };
            *pairs.entry(pair.clone()).or_default() += 1;
            let parent_pk = schema
                .tables
                .get(&fk.ref_table)
                .and_then(|p| p.primary_key.as_ref())
                .map(|pk| pk.columns.clone());
            let has_pk = t.primary_key.is_some();
            if fk.ref_table != t.name
                && fk.columns.len() == 1
                && has_pk
                && parent_pk.as_ref() == Some(&fk.ref_columns)
            {
                candidates.push((
                    pair,
                    (t.name.clone(), fk.ref_table.clone(), fk.columns[0].clone()),
                ));
            }
        }
    }
    candidates
        .into_iter()
        .filter(|(pair, _)| pairs.get(pair) == Some(&1))
        .map(|(_, j)| j)
        .collect()
}

/// A type as diesel spells it in a `table!`, `Nullable` included.
fn diesel_spelling(ty: &Type, nullable: bool) -> String {
    if nullable {
        format!("Nullable<{}>", ty.diesel_sql_type())
    } else {
        ty.diesel_sql_type()
    }
}

/// One way the models and a schema state disagree in diesel's view: what `diesel
/// print-schema` would write differently. See [`diesel_differences`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// A table only the models declare.
    TableOnlyInModels(String),
    /// A table only the state has.
    TableOnlyInState(String),
    /// A column only the models declare.
    ColumnOnlyInModels {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A column only the state has.
    ColumnOnlyInState {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A column whose type differs, as diesel spells them (`Nullable<Varchar>`).
    ColumnType {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The models' type.
        models: String,
        /// The state's type.
        state: String,
    },
    /// A column of the same type whose nullability differs.
    Nullability {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Whether the models allow NULL (the state does the opposite).
        models_nullable: bool,
    },
    /// A table whose primary key columns differ.
    PrimaryKey {
        /// The table.
        table: String,
        /// The models' key columns.
        models: Vec<String>,
        /// The state's key columns.
        state: Vec<String>,
    },
    /// A `joinable!` only the models declare.
    JoinableOnlyInModels {
        /// The child (referencing) table.
        child: String,
        /// The parent (referenced) table.
        parent: String,
        /// The foreign key column.
        column: String,
    },
    /// A foreign key of the state diesel would write as a `joinable!` the models lack.
    JoinableOnlyInState {
        /// The child (referencing) table.
        child: String,
        /// The parent (referenced) table.
        parent: String,
        /// The foreign key column.
        column: String,
    },
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::TableOnlyInModels(t) => {
                write!(f, "table \"{t}\" is in the models but not in the schema state")
            }
            Difference::TableOnlyInState(t) => {
                write!(f, "table \"{t}\" is in the schema state but not in the models")
            }
            Difference::ColumnOnlyInModels { table, column } => write!(
                f,
                "column \"{table}\".\"{column}\" is in the models but not in the schema state"
            ),
            Difference::ColumnOnlyInState { table, column } => write!(
                f,
                "column \"{table}\".\"{column}\" is in the schema state but not in the models"
            ),
            Difference::ColumnType {
                table,
                column,
                models,
                state,
            } => write!(
                f,
                "column \"{table}\".\"{column}\" is {models} in the models but {state} in the schema state"
            ),
            Difference::Nullability {
                table,
                column,
                models_nullable,
            } => {
                let (m, s) = if *models_nullable {
                    ("nullable", "NOT NULL")
                } else {
                    ("NOT NULL", "nullable")
                };
                write!(
                    f,
                    "column \"{table}\".\"{column}\" is {m} in the models but {s} in the schema state"
                )
            }
            Difference::PrimaryKey {
                table,
                models,
                state,
            } => write!(
                f,
                "table \"{table}\" has the primary key ({}) in the models but ({}) in the schema state",
                models.join(", "),
                state.join(", ")
            ),
            Difference::JoinableOnlyInModels {
                child,
                parent,
                column,
            } => write!(
                f,
                "joinable!({child} -> {parent} ({column})) is in the models but the schema state has no such foreign key"
            ),
            Difference::JoinableOnlyInState {
                child,
                parent,
                column,
            } => write!(
                f,
                "the foreign key {child}.{column} -> {parent} of the schema state has no joinable! in the models"
            ),
        }
    }
}

/// Compares models (usually [`parse_schema_rs`] of a `schema.rs`) with a schema state
/// (usually the migrations' replayed head) the way diesel sees a schema: what `diesel
/// print-schema` would write for each.
///
/// Compared: the set of tables, each table's set of columns, each column's type by
/// [`Type::same_for_diesel`] (a type difference is reported with the nullabilities) or else
/// its nullability, each primary key (its columns in order,
/// as diesel's `find` takes them), and the `joinable!`s (the foreign keys diesel
/// print-schema writes as one). Column order is not compared: diesel selects columns by
/// name. Not compared because a `table!` cannot say them: lengths and precisions, defaults,
/// comments, indexes, unique and check constraints, foreign key names and actions, enum
/// labels, and tables without a primary key (diesel cannot declare them).
///
/// An empty result means they agree. Differences come tables first (by name), then
/// joinables.
///
/// ```
/// use migrate_runtime::models::{diesel_differences, parse_schema_rs};
///
/// let models = parse_schema_rs("diesel::table! { t (id) { id -> Integer, n -> Text, } }").unwrap();
/// let state = parse_schema_rs("diesel::table! { t (id) { id -> Integer, n -> Nullable<Int4>, } }").unwrap();
/// let diffs: Vec<String> = diesel_differences(&models, &state).iter().map(|d| d.to_string()).collect();
/// assert_eq!(diffs, ["column \"t\".\"n\" is Text in the models but Nullable<Integer> in the schema state"]);
/// ```
pub fn diesel_differences(models: &Schema, state: &Schema) -> Vec<Difference> {
    let keyed = |s: &Schema| -> BTreeMap<String, Table> {
        s.tables
            .values()
            .filter(|t| t.primary_key.is_some())
            .map(|t| (t.name.clone(), t.clone()))
            .collect()
    };
    let (m, s) = (keyed(models), keyed(state));
    let mut out = Vec::new();
    let names: BTreeSet<&String> = m.keys().chain(s.keys()).collect();
    for name in names {
        let (mt, st) = match (m.get(name), s.get(name)) {
            (Some(mt), Some(st)) => (mt, st),
            (Some(_), None) => {
                out.push(Difference::TableOnlyInModels(name.clone()));
                continue;
            }
            (None, Some(_)) => {
                out.push(Difference::TableOnlyInState(name.clone()));
                continue;
            }
            (None, None) => continue,
        };
        for mc in &mt.columns {
            match st.get_column(&mc.name) {
                None => out.push(Difference::ColumnOnlyInModels {
                    table: name.clone(),
                    column: mc.name.clone(),
                }),
                Some(sc) => {
                    if !mc.ty.same_for_diesel(&sc.ty) {
                        out.push(Difference::ColumnType {
                            table: name.clone(),
                            column: mc.name.clone(),
                            models: diesel_spelling(&mc.ty, mc.nullable),
                            state: diesel_spelling(&sc.ty, sc.nullable),
                        });
                    } else if mc.nullable != sc.nullable {
                        out.push(Difference::Nullability {
                            table: name.clone(),
                            column: mc.name.clone(),
                            models_nullable: mc.nullable,
                        });
                    }
                }
            }
        }
        for sc in &st.columns {
            if mt.get_column(&sc.name).is_none() {
                out.push(Difference::ColumnOnlyInState {
                    table: name.clone(),
                    column: sc.name.clone(),
                });
            }
        }
        let pk = |t: &Table| {
            t.primary_key
                .as_ref()
                .map(|p| p.columns.clone())
                .unwrap_or_default()
        };
        if pk(mt) != pk(st) {
            out.push(Difference::PrimaryKey {
                table: name.clone(),
                models: pk(mt),
                state: pk(st),
            });
        }
    }
    let (mj, sj) = (joinables(models), joinables(state));
    for (child, parent, column) in mj.difference(&sj) {
        out.push(Difference::JoinableOnlyInModels {
            child: child.clone(),
            parent: parent.clone(),
            column: column.clone(),
        });
    }
    for (child, parent, column) in sj.difference(&mj) {
        out.push(Difference::JoinableOnlyInState {
            child: child.clone(),
            parent: parent.clone(),
            column: column.clone(),
        });
    }
    out
}

// ---------------------------------------------------------------------------------------
// Printing.
// ---------------------------------------------------------------------------------------

const KEYWORDS: &[&str] = &[
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
const RESERVED_COLUMNS: &[&str] = &[
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
const RESERVED_TABLES: &[&str] = &["diesel", "sql_types"];

/// A Rust identifier for `name`, as diesel print-schema makes one: invalid characters
/// become `_`, a keyword gets a trailing `_`, and a clash with `taken` more `_`s.
fn rust_ident(name: &str, taken: &BTreeSet<String>) -> String {
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
fn doc_lines(text: &str, indent: &str, out: &mut String) {
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
fn str_lit(s: &str) -> String {
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
fn custom_types(keyed: &[&Table]) -> BTreeMap<String, String> {
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
fn print_table(
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
fn postgres_type_attr(sql: &str) -> String {
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
fn allow_tables(names: &[&str]) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SHOP: &str = include_str!("../../../migrations/src/schema.rs");

    fn error(text: &str) -> String {
        parse_schema_rs(text).unwrap_err().to_string()
    }

    #[test]
    fn reads_the_shop() {
        let s = parse_schema_rs(SHOP).unwrap();
        assert_eq!(
            s.tables.keys().collect::<Vec<_>>(),
            ["items", "orders", "shipping_addresses", "users"]
        );
        let users = s.table("users").unwrap();
        let names: Vec<&str> = users.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["id", "email", "name", "created_at", "display_name"]);
        assert_eq!(users.columns[1].ty, Type::Text);
        assert!(!users.columns[1].nullable);
        assert!(users.columns[4].nullable);
        assert_eq!(users.primary_key.as_ref().unwrap().name, "pk_users");
        let orders = s.table("orders").unwrap();
        let fks: Vec<(&str, &str)> = orders
            .foreign_keys
            .iter()
            .map(|f| (f.name.as_str(), f.ref_table.as_str()))
            .collect();
        assert_eq!(
            fks,
            [
                ("fk_orders_item_id_items", "items"),
                ("fk_orders_user_id_users", "users")
            ]
        );
    }

    #[test]
    fn reads_names_types_and_custom_types() {
        let s = parse_schema_rs(
            r#"
            // @generated automatically by Diesel CLI.
            pub mod sql_types {
                #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
                #[diesel(postgres_type(name = "order_state"))]
                pub struct OrderStatus;
            }

            diesel::table! {
                use diesel::sql_types::*;
                use super::sql_types::OrderStatus;
                use crate::types::{Mood as Feeling};

                /// Orders.
                #[sql_name = "Orders"]
                shop.orders (order_id, line) {
                    order_id -> Int8,
                    line -> Int2,
                    #[max_length = 40]
                    #[sql_name = "type"]
                    type_ -> Varchar,
                    r#loop -> Nullable<diesel::sql_types::Numeric>,
                    status -> OrderStatus,
                    mood -> Nullable<Feeling>,
                    at -> Timestamptz,
                    data -> Jsonb,
                    #[max_length = 2]
                    code -> Bpchar,
                }
            }
            "#,
        )
        .unwrap();
        let t = s.table("Orders").unwrap();
        assert_eq!(
            t.primary_key.as_ref().unwrap().columns,
            ["order_id", "line"]
        );
        let col = |n: &str| t.get_column(n).unwrap();
        assert_eq!(col("type").ty, Type::Varchar(40));
        assert_eq!(col("loop").ty, NUMERIC_WITHOUT_PRECISION);
        assert!(col("loop").nullable);
        assert_eq!(
            col("status").ty,
            Type::Enum(EnumType::new("order_state", Vec::<String>::new()))
        );
        assert_eq!(col("mood").ty.diesel_sql_type(), "Feeling");
        assert_eq!(col("at").ty, Type::TimestampTz);
        assert_eq!(col("data").ty, Type::Json);
        assert_eq!(col("code").ty, Type::Char(2));
        assert_eq!(
            s.enums.keys().collect::<Vec<_>>(),
            ["feeling", "order_state"]
        );
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(
            error("table! {\n  t (id) {\n    id -> Integer,\n    tags -> Array<Text>,\n  }\n}"),
            "line 4: `Array` is a diesel type outside the schema model's closed set of types"
        );
        assert_eq!(
            error("table! {\n  t (id) {\n    id -> Integer,\n    mood -> Mood,\n  }\n}"),
            "line 4: `Mood` is not a diesel SQL type: for a custom (enum) type, import it with a `use` line inside the `table!` block"
        );
        assert_eq!(
            error("table! {\n  t {\n    name -> Text,\n  }\n}"),
            "line 2: table `t` declares no primary key and has no `id` column: write `t (column) {`"
        );
        assert_eq!(
            error("table! {\n  t (id) {\n    id -> Integer,\n  }\n\n"),
            "line 1: this `{` is never closed: add its `}`"
        );
        assert_eq!(
            error("table! { t (id) { id -> Integer, } }\njoinable!(t -> u (id));"),
            "line 2: `joinable!` names table `u`, which no `table!` declares"
        );
        assert_eq!(
            error("table! {\n  t (key) {\n    id -> Integer,\n  }\n}"),
            "line 2: primary key column `key` is not a column of table `t`"
        );
        assert_eq!(
            error("table! {\n  t (id) {\n    id -> Nullable<Integer>,\n  }\n}"),
            "line 2: primary key column `id` of table `t` is Nullable: a key column cannot be"
        );
        assert_eq!(
            error("table! { t (id) { id -> Integer, } }\ntable! {\n t (id) { id -> Integer, } }"),
            "line 3: table `t` is declared twice"
        );
        assert_eq!(
            error("table! { t (id) { id -> Integer, } u (id) { id -> Integer, } }"),
            "line 1: unexpected `u` after table `t`: diesel 2 takes one table per `table!` block"
        );
        assert_eq!(
            error("table! { t (id) { id -> Integer, x -> \"Text\", } }"),
            "line 1: expected a SQL type, found the string \"Text\""
        );
        assert_eq!(
            error("\n\n/* open"),
            "line 3: this block comment is never closed: end it with `*/`"
        );
        assert_eq!(error("a ) b"), "line 1: `)` closes nothing");
    }

    #[test]
    fn deep_nesting_is_refused_not_followed() {
        let deep = "(".repeat(100_000);
        assert!(error(&deep).contains("nested deeper"));
        let types = format!(
            "table! {{ t (id) {{ id -> {}Integer }} }}",
            "Nullable<".repeat(500)
        );
        assert!(error(&types).contains("nested deeper"));
    }

    #[test]
    fn prints_what_it_reads() {
        let shop = parse_schema_rs(SHOP).unwrap();
        let printed = print_schema_rs(&shop);
        let again = parse_schema_rs(&printed).unwrap();
        assert_eq!(diesel_differences(&again, &shop), []);
        assert_eq!(print_schema_rs(&again), printed);
    }

    #[test]
    fn differences_are_listed() {
        let shop = parse_schema_rs(SHOP).unwrap();
        let wrong = SHOP
            .replace("price_cents -> Integer", "price_cents -> Nullable<BigInt>")
            .replace("        is_physical -> Bool,\n", "")
            .replace("diesel::joinable!(orders -> items (item_id));", "");
        let wrong = parse_schema_rs(&wrong).unwrap();
        let diffs: Vec<String> = diesel_differences(&wrong, &shop)
            .iter()
            .map(|d| d.to_string())
            .collect();
        assert_eq!(
            diffs,
            [
                "column \"items\".\"price_cents\" is Nullable<BigInt> in the models but Integer in the schema state",
                "column \"items\".\"is_physical\" is in the schema state but not in the models",
                "the foreign key orders.item_id -> items of the schema state has no joinable! in the models",
            ]
        );
    }

    /// Inputs that once were, or could be, trouble: each is read without a panic, and the
    /// ones that are valid keep their table.
    #[test]
    fn corpus() {
        let table = "diesel::table! { t (id) { id -> Integer, } }";
        for ok in [
            format!("\u{feff}{table}"),
            format!("{table}\r\n"),
            format!("@ ! {table}"),
            format!("#![allow(unused)]\n{table}"),
            format!("pub(crate) mod schema {{ {table} }}"),
            format!("macro_rules! m {{ () => {{}} }}\n{table}"),
            format!("/* /* nested */ */ {table} // trailing"),
            format!("const X: [u8; 2] = [1, 2];\n{table}"),
            format!("::{table}"),
            format!("{table}\ndiesel::allow_tables_to_appear_in_same_query!(t, t);"),
        ] {
            let s = parse_schema_rs(&ok).unwrap_or_else(|e| panic!("{ok:?}: {e}"));
            assert!(s.table("t").is_some(), "{ok:?}");
        }
        for bad in [
            "",
            "\"",
            "r#\"",
            "r##\"abc\"#",
            "b'",
            "'",
            "'\\",
            "\"\\u{110000}\"",
            "\"\\u{",
            "\"\\x\"",
            "table!",
            "table! {",
            "table! { t (",
            "table! { t () { id -> Integer, } }",
            "table! { t (id) { id -> } }",
            "table! { t (id) { id -> Nullable<> } }",
            "table! { t (id) { id -> Nullable<Integer, Text> } }",
            "table! { t (id) { #[sql_name] id -> Integer } }",
            "table! { t (id) { #[max_length = x] id -> Integer } }",
            "table! { use ; t (id) { id -> Integer } }",
            "table! { use a::{b, {c as}}; t (id) { id -> Integer } }",
            "joinable!(a -> b ());",
            "joinable!(a ->);",
            "pub mod sql_types { # }",
            "pub mod sql_types { #[diesel(postgres_type(name = 1))] pub struct X; }",
            "mod",
            "pub(",
            "\u{202e}",
        ] {
            let _ = parse_schema_rs(bad);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn never_panics_on_any_text(text in "\\PC*") {
            let _ = parse_schema_rs(&text);
        }

        #[test]
        fn never_panics_on_schema_rs_like_text(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("diesel::table!"), Just("table!"), Just("joinable!"), Just("{"), Just("}"),
                    Just("("), Just(")"), Just("<"), Just(">"), Just("->"), Just(","), Just(";"),
                    Just("#[sql_name = \"x\"]"), Just("#[max_length = 3]"), Just("Nullable"),
                    Just("Integer"), Just("Varchar"), Just("use"), Just("::"), Just("*"),
                    Just("id"), Just("t"), Just("u"), Just("pub mod sql_types"), Just("\""),
                    Just("'"), Just("/*"), Just("*/"), Just("//"), Just("\n"), Just("r#"),
                    Just("#"), Just("."), Just("\\"),
                ],
                0..60,
            )
        ) {
            let _ = parse_schema_rs(&parts.join(" "));
        }

        #[test]
        fn never_panics_on_mutations_of_the_shop(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), 0usize..4, "\\PC{0,3}"), 1..8)
        ) {
            let mut text: Vec<char> = SHOP.chars().collect();
            for (at, kind, s) in edits {
                let i = at.index(text.len() + 1);
                match kind {
                    0 => { text.insert(i.min(text.len()), s.chars().next().unwrap_or('{')); }
                    1 => { if i < text.len() { text.remove(i); } }
                    2 => { let end = (i + 20).min(text.len()); text.drain(i.min(end)..end); }
                    _ => { for (k, c) in s.chars().enumerate() { if i + k < text.len() { text[i + k] = c; } } }
                }
            }
            let text: String = text.into_iter().collect();
            let _ = parse_schema_rs(&text);
            if let Ok(s) = parse_schema_rs(&text) {
                let printed = print_schema_rs(&s);
                prop_assert!(parse_schema_rs(&printed).is_ok(), "{printed}");
            }
        }
    }

    fn sql_name() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => "[a-z][a-z_]{0,10}",
            2 => "[a-z][a-z_]{10,40}",
            1 => Just("type".to_owned()),
            1 => Just("match".to_owned()),
            1 => "[A-Za-z0-9 é-]{1,12}",
        ]
    }

    fn model_type() -> impl Strategy<Value = Type> {
        prop_oneof![
            Just(Type::Integer),
            Just(Type::BigInt),
            Just(Type::Text),
            Just(Type::Boolean),
            Just(Type::TimestampTz),
            Just(Type::Uuid),
            Just(NUMERIC_WITHOUT_PRECISION),
            (1u32..500).prop_map(Type::Varchar),
            "[a-z][a-z_]{0,70}".prop_map(|n| Type::Enum(EnumType::new(n, Vec::<String>::new()))),
        ]
    }

    /// Random schemas: awkward names, every kind of key, custom types, foreign keys.
    fn schema() -> impl Strategy<Value = Schema> {
        proptest::collection::vec(
            (
                sql_name(),
                proptest::collection::vec((sql_name(), model_type(), any::<bool>()), 1..6),
                0usize..3,
                proptest::option::weighted(0.3, "[ -~]{0,40}"),
            ),
            1..14,
        )
        .prop_flat_map(|tables| {
            let n = tables.len();
            (
                Just(tables),
                proptest::collection::vec((0..n, 0..n, 0usize..6), 0..8),
            )
        })
        .prop_map(|(tables, fks)| {
            let mut schema = Schema::new();
            for (name, cols, pk, comment) in tables {
                if schema.tables.contains_key(&name) {
                    continue;
                }
                let mut t = Table::new(name.clone());
                for (c, ty, nullable) in cols {
                    if t.get_column(&c).is_some() {
                        continue;
                    }
                    if let Type::Enum(e) = &ty {
                        schema.enums.insert(e.name.clone(), e.clone());
                    }
                    let mut col = Column::new(c, ty);
                    col.nullable = nullable;
                    t.columns.push(col);
                }
                let keys: Vec<String> = t.columns.iter().take(pk).map(|c| c.name.clone()).collect();
                for c in &mut t.columns {
                    if keys.contains(&c.name) {
                        c.nullable = false;
                    }
                }
                if !keys.is_empty() {
                    t = t.primary_key(keys);
                }
                t.comment = comment;
                schema.tables.insert(name, t);
            }
            let names: Vec<String> = schema.tables.keys().cloned().collect();
            for (child, parent, col) in fks {
                let (child, parent) = (&names[child % names.len()], &names[parent % names.len()]);
                let Some(pk) = schema.tables[parent].primary_key.clone() else {
                    continue;
                };
                let t = &schema.tables[child];
                let c = t.columns[col % t.columns.len()].name.clone();
                let fk = ForeignKey::new([c], parent.clone(), pk.columns.iter().take(1).cloned());
                let t = schema.tables.remove(child).unwrap().foreign_key(fk);
                schema.tables.insert(child.clone(), t);
            }
            schema
        })
    }

    /// `rustfmt --check` on `text`: `None` when rustfmt is not installed.
    fn rustfmt_clean(text: &str) -> Option<bool> {
        let dir = tempfile::tempdir().ok()?;
        let file = dir.path().join("schema.rs");
        std::fs::write(&file, text).ok()?;
        let out = std::process::Command::new("rustfmt")
            .args(["--check", "--edition", "2021"])
            .arg(&file)
            .output()
            .ok()?;
        if !out.status.success() {
            eprintln!("{}", String::from_utf8_lossy(&out.stdout));
        }
        Some(out.status.success())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn printed_schemas_read_back_and_are_rustfmt_clean(schema in schema()) {
            let printed = print_schema_rs(&schema);
            let again = parse_schema_rs(&printed).map_err(|e| TestCaseError::fail(format!("{e}\n{printed}")))?;
            prop_assert_eq!(diesel_differences(&again, &schema), vec![], "{}", printed);
            // Tables without a primary key are left out, and doc comments are not read.
            let mut keyed = schema.clone();
            keyed.tables.retain(|_, t| t.primary_key.is_some());
            for t in keyed.tables.values_mut() {
                t.comment = None;
            }
            prop_assert_eq!(print_schema_rs(&again), print_schema_rs(&keyed));
            if let Some(clean) = rustfmt_clean(&printed) {
                prop_assert!(clean, "rustfmt would change:\n{}", printed);
            }
        }
    }
}
