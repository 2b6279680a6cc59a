//! The checks replay makes before an op changes anything: tables, columns, types and
//! names exist (or are free), keys are well formed, and what a drop would break.

use crate::column::{Column, Type};
use crate::schema::{closest, sql, Schema, SchemaErrorKind};
use crate::table::{ForeignKey, PrimaryKey, Table, Unique};

impl Schema {
    pub(super) fn table_ref(&self, name: &str) -> Result<&Table, SchemaErrorKind> {
        self.tables
            .get(name)
            .ok_or_else(|| SchemaErrorKind::NoSuchTable {
                table: name.to_owned(),
                closest: closest(name, self.tables.keys().map(String::as_str)),
            })
    }

    pub(super) fn table_mut(&mut self, name: &str) -> Result<&mut Table, SchemaErrorKind> {
        self.table_ref(name)?;
        Ok(self.tables.get_mut(name).expect("checked above"))
    }

    /// Who owns an index or constraint name, anywhere in the schema.
    pub(super) fn name_owner(&self, name: &str) -> Option<String> {
        self.tables.values().find_map(|t| {
            t.object_names()
                .any(|n| n == name)
                .then(|| format!("an index or constraint of table \"{}\"", t.name))
        })
    }

    pub(super) fn check_name_free(&self, name: &str) -> Result<(), SchemaErrorKind> {
        if name.is_empty() {
            return Err(SchemaErrorKind::Invalid(
                "an index or constraint needs a name".into(),
            ));
        }
        match self.name_owner(name) {
            Some(owner) => Err(SchemaErrorKind::NameTaken {
                name: name.to_owned(),
                owner,
            }),
            None => Ok(()),
        }
    }

    pub(super) fn check_type(&self, ty: &Type) -> Result<(), SchemaErrorKind> {
        match ty {
            Type::Enum(e) => match self.enums.get(&e.name) {
                None => Err(SchemaErrorKind::NoSuchEnum {
                    name: e.name.clone(),
                }),
                Some(known) if known.variants != e.variants => {
                    Err(SchemaErrorKind::Invalid(format!(
                        "enum type \"{}\" has the labels {:?}, not {:?}",
                        e.name, known.variants, e.variants
                    )))
                }
                Some(_) => Ok(()),
            },
            Type::Varchar(0) | Type::Char(0) => Err(SchemaErrorKind::Invalid(
                "a Varchar or Char length must be at least 1".into(),
            )),
            Type::Numeric(p, s) if *p == 0 || s > p => Err(SchemaErrorKind::Invalid(format!(
                "Numeric({p}, {s}) needs 1 <= precision and scale <= precision"
            ))),
            _ => Ok(()),
        }
    }

    pub(super) fn check_columns_exist(
        table: &Table,
        cols: &[String],
    ) -> Result<(), SchemaErrorKind> {
        if cols.is_empty() {
            return Err(SchemaErrorKind::Invalid(
                "an index or constraint needs at least one column".into(),
            ));
        }
        for c in cols {
            if table.get_column(c).is_none() {
                return Err(no_such_column(table, c));
            }
        }
        Ok(())
    }

    pub(super) fn check_foreign_key(
        &self,
        table: &Table,
        fk: &ForeignKey,
    ) -> Result<(), SchemaErrorKind> {
        Self::check_columns_exist(table, &fk.columns)?;
        let target = if fk.ref_table == table.name {
            table
        } else {
            self.table_ref(&fk.ref_table)?
        };
        Self::check_columns_exist(target, &fk.ref_columns)?;
        if fk.columns.len() != fk.ref_columns.len() {
            return Err(SchemaErrorKind::Invalid(format!(
                "foreign key \"{}\" has {} columns but references {}",
                fk.name,
                fk.columns.len(),
                fk.ref_columns.len()
            )));
        }
        Ok(())
    }

    /// Folds column-level `primary_key` / `unique` flags into table-level constraints and
    /// validates the whole table against this schema.
    pub(super) fn normalize_new_table(&self, mut t: Table) -> Result<Table, SchemaErrorKind> {
        if t.columns.is_empty() {
            return Err(SchemaErrorKind::Invalid(format!(
                "table \"{}\" needs at least one column",
                t.name
            )));
        }
        for (i, c) in t.columns.iter().enumerate() {
            if t.columns[..i].iter().any(|o| o.name == c.name) {
                return Err(SchemaErrorKind::ColumnExists {
                    table: t.name.clone(),
                    column: c.name.clone(),
                });
            }
            self.check_type(&c.ty)?;
        }
        let pk_cols: Vec<String> = t
            .columns
            .iter()
            .filter(|c| c.primary_key)
            .map(|c| c.name.clone())
            .collect();
        if !pk_cols.is_empty() {
            if t.primary_key.is_some() {
                return Err(SchemaErrorKind::Invalid(format!(
                    "table \"{}\" declares its primary key both on columns and with Table::primary_key: keep one",
                    t.name
                )));
            }
            t.primary_key = Some(PrimaryKey::new(&t.name, pk_cols));
        }
        let mut uniques = Vec::new();
        for c in &mut t.columns {
            if c.unique {
                let mut u = Unique::new([c.name.clone()]);
                u.resolve_name(&t.name);
                uniques.push(u);
            }
            c.primary_key = false;
            c.unique = false;
        }
        uniques.append(&mut t.uniques);
        t.uniques = uniques;
        if let Some(pk) = &t.primary_key {
            Self::check_columns_exist(&t, &pk.columns)?;
            for c in &pk.columns {
                if t.get_column(c).is_some_and(|c| c.nullable) {
                    return Err(SchemaErrorKind::Invalid(format!(
                        "primary key column \"{c}\" of table \"{}\" is nullable: mark it .not_null()",
                        t.name
                    )));
                }
            }
        }
        for c in &t.columns {
            check_autoincrement(&t, c)?;
        }
        for i in &t.indexes {
            Self::check_columns_exist(&t, &i.columns)?;
        }
        for u in &t.uniques {
            Self::check_columns_exist(&t, &u.columns)?;
        }
        for fk in &t.foreign_keys {
            self.check_foreign_key(&t, fk)?;
        }
        let names: Vec<&str> = t.object_names().collect();
        for (i, n) in names.iter().enumerate() {
            if names[..i].contains(n) {
                return Err(SchemaErrorKind::NameTaken {
                    name: (*n).to_owned(),
                    owner: format!("another index or constraint of table \"{}\"", t.name),
                });
            }
            self.check_name_free(n)?;
        }
        Ok(t)
    }

