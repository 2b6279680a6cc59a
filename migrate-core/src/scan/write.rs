//! Writing migration files: fresh ids, file names, and the one writer of a migration
//! file's text ([`render_file`]), used by every command that writes one (revision,
//! autogenerate, merge, import, init).

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::graph::Revision;
use crate::id;
use crate::lex::string_literal;

/// A fresh revision id: [`DEFAULT_LEN`](crate::id::DEFAULT_LEN) (12) lowercase hex digits that are not the id of
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

/// rustfmt's widths (defaults): the whole line, a function-like attribute's arguments, an
/// array literal.
const MAX_WIDTH: usize = 100;
const ATTR_ARGS_WIDTH: usize = 70;
const ARRAY_WIDTH: usize = 60;

/// What a migration file declares under its attribute (see [`render_file`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrationBody<'a> {
    /// `pub fn upgrade() -> Vec<Op>` returning no ops yet, with a comment showing how to
    /// write one (a merge gets a comment saying a merge usually has none).
    Empty,
    /// `pub fn upgrade() -> Vec<Op>` returning `ops`: Rust code of an expression (such as
    /// `vec![...]`), written as given after an indentation of 4 spaces (its later lines
    /// carry their own).
    Ops(&'a str),
    /// An inline module `pub mod NAME` with `upgrade` and a hand-written `downgrade`, each
    /// returning the code given (written after an indentation of 8 spaces).
    Module {
        /// The module's name.
        name: &'a str,
        /// The upgrade's ops.
        upgrade: &'a str,
        /// The downgrade's ops.
        downgrade: &'a str,
    },
}

/// The text of a new migration file, in the style of the example project's files (and as
/// rustfmt leaves it): a module doc comment with the message, the prelude import, the
/// `#[migration]` attribute and an upgrade function returning no ops yet, with a comment
/// showing how to write one (a merge gets a comment saying a merge usually has none).
///
/// `down_revision` is a string for one parent, a list for several, and left out for none;
/// `message`, `branch_labels` and `depends_on` are left out when empty. The values are
/// written as given: check ids with [`crate::id::validate`] first. This is
/// [`render_file`] with [`MigrationBody::Empty`] and no note.
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
    render_file(new, None, MigrationBody::Empty)
}

/// The text of a migration file: the one writer of migration files (revision, merge,
/// autogenerate, import and init all call it).
///
/// The file is the module doc comment (the message, then `note` as a second paragraph
/// when given), the imports, the `#[migration]` attribute (see [`render_migration`]) and
/// the item `body` describes. String values are written with
/// [`crate::lex::string_literal`].
///
/// ```
/// use migrate_core::scan::{render_file, MigrationBody, NewMigration};
///
/// let new = NewMigration { id: "a0b1c2d3e4f5".into(), message: "seed".into(), ..NewMigration::default() };
/// let text = render_file(&new, Some("Imported from up.sql."), MigrationBody::Module {
///     name: "seed",
///     upgrade: "vec![op::execute(\"INSERT 1\")]",
///     downgrade: "vec![op::execute(\"DELETE 1\")]",
/// });
/// assert!(text.starts_with("//! seed\n//!\n//! Imported from up.sql.\nuse migrate_runtime::migration;\n"));
/// assert!(text.contains("pub mod seed {\n    use migrate_runtime::prelude::*;\n"));
/// assert!(text.contains("    pub fn downgrade() -> Vec<Op> {\n        vec![op::execute(\"DELETE 1\")]\n    }\n}\n"));
/// ```
pub fn render_file(new: &NewMigration, note: Option<&str>, body: MigrationBody<'_>) -> String {
    let mut out = doc_comment(new, note);
    match body {
        MigrationBody::Module { .. } => out.push_str("use migrate_runtime::migration;\n\n"),
        _ => out.push_str("use migrate_runtime::prelude::*;\n\n"),
    }
    out.push_str(&attribute(new));
    match body {
        MigrationBody::Empty => {
            out.push_str("pub fn upgrade() -> Vec<Op> {\n");
            if new.parents.len() > 1 {
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
        }
        MigrationBody::Ops(ops) => {
            out.push_str(&format!("pub fn upgrade() -> Vec<Op> {{\n    {ops}\n}}\n"));
        }
        MigrationBody::Module {
            name,
            upgrade,
            downgrade,
        } => out.push_str(&format!(
            "pub mod {name} {{\n    use migrate_runtime::prelude::*;\n\n    \
             pub fn upgrade() -> Vec<Op> {{\n        {upgrade}\n    }}\n\n    \
             pub fn downgrade() -> Vec<Op> {{\n        {downgrade}\n    }}\n}}\n"
        )),
    }
    out
}

/// The module doc comment: the message (or what the revision is), then the note.
fn doc_comment(new: &NewMigration, note: Option<&str>) -> String {
    let mut out = String::new();
    let message = new.message.replace("\r\n", "\n");
    if !message.trim().is_empty() {
        doc_paragraph(&mut out, &message);
    } else if new.parents.len() > 1 {
        doc_paragraph(&mut out, &format!("Merges {}.", new.parents.join(" and ")));
    } else {
        doc_paragraph(&mut out, &format!("Revision {}.", new.id));
    }
    if let Some(note) = note.filter(|n| !n.trim().is_empty()) {
        out.push_str("//!\n");
        doc_paragraph(&mut out, &note.replace("\r\n", "\n"));
    }
    out
}

/// `text` as `//!` lines.
fn doc_paragraph(out: &mut String, text: &str) {
    for line in text.trim_end().lines() {
        // A doc comment cannot hold a bare CR, and rustc denies text-direction characters
        // in comments: such characters become spaces.
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

/// The `#[migration(...)]` attribute and its newline: one line when short, one argument
/// a line otherwise.
fn attribute(new: &NewMigration) -> String {
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
        ArgValue::One(s) => format!("{key} = {}", string_literal(s)),
        ArgValue::List(items) => format!("{key} = {}", list(items, indent, key.len() + 3)),
    };
    let one_line: Vec<String> = args.iter().map(|(k, v)| render_arg(k, v, 0)).collect();
    let one_line = one_line.join(", ");
    if !one_line.contains('\n')
        && one_line.len() <= ATTR_ARGS_WIDTH
        && "#[migration()]".len() + one_line.len() <= MAX_WIDTH
    {
        return format!("#[migration({one_line})]\n");
    }
    let lines: Vec<String> = args
        .iter()
        .map(|(k, v)| format!("    {}", render_arg(k, v, 4)))
        .collect();
    format!("#[migration(\n{}\n)]\n", lines.join(",\n"))
}

/// A list value: inline when it fits, one item a line otherwise.
fn list(items: &[String], indent: usize, prefix: usize) -> String {
    let inline = format!(
        "[{}]",
        items
            .iter()
            .map(|s| string_literal(s))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if inline.len() <= ARRAY_WIDTH && indent + prefix + inline.len() < MAX_WIDTH {
        return inline;
    }
    let pad = " ".repeat(indent + 4);
    let mut s = "[\n".to_owned();
    for item in items {
        s.push_str(&format!("{pad}{},\n", string_literal(item)));
    }
    s.push_str(&" ".repeat(indent));
    s.push(']');
    s
}

enum ArgValue<'a> {
    One(&'a str),
    List(&'a [String]),
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
