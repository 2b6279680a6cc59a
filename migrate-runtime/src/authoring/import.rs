//! Importing hand-written SQL migrations into the history, as ordinary migration files.
//!
//! Two layouts are read:
//!
//! - diesel's: `migrations/<version>_<name>/up.sql` with an optional `down.sql` (the
//!   `00000000000000_diesel_initial_setup` folder diesel generates is skipped);
//! - numbered scripts: `<number>_<name>.sql`, with an optional `<number>_<name>.down.sql`.
//!   Numbers must follow each other without a gap.
//!
//! Each script becomes one migration file in the versions folder whose ops are its SQL
//! statements (`op::execute`), in order; a down script becomes the migration's hand-written
//! downgrade, and a script without one is irreversible. The revision ids are derived from
//! the source's version, so importing twice gives the same ids, and a database that
//! diesel migrated can be stamped at the matching revision
//! ([`crate::engine::Engine::stamp_from_diesel`]). The files are plain Rust the team reads
//! and edits afterwards.
//!
//! Nothing is written until the whole import has been read and checked: a gap, a
//! duplicate version, an unreadable file or a script that does not split into statements
//! is an error naming the file.
//!
//! ```
//! use migrate_runtime::import::split_statements;
//! let sql = "CREATE TABLE t (v TEXT DEFAULT 'a;b'); -- done\nINSERT INTO t VALUES ('x');";
//! assert_eq!(split_statements(sql).unwrap().len(), 2);
//! ```

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

// A raw string literal holding a statement: the writer's, shared with every Rust text
// this project writes.
use migrate_core::lex::raw_string_literal as raw;
use migrate_core::scan;

/// Where the scripts come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// diesel's `<version>_<name>/up.sql` and `down.sql` folders.
    Diesel,
    /// `<number>_<name>.sql` scripts, with optional `<number>_<name>.down.sql`.
    Numbered,
}

/// Why an import failed. Nothing was written.
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}; nothing was imported", path.display())]
pub struct ImportError {
    /// The file or folder at fault.
    pub path: PathBuf,
    /// What is wrong.
    pub problem: ImportProblem,
}

/// What is wrong with a file or folder to import (see [`ImportError`]).
#[derive(Debug, thiserror::Error)]
pub enum ImportProblem {
    /// It cannot be read.
    #[error("cannot read: {0}")]
    Read(std::io::Error),
    /// A migration file cannot be written.
    #[error("cannot write: {0}")]
    Write(std::io::Error),
    /// The source folder holds no script.
    #[error("no migration script found")]
    NoScripts,
    /// Two scripts have one version.
    #[error("version {version} is used twice (also by {})", other.display())]
    DuplicateVersion {
        /// The version.
        version: String,
        /// The other script.
        other: PathBuf,
    },
    /// Numbered scripts skip numbers.
    #[error("script number {next} follows {previous}: scripts {}..{} are missing", previous + 1, next - 1)]
    Gap {
        /// The number before the gap.
        previous: u64,
        /// The number after it.
        next: u64,
    },
    /// A script's SQL cannot be split into statements.
    #[error(transparent)]
    Split(#[from] SplitError),
    /// A script has no statement.
    #[error("the script has no SQL statement")]
    NoStatement,
    /// A diesel migration folder's name is not `<version>_<name>`.
    #[error("a diesel migration folder is named <version>_<name>")]
    DieselFolderName,
    /// A diesel version with other characters than digits and dashes.
    #[error("\"{0}\" is not a diesel version (digits and dashes)")]
    DieselVersion(String),
    /// A diesel migration without `up.sql`.
    #[error("missing: every diesel migration has an up.sql")]
    MissingUp,
    /// A numbered script's name is not `<number>_<name>.sql`.
    #[error("a script is named <number>_<name>.sql")]
    ScriptName,
    /// A `.down.sql` script without its up script.
    #[error("a down script without its up script {}", up.display())]
    DownWithoutUp {
        /// The up script expected.
        up: PathBuf,
    },
    /// The versions folder cannot be read as migrations.
    #[error(transparent)]
    Scan(#[from] scan::ScanError),
    /// The versions folder has several heads to chain after.
    #[error("the folder has {} heads ({}): merge them first", heads.len(), heads.join(", "))]
    SeveralHeads {
        /// The heads.
        heads: Vec<String>,
    },
    /// A script was imported before.
    #[error("already imported as revision {revision} ({location})")]
    AlreadyImported {
        /// The revision it became.
        revision: String,
        /// Where that revision's file is.
        location: String,
    },
}

/// Why a SQL script cannot be split into statements (see [`split_statements`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    /// A `/*` comment without its `*/`.
    #[error("line {line}: a /* comment is never closed")]
    Comment {
        /// Where the comment starts.
        line: usize,
    },
    /// A quote (`'`, `"` or a backtick) never closed.
    #[error("line {line}: a {quote} quote is never closed")]
    Quote {
        /// Where the quoted text starts.
        line: usize,
        /// The quote character.
        quote: char,
    },
    /// A PostgreSQL dollar-quoted body never closed.
    #[error("line {line}: a {tag} quoted body is never closed")]
    DollarQuote {
        /// Where the body starts.
        line: usize,
        /// Its opening tag (`$$`, `$body$`).
        tag: String,
    },
}

fn error(path: &Path, problem: impl Into<ImportProblem>) -> ImportError {
    ImportError {
        path: path.to_owned(),
        problem: problem.into(),
    }
}

/// One script found in the source folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// The source's version: diesel's timestamp as diesel records it (digits only), or the
    /// script number.
    pub version: String,
    /// The human name, from the file or folder name.
    pub name: String,
    /// The up script's statements.
    pub up: Vec<String>,
    /// The down script's statements, when there is one.
    pub down: Option<Vec<String>>,
    /// The up script's path, for messages and the file's doc comment.
    pub path: PathBuf,
}

