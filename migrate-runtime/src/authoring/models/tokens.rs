//! The tokens of a `schema.rs`, grouped by brackets, and a cursor over one level of them.

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use super::{compare::*, items::*, print::*, types::*};

// ---------------------------------------------------------------------------------------
// Tokens with their lines, grouped by brackets, from the one lexer
// (`migrate_core::lex`). Comments (doc comments included) are dropped.
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
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
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) line: u32,
}

impl From<lex::LexError> for ModelsError {
    fn from(e: lex::LexError) -> Self {
        ModelsError {
            line: e.line,
            message: e.kind.to_string(),
        }
    }
}

pub(super) fn lex(text: &str) -> Result<Vec<Token>, ModelsError> {
    lex::nest(text, MAX_DEPTH, leaf, |open, line, inner| Token {
        tok: Tok::Group(open, inner),
        line,
    })
}

/// A token other than a bracket.
pub(super) fn leaf(t: lex::Token<'_>) -> Result<Token, ModelsError> {
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

pub(super) struct Cursor<'a> {
    pub(super) toks: &'a [Token],
    pub(super) pos: usize,
    /// The line to report at the end of the tokens (the group's opening line).
    pub(super) end_line: u32,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(toks: &'a [Token], end_line: u32) -> Self {
        Cursor {
            toks,
            pos: 0,
            end_line,
        }
    }

    pub(super) fn peek(&self) -> Option<&'a Token> {
        self.toks.get(self.pos)
    }

    pub(super) fn peek_at(&self, ahead: usize) -> Option<&'a Token> {
        self.toks.get(self.pos + ahead)
    }

    pub(super) fn next(&mut self) -> Option<&'a Token> {
        let t = self.toks.get(self.pos)?;
        self.pos += 1;
        Some(t)
    }

    pub(super) fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    pub(super) fn line(&self) -> u32 {
        self.peek().map_or(self.end_line, |t| t.line)
    }

    pub(super) fn is_punct(&self, c: char) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Punct(p), .. }) if *p == c)
    }

    pub(super) fn is_punct_at(&self, ahead: usize, c: char) -> bool {
        matches!(self.peek_at(ahead), Some(Token { tok: Tok::Punct(p), .. }) if *p == c)
    }

    pub(super) fn is_ident(&self, name: &str) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Ident(n, false), .. }) if n == name)
    }

    pub(super) fn eat_punct(&mut self, c: char) -> bool {
        if self.is_punct(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub(super) fn expect_punct(&mut self, c: char, what: &str) -> Result<(), ModelsError> {
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
    pub(super) fn ident(&mut self, what: &str) -> Result<(String, bool, u32), ModelsError> {
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

    pub(super) fn group(&mut self, open: char) -> Option<(&'a [Token], u32)> {
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
    pub(super) fn found(&self) -> String {
        match self.peek() {
            None => "the end of the block".into(),
            Some(t) => describe(&t.tok),
        }
    }

    /// `::` (two `:` puncts).
    pub(super) fn eat_path_sep(&mut self) -> bool {
        if self.is_punct(':') && self.is_punct_at(1, ':') {
            self.pos += 2;
            true
        } else {
            false
        }
    }
}

pub(super) fn describe(tok: &Tok) -> String {
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
pub(super) struct Attr {
    pub(super) name: String,
    pub(super) value: Option<Tok>,
    pub(super) line: u32,
    /// The tokens inside the brackets, for `#[diesel(...)]`.
    pub(super) inner: Vec<Token>,
}

/// Reads the outer attributes at the cursor (doc comments are already gone).
pub(super) fn attributes(c: &mut Cursor<'_>) -> Result<Vec<Attr>, ModelsError> {
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

pub(super) fn take_attr(attrs: &mut Vec<Attr>, name: &str) -> Option<Attr> {
    let i = attrs.iter().position(|a| a.name == name)?;
    Some(attrs.remove(i))
}

/// A `#[sql_name = "..."]` value, with diesel's handling of a leading `r#`.
pub(super) fn sql_name_attr(attrs: &mut Vec<Attr>) -> Result<Option<String>, ModelsError> {
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
