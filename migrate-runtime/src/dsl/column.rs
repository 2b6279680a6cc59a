//! Columns and their closed set of types, values and defaults.

use std::fmt;

/// A column type: a closed set, mapped to each dialect's spelling in one table per dialect.
///
/// ```
/// use migrate_runtime::prelude::*;
/// let price = Column::new("price", Type::Numeric(10, 2)).not_null();
/// assert_eq!(price.ty, Type::Numeric(10, 2));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    /// 32-bit integer.
    Integer,
    /// 64-bit integer.
    BigInt,
    /// 16-bit integer.
    SmallInt,
    /// Unbounded text.
    Text,
    /// Text of at most `n` characters.
    Varchar(u32),
    /// Fixed-length text of `n` characters.
    Char(u32),
    /// True or false.
    Boolean,
    /// Single-precision float.
    Float,
    /// Double-precision float.
    Double,
    /// Exact decimal with precision and scale.
    Numeric(u8, u8),
    /// Calendar date.
    Date,
    /// Time of day.
    Time,
    /// Date and time without time zone.
    Timestamp,
    /// Date and time with time zone.
    TimestampTz,
    /// Bytes.
    Binary,
    /// JSON document.
    Json,
    /// UUID.
    Uuid,
    /// One of a fixed set of labels: a named type on PostgreSQL (`op::create_enum` creates it),
    /// an inline `ENUM(...)` on MySQL, and `TEXT` with a `CHECK` on SQLite.
    Enum(EnumType),
}

impl Type {
    /// The diesel SQL type this type maps to in a `table!` definition (`Varchar`,
    /// `Timestamptz`, ...). diesel's `Varchar` and `Text` are the same type, and it keeps
    /// no length; a named enum maps to its own (custom) type name in `CamelCase`.
    ///
    /// ```
    /// use migrate_runtime::column::Type;
    /// assert_eq!(Type::Varchar(255).diesel_sql_type(), "Varchar");
    /// assert_eq!(Type::Boolean.diesel_sql_type(), "Bool");
    /// ```
    pub fn diesel_sql_type(&self) -> String {
        match self {
            Type::Integer => "Integer".into(),
            Type::BigInt => "BigInt".into(),
            Type::SmallInt => "SmallInt".into(),
            Type::Text => "Text".into(),
            Type::Varchar(_) | Type::Char(_) => "Varchar".into(),
            Type::Boolean => "Bool".into(),
            Type::Float => "Float".into(),
            Type::Double => "Double".into(),
            Type::Numeric(..) => "Numeric".into(),
            Type::Date => "Date".into(),
            Type::Time => "Time".into(),
            Type::Timestamp => "Timestamp".into(),
            Type::TimestampTz => "Timestamptz".into(),
            Type::Binary => "Binary".into(),
            Type::Json => "Json".into(),
            Type::Uuid => "Uuid".into(),
            Type::Enum(e) => e
                .name
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(|w| {
                    let mut cs = w.chars();
                    cs.next()
                        .map(|f| f.to_ascii_uppercase().to_string() + cs.as_str())
                        .unwrap_or_default()
                })
                .collect(),
        }
    }

    /// Whether two types are the same in diesel's eyes (a `table!` cannot tell `Text` from
    /// `Varchar(50)`): what a comparison against models can check.
    pub fn same_for_diesel(&self, other: &Type) -> bool {
        let text = |t: &Type| matches!(t, Type::Text | Type::Varchar(_) | Type::Char(_));
        (text(self) && text(other)) || self.diesel_sql_type() == other.diesel_sql_type()
    }

    /// Whether the type is an integer type (can carry `autoincrement`).
    pub fn is_integer(&self) -> bool {
        matches!(self, Type::Integer | Type::BigInt | Type::SmallInt)
    }
}

/// An enumerated type: a name (used by PostgreSQL) and its labels in order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnumType {
    /// The type's name.
    pub name: String,
    /// The labels, in order.
    pub variants: Vec<String>,
}