/// The revision id an imported script gets: derived from where it came from and its
/// version, so the same source always gives the same id.
///
/// ```
/// use migrate_runtime::import::{revision_id, Source};
/// let id = revision_id(Source::Diesel, "20240101000000");
/// assert_eq!(id.len(), 12);
/// assert_eq!(id, revision_id(Source::Diesel, "20240101000000"));
/// ```
pub fn revision_id(source: Source, version: &str) -> String {
    let kind = match source {
        Source::Diesel => "diesel",
        Source::Numbered => "sql",
    };
    let hash = crate::naming::fnv1a(format!("{kind}:{version}").as_bytes());
    format!("{:012x}", hash & 0xffff_ffff_ffff)
}

/// Reads the scripts of `dir`, in order, checking them all.
pub fn read_scripts(dir: &Path, source: Source) -> Result<Vec<Script>, ImportError> {
    let entries = std::fs::read_dir(dir).map_err(|e| error(dir, ImportProblem::Read(e)))?;
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| error(dir, ImportProblem::Read(e)))?;
        paths.push(entry.path());
    }
    paths.sort();
    let mut scripts = match source {
        Source::Diesel => read_diesel(&paths)?,
        Source::Numbered => read_numbered(&paths)?,
    };
    scripts.sort_by_key(|s| version_key(&s.version));
    for pair in scripts.windows(2) {
        if version_key(&pair[0].version) == version_key(&pair[1].version) {
            return Err(error(
                &pair[1].path,
                ImportProblem::DuplicateVersion {
                    version: pair[1].version.clone(),
                    other: pair[0].path.clone(),
                },
            ));
        }
    }
    if source == Source::Numbered {
        for pair in scripts.windows(2) {
            let (a, b) = (number(&pair[0].version), number(&pair[1].version));
            if b != a + 1 {
                return Err(error(
                    &pair[1].path,
                    ImportProblem::Gap {
                        previous: a,
                        next: b,
                    },
                ));
            }
        }
    }
    if scripts.is_empty() {
        return Err(error(dir, ImportProblem::NoScripts));
    }
    Ok(scripts)
}

/// Versions compare by their digits (`0002` and `2` are the same script number).
fn version_key(version: &str) -> String {
    let digits: String = version.chars().filter(char::is_ascii_digit).collect();
    let trimmed = digits.trim_start_matches('0');
    format!("{:0>32}", trimmed)
}

fn number(version: &str) -> u64 {
    version.parse().unwrap_or(0)
}

fn read_sql(path: &Path) -> Result<Vec<String>, ImportError> {
    let text = std::fs::read_to_string(path).map_err(|e| error(path, ImportProblem::Read(e)))?;
    let statements = split_statements(&text).map_err(|e| error(path, e))?;
    if statements.is_empty() {
        return Err(error(path, ImportProblem::NoStatement));
    }
    Ok(statements)
}

