//! The mysql backend: how ops render as its SQL ([`render`]) and how its catalog is read
//! back as a schema (`introspect`).

pub(crate) mod introspect;
pub(crate) mod render;

use crate::backend::{catalog, render_each, Backend, Dialect, RenderError, Statement};
use crate::connection::Connection;
use crate::introspect::IntrospectError;
use crate::op::Op;
use crate::schema::Schema;

/// MySQL and MariaDB: DDL commits implicitly (the engine journals each statement); a named
/// session lock (`GET_LOCK`, which answers 1 when taken); identifiers up to 64
/// characters; string literals meant for a session without `NO_BACKSLASH_ESCAPES` and
/// `ANSI_QUOTES`, which the connection and offline scripts set.
pub(crate) struct Mysql;

/// MySQL's lock names are global to the server: the name includes the database (hashed, as
/// names are limited to 64 characters), so migrations of two databases never wait for each
/// other.
fn lock_name(version_table: &str) -> String {
    format!(
        "CONCAT('migrate:', SHA1(CONCAT(DATABASE(), '.', {})))",
        Dialect::Mysql.string_literal(version_table)
    )
}

impl Backend for Mysql {
    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    fn transactional_ddl(&self) -> bool {
        false
    }

    fn max_identifier(&self) -> Option<(usize, &'static str)> {
        Some((64, "characters"))
    }

    fn catalog_hides_unreadable_tables(&self) -> bool {
        true
    }

    fn lock(&self, version_table: &str, _whole_run: bool) -> Option<String> {
        Some(format!(
            "SELECT GET_LOCK({}, 3600)",
            lock_name(version_table)
        ))
    }

    fn unlock(&self, version_table: &str, _whole_run: bool) -> Option<String> {
        Some(format!("SELECT RELEASE_LOCK({})", lock_name(version_table)))
    }

    fn lock_answers(&self) -> bool {
        true
    }

    fn script_preamble(&self) -> Vec<String> {
        vec![catalog::mysql_session()]
    }

    fn render(
        &self,
        before: &Schema,
        ops: &[Op],
        out: &mut Vec<Statement>,
    ) -> Result<(), RenderError> {
        render_each(Dialect::Mysql, before, ops, out, render::render_op)
    }

    fn introspect(
        &self,
        conn: &mut Connection,
        skip: &dyn Fn(&str) -> bool,
    ) -> Result<Schema, IntrospectError> {
        introspect::introspect(conn, skip)
    }

    // MySQL grants on one table at a time.
    fn grant(&self, tables: &[String], grantee: &str) -> String {
        let each: Vec<String> = tables
            .iter()
            .map(|t| format!("GRANT SELECT, INSERT, UPDATE, DELETE ON {t} TO {grantee}"))
            .collect();
        each.join(" and ")
    }

    // An account is `'name'@'host'`; a user alone is a name.
    fn grantee(&self, user: &str) -> String {
        let d = Dialect::Mysql;
        match user.split_once('@') {
            Some((name, host)) => format!(
                "{}@{}",
                d.string_literal(name.trim_matches('\'')),
                d.string_literal(host.trim_matches('\''))
            ),
            None => d.string_literal(user),
        }
    }

    fn current_user(&self) -> &'static str {
        "SELECT CURRENT_USER() AS value"
    }
}
