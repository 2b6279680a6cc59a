//! The suggestions of error messages, in one place: "did you mean" the closest name or
//! id ([`closest`]), and a fresh-looking id to write where one is missing or malformed
//! ([`fresh_id`]). The migration-file scanner, the `#[migration]` attribute, the embed
//! macro, the revision graph and the runtime's planner all ask these two.

/// The candidate closest to `wanted`, if it is a likely typo of it.
///
/// A candidate that `wanted` is a prefix of wins when it is the only one (a truncated id);
/// otherwise the smallest Levenshtein distance wins, if it is at most a third of the length
/// of `wanted` (at least 2). Ties keep the first candidate.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let candidates: Vec<&'a str> = candidates.into_iter().collect();
    let prefixed: Vec<&'a str> = candidates
        .iter()
        .copied()
        .filter(|c| !wanted.is_empty() && c.starts_with(wanted) && *c != wanted)
        .collect();
    if let [only] = prefixed.as_slice() {
        return Some(only);
    }
    let limit = (wanted.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .filter(|c| *c != wanted)
        .map(|c| (strsim::levenshtein(wanted, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// A fresh-looking 12-digit revision id derived from `seed` (FNV-1a), stable across runs
/// and builds, so that a message suggesting it reads the same every time (and the
/// attribute, the embed macro and the scanner suggest the same id for the same mistake).
///
/// ```
/// let id = migrate_core::similar::fresh_id("versions/a.rs");
/// assert!(migrate_core::id::is_valid(&id));
/// assert_eq!(id, migrate_core::similar::fresh_id("versions/a.rs"));
/// ```
pub fn fresh_id(seed: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{:012x}", hash & 0xffff_ffff_ffff)
}

#[cfg(test)]
mod tests {
    use super::{closest, fresh_id};

    #[test]
    fn fresh_ids_are_valid_stable_and_distinct() {
        let id = fresh_id("versions/a.rs");
        assert!(crate::id::is_valid(&id), "{id}");
        assert_eq!(id.len(), 12);
        assert_ne!(id, fresh_id("versions/b.rs"));
        // The value the macro's tests expect for `revison = "aaaa"`.
        assert_eq!(
            fresh_id(&format!("{:?}{:?}", None::<&String>, None::<&String>)),
            "64c15f93803d"
        );
    }

    #[test]
    fn finds_one_typo() {
        assert_eq!(
            closest("3f9a1c2b7d11", ["9b2e4d6f8a01", "3f9a1c2b7d10"]),
            Some("3f9a1c2b7d10")
        );
    }

    #[test]
    fn finds_swapped_digits() {
        assert_eq!(
            closest("3f9a1c2b7d01", ["3f9a1c2b7d10", "000000000000"]),
            Some("3f9a1c2b7d10")
        );
    }

    #[test]
    fn ignores_far_candidates() {
        assert_eq!(closest("aaaaaaaaaaaa", ["3f9a1c2b7d10"]), None);
    }

    #[test]
    fn prefers_unique_prefix() {
        assert_eq!(
            closest("3f9a", ["3f9a1c2b7d10", "3f9b00000000"]),
            Some("3f9a1c2b7d10")
        );
    }

    #[test]
    fn ambiguous_prefix_falls_back_to_distance() {
        assert_eq!(closest("3f9a", ["3f9a1c2b7d10", "3f9a00000000"]), None);
    }

    #[test]
    fn ties_keep_first() {
        assert_eq!(closest("abcd", ["abce", "abcf"]), Some("abce"));
    }

    #[test]
    fn never_suggests_itself() {
        assert_eq!(closest("abcd", ["abcd"]), None);
    }

    #[test]
    fn empty_candidates() {
        assert_eq!(closest("abcd", []), None);
    }
}
