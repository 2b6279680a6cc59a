//! A migration folder read as text: revisions straight from the files, without compiling
//! them, and the text of new migration files.
//!
//! The CLI's `revision`, `merge` and history commands must work when the migration set
//! compiled into the binary is stale (a file was just added) or does not build at all. So
//! they read the `versions/` folder itself: [`scan_dir`] lists the same files
//! `embed_migrations!` embeds, and [`parse_migration_source`] reads the `#[migration(...)]`
//! attribute of one file with a small Rust lexer (comments, strings, raw strings and
//! character literals are skipped, so text that merely looks like an attribute is never
//! mistaken for one). The attribute's arguments are checked with the rules of the macro
//! and its messages, so a file this module accepts is one the macro accepts, as far as the
//! attribute goes (the item under it is the compiler's to check).
//!
//! Writing a migration: [`new_revision_id`] makes a fresh id, [`file_name`] and
//! [`today_utc`] name the file, [`render_migration`] writes its text.
//!
//! Where the scan and the macro differ, on purpose:
//!
//! - the scan stops at the first problem (the macro reports all of them in one build);
//! - it does not check the item under the attribute, nor the syntax of the file beyond
//!   strings, comments and brackets: a file rustc will refuse can still give its revision;
//! - a folder without any `.rs` file is an empty history (the macro refuses to embed it,
//!   but that is where the first migration gets written);
//! - [`Revision::line`] is the line of the attribute, as in the runtime's `Migration`
//!   (the macro's graph errors point at the `revision = "..."` literal instead).
//!
//! ```
//! use migrate_core::scan::{self, NewMigration};
//!
//! let text = scan::render_migration(&NewMigration {
//!     id: "3f9a1c2b7d10".into(),
//!     parents: vec!["1a2b3c4d5e6f".into()],
//!     message: "add is_physical to items".into(),
//!     ..NewMigration::default()
//! });
//! let rev = scan::parse_migration_source(&text, "versions/x.rs").unwrap().unwrap();
//! assert_eq!(rev.id, "3f9a1c2b7d10");
//! assert_eq!(rev.parents, ["1a2b3c4d5e6f"]);
//! ```

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::BuildHasher;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::graph::Revision;
use crate::id::{self, IdError, DEFAULT_LEN, MAX_LEN, MIN_LEN};

/// The argument names `#[migration(...)]` accepts (the macro's own list).
pub const ARGUMENTS: &[&str] = &[
    "revision",
    "down_revision",
    "message",
    "branch_labels",
    "depends_on",
];

/// What kind of problem a [`ScanError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScanErrorKind {
    /// The migration folder is missing, is not a folder, or cannot be listed.
    Folder,
    /// A file cannot be read (or is not UTF-8).
    Read,
    /// The file is not valid Rust as far as the scanner can tell: an unterminated string
    /// or comment, or unbalanced brackets.
    Syntax,
    /// The `#[migration(...)]` attribute is malformed.
    Attribute,
    /// A file of the folder has no `#[migration]` (the macro refuses such a file).
    NoMigration,
    /// A file has more than one `#[migration]` (the macro refuses such a file).
    SeveralMigrations,
}

/// Why a migration file or folder could not be read.
///
/// Its [`Display`](fmt::Display) is `file:line: what is wrong: how to fix it`, in the
/// words of the `#[migration]` macro when the macro reports the same problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanError {
    /// What kind of problem it is.
    pub kind: ScanErrorKind,
    /// The file at fault, as given to [`parse_migration_source`] or found by [`scan_dir`]
    /// (the folder, for [`ScanErrorKind::Folder`]).
    pub file: String,
    /// The 1-based line at fault, 0 when the whole file is.
    pub line: u32,
    /// What is wrong, without the location.
    pub message: String,
}

impl ScanError {
    fn new(kind: ScanErrorKind, file: &str, line: u32, message: impl Into<String>) -> Self {
        ScanError {
            kind,
            file: file.to_owned(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.kind, self.line) {
            // The message names the folder itself.
            (ScanErrorKind::Folder, _) => f.write_str(&self.message),
            (_, 0) => write!(f, "{}: {}", self.file, self.message),
            (_, line) => write!(f, "{}:{}: {}", self.file, line, self.message),
        }
    }
}

impl std::error::Error for ScanError {}

// ---------------------------------------------------------------------------------------
// Lexing

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// An identifier or keyword (`r#name` for a raw identifier).
    Ident,
    /// A string literal: the text between the quotes, still escaped unless `raw`.
    Str { body: String, raw: bool },
    /// Any other literal, or a lifetime: numbers, characters, byte and C strings.
    Lit,
    /// One punctuation character.
    Punct(char),
    /// `(`, `[` or `{`.
    Open(char),
    /// `)`, `]` or `}`.
    Close(char),
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    /// The source text of the token.
    text: String,
    /// Its 1-based line.
    line: u32,
}

impl Token {
    /// How a message names the token.
    fn describe(&self) -> String {
        match &self.kind {
            Kind::Str { .. } => "a string literal".to_owned(),
            _ => {
                let mut shown: String = self
                    .text
                    .chars()
                    .take(30)
                    .map(|c| if c.is_whitespace() { ' ' } else { c })
                    .collect();
                if self.text.chars().count() > 30 {
                    shown.push_str("...");
                }
                format!("`{shown}`")
            }
        }
    }
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// An error found while lexing: its line and message.
type LexError = (u32, String);

struct Lexer {
    chars: Vec<char>,
    i: usize,
    line: u32,
    tokens: Vec<Token>,
}

impl Lexer {
    fn at(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).copied()
    }

    fn text(&self, start: usize) -> String {
        self.chars[start..self.i].iter().collect()
    }

    fn push(&mut self, kind: Kind, start: usize, line: u32) {
        let text = self.text(start);
        self.tokens.push(Token { kind, text, line });
    }

