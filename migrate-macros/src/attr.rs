//! The arguments of `#[migration(...)]`.
//!
//! The full path's front end onto the one parser, `migrate_core::attr`: the tokens become
//! its `ArgToken`s (string literals decoded by syn), and its errors become `syn` errors at
//! their spans. Parsing is lenient: every argument that can be understood is kept, and
//! every mistake is added to [`Errors`] with the span of the argument at fault, so that
//! one build reports all of them. The same function reads the attribute in the attribute
//! macro and in `embed_migrations!` (which re-reads the files to see the whole graph).

use std::borrow::Cow;

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};

use crate::errors::Errors;
use migrate_core::attr::ArgToken;

/// A string literal and where it is.
pub type Lit = migrate_core::attr::Lit<Span>;

/// The parsed arguments. Each field holds what could be understood.
pub type Args = migrate_core::attr::Args<Span>;

/// The tokens of the arguments as the one parser (`migrate_core::attr`) reads them: string
/// literals decoded by syn, brackets opened.
fn arg_tokens(tokens: TokenStream) -> Vec<ArgToken<'static, Span>> {
    tokens
        .into_iter()
        .map(|tt| match tt {
            TokenTree::Ident(ident) => ArgToken::Ident {
                name: Cow::Owned(ident.to_string()),
                pos: ident.span(),
            },
            TokenTree::Punct(p) => ArgToken::Punct {
                ch: p.as_char(),
                pos: p.span(),
            },
            TokenTree::Literal(lit) => match syn::Lit::new(lit.clone()) {
                syn::Lit::Str(s) => ArgToken::Str {
                    value: s.value(),
                    pos: lit.span(),
                },
                _ => ArgToken::Other {
                    text: Cow::Owned(lit.to_string()),
                    pos: lit.span(),
                },
            },
            TokenTree::Group(g) => match g.delimiter() {
                Delimiter::Bracket => ArgToken::List {
                    items: arg_tokens(g.stream()),
                    pos: g.span(),
                },
                Delimiter::Parenthesis => other(&g, "("),
                Delimiter::Brace => other(&g, "{"),
                // An invisible group (from a macro's `$x:expr`): named by its content.
                Delimiter::None => ArgToken::Other {
                    text: Cow::Owned(g.stream().to_string()),
                    pos: g.span(),
                },
            },
        })
        .collect()
}

