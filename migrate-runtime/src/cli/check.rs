//! `check`: exit 1 unless the database is at head with no applied migration edited, and the
//! models and the database match the head schema.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use crate::schema::Schema;
use crate::text::printable;

use super::authoring::{crate_dir, read_models};
use super::error::CliError;
use super::output::describe;
use super::Ctx;

/// `check [--models PATH]`: prints `ok: ...`, or the problems (exit 1).
pub(super) fn check(ctx: &mut Ctx<'_, '_>, models: Option<&Path>) -> Result<ExitCode, CliError> {
    let mut problems = Vec::new();
    let head = ctx.migrations.head_schema()?;
    let models_path = models.map(Path::to_path_buf).or_else(|| {
        let default = crate_dir(ctx.migrations).join("src/schema.rs");
        default.is_file().then_some(default)
    });
    if let Some(path) = &models_path {
        problems.extend(models_problem(path, &head)?);
    }
    let mut summary = String::new();
    if ctx.db.explicit || models_path.is_none() {
        summary = database_problems(ctx, &head, &mut problems)?;
    }
    if problems.is_empty() {
        let what = if summary.is_empty() {
            "the models match the head schema".to_owned()
        } else {
            summary
        };
        println!("ok: {what}");
        return Ok(ExitCode::SUCCESS);
    }
    if !summary.is_empty() {
        problems.insert(0, summary);
    }
    ctx.out.error(&problems.join("\n"));
    Ok(ExitCode::from(1))
}

/// How the models at `path` differ from the head schema, if they do.
fn models_problem(path: &Path, head: &Schema) -> Result<Option<String>, CliError> {
    let parsed = read_models(path)?;
    let diffs = crate::models::diesel_differences(&parsed, head);
    if diffs.is_empty() {
        return Ok(None);
    }
    let mut text = format!(
        "the models ({}) differ from the head schema:",
        path.display()
    );
    for d in diffs {
        let _ = write!(text, "\n  {}", printable(&d.to_string()));
    }
    text.push_str("\n  (`revision --autogenerate -m ...` writes the migration; `schema` prints the head as table! code)");
    Ok(Some(text))
}

/// The database's problems (pending, half-done or edited migrations, a schema that differs
/// from the head's), added to `problems`; returns where the database is.
fn database_problems(
    ctx: &mut Ctx<'_, '_>,
    head: &Schema,
    problems: &mut Vec<String>,
) -> Result<String, CliError> {
    let mut engine = ctx.engine()?;
    let status = engine.status()?;
    let summary = format!(
        "{} is {}",
        ctx.db.shown(),
        describe(ctx.migrations, &status.current)
    );
    if !status.pending.is_empty() {
        let mut text = format!("{} migration(s) not applied:", status.pending.len());
        for m in &status.pending {
            let _ = write!(text, "\n  {} {}", m.revision, printable(m.message));
        }
        problems.push(text);
    }
    if let Some(p) = &status.in_progress {
        problems.push(p.to_string());
    }
    if !status.edited.is_empty() {
        let mut text = "applied migration(s) edited since they ran:".to_owned();
        for e in &status.edited {
            let _ = write!(text, "\n  {} ({})", e.revision, e.file);
        }
        problems.push(text);
    }
    if status.pending.is_empty() {
        let d = engine.connection().dialect();
        let config = engine.config().clone();
        let live = crate::introspect::introspect(engine.connection(), &config)?;
        let ops = crate::diff::diff(&head.as_stored_by(d), &live, &crate::diff::DiffScope::all());
        if !ops.is_empty() {
            let mut text =
                "the database differs from the head schema; from head, it would take:".to_owned();
            for op in &ops {
                let _ = write!(text, "\n  {}", printable(&op.describe()));
            }
            problems.push(text);
        }
    }
    Ok(summary)
}
