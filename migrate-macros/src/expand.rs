//! The expansion of `#[migration(...)]`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Item;

use crate::ast::{self, Shape};
use crate::attr::{self, Args, Lit};
use crate::checks;
use crate::errors::Errors;

/// The attribute's whole work: the item unchanged, then `MIGRATION` and the graph checks,
/// or the errors found.
pub fn migration(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::new();
    let args = attr::parse(args, Span::call_site(), &mut errors);
    let shape = match syn::parse2::<Item>(item.clone()) {
        Ok(parsed) => ast::analyze(&parsed, &mut errors),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let mut out = item;
    match (&args.revision, shape) {
        (Some(revision), Some(shape)) if errors.is_empty() => {
            out.extend(generate(&args, revision, &shape));
        }
        _ => out.extend(errors.to_compile_errors()),
    }
    out
}

fn values(lits: &[Lit]) -> impl Iterator<Item = &str> {
    lits.iter().map(|l| l.value.as_str())
}

fn generate(args: &Args, revision: &Lit, shape: &Shape) -> TokenStream {
    let rt = quote!(::migrate_runtime::__private);
    let id = &revision.value;
    let parents = values(&args.down_revisions);
    let labels = values(&args.branch_labels);
    let deps = values(&args.depends_on);
    let message = args.message.as_ref().map_or("", |m| m.value.as_str());
    let (upgrade, downgrade) = match shape {
        Shape::Fn { name } => (quote!(#name), quote!(#rt::Downgrade::Derived)),
        Shape::Mod {
            name,
            has_downgrade: true,
        } => (
            quote!(#name::upgrade),
            quote!(#rt::Downgrade::Explicit(#name::downgrade)),
        ),
        Shape::Mod {
            name,
            has_downgrade: false,
        } => (quote!(#name::upgrade), quote!(#rt::Downgrade::Derived)),
    };
    // `line!()` with the attribute's span gives the attribute's line.
    let line = quote_spanned!(Span::call_site()=> ::core::line!());

    let module = format_ident!("{}", checks::MODULE);
    let check = |name: String, span: Span| {
        let name = checks::ident(&name, span);
        quote_spanned!(span=> const _: () = <() as super::#module::#name>::OK;)
    };
    let mut all_checks = vec![check(checks::revision(id), revision.span)];
    for p in &args.down_revisions {
        all_checks.push(check(checks::down_revision(id, &p.value), p.span));
    }
    for d in &args.depends_on {
        all_checks.push(check(checks::depends_on(id, &d.value), d.span));
    }
    for l in &args.branch_labels {
        all_checks.push(check(checks::branch_label(id, &l.value), l.span));
    }

    quote! {
        /// This file's migration, collected by `embed_migrations!`.
        pub const MIGRATION: #rt::Migration = #rt::Migration {
            revision: #id,
            down_revisions: &[#(#parents),*],
            message: #message,
            branch_labels: &[#(#labels),*],
            depends_on: &[#(#deps),*],
            file: ::core::file!(),
            line: #line,
            upgrade: #upgrade,
            downgrade: #downgrade,
        };
        #(#all_checks)*
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
                    "< () as super :: __migrate_checks :: {check} > :: OK"
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
    fn errors_keep_the_item_and_drop_the_const() {
        let out = expand(
            quote!(revison = "bbbb"),
            quote!(
                pub fn upgrade() -> Vec<Op> {
                    vec![]
                }
            ),
        );
        assert!(out.starts_with("pub fn upgrade ()"), "{out}");
        assert!(!out.contains("MIGRATION"), "{out}");
        assert_eq!(out.matches("compile_error").count(), 2, "{out}");
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
