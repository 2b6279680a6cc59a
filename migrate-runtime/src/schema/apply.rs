//! Replay: each op applied to the schema model, with the validation that rejects an op
//! that cannot apply ([`Schema::apply`] calls [`Schema::apply_in_place`] and undoes a
//! failed op).

use crate::column::{Column, EnumType, Type, Value};
use crate::op::{AlterColumn, Op};
use crate::schema::validate::{check_autoincrement, column_users, no_such_column, sql_users};
use crate::schema::{closest, naming, sql, Schema, SchemaErrorKind};
use crate::table::{Check, ForeignKey, Index, PrimaryKey, Table, Unique};

impl Schema {
    /// Applies one op in place. On an error the schema may be half changed: [`Schema::apply`]
    /// puts it back.
    pub(super) fn apply_in_place(&mut self, op: &Op) -> Result<(), SchemaErrorKind> {
        match op {
            Op::CreateTable(t) => self.create_table(t)?,
            Op::DropTable { table } => self.drop_table(table)?,
            Op::RenameTable { from, to } => self.rename_table(from, to)?,
            Op::AddColumn { table, column } => self.add_column(table, column)?,
            Op::DropColumn { table, column } => self.drop_column(table, column)?,
            Op::AlterColumn {
                table,
                column,
                change,
            } => self.alter_column(table, column, change)?,
            Op::CreateIndex { table, index } => self.create_index(table, index)?,
            Op::DropIndex { table, name } => self.drop_index(table, name)?,
            Op::CreateUnique { table, unique } => self.create_unique(table, unique)?,
            Op::CreateForeignKey { table, foreign_key } => {
                self.create_foreign_key(table, foreign_key)?
            }
            Op::CreateCheck { table, check } => self.create_check(table, check)?,
            Op::CreatePrimaryKey { table, primary_key } => {
                self.create_primary_key(table, primary_key)?
            }
            Op::DropConstraint { table, name } => self.drop_constraint(table, name)?,
            Op::CreateEnum(e) => self.create_enum(e)?,
            Op::DropEnum { name } => self.drop_enum(name)?,
            Op::Execute(_) | Op::DataStep(_) => {}
            Op::BulkInsert {
                table,
                columns,
                rows,
            } => self.bulk_insert(table, columns, rows)?,
        }
        Ok(())
    }

    /// Creates a table, its columns' key and unique flags folded into constraints.
    fn create_table(&mut self, t: &Table) -> Result<(), SchemaErrorKind> {
        if self.tables.contains_key(&t.name) {
            return Err(SchemaErrorKind::TableExists(t.name.clone()));
        }
        let t = self.normalize_new_table(t.clone())?;
        self.tables.insert(t.name.clone(), t);
        Ok(())
    }

    /// Drops a table no foreign key references.
    fn drop_table(&mut self, table: &str) -> Result<(), SchemaErrorKind> {
        self.table_ref(table)?;
        if let Some((from, fk)) = self.referencing(table, None).next() {
            return Err(SchemaErrorKind::InUse {
                what: format!("table \"{table}\""),
                by: format!("foreign key \"{}\" of table \"{from}\"", fk),
                by_short: "that foreign key".into(),
            });
        }
        self.tables.remove(table);
        Ok(())
    }

    /// Renames a table, and the foreign keys that reference it follow.
    fn rename_table(&mut self, from: &str, to: &str) -> Result<(), SchemaErrorKind> {
        self.table_ref(from)?;
        if self.tables.contains_key(to) {
            return Err(SchemaErrorKind::TableExists(to.to_owned()));
        }
        // A primary key is always named by the convention (`pk_<table>`): it follows
        // the table's new name, so that a key added back later (with its column, by
        // the inverse of drop_column) has the name the key had.
        let renamed_pk = self.tables[from]
            .primary_key
            .as_ref()
            .filter(|pk| pk.name == naming::primary_key(from))
            .map(|_| naming::primary_key(to));
        if let Some(name) = &renamed_pk {
            self.check_name_free(name)?;
        }
        let mut t = self.tables.remove(from).expect("checked above");
        t.name = to.to_owned();
        if let (Some(pk), Some(name)) = (&mut t.primary_key, renamed_pk) {
            pk.name = name;
        }
        self.tables.insert(to.to_owned(), t);
        for t in self.tables.values_mut() {
            for fk in &mut t.foreign_keys {
                if fk.ref_table == *from {
                    fk.ref_table = to.to_owned();
                }
            }
        }
        Ok(())
    }

    /// Adds an index over existing columns.
    fn create_index(&mut self, table: &str, index: &Index) -> Result<(), SchemaErrorKind> {
        let t = self.table_ref(table)?;
        Self::check_columns_exist(t, &index.columns)?;
        self.check_name_free(&index.name)?;
        self.table_mut(table)?.indexes.push(index.clone());
        Ok(())
    }