fn read_diesel(paths: &[PathBuf]) -> Result<Vec<Script>, ImportError> {
    let mut scripts = Vec::new();
    for dir in paths.iter().filter(|p| p.is_dir()) {
        let folder = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if folder.starts_with("00000000000000") {
            continue; // diesel's own setup (its helper functions), not a schema change
        }
        let Some((version, name)) = folder.split_once('_') else {
            return Err(error(dir, ImportProblem::DieselFolderName));
        };
        if version.is_empty() || !version.chars().all(|c| c.is_ascii_digit() || c == '-') {
            return Err(error(dir, ImportProblem::DieselVersion(version.to_owned())));
        }
        let up = dir.join("up.sql");
        if !up.is_file() {
            return Err(error(&up, ImportProblem::MissingUp));
        }
        let down = dir.join("down.sql");
        scripts.push(Script {
            // diesel records the version without its dashes.
            version: version.replace('-', ""),
            name: name.replace('_', " "),
            up: read_sql(&up)?,
            down: if down.is_file() {
                Some(read_sql(&down)?)
            } else {
                None
            },
            path: up,
        });
    }
    Ok(scripts)
}

fn read_numbered(paths: &[PathBuf]) -> Result<Vec<Script>, ImportError> {
    let mut scripts = Vec::new();
    for path in paths.iter().filter(|p| p.is_file()) {
        let file = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let Some(stem) = file.strip_suffix(".sql") else {
            continue;
        };
        if stem.ends_with(".down") {
            continue; // read with its up script
        }
        let (version, name) = match stem.split_once('_') {
            Some((v, n)) => (v, n),
            None => (stem, ""),
        };
        if version.is_empty() || !version.chars().all(|c| c.is_ascii_digit()) {
            return Err(error(path, ImportProblem::ScriptName));
        }
        let down = path.with_file_name(format!("{stem}.down.sql"));
        scripts.push(Script {
            version: version.trim_start_matches('0').to_owned().max("0".into()),
            name: if name.is_empty() {
                format!("script {version}")
            } else {
                name.replace('_', " ")
            },
            up: read_sql(path)?,
            down: if down.is_file() {
                Some(read_sql(&down)?)
            } else {
                None
            },
            path: path.clone(),
        });
    }
    for path in paths
        .iter()
        .filter(|p| p.to_string_lossy().ends_with(".down.sql"))
    {
        let up = PathBuf::from(path.to_string_lossy().replace(".down.sql", ".sql"));
        if !up.is_file() {
            return Err(error(path, ImportProblem::DownWithoutUp { up }));
        }
    }
    Ok(scripts)
}

/// Splits a SQL script into statements at top-level `;`, keeping quoted strings, quoted
/// identifiers, comments and PostgreSQL dollar-quoted bodies whole. Comments and blank
/// statements are dropped. An unterminated quote or comment is an error.
pub fn split_statements(sql: &str) -> Result<Vec<String>, SplitError> {
    let bytes = sql.as_bytes();
    let mut statements = Vec::new();
    let mut current = String::new();
    let mut i = 0;
    let line_of = |at: usize| sql[..at].matches('\n').count() + 1;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                current.push(' ');
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let start = i;
                match sql[i + 2..].find("*/") {
                    Some(end) => i += 2 + end + 2,
                    None => {
                        return Err(SplitError::Comment {
                            line: line_of(start),
                        })
                    }
                }
                current.push(' ');
                continue;
            }
            b'\'' | b'"' | b'`' => {
                let start = i;
                let quote = c;
                let mut j = i + 1;
                loop {
                    match bytes.get(j) {
                        None => {
                            return Err(SplitError::Quote {
                                line: line_of(start),
                                quote: quote as char,
                            })
                        }
                        Some(&b) if b == quote && bytes.get(j + 1) == Some(&quote) => j += 2,
                        Some(&b'\\') if quote == b'\'' => j += 2,
                        Some(&b) if b == quote => break,
                        Some(_) => j += 1,
                    }
                }
                current.push_str(&sql[i..=j]);
                i = j + 1;
                continue;
            }
            b'$' => {
                // $$ ... $$ or $tag$ ... $tag$
                let rest = &sql[i + 1..];
                if let Some(end) = rest.find('$') {
                    let tag = &rest[..end];
                    if tag
                        .chars()
                        .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
                        && !tag.starts_with(|ch: char| ch.is_ascii_digit())
                    {
                        let open = format!("${tag}$");
                        let body_start = i + open.len();
                        match sql[body_start..].find(&open) {
                            Some(close) => {
                                let stop = body_start + close + open.len();
                                current.push_str(&sql[i..stop]);
                                i = stop;
                                continue;
                            }
                            None => {
                                return Err(SplitError::DollarQuote {
                                    line: line_of(i),
                                    tag: open,
                                })
                            }
                        }
                    }
                }
            }
            b';' => {
                let s = current.trim();
                if !s.is_empty() {
                    statements.push(s.to_owned());
                }
                current.clear();
                i += 1;
                continue;
            }
            _ => {}
        }
        let ch = sql[i..].chars().next().expect("in bounds");
        current.push(ch);
        i += ch.len_utf8();
    }
    let s = current.trim();
    if !s.is_empty() {
        statements.push(s.to_owned());
    }
    Ok(statements)
}

