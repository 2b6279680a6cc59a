//! The item under `#[migration]`: a function, or an inline module with `upgrade` and an
//! optional `downgrade`.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Ident, Item, ReturnType, Signature, Type, Visibility};

use crate::errors::Errors;

/// What the attribute is on, once checked.
#[derive(Debug)]
pub enum Shape {
    /// `fn <name>() -> Vec<Op>`: the upgrade; the downgrade is derived.
    Fn {
        /// The function's name.
        name: Ident,
    },
    /// `mod <name> { fn upgrade() -> Vec<Op>; fn downgrade() -> Vec<Op> }`.
    Mod {
        /// The module's name.
        name: Ident,
        /// Whether the module has a `downgrade` function.
        has_downgrade: bool,
    },
}

const WHERE: &str = "put it on `pub fn upgrade() -> Vec<Op>`, or on an inline \
                     `pub mod name { pub fn upgrade() -> Vec<Op> {..} pub fn downgrade() -> Vec<Op> {..} }`";

/// Checks the item and says what it is. `None` when it cannot be used (errors added).
pub fn analyze(item: &Item, errors: &mut Errors) -> Option<Shape> {
    match item {
        Item::Fn(f) => check_signature(&f.sig, "migration function", errors).then(|| Shape::Fn {
            name: f.sig.ident.clone(),
        }),
        Item::Mod(m) => {
            let Some((_, items)) = &m.content else {
                errors.add(
                    m.span(),
                    format!(
                        "the migration module must be inline: write `mod {} {{ pub fn upgrade() -> Vec<Op> {{ .. }} }}` in this file",
                        m.ident
                    ),
                );
                return None;
            };
            let find = |name: &str| {
                items.iter().find_map(|i| match i {
                    Item::Fn(f) if f.sig.ident == name => Some(f),
                    _ => None,
                })
            };
            let mut ok = true;
            let upgrade = find("upgrade");
            let downgrade = find("downgrade");
            match upgrade {
                None => {
                    errors.add(
                        m.ident.span(),
                        format!(
                            "migration module `{}` has no `upgrade` function: add `pub fn upgrade() -> Vec<Op> {{ .. }}`",
                            m.ident
                        ),
                    );
                    ok = false;
                }
                Some(f) => {
                    ok &= check_signature(&f.sig, "`upgrade`", errors);
                    ok &= check_visible(&f.vis, &f.sig, errors);
                }
            }
            if let Some(f) = downgrade {
                ok &= check_signature(&f.sig, "`downgrade`", errors);
                ok &= check_visible(&f.vis, &f.sig, errors);
            }
            ok.then(|| Shape::Mod {
                name: m.ident.clone(),
                has_downgrade: downgrade.is_some(),
            })
        }
        other => {
            let (span, kind) = describe_item(other);
            errors.add(span, format!("#[migration] cannot go on {kind}: {WHERE}"));
            None
        }
    }
}

/// The span to blame (the item's name when it has one) and what the item is.
fn describe_item(item: &Item) -> (Span, &'static str) {
    match item {
        Item::Struct(i) => (i.ident.span(), "a struct"),
        Item::Enum(i) => (i.ident.span(), "an enum"),
        Item::Union(i) => (i.ident.span(), "a union"),
        Item::Const(i) => (i.ident.span(), "a constant"),
        Item::Static(i) => (i.ident.span(), "a static"),
        Item::Trait(i) => (i.ident.span(), "a trait"),
        Item::Type(i) => (i.ident.span(), "a type alias"),
        Item::Impl(i) => (i.impl_token.span, "an impl block"),
        Item::Use(i) => (i.use_token.span, "a use declaration"),
        other => (
            quote::ToTokens::to_token_stream(other)
                .into_iter()
                .next()
                .map_or_else(Span::call_site, |t| t.span()),
            "this item",
        ),
    }
}

