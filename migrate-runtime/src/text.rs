//! Text the program did not write (a version-table row, a migration's message, a table
//! name, a driver's error) made safe to print on a terminal or in a SQL comment.
//!
//! A control character in such text could move the cursor, clear the screen or recolour
//! the terminal (`ESC [2J`), or end a SQL line comment early, so that the rest of the text
//! becomes a statement of an offline script. Every place that prints such text goes
//! through [`printable`]; every `-- ...` comment of rendered SQL is made by
//! [`sql_comment`].

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a terminal or a SQL comment as it is: a control character
/// (C0, DEL, C1), a line or paragraph separator, or a bidirectional override or isolate
/// (which reorders what a terminal shows).
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// `text` with every control character written as an escape: `\n`, `\r`, `\t`, and
/// `\u{1b}` for the others, so that it prints as one line that changes nothing on the
/// terminal. Text without one is returned as it is.
///
/// ```
/// use migrate_runtime::text::printable;
/// assert_eq!(printable("abc\x1b[2J\ndef"), "abc\\u{1b}[2J\\ndef");
/// assert_eq!(printable("plain ünïcode"), "plain ünïcode");
/// ```
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if unsafe_char(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A SQL line comment, `-- text`, that stays one line whatever `text` holds: a newline
/// in a migration's message cannot start a statement of the script.
///
/// ```
/// use migrate_runtime::text::sql_comment;
/// assert_eq!(
///     sql_comment("x\nDROP TABLE users; --"),
///     "-- x\\nDROP TABLE users; --"
/// );
/// ```
pub fn sql_comment(text: &str) -> String {
    format!("-- {}", printable(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_break_and_escape_is_escaped() {
        for (raw, shown) in [
            ("a\nb", "a\\nb"),
            ("a\r\nb", "a\\r\\nb"),
            ("a\rb", "a\\rb"),
            ("\x1b[31mred", "\\u{1b}[31mred"),
            ("nul\0", "nul\\u{0}"),
            ("del\x7f", "del\\u{7f}"),
            ("nel\u{85}x", "nel\\u{85}x"),
            ("ls\u{2028}ps\u{2029}", "ls\\u{2028}ps\\u{2029}"),
            ("rlo\u{202e}x", "rlo\\u{202e}x"),
            ("tab\there", "tab\\there"),
        ] {
            assert_eq!(printable(raw), shown, "{raw:?}");
            let comment = sql_comment(raw);
            assert_eq!(comment.lines().count(), 1, "{comment:?}");
        }
        assert!(matches!(printable("café -- fine"), Cow::Borrowed(_)));
    }
}
