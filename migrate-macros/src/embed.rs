//! The expansion of `embed_migrations!("folder")`: read the folder, check the graph, embed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use migrate_core::{scan, Graph, Revision};
use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::quote;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Item, LitStr, Token, Visibility};

use crate::attr;
use crate::errors::Errors;
use crate::{ast, checks, diagnose};
use migrate_core::similar::fresh_id;

/// The variable that, when set at build time, replaces `CARGO_MANIFEST_DIR` as the base of
/// the folder path.
pub const BASE_VAR: &str = "MIGRATE_MANIFEST_DIR";

/// Where the expansion goes.
pub enum Form {
    /// `embed_migrations!("versions")`: an expression, the `Migrations` value.
    Expr,
    /// `embed_migrations!(pub static MIGRATIONS = "versions");`: items, the migration
    /// modules and the static.
    Static {
        /// Attributes for the static (doc comments...).
        attrs: Vec<Attribute>,
        /// Its visibility.
        vis: Visibility,
        /// Its name.
        name: Ident,
    },
}

fn parse_input(input: ParseStream) -> syn::Result<(LitStr, Form)> {
    if input.peek(LitStr) {
        return Ok((input.parse()?, Form::Expr));
    }
    let attrs = input.call(Attribute::parse_outer)?;
    let vis: Visibility = input.parse()?;
    input.parse::<Token![static]>()?;
    let name: Ident = input.parse()?;
    input.parse::<Token![=]>()?;
    let lit: LitStr = input.parse()?;
    if input.peek(Token![;]) {
        input.parse::<Token![;]>()?;
    }
    Ok((lit, Form::Static { attrs, vis, name }))
}

/// Entry point: reads the base dir and package name from the environment.
pub fn embed_migrations(input: TokenStream) -> TokenStream {
    let (lit, form) = match parse_input.parse2(input) {
        Ok(parsed) => parsed,
        Err(e) => {
            return syn::Error::new(
                e.span(),
                "expected the migration folder as a string, embed_migrations!(\"versions\"), \
                 or a static: embed_migrations!(pub static MIGRATIONS = \"versions\");",
            )
            .to_compile_error()
        }
    };
    let (base, var) =
        match std::env::var_os(BASE_VAR) {
            Some(dir) => (PathBuf::from(dir), BASE_VAR),
            None => match std::env::var_os("CARGO_MANIFEST_DIR") {
                Some(dir) => (PathBuf::from(dir), "CARGO_MANIFEST_DIR"),
                None => return syn::Error::new(
                    lit.span(),
                    "CARGO_MANIFEST_DIR is not set: build with cargo, or set MIGRATE_MANIFEST_DIR",
                )
                .to_compile_error(),
            },
        };
    let package = std::env::var("CARGO_PKG_NAME").unwrap_or_else(|_| "<your crate>".to_owned());
    embed_as(
        &lit,
        &Context {
            base: &base,
            base_var: var,
            package: &package,
        },
        &form,
    )
}

/// What the expansion depends on besides the literal.
pub struct Context<'a> {
    /// The folder the literal is relative to.
    pub base: &'a Path,
    /// The variable `base` came from, for messages.
    pub base_var: &'a str,
    /// The package name, for the commands suggested in messages.
    pub package: &'a str,
}

/// One `.rs` file of the folder.
struct File {
    path: PathBuf,
    state: State,
}

enum State {
    /// Has exactly one `#[migration]` whose revision could be read; `usable` when the
    /// attribute will emit a real `MIGRATION` (it emits a stand-in otherwise).
    Migration { revision: Revision, usable: bool },
    /// Has one `#[migration]` without a readable revision: compiled for the attribute to
    /// report its errors, not listed.
    Broken,
    /// rustc will report its syntax error when it compiles the module.
    Unparsable,
    /// Reported at the literal; not compiled.
    Rejected,
}

/// The expansion of the expression form for a folder literal in a context.
#[cfg(test)]
pub fn embed_in(lit: &LitStr, cx: &Context) -> TokenStream {
    embed_as(lit, cx, &Form::Expr)
}

