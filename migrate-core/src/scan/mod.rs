//! A migration folder read as text: revisions straight from the files, without compiling
//! them, and the text of new migration files.
//!
//! The CLI's `revision`, `merge` and history commands must work when the migration set
//! compiled into the binary is stale (a file was just added) or does not build at all. So
//! they read the `versions/` folder itself: [`scan_dir`] lists the same files
//! `embed_migrations!` embeds, and [`parse_migration_source`] reads the `#[migration(...)]`
//! attribute of one file with the crate's one lexer, [`crate::lex`] (comments, strings,
//! raw strings and character literals are skipped, so text that merely looks like an
//! attribute is never mistaken for one). The attribute's arguments are read by the one
//! parser of the macro, [`crate::attr`], with its rules and its messages, so a file this
//! module accepts is one the macro accepts, as far as the attribute goes (the item under
//! it is the compiler's to check).
//!
//! The stages, a file each: `find` locates the attribute in the tokens and hands its
//! arguments to [`crate::attr`]; this module reads files and folders; `write` writes new
//! migrations: [`new_revision_id`] makes a fresh id, [`file_name`] and [`today_utc`] name
//! the file, [`render_file`] (the one writer of migration files; [`render_migration`] for
//! an empty one) writes its text.
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

use std::fmt;
use std::path::{Path, PathBuf};

use crate::graph::Revision;
use crate::lex::{lex, match_delimiters, LexError};

mod find;
mod write;

pub use crate::attr::ARGUMENTS;
pub use write::{
    file_name, new_revision_id, render_file, render_migration, today_utc, MigrationBody,
    NewMigration,
};

use find::{find_attributes, parse_args};

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
        |e: LexError| ScanError::new(ScanErrorKind::Syntax, file, e.line, e.kind.to_string());
    let tokens = lex(text).map_err(syntax)?;
    let matching = match_delimiters(&tokens, usize::MAX).map_err(syntax)?;
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
                        crate::similar::fresh_id(&shown)
                    ),
                ))
            }
        }
    }
    Ok(revisions)
}
