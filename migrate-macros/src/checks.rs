//! The names that tie `#[migration]` to `embed_migrations!`.
//!
//! For every id literal it sees, the attribute emits, with the literal's span,
//! `__migrate_check!(NAME let () = <() as super::__migrate_checks::NAME>::OK;);` in
//! `MIGRATION`'s initializer. The embed macro, which reads every file, defines the
//! `macro_rules!` `__migrate_check` before the migration modules: it keeps the check of
//! each literal with a problem and drops every other one. For each kept check it declares
//! `NAME` in the sibling module `__migrate_checks` as a trait that nothing implements, whose
//! `#[diagnostic::on_unimplemented]` message explains the problem; rustc then reports that
//! message at the literal, in the migration file (the check's tokens are the attribute's,
//! so the macro adds nothing to the diagnostic).
//!
//! The attribute cannot know the graph, so it names a check for every literal; a valid one
//! costs rustc one trivial macro expansion (declaring a name for every valid literal, and
//! checking a trait bound at each, was a tenth of rustc's work on an incremental rebuild of
//! 1,000 migrations).

/// The module, sibling of the migration files' modules, that holds the checks.
pub const MODULE: &str = "__migrate_checks";

/// The `macro_rules!` that keeps the failing checks and drops the others.
pub const MACRO: &str = "__migrate_check";

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