/// The expansion for a folder literal in a context, in either form.
pub fn embed_as(lit: &LitStr, cx: &Context, form: &Form) -> TokenStream {
    let mut errors = Errors::new();
    let rel = lit.value();
    let dir = cx.base.join(&rel);
    let files = read_folder(lit, &dir, cx, &mut errors);

    // The graph of every file whose revision could be read.
    let revisions: Vec<(usize, &Revision)> = files
        .iter()
        .enumerate()
        .filter_map(|(i, f)| match &f.state {
            State::Migration { revision, .. } => Some((i, revision)),
            _ => None,
        })
        .collect();
    let graph = Graph::new(revisions.iter().map(|(_, r)| (*r).clone()));
    let any_unparsable = files.iter().any(|f| matches!(f.state, State::Unparsable));
    // With a file rustc cannot parse, the graph is incomplete: report that file first.
    let problems = if any_unparsable {
        BTreeMap::new()
    } else {
        diagnose::problems(&graph, &rel, cx.package)
    };

    // The generated code, written as text and parsed once (see `parse_generated`): the
    // module that holds the migrations, then the expression or the static.
    let module = match form {
        Form::Expr => "__migrate_embedded".to_owned(),
        Form::Static { name, .. } => format!("__migrate_embedded_{}", name.unraw()),
    };
    let mut code = match form {
        Form::Expr => String::new(),
        // Its own module at the caller's level, not inside the static: rustc then gives
        // each migration module its own codegen unit, and an edit recompiles one of them.
        Form::Static { .. } => "#[doc(hidden)]\n".to_owned(),
    };
    let _ = writeln!(code, "mod {module} {{");

    // Checks: the attribute wraps the check of each id literal in `__migrate_check!(NAME
    // ..)`; the macro keeps the checks that fail, each naming a trait of its own that nothing
    // implements, and drops the others (so a valid literal costs one trivial expansion).
    // Defined first: a `macro_rules!` is visible in the modules declared after it.
    let (arms, failing) = failing_checks(&files, &problems);
    let _ = writeln!(
        code,
        "#[allow(unused_macros)]\nmacro_rules! {} {{\n{arms}($($valid:tt)*) => {{}};\n}}",
        checks::MACRO
    );

    // Modules, one per file rustc should compile.
    let module_of = declare_modules(&files, &mut code);

    let _ = writeln!(
        code,
        "/// Compile-time checks of the revision graph (see `embed_migrations!`).\n\
         #[doc(hidden)]\n\
         #[allow(non_camel_case_types, dead_code)]\n\
         pub mod {} {{\npub struct Never;\n{failing}}}",
        checks::MODULE,
    );

    // Topological order when the graph is sound, file order otherwise.
    let is_usable = |f: &File| matches!(f.state, State::Migration { usable: true, .. });
    let usable: Vec<usize> = (0..files.len()).filter(|&i| is_usable(&files[i])).collect();
    let order: Vec<usize> = match graph.topological_order() {
        Ok(sorted) if problems.is_empty() => {
            let file_of_rev: HashMap<&str, usize> = revisions
                .iter()
                .filter(|(i, _)| is_usable(&files[*i]))
                .map(|(i, r)| (r.id.as_str(), *i))
                .collect();
            sorted
                .iter()
                .filter_map(|r| file_of_rev.get(r.id.as_str()).copied())
                .collect()
        }
        _ => usable,
    };
    code.push_str("pub const MIGRATIONS: &[::migrate_runtime::__private::Migration] = &[");
    for (k, &i) in order.iter().enumerate() {
        let module = module_of[i].as_ref().expect("usable files are modules");
        let comma = if k == 0 { "" } else { ", " };
        let _ = write!(code, "{comma}{module}::MIGRATION");
    }
    code.push_str("];\n}\n");
    let value = format!(
        "::migrate_runtime::__private::Migrations::__from_sorted({module}::MIGRATIONS, {:?})",
        dir.to_string_lossy()
    );

    let mut out = errors.to_compile_errors();
    match form {
        Form::Expr => {
            code.push_str(&value);
            out.extend(parse_generated(&code));
            TokenTree::Group(Group::new(Delimiter::Brace, out)).into()
        }
        Form::Static { attrs, vis, name } => {
            out.extend(parse_generated(&code));
            let value = parse_generated(&value);
            out.extend(quote! {
                #(#attrs)*
                #vis static #name: ::migrate_runtime::__private::Migrations = #value;
            });
            out
        }
    }
}

