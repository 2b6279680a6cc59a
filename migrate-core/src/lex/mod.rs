//! The one lexer for Rust source text read at run time (and by `embed_migrations!`).
//!
//! [`lex`] turns a file's text into flat tokens that borrow from it (no copy of the text,
//! no allocation per token): comments are skipped, string literals (escaped, raw, with a
//! suffix) and character literals are kept whole, so text that merely looks like code
//! inside them is never mistaken for code. [`match_delimiters`] pairs the brackets,
//! [`unescape`] decodes a string literal's escapes. Two readers sit on it: the migration
//! folder scanner ([`crate::scan`]) and the runtime's reader of diesel `schema.rs` files.
//!
//! It is not a full Rust lexer: it knows what those readers need (identifiers, string
//! literals, brackets, punctuation one character at a time) and treats every other literal
//! as an opaque token.
//!
//! ```
//! use migrate_core::lex::{lex, TokenKind};
//!
//! let tokens = lex("a /* b */ \"c\\\"\" r#\"d\"# // e").unwrap();
//! let texts: Vec<&str> = tokens.iter().map(|t| t.text).collect();
//! assert_eq!(texts, ["a", "\"c\\\"\"", "r#\"d\"#"]);
//! assert_eq!(tokens[2].kind, TokenKind::Str { body: "d", raw: true });
//! ```

use std::fmt;

mod delimiters;
mod literal;

pub use delimiters::{match_delimiters, nest};
pub use literal::{plain_char, raw_string_literal, string_literal, unescape, EscapeError};

/// What a [`Token`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind<'a> {
    /// An identifier or keyword; `raw` for `r#name` (whose text keeps the `r#`).
    Ident {
        /// Whether it is written `r#name`.
        raw: bool,
    },
    /// A string literal: the text between the quotes, still escaped unless `raw`.
    Str {
        /// The text between the quotes.
        body: &'a str,
        /// Whether it is a raw string (`r"..."`, `r#"..."#`).
        raw: bool,
    },
    /// Any other literal, or a lifetime: numbers, characters, byte and C strings.
    Lit,
    /// One punctuation character.
    Punct(char),
    /// `(`, `[` or `{`.
    Open(char),
    /// `)`, `]` or `}`.
    Close(char),
}

/// One token: what it is, its source text and its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    /// What the token is.
    pub kind: TokenKind<'a>,
    /// Its source text (a string literal's quotes, prefix and suffix included).
    pub text: &'a str,
    /// Its 1-based line (the line it starts on).
    pub line: u32,
}

impl<'a> Token<'a> {
    /// An identifier's name, without the `r#` of a raw identifier; `None` for other tokens.
    pub fn ident(&self) -> Option<&'a str> {
        match self.kind {
            TokenKind::Ident { raw: true } => self.text.get(2..),
            TokenKind::Ident { raw: false } => Some(self.text),
            _ => None,
        }
    }

    /// Whether the token is the identifier `name`.
    pub fn is_ident(&self, name: &str) -> bool {
        self.ident() == Some(name)
    }

    /// A string literal's value: escapes decoded (CRLF read as LF, as rustc does);
    /// `None` for other tokens.
    pub fn string_value(&self) -> Option<Result<String, EscapeError>> {
        match self.kind {
            TokenKind::Str { body, raw: true } => Some(Ok(body.replace("\r\n", "\n"))),
            TokenKind::Str { body, raw: false } => Some(unescape(body)),
            _ => None,
        }
    }

    /// How a message names the token: `a string literal`, or its text in backticks (cut
    /// after 30 characters).
    pub fn describe(&self) -> String {
        match self.kind {
            TokenKind::Str { .. } => "a string literal".to_owned(),
            _ => describe_text(self.text),
        }
    }
}

/// `text` in backticks, whitespace shown as spaces, cut after 30 characters.
pub fn describe_text(text: &str) -> String {
    let mut shown: String = text
        .chars()
        .take(30)
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    if text.chars().count() > 30 {
        shown.push_str("...");
    }
    format!("`{shown}`")
}

