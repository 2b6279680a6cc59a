//! The expansion of `#[migration(...)]`.

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use syn::Item;

use crate::ast::{self, Shape};
use crate::attr::{self, Args, Lit};
use crate::checks;
use crate::errors::Errors;
use crate::fast;

/// The attribute's whole work: the item unchanged, then `MIGRATION` and the graph checks,
/// or the errors found and a stand-in `MIGRATION`.
pub fn migration(args: TokenStream, item: TokenStream) -> TokenStream {
    // The common case is read without syn (see `fast`); anything else, the full parsers.
    let (args, item) = match fast::migration(args, item) {
        Ok(out) => return out,
        Err(declined) => declined,
    };
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
            generate_into(&args, &shape, &mut out);
        }
        _ => {
            out.extend(errors.to_compile_errors());
            stand_in(&mut out);
        }
    }
    out.into_iter().collect()
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
pub fn generate_into(args: &Args, shape: &Shape, out: &mut Vec<TokenTree>) {
    let Some(revision) = &args.revision else {
        return;
    };
    let id = &revision.value;
    let message = args.message.as_ref().map_or("", |m| m.value.as_str());
    // The function names keep their own spans.
    let (name, explicit) = match shape {
        Shape::Fn { name } => (name, false),
        Shape::Mod {
            name,
            has_downgrade,
        } => (name, *has_downgrade),
    };
    let in_module = matches!(shape, Shape::Mod { .. });
    let mut stmts = Vec::new();
    let mut check = |name: String, span: Span| {
        Tokens {
            out: &mut stmts,
            span,
        }
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
fn stand_in(out: &mut Vec<TokenTree>) {
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
        generate_into(&parsed, &shape, &mut full);
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
