//! Offline SQL (`upgrade --sql`): the script a run would execute, printed instead of run,
//! with no database connection, as Alembic's offline mode does.
//!
//! The script includes the engine's own bookkeeping: creating the version and history
//! tables when it starts at base, moving the version table's heads after each migration,
//! and a history row per migration, so that a database migrated by the script is in the
//! same state as one migrated by the engine. On SQLite and PostgreSQL it is one
//! transaction; a SQLite script ends with `PRAGMA foreign_key_check;` before its commit,
//! the check the engine makes (see [`crate::fk_check`]). A migration with a Rust data step cannot be printed: it is named in an
//! error instead of being skipped.
//!
//! ```
//! use migrate_runtime::dialect::Dialect;
//! use migrate_runtime::engine::{Config, Direction};
//! use migrate_runtime::offline::offline_sql;
//! # use migrate_runtime::prelude::*;
//! # use migrate_runtime::Downgrade;
//! # fn up() -> Vec<Op> { vec![op::create_table(Table::new("users").column(Column::new("id", Type::Integer).primary_key()))] }
//! # static SET: [Migration; 1] = [Migration { revision: "aaaa0001", down_revisions: &[], message: "users",
//! #     branch_labels: &[], depends_on: &[], file: "v.rs", line: 1, upgrade: up, downgrade: Downgrade::Derived }];
//! # static MIGRATIONS: Migrations = Migrations::__from_sorted(&SET, "");
//! let sql = offline_sql(&MIGRATIONS, Dialect::Postgres, &Config::default(), Direction::Upgrade, "base:head")?;
//! assert!(sql.contains("CREATE TABLE \"users\""));
//! assert!(sql.contains("INSERT INTO \"migrate_version\""));
//! # Ok::<(), migrate_runtime::engine::EngineError>(())
//! ```

use std::fmt::Write as _;

use crate::column::Value;
use crate::dialect::{catalog, render, Dialect, Statement};
use crate::engine::{checksum, Config, Direction, EngineError};
use crate::migration::Migrations;
use crate::op::Op;
use crate::plan::{parse_target, RevSet, Step};
use crate::schema::Schema;
use crate::text::sql_comment;

/// The SQL script that takes a database from `FROM` to `TO` (`range` is `FROM:TO`, or just
/// `TO` for an upgrade from base), in `dialect`. A downgrade needs the `FROM` revision:
/// there is no database to read it from.
pub fn offline_sql(
    migrations: &Migrations,
    dialect: Dialect,
    config: &Config,
    direction: Direction,
    range: &str,
) -> Result<String, EngineError> {
    let (from, to, from_set, steps) = plan(migrations, dialect, direction, range)?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        sql_comment(&format!(
            "{} {from} -> {to} ({dialect}), generated offline",
            direction.name()
        ))
    );
    let backend = dialect.backend();
    for statement in backend.script_preamble() {
        // MySQL: the literals below double `'` and escape `\`: they mean that only without
        // NO_BACKSLASH_ESCAPES and ANSI_QUOTES, whatever the client's session has.
        let _ = writeln!(
            out,
            "{}\n{statement};",
            sql_comment(
                "string literals below need the SQL mode without NO_BACKSLASH_ESCAPES and ANSI_QUOTES"
            ),
        );
    }
    let transactional = backend.transactional_ddl();
    if transactional {
        let _ = writeln!(out, "{};", backend.begin());
    }
    if from_set.is_empty() && direction == Direction::Upgrade {
        out.push('\n');
        let tables = [config.version_table_def(), config.history_table_def()];
        let ops: Vec<Op> = tables.into_iter().map(Op::CreateTable).collect();
        let statements =
            render(dialect, &Schema::new(), &ops).expect("the engine's own tables always render");
        write_statements(&mut out, &statements);
    }
    let mut applied = from_set;
    for step in &steps {
        write_step(
            &mut out,
            migrations,
            dialect,
            config,
            direction,
            step,
            &mut applied,
        );
    }
    if let Some(checks) = backend.script_checks().filter(|_| !steps.is_empty()) {
        // The engine compares these before and after each migration (`crate::fk_check`).
        let _ = writeln!(out, "\n{checks}");
    }
    if transactional {
        let _ = writeln!(out, "\n{};", catalog::end(true));
    }
    Ok(out)
}

