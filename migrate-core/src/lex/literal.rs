//! String literals: reading their escapes ([`unescape`]) and writing them
//! ([`string_literal`], [`raw_string_literal`]): the one escaping routine of the project.

use std::fmt;

/// Why a string literal's escapes cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EscapeError {
    /// The literal ends with a `\`.
    LoneBackslash,
    /// `\x` not followed by two hex digits of an ASCII character.
    Hex {
        /// What follows the `\x`.
        hex: String,
    },
    /// A malformed `\u{...}`.
    Unicode,
    /// An escape Rust does not know.
    Unknown {
        /// The character after the `\`.
        ch: char,
    },
}

impl fmt::Display for EscapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EscapeError::LoneBackslash => f.write_str("a string literal ends with a lone `\\`"),
            EscapeError::Hex { hex } => {
                write!(
                    f,
                    "`\\x{hex}` is not a valid escape: use `\\x00` to `\\x7f`"
                )
            }
            EscapeError::Unicode => f.write_str(
                "a `\\u` escape is written `\\u{...}` with 1 to 6 hex digits of a valid character",
            ),
            EscapeError::Unknown { ch } => write!(
                f,
                "`\\{}` is not a valid escape in a string literal",
                ch.escape_debug()
            ),
        }
    }
}

impl std::error::Error for EscapeError {}

/// Decodes the escapes of a (non-raw) string literal's body; CRLF is read as LF.
///
/// ```
/// use migrate_core::lex::unescape;
///
/// assert_eq!(unescape(r#"a\n\"b\"\u{e9}"#).unwrap(), "a\n\"b\"\u{e9}");
/// assert!(unescape(r"\q").is_err());
/// ```
pub fn unescape(body: &str) -> Result<String, EscapeError> {
    if !body.contains(['\\', '\r']) {
        return Ok(body.to_owned());
    }
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
        let e = chars.next().ok_or(EscapeError::LoneBackslash)?;
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
                    _ => return Err(EscapeError::Hex { hex }),
                }
            }
            'u' => out.push(unicode_escape(&mut chars)?),
            '\n' | '\r' => {
                while chars
                    .peek()
                    .is_some_and(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
                {
                    chars.next();
                }
            }
            other => return Err(EscapeError::Unknown { ch: other }),
        }
    }
    Ok(out)
}

/// The character of a `\u{...}` escape, from after its `u`.
fn unicode_escape(chars: &mut impl Iterator<Item = char>) -> Result<char, EscapeError> {
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
        Some(ch) if closed && (1..=6).contains(&hex.len()) => Ok(ch),
        _ => Err(EscapeError::Unicode),
    }
}

/// Whether a character is written as itself in a string literal by [`string_literal`]:
/// printable, and one column wide in every terminal (so widths are character counts, as
/// rustfmt measures).
pub fn plain_char(c: char) -> bool {
    matches!(c,
        ' '..='~'
        | '\u{a1}'..='\u{ac}'
        | '\u{ae}'..='\u{2ff}'
        | '\u{391}'..='\u{3a1}'
        | '\u{3a3}'..='\u{3c9}'
        | '\u{400}'..='\u{482}'
        | '\u{48a}'..='\u{4ff}')
}

/// `s` as a Rust string literal: the one escaping routine of every Rust text this project
/// writes (migration files, generated ops, `schema.rs`). `"`, `\\` and the common control
/// characters get their short escapes, every character that is not [`plain_char`] a
/// `\u{...}` escape, so the text is safe to show and its width is its length.
///
/// ```
/// use migrate_core::lex::{string_literal, unescape};
///
/// let text = "say \"hi\"\n\u{202e}日";
/// let lit = string_literal(text);
/// assert_eq!(lit, r#""say \"hi\"\n\u{202e}\u{65e5}""#);
/// assert_eq!(unescape(&lit[1..lit.len() - 1]).unwrap(), text);
/// ```
pub fn string_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if plain_char(c) => out.push(c),
            c => {
                use std::fmt::Write as _;
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// `text` as a raw string literal (`r#"..."#`), with enough `#` that it cannot end early:
/// for text worth keeping readable as written, such as SQL.
///
/// ```
/// assert_eq!(migrate_core::lex::raw_string_literal("a\"#b"), "r##\"a\"#b\"##");
/// ```
pub fn raw_string_literal(text: &str) -> String {
    let mut hashes = 1;
    while text.contains(&format!("\"{}", "#".repeat(hashes))) {
        hashes += 1;
    }
    let h = "#".repeat(hashes);
    format!("r{h}\"{text}\"{h}")
}