fn ops_code(statements: &[String], indent: &str) -> String {
    let mut s = String::from("vec![\n");
    for st in statements {
        let _ = writeln!(s, "{indent}    op::execute({}),", raw(st));
    }
    s.push_str(indent);
    s.push(']');
    s
}

/// The text of the migration file for `script`, on `parent`, written by the one writer of
/// migration files ([`scan::render_file`]): the script's name as the message, where it
/// comes from as a note, its statements as `op::execute` ops, and its down script, when
/// there is one, as the downgrade of an inline module.
pub fn migration_source(script: &Script, source: Source, parent: Option<&str>) -> String {
    let id = revision_id(source, &script.version);
    let origin = match source {
        Source::Diesel => format!("diesel migration {}", script.version),
        Source::Numbered => format!("SQL script {}", script.version),
    };
    let file = script
        .path
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let down_note = if script.down.is_some() {
        "with its down script as the downgrade"
    } else {
        "irreversible: there was no down script"
    };
    let new = scan::NewMigration {
        id,
        parents: parent.map(str::to_owned).into_iter().collect(),
        message: script.name.clone(),
        ..scan::NewMigration::default()
    };
    let note = format!("Imported from the {origin} ({file}), {down_note}.");
    match &script.down {
        None => scan::render_file(
            &new,
            Some(&note),
            scan::MigrationBody::Ops(&ops_code(&script.up, "    ")),
        ),
        Some(down) => {
            let module = format!("imported_{}", script.version.replace('-', "_"));
            scan::render_file(
                &new,
                Some(&note),
                scan::MigrationBody::Module {
                    name: &module,
                    upgrade: &ops_code(&script.up, "        "),
                    downgrade: &ops_code(down, "        "),
                },
            )
        }
    }
}

/// Imports the scripts of `from` into the versions folder `versions`, chained after its
/// current head (if any). Returns the files written, in order.
pub fn import(from: &Path, source: Source, versions: &Path) -> Result<Vec<PathBuf>, ImportError> {
    let scripts = read_scripts(from, source)?;
    let existing = scan::scan_dir(versions).map_err(|e| error(versions, e))?;
    let graph = migrate_core::Graph::new(existing.clone());
    let heads: Vec<String> = graph.heads().iter().map(|r| r.id.clone()).collect();
    if heads.len() > 1 {
        return Err(error(versions, ImportProblem::SeveralHeads { heads }));
    }
    let mut parent = heads.into_iter().next();
    let mut files = Vec::new();
    for script in &scripts {
        let id = revision_id(source, &script.version);
        if let Some(r) = existing.iter().find(|r| r.id == id) {
            return Err(error(
                &script.path,
                ImportProblem::AlreadyImported {
                    revision: id,
                    location: r.location().to_string(),
                },
            ));
        }
        let name = scan::file_name(scan::today_utc(), &id, &script.name);
        files.push((
            versions.join(name),
            migration_source(script, source, parent.as_deref()),
        ));
        parent = Some(id);
    }
    let mut written = Vec::new();
    for (path, text) in &files {
        if let Err(e) = std::fs::write(path, text) {
            for w in &written {
                let _ = std::fs::remove_file(w);
            }
            return Err(error(path, ImportProblem::Write(e)));
        }
        written.push(path.clone());
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_statements_and_keeps_quotes_whole() {
        let sql = "-- header\nCREATE TABLE \"a;b\" (x TEXT DEFAULT 'it''s; fine');\n/* c; */ INSERT INTO t VALUES ($$;$$);\nCREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;;\n";
        let st = split_statements(sql).unwrap();
        assert_eq!(st.len(), 3, "{st:?}");
        assert!(st[0].starts_with("CREATE TABLE \"a;b\""));
        assert!(st[2].contains("$body$ SELECT 1; $body$"));
    }

    #[test]
    fn unterminated_quotes_are_errors_with_a_line() {
        assert_eq!(
            split_statements("SELECT 1;\nSELECT 'oops;")
                .unwrap_err()
                .to_string(),
            "line 2: a ' quote is never closed"
        );
        assert!(split_statements("/* never")
            .unwrap_err()
            .to_string()
            .contains("never closed"));
    }

    #[test]
    fn raw_strings_never_end_early() {
        assert_eq!(raw("a\"#b"), "r##\"a\"#b\"##");
    }
}
