//! The naming convention for indexes and constraints that are not named explicitly.
//!
//! Deterministic names let a later migration drop a constraint on every backend, as
//! Alembic's documentation recommends. The convention:
//!
//! | object | name |
//! |---|---|
//! | index | `ix_<table>_<col>[_<col>...]` |
//! | unique constraint | `uq_<table>_<col>[_<col>...]` |
//! | foreign key | `fk_<table>_<col>[_<col>...]_<referenced table>` |
//! | check constraint | `ck_<table>_<name>` |
//! | primary key | `pk_<table>` |
//!
//! A name longer than [`MAX_NAME_BYTES`] (PostgreSQL's limit, the smallest of the three
//! backends) is shortened deterministically: its head is kept and the rest is replaced by a
//! hash of the full name, so two long names never collide by truncation.
//!
//! ```
//! use migrate_runtime::naming;
//! assert_eq!(naming::index("orders", &["created_at"]), "ix_orders_created_at");
//! let long = naming::foreign_key(&"t".repeat(40), &["a_rather_long_column"], &"u".repeat(30));
//! assert_eq!(long.len(), naming::MAX_NAME_BYTES);
//! ```

/// The longest identifier the convention produces, in bytes (PostgreSQL's 63).
pub const MAX_NAME_BYTES: usize = 63;

fn joined<S: AsRef<str>>(prefix: &str, table: &str, cols: &[S], suffix: Option<&str>) -> String {
    let mut name = format!("{prefix}_{table}");
    for c in cols {
        name.push('_');
        name.push_str(c.as_ref());
    }
    if let Some(s) = suffix {
        name.push('_');
        name.push_str(s);
    }
    shorten(&name)
}

/// The name of an index on `table` over `cols`.
pub fn index<S: AsRef<str>>(table: &str, cols: &[S]) -> String {
    joined("ix", table, cols, None)
}

/// The name of a unique constraint on `table` over `cols`.
pub fn unique<S: AsRef<str>>(table: &str, cols: &[S]) -> String {
    joined("uq", table, cols, None)
}

/// The name of a foreign key from `table`.`cols` to `referenced`.
pub fn foreign_key<S: AsRef<str>>(table: &str, cols: &[S], referenced: &str) -> String {
    joined("fk", table, cols, Some(referenced))
}

/// The name of a check constraint called `name` on `table`.
pub fn check(table: &str, name: &str) -> String {
    shorten(&format!("ck_{table}_{name}"))
}

/// The short name of a check called `name` on `table`: the name without the convention's
/// `ck_<table>_` prefix.
pub(crate) fn check_short_name(table: &str, name: &str) -> String {
    name.strip_prefix(&format!("ck_{table}_"))
        .unwrap_or(name)
        .to_owned()
}

/// The name of `table`'s primary key.
pub fn primary_key(table: &str) -> String {
    shorten(&format!("pk_{table}"))
}

/// Shortens `name` to at most [`MAX_NAME_BYTES`] bytes: the head (cut on a character
/// boundary), `_`, and 8 hex digits of a stable hash (FNV-1a) of the whole name.
pub fn shorten(name: &str) -> String {
    if name.len() <= MAX_NAME_BYTES {
        return name.to_owned();
    }
    let hash = fnv1a(name.as_bytes());
    let suffix = format!("_{:08x}", hash as u32);
    let mut cut = MAX_NAME_BYTES - suffix.len();
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{}", &name[..cut], suffix)
}

/// FNV-1a, 64-bit: small, stable across platforms and releases.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_kept() {
        assert_eq!(unique("users", &["email"]), "uq_users_email");
        assert_eq!(
            foreign_key("orders", &["user_id"], "users"),
            "fk_orders_user_id_users"
        );
        assert_eq!(check("items", "price_positive"), "ck_items_price_positive");
        assert_eq!(primary_key("users"), "pk_users");
    }

    #[test]
    fn long_names_are_shortened_without_collision() {
        let a = index(&"x".repeat(70), &["a"]);
        let b = index(&"x".repeat(70), &["b"]);
        assert_eq!(a.len(), MAX_NAME_BYTES);
        assert_eq!(b.len(), MAX_NAME_BYTES);
        assert_ne!(a, b);
        assert_eq!(a, index(&"x".repeat(70), &["a"]));
    }

    #[test]
    fn shortening_respects_char_boundaries() {
        let n = shorten(&"é".repeat(40));
        assert!(n.len() <= MAX_NAME_BYTES);
    }
}
