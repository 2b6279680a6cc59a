//! diesel's view of a schema, shared by the printer and the comparison, and the
//! comparison ([`diesel_differences`]).

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use super::{items::*, print::*, tokens::*, types::*};

// ---------------------------------------------------------------------------------------
// diesel's view of a schema, shared by the printer and the comparison.
// ---------------------------------------------------------------------------------------

/// A foreign key diesel print-schema writes as `joinable!`: single-column, to the parent's
/// whole (single-column) primary key, not from a table to itself, and the only foreign key
/// between its two tables (in either direction), as diesel print-schema decides.
pub(super) fn joinables(schema: &Schema) -> BTreeSet<(String, String, String)> {
    let mut candidates = Vec::new();
    let mut pairs: BTreeMap<(String, String), usize> = BTreeMap::new();
    for t in schema.tables.values() {
        for fk in &t.foreign_keys {
            let pair = if t.name <= fk.ref_table {
                (t.name.clone(), fk.ref_table.clone())
            } else {
                (fk.ref_table.clone(), t.name.clone())
            };
            *pairs.entry(pair.clone()).or_default() += 1;
            let parent_pk = schema
                .tables
                .get(&fk.ref_table)
                .and_then(|p| p.primary_key.as_ref())
                .map(|pk| pk.columns.clone());
            let has_pk = t.primary_key.is_some();
            if fk.ref_table != t.name
                && fk.columns.len() == 1
                && has_pk
                && parent_pk.as_ref() == Some(&fk.ref_columns)
            {
                candidates.push((
                    pair,
                    (t.name.clone(), fk.ref_table.clone(), fk.columns[0].clone()),
                ));
            }
        }
    }
    candidates
        .into_iter()
        .filter(|(pair, _)| pairs.get(pair) == Some(&1))
        .map(|(_, j)| j)
        .collect()
}

/// A type as diesel spells it in a `table!`, `Nullable` included.
pub(super) fn diesel_spelling(ty: &Type, nullable: bool) -> String {
    if nullable {
        format!("Nullable<{}>", ty.diesel_sql_type())
    } else {
        ty.diesel_sql_type()
    }
}

/// One way the models and a schema state disagree in diesel's view: what `diesel
/// print-schema` would write differently. See [`diesel_differences`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// A table only the models declare.
    TableOnlyInModels(String),
    /// A table only the state has.
    TableOnlyInState(String),
    /// A column only the models declare.
    ColumnOnlyInModels {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A column only the state has.
    ColumnOnlyInState {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A column whose type differs, as diesel spells them (`Nullable<Varchar>`).
    ColumnType {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The models' type.
        models: String,
        /// The state's type.
        state: String,
    },
    /// A column of the same type whose nullability differs.
    Nullability {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Whether the models allow NULL (the state does the opposite).
        models_nullable: bool,
    },
    /// A table whose primary key columns differ.
    PrimaryKey {
        /// The table.
        table: String,
        /// The models' key columns.
        models: Vec<String>,
        /// The state's key columns.
        state: Vec<String>,
    },
    /// A `joinable!` only the models declare.
    JoinableOnlyInModels {
        /// The child (referencing) table.
        child: String,
        /// The parent (referenced) table.
        parent: String,
        /// The foreign key column.
        column: String,
    },
    /// A foreign key of the state diesel would write as a `joinable!` the models lack.
    JoinableOnlyInState {
        /// The child (referencing) table.
        child: String,
        /// The parent (referenced) table.
        parent: String,
        /// The foreign key column.
        column: String,
    },
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::TableOnlyInModels(t) => {
                write!(f, "table \"{t}\" is in the models but not in the schema state")
            }
            Difference::TableOnlyInState(t) => {
                write!(f, "table \"{t}\" is in the schema state but not in the models")
            }
            Difference::ColumnOnlyInModels { table, column } => write!(
                f,
                "column \"{table}\".\"{column}\" is in the models but not in the schema state"
            ),
            Difference::ColumnOnlyInState { table, column } => write!(
                f,
                "column \"{table}\".\"{column}\" is in the schema state but not in the models"
            ),
            Difference::ColumnType {
                table,
                column,
                models,
                state,
            } => write!(
                f,
                "column \"{table}\".\"{column}\" is {models} in the models but {state} in the schema state"
            ),
            Difference::Nullability {
                table,
                column,
                models_nullable,
            } => {
                let (m, s) = if *models_nullable {
                    ("nullable", "NOT NULL")
                } else {
                    ("NOT NULL", "nullable")
                };
                write!(
                    f,
                    "column \"{table}\".\"{column}\" is {m} in the models but {s} in the schema state"
                )
            }
            Difference::PrimaryKey {
                table,
                models,
                state,
            } => write!(
                f,
                "table \"{table}\" has the primary key ({}) in the models but ({}) in the schema state",
                models.join(", "),
                state.join(", ")
            ),
            Difference::JoinableOnlyInModels {
                child,
                parent,
                column,
            } => write!(
                f,
                "joinable!({child} -> {parent} ({column})) is in the models but the schema state has no such foreign key"
            ),
            Difference::JoinableOnlyInState {
                child,
                parent,
                column,
            } => write!(
                f,
                "the foreign key {child}.{column} -> {parent} of the schema state has no joinable! in the models"
            ),
        }
    }
}