/// Why a text cannot be lexed, or its brackets do not match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LexErrorKind {
    /// A `/* ... */` comment without its end.
    UnclosedBlockComment,
    /// A `"..."` literal without its closing quote.
    UnclosedString,
    /// A raw string without its closing quote and `#`s.
    UnclosedRawString {
        /// How many `#` close it.
        hashes: usize,
    },
    /// A character literal without its closing quote.
    UnclosedChar,
    /// An opening bracket never closed.
    Unclosed {
        /// The bracket.
        open: char,
    },
    /// A closing bracket that does not match the last one opened.
    Mismatched {
        /// The closing bracket.
        close: char,
        /// The bracket it meets.
        open: char,
        /// The line of that bracket.
        open_line: u32,
    },
    /// A closing bracket with no bracket open.
    Unopened {
        /// The closing bracket.
        close: char,
    },
    /// Brackets nested deeper than the reader follows.
    TooDeep {
        /// The deepest nesting followed.
        max: usize,
    },
}

/// A [`LexErrorKind`] and the line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    /// The 1-based line at fault (where the unclosed thing opens).
    pub line: u32,
    /// What is wrong.
    pub kind: LexErrorKind,
}

/// The closing bracket of `open`.
pub fn closing(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

impl fmt::Display for LexErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LexErrorKind::UnclosedBlockComment => {
                f.write_str("this block comment is never closed: end it with `*/`")
            }
            LexErrorKind::UnclosedString => {
                f.write_str("this string literal is never closed: end it with `\"`")
            }
            LexErrorKind::UnclosedRawString { hashes } => write!(
                f,
                "this raw string literal is never closed: end it with `\"{}`",
                "#".repeat(*hashes)
            ),
            LexErrorKind::UnclosedChar => {
                f.write_str("this character literal is never closed: end it with `'`")
            }
            LexErrorKind::Unclosed { open } => {
                write!(
                    f,
                    "this `{open}` is never closed: add its `{}`",
                    closing(*open)
                )
            }
            LexErrorKind::Mismatched {
                close,
                open,
                open_line,
            } => write!(
                f,
                "`{close}` does not close the `{open}` opened on line {open_line}"
            ),
            LexErrorKind::Unopened { close } => write!(f, "`{close}` closes nothing"),
            LexErrorKind::TooDeep { max } => {
                write!(f, "brackets nested deeper than {max} levels")
            }
        }
    }
}

impl fmt::Display for LexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.kind)
    }
}

impl std::error::Error for LexError {}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// The tokens of a text, one at a time (see [`tokens`]).
pub struct Tokens<'a> {
    src: &'a str,
    bytes: &'a [u8],
    /// The byte offset of the next character.
    i: usize,
    line: u32,
    /// The token the last step read, if it read one (comments and spaces give none).
    pending: Option<Token<'a>>,
}

impl<'a> Tokens<'a> {
    /// The byte `k` bytes ahead (lookahead is only ever compared with ASCII characters,
    /// which no byte of a multi-byte character equals).
    #[inline]
    fn at(&self, k: usize) -> Option<u8> {
        self.bytes.get(self.i + k).copied()
    }

    /// The character at byte offset `i + k`.
    fn char_at(&self, k: usize) -> Option<char> {
        self.src.get(self.i + k..)?.chars().next()
    }

    #[inline]
    fn push(&mut self, kind: TokenKind<'a>, start: usize, line: u32) {
        self.pending = Some(Token {
            kind,
            text: &self.src[start..self.i],
            line,
        });
    }

    /// Advances over one byte, counting lines.
    fn bump(&mut self) {
        if self.bytes.get(self.i) == Some(&b'\n') {
            self.line += 1;
        }
        self.i += 1;
    }

    /// Advances over the identifier characters at the cursor.
    fn ident_chars(&mut self) {
        while let Some(&b) = self.bytes.get(self.i) {
            if b.is_ascii_alphanumeric() || b == b'_' {
                self.i += 1;
            } else if b < 0x80 {
                return;
            } else {
                match self.char_at(0).filter(|c| is_ident_continue(*c)) {
                    Some(c) => self.i += c.len_utf8(),
                    None => return,
                }
            }
        }
    }