/// The arms of the check macro and the traits of the checks that fail: for each check
/// of a usable file with a problem, an arm that keeps it and a trait nothing implements,
/// carrying the problem's words.
fn failing_checks(
    files: &[File],
    problems: &BTreeMap<String, crate::diagnose::Problem>,
) -> (String, String) {
    let mut failing = String::new();
    let mut arms = String::new();
    let mut declared = HashSet::new();
    for f in files {
        let State::Migration {
            revision,
            usable: true,
        } = &f.state
        else {
            continue;
        };
        for name in check_names(revision) {
            let Some(problem) = problems.get(&name) else {
                continue;
            };
            if declared.contains(&name) {
                continue;
            }
            let _ = writeln!(arms, "({name} $($check:tt)*) => {{ $($check)* }};");
            let _ = write!(
                failing,
                "#[diagnostic::on_unimplemented(message = {:?}, label = {:?}",
                escape(&problem.message),
                escape(&problem.label)
            );
            for note in &problem.notes {
                let _ = write!(failing, ", note = {:?}", escape(note));
            }
            let _ = writeln!(
                failing,
                ")]\npub trait {name} {{ const OK: () = (); }}\n\
                 #[diagnostic::do_not_recommend]\nimpl {name} for Never {{}}"
            );
            declared.insert(name);
        }
    }
    (arms, failing)
}

/// Declares a module per file rustc should compile (`#[path = ".."] pub mod NAME;`);
/// returns each file's module name.
fn declare_modules(files: &[File], code: &mut String) -> Vec<Option<String>> {
    let mut used_names = HashSet::new();
    let mut module_of = vec![None; files.len()];
    for (i, f) in files.iter().enumerate() {
        let base = match &f.state {
            State::Rejected => continue,
            State::Migration { revision, .. } => format!("m_{}", revision.id),
            _ => format!("m_file_{i}"),
        };
        let mut name = base.clone();
        let mut n = 2;
        while used_names.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        let path = f.path.to_string_lossy();
        let _ = writeln!(code, "#[path = {path:?}]\npub mod {name};");
        used_names.insert(name.clone());
        module_of[i] = Some(name);
    }
    module_of
}

/// Parses code written by the macro. In a build this is the compiler's lexer, called
/// once: proc_macro2's own parsing and `quote!` build the stream token by token, in a
/// proc macro compiled without optimizations (a debug build), which for a thousand
/// migrations costs more than everything else the expansion does.
fn parse_generated(code: &str) -> TokenStream {
    if proc_macro::is_available() {
        code.parse::<proc_macro::TokenStream>()
            .expect("generated code parses")
            .into()
    } else {
        code.parse().expect("generated code parses")
    }
}

/// `on_unimplemented` formats its strings: braces must be doubled.
fn escape(s: &str) -> String {
    s.replace('{', "{{").replace('}', "}}")
}

/// The check names the attribute references for this revision (see `expand`).
fn check_names(revision: &Revision) -> Vec<String> {
    let id = &revision.id;
    let mut names = vec![checks::revision(id)];
    names.extend(
        revision
            .parents
            .iter()
            .map(|p| checks::down_revision(id, p)),
    );
    names.extend(
        revision
            .depends_on
            .iter()
            .map(|d| checks::depends_on(id, d)),
    );
    names.extend(
        revision
            .branch_labels
            .iter()
            .map(|l| checks::branch_label(id, l)),
    );
    names
}

fn read_folder(lit: &LitStr, dir: &Path, cx: &Context, errors: &mut Errors) -> Vec<File> {
    let rel = lit.value();
    if !dir.exists() {
        errors.add(
            lit.span(),
            format!(
                "migration folder `{}` does not exist: create it, or fix the path (relative to {})",
                dir.display(),
                cx.base_var,
            ),
        );
        return Vec::new();
    }
    if !dir.is_dir() {
        errors.add(
            lit.span(),
            format!(
                "`{}` is not a folder: give the folder that holds the migration files",
                dir.display()
            ),
        );
        return Vec::new();
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.add(
                lit.span(),
                format!("cannot read migration folder `{}`: {e}", dir.display()),
            );
            return Vec::new();
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            // The listing's own file type spares a `stat` per file; links are followed.
            e.file_type()
                .is_ok_and(|t| t.is_file() || (t.is_symlink() && e.path().is_file()))
        })
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    paths.sort();
    // An empty folder is an empty history: a new project (`migrate init`) builds, and its
    // CLI writes the first migration (`revision -m ...`).
    paths
        .into_iter()
        .map(|path| {
            let display = path
                .strip_prefix(cx.base)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            let state = read_file(&path, &display, &rel, lit.span(), errors);
            File { path, state }
        })
        .collect()
}

