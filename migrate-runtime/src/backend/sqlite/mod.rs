//! The sqlite backend: how ops render as its SQL (`render`) and how its catalog is read
//! back as a schema (`introspect`).

pub mod fk_check;
pub(crate) mod introspect;
pub(crate) mod render;

use crate::backend::{Backend, Dialect, RenderError, Statement};
use crate::connection::Connection;
use crate::introspect::IntrospectError;
use crate::op::Op;
use crate::schema::Schema;

/// SQLite: transactional DDL; the migration lock is the write transaction (`BEGIN
/// IMMEDIATE`); no `ALTER` for most changes, so ops render through table rebuilds; foreign
/// keys are off while migrations run, so the engine compares `foreign_key_check` around
/// each migration ([`fk_check`]).
pub(crate) struct Sqlite;

impl Backend for Sqlite {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn lock_is_the_transaction(&self) -> bool {
        true
    }

    fn begin(&self) -> &'static str {
        "BEGIN IMMEDIATE"
    }

    fn script_checks(&self) -> Option<&'static str> {
        Some("-- SQLite checks no foreign key unless told to: rows listed here that were not listed before the script point at nothing; ROLLBACK if there are any\nPRAGMA foreign_key_check;")
    }

    fn render(
        &self,
        before: &Schema,
        ops: &[Op],
        out: &mut Vec<Statement>,
    ) -> Result<(), RenderError> {
        render::render(before, ops, out)
    }

    fn introspect(
        &self,
        conn: &mut Connection,
        skip: &dyn Fn(&str) -> bool,
    ) -> Result<Schema, IntrospectError> {
        introspect::introspect(conn, skip)
    }

    fn current_user(&self) -> &'static str {
        "SELECT '' AS value"
    }
}