fn other(group: &proc_macro2::Group, open: &'static str) -> ArgToken<'static, Span> {
    ArgToken::Other {
        text: Cow::Borrowed(open),
        pos: group.span_open(),
    }
}

/// Parses `#[migration(...)]`'s arguments with the one parser of `migrate_core::attr`,
/// adding every error to `errors` at its span. `whole` is the span to blame for a missing
/// argument (the attribute).
pub fn parse(tokens: TokenStream, whole: Span, errors: &mut Errors) -> Args {
    let (args, found) = migrate_core::attr::parse(arg_tokens(tokens), whole);
    for e in found {
        errors.add(e.pos, e.error);
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn parse_ok(tokens: TokenStream) -> Args {
        let mut errors = Errors::new();
        let args = parse(tokens, Span::call_site(), &mut errors);
        assert!(errors.is_empty(), "{:?}", errors.messages());
        args
    }

    fn parse_err(tokens: TokenStream) -> Vec<String> {
        let mut errors = Errors::new();
        parse(tokens, Span::call_site(), &mut errors);
        errors.messages()
    }

    #[test]
    fn full_arguments() {
        let args = parse_ok(quote!(
            revision = "3f9a1c2b7d10",
            down_revision = "9b2e4d6f8a01",
            message = "add is_physical to items",
            branch_labels = ["shop"],
            depends_on = ["aaaa0000bbbb"],
        ));
        assert_eq!(args.revision.unwrap().value, "3f9a1c2b7d10");
        assert_eq!(args.down_revisions[0].value, "9b2e4d6f8a01");
        assert_eq!(args.message.unwrap().value, "add is_physical to items");
        assert_eq!(args.branch_labels[0].value, "shop");
        assert_eq!(args.depends_on[0].value, "aaaa0000bbbb");
    }

    #[test]
    fn root_has_no_down_revision() {
        let args = parse_ok(quote!(revision = "3f9a1c2b7d10"));
        assert!(args.down_revisions.is_empty());
        let args = parse_ok(quote!(revision = "3f9a1c2b7d10", down_revision = []));
        assert!(args.down_revisions.is_empty());
    }

    #[test]
    fn merge_has_a_list() {
        let args = parse_ok(quote!(
            revision = "3f9a1c2b7d10",
            down_revision = ["aaaa", "bbbb"]
        ));
        let parents: Vec<_> = args
            .down_revisions
            .iter()
            .map(|l| l.value.as_str())
            .collect();
        assert_eq!(parents, ["aaaa", "bbbb"]);
    }

    #[test]
    fn single_strings_for_lists() {
        let args = parse_ok(quote!(
            revision = "aaaa",
            branch_labels = "shop",
            depends_on = "bbbb"
        ));
        assert_eq!(args.branch_labels.len(), 1);
        assert_eq!(args.depends_on.len(), 1);
    }

    #[test]
    fn missing_revision_suggests_a_fresh_id() {
        let errors = parse_err(quote!(down_revision = "aaaa"));
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("missing `revision` argument: add revision = \""),
            "{errors:?}"
        );
    }

    #[test]
    fn empty_arguments() {
        let errors = parse_err(quote!());
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("missing `revision`"));
    }

    #[test]
    fn unknown_argument_suggests_closest() {
        let errors = parse_err(quote!(revison = "aaaa"));
        assert_eq!(
            errors,
            [
                "unknown argument `revison`: did you mean `revision`?",
                "missing `revision` argument: add revision = \"64c15f93803d\" (a fresh id)"
            ]
        );
        let errors = parse_err(quote!(revision = "aaaa", down_revisions = "bbbb"));
        assert_eq!(
            errors,
            ["unknown argument `down_revisions`: did you mean `down_revision`?"]
        );
    }

    #[test]
    fn unknown_argument_lists_known_ones() {
        let errors = parse_err(quote!(revision = "aaaa", author = "me"));
        assert_eq!(
            errors,
            ["unknown argument `author`: expected one of revision, down_revision, message, branch_labels, depends_on"]
        );
    }

    #[test]
    fn keyword_argument_name_is_reported_not_a_syntax_error() {
        let errors = parse_err(quote!(revision = "aaaa", type = "x"));
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("unknown argument `type`"));
    }

    #[test]
    fn duplicate_argument() {
        let errors = parse_err(quote!(revision = "aaaa", message = "a", message = "b"));
        assert_eq!(
            errors,
            ["duplicate argument `message`: give it once, remove this one"]
        );
    }

    #[test]
    fn malformed_ids() {
        let errors = parse_err(quote!(
            revision = "3F9A",
            down_revision = "xyz1",
            depends_on = ["ab"]
        ));
        assert_eq!(
            errors,
            [
                "revision id `3F9A` must be lowercase: write \"3f9a\"",
                "down_revision id `xyz1` has 'x' at position 1, only hex digits 0-9 and a-f are allowed: copy the `revision` of the migration it names",
                "depends_on id `ab` is too short (2 characters, at least 4): copy the `revision` of the migration it names",
            ]
        );
    }

    #[test]
    fn malformed_id_with_an_obvious_fix() {
        let errors = parse_err(quote!(revision = "3f9a-1c2b-7d10"));
        assert_eq!(
            errors,
            ["revision id `3f9a-1c2b-7d10` has '-' at position 5, only hex digits 0-9 and a-f are allowed: write \"3f9a1c2b7d10\""]
        );
        let errors = parse_err(quote!(revision = ""));
        assert!(errors[0].starts_with("revision id is empty: use 12 lowercase hex digits"));
        let long = "a".repeat(33);
        let errors = parse_err(quote!(revision = #long));
        assert!(
            errors[0].contains("is too long (33 characters, at most 32)"),
            "{errors:?}"
        );
    }

    #[test]
    fn non_string_value() {
        let errors = parse_err(quote!(revision = 42, message = "m"));
        assert_eq!(
            errors,
            ["expected a string literal: write revision = \"...\""]
        );
    }

    #[test]
    fn non_string_in_list() {
        let errors = parse_err(quote!(revision = "aaaa", down_revision = ["bbbb", 3]));
        assert_eq!(
            errors,
            ["expected a string literal in the `down_revision` list: write [\"...\", \"...\"]"]
        );
    }

    #[test]
    fn down_revision_none_is_explained() {
        let errors = parse_err(quote!(revision = "aaaa", down_revision = None));
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("`down_revision = None` is written by leaving it out"));
    }

    #[test]
    fn revision_list_is_refused() {
        let errors = parse_err(quote!(revision = ["aaaa"]));
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("`revision` takes one id, not a list"));
    }

    #[test]
    fn repeated_parent_is_refused() {
        let errors = parse_err(quote!(revision = "aaaa", down_revision = ["bbbb", "bbbb"]));
        assert_eq!(
            errors,
            ["down_revision lists `bbbb` twice: remove this one"]
        );
    }

    #[test]
    fn bad_branch_labels() {
        let errors = parse_err(quote!(
            revision = "aaaa",
            branch_labels = ["", "a b", "ok", "ok"]
        ));
        assert_eq!(
            errors,
            [
                "branch label is empty: use a short name such as \"shop\"",
                "branch label `a b` has ' ': use letters, digits, `_` and `-` only",
                "branch label `ok` is listed twice: remove this one",
            ]
        );
    }

    #[test]
    fn missing_equals_is_a_syntax_error() {
        let errors = parse_err(quote!(revision "aaaa"));
        assert_eq!(
            errors,
            ["expected `=` after `revision`: arguments are written revision = \"...\""]
        );
    }

    #[test]
    fn all_errors_at_once() {
        let errors = parse_err(quote!(
            revison = "aaaa",
            down_revision = "XYZ",
            message = "a",
            message = "b",
        ));
        assert_eq!(errors.len(), 4, "{errors:?}");
    }
}
