//! The common case of `#[migration]` without syn: well-formed arguments on
//! `[pub] fn NAME() -> Vec<Op> { .. }`.
//!
//! A build expands the attribute once per migration file, so its cost is multiplied by the
//! size of the history. syn's parsers first copy every token of their input (a function's
//! whole body included) into a buffer, one compiler call per group; the shapes here only
//! walk the top-level tokens of the arguments and of the item, and never look inside the
//! body. They accept nothing that the full parsers (`attr::parse`, `ast::analyze`) would
//! not accept with the same result, and give up (`None`) at anything else, so that every
//! error is still reported by the full parsers, with their spans and messages.

use proc_macro2::{Delimiter, Ident, Spacing, TokenStream, TokenTree};

use crate::ast::Shape;
use crate::attr::{self, Args, Lit, ARGUMENTS};
use crate::expand;

/// The expansion of the common case, or the arguments and item back when it is not one.
pub fn migration(
    args: TokenStream,
    item: TokenStream,
) -> Result<TokenStream, (TokenStream, TokenStream)> {
    // Each stream is split into its top-level tokens once; groups are only opened where
    // needed (the argument lists), never the function's body.
    let item: Vec<TokenTree> = item.into_iter().collect();
    let Some(name) = upgrade_fn(&item) else {
        return Err((args, item.into_iter().collect()));
    };
    let args: Vec<TokenTree> = args.into_iter().collect();
    let Some(parsed) = self::args(&args) else {
        return Err((args.into_iter().collect(), item.into_iter().collect()));
    };
    let mut out = item;
    expand::generate_into(&parsed, &Shape::Fn { name }, &mut out);
    Ok(out.into_iter().collect())
}

/// A string literal's value and span; `None` for any other token or an unusual literal.
fn string(tt: &TokenTree) -> Option<Lit> {
    let TokenTree::Literal(lit) = tt else {
        return None;
    };
    let text = lit.to_string();
    // Plain `"..."` without escapes or suffix: the value is the text between the quotes.
    // Anything else (escapes, raw strings, suffixes, other literals) goes through syn.
    match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(value) if !value.contains(['\\', '"', '\r']) => Some(Lit {
            value: value.to_owned(),
            span: lit.span(),
        }),
        _ => syn_string(lit),
    }
}

fn syn_string(lit: &proc_macro2::Literal) -> Option<Lit> {
    match syn::Lit::new(lit.clone()) {
        syn::Lit::Str(s) if s.suffix().is_empty() => Some(Lit {
            value: s.value(),
            span: s.span(),
        }),
        _ => None,
    }
}

fn is_punct(tt: Option<&TokenTree>, ch: char) -> bool {
    matches!(tt, Some(TokenTree::Punct(p)) if p.as_char() == ch)
}

/// A value: one string, or a bracketed list of strings (a trailing comma allowed).
fn value(tt: &TokenTree) -> Option<Vec<Lit>> {
    match tt {
        TokenTree::Group(g) if g.delimiter() == Delimiter::Bracket => {
            let tokens: Vec<TokenTree> = g.stream().into_iter().collect();
            let mut list = Vec::new();
            let mut i = 0;
            while i < tokens.len() {
                list.push(string(&tokens[i])?);
                i += 1;
                if i < tokens.len() {
                    if !is_punct(tokens.get(i), ',') {
                        return None;
                    }
                    i += 1;
                }
            }
            Some(list)
        }
        other => string(other).map(|lit| vec![lit]),
    }
}

