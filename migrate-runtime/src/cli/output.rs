//! What the command line prints: colour, escaping of text read from a database or a
//! migration file, and the lines that describe revisions.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::Path;

use crate::engine::EngineError;
use crate::migration::{Downgrade, Migration, Migrations};
use crate::text::printable;

/// `text` with each line through [`printable`], the line breaks kept (SQL statements and
/// multi-line reports).
pub(super) fn printable_lines(text: &str) -> String {
    text.split('\n')
        .map(|l| printable(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Terminal output: colour only on a terminal (and not with `NO_COLOR`).
pub(super) struct Output {
    pub(super) colour: bool,
    pub(super) verbose: bool,
}

impl Output {
    pub(super) fn new(verbose: bool) -> Self {
        let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Output { colour, verbose }
    }

    pub(super) fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// Prints `message` on stderr after `error: `, each line through [`printable`] (an
    /// error may quote a version-table row or a migration's message).
    pub(super) fn error(&self, message: &str) {
        let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let label = if colour {
            "\x1b[1;31merror\x1b[0m"
        } else {
            "error"
        };
        eprintln!("{label}: {}", printable_lines(message));
    }
}

/// Prints a warning on stderr: one line, `warning: ...` (yellow on a terminal).
pub(super) fn warn(message: &str) {
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let label = if colour {
        "\x1b[1;33mwarning\x1b[0m"
    } else {
        "warning"
    };
    eprintln!("{label}: {}", crate::connection::one_line(message));
}

/// `at revision a0b1c2d3e4f5 (head)` or `at base (no migration applied)`.
pub(super) fn describe(migrations: &Migrations, heads: &[String]) -> String {
    if heads.is_empty() {
        return "at base (no migration applied)".into();
    }
    let at_head = migrations
        .heads()
        .iter()
        .all(|h| heads.iter().any(|c| c == h.revision));
    let shown: Vec<String> = heads.iter().map(|h| printable(h).into_owned()).collect();
    format!(
        "at revision {}{}",
        shown.join(" + "),
        if at_head { " (head)" } else { "" }
    )
}

/// The migration's file, relative to the crate (`versions/...rs`) when it can be.
pub(super) fn display_file(migrations: &Migrations, m: &Migration) -> String {
    let dir = Path::new(migrations.dir());
    let base = dir.parent().unwrap_or(dir);
    let file = Path::new(m.file);
    let shown = file.strip_prefix(base).unwrap_or(file);
    format!("{}:{}", shown.display(), m.line)
}

/// `a0b1c2d3e4f5 (head) merge display_name and orders index`.
pub(super) fn line(migrations: &Migrations, m: &Migration, out: &Output, verbose: bool) -> String {
    let mut s = out.paint("1", m.revision);
    if migrations.children(m).is_empty() {
        s.push_str(" (head)");
    }
    if !m.message.is_empty() {
        s.push(' ');
        s.push_str(&printable(m.message));
    }
    if verbose {
        let _ = write!(s, "\n    {}", display_file(migrations, m));
    }
    s
}

/// Alembic's history line: `parents -> rev (head) (mergepoint), message`.
pub(super) fn history_line(migrations: &Migrations, m: &Migration, out: &Output) -> String {
    let parents = migrations.parent_list(m);
    let mut s = format!("{parents} -> {}", out.paint("1", m.revision));
    let children = migrations.children(m);
    if children.is_empty() {
        s.push_str(" (head)");
    }
    if children.len() > 1 {
        s.push_str(" (branchpoint)");
    }
    if m.is_merge() {
        s.push_str(" (mergepoint)");
    }
    for l in m.branch_labels {
        let _ = write!(s, " ({})", printable(l));
    }
    let _ = write!(s, ", {}", printable(m.message));
    s
}

/// `show REV`: parents, children, labels, file, message and ops of one revision.
pub(super) fn show(migrations: &Migrations, m: &'static Migration) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Revision: {}", m.revision);
    let _ = writeln!(s, "Parent: {}", migrations.parent_list(m));
    let kids: Vec<&str> = migrations.children(m).iter().map(|c| c.revision).collect();
    if !kids.is_empty() {
        let _ = writeln!(s, "Children: {}", kids.join(", "));
    }
    if !m.branch_labels.is_empty() {
        let _ = writeln!(
            s,
            "Branch labels: {}",
            printable(&m.branch_labels.join(", "))
        );
    }
    let deps: Vec<&str> = migrations
        .dependencies(m)
        .iter()
        .map(|d| d.revision)
        .collect();
    if !deps.is_empty() {
        let _ = writeln!(s, "Depends on: {}", deps.join(", "));
    }
    let _ = writeln!(s, "File: {}", display_file(migrations, m));
    let _ = writeln!(s, "Message: {}", printable(m.message));
    let _ = writeln!(s, "Upgrade:");
    for op in (m.upgrade)() {
        let _ = writeln!(s, "  {}", printable(&op.describe()));
    }
    let downgrade = match m.downgrade {
        Downgrade::Explicit(_) => "written by hand".to_owned(),
        Downgrade::Derived => match derived_downgrade(migrations, m) {
            Ok(()) => "derived from the upgrade".to_owned(),
            Err(EngineError::Irreversible { reason, .. }) => {
                format!("none: it cannot be undone ({})", printable(&reason))
            }
            Err(other) => format!("none: {}", printable(&other.to_string())),
        },
    };
    let _ = writeln!(s, "Downgrade: {downgrade}");
    if let Downgrade::Explicit(f) = m.downgrade {
        for op in f() {
            let _ = writeln!(s, "  {}", printable(&op.describe()));
        }
    }
    s
}

/// Whether `m`'s downgrade can be derived (from the schema its parents leave), or why not,
/// as `downgrade` would say it.
fn derived_downgrade(migrations: &Migrations, m: &'static Migration) -> Result<(), EngineError> {
    let mut before = migrations.closure([m]);
    before.remove(m.revision);
    let state = migrations.state_of(&before)?;
    crate::engine::downgrade_ops(m, &state, &(m.upgrade)()).map(|_| ())
}
