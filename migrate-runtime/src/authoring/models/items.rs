//! The items of a `schema.rs`: `table!` and `joinable!` blocks, `use` lines, the
//! `sql_types` module, attributes and types as written.

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use super::{compare::*, print::*, tokens::*, types::*};

/// A type as written in a column definition: its last path segment and generic arguments.
pub(super) struct RawType {
    pub(super) name: String,
    pub(super) args: Vec<RawType>,
    pub(super) line: u32,
}

pub(super) fn raw_type(c: &mut Cursor<'_>, depth: usize) -> Result<RawType, ModelsError> {
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

pub(super) struct RawColumn {
    pub(super) line: u32,
    pub(super) rust_name: String,
    pub(super) sql_name: String,
    pub(super) ty: RawType,
    pub(super) max_length: Option<(u32, u32)>,
}

pub(super) struct RawTable {
    pub(super) line: u32,
    pub(super) rust_name: String,
    pub(super) sql_name: String,
    pub(super) primary_key: Option<Vec<(String, u32)>>,
    pub(super) columns: Vec<RawColumn>,
    /// Type names imported by `use` lines that are not diesel's.
    pub(super) custom_imports: BTreeSet<String>,
    /// A glob import of something other than `diesel::sql_types`.
    pub(super) custom_glob: bool,
}

pub(super) struct Joinable {
    pub(super) line: u32,
    pub(super) child: String,
    pub(super) parent: String,
    pub(super) column: String,
}

#[derive(Default)]
pub(super) struct RawFile {
    pub(super) tables: Vec<RawTable>,
    pub(super) joinables: Vec<Joinable>,
    /// Custom SQL types of the `sql_types` module: type name -> SQL name.
    pub(super) sql_types: BTreeMap<String, String>,
}

/// A `use` line inside a `table!` block: records the names it imports.
pub(super) fn use_line(c: &mut Cursor<'_>, t: &mut RawTable) -> Result<(), ModelsError> {
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

pub(super) fn use_tree(
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
pub(super) fn table_block(toks: &[Token], line: u32) -> Result<RawTable, ModelsError> {
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

pub(super) fn joinable_block(toks: &[Token], line: u32) -> Result<Joinable, ModelsError> {
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
pub(super) fn sql_types_module(
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
pub(super) fn postgres_type_name(attr: &[Token]) -> Option<String> {
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
pub(super) fn skip_item(c: &mut Cursor<'_>) {
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
pub(super) fn macro_call<'a>(c: &mut Cursor<'a>) -> Option<(String, &'a [Token], u32)> {
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

pub(super) fn read_file(text: &str) -> Result<RawFile, ModelsError> {
    let toks = lex(text)?;
    let mut file = RawFile::default();
    read_items(&toks, 1, &mut file)?;
    Ok(file)
}

/// Reads the items of a file or of an inline module (`mod schema { ... }`).
pub(super) fn read_items(toks: &[Token], line: u32, file: &mut RawFile) -> Result<(), ModelsError> {
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