/// The arguments, when every one of them is well-formed and valid.
pub fn args(tokens: &[TokenTree]) -> Option<Args> {
    let mut args = Args::default();
    let mut seen: Vec<String> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let TokenTree::Ident(name) = &tokens[i] else {
            return None;
        };
        let key = name.to_string();
        if !ARGUMENTS.contains(&key.as_str()) || seen.contains(&key) {
            return None;
        }
        if !is_punct(tokens.get(i + 1), '=') {
            return None;
        }
        let raw = tokens.get(i + 2)?;
        let is_list = matches!(raw, TokenTree::Group(_));
        let lits = value(raw)?;
        i += 3;
        if i < tokens.len() {
            if !is_punct(tokens.get(i), ',') {
                return None;
            }
            i += 1;
        }
        let distinct = lits
            .iter()
            .enumerate()
            .all(|(k, l)| lits[..k].iter().all(|m| m.value != l.value));
        if !distinct {
            return None;
        }
        match key.as_str() {
            "revision" | "message" => {
                let [lit] = <[Lit; 1]>::try_from(lits).ok()?;
                if is_list {
                    return None;
                }
                if key == "revision" {
                    if !migrate_core::id::is_valid(&lit.value) {
                        return None;
                    }
                    args.revision = Some(lit);
                } else {
                    args.message = Some(lit);
                }
            }
            "down_revision" | "depends_on" => {
                if !lits.iter().all(|l| migrate_core::id::is_valid(&l.value)) {
                    return None;
                }
                if key == "down_revision" {
                    args.down_revisions = lits;
                } else {
                    args.depends_on = lits;
                }
            }
            "branch_labels" => {
                if !lits.iter().all(|l| attr::check_label(&l.value).is_ok()) {
                    return None;
                }
                args.branch_labels = lits;
            }
            _ => return None,
        }
        seen.push(key);
    }
    args.revision.is_some().then_some(args)
}