fn read_file(path: &Path, display: &str, rel: &str, span: Span, errors: &mut Errors) -> State {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            errors.add(span, format!("cannot read `{display}`: {e}"));
            return State::Rejected;
        }
    };
    // The common case: the scanner reads the attribute as text, with the macro's rules, and
    // a well-formed one is all the graph needs. The attribute itself still checks the item
    // under it (and stands in a `MIGRATION` if it refuses it). Whatever the scanner does not
    // accept takes the full parse below, which keeps every error as the macro reports it.
    if let Ok(Some(mut revision)) = scan::parse_migration_source(&text, display) {
        revision.line = revision_line(&text, &revision.id);
        return State::Migration {
            revision,
            usable: true,
        };
    }
    read_file_with_syn(&text, display, rel, span, errors)
}

fn read_file_with_syn(
    text: &str,
    display: &str,
    rel: &str,
    span: Span,
    errors: &mut Errors,
) -> State {
    let Ok(file) = syn::parse_file(text) else {
        return State::Unparsable;
    };
    let found: Vec<(&Item, &Attribute)> = file
        .items
        .iter()
        .flat_map(|item| {
            item_attrs(item)
                .iter()
                .filter(|a| {
                    a.path()
                        .segments
                        .last()
                        .is_some_and(|s| s.ident == "migration")
                })
                .map(move |a| (item, a))
        })
        .collect();
    match found.as_slice() {
        [] => {
            errors.add(
                span,
                format!(
                    "`{display}` has no #[migration]: every .rs file in `{rel}` is one migration; \
                     add #[migration(revision = \"{}\", down_revision = \"...\")] to its upgrade function, \
                     or move the file out of the folder",
                    fresh_id(display)
                ),
            );
            State::Rejected
        }
        [(item, attr)] => {
            // Errors are the attribute's to report, with real spans: only keep the verdict.
            let mut local = Errors::new();
            let tokens = match &attr.meta {
                syn::Meta::List(list) => list.tokens.clone(),
                _ => TokenStream::new(),
            };
            let args = attr::parse(tokens, Span::call_site(), &mut local);
            let shape = ast::analyze(item, &mut local);
            let usable = local.is_empty()
                && shape.is_some()
                && args.revision.is_some()
                && matches!(attr.meta, syn::Meta::List(_));
            let Some(revision) = &args.revision else {
                return State::Broken;
            };
            let values = |v: &[attr::Lit]| v.iter().map(|l| l.value.clone()).collect::<Vec<_>>();
            State::Migration {
                revision: Revision {
                    id: revision.value.clone(),
                    parents: values(&args.down_revisions),
                    depends_on: values(&args.depends_on),
                    branch_labels: values(&args.branch_labels),
                    message: args
                        .message
                        .as_ref()
                        .map(|m| m.value.clone())
                        .unwrap_or_default(),
                    file: display.to_owned(),
                    line: revision_line(text, &revision.value),
                },
                usable,
            }
        }
        several => {
            errors.add(
                span,
                format!(
                    "`{display}` declares {} migrations: keep one #[migration] per file",
                    several.len()
                ),
            );
            State::Rejected
        }
    }
}

