//! The generated 300-migration chain, for tests and benchmarks.
//!
//! `build.rs` writes the chain to `$OUT_DIR/chain.rs`: 300 inline modules, each one real
//! `#[migration(revision = "...", down_revision = "...", message = "...")]` function, that
//! cycle create table / add column / create index over the tables `chain_000` to
//! `chain_099`, and [`CHAIN`], the set of them in order. Ids are 12 lowercase hex digits,
//! the same at every build.
//!
//! [`upgrade_ddl`] and [`downgrade_ddl`] give the same work as plain statements, rendered
//! directly from the ops over a replayed [`Schema`]: the baseline a benchmark runs in one
//! transaction to compare the engine with ([`upgrade_steps`] and [`downgrade_steps`] keep
//! them grouped per migration).

use migrate_runtime::dialect::{render, Dialect, Statement};
use migrate_runtime::inverse::derive_downgrade;
use migrate_runtime::op::Op;
use migrate_runtime::schema::Schema;

include!(concat!(env!("OUT_DIR"), "/chain.rs"));

/// Every migration's upgrade ops, in order.
fn upgrades() -> Vec<Vec<Op>> {
    CHAIN.iter().map(|m| (m.upgrade)()).collect()
}

/// The statements that take an empty database to [`HEAD`] on `dialect`: each migration's
/// ops rendered against the schema replayed before it, in order (no version table).
///
/// # Panics
///
/// When an op does not render (a bug in the chain or the renderer).
pub fn upgrade_ddl(dialect: Dialect) -> Vec<Statement> {
    upgrade_steps(dialect).concat()
}

/// [`upgrade_ddl`], one list of statements per migration.
///
/// # Panics
///
/// When an op does not render (a bug in the chain or the renderer).
pub fn upgrade_steps(dialect: Dialect) -> Vec<Vec<Statement>> {
    let mut schema = Schema::new();
    let mut out = Vec::new();
    for ops in upgrades() {
        out.push(render(dialect, &schema, &ops).expect("the chain renders"));
        for op in &ops {
            schema.apply(op).expect("the chain replays");
        }
    }
    out
}

/// The statements that take a database at [`HEAD`] back to empty on `dialect`: each
/// migration's derived downgrade rendered against the schema after it, last migration
/// first (no version table).
///
/// # Panics
///
/// When a downgrade cannot be derived or rendered (a bug in the chain or the runtime).
pub fn downgrade_ddl(dialect: Dialect) -> Vec<Statement> {
    downgrade_steps(dialect).concat()
}

/// [`downgrade_ddl`], one list of statements per migration (the last migration's first).
///
/// # Panics
///
/// When a downgrade cannot be derived or rendered (a bug in the chain or the runtime).
pub fn downgrade_steps(dialect: Dialect) -> Vec<Vec<Statement>> {
    let mut states = vec![Schema::new()];
    let ups = upgrades();
    for ops in &ups {
        let mut next = states.last().expect("starts non-empty").clone();
        for op in ops {
            next.apply(op).expect("the chain replays");
        }
        states.push(next);
    }
    let mut out = Vec::new();
    for (i, ops) in ups.iter().enumerate().rev() {
        let down = derive_downgrade(&states[i], ops).expect("the chain is reversible");
        out.push(render(dialect, &states[i + 1], &down).expect("the downgrade renders"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_is_a_line_of_300() {
        assert_eq!(CHAIN.len(), LEN);
        assert_eq!(CHAIN.as_slice()[0].revision, BASE);
        assert_eq!(CHAIN.heads().len(), 1);
        assert_eq!(CHAIN.heads()[0].revision, HEAD);
        assert!(CHAIN.graph().check().is_empty());
        for (i, m) in CHAIN.iter().enumerate() {
            assert_eq!(m.revision.len(), 12);
            assert!(m
                .revision
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
            if i > 0 {
                assert_eq!(m.down_revisions, [CHAIN.as_slice()[i - 1].revision]);
            }
        }
        assert_eq!(CHAIN.as_slice()[LEN - 1].message, "index chain_099.score");
    }

    #[test]
    fn the_direct_ddl_covers_every_migration() {
        for d in Dialect::ALL {
            let up = upgrade_ddl(d);
            let down = downgrade_ddl(d);
            assert_eq!(upgrade_steps(d).len(), LEN);
            assert_eq!(downgrade_steps(d).len(), LEN);
            // One statement per op on every dialect (ADD COLUMN of a nullable column needs
            // no SQLite rebuild).
            assert_eq!(up.len(), LEN, "{d:?}: {up:#?}");
            assert_eq!(down.len(), LEN, "{d:?}: {down:#?}");
            assert!(up[0].sql().starts_with("CREATE TABLE"), "{}", up[0].sql());
            assert!(
                up[LEN - 1].sql().starts_with("CREATE INDEX"),
                "{}",
                up[LEN - 1].sql()
            );
            assert!(
                down[LEN - 1].sql().starts_with("DROP TABLE"),
                "{}",
                down[LEN - 1].sql()
            );
        }
    }
}