    /// Reads what is at the cursor: a token (left in `pending`), a comment or a space.
    #[inline]
    fn step(&mut self) -> Result<(), LexError> {
        if let Some(b) = self.at(0) {
            let start = self.i;
            let line = self.line;
            match b {
                b'\n' => self.bump(),
                b' ' | b'\t' | b'\r' | 0x0b | 0x0c => self.i += 1,
                b'/' if self.at(1) == Some(b'/') => {
                    while self.at(0).is_some_and(|b| b != b'\n') {
                        self.i += 1;
                    }
                }
                b'/' if self.at(1) == Some(b'*') => self.block_comment()?,
                b'"' => {
                    let body = self.quoted()?;
                    self.suffix();
                    self.push(TokenKind::Str { body, raw: false }, start, line);
                }
                b'\'' => self.char_or_lifetime()?,
                b'(' | b'[' | b'{' => {
                    self.i += 1;
                    self.push(TokenKind::Open(char::from(b)), start, line);
                }
                b')' | b']' | b'}' => {
                    self.i += 1;
                    self.push(TokenKind::Close(char::from(b)), start, line);
                }
                _ if b.is_ascii_digit() => {
                    self.number();
                    self.push(TokenKind::Lit, start, line);
                }
                _ if b.is_ascii_alphabetic() || b == b'_' => self.word()?,
                _ if b < 0x80 => {
                    self.i += 1;
                    self.push(TokenKind::Punct(char::from(b)), start, line);
                }
                _ => self.other(start, line)?,
            }
        }
        Ok(())
    }

    /// An identifier, non-ASCII whitespace (a byte-order mark included), or punctuation.
    fn other(&mut self, start: usize, line: u32) -> Result<(), LexError> {
        let c = self.char_at(0).unwrap_or('\u{fffd}');
        if is_ident_start(c) {
            return self.word();
        }
        self.i += c.len_utf8().max(1);
        if !(c.is_whitespace() || c == '\u{feff}') {
            self.push(TokenKind::Punct(c), start, line);
        }
        Ok(())
    }

    fn block_comment(&mut self) -> Result<(), LexError> {
        let line = self.line;
        self.i += 2;
        let mut depth = 1;
        while depth > 0 {
            match (self.at(0), self.at(1)) {
                (None, _) => return Err(self.error(line, LexErrorKind::UnclosedBlockComment)),
                (Some(b'/'), Some(b'*')) => {
                    depth += 1;
                    self.i += 2;
                }
                (Some(b'*'), Some(b'/')) => {
                    depth -= 1;
                    self.i += 2;
                }
                _ => self.bump(),
            }
        }
        Ok(())
    }

    fn error(&self, line: u32, kind: LexErrorKind) -> LexError {
        LexError { line, kind }
    }