    /// Advances over one character, counting lines.
    fn bump(&mut self) {
        if self.chars.get(self.i) == Some(&'\n') {
            self.line += 1;
        }
        self.i += 1;
    }

    fn run(mut self) -> Result<Vec<Token>, LexError> {
        while let Some(c) = self.at(0) {
            let start = self.i;
            let line = self.line;
            match c {
                _ if c.is_whitespace() => self.bump(),
                '/' if self.at(1) == Some('/') => {
                    while self.at(0).is_some_and(|c| c != '\n') {
                        self.i += 1;
                    }
                }
                '/' if self.at(1) == Some('*') => self.block_comment()?,
                '"' => {
                    let body = self.quoted()?;
                    self.suffix();
                    self.push(Kind::Str { body, raw: false }, start, line);
                }
                '\'' => self.char_or_lifetime()?,
                _ if is_ident_start(c) => self.word()?,
                _ if c.is_ascii_digit() => {
                    self.number();
                    self.push(Kind::Lit, start, line);
                }
                '(' | '[' | '{' => {
                    self.i += 1;
                    self.push(Kind::Open(c), start, line);
                }
                ')' | ']' | '}' => {
                    self.i += 1;
                    self.push(Kind::Close(c), start, line);
                }
                _ => {
                    self.i += 1;
                    self.push(Kind::Punct(c), start, line);
                }
            }
        }
        Ok(self.tokens)
    }

    fn block_comment(&mut self) -> Result<(), LexError> {
        let line = self.line;
        self.i += 2;
        let mut depth = 1;
        while depth > 0 {
            match (self.at(0), self.at(1)) {
                (None, _) => {
                    return Err((
                        line,
                        "this block comment is never closed: end it with `*/`".to_owned(),
                    ))
                }
                (Some('/'), Some('*')) => {
                    depth += 1;
                    self.i += 2;
                }
                (Some('*'), Some('/')) => {
                    depth -= 1;
                    self.i += 2;
                }
                _ => self.bump(),
            }
        }
        Ok(())
    }

    /// An escaped string from its opening quote; returns the text between the quotes.
    fn quoted(&mut self) -> Result<String, LexError> {
        let line = self.line;
        self.i += 1;
        let start = self.i;
        loop {
            match self.at(0) {
                None => {
                    return Err((
                        line,
                        "this string literal is never closed: end it with `\"`".to_owned(),
                    ))
                }
                Some('\\') => {
                    self.bump();
                    if self.at(0).is_some() {
                        self.bump();
                    }
                }
                Some('"') => {
                    let body = self.text(start);
                    self.i += 1;
                    return Ok(body);
                }
                Some(_) => self.bump(),
            }
        }
    }

    /// A raw string from its first `#` or quote (the `r` is behind); returns the body.
    fn raw(&mut self) -> Result<String, LexError> {
        let line = self.line;
        let mut hashes = 0;
        while self.at(0) == Some('#') {
            hashes += 1;
            self.i += 1;
        }
        self.i += 1; // the opening quote
        let start = self.i;
        loop {
            match self.at(0) {
                None => {
                    return Err((
                        line,
                        format!(
                            "this raw string literal is never closed: end it with `\"{}`",
                            "#".repeat(hashes)
                        ),
                    ))
                }
                Some('"') if (1..=hashes).all(|k| self.at(k) == Some('#')) => {
                    let body = self.text(start);
                    self.i += 1 + hashes;
                    return Ok(body);
                }
                Some(_) => self.bump(),
            }
        }
    }

    /// A literal suffix (`"a"suffix`, `1u8`): kept in the token, ignored.
    fn suffix(&mut self) {
        if self.at(0).is_some_and(is_ident_start) {
            while self.at(0).is_some_and(is_ident_continue) {
                self.i += 1;
            }
        }
    }

    fn number(&mut self) {
        loop {
            match self.at(0) {
                Some(c) if is_ident_continue(c) => self.i += 1,
                Some('.') if self.at(1).is_some_and(|c| c.is_ascii_digit()) => self.i += 1,
                _ => return,
            }
        }
    }

    /// `'x'`, `'\n'`, or a lifetime / label `'a`, or a lone `'`.
    fn char_or_lifetime(&mut self) -> Result<(), LexError> {
        let start = self.i;
        let line = self.line;
        if self.at(1) == Some('\\') {
            // An escaped character: skip the escaped one, then find the closing quote.
            self.i += 3;
            let limit = self.i + 10;
            while self.i < limit && self.at(0).is_some_and(|c| c != '\'' && c != '\n') {
                self.i += 1;
            }
            if self.at(0) != Some('\'') {
                return Err((
                    line,
                    "this character literal is never closed: end it with `'`".to_owned(),
                ));
            }
            self.i += 1;
            self.suffix();
            self.push(Kind::Lit, start, line);
        } else if self.at(1).is_some_and(|c| c != '\n') && self.at(2) == Some('\'') {
            self.i += 3;
            self.suffix();
            self.push(Kind::Lit, start, line);
        } else if self.at(1).is_some_and(is_ident_start) {
            self.i += 1;
            while self.at(0).is_some_and(is_ident_continue) {
                self.i += 1;
            }
            self.push(Kind::Lit, start, line);
        } else {
            self.i += 1;
            self.push(Kind::Punct('\''), start, line);
        }
        Ok(())
    }