    /// Drops an index, unless it is the unique key a foreign key relies on.
    fn drop_index(&mut self, table: &str, name: &str) -> Result<(), SchemaErrorKind> {
        let unique = self
            .table_ref(table)?
            .indexes
            .iter()
            .find(|i| i.name == *name);
        if let Some(i) = unique.filter(|i| i.unique && i.where_clause.is_none()) {
            self.check_key_unused(table, name, &i.columns, "unique index")?;
        }
        let t = self.table_mut(table)?;
        let pos = t.indexes.iter().position(|i| i.name == *name);
        match pos {
            Some(p) => {
                t.indexes.remove(p);
            }
            None => {
                let closest = closest(name, t.indexes.iter().map(|i| i.name.as_str()));
                return Err(SchemaErrorKind::NoSuchIndex {
                    table: table.to_owned(),
                    name: name.to_owned(),
                    closest,
                });
            }
        }
        Ok(())
    }

    /// Adds a unique constraint over existing columns.
    fn create_unique(&mut self, table: &str, unique: &Unique) -> Result<(), SchemaErrorKind> {
        Self::check_columns_exist(self.table_ref(table)?, &unique.columns)?;
        self.check_name_free(&unique.name)?;
        self.table_mut(table)?.uniques.push(unique.clone());
        Ok(())
    }

    /// Adds a foreign key between existing columns.
    fn create_foreign_key(
        &mut self,
        table: &str,
        foreign_key: &ForeignKey,
    ) -> Result<(), SchemaErrorKind> {
        self.check_foreign_key(self.table_ref(table)?, foreign_key)?;
        self.check_name_free(&foreign_key.name)?;
        self.table_mut(table)?
            .foreign_keys
            .push(foreign_key.clone());
        Ok(())
    }

    /// Adds a check constraint with a condition.
    fn create_check(&mut self, table: &str, check: &Check) -> Result<(), SchemaErrorKind> {
        self.table_ref(table)?;
        self.check_name_free(&check.name)?;
        if check.expr.trim().is_empty() {
            return Err(SchemaErrorKind::Invalid(
                "a check constraint needs a condition".into(),
            ));
        }
        self.table_mut(table)?.checks.push(check.clone());
        Ok(())
    }

    /// Adds the primary key of a table that has none, over non-null columns.
    fn create_primary_key(
        &mut self,
        table: &str,
        primary_key: &PrimaryKey,
    ) -> Result<(), SchemaErrorKind> {
        let t = self.table_ref(table)?;
        if let Some(pk) = &t.primary_key {
            return Err(SchemaErrorKind::Invalid(format!(
                "table \"{table}\" already has the primary key \"{}\": drop it first",
                pk.name
            )));
        }
        Self::check_columns_exist(t, &primary_key.columns)?;
        for c in &primary_key.columns {
            if t.get_column(c).is_some_and(|c| c.nullable) {
                return Err(SchemaErrorKind::Invalid(format!(
                    "column \"{c}\" is nullable and cannot be in a primary key: alter it to not null first"
                )));
            }
        }
        self.check_name_free(&primary_key.name)?;
        self.table_mut(table)?.primary_key = Some(primary_key.clone());
        Ok(())
    }

    /// Creates an enum type with at least one label.
    fn create_enum(&mut self, e: &EnumType) -> Result<(), SchemaErrorKind> {
        if self.enums.contains_key(&e.name) {
            return Err(SchemaErrorKind::EnumExists(e.name.clone()));
        }
        if e.variants.is_empty() {
            return Err(SchemaErrorKind::Invalid(format!(
                "enum type \"{}\" needs at least one label",
                e.name
            )));
        }
        self.enums.insert(e.name.clone(), e.clone());
        Ok(())
    }

    /// Drops an enum type no column uses.
    fn drop_enum(&mut self, name: &str) -> Result<(), SchemaErrorKind> {
        if !self.enums.contains_key(name) {
            return Err(SchemaErrorKind::NoSuchEnum {
                name: name.to_owned(),
            });
        }
        for t in self.tables.values() {
            for c in &t.columns {
                if matches!(&c.ty, Type::Enum(e) if e.name == *name) {
                    return Err(SchemaErrorKind::InUse {
                        what: format!("enum type \"{name}\""),
                        by: format!("column \"{}\".\"{}\"", t.name, c.name),
                        by_short: "or alter that column".into(),
                    });
                }
            }
        }
        self.enums.remove(name);
        Ok(())
    }