fn check_visible(vis: &Visibility, sig: &Signature, errors: &mut Errors) -> bool {
    if matches!(vis, Visibility::Inherited) {
        errors.add(
            sig.fn_token.span,
            format!(
                "`{}` must be visible outside its module so the migration can call it: write `pub fn {}`",
                sig.ident, sig.ident
            ),
        );
        false
    } else {
        true
    }
}

/// Checks `fn name() -> Vec<Op>` with nothing else; adds one error per problem.
fn check_signature(sig: &Signature, what: &str, errors: &mut Errors) -> bool {
    let mut ok = true;
    let mut fail = |span: Span, msg: String| {
        errors.add(span, msg);
        ok = false;
    };
    if let Some(t) = &sig.asyncness {
        fail(
            t.span,
            format!("{what} cannot be async: it returns ops, it does not run them; remove `async`"),
        );
    }
    if let Some(t) = &sig.unsafety {
        fail(t.span, format!("{what} cannot be unsafe: remove `unsafe`"));
    }
    if let Some(abi) = &sig.abi {
        fail(
            abi.span(),
            format!(
                "{what} cannot have an ABI: remove `{}`",
                quote::quote!(#abi)
            ),
        );
    }
    if !sig.generics.params.is_empty() {
        let generics = &sig.generics;
        fail(
            generics.span(),
            format!(
                "{what} cannot be generic: remove `{}`",
                quote::quote!(#generics).to_string().replace(' ', "")
            ),
        );
    }
    if let Some(w) = &sig.generics.where_clause {
        fail(
            w.span(),
            format!("{what} cannot have a where clause: remove it"),
        );
    }
    if !sig.inputs.is_empty() || sig.variadic.is_some() {
        fail(
            sig.inputs.span(),
            format!(
                "{what} takes no arguments: write `fn {}() -> Vec<Op>`, it returns the ops and never gets a connection",
                sig.ident
            ),
        );
    }
    match &sig.output {
        ReturnType::Default => fail(
            sig.paren_token.span.close(),
            format!("{what} must return the ops: add `-> Vec<Op>`"),
        ),
        ReturnType::Type(_, ty) => {
            if !is_vec_of_op(ty) {
                fail(
                    ty.span(),
                    format!(
                        "{what} must return `Vec<Op>`, not `{}`: build and return the list of ops",
                        quote::quote!(#ty)
                            .to_string()
                            .replace(" < ", "<")
                            .replace(" >", ">")
                            .replace(" :: ", "::")
                    ),
                );
            }
        }
    }
    ok
}

/// `Vec<Op>`, whatever the paths (`std::vec::Vec<op::Op>`, ...). The type checker has the
/// last word: this only catches the obvious mistakes early with a clear message.
fn is_vec_of_op(ty: &Type) -> bool {
    let Type::Path(p) = ty else { return false };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    if last.ident != "Vec" {
        return false;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return false;
    };
    match args.args.iter().collect::<Vec<_>>().as_slice() {
        [syn::GenericArgument::Type(Type::Path(inner))] => {
            inner.path.segments.last().is_some_and(|s| s.ident == "Op")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn analyze_tokens(tokens: proc_macro2::TokenStream) -> (Option<Shape>, Vec<String>) {
        let item: Item = syn::parse2(tokens).unwrap();
        let mut errors = Errors::new();
        let shape = analyze(&item, &mut errors);
        (shape, errors.messages())
    }

    #[test]
    fn plain_function() {
        let (shape, errors) = analyze_tokens(quote!(
            pub fn upgrade() -> Vec<Op> {
                vec![]
            }
        ));
        assert!(errors.is_empty());
        assert!(matches!(shape, Some(Shape::Fn { name }) if name == "upgrade"));
    }

    #[test]
    fn qualified_return_type() {
        let (shape, errors) = analyze_tokens(quote!(
            fn up() -> ::std::vec::Vec<migrate_runtime::op::Op> {
                vec![]
            }
        ));
        assert!(errors.is_empty(), "{errors:?}");
        assert!(shape.is_some());
    }

    #[test]
    fn module_with_both() {
        let (shape, errors) = analyze_tokens(quote!(
            pub mod m {
                use super::*;
                pub fn upgrade() -> Vec<Op> {
                    vec![]
                }
                pub fn downgrade() -> Vec<Op> {
                    vec![]
                }
            }
        ));
        assert!(errors.is_empty(), "{errors:?}");
        assert!(matches!(
            shape,
            Some(Shape::Mod {
                has_downgrade: true,
                ..
            })
        ));
    }

    #[test]
    fn module_without_downgrade() {
        let (shape, errors) = analyze_tokens(quote!(
            pub mod m {
                pub fn upgrade() -> Vec<Op> {
                    vec![]
                }
            }
        ));
        assert!(errors.is_empty());
        assert!(matches!(
            shape,
            Some(Shape::Mod {
                has_downgrade: false,
                ..
            })
        ));
    }

    #[test]
    fn module_without_upgrade() {
        let (shape, errors) = analyze_tokens(quote!(
            pub mod m {
                pub fn downgrade() -> Vec<Op> {
                    vec![]
                }
            }
        ));
        assert!(shape.is_none());
        assert_eq!(
            errors,
            ["migration module `m` has no `upgrade` function: add `pub fn upgrade() -> Vec<Op> { .. }`"]
        );
    }

    #[test]
    fn private_functions_in_module() {
        let (shape, errors) = analyze_tokens(quote!(
            pub mod m {
                fn upgrade() -> Vec<Op> {
                    vec![]
                }
                fn downgrade() -> Vec<Op> {
                    vec![]
                }
            }
        ));
        assert!(shape.is_none());
        assert_eq!(errors.len(), 2);
        assert!(errors[0].starts_with("`upgrade` must be visible outside its module"));
    }

    #[test]
    fn out_of_line_module() {
        let (shape, errors) = analyze_tokens(quote!(
            pub mod m;
        ));
        assert!(shape.is_none());
        assert!(errors[0].starts_with("the migration module must be inline"));
    }

    #[test]
    fn wrong_item() {
        let (shape, errors) = analyze_tokens(quote!(
            pub struct S;
        ));
        assert!(shape.is_none());
        assert_eq!(
            errors,
            [format!("#[migration] cannot go on a struct: {WHERE}")]
        );
    }

    #[test]
    fn every_signature_problem_is_reported() {
        let (shape, errors) = analyze_tokens(quote!(
            pub async unsafe extern "C" fn upgrade<T>(conn: &mut T) -> String
            where
                T: Copy,
            {
                String::new()
            }
        ));
        assert!(shape.is_none());
        assert_eq!(
            errors,
            [
                "migration function cannot be async: it returns ops, it does not run them; remove `async`",
                "migration function cannot be unsafe: remove `unsafe`",
                "migration function cannot have an ABI: remove `extern \"C\"`",
                "migration function cannot be generic: remove `<T>`",
                "migration function cannot have a where clause: remove it",
                "migration function takes no arguments: write `fn upgrade() -> Vec<Op>`, it returns the ops and never gets a connection",
                "migration function must return `Vec<Op>`, not `String`: build and return the list of ops",
            ]
        );
    }

    #[test]
    fn missing_return_type() {
        let (_, errors) = analyze_tokens(quote!(
            pub fn upgrade() {}
        ));
        assert_eq!(
            errors,
            ["migration function must return the ops: add `-> Vec<Op>`"]
        );
    }

    #[test]
    fn wrong_vec_type() {
        let (_, errors) = analyze_tokens(quote!(
            pub fn upgrade() -> Vec<String> {
                vec![]
            }
        ));
        assert_eq!(
            errors,
            ["migration function must return `Vec<Op>`, not `Vec<String>`: build and return the list of ops"]
        );
    }

    #[test]
    fn wrong_downgrade_signature_in_module() {
        let (shape, errors) = analyze_tokens(quote!(
            pub mod m {
                pub fn upgrade() -> Vec<Op> {
                    vec![]
                }
                pub fn downgrade(x: u8) -> Vec<Op> {
                    vec![]
                }
            }
        ));
        assert!(shape.is_none());
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("`downgrade` takes no arguments"));
    }
}