    /// An identifier, or a literal it prefixes (`r"..."`, `b"..."`, `br#"..."#`, `b'x'`).
    fn word(&mut self) -> Result<(), LexError> {
        let start = self.i;
        let line = self.line;
        while self.at(0).is_some_and(is_ident_continue) {
            self.i += 1;
        }
        let word = self.text(start);
        let raw_string_follows = || {
            let mut k = 0;
            while self.at(k) == Some('#') {
                k += 1;
            }
            self.at(k) == Some('"')
        };
        match word.as_str() {
            "r" | "br" | "cr" if raw_string_follows() => {
                let body = self.raw()?;
                self.suffix();
                let kind = if word == "r" {
                    Kind::Str { body, raw: true }
                } else {
                    Kind::Lit
                };
                self.push(kind, start, line);
            }
            "r" if self.at(0) == Some('#') && self.at(1).is_some_and(is_ident_start) => {
                self.i += 1;
                while self.at(0).is_some_and(is_ident_continue) {
                    self.i += 1;
                }
                self.push(Kind::Ident, start, line);
            }
            "b" | "c" if self.at(0) == Some('"') => {
                self.quoted()?;
                self.suffix();
                self.push(Kind::Lit, start, line);
            }
            "b" if self.at(0) == Some('\'') => {
                self.char_or_lifetime()?;
                // Merge the prefix into the character literal just pushed.
                if let Some(last) = self.tokens.pop() {
                    self.tokens.push(Token {
                        kind: last.kind,
                        text: format!("b{}", last.text),
                        line,
                    });
                }
            }
            _ => self.push(Kind::Ident, start, line),
        }
        Ok(())
    }
}

fn lex(text: &str) -> Result<Vec<Token>, LexError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut chars: Vec<char> = text.chars().collect();
    // A shebang line (`#!` not followed by `[`) is not Rust: blank it, keeping the newline.
    if text.starts_with("#!") && !text[2..].trim_start().starts_with('[') {
        for c in chars.iter_mut().take_while(|c| **c != '\n') {
            *c = ' ';
        }
    }
    Lexer {
        chars,
        i: 0,
        line: 1,
        tokens: Vec::new(),
    }
    .run()
}

/// For each opening delimiter, the index of its closing one (and the reverse); an error
/// for unbalanced delimiters.
fn match_delimiters(tokens: &[Token]) -> Result<Vec<usize>, LexError> {
    let mut matching = vec![usize::MAX; tokens.len()];
    let mut open: Vec<usize> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        match t.kind {
            Kind::Open(_) => open.push(i),
            Kind::Close(c) => {
                let expected = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                match open.pop() {
                    Some(o) if tokens[o].kind == Kind::Open(expected) => {
                        matching[o] = i;
                        matching[i] = o;
                    }
                    Some(o) => {
                        return Err((
                            t.line,
                            format!(
                                "`{c}` does not close the `{}` opened on line {}",
                                tokens[o].text, tokens[o].line
                            ),
                        ))
                    }
                    None => return Err((t.line, format!("`{c}` closes nothing"))),
                }
            }
            _ => {}
        }
    }
    match open.pop() {
        Some(o) => Err((
            tokens[o].line,
            format!("this `{}` is never closed", tokens[o].text),
        )),
        None => Ok(matching),
    }
}

/// Decodes the escapes of a (non-raw) string literal's body.
fn unescape(body: &str) -> Result<String, String> {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() == Some(&'\n') {
            continue; // CRLF is read as LF, as rustc does
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            return Err("a string literal ends with a lone `\\`".to_owned());
        };
        match e {
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            '\\' => out.push('\\'),
            '0' => out.push('\0'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            'x' => {
                let hex: String = chars.by_ref().take(2).collect();
                match u8::from_str_radix(&hex, 16) {
                    Ok(b) if hex.len() == 2 && b <= 0x7f => out.push(char::from(b)),
                    _ => {
                        return Err(format!(
                            "`\\x{hex}` is not a valid escape: use `\\x00` to `\\x7f`"
                        ))
                    }
                }
            }
            'u' => {
                let mut hex = String::new();
                let closed = chars.next() == Some('{') && {
                    let mut closed = false;
                    for c in chars.by_ref() {
                        if c == '}' {
                            closed = true;
                            break;
                        }
                        if c != '_' {
                            hex.push(c);
                        }
                        if hex.len() > 6 {
                            break;
                        }
                    }
                    closed
                };
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) if closed && (1..=6).contains(&hex.len()) => out.push(ch),
                    _ => {
                        return Err(
                            "a `\\u` escape is written `\\u{...}` with 1 to 6 hex digits of a valid character"
                                .to_owned(),
                        )
                    }
                }
            }
            '\n' | '\r' => {
                while chars
                    .peek()
                    .is_some_and(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
                {
                    chars.next();
                }
            }
            other => {
                return Err(format!(
                    "`\\{}` is not a valid escape in a string literal",
                    other.escape_debug()
                ))
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// The attribute

/// A `#[migration]` attribute found at the top level of a file.
struct Attr {
    /// The line of its `#`.
    line: u32,
    /// The argument tokens, as a range of token indices (empty for `#[migration]`).
    args: std::ops::Range<usize>,
}

/// Every top-level `#[...migration...]` attribute, as the macro finds them: an outer
/// attribute of a top-level item whose path ends in `migration`.
fn find_attributes(
    tokens: &[Token],
    matching: &[usize],
    file: &str,
) -> Result<Vec<Attr>, ScanError> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let is_attr = tokens[i].kind == Kind::Punct('#')
            && tokens.get(i + 1).is_some_and(|t| t.kind == Kind::Open('['));
        if !is_attr {
            // Skip whole groups: only the top level counts.
            i = match tokens[i].kind {
                Kind::Open(_) => matching[i] + 1,
                _ => i + 1,
            };
            continue;
        }
        let close = matching[i + 1];
        let line = tokens[i].line;
        let is_colons = |j: usize| {
            j + 1 < close
                && tokens[j].kind == Kind::Punct(':')
                && tokens[j + 1].kind == Kind::Punct(':')
        };
        // The attribute's path: `::`? ident (`::` ident)*.
        let mut j = i + 2;
        if is_colons(j) {
            j += 2;
        }
        let mut last = None;
        while j < close && tokens[j].kind == Kind::Ident {
            last = Some(tokens[j].text.as_str());
            j += 1;
            if is_colons(j) {
                j += 2;
            } else {
                break;
            }
        }
        if last == Some("migration") {
            let args = if j == close {
                j..j // `#[migration]`: no arguments, so `revision` is missing
            } else {
                match tokens[j].kind {
                    Kind::Open(_) => {
                        let end = matching[j];
                        if end + 1 != close {
                            return Err(ScanError::new(
                                ScanErrorKind::Attribute,
                                file,
                                tokens[end + 1].line,
                                format!(
                                    "unexpected {} after the arguments of #[migration(...)]: remove it",
                                    tokens[end + 1].describe()
                                ),
                            ));
                        }
                        j + 1..end
                    }
                    _ => {
                        return Err(ScanError::new(
                            ScanErrorKind::Attribute,
                            file,
                            tokens[j].line,
                            format!(
                                "unexpected {} after `migration`: the arguments go in parentheses, #[migration(revision = \"...\")]",
                                tokens[j].describe()
                            ),
                        ))
                    }
                }
            };
            found.push(Attr { line, args });
        }
        i = close + 1;
    }
    Ok(found)
}

/// A string literal's value and line.
struct Lit {
    value: String,
    line: u32,
}

enum Value {
    One(Lit),
    List(Vec<Lit>),
}

/// A fresh-looking 12-digit id derived from `seed` (FNV-1a): the macro's suggestion, so
/// that both give the same id in the same message.
fn suggested_id(seed: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{:012x}", hash & 0xffff_ffff_ffff)
}

/// The macro's message for a malformed id given to `what`.
fn id_error(what: &str, value: &str, error: &IdError) -> String {
    let fresh = || suggested_id(value);
    let reason = match error {
        IdError::Empty => {
            return format!(
                "{what} id is empty: use {DEFAULT_LEN} lowercase hex digits, e.g. \"{}\"",
                fresh()
            );
        }
        IdError::TooShort { len } => format!("is too short ({len} characters, at least {MIN_LEN})"),
        IdError::TooLong { len } => format!("is too long ({len} characters, at most {MAX_LEN})"),
        IdError::Uppercase { lowercase } => {
            return format!("{what} id `{value}` must be lowercase: write \"{lowercase}\"")
        }
        IdError::NotHex { ch, index } => format!(
            "has {ch:?} at position {}, only hex digits 0-9 and a-f are allowed",
            index + 1
        ),
    };
    let cleaned: String = value
        .chars()
        .filter(char::is_ascii_hexdigit)
        .collect::<String>()
        .to_ascii_lowercase();
    let fix = if cleaned != value && id::is_valid(&cleaned) {
        format!("write \"{cleaned}\"")
    } else if what == "revision" {
        format!("write \"{}\" (a fresh id)", fresh())
    } else {
        "copy the `revision` of the migration it names".to_owned()
    };
    format!("{what} id `{value}` {reason}: {fix}")
}

/// The macro's rule for branch labels: letters, digits, `_` and `-`.
fn check_label(label: &str) -> Result<(), String> {
    if label.is_empty() {
        return Err("branch label is empty: use a short name such as \"shop\"".to_owned());
    }
    if let Some(c) = label
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(format!(
            "branch label `{label}` has {c:?}: use letters, digits, `_` and `-` only"
        ));
    }
    Ok(())
}