    /// Checks a bulk insert: the table and columns exist, each row has a value per column.
    fn bulk_insert(
        &self,
        table: &str,
        columns: &[String],
        rows: &[Vec<Value>],
    ) -> Result<(), SchemaErrorKind> {
        let t = self.table_ref(table)?;
        for c in columns {
            if t.get_column(c).is_none() {
                return Err(no_such_column(t, c));
            }
        }
        if let Some((i, r)) = rows
            .iter()
            .enumerate()
            .find(|(_, r)| r.len() != columns.len())
        {
            return Err(SchemaErrorKind::Invalid(format!(
                "row {i} has {} values for {} columns",
                r.len(),
                columns.len()
            )));
        }
        Ok(())
    }

    fn add_column(&mut self, table: &str, column: &Column) -> Result<(), SchemaErrorKind> {
        let t = self.table_ref(table)?;
        if t.get_column(&column.name).is_some() {
            return Err(SchemaErrorKind::ColumnExists {
                table: table.to_owned(),
                column: column.name.clone(),
            });
        }
        self.check_type(&column.ty)?;
        let mut new_pk = None;
        if column.primary_key {
            if let Some(pk) = &t.primary_key {
                return Err(SchemaErrorKind::Invalid(format!(
                    "table \"{table}\" already has the primary key \"{}\": drop it first",
                    pk.name
                )));
            }
            let pk = PrimaryKey::new(table, [column.name.clone()]);
            self.check_name_free(&pk.name)?;
            new_pk = Some(pk);
        }
        let mut new_unique = None;
        if column.unique {
            let mut u = Unique::new([column.name.clone()]);
            u.resolve_name(table);
            self.check_name_free(&u.name)?;
            new_unique = Some(u);
        }
        let mut c = column.clone();
        c.primary_key = false;
        c.unique = false;
        let t = self.table_mut(table)?;
        t.columns.push(c);
        if new_pk.is_some() {
            t.primary_key = new_pk;
        }
        t.uniques.extend(new_unique);
        let t = self.table_ref(table)?;
        check_autoincrement(t, t.columns.last().expect("just pushed"))
    }

    fn drop_column(&mut self, table: &str, column: &str) -> Result<(), SchemaErrorKind> {
        let t = self.table_ref(table)?;
        if t.get_column(column).is_none() {
            return Err(no_such_column(t, column));
        }
        if t.columns.len() == 1 {
            return Err(SchemaErrorKind::Invalid(format!(
                "\"{column}\" is the last column of table \"{table}\": drop the table instead"
            )));
        }
        if let Some(by) = column_users(t, column).into_iter().next() {
            return Err(SchemaErrorKind::InUse {
                what: format!("column \"{table}\".\"{column}\""),
                by_short: by.clone(),
                by,
            });
        }
        if let Some((from, fk)) = self.referencing(table, Some(column)).next() {
            return Err(SchemaErrorKind::InUse {
                what: format!("column \"{table}\".\"{column}\""),
                by: format!("foreign key \"{fk}\" of table \"{from}\""),
                by_short: "that foreign key".into(),
            });
        }
        let t = self.table_mut(table)?;
        t.columns.retain(|c| c.name != column);
        if t.primary_key
            .as_ref()
            .is_some_and(|p| p.columns.iter().any(|c| c == column))
        {
            t.primary_key = None;
        }
        Ok(())
    }

