//! The arguments of `#[migration(...)]`.
//!
//! Parsing is lenient: every argument that can be understood is kept, and every mistake is
//! added to [`Errors`] with the span of the argument at fault, so that one build reports
//! all of them. The same parser reads the attribute in the attribute macro and in
//! `embed_migrations!` (which re-reads the files to see the whole graph).

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{bracketed, Ident, LitStr, Token};

use crate::errors::{suggested_id, Errors};
use migrate_core::id::{IdError, MAX_LEN, MIN_LEN};

/// The argument names `#[migration]` accepts.
pub const ARGUMENTS: &[&str] = &[
    "revision",
    "down_revision",
    "message",
    "branch_labels",
    "depends_on",
];

/// A string literal and where it is.
#[derive(Debug, Clone)]
pub struct Lit {
    /// Its value.
    pub value: String,
    /// Its span (the literal, quotes included).
    pub span: Span,
}

impl Lit {
    fn new(lit: &LitStr) -> Self {
        Lit {
            value: lit.value(),
            span: lit.span(),
        }
    }
}

/// The parsed arguments. Each field holds what could be understood.
#[derive(Debug, Default)]
pub struct Args {
    /// `revision = "..."`, when given and valid.
    pub revision: Option<Lit>,
    /// `down_revision = "..." | [...]`: valid ids only.
    pub down_revisions: Vec<Lit>,
    /// `message = "..."`.
    pub message: Option<Lit>,
    /// `branch_labels = "..." | [...]`.
    pub branch_labels: Vec<Lit>,
    /// `depends_on = "..." | [...]`: valid ids only.
    pub depends_on: Vec<Lit>,
}

enum Value {
    One(LitStr),
    List(Vec<LitStr>),
    /// Something else, already reported.
    Bad,
}

/// Parses `#[migration(...)]`'s arguments. `whole` is the span to blame for a missing
/// argument (the attribute).
pub fn parse(tokens: TokenStream, whole: Span, errors: &mut Errors) -> Args {
    let mut args = Args::default();
    let mut seen: Vec<String> = Vec::new();
    let mut revision_given = false;
    let parser = |input: ParseStream| -> syn::Result<()> {
        while !input.is_empty() {
            let name = Ident::parse_any(input)?;
            let key = name.to_string();
            if !input.peek(Token![=]) {
                let fix = if ARGUMENTS.contains(&key.as_str()) {
                    format!("{key} = \"...\"")
                } else {
                    "name = \"value\"".to_owned()
                };
                return Err(syn::Error::new(
                    name.span(),
                    format!("expected `=` after `{key}`: arguments are written {fix}"),
                ));
            }
            input.parse::<Token![=]>()?;
            let value = parse_value(input, &key, errors)?;
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }

            if !ARGUMENTS.contains(&key.as_str()) {
                let hint = match migrate_core::similar::closest(&key, ARGUMENTS.iter().copied()) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("expected one of {}", ARGUMENTS.join(", ")),
                };
                errors.add(name.span(), format!("unknown argument `{key}`: {hint}"));
                continue;
            }
            if seen.contains(&key) {
                errors.add(
                    name.span(),
                    format!("duplicate argument `{key}`: give it once, remove this one"),
                );
                continue;
            }
            seen.push(key.clone());
            match key.as_str() {
                "revision" => {
                    revision_given = true;
                    match value {
                        Value::One(lit) => {
                            if check_id(&lit, "revision", errors) {
                                args.revision = Some(Lit::new(&lit));
                            }
                        }
                        Value::List(list) => errors.add(
                            list.first().map_or(name.span(), LitStr::span),
                            "`revision` takes one id, not a list: write revision = \"3f9a1c2b7d10\"",
                        ),
                        Value::Bad => {}
                    }
                }
                "down_revision" => {
                    id_list(value, "down_revision", &mut args.down_revisions, errors)
                }
                "depends_on" => id_list(value, "depends_on", &mut args.depends_on, errors),
                "message" => match value {
                    Value::One(lit) => args.message = Some(Lit::new(&lit)),
                    Value::List(list) => errors.add(
                        list.first().map_or(name.span(), LitStr::span),
                        "`message` takes one string, not a list: write message = \"add items\"",
                    ),
                    Value::Bad => {}
                },
                "branch_labels" => {
                    let list = one_or_list(value);
                    for (i, lit) in list.iter().enumerate() {
                        let label = lit.value();
                        if list[..i].iter().any(|l| l.value() == label) {
                            errors.add(
                                lit.span(),
                                format!("branch label `{label}` is listed twice: remove this one"),
                            );
                        } else if let Err(why) = check_label(&label) {
                            errors.add(lit.span(), why);
                        } else {
                            args.branch_labels.push(Lit::new(lit));
                        }
                    }
                }
                _ => unreachable!("every known argument is handled"),
            }
        }
        Ok(())
    };
    if let Err(e) = parser.parse2(tokens) {
        errors.push(e);
        // A syntax error stops parsing: do not also claim that `revision` is missing.
        revision_given = true;
    }
    if !revision_given {
        let fresh = suggested_id(&format!(
            "{:?}{:?}",
            args.down_revisions.first().map(|l| &l.value),
            args.message.as_ref().map(|l| &l.value)
        ));
        errors.add(
            whole,
            format!("missing `revision` argument: add revision = \"{fresh}\" (a fresh id)"),
        );
    }
    args
}