/// Reads the arguments of the attribute into a revision, stopping at the first mistake
/// (the macro reports them all; the first one is the one it reports first).
fn parse_args(
    tokens: &[Token],
    matching: &[usize],
    attr: &Attr,
    file: &str,
) -> Result<Revision, ScanError> {
    let fail = |line: u32, message: String| {
        Err(ScanError::new(
            ScanErrorKind::Attribute,
            file,
            line,
            message,
        ))
    };
    let string = |t: &Token| -> Result<Lit, ScanError> {
        let Kind::Str { body, raw } = &t.kind else {
            unreachable!("only called on string literals")
        };
        let value = if *raw {
            body.replace("\r\n", "\n")
        } else {
            unescape(body)
                .map_err(|why| ScanError::new(ScanErrorKind::Attribute, file, t.line, why))?
        };
        Ok(Lit {
            value,
            line: t.line,
        })
    };

    let mut rev = Revision::new("").at(file, attr.line);
    let mut seen: Vec<String> = Vec::new();
    let mut revision_given = false;
    let mut first_parent: Option<String> = None;
    let mut message: Option<String> = None;
    let end = attr.args.end;
    let mut i = attr.args.start;
    while i < end {
        let name = &tokens[i];
        if name.kind != Kind::Ident {
            return fail(
                name.line,
                format!(
                    "expected an argument name such as `revision`, found {}",
                    name.describe()
                ),
            );
        }
        let key = name.text.as_str();
        i += 1;
        if !(i < end && tokens[i].kind == Kind::Punct('=')) {
            let fix = if ARGUMENTS.contains(&key) {
                format!("{key} = \"...\"")
            } else {
                "name = \"value\"".to_owned()
            };
            return fail(
                name.line,
                format!("expected `=` after `{key}`: arguments are written {fix}"),
            );
        }
        i += 1;

        // The value: a string, or a bracketed list of strings.
        let value = match tokens.get(i).filter(|_| i < end) {
            Some(t) if matches!(t.kind, Kind::Str { .. }) => {
                i += 1;
                Value::One(string(t)?)
            }
            Some(t) if t.kind == Kind::Open('[') => {
                let close = matching[i];
                let mut list = Vec::new();
                let mut j = i + 1;
                while j < close {
                    let item = &tokens[j];
                    if !matches!(item.kind, Kind::Str { .. }) {
                        return fail(
                            item.line,
                            format!(
                                "expected a string literal in the `{key}` list: write [\"...\", \"...\"]"
                            ),
                        );
                    }
                    list.push(string(item)?);
                    j += 1;
                    if j < close {
                        if tokens[j].kind != Kind::Punct(',') {
                            return fail(
                                tokens[j].line,
                                format!(
                                    "expected `,` between the items of the `{key}` list, found {}",
                                    tokens[j].describe()
                                ),
                            );
                        }
                        j += 1;
                    }
                }
                i = close + 1;
                Value::List(list)
            }
            Some(t) if key == "down_revision" && t.kind == Kind::Ident && t.text == "None" => {
                return fail(
                    t.line,
                    "`down_revision = None` is written by leaving it out: a migration without \
                     down_revision is the root"
                        .to_owned(),
                );
            }
            other => {
                let example = match key {
                    "down_revision" | "depends_on" | "branch_labels" => {
                        format!("{key} = \"...\" or {key} = [\"...\", \"...\"]")
                    }
                    _ => format!("{key} = \"...\""),
                };
                return fail(
                    other.map_or(name.line, |t| t.line),
                    format!("expected a string literal: write {example}"),
                );
            }
        };
        if i < end {
            if tokens[i].kind != Kind::Punct(',') {
                return fail(
                    tokens[i].line,
                    format!(
                        "expected `,` after the value of `{key}`, found {}",
                        tokens[i].describe()
                    ),
                );
            }
            i += 1;
        }

        if !ARGUMENTS.contains(&key) {
            let hint = match crate::similar::closest(key, ARGUMENTS.iter().copied()) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!("expected one of {}", ARGUMENTS.join(", ")),
            };
            return fail(name.line, format!("unknown argument `{key}`: {hint}"));
        }
        if seen.iter().any(|s| s == key) {
            return fail(
                name.line,
                format!("duplicate argument `{key}`: give it once, remove this one"),
            );
        }
        seen.push(key.to_owned());
        let list = |value: Value| match value {
            Value::One(lit) => vec![lit],
            Value::List(list) => list,
        };
        match key {
            "revision" => {
                revision_given = true;
                match value {
                    Value::One(lit) => {
                        if let Err(e) = id::validate(&lit.value) {
                            return fail(lit.line, id_error("revision", &lit.value, &e));
                        }
                        rev.id = lit.value;
                    }
                    Value::List(list) => return fail(
                        list.first().map_or(name.line, |l| l.line),
                        "`revision` takes one id, not a list: write revision = \"3f9a1c2b7d10\""
                            .to_owned(),
                    ),
                }
            }
            "down_revision" | "depends_on" => {
                let lits = list(value);
                let mut ids = Vec::new();
                for (k, lit) in lits.iter().enumerate() {
                    if lits[..k].iter().any(|l| l.value == lit.value) {
                        return fail(
                            lit.line,
                            format!("{key} lists `{}` twice: remove this one", lit.value),
                        );
                    }
                    if let Err(e) = id::validate(&lit.value) {
                        return fail(lit.line, id_error(key, &lit.value, &e));
                    }
                    ids.push(lit.value.clone());
                }
                if key == "down_revision" {
                    first_parent = ids.first().cloned();
                    rev.parents = ids;
                } else {
                    rev.depends_on = ids;
                }
            }
            "message" => match value {
                Value::One(lit) => message = Some(lit.value),
                Value::List(list) => {
                    return fail(
                        list.first().map_or(name.line, |l| l.line),
                        "`message` takes one string, not a list: write message = \"add items\""
                            .to_owned(),
                    )
                }
            },
            "branch_labels" => {
                let lits = list(value);
                for (k, lit) in lits.iter().enumerate() {
                    if lits[..k].iter().any(|l| l.value == lit.value) {
                        return fail(
                            lit.line,
                            format!(
                                "branch label `{}` is listed twice: remove this one",
                                lit.value
                            ),
                        );
                    }
                    if let Err(why) = check_label(&lit.value) {
                        return fail(lit.line, why);
                    }
                }
                rev.branch_labels = lits.into_iter().map(|l| l.value).collect();
            }
            _ => unreachable!("every known argument is handled"),
        }
    }
    if !revision_given {
        let fresh = suggested_id(&format!(
            "{:?}{:?}",
            first_parent.as_ref(),
            message.as_ref()
        ));
        return fail(
            attr.line,
            format!("missing `revision` argument: add revision = \"{fresh}\" (a fresh id)"),
        );
    }
    rev.message = message.unwrap_or_default();
    Ok(rev)
}

