//! The verbs that move the database: `upgrade`, `downgrade` (or print their SQL), `stamp`;
//! and `current`, which reads where it is.

use std::process::ExitCode;

use crate::dialect::Dialect;
use crate::engine::{Config, Direction, Event};
use crate::offline::offline_sql;
use crate::text::printable;

use super::args::Offline;
use super::error::CliError;
use super::output::{describe, line, printable_lines, warn, Output};
use super::Ctx;

/// `upgrade TARGET` (`up`) or `downgrade TARGET`; with `--sql`, the script instead.
pub(super) fn migrate(
    ctx: &mut Ctx<'_, '_>,
    up: bool,
    target: &str,
    offline: &Offline,
    resume_after: Option<usize>,
) -> Result<ExitCode, CliError> {
    let direction = if up {
        Direction::Upgrade
    } else {
        Direction::Downgrade
    };
    let migrations = ctx.migrations;
    if offline.sql {
        let dialect = offline
            .dialect
            .map_or_else(|| ctx.db.dialect(), Dialect::from);
        let sql = offline_sql(migrations, dialect, &Config::default(), direction, target)?;
        print!("{sql}");
        return Ok(ExitCode::SUCCESS);
    }
    let verbose = ctx.out.verbose;
    let painter = Output {
        colour: ctx.out.colour,
        verbose,
    };
    let engine = ctx.engine()?;
    let config = Config {
        resume_after,
        ..engine.config().clone()
    };
    let mut engine = engine.with_config(config).observe(move |e| match e {
        Event::Started { .. } => {}
        Event::Statement(s) => {
            if verbose {
                println!(
                    "    {}",
                    painter.paint("2", &printable_lines(&s.to_string()))
                );
            }
        }
        Event::Warning(w) => warn(w),
        Event::Finished(a) => {
            let m = migrations.get(a.revision);
            let verb = painter.paint(
                if a.direction == "upgrade" { "32" } else { "33" },
                &format!("{:9}", a.direction),
            );
            println!(
                "{verb} {} {} ({} ms)",
                a.revision,
                printable(m.map_or("", |m| m.message)),
                a.duration_ms
            );
        }
    });
    let ran = match direction {
        Direction::Upgrade => engine.upgrade_to(target),
        Direction::Downgrade => engine.downgrade_to(target),
    }?;
    let now = engine.current()?;
    let shown = ctx.db.shown();
    if ran.is_empty() {
        println!("nothing to do: {shown} is {}", describe(migrations, &now));
    } else {
        println!("{shown} is now {}", describe(migrations, &now));
    }
    Ok(ExitCode::SUCCESS)
}

/// `current`: the database's revision(s); exit 1 when a migration is half done.
pub(super) fn current(ctx: &mut Ctx<'_, '_>) -> Result<ExitCode, CliError> {
    let migrations = ctx.migrations;
    let mut engine = ctx.engine()?;
    let heads = engine.current()?;
    if heads.is_empty() {
        println!("{}: at base (no migration applied)", ctx.db.shown());
    }
    for h in &heads {
        match migrations.get(h) {
            Some(m) => println!("{}", line(migrations, m, &ctx.out, ctx.cli.verbose)),
            None => println!(
                "{} (unknown to this build: migrated by a newer one?)",
                printable(h)
            ),
        }
    }
    match engine.in_progress()? {
        Some(p) => {
            ctx.out.error(&p.to_string());
            Ok(ExitCode::from(1))
        }
        None => Ok(ExitCode::SUCCESS),
    }
}

/// `stamp TARGET [--purge]` or `stamp --from-diesel`: the version table only.
pub(super) fn stamp(
    ctx: &mut Ctx<'_, '_>,
    target: Option<&str>,
    purge: bool,
    from_diesel: bool,
) -> Result<ExitCode, CliError> {
    let mut engine = ctx.engine()?;
    let in_progress = engine.in_progress()?;
    let heads = match target {
        Some(t) if !from_diesel => engine.stamp(t, purge),
        _ => engine.stamp_from_diesel(),
    }?;
    if let Some(p) = in_progress {
        println!(
            "cleared the in-progress mark of migration {} ({} of its statements were journaled as done)",
            p.revision, p.done
        );
    }
    let heads: Vec<String> = heads.iter().map(|h| (*h).to_owned()).collect();
    println!(
        "stamped: {} is now {}",
        ctx.db.shown(),
        describe(ctx.migrations, &heads)
    );
    Ok(ExitCode::SUCCESS)
}