/// The range `FROM:TO` (or `TO` from base, upgrading) and its steps, checked: a downgrade
/// only goes back, and a Rust data step cannot be printed.
fn plan(
    migrations: &Migrations,
    dialect: Dialect,
    direction: Direction,
    range: &str,
) -> Result<(String, String, RevSet, Vec<Step>), EngineError> {
    let (from, to) = match range.split_once(':') {
        Some((from, to)) => (from, to),
        None if direction == Direction::Upgrade => ("base", range),
        None => {
            return Err(EngineError::UnknownTarget(format!(
                "downgrade --sql needs FROM:TO (the revision the database is at, then the target), not \"{range}\""
            )))
        }
    };
    let from_set = migrations.target_set(&parse_target(from)?, &RevSet::new())?;
    let to_set = migrations.target_set(&parse_target(to)?, &from_set)?;
    let steps = match direction {
        Direction::Upgrade => migrations.plan_upgrade(dialect, &from_set, &to_set)?,
        Direction::Downgrade => {
            if let Some(r) = to_set.difference(&from_set).next() {
                return Err(EngineError::UnknownTarget(format!(
                    "\"{to}\" is not below \"{from}\": {r} is not applied there; a downgrade only goes back"
                )));
            }
            migrations.plan_downgrade(dialect, &from_set, &to_set)?
        }
    };
    for step in &steps {
        if let Some(Statement::Data { step: data, .. }) = step
            .statements
            .iter()
            .find(|s| matches!(s, Statement::Data { .. }))
        {
            return Err(EngineError::Offline {
                revision: step.migration.revision,
                file: step.migration.file,
                step: data.name,
            });
        }
    }

    Ok((from.to_owned(), to.to_owned(), from_set, steps))
}

/// One migration's statements under a comment naming it, then its bookkeeping: the version
/// table's heads moved and its history row. `applied` is updated.
fn write_step(
    out: &mut String,
    migrations: &Migrations,
    dialect: Dialect,
    config: &Config,
    direction: Direction,
    step: &Step,
    applied: &mut RevSet,
) {
    let m = step.migration;
    let parents = migrations.parent_list(m);
    let header = match direction {
        Direction::Upgrade => {
            format!("Running upgrade {parents} -> {}: {}", m.revision, m.message)
        }
        Direction::Downgrade => {
            format!(
                "Running downgrade {} -> {parents}: {}",
                m.revision, m.message
            )
        }
    };
    let _ = writeln!(out, "\n{}", sql_comment(&header));
    write_statements(out, &step.statements);
    let old_heads = migrations.heads_of(applied);
    match direction {
        Direction::Upgrade => applied.insert(m.revision),
        Direction::Downgrade => applied.remove(m.revision),
    };
    let new_heads = migrations.heads_of(applied);
    let table = &config.version_table;
    for gone in old_heads.iter().filter(|h| !new_heads.contains(h)) {
        let _ = writeln!(
            out,
            "{};",
            catalog::delete_eq(dialect, table, "revision", gone)
        );
    }
    for new in new_heads.iter().filter(|h| !old_heads.contains(h)) {
        let row = vec![Value::from(*new)];
        let _ = writeln!(
            out,
            "{};",
            catalog::insert_row(dialect, table, &["revision"], row)
        );
    }
    let history = catalog::insert_row(
        dialect,
        &config.history_table,
        &["revision", "direction", "checksum", "duration_ms"],
        vec![
            Value::from(m.revision),
            Value::from(direction.name()),
            Value::from(checksum(&(m.upgrade)())),
            Value::Int(0),
        ],
    );
    let _ = writeln!(out, "{history};");
}

fn write_statements(out: &mut String, statements: &[Statement]) {
    for s in statements {
        match s {
            Statement::AssertZero { failure, .. } => {
                let comment = sql_comment(&format!("must return 0, else: {failure}"));
                let _ = writeln!(out, "{comment}\n{s}");
            }
            _ => {
                let _ = writeln!(out, "{s}");
            }
        }
    }
}