    /// An escaped string from its opening quote; returns the text between the quotes.
    fn quoted(&mut self) -> Result<&'a str, LexError> {
        let line = self.line;
        self.i += 1;
        let start = self.i;
        loop {
            match self.at(0) {
                None => return Err(self.error(line, LexErrorKind::UnclosedString)),
                Some(b'\\') => {
                    self.bump();
                    if self.at(0).is_some() {
                        self.bump();
                    }
                }
                Some(b'"') => {
                    let body = &self.src[start..self.i];
                    self.i += 1;
                    return Ok(body);
                }
                Some(_) => self.bump(),
            }
        }
    }

    /// A raw string from its first `#` or quote (the `r` is behind); returns the body.
    fn raw(&mut self) -> Result<&'a str, LexError> {
        let line = self.line;
        let mut hashes = 0;
        while self.at(0) == Some(b'#') {
            hashes += 1;
            self.i += 1;
        }
        self.i += 1; // the opening quote
        let start = self.i;
        loop {
            match self.at(0) {
                None => return Err(self.error(line, LexErrorKind::UnclosedRawString { hashes })),
                Some(b'"') if (1..=hashes).all(|k| self.at(k) == Some(b'#')) => {
                    let body = &self.src[start..self.i];
                    self.i += 1 + hashes;
                    return Ok(body);
                }
                Some(_) => self.bump(),
            }
        }
    }

    /// A literal suffix (`"a"suffix`, `1u8`): kept in the token, ignored.
    fn suffix(&mut self) {
        if self.char_at(0).is_some_and(is_ident_start) {
            self.ident_chars();
        }
    }

    fn number(&mut self) {
        loop {
            match self.at(0) {
                Some(b'.') if self.at(1).is_some_and(|b| b.is_ascii_digit()) => self.i += 1,
                Some(b) if b == b'_' || b.is_ascii_alphanumeric() => self.i += 1,
                Some(b) if b >= 0x80 && self.char_at(0).is_some_and(is_ident_continue) => {
                    self.ident_chars();
                }
                _ => return,
            }
        }
    }

    /// `'x'`, `'\n'`, or a lifetime / label `'a`, or a lone `'`.
    fn char_or_lifetime(&mut self) -> Result<(), LexError> {
        let start = self.i;
        let line = self.line;
        let second = self.src[self.i + 1..].chars().next();
        let after_second = second.map(|c| self.i + 1 + c.len_utf8());
        if second == Some('\\') {
            // An escaped character: skip the escaped one, then find the closing quote.
            self.i += 2;
            if let Some(c) = self.char_at(0) {
                self.i += c.len_utf8();
            }
            let limit = self.i + 40;
            while self.i < limit && self.at(0).is_some_and(|b| b != b'\'' && b != b'\n') {
                self.i += 1;
            }
            if self.at(0) != Some(b'\'') {
                return Err(self.error(line, LexErrorKind::UnclosedChar));
            }
            self.i += 1;
            self.suffix();
            self.push(TokenKind::Lit, start, line);
        } else if second.is_some_and(|c| c != '\n')
            && after_second.and_then(|at| self.bytes.get(at)) == Some(&b'\'')
        {
            self.i = after_second.unwrap_or(self.i) + 1;
            self.suffix();
            self.push(TokenKind::Lit, start, line);
        } else if second.is_some_and(is_ident_start) {
            self.i += 1;
            self.ident_chars();
            self.push(TokenKind::Lit, start, line);
        } else {
            self.i += 1;
            self.push(TokenKind::Punct('\''), start, line);
        }
        Ok(())
    }

    /// An identifier, or a literal it prefixes (`r"..."`, `b"..."`, `br#"..."#`, `b'x'`).
    fn word(&mut self) -> Result<(), LexError> {
        let start = self.i;
        let line = self.line;
        self.ident_chars();
        let word = &self.src[start..self.i];
        let raw_string_follows = || {
            let mut k = 0;
            while self.at(k) == Some(b'#') {
                k += 1;
            }
            self.at(k) == Some(b'"')
        };
        match word {
            "r" | "br" | "cr" if raw_string_follows() => {
                let body = self.raw()?;
                self.suffix();
                let kind = if word == "r" {
                    TokenKind::Str { body, raw: true }
                } else {
                    TokenKind::Lit
                };
                self.push(kind, start, line);
            }
            "r" if self.at(0) == Some(b'#') && self.char_at(1).is_some_and(is_ident_start) => {
                self.i += 1;
                self.ident_chars();
                self.push(TokenKind::Ident { raw: true }, start, line);
            }
            "b" | "c" if self.at(0) == Some(b'"') => {
                self.quoted()?;
                self.suffix();
                self.push(TokenKind::Lit, start, line);
            }
            "b" if self.at(0) == Some(b'\'') => {
                self.char_or_lifetime()?;
                // Widen the character literal just pushed over its prefix.
                if let Some(last) = self.pending.as_mut() {
                    last.text = &self.src[start..self.i];
                    last.line = line;
                }
            }
            _ => self.push(TokenKind::Ident { raw: false }, start, line),
        }
        Ok(())
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Result<Token<'a>, LexError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(token) = self.pending.take() {
                return Some(Ok(token));
            }
            // Spaces and newlines, the most common bytes, in a tight loop.
            while let Some(&b) = self.bytes.get(self.i) {
                match b {
                    b'\n' => self.line += 1,
                    b' ' | b'\t' | b'\r' => {}
                    _ => break,
                }
                self.i += 1;
            }
            if self.i >= self.bytes.len() {
                return None;
            }
            if let Err(e) = self.step() {
                self.i = self.bytes.len();
                return Some(Err(e));
            }
        }
    }
}

/// The tokens of a Rust source text one at a time, comments skipped: what [`lex`]
/// collects, for a reader that builds its own structure as it goes.
///
/// A byte-order mark is skipped, and so is a shebang line (`#!` not followed by `[`).
pub fn tokens(text: &str) -> Tokens<'_> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut i = text.len() - body.len();
    // A shebang line (`#!` not followed by `[`) is not Rust: skip it, keeping the newline.
    if body.starts_with("#!") && !body[2..].trim_start().starts_with('[') {
        i += body.find('\n').unwrap_or(body.len());
    }
    Tokens {
        src: text,
        bytes: text.as_bytes(),
        i,
        line: 1,
        pending: None,
    }
}

