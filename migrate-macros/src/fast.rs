//! The common case of `#[migration]`, and the attribute's output.
//!
//! A build expands the attribute once per migration file, so its cost is multiplied by the
//! size of the history, and in a debug build the proc macro itself is compiled without
//! optimizations. So the common case, well-formed arguments on
//! `[pub] fn NAME() -> Vec<Op> { .. }`, is read from the top-level tokens of the arguments
//! and of the item, without syn (whose parsers first copy every token of their input, the
//! function's body included, into a buffer) and without proc_macro2 (a layer over the
//! compiler's `proc_macro`, unoptimized too); the output is built token by token, one
//! token stream per non-empty group. The shapes here accept nothing that the full parsers
//! (`attr::parse`, `ast::analyze`) would not accept with the same result, and give up at
//! anything else, so that every error is still reported by the full parsers, with their
//! spans and messages.
//!
//! The code is written once and compiled twice, by [`token_api!`]: against the compiler's
//! `proc_macro` ([`compiler`], what the attribute runs) and against `proc_macro2`
//! ([`fallback`], which the full parsers' path and the unit tests use). Both crates spell
//! the API alike.

/// Defines module `$name` with the code below, written against the token API `$pm`.
macro_rules! token_api {
    ($name:ident, $pm:ident) => {
        #[allow(dead_code)]
        pub mod $name {
            use ::$pm::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

            use std::borrow::Cow;

            use migrate_core::attr::ArgToken;

            use crate::checks;

            /// A string literal's value and span.
            pub struct Lit {
                /// Its value.
                pub value: String,
                /// Its span (the literal, quotes included).
                pub span: Span,
            }

            impl From<migrate_core::attr::Lit<Span>> for Lit {
                fn from(lit: migrate_core::attr::Lit<Span>) -> Self {
                    Lit { value: lit.value, span: lit.pos }
                }
            }

            /// Valid arguments (see `attr::Args`, which this mirrors).
            #[derive(Default)]
            pub struct Args {
                /// `revision = "..."`.
                pub revision: Option<Lit>,
                /// `down_revision = "..." | [...]`.
                pub down_revisions: Vec<Lit>,
                /// `message = "..."`.
                pub message: Option<String>,
                /// `branch_labels = "..." | [...]`.
                pub branch_labels: Vec<Lit>,
                /// `depends_on = "..." | [...]`.
                pub depends_on: Vec<Lit>,
            }

            /// What the attribute is on (see `ast::Shape`, which this mirrors).
            pub enum Item {
                /// `fn NAME() -> Vec<Op>`.
                Fn(Ident),
                /// An inline module with `upgrade` and maybe `downgrade`.
                Mod {
                    /// The module's name.
                    name: Ident,
                    /// Whether it has `downgrade`.
                    has_downgrade: bool,
                },
            }

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
                generate_into(&parsed, &Item::Fn(name), &mut out);
                Ok(out.into_iter().collect())
            }

            /// A plain string literal's value: `"..."` without escapes or suffix, whose value
            /// is the text between the quotes. `None` for anything else (escapes and raw
            /// strings included: the full parser decodes those).
            fn plain_string(lit: &Literal) -> Option<String> {
                let text = lit.to_string();
                let value = text.strip_prefix('"')?.strip_suffix('"')?;
                if value.contains(['\\', '"', '\r']) {
                    return None;
                }
                Some(value.to_owned())
            }

            fn is_punct(tt: Option<&TokenTree>, ch: char) -> bool {
                matches!(tt, Some(TokenTree::Punct(p)) if p.as_char() == ch)
            }

            // `proc_macro::Ident` has no comparison with a `str`.
            #[allow(clippy::cmp_owned)]
            fn is_word(tt: Option<&TokenTree>, word: &str) -> bool {
                matches!(tt, Some(TokenTree::Ident(i)) if i.to_string() == word)
            }

            /// The tokens as the one parser (`migrate_core::attr`) reads them; `None` at a
            /// token the common case does not read (a literal other than a plain string, a
            /// group other than a list).
            fn arg_tokens(tokens: &[TokenTree]) -> Option<Vec<ArgToken<'static, Span>>> {
                let mut out = Vec::with_capacity(tokens.len());
                for tt in tokens {
                    out.push(match tt {
                        TokenTree::Ident(i) => ArgToken::Ident { name: Cow::Owned(i.to_string()), pos: i.span() },
                        TokenTree::Punct(p) => ArgToken::Punct { ch: p.as_char(), pos: p.span() },
                        TokenTree::Literal(lit) => ArgToken::Str { value: plain_string(lit)?, pos: lit.span() },
                        TokenTree::Group(g) if g.delimiter() == Delimiter::Bracket => {
                            let items: Vec<TokenTree> = g.stream().into_iter().collect();
                            ArgToken::List { items: arg_tokens(&items)?, pos: g.span() }
                        }
                        TokenTree::Group(_) => return None,
                    });
                }
                Some(out)
            }

            /// The arguments, when every one of them is well-formed and valid (read by the
            /// one parser, `migrate_core::attr`; any error is left to the full path, which
            /// reports it at its span).
            pub fn args(tokens: &[TokenTree]) -> Option<Args> {
                let (args, errors) = migrate_core::attr::parse(arg_tokens(tokens)?, Span::call_site());
                if !errors.is_empty() {
                    return None;
                }
                Some(Args {
                    revision: args.revision.map(Lit::from),
                    down_revisions: args.down_revisions.into_iter().map(Lit::from).collect(),
                    message: args.message.map(|m| m.value),
                    branch_labels: args.branch_labels.into_iter().map(Lit::from).collect(),
                    depends_on: args.depends_on.into_iter().map(Lit::from).collect(),
                })
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
                if is_word(tokens.get(i), "pub") {
                    i += 1;
                    if matches!(tokens.get(i), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis)
                    {
                        i += 1;
                    }
                }
                if !is_word(tokens.get(i), "fn") {
                    return None;
                }
                let Some(TokenTree::Ident(name)) = tokens.get(i + 1) else {
                    return None;
                };
                let rest = &tokens[i + 2..];
                let [TokenTree::Group(params), TokenTree::Punct(dash), TokenTree::Punct(arrow), vec, TokenTree::Punct(lt), op, TokenTree::Punct(gt), TokenTree::Group(body)] =
                    rest
                else {
                    return None;
                };
                let fits = params.delimiter() == Delimiter::Parenthesis
                    && params.stream().is_empty()
                    && dash.as_char() == '-'
                    && dash.spacing() == Spacing::Joint
                    && arrow.as_char() == '>'
                    && is_word(Some(vec), "Vec")
                    && lt.as_char() == '<'
                    && is_word(Some(op), "Op")
                    && gt.as_char() == '>'
                    && body.delimiter() == Delimiter::Brace;
                fits.then(|| name.clone())
            }

            /// Generated tokens, pushed one by one at one span. Cheaper than `quote!` or parsing text:
            /// a proc macro runs unoptimized in a debug build, and every token stream it builds is a
            /// call into the compiler, so the expansion builds one stream per non-empty group only.
            struct Tokens<'a> {
                out: &'a mut Vec<TokenTree>,
                span: Span,
            }

            impl Tokens<'_> {
                fn word(&mut self, word: &str) -> &mut Self {
                    self.out.push(Ident::new(word, self.span).into());
                    self
                }

                /// Punctuation: `::`, `=`, `->`, `;`... (one multi-character operator at a time).
                fn punct(&mut self, chars: &str) -> &mut Self {
                    let n = chars.chars().count();
                    for (i, c) in chars.chars().enumerate() {
                        let spacing = if i + 1 < n {
                            Spacing::Joint
                        } else {
                            Spacing::Alone
                        };
                        let mut p = Punct::new(c, spacing);
                        p.set_span(self.span);
                        self.out.push(p.into());
                    }
                    self
                }

                /// `::a::b::c` or `a::b`.
                fn path(&mut self, path: &str) -> &mut Self {
                    for (i, segment) in path.split("::").enumerate() {
                        if i > 0 {
                            self.punct("::");
                        }
                        if !segment.is_empty() {
                            self.word(segment);
                        }
                    }
                    self
                }

                fn string(&mut self, value: &str) -> &mut Self {
                    let mut lit = Literal::string(value);
                    lit.set_span(self.span);
                    self.out.push(lit.into());
                    self
                }

                fn tree(&mut self, tree: TokenTree) -> &mut Self {
                    self.out.push(tree);
                    self
                }

                fn group(&mut self, delimiter: Delimiter, inner: impl FnOnce(&mut Tokens)) -> &mut Self {
                    let mut trees = Vec::new();
                    inner(&mut Tokens {
                        out: &mut trees,
                        span: self.span,
                    });
                    let stream = if trees.is_empty() {
                        TokenStream::new()
                    } else {
                        trees.into_iter().collect()
                    };
                    let mut group = Group::new(delimiter, stream);
                    group.set_span(self.span);
                    self.out.push(group.into());
                    self
                }

                /// `&["a", "b"]`
                fn strings(&mut self, lits: &[Lit]) -> &mut Self {
                    self.punct("&").group(Delimiter::Bracket, |t| {
                        for (i, lit) in lits.iter().enumerate() {
                            if i > 0 {
                                t.punct(",");
                            }
                            t.string(&lit.value);
                        }
                    })
                }

                /// `::core::NAME!()`
                fn builtin(&mut self, name: &str) -> &mut Self {
                    self.path("::core::")
                        .word(name)
                        .punct("!")
                        .group(Delimiter::Parenthesis, |_| {})
                }
            }

            /// The runtime's items the expansion names.
            const RT: &str = "::migrate_runtime::__private::";

            /// `pub const MIGRATION: Migration = Migration { <fields>, upgrade: .., downgrade: .. };`
            fn migration_const(
                out: &mut Vec<TokenTree>,
                checks: Vec<TokenTree>,
                fields: impl FnOnce(&mut Tokens),
                upgrade: impl FnOnce(&mut Tokens),
                downgrade: impl FnOnce(&mut Tokens),
            ) {
                // Every token at the call site, as `quote!` gives: `line!()` is the attribute's line.
                let mut t = Tokens {
                    out,
                    span: Span::call_site(),
                };
                t.word("pub")
                    .word("const")
                    .word("MIGRATION")
                    .punct(":")
                    .path(RT)
                    .word("Migration")
                    .punct("=")
                    .group(Delimiter::Brace, |t| {
                        t.out.extend(checks);
                        t.path(RT).word("Migration").group(Delimiter::Brace, |t| {
                            fields(t);
                            t.word("file").punct(":").builtin("file").punct(",");
                            t.word("line").punct(":").builtin("line").punct(",");
                            t.word("upgrade").punct(":");
                            upgrade(t);
                            t.punct(",").word("downgrade").punct(":");
                            downgrade(t);
                            t.punct(",");
                        });
                    })
                    .punct(";");
            }

            /// `MIGRATION` and one graph check per id literal (see `checks`), pushed after the item.
            pub fn generate_into(args: &Args, item: &Item, out: &mut Vec<TokenTree>) {
                let Some(revision) = &args.revision else {
                    return;
                };
                let id = &revision.value;
                let message = args.message.as_deref().unwrap_or("");
                // The function names keep their own spans.
                let (name, explicit, in_module) = match item {
                    Item::Fn(name) => (name, false, false),
                    Item::Mod {
                        name,
                        has_downgrade,
                    } => (name, *has_downgrade, true),
                };
                let mut stmts = Vec::new();
                let mut check = |name: String, span: Span| {
                    Tokens {
                        out: &mut stmts,
                        span,
                    }
                    .word(checks::MACRO)
                    .punct("!")
                    .group(Delimiter::Parenthesis, |t| {
                        t.word(&name)
                            .word("let")
                            .group(Delimiter::Parenthesis, |_| {})
                            .punct("=")
                            .punct("<")
                            .group(Delimiter::Parenthesis, |_| {})
                            .word("as")
                            .word("super")
                            .punct("::")
                            .word(checks::MODULE)
                            .punct("::")
                            .word(&name)
                            .punct(">")
                            .punct("::")
                            .word("OK")
                            .punct(";");
                    })
                    .punct(";");
                };
                check(checks::revision(id), revision.span);
                for p in &args.down_revisions {
                    check(checks::down_revision(id, &p.value), p.span);
                }
                for d in &args.depends_on {
                    check(checks::depends_on(id, &d.value), d.span);
                }
                for l in &args.branch_labels {
                    check(checks::branch_label(id, &l.value), l.span);
                }
                migration_const(
                    out,
                    stmts,
                    |t| {
                        t.word("revision").punct(":").string(id).punct(",");
                        t.word("down_revisions")
                            .punct(":")
                            .strings(&args.down_revisions)
                            .punct(",");
                        t.word("message").punct(":").string(message).punct(",");
                        t.word("branch_labels")
                            .punct(":")
                            .strings(&args.branch_labels)
                            .punct(",");
                        t.word("depends_on")
                            .punct(":")
                            .strings(&args.depends_on)
                            .punct(",");
                    },
                    |t| {
                        t.tree(name.clone().into());
                        if in_module {
                            t.punct("::").word("upgrade");
                        }
                    },
                    |t| {
                        t.path(RT).word("Downgrade").punct("::");
                        if explicit {
                            t.word("Explicit").group(Delimiter::Parenthesis, |t| {
                                t.tree(name.clone().into()).punct("::").word("downgrade");
                            });
                        } else {
                            t.word("Derived");
                        }
                    },
                );
            }

            /// A `MIGRATION` for a file whose attribute has errors. `embed_migrations!` lists every
            /// file whose arguments it could read without looking at the item, and the build must
            /// fail with the attribute's errors only, not also with a missing `MIGRATION`.
            pub fn stand_in(out: &mut Vec<TokenTree>) {
                let mut t = Tokens {
                    out: &mut *out,
                    span: Span::call_site(),
                };
                for attr in ["doc", "allow"] {
                    t.punct("#").group(Delimiter::Bracket, |t| {
                        t.word(attr).group(Delimiter::Parenthesis, |t| {
                            t.word(if attr == "doc" { "hidden" } else { "dead_code" });
                        });
                    });
                }
                migration_const(
                    out,
                    Vec::new(),
                    |t| {
                        t.word("revision").punct(":").string("").punct(",");
                        t.word("down_revisions").punct(":").strings(&[]).punct(",");
                        t.word("message").punct(":").string("").punct(",");
                        t.word("branch_labels").punct(":").strings(&[]).punct(",");
                        t.word("depends_on").punct(":").strings(&[]).punct(",");
                    },
                    // `{ fn invalid() -> Vec<Op> { Vec::new() } invalid }`
                    |t| {
                        t.group(Delimiter::Brace, |t| {
                            t.word("fn")
                                .word("invalid")
                                .group(Delimiter::Parenthesis, |_| {})
                                .punct("->")
                                .path("::std::vec::Vec")
                                .punct("<")
                                .path(RT)
                                .word("Op")
                                .punct(">")
                                .group(Delimiter::Brace, |t| {
                                    t.path("::std::vec::Vec::new")
                                        .group(Delimiter::Parenthesis, |_| {});
                                })
                                .word("invalid");
                        });
                    },
                    |t| {
                        t.path(RT).word("Downgrade").punct("::").word("Derived");
                    },
                );
            }

        }
    };
}

