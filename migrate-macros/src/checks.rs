//! The names that tie `#[migration]` to `embed_migrations!`.
//!
//! For every id literal it sees, the attribute emits `<() as super::__migrate_checks::NAME>::OK`
//! with the literal's span (a `let () = ..;` statement in `MIGRATION`'s initializer, so that
//! the checks add no item of their own). The embed macro, which reads every file, declares
//! each `NAME` in the sibling module `__migrate_checks`: as an alias of the
//! always-implemented trait `Valid` when the literal is fine (all of them in one `use`), or
//! as a trait of its own that nothing implements, whose `#[diagnostic::on_unimplemented]`
//! message explains the problem. rustc then reports that message at the literal, in the
//! migration file.
//!
//! This is the price of pure macros: the attribute cannot know the graph, so it checks
//! every literal, and the embed macro names every check. For 1,000 migrations (2,000
//! literals) that is about a tenth of the compiler's work on an incremental rebuild.

/// The module, sibling of the migration files' modules, that holds the checks.
pub const MODULE: &str = "__migrate_checks";

/// The always-satisfied check.
pub const VALID: &str = "Valid";

/// The check for a `revision = "<id>"` literal.
pub fn revision(id: &str) -> String {
    format!("revision_{id}")
}

/// The check for `down_revision = "<parent>"` in revision `child`.
pub fn down_revision(child: &str, parent: &str) -> String {
    format!("down_revision_{parent}_of_{child}")
}

/// The check for `depends_on = "<dep>"` in revision `child`.
pub fn depends_on(child: &str, dep: &str) -> String {
    format!("depends_on_{dep}_of_{child}")
}

/// The check for `branch_labels = ["<label>"]` in revision `child`.
pub fn branch_label(child: &str, label: &str) -> String {
    let hex: String = label.bytes().map(|b| format!("{b:02x}")).collect();
    format!("branch_label_{hex}_of_{child}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::Ident;

    #[test]
    fn names_are_identifiers() {
        for name in [
            revision("3f9a1c2b7d10"),
            down_revision("3f9a1c2b7d10", "0123"),
            depends_on("3f9a1c2b7d10", "abcd"),
            branch_label("3f9a1c2b7d10", "shop-v2_x"),
        ] {
            assert!(syn::parse_str::<Ident>(&name).is_ok(), "{name}");
        }
    }

    #[test]
    fn label_names_do_not_collide() {
        assert_ne!(branch_label("aaaa", "a-b"), branch_label("aaaa", "a_b"));
    }
}