/// The tokens of a Rust source text, comments skipped (see [`tokens`]).
///
/// Errors: a block comment, string, raw string or character literal that is never closed,
/// at the line where it opens. Brackets are not checked here: see [`match_delimiters`]
/// and [`nest`].
pub fn lex(text: &str) -> Result<Vec<Token<'_>>, LexError> {
    tokens(text).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<String> {
        lex(text)
            .unwrap()
            .into_iter()
            .map(|t| match t.kind {
                TokenKind::Str { body, raw } => format!("str({body},{raw})"),
                TokenKind::Ident { .. } => format!("id({})", t.text),
                TokenKind::Lit => format!("lit({})", t.text),
                TokenKind::Punct(c) => format!("p({c})"),
                TokenKind::Open(c) | TokenKind::Close(c) => format!("{c}"),
            })
            .collect()
    }

    #[test]
    fn lexes_literals_and_skips_comments() {
        assert_eq!(
            kinds(
                r##"a /* x /* y */ "z" */ "q\"" r#"r"# b"b" 'c' '\'' 'a b'x' 1.5e3 r#type // end"##
            ),
            [
                "id(a)",
                "str(q\\\",false)",
                "str(r,true)",
                "lit(b\"b\")",
                "lit('c')",
                "lit('\\'')",
                "lit('a)",
                "lit(b'x')",
                "lit(1.5e3)",
                "id(r#type)"
            ]
        );
    }

    #[test]
    fn non_ascii_text() {
        assert_eq!(
            kinds("é 'é' \u{feff}x \"ü\" 'ü"),
            ["id(é)", "lit('é')", "id(x)", "str(ü,false)", "lit('ü)"]
        );
        assert_eq!(kinds("a → b"), ["id(a)", "p(→)", "id(b)"]);
    }

    #[test]
    fn counts_lines_across_tokens() {
        let tokens = lex("a\n/* \n */ \"x\ny\"\nb").unwrap();
        let lines: Vec<u32> = tokens.iter().map(|t| t.line).collect();
        assert_eq!(lines, [1, 3, 5]);
    }

    #[test]
    fn lex_errors_name_the_opening_line() {
        let e = lex("a\n/* open").unwrap_err();
        assert_eq!(e.line, 2);
        assert_eq!(
            e.kind.to_string(),
            "this block comment is never closed: end it with `*/`"
        );
        assert_eq!(lex("\n\n\"abc").unwrap_err().line, 3);
        assert!(lex("r##\"abc\"#")
            .unwrap_err()
            .to_string()
            .contains("`\"##`"));
    }

    #[test]
    fn shebang_and_bom() {
        assert_eq!(kinds("\u{feff}#!/bin/x y\nz"), ["id(z)"]);
        assert_eq!(kinds("#![a]")[0], "p(#)");
    }

    #[test]
    fn delimiters() {
        let tokens = lex("( [ ] { } )").unwrap();
        assert_eq!(match_delimiters(&tokens, 64).unwrap(), [5, 2, 1, 4, 3, 0]);
        let e = match_delimiters(&lex("(\n]").unwrap(), 64).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 2: `]` does not close the `(` opened on line 1"
        );
        let e = match_delimiters(&lex("{").unwrap(), 64).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 1: this `{` is never closed: add its `}`"
        );
        let e = match_delimiters(&lex("((((").unwrap(), 2).unwrap_err();
        assert_eq!(e.kind, LexErrorKind::TooDeep { max: 2 });
    }

    #[test]
    fn unescapes() {
        assert_eq!(
            unescape(r#"a\n\t\\\"\'\x41\u{e9}\u{1_F600}\0"#).unwrap(),
            "a\n\t\\\"'A\u{e9}\u{1F600}\0"
        );
        assert_eq!(unescape("a\\\n   b").unwrap(), "ab");
        assert!(unescape(r"\q").is_err());
        assert!(unescape(r"\x80").is_err());
        assert!(unescape(r"\u{110000}").is_err());
        assert!(unescape(r"\u{}").is_err());
        assert!(unescape(r"\u41").is_err());
    }
}