token_api!(compiler, proc_macro);
token_api!(fallback, proc_macro2);

#[cfg(test)]
mod tests {
    use super::fallback::{args, upgrade_fn, Args};
    use crate::attr::{self, Lit};
    use crate::errors::Errors;
    use proc_macro2::{Span, TokenStream, TokenTree};
    use quote::quote;

    fn both(tokens: TokenStream) -> (Option<Args>, attr::Args, bool) {
        let mut errors = Errors::new();
        let full = attr::parse(tokens.clone(), Span::call_site(), &mut errors);
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        (args(&trees), full, errors.is_empty())
    }

    fn values(lits: &[Lit]) -> Vec<&str> {
        lits.iter().map(|l| l.value.as_str()).collect()
    }

    fn fast_values(lits: &[super::fallback::Lit]) -> Vec<&str> {
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
            quote!(
                revision = "bbbb",
                down_revision = ["aaaa", "cccc",],
                depends_on = "dddd"
            ),
            quote!(revision = "bbbb", branch_labels = ["shop", "a-b_c"]),
            quote!(revision = "bbbb", down_revision = []),
        ] {
            let (fast, full, ok) = both(tokens.clone());
            assert!(ok, "{tokens}");
            let fast = fast.unwrap_or_else(|| panic!("fast path refused {tokens}"));
            assert_eq!(
                fast.revision.as_ref().map(|l| &l.value),
                full.revision.as_ref().map(|l| &l.value)
            );
            assert_eq!(
                fast_values(&fast.down_revisions),
                values(&full.down_revisions)
            );
            assert_eq!(fast_values(&fast.depends_on), values(&full.depends_on));
            assert_eq!(
                fast_values(&fast.branch_labels),
                values(&full.branch_labels)
            );
            assert_eq!(
                fast.message.as_ref(),
                full.message.as_ref().map(|l| &l.value)
            );
        }
    }

    #[test]
    fn escaped_and_raw_strings_are_left_to_the_full_parser() {
        for tokens in [
            quote!(message = "x \"quoted\" \\ y", revision = "bbbb"),
            quote!(revision = r"bbbb", message = r#"raw "text""#),
            quote!(revision = "bbbb"suffix),
        ] {
            let (fast, _, _) = both(tokens.clone());
            assert!(fast.is_none(), "fast path accepted {tokens}");
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