fn parse_value(input: ParseStream, key: &str, errors: &mut Errors) -> syn::Result<Value> {
    if input.peek(LitStr) {
        return Ok(Value::One(input.parse()?));
    }
    if input.peek(syn::token::Bracket) {
        let content;
        bracketed!(content in input);
        let mut list = Vec::new();
        while !content.is_empty() {
            if content.peek(LitStr) {
                list.push(content.parse()?);
            } else {
                let tt: proc_macro2::TokenTree = content.parse()?;
                errors.add(
                    tt.span(),
                    format!(
                        "expected a string literal in the `{key}` list: write [\"...\", \"...\"]"
                    ),
                );
                skip_to_comma(&content)?;
            }
            if !content.is_empty() {
                content.parse::<Token![,]>()?;
            }
        }
        return Ok(Value::List(list));
    }
    if key == "down_revision" && input.peek(Ident) && input.fork().parse::<Ident>()? == "None" {
        let none: Ident = input.parse()?;
        errors.add(
            none.span(),
            "`down_revision = None` is written by leaving it out: a migration without \
             down_revision is the root",
        );
        return Ok(Value::Bad);
    }
    let span = input
        .cursor()
        .token_tree()
        .map_or_else(|| input.span(), |(tt, _)| tt.span());
    let example = match key {
        "down_revision" | "depends_on" | "branch_labels" => {
            format!("{key} = \"...\" or {key} = [\"...\", \"...\"]")
        }
        _ => format!("{key} = \"...\""),
    };
    errors.add(span, format!("expected a string literal: write {example}"));
    skip_to_comma(input)?;
    Ok(Value::Bad)
}

fn skip_to_comma(input: ParseStream) -> syn::Result<()> {
    while !input.is_empty() && !input.peek(Token![,]) {
        input.parse::<proc_macro2::TokenTree>()?;
    }
    Ok(())
}

fn one_or_list(value: Value) -> Vec<LitStr> {
    match value {
        Value::One(lit) => vec![lit],
        Value::List(list) => list,
        Value::Bad => Vec::new(),
    }
}

/// Collects a list of revision ids given to `argument`, reporting repeats and malformed
/// ids at their own literal.
fn id_list(value: Value, argument: &str, into: &mut Vec<Lit>, errors: &mut Errors) {
    let list = one_or_list(value);
    for (i, lit) in list.iter().enumerate() {
        if list[..i].iter().any(|l| l.value() == lit.value()) {
            errors.add(
                lit.span(),
                format!("{argument} lists `{}` twice: remove this one", lit.value()),
            );
        } else if check_id(lit, argument, errors) {
            into.push(Lit::new(lit));
        }
    }
}

fn check_id(lit: &LitStr, what: &str, errors: &mut Errors) -> bool {
    let value = lit.value();
    match migrate_core::id::validate(&value) {
        Ok(()) => true,
        Err(e) => {
            errors.add(lit.span(), id_error(what, &value, &e));
            false
        }
    }
}

/// `<what> id `<value>` <reason>: <fix>`, with a corrected id when one is obvious.
fn id_error(what: &str, value: &str, error: &IdError) -> String {
    let fresh = || suggested_id(value);
    let reason = match error {
        IdError::Empty => {
            return format!(
                "{what} id is empty: use 12 lowercase hex digits, e.g. \"{}\"",
                fresh()
            );
        }
        IdError::TooShort { len } => format!("is too short ({len} characters, at least {MIN_LEN})"),
        IdError::TooLong { len } => format!("is too long ({len} characters, at most {MAX_LEN})"),
        IdError::Uppercase { lowercase } => {
            return format!("{what} id `{value}` must be lowercase: write \"{lowercase}\"")
        }
        IdError::NotHex { ch, index } => format!(
            "has {ch:?} at position {}, only hex digits 0-9 and a-f are allowed",
            index + 1
        ),
    };
    let cleaned: String = value
        .chars()
        .filter(char::is_ascii_hexdigit)
        .collect::<String>()
        .to_ascii_lowercase();
    let fix = if cleaned != value && migrate_core::id::is_valid(&cleaned) {
        format!("write \"{cleaned}\"")
    } else if what == "revision" {
        format!("write \"{}\" (a fresh id)", fresh())
    } else {
        "copy the `revision` of the migration it names".to_owned()
    };
    format!("{what} id `{value}` {reason}: {fix}")
}

/// Branch labels are names a user types on the command line: letters, digits, `_` and `-`.
pub(crate) fn check_label(label: &str) -> Result<(), String> {
    if label.is_empty() {
        return Err("branch label is empty: use a short name such as \"shop\"".to_owned());
    }
    if let Some(c) = label
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(format!(
            "branch label `{label}` has {c:?}: use letters, digits, `_` and `-` only"
        ));
    }
    Ok(())
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