/// The function's name, when the item is `[#[..]]* [pub[(..)]] fn NAME() -> Vec<Op> { .. }`.
pub fn upgrade_fn(tokens: &[TokenTree]) -> Option<Ident> {
    let mut i = 0;
    // Outer attributes, doc comments included.
    while is_punct(tokens.get(i), '#') {
        match tokens.get(i + 1) {
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Bracket => i += 2,
            _ => return None,
        }
    }
    let ident =
        |i: usize, word: &str| matches!(tokens.get(i), Some(TokenTree::Ident(x)) if x == word);
    if ident(i, "pub") {
        i += 1;
        if matches!(tokens.get(i), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis)
        {
            i += 1;
        }
    }
    if !ident(i, "fn") {
        return None;
    }
    let Some(TokenTree::Ident(name)) = tokens.get(i + 1) else {
        return None;
    };
    let rest = &tokens[i + 2..];
    let [TokenTree::Group(params), TokenTree::Punct(dash), TokenTree::Punct(arrow), TokenTree::Ident(vec), TokenTree::Punct(lt), TokenTree::Ident(op), TokenTree::Punct(gt), TokenTree::Group(body)] =
        rest
    else {
        return None;
    };
    let fits = params.delimiter() == Delimiter::Parenthesis
        && params.stream().is_empty()
        && dash.as_char() == '-'
        && dash.spacing() == Spacing::Joint
        && arrow.as_char() == '>'
        && vec == "Vec"
        && lt.as_char() == '<'
        && op == "Op"
        && gt.as_char() == '>'
        && body.delimiter() == Delimiter::Brace;
    fits.then(|| name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::Errors;
    use proc_macro2::Span;
    use quote::quote;

    fn both(tokens: TokenStream) -> (Option<Args>, Args, bool) {
        let mut errors = Errors::new();
        let full = attr::parse(tokens.clone(), Span::call_site(), &mut errors);
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        (args(&trees), full, errors.is_empty())
    }

    fn values(lits: &[Lit]) -> Vec<&str> {
        lits.iter().map(|l| l.value.as_str()).collect()
    }

    #[test]
    fn well_formed_arguments_read_as_the_full_parser_reads_them() {
        for tokens in [
            quote!(revision = "bbbb"),
            quote!(revision = "bbbb",),
            quote!(
                revision = "bbbb",
                down_revision = "aaaa",
                message = "add items"
            ),
            quote!(message = "x \"quoted\" \\ y", revision = "bbbb"),
            quote!(
                revision = "bbbb",
                down_revision = ["aaaa", "cccc",],
                depends_on = "dddd"
            ),
            quote!(revision = "bbbb", branch_labels = ["shop", "a-b_c"]),
            quote!(revision = r"bbbb", message = r#"raw "text""#),
            quote!(revision = "bbbb", down_revision = []),
        ] {
            let (fast, full, ok) = both(tokens.clone());
            assert!(ok, "{tokens}");
            let fast = fast.unwrap_or_else(|| panic!("fast path refused {tokens}"));
            assert_eq!(
                fast.revision.as_ref().map(|l| &l.value),
                full.revision.as_ref().map(|l| &l.value)
            );
            assert_eq!(values(&fast.down_revisions), values(&full.down_revisions));
            assert_eq!(values(&fast.depends_on), values(&full.depends_on));
            assert_eq!(values(&fast.branch_labels), values(&full.branch_labels));
            assert_eq!(
                fast.message.as_ref().map(|l| &l.value),
                full.message.as_ref().map(|l| &l.value)
            );
        }
    }

    #[test]
    fn anything_the_full_parser_reports_is_left_to_it() {
        for tokens in [
            quote!(),
            quote!(message = "no revision"),
            quote!(revison = "bbbb"),
            quote!(revision = "bbbb", revision = "bbbb"),
            quote!(revision = "BBBB"),
            quote!(revision = "bb"),
            quote!(revision = ["bbbb"]),
            quote!(revision = "bbbb", message = ["a"]),
            quote!(revision = "bbbb", down_revision = None),
            quote!(revision = "bbbb", down_revision = ["aaaa", "aaaa"]),
            quote!(revision = "bbbb", down_revision = "xyz!"),
            quote!(revision = "bbbb", depends_on = [1]),
            quote!(revision = "bbbb", branch_labels = ["a b"]),
            quote!(revision = "bbbb", branch_labels = ["a", "a"]),
            quote!(revision = "bbbb" message = "x"),
            quote!(revision: "bbbb"),
            quote!(revision = b"bbbb"),
            quote!(revision),
        ] {
            let (fast, _, ok) = both(tokens.clone());
            assert!(fast.is_none(), "fast path accepted {tokens}");
            assert!(!ok, "full parser accepted {tokens}");
        }
    }

    #[test]
    fn plain_upgrade_functions() {
        for (tokens, name) in [
            (
                quote!(
                    pub fn upgrade() -> Vec<Op> {
                        vec![]
                    }
                ),
                "upgrade",
            ),
            (
                quote!(
                    fn up() -> Vec<Op> {
                        let x = 1;
                        vec![]
                    }
                ),
                "up",
            ),
            (
                quote!(
                    #[doc = "x"]
                    #[allow(unused)]
                    pub(crate) fn up() -> Vec<Op> {
                        vec![]
                    }
                ),
                "up",
            ),
        ] {
            let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
            assert_eq!(upgrade_fn(&trees).unwrap(), name, "{tokens}");
            let item: syn::Item = syn::parse2(tokens).unwrap();
            let mut errors = Errors::new();
            assert!(crate::ast::analyze(&item, &mut errors).is_some());
        }
    }

    #[test]
    fn other_items_are_left_to_syn() {
        for tokens in [
            quote!(
                pub async fn upgrade() -> Vec<Op> {
                    vec![]
                }
            ),
            quote!(
                pub const fn upgrade() -> Vec<Op> {
                    vec![]
                }
            ),
            quote!(
                pub fn upgrade<T>() -> Vec<Op> {
                    vec![]
                }
            ),
            quote!(
                pub fn upgrade(x: u8) -> Vec<Op> {
                    vec![]
                }
            ),
            quote!(
                pub fn upgrade() -> Vec<String> {
                    vec![]
                }
            ),
            quote!(
                pub fn upgrade() -> std::vec::Vec<Op> {
                    vec![]
                }
            ),
            quote!(
                pub fn upgrade() {}
            ),
            quote!(
                pub fn upgrade() -> Vec<Op>
                where
                    (): Copy,
                {
                    vec![]
                }
            ),
            quote!(
                pub mod m {
                    pub fn upgrade() -> Vec<Op> {
                        vec![]
                    }
                }
            ),
            quote!(
                pub struct S;
            ),
        ] {
            let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
            assert!(upgrade_fn(&trees).is_none(), "{tokens}");
        }
    }
}
