//! Revision ids: short lowercase hexadecimal strings, as Alembic makes them.
//!
//! A valid id has between [`MIN_LEN`] and [`MAX_LEN`] characters, each one of `0-9a-f`.
//! Generated ids have [`DEFAULT_LEN`] characters (48 random bits). The bounds are chosen so
//! that a typo'd short id (`"a"`, `"42"`) is refused while a full UUID without dashes (32
//! characters) still fits.

use std::fmt;

/// The shortest accepted revision id.
pub const MIN_LEN: usize = 4;

/// The longest accepted revision id (a UUID without dashes).
pub const MAX_LEN: usize = 32;

/// The length of the ids this project generates (as Alembic does).
pub const DEFAULT_LEN: usize = 12;

/// Why a string is not a valid revision id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdError {
    /// The id is empty.
    Empty,
    /// The id is shorter than [`MIN_LEN`].
    TooShort {
        /// Its length.
        len: usize,
    },
    /// The id is longer than [`MAX_LEN`].
    TooLong {
        /// Its length.
        len: usize,
    },
    /// The id is hexadecimal but has uppercase letters.
    Uppercase {
        /// The same id, lowercased: a valid replacement.
        lowercase: String,
    },
    /// The id has a character that is not a hexadecimal digit.
    NotHex {
        /// The first offending character.
        ch: char,
        /// Its index, in characters.
        index: usize,
    },
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdError::Empty => write!(
                f,
                "revision id is empty: use {DEFAULT_LEN} lowercase hex digits, e.g. \"3f9a1c2b7d10\""
            ),
            IdError::TooShort { len } => write!(
                f,
                "revision id has {len} character{}, at least {MIN_LEN} are needed: \
                 use {DEFAULT_LEN} lowercase hex digits, e.g. \"3f9a1c2b7d10\"",
                if *len == 1 { "" } else { "s" }
            ),
            IdError::TooLong { len } => write!(
                f,
                "revision id has {len} characters, at most {MAX_LEN} are allowed: \
                 use {DEFAULT_LEN} lowercase hex digits, e.g. \"3f9a1c2b7d10\""
            ),
            IdError::Uppercase { lowercase } => write!(
                f,
                "revision id must be lowercase: use \"{lowercase}\""
            ),
            IdError::NotHex { ch, index } => write!(
                f,
                "revision id has {ch:?} at position {}, only hex digits 0-9 and a-f are allowed",
                index + 1
            ),
        }
    }
}

impl std::error::Error for IdError {}

/// Checks that `id` is a valid revision id: [`MIN_LEN`] to [`MAX_LEN`] characters of `0-9a-f`.
///
/// ```
/// use migrate_core::id::{validate, IdError};
/// assert!(validate("3f9a1c2b7d10").is_ok());
/// assert_eq!(validate("3F9A"), Err(IdError::Uppercase { lowercase: "3f9a".into() }));
/// ```
pub fn validate(id: &str) -> Result<(), IdError> {
    if id.is_empty() {
        return Err(IdError::Empty);
    }
    if let Some((index, ch)) = id.chars().enumerate().find(|(_, c)| !c.is_ascii_hexdigit()) {
        return Err(IdError::NotHex { ch, index });
    }
    if id.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(IdError::Uppercase {
            lowercase: id.to_ascii_lowercase(),
        });
    }
    // All characters are ASCII from here on, so bytes == chars.
    if id.len() < MIN_LEN {
        return Err(IdError::TooShort { len: id.len() });
    }
    if id.len() > MAX_LEN {
        return Err(IdError::TooLong { len: id.len() });
    }
    Ok(())
}

/// Whether `id` is a valid revision id (see [`validate`]).
pub fn is_valid(id: &str) -> bool {
    validate(id).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_twelve_hex_digits() {
        assert_eq!(validate("3f9a1c2b7d10"), Ok(()));
    }

    #[test]
    fn accepts_bounds() {
        assert!(is_valid("abcd"));
        assert!(is_valid(&"0".repeat(MAX_LEN)));
    }

    #[test]
    fn accepts_all_digits() {
        assert!(is_valid("0001"));
    }

    #[test]
    fn rejects_empty() {
        assert_eq!(validate(""), Err(IdError::Empty));
    }

    #[test]
    fn rejects_too_short() {
        assert_eq!(validate("abc"), Err(IdError::TooShort { len: 3 }));
    }

    #[test]
    fn rejects_too_long() {
        let id = "a".repeat(MAX_LEN + 1);
        assert_eq!(validate(&id), Err(IdError::TooLong { len: MAX_LEN + 1 }));
    }

    #[test]
    fn rejects_uppercase_with_suggestion() {
        assert_eq!(
            validate("ABCDEF12"),
            Err(IdError::Uppercase {
                lowercase: "abcdef12".into()
            })
        );
    }

    #[test]
    fn rejects_non_hex_with_position() {
        assert_eq!(
            validate("abcg12"),
            Err(IdError::NotHex { ch: 'g', index: 3 })
        );
        assert_eq!(
            validate("ab-cd"),
            Err(IdError::NotHex { ch: '-', index: 2 })
        );
    }

    #[test]
    fn non_ascii_is_reported_not_panicking() {
        assert_eq!(validate("abé1"), Err(IdError::NotHex { ch: 'é', index: 2 }));
    }

    #[test]
    fn messages_are_lowercase_and_suggest_a_fix() {
        for err in [
            IdError::Empty,
            IdError::TooShort { len: 1 },
            IdError::TooLong { len: 40 },
            IdError::Uppercase {
                lowercase: "abcd".into(),
            },
            IdError::NotHex { ch: 'x', index: 0 },
        ] {
            let text = err.to_string();
            assert!(text.starts_with("revision id"), "{text}");
            assert!(!text.ends_with('.'), "{text}");
        }
        assert_eq!(
            IdError::TooShort { len: 1 }.to_string(),
            "revision id has 1 character, at least 4 are needed: \
             use 12 lowercase hex digits, e.g. \"3f9a1c2b7d10\""
        );
    }
}
