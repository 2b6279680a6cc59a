//! Default values in their canonical forms: a default as a backend gives it back
//! ([`RawDefault`], read by [`parse_default`]), read by the column's type as the model
//! holds it ([`typed_default`]), and the form two defaults compare by
//! ([`canonical_default`]). Introspection reads defaults with these; diff compares them
//! with these.

use crate::column::{DefaultValue, Type, Value};
use crate::schema::sql;

/// A default as a backend gives it back, before it is read by the column's type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawDefault {
    /// `NULL`.
    Null,
    /// A string literal, unescaped.
    Str(String),
    /// A number, as written.
    Num(String),
    /// `TRUE` / `FALSE`.
    Bool(bool),
    /// A blob literal.
    Bytes(Vec<u8>),
    /// Any other expression, as written.
    Expr(String),
}

/// Reads a default expression's text: a literal (`'x'`, `-1`, `1.5`, `TRUE`, `NULL`,
/// `X'ab'`, `0xab`, PostgreSQL's `'x'::type`) or an expression. `backslash`: string
/// literals use `\` escapes (MySQL).
pub(crate) fn parse_default(text: &str, backslash: bool) -> RawDefault {
    let text = sql::strip_outer_parens(text);
    let tokens = sql::tokenize(text, backslash);
    // A PostgreSQL cast after a literal does not change it: `'x'::character varying`.
    let end = tokens
        .iter()
        .position(|t| t.is("::"))
        .unwrap_or(tokens.len());
    let only_a_type = tokens[end..].iter().skip(1).all(|t| match t.kind {
        sql::Kind::Word | sql::Kind::Quoted | sql::Kind::Num => true,
        sql::Kind::Punct => ["(", ")", ",", "[", "]"].contains(&t.value.as_str()),
        sql::Kind::Str => false,
    });
    if !only_a_type {
        return RawDefault::Expr(text.to_owned());
    }
    let lit = &tokens[..end];
    let raw = match lit {
        [t] if t.is_word("NULL") => Some(RawDefault::Null),
        [t] if t.is_word("TRUE") => Some(RawDefault::Bool(true)),
        [t] if t.is_word("FALSE") => Some(RawDefault::Bool(false)),
        [t] if t.kind == sql::Kind::Str => Some(RawDefault::Str(t.value.clone())),
        [t] if t.kind == sql::Kind::Num => match t.value.strip_prefix("0x") {
            Some(hex) => from_hex(hex).map(RawDefault::Bytes),
            None => Some(RawDefault::Num(t.value.clone())),
        },
        [sign, t] if (sign.is("-") || sign.is("+")) && t.kind == sql::Kind::Num => {
            let sign = if sign.is("-") { "-" } else { "" };
            Some(RawDefault::Num(format!("{sign}{}", t.value)))
        }
        [x, t] if (x.is_word("X")) && t.kind == sql::Kind::Str && x.end == t.start => {
            from_hex(&t.value).map(RawDefault::Bytes)
        }
        _ => None,
    };
    raw.unwrap_or_else(|| RawDefault::Expr(text.to_owned()))
}

fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A default read back by the column's type, as the model holds it: a boolean column's
/// `0` is `false`, an integer column's `'-1'` is `-1`, PostgreSQL's `'\xab'` on a bytea
/// column is bytes, `now()` is `CURRENT_TIMESTAMP`. `None` for no default (or `NULL`).
pub(crate) fn typed_default(ty: &Type, raw: RawDefault) -> Option<DefaultValue> {
    let number = |s: &str| -> Option<Value> {
        if let Ok(i) = s.parse::<i64>() {
            return Some(Value::Int(i));
        }
        s.parse::<f64>().ok().map(Value::Float)
    };
    let value = match raw {
        RawDefault::Null => return None,
        RawDefault::Expr(e) => return Some(DefaultValue::Sql(canonical_sql_default(&e))),
        RawDefault::Bytes(b) => Value::Bytes(b),
        RawDefault::Bool(b) => match ty {
            t if t.is_integer() => Value::Int(i64::from(b)),
            _ => Value::Bool(b),
        },
        RawDefault::Num(n) => match ty {
            Type::Boolean => match n.as_str() {
                "0" => Value::Bool(false),
                "1" => Value::Bool(true),
                _ => return Some(DefaultValue::Sql(n)),
            },
            Type::Text | Type::Varchar(_) | Type::Char(_) | Type::Enum(_) | Type::Uuid => {
                Value::Text(n)
            }
            _ => match number(&n) {
                Some(v) => v,
                None => return Some(DefaultValue::Sql(n)),
            },
        },
        RawDefault::Str(s) => match ty {
            t if t.is_integer() => s.trim().parse::<i64>().map_or(Value::Text(s), Value::Int),
            Type::Float | Type::Double | Type::Numeric(..) => {
                number(s.trim()).unwrap_or(Value::Text(s))
            }
            Type::Boolean => match s.to_ascii_lowercase().as_str() {
                "t" | "true" | "1" | "y" | "yes" | "on" => Value::Bool(true),
                "f" | "false" | "0" | "n" | "no" | "off" => Value::Bool(false),
                _ => Value::Text(s),
            },
            Type::Binary => match s.strip_prefix("\\x").and_then(from_hex) {
                Some(b) => Value::Bytes(b),
                None => Value::Bytes(s.into_bytes()),
            },
            _ => Value::Text(s),
        },
    };
    Some(DefaultValue::Value(value))
}