    /// Refuses to drop the unique key `name` of `table` over `cols` while a foreign key
    /// references exactly those columns and no other key of the table covers them: every
    /// backend refuses it too (a foreign key needs a unique key on the columns it references).
    pub(super) fn check_key_unused(
        &self,
        table: &str,
        name: &str,
        cols: &[String],
        kind: &str,
    ) -> Result<(), SchemaErrorKind> {
        let same_set =
            |a: &[String], b: &[String]| a.len() == b.len() && a.iter().all(|c| b.contains(c));
        let t = self.table_ref(table)?;
        let other_key = t
            .primary_key
            .iter()
            .map(|p| (p.name.as_str(), p.columns.as_slice()))
            .chain(
                t.uniques
                    .iter()
                    .map(|u| (u.name.as_str(), u.columns.as_slice())),
            )
            .chain(
                t.indexes
                    .iter()
                    .filter(|i| i.unique && i.where_clause.is_none())
                    .map(|i| (i.name.as_str(), i.columns.as_slice())),
            )
            .any(|(n, c)| n != name && same_set(c, cols));
        if other_key {
            return Ok(());
        }
        let user = self.tables.values().find_map(|o| {
            o.foreign_keys
                .iter()
                .find(|fk| fk.ref_table == table && same_set(&fk.ref_columns, cols))
                .map(|fk| (o.name.clone(), fk.name.clone()))
        });
        match user {
            Some((from, fk)) => Err(SchemaErrorKind::InUse {
                what: format!("{kind} \"{name}\""),
                by: format!("foreign key \"{fk}\" of table \"{from}\""),
                by_short: "that foreign key".into(),
            }),
            None => Ok(()),
        }
    }
}

pub(super) fn no_such_column(t: &Table, column: &str) -> SchemaErrorKind {
    SchemaErrorKind::NoSuchColumn {
        table: t.name.clone(),
        column: column.to_owned(),
        closest: closest(column, t.columns.iter().map(|c| c.name.as_str())),
    }
}

/// The indexes and constraints of `t` that use `column`, described.
pub(super) fn column_users(t: &Table, column: &str) -> Vec<String> {
    let has = |cols: &[String]| cols.iter().any(|c| c == column);
    let mut users = Vec::new();
    // A single-column primary key goes away with its column, as on every backend.
    let sole_key = |p: &&PrimaryKey| p.columns.len() == 1;
    if let Some(pk) = t
        .primary_key
        .as_ref()
        .filter(|p| has(&p.columns) && !sole_key(p))
    {
        users.push(format!("primary key \"{}\"", pk.name));
    }
    users.extend(
        t.indexes
            .iter()
            .filter(|i| has(&i.columns))
            .map(|i| format!("index \"{}\"", i.name)),
    );
    users.extend(
        t.uniques
            .iter()
            .filter(|u| has(&u.columns))
            .map(|u| format!("unique constraint \"{}\"", u.name)),
    );
    users.extend(
        t.foreign_keys
            .iter()
            .filter(|f| has(&f.columns) || (f.ref_table == t.name && has(&f.ref_columns)))
            .map(|f| format!("foreign key \"{}\"", f.name)),
    );
    for (by, _) in sql_users(t, column) {
        if !users.contains(&by) {
            users.push(by);
        }
    }
    users
}

/// The checks and partial indexes of `t` whose SQL names `column`, described, with that SQL.
pub(super) fn sql_users<'a>(t: &'a Table, column: &str) -> Vec<(String, &'a str)> {
    let checks = t
        .checks
        .iter()
        .map(|c| (format!("check constraint \"{}\"", c.name), c.expr.as_str()));
    let predicates = t.indexes.iter().filter_map(|i| {
        let w = i.where_clause.as_deref()?;
        Some((format!("index \"{}\"", i.name), w))
    });
    checks
        .chain(predicates)
        .filter(|(_, sql)| sql::names_column(sql, column))
        .collect()
}

pub(super) fn check_autoincrement(t: &Table, c: &Column) -> Result<(), SchemaErrorKind> {
    if !c.autoincrement {
        return Ok(());
    }
    let sole_pk = t
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.columns.len() == 1 && pk.columns[0] == c.name);
    if !c.ty.is_integer() || !sole_pk {
        return Err(SchemaErrorKind::Invalid(format!(
            "autoincrement column \"{}\" must be the table's only primary key column and an integer type",
            c.name
        )));
    }
    if t.columns.iter().filter(|o| o.autoincrement).count() > 1 {
        return Err(SchemaErrorKind::Invalid(format!(
            "table \"{}\" can have only one autoincrement column",
            t.name
        )));
    }
    Ok(())
}
