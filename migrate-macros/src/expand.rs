//! The expansion of `#[migration(...)]` by the full parsers (syn), for everything the
//! common case (`fast`) declines: the errors, with their spans, or the same output.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::Item;

use crate::ast::{self, Shape};
use crate::attr::{self, Lit};
use crate::errors::Errors;
use crate::fast::fallback;

/// The attribute's whole work on `proc_macro2` tokens: the item unchanged, then `MIGRATION`
/// and the graph checks, or the errors found and a stand-in `MIGRATION` (the entry point in
/// `lib.rs` does the same with `fast::compiler`).
#[cfg(test)]
pub fn migration(args: TokenStream, item: TokenStream) -> TokenStream {
    match fallback::migration(args, item) {
        Ok(out) => out,
        Err((args, item)) => full(args, item),
    }
}

/// The expansion by the full parsers.
pub fn full(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::new();
    let args = attr::parse(args, Span::call_site(), &mut errors);
    let shape = match syn::parse2::<Item>(item.clone()) {
        Ok(parsed) => ast::analyze(&parsed, &mut errors),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let mut out: Vec<TokenTree> = item.into_iter().collect();
    match shape {
        Some(shape) if errors.is_empty() && args.revision.is_some() => {
            fallback::generate_into(&convert(&args), &item_of(shape), &mut out);
        }
        _ => {
            out.extend(errors.to_compile_errors());
            fallback::stand_in(&mut out);
        }
    }
    out.into_iter().collect()
}

fn lits(lits: &[Lit]) -> Vec<fallback::Lit> {
    lits.iter()
        .map(|l| fallback::Lit {
            value: l.value.clone(),
            span: l.pos,
        })
        .collect()
}

fn convert(args: &attr::Args) -> fallback::Args {
    fallback::Args {
        revision: args.revision.as_ref().map(|r| fallback::Lit {
            value: r.value.clone(),
            span: r.pos,
        }),
        down_revisions: lits(&args.down_revisions),
        message: args.message.as_ref().map(|m| m.value.clone()),
        branch_labels: lits(&args.branch_labels),
        depends_on: lits(&args.depends_on),
    }
}

fn item_of(shape: Shape) -> fallback::Item {
    match shape {
        Shape::Fn { name } => fallback::Item::Fn(name),
        Shape::Mod {
            name,
            has_downgrade,
        } => fallback::Item::Mod {
            name,
            has_downgrade,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn expand(args: TokenStream, item: TokenStream) -> String {
        migration(args, item).to_string()
    }

    #[test]
    fn function_gets_migration_const_and_checks() {
        let out = expand(
            quote!(
                revision = "bbbb",
                down_revision = "aaaa",
                message = "add items",
                depends_on = ["cccc"],
                branch_labels = ["shop"]
            ),
            quote!(
                pub fn upgrade() -> Vec<Op> {
                    vec![]
                }
            ),
        );
        assert!(
            out.starts_with("pub fn upgrade () -> Vec < Op > { vec ! [] }"),
            "{out}"
        );
        assert!(out.contains("pub const MIGRATION : :: migrate_runtime :: __private :: Migration"));
        assert!(out.contains("revision : \"bbbb\""));
        assert!(out.contains("down_revisions : & [\"aaaa\"]"));
        assert!(out.contains("message : \"add items\""));
        assert!(out.contains("upgrade : upgrade"));
        assert!(out.contains("Downgrade :: Derived"));
        for check in [
            "revision_bbbb",
            "down_revision_aaaa_of_bbbb",
            "depends_on_cccc_of_bbbb",
            "branch_label_73686f70_of_bbbb",
        ] {
            assert!(
                out.contains(&format!(
                    "let () = < () as super :: __migrate_checks :: {check} > :: OK ;"
                )),
                "{check} in {out}"
            );
        }
    }

    #[test]
    fn module_with_downgrade_is_explicit() {
        let out = expand(
            quote!(revision = "bbbb", down_revision = "aaaa"),
            quote!(
                pub mod m {
                    pub fn upgrade() -> Vec<Op> {
                        vec![]
                    }
                    pub fn downgrade() -> Vec<Op> {
                        vec![]
                    }
                }
            ),
        );
        assert!(out.contains("upgrade : m :: upgrade"), "{out}");
        assert!(
            out.contains("Downgrade :: Explicit (m :: downgrade)"),
            "{out}"
        );
    }

    #[test]
    fn module_without_downgrade_is_derived() {
        let out = expand(
            quote!(revision = "bbbb"),
            quote!(
                pub mod m {
                    pub fn upgrade() -> Vec<Op> {
                        vec![]
                    }
                }
            ),
        );
        assert!(out.contains("Downgrade :: Derived"), "{out}");
    }

    #[test]
    fn errors_keep_the_item_and_add_a_stand_in() {
        let out = expand(
            quote!(revison = "bbbb"),
            quote!(
                pub fn upgrade() -> Vec<Op> {
                    vec![]
                }
            ),
        );
        assert!(out.starts_with("pub fn upgrade ()"), "{out}");
        assert_eq!(out.matches("compile_error").count(), 2, "{out}");
        // No checks and no real migration, but a `MIGRATION` that embed_migrations! can list.
        assert!(!out.contains("__migrate_checks"), "{out}");
        assert!(out.contains("pub const MIGRATION"), "{out}");
        assert!(out.contains("revision : \"\""), "{out}");
    }

    #[test]
    fn the_fast_path_expands_as_the_full_parsers_do() {
        let item = quote!(
            pub fn upgrade() -> Vec<Op> {
                vec![]
            }
        );
        let args = quote!(
            revision = "bbbb",
            down_revision = ["aaaa"],
            message = "a \"b\""
        );
        let fast = expand(args.clone(), item.clone());
        let mut errors = Errors::new();
        let parsed = attr::parse(args, Span::call_site(), &mut errors);
        let shape = ast::analyze(&syn::parse2(item.clone()).unwrap(), &mut errors).unwrap();
        assert!(errors.is_empty());
        let mut full: Vec<TokenTree> = item.into_iter().collect();
        fallback::generate_into(&convert(&parsed), &item_of(shape), &mut full);
        assert_eq!(fast, full.into_iter().collect::<TokenStream>().to_string());
    }

    #[test]
    fn argument_and_signature_errors_together() {
        let out = expand(
            quote!(revision = "XYZ"),
            quote!(
                pub async fn upgrade() -> Vec<Op> {
                    vec![]
                }
            ),
        );
        assert_eq!(out.matches("compile_error").count(), 2, "{out}");
    }
}
