//! The postgres backend: how ops render as its SQL ([`render`]) and how its catalog is read
//! back as a schema (`introspect`).

pub(crate) mod introspect;
pub(crate) mod render;

use crate::backend::{catalog, render_each, Backend, Dialect, RenderError, Statement};
use crate::connection::Connection;
use crate::introspect::IntrospectError;
use crate::op::Op;
use crate::schema::Schema;

/// PostgreSQL: transactional DDL; an advisory lock, held by the run's transaction or, run
/// per migration, by the session; identifiers up to 63 bytes.
pub(crate) struct Postgres;

impl Backend for Postgres {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn max_identifier(&self) -> Option<(usize, &'static str)> {
        Some((63, "bytes"))
    }

    fn lock(&self, version_table: &str, whole_run: bool) -> Option<String> {
        let key = catalog::lock_key(version_table);
        Some(if whole_run {
            format!("SELECT pg_advisory_xact_lock({key})")
        } else {
            format!("SELECT pg_advisory_lock({key})")
        })
    }

    fn unlock(&self, version_table: &str, whole_run: bool) -> Option<String> {
        (!whole_run).then(|| {
            format!(
                "SELECT pg_advisory_unlock({})",
                catalog::lock_key(version_table)
            )
        })
    }

    fn render(
        &self,
        before: &Schema,
        ops: &[Op],
        out: &mut Vec<Statement>,
    ) -> Result<(), RenderError> {
        render_each(Dialect::Postgres, before, ops, out, render::render_op)
    }

    fn introspect(
        &self,
        conn: &mut Connection,
        skip: &dyn Fn(&str) -> bool,
    ) -> Result<Schema, IntrospectError> {
        introspect::introspect(conn, skip)
    }
}