/// Reads the `#[migration(...)]` attribute of one migration file's text.
///
/// The attribute is found as `embed_migrations!` finds it: an outer attribute of a
/// top-level item whose path ends in `migration` (`#[migration(...)]`,
/// `#[migrate_runtime::migration(...)]`); attributes inside modules, functions or macro
/// bodies, and anything in comments or string literals, do not count. Its arguments are
/// string literals (escapes and raw strings `r#"..."#` included) and bracketed lists of
/// them, checked as the macro checks them.
///
/// `file` is how the file is named in the returned [`Revision::file`] and in errors; the
/// revision's `line` is the line of the attribute's `#`.
///
/// Returns `Ok(None)` when the file has no `#[migration]` attribute, and an error when the
/// attribute is malformed (its message is the macro's, with the file and line), when the
/// file has several, or when a string or comment is never closed or a bracket never
/// matched (the scanner cannot tell where the attribute is then).
///
/// ```
/// use migrate_core::scan::parse_migration_source;
///
/// let text = r#"
/// use migrate_runtime::prelude::*;
///
/// // #[migration(revision = "0000")] is only a comment
/// #[migration(
///     revision = "a0b1c2d3e4f5",
///     down_revision = ["5d8e1f0a2b4c", "7e6f5a4b3c2d"],
///     message = "merge \"display_name\" and orders index"
/// )]
/// pub fn upgrade() -> Vec<Op> {
///     vec![]
/// }
/// "#;
/// let rev = parse_migration_source(text, "versions/merge.rs").unwrap().unwrap();
/// assert_eq!(rev.id, "a0b1c2d3e4f5");
/// assert_eq!(rev.parents, ["5d8e1f0a2b4c", "7e6f5a4b3c2d"]);
/// assert_eq!(rev.message, "merge \"display_name\" and orders index");
/// assert_eq!(rev.location(), "versions/merge.rs:5");
///
/// assert_eq!(parse_migration_source("pub fn helper() {}", "x.rs").unwrap(), None);
///
/// let err = parse_migration_source("#[migration(revison = \"aaaa\")]\nfn f() {}", "x.rs")
///     .unwrap_err();
/// assert_eq!(err.to_string(), "x.rs:1: unknown argument `revison`: did you mean `revision`?");
/// ```
pub fn parse_migration_source(text: &str, file: &str) -> Result<Option<Revision>, ScanError> {
    let syntax =
        |(line, message): LexError| ScanError::new(ScanErrorKind::Syntax, file, line, message);
    let tokens = lex(text).map_err(syntax)?;
    let matching = match_delimiters(&tokens).map_err(syntax)?;
    let attrs = find_attributes(&tokens, &matching, file)?;
    match attrs.as_slice() {
        [] => Ok(None),
        [attr] => parse_args(&tokens, &matching, attr, file).map(Some),
        several => Err(ScanError::new(
            ScanErrorKind::SeveralMigrations,
            file,
            several[1].line,
            format!(
                "declares {} migrations (lines {}): keep one #[migration] per file",
                several.len(),
                several
                    .iter()
                    .map(|a| a.line.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

// ---------------------------------------------------------------------------------------
// The folder

/// How a path is shown: as given, with `/` separators.
fn display(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// The migration files of a folder, as `embed_migrations!` lists them: the entries of the
/// folder itself (not its subfolders) that are files (symbolic links followed) with the
/// extension `rs` (exactly, lowercase), sorted by path. Nothing else is skipped: hidden
/// files (`.draft.rs`), `mod.rs` and `lib.rs` are migrations like any other file.
fn migration_files(dir: &Path) -> Result<Vec<PathBuf>, ScanError> {
    let shown = display(dir);
    let folder = |message: String| Err(ScanError::new(ScanErrorKind::Folder, &shown, 0, message));
    if !dir.exists() {
        return folder(format!(
            "migration folder `{shown}` does not exist: create it, or fix the path"
        ));
    }
    if !dir.is_dir() {
        return folder(format!(
            "`{shown}` is not a folder: give the folder that holds the migration files"
        ));
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return folder(format!("cannot read migration folder `{shown}`: {e}")),
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "rs"))
        .collect();
    paths.sort();
    Ok(paths)
}

/// Every migration of a folder, read from the files, in file-name order.
///
/// The files are those `embed_migrations!` embeds: every entry of `dir` itself (not its
/// subfolders) that is a file with the extension `.rs` (symbolic links followed; nothing
/// else is skipped, not even hidden files), in path order. Each revision's
/// [`file`](Revision::file) is `dir` joined with the file name, with `/` separators, so a
/// relative `dir` such as `versions` gives the names the macro shows.
///
/// Errors, the first one in file order:
///
/// - the folder is missing, not a folder, or cannot be listed ([`ScanErrorKind::Folder`]);
/// - a file cannot be read or is not UTF-8 ([`ScanErrorKind::Read`]);
/// - a file has no `#[migration]` ([`ScanErrorKind::NoMigration`]): the macro refuses the
///   whole folder then, so the scan does too;
/// - any error of [`parse_migration_source`].
///
/// A folder without any `.rs` file gives an empty list (the macro refuses it, but it is
/// where the first migration gets written).
///
/// ```
/// use migrate_core::scan::scan_dir;
/// use std::path::Path;
///
/// let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/versions");
/// let revisions = scan_dir(&dir).unwrap();
/// assert_eq!(revisions[0].id, "1a2b3c4d5e6f");
/// assert!(revisions[0].parents.is_empty());
/// ```
pub fn scan_dir(dir: &Path) -> Result<Vec<Revision>, ScanError> {
    let folder = display(dir);
    let mut revisions = Vec::new();
    for path in migration_files(dir)? {
        let shown = display(&path);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            ScanError::new(
                ScanErrorKind::Read,
                &shown,
                0,
                format!("cannot read the file: {e}"),
            )
        })?;
        match parse_migration_source(&text, &shown)? {
            Some(rev) => revisions.push(rev),
            None => {
                return Err(ScanError::new(
                    ScanErrorKind::NoMigration,
                    &shown,
                    0,
                    format!(
                        "has no #[migration]: every .rs file in `{folder}` is one migration; \
                         add #[migration(revision = \"{}\", down_revision = \"...\")] to its upgrade \
                         function, or move the file out of the folder",
                        suggested_id(&shown)
                    ),
                ))
            }
        }
    }
    Ok(revisions)
}

// ---------------------------------------------------------------------------------------
// New migrations

/// A fresh revision id: [`DEFAULT_LEN`] (12) lowercase hex digits that are not the id of
/// any `existing` revision, nor a prefix of one, nor have one as a prefix (so every id,
/// and every prefix long enough to tell them apart, keeps naming one revision).
///
/// The digits hash the time, the process id and a per-process counter with the standard
/// library's randomly keyed hasher; no two calls in a process return the same id.
///
/// ```
/// use migrate_core::{id, scan::new_revision_id, Revision};
///
/// let existing = [Revision::new("1a2b3c4d5e6f")];
/// let fresh = new_revision_id(&existing);
/// assert_eq!(fresh.len(), 12);
/// assert!(id::is_valid(&fresh));
/// assert_ne!(fresh, "1a2b3c4d5e6f");
/// ```
pub fn new_revision_id(existing: &[Revision]) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let pid = std::process::id();
    let taken: Vec<String> = existing
        .iter()
        .filter(|r| !r.id.is_empty())
        .map(|r| r.id.to_ascii_lowercase())
        .collect();
    for attempt in 0u32.. {
        let seed = (nanos, pid, COUNTER.fetch_add(1, Ordering::Relaxed));
        let candidate = format!(
            "{:012x}",
            RandomState::new().hash_one(seed) & 0xffff_ffff_ffff
        );
        debug_assert!(id::is_valid(&candidate));
        // Only absurd sets (every short prefix taken) defeat the prefix rule: give it up
        // after many attempts rather than loop forever, keeping ids distinct.
        let clashes = if attempt < 10_000 {
            taken
                .iter()
                .any(|t| t.starts_with(&candidate) || candidate.starts_with(t.as_str()))
        } else {
            taken.contains(&candidate)
        };
        if !clashes {
            return candidate;
        }
    }
    unreachable!("some 48-bit id is free")
}

/// The longest slug [`file_name`] makes from a message.
const SLUG_MAX: usize = 50;

/// The message as a file-name part: lowercase ASCII letters and digits, every other run
/// of characters one `_`, at most [`SLUG_MAX`] characters (cut at a word when one ends
/// late enough), `migration` when nothing is left.
fn slug(message: &str) -> String {
    let mut slug = String::new();
    for c in message.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('_') {
            slug.push('_');
        }
    }
    if slug.len() > SLUG_MAX {
        let cut = &slug[..SLUG_MAX];
        let cut = match cut.rfind('_') {
            // Cutting after a whole word only if it keeps most of the text.
            Some(at) if at >= SLUG_MAX / 2 && slug.as_bytes()[SLUG_MAX] != b'_' => &cut[..at],
            _ => cut,
        };
        slug = cut.to_owned();
    }
    let slug = slug.trim_matches('_');
    if slug.is_empty() {
        "migration".to_owned()
    } else {
        slug.to_owned()
    }
}

/// The file name of a new migration, `<yyyymmdd>_<id>_<slug>.rs`, as the files of the
/// example project are named.
///
/// The slug is the message in lowercase ASCII letters and digits, every other run of
/// characters becoming one `_`, cut to at most 50 characters (at a word boundary when one
/// is close); a message with nothing usable gives `migration`.
///
/// ```
/// use migrate_core::scan::file_name;
///
/// assert_eq!(
///     file_name((2025, 1, 27), "7e6f5a4b3c2d", "Index orders, created_at"),
///     "20250127_7e6f5a4b3c2d_index_orders_created_at.rs"
/// );
/// assert_eq!(file_name((2025, 3, 4), "aaaa0000bbbb", "¿?"), "20250304_aaaa0000bbbb_migration.rs");
/// ```
pub fn file_name(date: (i32, u32, u32), id: &str, message: &str) -> String {
    let (y, m, d) = date;
    format!("{y:04}{m:02}{d:02}_{id}_{}.rs", slug(message))
}

/// The civil (proleptic Gregorian) date of a day count from 1970-01-01.
fn civil_from_days(days: i64) -> (i32, u32, u32) {
    // Howard Hinnant's algorithm: eras of 400 years, years starting in March.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year as i32, month as u32, day as u32)
}

/// Today's date in UTC, `(year, month, day)`, from the system clock.
///
/// ```
/// let (year, month, day) = migrate_core::scan::today_utc();
/// assert!(year >= 2024 && (1..=12).contains(&month) && (1..=31).contains(&day));
/// ```
pub fn today_utc() -> (i32, u32, u32) {
    let secs = match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    };
    civil_from_days(secs.div_euclid(86_400))
}

/// What a new migration file declares (see [`render_migration`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewMigration {
    /// Its revision id (from [`new_revision_id`]).
    pub id: String,
    /// Its parents: none for the first migration, one usually, several for a merge.
    pub parents: Vec<String>,
    /// The human message; may be empty.
    pub message: String,
    /// Branch labels, usually none.
    pub branch_labels: Vec<String>,
    /// Revisions to apply first without being parents, usually none.
    pub depends_on: Vec<String>,
}