impl EnumType {
    /// An enum named `name` with these labels.
    ///
    /// ```
    /// use migrate_runtime::prelude::*;
    /// let status = EnumType::new("order_status", ["pending", "paid"]);
    /// assert_eq!(status.variants.len(), 2);
    /// ```
    pub fn new<I, S>(name: impl Into<String>, variants: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        EnumType {
            name: name.into(),
            variants: variants.into_iter().map(Into::into).collect(),
        }
    }
}

/// A typed value, for server defaults and `op::bulk_insert` rows.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Bytes(Vec<u8>),
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int(v.into())
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Bytes(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// A column's server default: a typed value, or a raw SQL expression.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    /// A literal value, rendered per dialect (`false` is `FALSE` on PostgreSQL, `0` on MySQL).
    Value(Value),
    /// A SQL expression written as is, such as `CURRENT_TIMESTAMP`.
    Sql(String),
}

impl DefaultValue {
    /// A raw SQL default expression.
    ///
    /// ```
    /// use migrate_runtime::prelude::*;
    /// let c = Column::new("created_at", Type::Timestamp)
    ///     .server_default(DefaultValue::sql("CURRENT_TIMESTAMP"));
    /// assert!(matches!(c.default, Some(DefaultValue::Sql(_))));
    /// ```
    pub fn sql(expr: impl Into<String>) -> Self {
        DefaultValue::Sql(expr.into())
    }
}

impl<T: Into<Value>> From<T> for DefaultValue {
    fn from(v: T) -> Self {
        DefaultValue::Value(v.into())
    }
}

/// A column definition, built with chained calls.
///
/// Columns are nullable unless `.not_null()` or `.primary_key()` says otherwise, as in
/// SQLAlchemy. `.primary_key()` and `.unique()` become table-level constraints with
/// conventional names when the column is added (see [`crate::naming`]).
///
/// ```
/// use migrate_runtime::prelude::*;
/// let c = Column::new("is_physical", Type::Boolean).not_null().server_default(false);
/// assert!(!c.nullable);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The column name.
    pub name: String,
    /// The column type.
    pub ty: Type,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// Part of the primary key (folded into the table's primary key by the schema model).
    pub primary_key: bool,
    /// Values are generated by the database (integer primary keys only).
    pub autoincrement: bool,
    /// Has a single-column unique constraint (folded into the table by the schema model).
    pub unique: bool,
    /// The server default.
    pub default: Option<DefaultValue>,
    /// The column comment.
    pub comment: Option<String>,
}

impl Column {
    /// A nullable column with no default.
    pub fn new(name: impl Into<String>, ty: Type) -> Self {
        Column {
            name: name.into(),
            ty,
            nullable: true,
            primary_key: false,
            autoincrement: false,
            unique: false,
            default: None,
            comment: None,
        }
    }

    /// Disallows NULL.
    pub fn not_null(mut self) -> Self {
        self.nullable = false;
        self
    }

    /// Allows NULL (the default).
    pub fn nullable(mut self) -> Self {
        self.nullable = true;
        self
    }

    /// Makes the column (part of) the primary key; implies NOT NULL.
    pub fn primary_key(mut self) -> Self {
        self.primary_key = true;
        self.nullable = false;
        self
    }

    /// Database-generated values (an integer primary key): `AUTOINCREMENT` on SQLite,
    /// an identity column on PostgreSQL, `AUTO_INCREMENT` on MySQL.
    pub fn autoincrement(mut self) -> Self {
        self.autoincrement = true;
        self
    }

    /// Adds a single-column unique constraint named by the naming convention.
    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    /// Sets the server default: a value (`false`, `0`, `"x"`) or [`DefaultValue::sql`].
    pub fn server_default(mut self, default: impl Into<DefaultValue>) -> Self {
        self.default = Some(default.into());
        self
    }

    /// Sets the column comment (not stored on SQLite, which has no comments).
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Varchar(n) => write!(f, "Varchar({n})"),
            Type::Char(n) => write!(f, "Char({n})"),
            Type::Numeric(p, s) => write!(f, "Numeric({p}, {s})"),
            Type::Enum(e) => write!(f, "Enum({})", e.name),
            other => write!(f, "{other:?}"),
        }
    }
}
