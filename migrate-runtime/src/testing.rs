//! A testing kit for a migrations crate (the counterpart of pytest-alembic): checks to call
//! from your own `cargo test`, against a fresh database of any backend.
//!
//! ```no_run
//! use migrate_runtime::testing;
//! # static MIGRATIONS: migrate_runtime::Migrations = migrate_runtime::Migrations::__from_sorted(&[], "");
//!
//! #[test]
//! fn migrations_are_sound() {
//!     let url = "sqlite:///tmp/migrations-test.db"; // a fresh, empty database
//!     testing::single_head(&MIGRATIONS).unwrap();
//!     testing::upgrade_base_to_head(&MIGRATIONS, url).unwrap();
//!     testing::up_down_consistency(&MIGRATIONS, url).unwrap();
//!     testing::models_match_head(&MIGRATIONS, include_str!("../src/schema.rs")).unwrap();
//! }
//! ```
//!
//! The database checks trust nothing the migrations say about themselves: after every
//! step, the live schema is read back by introspection ([`crate::introspect`]) and compared
//! with what the ops say it should be, and every downgrade must bring the introspected
//! schema back to what it was before the step.

use crate::connection::Connection;
use crate::diff::{diff, DiffScope};
use crate::engine::{Config, Engine};
use crate::introspect::introspect;
use crate::migration::Migrations;
use crate::schema::Schema;

/// A failed check: what is wrong, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TestingError(pub String);

fn fail<E: std::fmt::Display>(context: &str) -> impl FnOnce(E) -> TestingError + '_ {
    move |e| TestingError(format!("{context}: {e}"))
}

/// The set has exactly one head (every branch merged) and one base.
pub fn single_head(migrations: &Migrations) -> Result<(), TestingError> {
    let heads: Vec<&str> = migrations.heads().iter().map(|m| m.revision).collect();
    if heads.len() != 1 {
        return Err(TestingError(format!(
            "expected one head, found {}: {} (merge them with `merge -m \"merge heads\"`)",
            heads.len(),
            heads.join(", ")
        )));
    }
    let problems = migrations.graph().check();
    if let Some(p) = problems.first() {
        return Err(TestingError(format!("the revision graph is broken: {p:?}")));
    }
    Ok(())
}

/// The differences between what the ops say (`expected`) and the live schema, as the
/// ops that would take one to the other; empty when they agree.
fn mismatch(conn: &mut Connection, expected: &Schema) -> Result<Vec<String>, TestingError> {
    let d = conn.dialect();
    let live = introspect(conn, &Config::default()).map_err(fail("introspecting the database"))?;
    Ok(diff(&expected.as_stored_by(d), &live, &DiffScope::all())
        .iter()
        .map(|op| op.describe())
        .collect())
}

/// Upgrades the (fresh, empty) database at `url` from base to head one migration at a
/// time; after each one, the introspected schema must equal the schema the ops describe.
pub fn upgrade_base_to_head(migrations: &Migrations, url: &str) -> Result<(), TestingError> {
    let mut engine = Engine::connect(migrations, url).map_err(fail("connecting"))?;
    if !engine
        .current()
        .map_err(fail("reading the version"))?
        .is_empty()
    {
        return Err(TestingError(
            "the database is not at base: give the kit a fresh, empty database".into(),
        ));
    }
    let mut state = Schema::new();
    for m in migrations.iter() {
        engine
            .upgrade_to(m.revision)
            .map_err(fail(&format!("upgrading to {}", m.revision)))?;
        for op in (m.upgrade)() {
            state
                .apply(&op)
                .map_err(fail(&format!("replaying {}", m.revision)))?;
        }
        let wrong = mismatch(engine.connection(), &state)?;
        if !wrong.is_empty() {
            return Err(TestingError(format!(
                "after migration {} ({}), the database differs from what its ops describe; from the ops' schema to the database: {}",
                m.revision,
                m.file,
                wrong.join("; ")
            )));
        }
    }
    Ok(())
}

/// For every migration, from base: upgrade it, downgrade it, and the introspected schema
/// must be what it was before; then upgrade it again and go on (up/down/up). The database
/// at `url` must be fresh and empty; it ends at head.
pub fn up_down_consistency(migrations: &Migrations, url: &str) -> Result<(), TestingError> {
    let mut engine = Engine::connect(migrations, url).map_err(fail("connecting"))?;
    let current = engine.current().map_err(fail("reading the version"))?;
    if !current.is_empty() {
        engine
            .downgrade_to_base()
            .map_err(fail("downgrading to base first"))?;
    }
    let config = Config::default();
    for m in migrations.iter() {
        let before =
            introspect(engine.connection(), &config).map_err(fail("introspecting the database"))?;
        engine
            .upgrade_to(m.revision)
            .map_err(fail(&format!("upgrading to {}", m.revision)))?;
        // Migrations run in topological order, so the one just applied is the last: `-1`.
        engine
            .downgrade_to("-1")
            .map_err(fail(&format!("downgrading {}", m.revision)))?;
        let after =
            introspect(engine.connection(), &config).map_err(fail("introspecting the database"))?;
        let changed: Vec<String> = diff(&before, &after, &DiffScope::all())
            .iter()
            .map(|op| op.describe())
            .collect();
        if !changed.is_empty() {
            return Err(TestingError(format!(
                "migration {} ({}) is not undone by its downgrade: after upgrade and downgrade the database still differs: {}",
                m.revision,
                m.file,
                changed.join("; ")
            )));
        }
        engine
            .upgrade_to(m.revision)
            .map_err(fail(&format!("upgrading to {} again", m.revision)))?;
    }
    Ok(())
}

/// The diesel models (the text of a `schema.rs`) describe the head schema, as far as
/// diesel can tell (tables, columns, types, nullability, keys, joinables).
pub fn models_match_head(migrations: &Migrations, schema_rs: &str) -> Result<(), TestingError> {
    let models = crate::models::parse_schema_rs(schema_rs).map_err(fail("reading schema.rs"))?;
    let head = migrations
        .head_schema()
        .map_err(fail("replaying the migrations"))?;
    let diffs = crate::models::diesel_differences(&models, &head);
    if diffs.is_empty() {
        Ok(())
    } else {
        let list: Vec<String> = diffs.iter().map(|d| d.to_string()).collect();
        Err(TestingError(format!(
            "schema.rs does not match the migrations' head: {} (run `revision --autogenerate` or `schema`)",
            list.join("; ")
        )))
    }
}