/// Characters a comment cannot hold as they are: control characters (a bare CR is an
/// error) and the text-direction ones of rustc's `text_direction_codepoint_in_comment`.
fn unfit_in_comment(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` as a Rust string literal (its `Debug` form is one: `"`, `\` and control characters
/// escaped).
fn literal(s: &str) -> String {
    format!("{s:?}")
}

/// rustfmt's widths (defaults): the whole line, a function-like attribute's arguments, an
/// array literal.
const MAX_WIDTH: usize = 100;
const ATTR_ARGS_WIDTH: usize = 70;
const ARRAY_WIDTH: usize = 60;

/// The text of a new migration file, in the style of the example project's files (and as
/// rustfmt leaves it): a module doc comment with the message, the prelude import, the
/// `#[migration]` attribute and an upgrade function returning no ops yet, with a comment
/// showing how to write one (a merge gets a comment saying a merge usually has none).
///
/// `down_revision` is a string for one parent, a list for several, and left out for none;
/// `message`, `branch_labels` and `depends_on` are left out when empty. The values are
/// written as given: check ids with [`crate::id::validate`] first.
///
/// ```
/// use migrate_core::scan::{render_migration, NewMigration};
///
/// let text = render_migration(&NewMigration {
///     id: "a0b1c2d3e4f5".into(),
///     parents: vec!["5d8e1f0a2b4c".into(), "7e6f5a4b3c2d".into()],
///     message: "merge heads".into(),
///     ..NewMigration::default()
/// });
/// assert!(text.contains(r#"down_revision = ["5d8e1f0a2b4c", "7e6f5a4b3c2d"]"#));
/// assert!(text.contains("pub fn upgrade() -> Vec<Op> {"));
/// ```
pub fn render_migration(new: &NewMigration) -> String {
    let merge = new.parents.len() > 1;
    let mut out = String::new();

    // The module doc comment.
    let message = new.message.replace("\r\n", "\n");
    if message.trim().is_empty() {
        if merge {
            out.push_str(&format!("//! Merges {}.\n", new.parents.join(" and ")));
        } else {
            out.push_str(&format!("//! Revision {}.\n", new.id));
        }
    } else {
        for line in message.trim_end().lines() {
            // A doc comment cannot hold a bare CR, and rustc denies text-direction
            // characters in comments: such characters become spaces.
            let line: String = line
                .chars()
                .map(|c| if unfit_in_comment(c) { ' ' } else { c })
                .collect();
            let line = line.trim_end();
            if line.is_empty() {
                out.push_str("//!\n");
            } else {
                out.push_str(&format!("//! {line}\n"));
            }
        }
    }
    out.push_str("use migrate_runtime::prelude::*;\n\n");

    // The attribute: one line when short, one argument a line otherwise.
    let list = |items: &[String], indent: usize, prefix: usize| -> String {
        let inline = format!(
            "[{}]",
            items
                .iter()
                .map(|s| literal(s))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if inline.len() <= ARRAY_WIDTH && indent + prefix + inline.len() < MAX_WIDTH {
            return inline;
        }
        let pad = " ".repeat(indent + 4);
        let mut s = "[\n".to_owned();
        for item in items {
            s.push_str(&format!("{pad}{},\n", literal(item)));
        }
        s.push_str(&" ".repeat(indent));
        s.push(']');
        s
    };
    let mut args: Vec<(&str, ArgValue)> = vec![("revision", ArgValue::One(&new.id))];
    match new.parents.as_slice() {
        [] => {}
        [one] => args.push(("down_revision", ArgValue::One(one))),
        many => args.push(("down_revision", ArgValue::List(many))),
    }
    if !new.message.is_empty() {
        args.push(("message", ArgValue::One(&new.message)));
    }
    if !new.branch_labels.is_empty() {
        args.push(("branch_labels", ArgValue::List(&new.branch_labels)));
    }
    if !new.depends_on.is_empty() {
        args.push(("depends_on", ArgValue::List(&new.depends_on)));
    }
    let render_arg = |key: &str, value: &ArgValue, indent: usize| match value {
        ArgValue::One(s) => format!("{key} = {}", literal(s)),
        ArgValue::List(items) => format!("{key} = {}", list(items, indent, key.len() + 3)),
    };
    let one_line: Vec<String> = args.iter().map(|(k, v)| render_arg(k, v, 0)).collect();
    let one_line = one_line.join(", ");
    if !one_line.contains('\n')
        && one_line.len() <= ATTR_ARGS_WIDTH
        && "#[migration()]".len() + one_line.len() <= MAX_WIDTH
    {
        out.push_str(&format!("#[migration({one_line})]\n"));
    } else {
        out.push_str("#[migration(\n");
        let lines: Vec<String> = args
            .iter()
            .map(|(k, v)| format!("    {}", render_arg(k, v, 4)))
            .collect();
        out.push_str(&lines.join(",\n"));
        out.push_str("\n)]\n");
    }

    out.push_str("pub fn upgrade() -> Vec<Op> {\n");
    if merge {
        out.push_str(
            "    // A merge only joins branches of the revision graph: it usually has no ops.\n",
        );
    } else {
        out.push_str(
            "    // The changes of this revision, in order; the downgrade is derived from them.\n\
             \x20   // For example:\n\
             \x20   // vec![op::add_column(\"items\", Column::new(\"sku\", Type::Varchar(64)))]\n",
        );
    }
    out.push_str("    vec![]\n}\n");
    out
}

enum ArgValue<'a> {
    One(&'a str),
    List(&'a [String]),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<String> {
        lex(text)
            .unwrap()
            .into_iter()
            .map(|t| match t.kind {
                Kind::Str { body, raw } => format!("str({body},{raw})"),
                Kind::Ident => format!("id({})", t.text),
                Kind::Lit => format!("lit({})", t.text),
                Kind::Punct(c) => format!("p({c})"),
                Kind::Open(c) | Kind::Close(c) => format!("{c}"),
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
    fn counts_lines_across_tokens() {
        let tokens = lex("a\n/* \n */ \"x\ny\"\nb").unwrap();
        let lines: Vec<u32> = tokens.iter().map(|t| t.line).collect();
        assert_eq!(lines, [1, 3, 5]);
    }

    #[test]
    fn lex_errors_name_the_opening_line() {
        assert_eq!(
            lex("a\n/* open").unwrap_err(),
            (
                2,
                "this block comment is never closed: end it with `*/`".to_owned()
            )
        );
        assert_eq!(lex("\n\n\"abc").unwrap_err().0, 3);
        assert!(lex("r##\"abc\"#").unwrap_err().1.contains("`\"##`"));
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

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_115), (2025, 1, 27));
        assert_eq!(civil_from_days(20_147), (2025, 2, 28));
        assert_eq!(civil_from_days(20_148), (2025, 3, 1));
        assert_eq!(civil_from_days(-719_468), (0, 3, 1));
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("add is_physical to items"), "add_is_physical_to_items");
        assert_eq!(slug("  Add  User-Emails!! "), "add_user_emails");
        assert_eq!(slug("__x__"), "x");
        assert_eq!(slug(""), "migration");
        assert_eq!(slug("日本語"), "migration");
        let long = slug(&"word ".repeat(30));
        assert!(long.len() <= SLUG_MAX, "{long}");
        assert!(long.ends_with("word"), "{long}");
        let one_word = slug(&"x".repeat(80));
        assert_eq!(one_word.len(), SLUG_MAX);
    }

    #[test]
    fn doc_comment_lines_are_clean() {
        let text = render_migration(&NewMigration {
            id: "aaaa".into(),
            message: "a\rb\u{202e}c\u{2066}\n\nsecond\u{7}  \n".into(),
            ..NewMigration::default()
        });
        assert!(
            text.starts_with("//! a b c\n//!\n//! second\nuse "),
            "{text}"
        );
        // The message itself keeps every character, escaped in the literal.
        assert!(
            text.contains(r#"message = "a\rb\u{202e}c\u{2066}\n\nsecond\u{7}  \n""#),
            "{text}"
        );
    }

    #[test]
    fn suggested_id_matches_the_macro() {
        // The value the macro's own tests expect for `revison = "aaaa"`.
        assert_eq!(
            suggested_id(&format!("{:?}{:?}", None::<&String>, None::<&String>)),
            "64c15f93803d"
        );
    }
}
