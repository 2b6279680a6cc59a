//! The verbs that list revisions: `history`, `heads`, `branches`, `show`.

use std::process::ExitCode;

use crate::plan::parse_target;
use crate::text::printable;

use super::error::CliError;
use super::output::{display_file, history_line, line};
use super::Ctx;

/// `history [-r FROM:TO] [-i]`: the revisions, newest first.
pub(super) fn history(
    ctx: &mut Ctx<'_, '_>,
    range: Option<&str>,
    indicate_current: bool,
) -> Result<ExitCode, CliError> {
    let migrations = ctx.migrations;
    let current = if indicate_current {
        ctx.engine()?.current()?
    } else {
        Vec::new()
    };
    let shown_set = match range {
        Some(r) => {
            let (from, to) = r.split_once(':').unwrap_or((r, ""));
            let from = if from.is_empty() { "base" } else { from };
            let to = if to.is_empty() { "heads" } else { to };
            let none = Default::default();
            let lower = migrations.target_set(&parse_target(from)?, &none)?;
            let upper = migrations.target_set(&parse_target(to)?, &none)?;
            Some((lower, upper))
        }
        None => None,
    };
    for m in migrations.iter().rev() {
        if let Some((lower, upper)) = &shown_set {
            if lower.contains(m.revision) || !upper.contains(m.revision) {
                continue;
            }
        }
        let mut text = history_line(migrations, m, &ctx.out);
        if current.iter().any(|c| c == m.revision) {
            text.push_str(&ctx.out.paint("1", " (current)"));
        }
        println!("{text}");
        if ctx.cli.verbose {
            println!("    {}", display_file(migrations, m));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `heads`: the head revisions.
pub(super) fn heads(ctx: &mut Ctx<'_, '_>) -> Result<ExitCode, CliError> {
    for m in ctx.migrations.heads() {
        println!("{}", line(ctx.migrations, m, &ctx.out, ctx.cli.verbose));
    }
    Ok(ExitCode::SUCCESS)
}

/// `branches`: the revisions with more than one child, and their children.
pub(super) fn branches(ctx: &mut Ctx<'_, '_>) -> Result<ExitCode, CliError> {
    for m in ctx.migrations.iter() {
        let children = ctx.migrations.children(m);
        if children.len() > 1 {
            println!("{} (branchpoint) {}", m.revision, printable(m.message));
            for c in children {
                println!("  -> {} {}", c.revision, printable(c.message));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `show REV`: one revision.
pub(super) fn show(ctx: &mut Ctx<'_, '_>, rev: &str) -> Result<ExitCode, CliError> {
    let m = ctx.migrations.resolve(rev)?;
    print!("{}", super::output::show(ctx.migrations, m));
    Ok(ExitCode::SUCCESS)
}
