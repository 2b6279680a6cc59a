//! How each backend stores the schema model: what introspecting a database migrated to a
//! schema gives back ([`Schema::as_stored_by`]), and the names the model gives what a
//! backend does not name (an inline enum type).
//!
//! Introspection builds its result with these rules, and a comparison of a live database
//! with a replayed schema reads them here: compare with `replayed.as_stored_by(dialect)`,
//! never with the replayed schema itself.

use std::collections::BTreeMap;

use crate::column::{EnumType, Type};
use crate::dsl::dialect::Dialect;
use crate::schema::naming;
use crate::schema::{sort_objects, Schema};
use crate::table::{FkAction, Table, Unique};

impl Schema {
    /// This schema as `dialect` stores it: what introspecting a database migrated to this
    /// schema gives back. Each backend forgets or merges a few things the model keeps
    /// apart; this is the one place they are written down:
    ///
    /// - **SQLite** keeps no comments; an autoincrement key is always `INTEGER`; enum
    ///   types are not named (a column's labels live in its `CHECK`), so each enum column
    ///   gets a type of its own named `<table>.<column>`; primary key names are not kept
    ///   (SQLite has no use for them), so keys get the conventional `pk_<table>`.
    /// - **PostgreSQL** stores everything the model holds.
    /// - **MySQL / MariaDB**: enum types are inline, as on SQLite; a primary key is always
    ///   named `PRIMARY` (read back as `pk_<table>`); a unique index is a unique
    ///   constraint; `RESTRICT` and `NO ACTION` are the same action (read back as
    ///   `NoAction`); `CHAR(36)` is how a `Uuid` is stored, so both read back as `Uuid`.
    ///
    /// ```
    /// use migrate_runtime::dialect::Dialect;
    /// use migrate_runtime::prelude::*;
    /// use migrate_runtime::schema::Schema;
    ///
    /// let s = Schema::replay(&[
    ///     op::create_enum(EnumType::new("mood", ["ok", "meh"])),
    ///     op::create_table(
    ///         Table::new("people")
    ///             .column(Column::new("id", Type::BigInt).primary_key().autoincrement())
    ///             .column(Column::new("mood", Type::Enum(EnumType::new("mood", ["ok", "meh"]))).comment("today")),
    ///     ),
    /// ])
    /// .unwrap();
    /// let stored = s.as_stored_by(Dialect::Sqlite);
    /// let people = stored.table("people").unwrap();
    /// assert_eq!(people.columns[0].ty, Type::Integer);
    /// assert_eq!(people.columns[1].ty, Type::Enum(EnumType::new("people.mood", ["ok", "meh"])));
    /// assert_eq!(people.columns[1].comment, None);
    /// assert_eq!(s.as_stored_by(Dialect::Postgres), s);
    /// ```
    pub fn as_stored_by(&self, dialect: Dialect) -> Schema {
        let mut s = self.clone();
        if dialect == Dialect::Postgres {
            return s;
        }
        s.enums.clear();
        for t in s.tables.values_mut() {
            let table = t.name.clone();
            for c in &mut t.columns {
                if let Type::Enum(e) = &mut c.ty {
                    e.name = inline_enum_name(&table, &c.name);
                    s.enums.insert(e.name.clone(), e.clone());
                }
            }
            if let Some(pk) = &mut t.primary_key {
                pk.name = naming::primary_key(&table);
            }
            match dialect {
                Dialect::Sqlite => as_stored_by_sqlite(t),
                Dialect::Mysql => as_stored_by_mysql(t),
                Dialect::Postgres => unreachable!("returned above"),
            }
            sort_objects(t);
        }
        s
    }
}

/// The name an inline enum (MySQL's `ENUM(...)`, SQLite's `CHECK (c IN (...))`) gets in
/// the model: `<table>.<column>`, which no two columns share.
pub(crate) fn inline_enum_name(table: &str, column: &str) -> String {
    format!("{table}.{column}")
}

/// What SQLite forgets of a table: comments; the declared type of an autoincrement key
/// (always `INTEGER`).
fn as_stored_by_sqlite(t: &mut Table) {
    t.comment = None;
    for c in &mut t.columns {
        c.comment = None;
        if c.autoincrement {
            c.ty = Type::Integer;
        }
    }
}

/// What MySQL and MariaDB merge in a table: `CHAR(36)` and `Uuid`; unique indexes and
/// unique constraints; `RESTRICT` and `NO ACTION`.
fn as_stored_by_mysql(t: &mut Table) {
    for c in &mut t.columns {
        if c.ty == Type::Char(36) {
            c.ty = Type::Uuid;
        }
    }
    let (unique, plain): (Vec<_>, Vec<_>) = std::mem::take(&mut t.indexes)
        .into_iter()
        .partition(|i| i.unique && i.where_clause.is_none());
    t.indexes = plain;
    t.uniques.extend(unique.into_iter().map(|i| Unique {
        name: i.name,
        columns: i.columns,
    }));
    for fk in &mut t.foreign_keys {
        for a in [&mut fk.on_delete, &mut fk.on_update] {
            if *a == FkAction::Restrict {
                *a = FkAction::NoAction;
            }
        }
    }
}

/// An enum type for an inline enum column, recorded in `enums`.
pub(crate) fn inline_enum(
    enums: &mut BTreeMap<String, EnumType>,
    table: &str,
    column: &str,
    labels: Vec<String>,
) -> Type {
    let e = EnumType {
        name: inline_enum_name(table, column),
        variants: labels,
    };
    enums.insert(e.name.clone(), e.clone());
    Type::Enum(e)
}