    fn alter_column(
        &mut self,
        table: &str,
        column: &str,
        change: &AlterColumn,
    ) -> Result<(), SchemaErrorKind> {
        let t = self.table_ref(table)?;
        let Some(old) = t.get_column(column) else {
            return Err(no_such_column(t, column));
        };
        if change.is_empty() {
            return Err(SchemaErrorKind::Invalid(
                "alter_column changes nothing: set a new name, type, nullability, default or comment".into(),
            ));
        }
        if let Some(to) = &change.rename {
            if to != column && t.get_column(to).is_some() {
                return Err(SchemaErrorKind::ColumnExists {
                    table: table.to_owned(),
                    column: to.clone(),
                });
            }
            if let Some(by) = sql_users(t, column)
                .into_iter()
                .find(|(_, sql)| sql::rename_column(sql, column, to).is_none())
                .map(|(by, _)| by)
            {
                return Err(SchemaErrorKind::InUse {
                    what: format!("column \"{table}\".\"{column}\""),
                    by: format!(
                        "{by} (its SQL names the column without the quotes \"{to}\" needs)"
                    ),
                    by_short: by,
                });
            }
        }
        if let Some(ty) = &change.ty {
            self.check_type(ty)?;
            if old.autoincrement && !ty.is_integer() {
                return Err(SchemaErrorKind::Invalid(format!(
                    "column \"{column}\" is autoincrement and must keep an integer type"
                )));
            }
        }
        if change.nullable == Some(true)
            && t.primary_key
                .as_ref()
                .is_some_and(|pk| pk.columns.iter().any(|c| c == column))
        {
            return Err(SchemaErrorKind::InUse {
                what: format!("column \"{table}\".\"{column}\""),
                by: "the primary key (a key column cannot be nullable)".into(),
                by_short: "the primary key".into(),
            });
        }
        let new_name = change.rename.clone().unwrap_or_else(|| column.to_owned());
        let t = self.table_mut(table)?;
        let c = t
            .columns
            .iter_mut()
            .find(|c| c.name == column)
            .expect("checked above");
        c.name = new_name.clone();
        if let Some(ty) = &change.ty {
            c.ty = ty.clone();
        }
        if let Some(n) = change.nullable {
            c.nullable = n;
        }
        if let Some(d) = &change.default {
            c.default = d.clone();
        }
        if let Some(cm) = &change.comment {
            c.comment = cm.clone();
        }
        if new_name != column {
            let rename = |cols: &mut Vec<String>| {
                for x in cols.iter_mut() {
                    if x == column {
                        *x = new_name.clone();
                    }
                }
            };
            if let Some(pk) = &mut t.primary_key {
                rename(&mut pk.columns);
            }
            t.indexes.iter_mut().for_each(|i| rename(&mut i.columns));
            t.uniques.iter_mut().for_each(|u| rename(&mut u.columns));
            t.foreign_keys
                .iter_mut()
                .for_each(|f| rename(&mut f.columns));
            // Checks and partial indexes name their columns in SQL: follow the rename there
            // too, as the databases do (SQLite rebuilds and recreated tables use this text).
            let renamed = |sql: &mut String| {
                *sql = sql::rename_column(sql, column, &new_name).expect("checked above");
            };
            t.checks.iter_mut().for_each(|c| renamed(&mut c.expr));
            t.indexes
                .iter_mut()
                .filter_map(|i| i.where_clause.as_mut())
                .for_each(renamed);
            for other in self.tables.values_mut() {
                for fk in &mut other.foreign_keys {
                    if fk.ref_table == table {
                        rename(&mut fk.ref_columns);
                    }
                }
            }
        }
        Ok(())
    }

    fn drop_constraint(&mut self, table: &str, name: &str) -> Result<(), SchemaErrorKind> {
        let t = self.table_ref(table)?;
        if t.indexes.iter().any(|i| i.name == name) {
            return Err(SchemaErrorKind::Invalid(format!(
                "\"{name}\" is an index, not a constraint: use op::drop_index(\"{table}\", \"{name}\")"
            )));
        }
        if t.primary_key.as_ref().is_some_and(|p| p.name == name) {
            if let Some(c) = t.columns.iter().find(|c| c.autoincrement) {
                return Err(SchemaErrorKind::InUse {
                    what: format!("primary key \"{name}\""),
                    by: format!("autoincrement column \"{}\"", c.name),
                    by_short: "the column's autoincrement (drop the column)".into(),
                });
            }
            let pk_cols = t
                .primary_key
                .as_ref()
                .map(|p| p.columns.clone())
                .unwrap_or_default();
            let dependent = self.tables.values().find_map(|o| {
                o.foreign_keys
                    .iter()
                    .find(|fk| {
                        fk.ref_table == table && fk.ref_columns.iter().any(|c| pk_cols.contains(c))
                    })
                    .map(|fk| (o.name.clone(), fk.name.clone()))
            });
            if let Some((from, fk)) = dependent {
                return Err(SchemaErrorKind::InUse {
                    what: format!("primary key \"{name}\""),
                    by: format!("foreign key \"{fk}\" of table \"{from}\""),
                    by_short: "that foreign key".into(),
                });
            }
            self.table_mut(table)?.primary_key = None;
            return Ok(());
        }
        if let Some(u) = t.uniques.iter().find(|u| u.name == name) {
            self.check_key_unused(table, name, &u.columns, "unique constraint")?;
        }
        let t = self.table_mut(table)?;
        let before = t.uniques.len() + t.foreign_keys.len() + t.checks.len();
        t.uniques.retain(|u| u.name != name);
        t.foreign_keys.retain(|f| f.name != name);
        t.checks.retain(|c| c.name != name);
        if t.uniques.len() + t.foreign_keys.len() + t.checks.len() == before {
            let closest = closest(
                name,
                t.object_names()
                    .filter(|n| !t.indexes.iter().any(|i| i.name == *n)),
            );
            return Err(SchemaErrorKind::NoSuchConstraint {
                table: table.to_owned(),
                name: name.to_owned(),
                closest,
            });
        }
        Ok(())
    }
}