/// A SQL default expression in the form the model holds: the current-time functions every
/// backend spells its own way (`now()`, `current_timestamp()`, `CURRENT_TIMESTAMP`) become
/// `CURRENT_TIMESTAMP` (likewise `CURRENT_DATE`, `CURRENT_TIME`); wrapping parentheses
/// go; anything else is kept as written.
pub(crate) fn canonical_sql_default(expr: &str) -> String {
    let e = sql::strip_outer_parens(expr);
    let lower: String = e
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    match lower.as_str() {
        "current_timestamp"
        | "current_timestamp()"
        | "now()"
        | "transaction_timestamp()"
        | "localtimestamp"
        | "localtimestamp()" => "CURRENT_TIMESTAMP".into(),
        "current_date" | "current_date()" | "curdate()" => "CURRENT_DATE".into(),
        "current_time" | "current_time()" | "curtime()" | "localtime" => "CURRENT_TIME".into(),
        _ => e.to_owned(),
    }
}

/// A default in the form two defaults compare by: `None` for no default and for `NULL`; a
/// value read by the column's type (`1` on a boolean column is `true`, `"5"` on an integer
/// column is `5`, `1` on a numeric column is `1.0`); a SQL expression that is a literal
/// read as that literal, any other normalized ([`canonical_sql_default`]).
pub(crate) fn canonical_default(ty: &Type, d: Option<&DefaultValue>) -> Option<DefaultValue> {
    let value = match d? {
        DefaultValue::Value(v) => v.clone(),
        DefaultValue::Sql(e) => {
            let e = canonical_sql_default(e);
            match parse_default(&e, false) {
                RawDefault::Expr(e) => return Some(DefaultValue::Sql(sql::normalize_expr(&e))),
                raw => match typed_default(ty, raw)? {
                    DefaultValue::Value(v) => v,
                    DefaultValue::Sql(e) => {
                        return Some(DefaultValue::Sql(sql::normalize_expr(&e)))
                    }
                },
            }
        }
    };
    let v = match (ty, value) {
        (_, Value::Null) => return None,
        (Type::Boolean, Value::Int(0)) => Value::Bool(false),
        (Type::Boolean, Value::Int(1)) => Value::Bool(true),
        (t, Value::Bool(b)) if t.is_integer() => Value::Int(i64::from(b)),
        (t, Value::Float(f)) if t.is_integer() && f.fract() == 0.0 => Value::Int(f as i64),
        (t, Value::Text(s)) if t.is_integer() => {
            s.trim().parse().map_or(Value::Text(s), Value::Int)
        }
        (Type::Float | Type::Double | Type::Numeric(..), Value::Int(i)) => Value::Float(i as f64),
        (Type::Float | Type::Double | Type::Numeric(..), Value::Text(s)) => {
            s.trim().parse().map_or(Value::Text(s), Value::Float)
        }
        (Type::Text | Type::Varchar(_) | Type::Char(_) | Type::Enum(_), Value::Int(i)) => {
            Value::Text(i.to_string())
        }
        (Type::Binary, Value::Text(s)) => Value::Bytes(s.into_bytes()),
        (_, v) => v,
    };
    Some(DefaultValue::Value(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_read_by_type() {
        let d = |ty: Type, text: &str, backslash: bool| {
            typed_default(&ty, parse_default(text, backslash))
        };
        assert_eq!(
            d(Type::Integer, "'-1'::integer", false),
            Some(DefaultValue::Value(Value::Int(-1)))
        );
        assert_eq!(
            d(Type::Integer, "-1", true),
            Some(DefaultValue::Value(Value::Int(-1)))
        );
        assert_eq!(
            d(Type::Boolean, "0", false),
            Some(DefaultValue::Value(Value::Bool(false)))
        );
        assert_eq!(
            d(Type::Boolean, "false", false),
            Some(DefaultValue::Value(Value::Bool(false)))
        );
        assert_eq!(
            d(Type::Varchar(50), "'PENDING'::character varying", false),
            Some(DefaultValue::Value(Value::Text("PENDING".into())))
        );
        assert_eq!(
            d(Type::Text, r"'it\'s'", true),
            Some(DefaultValue::Value(Value::Text("it's".into())))
        );
        assert_eq!(
            d(Type::Text, "'it''s'", false),
            Some(DefaultValue::Value(Value::Text("it's".into())))
        );
        assert_eq!(
            d(Type::Numeric(10, 2), "1.50", true),
            Some(DefaultValue::Value(Value::Float(1.5)))
        );
        assert_eq!(
            d(Type::Binary, "'\\xab'::bytea", false),
            Some(DefaultValue::Value(Value::Bytes(vec![0xab])))
        );
        assert_eq!(
            d(Type::Binary, "X'ab'", false),
            Some(DefaultValue::Value(Value::Bytes(vec![0xab])))
        );
        assert_eq!(
            d(Type::Timestamp, "now()", false),
            Some(DefaultValue::sql("CURRENT_TIMESTAMP"))
        );
        assert_eq!(
            d(Type::Timestamp, "current_timestamp()", true),
            Some(DefaultValue::sql("CURRENT_TIMESTAMP"))
        );
        assert_eq!(
            d(Type::Timestamp, "(CURRENT_TIMESTAMP)", false),
            Some(DefaultValue::sql("CURRENT_TIMESTAMP"))
        );
        assert_eq!(d(Type::Integer, "NULL", true), None);
        assert_eq!(
            d(Type::Text, "lower('X')", false),
            Some(DefaultValue::sql("lower('X')"))
        );
    }
}