fn item_attrs(item: &Item) -> &[Attribute] {
    match item {
        Item::Const(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::ExternCrate(i) => &i.attrs,
        Item::Fn(i) => &i.attrs,
        Item::ForeignMod(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Macro(i) => &i.attrs,
        Item::Mod(i) => &i.attrs,
        Item::Static(i) => &i.attrs,
        Item::Struct(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::TraitAlias(i) => &i.attrs,
        Item::Type(i) => &i.attrs,
        Item::Union(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

/// The line of `revision = "<id>"` in the text (1-based), or of `#[migration`, or 0.
fn revision_line(text: &str, id: &str) -> u32 {
    let line_of = |pos: usize| text[..pos].matches('\n').count() as u32 + 1;
    let needle = format!("\"{id}\"");
    for (pos, _) in text.match_indices(&needle) {
        let before = text[..pos].trim_end();
        if let Some(name) = before.strip_suffix('=') {
            let name = name.trim_end();
            if name.ends_with("revision") && !name.ends_with("down_revision") {
                return line_of(pos);
            }
        }
    }
    text.find("#[migration").map_or(0, line_of)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            let dir =
                std::env::temp_dir().join(format!("migrate-macros-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(dir.join("versions")).unwrap();
            TempDir(dir)
        }

        fn write(&self, file: &str, text: &str) {
            std::fs::write(self.0.join("versions").join(file), text).unwrap();
        }

        fn expand(&self) -> String {
            let lit = LitStr::new("versions", Span::call_site());
            embed_in(
                &lit,
                &Context {
                    base: &self.0,
                    base_var: "CARGO_MANIFEST_DIR",
                    package: "shop",
                },
            )
            .to_string()
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn migration(id: &str, parent: Option<&str>) -> String {
        let parent = parent.map_or(String::new(), |p| format!(", down_revision = \"{p}\""));
        format!(
            "use migrate_runtime::prelude::*;\n\n#[migration(revision = \"{id}\"{parent})]\npub fn upgrade() -> Vec<Op> {{ vec![] }}\n"
        )
    }

    fn list(out: &str) -> String {
        let start = out.find("MIGRATIONS : & [").unwrap();
        let start = start + out[start..].find("= & [").unwrap();
        let end = out[start..].find(']').unwrap();
        out[start..start + end].to_owned()
    }

    #[test]
    fn linear_chain_in_topological_order() {
        let t = TempDir::new("linear");
        // File names sort against the graph order: order must come from the graph.
        t.write("a.rs", &migration("cccc", Some("bbbb")));
        t.write("b.rs", &migration("bbbb", Some("aaaa")));
        t.write("c.rs", &migration("aaaa", None));
        let out = t.expand();
        assert!(!out.contains("compile_error"), "{out}");
        assert!(!out.contains("on_unimplemented"), "{out}");
        assert_eq!(
            list(&out),
            "= & [m_aaaa :: MIGRATION , m_bbbb :: MIGRATION , m_cccc :: MIGRATION"
        );
        // No check fails: the check macro drops every check, and no check trait exists.
        assert!(
            out.contains("macro_rules ! __migrate_check { ($ ($ valid : tt) *) => { } ; }"),
            "{out}"
        );
        assert!(!out.contains("pub trait"), "{out}");
        assert!(out.contains(&format!(
            "# [path = {:?}] pub mod m_aaaa",
            t.0.join("versions/c.rs").to_string_lossy()
        )));
    }

    #[test]
    fn missing_parent_becomes_a_failing_check() {
        let t = TempDir::new("missing");
        t.write("a.rs", &migration("aaaa0000", None));
        t.write("b.rs", &migration("bbbb0000", Some("aaaa0001")));
        let out = t.expand();
        assert!(
            out.contains("pub trait down_revision_aaaa0001_of_bbbb0000"),
            "{out}"
        );
        assert!(
            out.contains("message = \"down_revision `aaaa0001` does not match any migration\""),
            "{out}"
        );
        assert!(
            out.contains("the closest revision is `aaaa0000` (versions/a.rs:3)"),
            "{out}"
        );
        // The failing check is kept by the check macro, the others are dropped.
        assert!(
            out.contains(
                "(down_revision_aaaa0001_of_bbbb0000 $ ($ check : tt) *) => { $ ($ check) * } ;"
            ),
            "{out}"
        );
        assert!(!out.contains("(revision_bbbb0000 "), "{out}");
    }

    #[test]
    fn missing_folder_is_reported_at_the_literal() {
        let t = TempDir::new("nofolder");
        std::fs::remove_dir_all(t.0.join("versions")).unwrap();
        let out = t.expand();
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("does not exist"), "{out}");
        assert!(
            out.contains(&*t.0.join("versions").to_string_lossy()),
            "{out}"
        );
    }

    #[test]
    fn static_form_puts_the_modules_beside_the_static() {
        let t = TempDir::new("static");
        t.write("a.rs", &migration("aaaa", None));
        let (lit, form) = parse_input
            .parse2(quote!(
                /// The shop's migrations.
                pub static SHOP = "versions";
            ))
            .unwrap();
        let out = embed_as(
            &lit,
            &Context {
                base: &t.0,
                base_var: "CARGO_MANIFEST_DIR",
                package: "shop",
            },
            &form,
        )
        .to_string();
        assert!(!out.starts_with('{'), "{out}");
        assert!(
            out.starts_with("# [doc (hidden)] mod __migrate_embedded_SHOP {"),
            "{out}"
        );
        assert!(out.contains("pub mod m_aaaa ;"), "{out}");
        assert!(
            out.ends_with(&format!(
                "# [doc = r\" The shop's migrations.\"] pub static SHOP : :: migrate_runtime :: \
                 __private :: Migrations = :: migrate_runtime :: __private :: Migrations :: \
                 __from_sorted (__migrate_embedded_SHOP :: MIGRATIONS , {:?}) ;",
                t.0.join("versions").to_string_lossy()
            )),
            "{out}"
        );
    }

    #[test]
    fn the_input_is_a_literal_or_a_static() {
        for ok in [
            quote!("versions"),
            quote!(static M = "versions"),
            quote!(pub(crate) static M = "versions";),
        ] {
            assert!(parse_input.parse2(ok.clone()).is_ok(), "{ok}");
        }
        for bad in [
            quote!(versions),
            quote!("versions", "more"),
            quote!(static M: Migrations = "versions"),
            quote!(const M = "versions"),
            quote!(static M = "versions"; extra),
        ] {
            assert!(parse_input.parse2(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn empty_folder_is_an_empty_history() {
        let t = TempDir::new("empty");
        t.write("README.md", "not a migration");
        let out = t.expand();
        assert!(!out.contains("compile_error"), "{out}");
        assert!(out.contains("__from_sorted"), "{out}");
    }

    #[test]
    fn file_without_migration_is_reported_and_not_compiled() {
        let t = TempDir::new("nomigration");
        t.write("a.rs", &migration("aaaa", None));
        t.write("helpers.rs", "pub fn help() {}\n");
        let out = t.expand();
        assert!(
            out.contains("`versions/helpers.rs` has no #[migration]"),
            "{out}"
        );
        assert!(!out.contains("helpers.rs\"] pub mod"), "{out}");
    }

    #[test]
    fn several_migrations_in_one_file() {
        let t = TempDir::new("several");
        t.write(
            "a.rs",
            &format!(
                "{}{}",
                migration("aaaa", None),
                migration("bbbb", Some("aaaa")).replace("upgrade", "up2")
            ),
        );
        let out = t.expand();
        assert!(
            out.contains("`versions/a.rs` declares 2 migrations"),
            "{out}"
        );
    }

    #[test]
    fn unparsable_file_is_compiled_for_rustc_to_report_and_checks_are_skipped() {
        let t = TempDir::new("unparsable");
        t.write("a.rs", &migration("aaaa", None));
        t.write("b.rs", "fn broken( {");
        t.write("c.rs", &migration("cccc", Some("ffff")));
        let out = t.expand();
        assert!(out.contains("pub mod m_file_1"), "{out}");
        assert!(!out.contains("on_unimplemented"), "{out}");
    }

    #[test]
    fn broken_attribute_keeps_its_revision_in_the_graph() {
        let t = TempDir::new("brokenattr");
        t.write(
            "a.rs",
            &migration("aaaa", None).replace("revision =", "mesage = \"x\", revision ="),
        );
        t.write("b.rs", &migration("bbbb", Some("aaaa")));
        let out = t.expand();
        // `aaaa` exists: no missing-parent error for `bbbb`, and `aaaa` is not listed.
        assert!(!out.contains("on_unimplemented"), "{out}");
        assert_eq!(list(&out), "= & [m_bbbb :: MIGRATION");
        assert!(out.contains("pub mod m_aaaa"), "{out}");
    }

    #[test]
    fn duplicate_ids_get_distinct_modules() {
        let t = TempDir::new("dup");
        t.write("a.rs", &migration("aaaa", None));
        t.write("b.rs", &migration("aaaa", None));
        let out = t.expand();
        assert!(out.contains("pub mod m_aaaa ;"), "{out}");
        assert!(out.contains("pub mod m_aaaa_2 ;"), "{out}");
        assert!(out.contains("pub trait revision_aaaa"), "{out}");
        assert!(
            out.contains("revision `aaaa` is declared by 2 migrations"),
            "{out}"
        );
    }

    #[test]
    fn braces_are_escaped_in_diagnostics() {
        assert_eq!(escape("a {b} c"), "a {{b}} c");
    }

    #[test]
    fn revision_line_finds_the_literal() {
        let text =
            "// x\n#[migration(down_revision = \"aaaa\",\n  revision = \"aaaa\")]\nfn f() {}";
        assert_eq!(revision_line(text, "aaaa"), 3);
        assert_eq!(
            revision_line("\n#[migration(revision=\"bbbb\")]", "bbbb"),
            2
        );
        assert_eq!(revision_line("\n\n#[migration(x)]", "cccc"), 3);
        assert_eq!(revision_line("", "cccc"), 0);
    }
}