/// Compares models (usually [`parse_schema_rs`] of a `schema.rs`) with a schema state
/// (usually the migrations' replayed head) the way diesel sees a schema: what `diesel
/// print-schema` would write for each.
///
/// Compared: the set of tables, each table's set of columns, each column's type by
/// [`Type::same_for_diesel`] (a type difference is reported with the nullabilities) or else
/// its nullability, each primary key (its columns in order,
/// as diesel's `find` takes them), and the `joinable!`s (the foreign keys diesel
/// print-schema writes as one). Column order is not compared: diesel selects columns by
/// name. Not compared because a `table!` cannot say them: lengths and precisions, defaults,
/// comments, indexes, unique and check constraints, foreign key names and actions, enum
/// labels, and tables without a primary key (diesel cannot declare them).
///
/// An empty result means they agree. Differences come tables first (by name), then
/// joinables.
///
/// ```
/// use migrate_runtime::models::{diesel_differences, parse_schema_rs};
///
/// let models = parse_schema_rs("diesel::table! { t (id) { id -> Integer, n -> Text, } }").unwrap();
/// let state = parse_schema_rs("diesel::table! { t (id) { id -> Integer, n -> Nullable<Int4>, } }").unwrap();
/// let diffs: Vec<String> = diesel_differences(&models, &state).iter().map(|d| d.to_string()).collect();
/// assert_eq!(diffs, ["column \"t\".\"n\" is Text in the models but Nullable<Integer> in the schema state"]);
/// ```
pub fn diesel_differences(models: &Schema, state: &Schema) -> Vec<Difference> {
    let keyed = |s: &Schema| -> BTreeMap<String, Table> {
        s.tables
            .values()
            .filter(|t| t.primary_key.is_some())
            .map(|t| (t.name.clone(), t.clone()))
            .collect()
    };
    let (m, s) = (keyed(models), keyed(state));
    let mut out = Vec::new();
    let names: BTreeSet<&String> = m.keys().chain(s.keys()).collect();
    for name in names {
        let (mt, st) = match (m.get(name), s.get(name)) {
            (Some(mt), Some(st)) => (mt, st),
            (Some(_), None) => {
                out.push(Difference::TableOnlyInModels(name.clone()));
                continue;
            }
            (None, Some(_)) => {
                out.push(Difference::TableOnlyInState(name.clone()));
                continue;
            }
            (None, None) => continue,
        };
        for mc in &mt.columns {
            match st.get_column(&mc.name) {
                None => out.push(Difference::ColumnOnlyInModels {
                    table: name.clone(),
                    column: mc.name.clone(),
                }),
                Some(sc) => {
                    if !mc.ty.same_for_diesel(&sc.ty) {
                        out.push(Difference::ColumnType {
                            table: name.clone(),
                            column: mc.name.clone(),
                            models: diesel_spelling(&mc.ty, mc.nullable),
                            state: diesel_spelling(&sc.ty, sc.nullable),
                        });
                    } else if mc.nullable != sc.nullable {
                        out.push(Difference::Nullability {
                            table: name.clone(),
                            column: mc.name.clone(),
                            models_nullable: mc.nullable,
                        });
                    }
                }
            }
        }
        for sc in &st.columns {
            if mt.get_column(&sc.name).is_none() {
                out.push(Difference::ColumnOnlyInState {
                    table: name.clone(),
                    column: sc.name.clone(),
                });
            }
        }
        let pk = |t: &Table| {
            t.primary_key
                .as_ref()
                .map(|p| p.columns.clone())
                .unwrap_or_default()
        };
        if pk(mt) != pk(st) {
            out.push(Difference::PrimaryKey {
                table: name.clone(),
                models: pk(mt),
                state: pk(st),
            });
        }
    }
    let (mj, sj) = (joinables(models), joinables(state));
    for (child, parent, column) in mj.difference(&sj) {
        out.push(Difference::JoinableOnlyInModels {
            child: child.clone(),
            parent: parent.clone(),
            column: column.clone(),
        });
    }
    for (child, parent, column) in sj.difference(&mj) {
        out.push(Difference::JoinableOnlyInState {
            child: child.clone(),
            parent: parent.clone(),
            column: column.clone(),
        });
    }
    out
}
