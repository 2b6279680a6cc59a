//! The expansion of `embed_migrations!("folder")`: read the folder, check the graph, embed.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use migrate_core::{Graph, Revision};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{Attribute, Item, LitStr};

use crate::attr::{self, Args};
use crate::errors::{suggested_id, Errors};
use crate::{ast, checks, diagnose};

/// The variable that, when set at build time, replaces `CARGO_MANIFEST_DIR` as the base of
/// the folder path.
pub const BASE_VAR: &str = "MIGRATE_MANIFEST_DIR";

/// Entry point: reads the base dir and package name from the environment.
pub fn embed_migrations(input: TokenStream) -> TokenStream {
    let lit = match syn::parse2::<LitStr>(input) {
        Ok(lit) => lit,
        Err(e) => {
            return syn::Error::new(
                e.span(),
                "expected the migration folder as a string: embed_migrations!(\"versions\")",
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
    embed_in(
        &lit,
        &Context {
            base: &base,
            base_var: var,
            package: &package,
        },
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
    display: String,
    state: State,
}

enum State {
    /// Has exactly one `#[migration]`; `usable` when the attribute will emit `MIGRATION`.
    Migration { args: Args, usable: bool, line: u32 },
    /// rustc will report its syntax error when it compiles the module.
    Unparsable,
    /// Reported at the literal; not compiled.
    Rejected,
}

/// The expansion for a folder literal in a context.
pub fn embed_in(lit: &LitStr, cx: &Context) -> TokenStream {
    let mut errors = Errors::new();
    let rel = lit.value();
    let dir = cx.base.join(&rel);
    let files = read_folder(lit, &dir, cx, &mut errors);

    // The graph of every file whose revision could be read.
    let revisions: Vec<(usize, Revision)> = files
        .iter()
        .enumerate()
        .filter_map(|(i, f)| match &f.state {
            State::Migration { args, line, .. } => args.revision.as_ref().map(|r| {
                let values =
                    |v: &[attr::Lit]| v.iter().map(|l| l.value.clone()).collect::<Vec<_>>();
                (
                    i,
                    Revision {
                        id: r.value.clone(),
                        parents: values(&args.down_revisions),
                        depends_on: values(&args.depends_on),
                        branch_labels: values(&args.branch_labels),
                        message: args
                            .message
                            .as_ref()
                            .map(|m| m.value.clone())
                            .unwrap_or_default(),
                        file: f.display.clone(),
                        line: *line,
                    },
                )
            }),
            _ => None,
        })
        .collect();
    let graph = Graph::new(revisions.iter().map(|(_, r)| r.clone()));
    let any_unparsable = files.iter().any(|f| matches!(f.state, State::Unparsable));
    // With a file rustc cannot parse, the graph is incomplete: report that file first.
    let problems = if any_unparsable {
        BTreeMap::new()
    } else {
        diagnose::problems(&graph, &rel, cx.package)
    };

    // Modules, one per file rustc should compile.
    let mut used_names = HashSet::new();
    let mut modules = Vec::new();
    let mut module_of = vec![None; files.len()];
    for (i, f) in files.iter().enumerate() {
        if matches!(f.state, State::Rejected) {
            continue;
        }
        let base = match &f.state {
            State::Migration { args, .. } => match &args.revision {
                Some(r) => format!("m_{}", r.value),
                None => format!("m_file_{i}"),
            },
            _ => format!("m_file_{i}"),
        };
        let mut name = base.clone();
        let mut n = 2;
        while !used_names.insert(name.clone()) {
            name = format!("{base}_{n}");
            n += 1;
        }
        let ident = format_ident!("{}", name);
        let path = f.path.to_string_lossy().into_owned();
        modules.push(quote! {
            #[path = #path]
            pub mod #ident;
        });
        module_of[i] = Some(ident);
    }

    // Checks: one name per id literal of every usable file.
    let mut declared = HashSet::new();
    let mut check_items = Vec::new();
    for f in &files {
        let State::Migration {
            args, usable: true, ..
        } = &f.state
        else {
            continue;
        };
        for name in check_names(args) {
            if !declared.insert(name.clone()) {
                continue;
            }
            let ident = format_ident!("{}", name);
            match problems.get(&name) {
                None => check_items.push(quote!(pub use self::Valid as #ident;)),
                Some(problem) => {
                    let message = escape(&problem.message);
                    let label = escape(&problem.label);
                    let notes = problem.notes.iter().map(|n| escape(n));
                    check_items.push(quote! {
                        #[diagnostic::on_unimplemented(
                            message = #message,
                            label = #label,
                            #(note = #notes,)*
                        )]
                        pub trait #ident { const OK: () = (); }
                        #[diagnostic::do_not_recommend]
                        impl #ident for Never {}
                    });
                }
            }
        }
    }

    // Topological order when the graph is sound, file order otherwise.
    let usable: Vec<usize> = files
        .iter()
        .enumerate()
        .filter(|(_, f)| matches!(f.state, State::Migration { usable: true, .. }))
        .map(|(i, _)| i)
        .collect();
    let order: Vec<usize> = match graph.topological_order() {
        Ok(sorted) if problems.is_empty() => {
            let file_of_rev: std::collections::HashMap<&str, usize> = revisions
                .iter()
                .filter(|(i, _)| usable.contains(i))
                .map(|(i, r)| (r.id.as_str(), *i))
                .collect();
            sorted
                .iter()
                .filter_map(|r| file_of_rev.get(r.id.as_str()).copied())
                .collect()
        }
        _ => usable,
    };
    let listed = order
        .iter()
        .map(|&i| module_of[i].as_ref().expect("usable files are modules"));

    let rt = quote!(::migrate_runtime::__private);
    let checks_module = format_ident!("{}", checks::MODULE);
    let valid = format_ident!("{}", checks::VALID);
    let dir_text = dir.to_string_lossy().into_owned();
    let compile_errors = errors.to_compile_errors();
    quote! {
        {
            #compile_errors
            mod __migrate_embedded {
                #(#modules)*

                /// Compile-time checks of the revision graph (see `embed_migrations!`).
                #[doc(hidden)]
                #[allow(non_camel_case_types, dead_code)]
                pub mod #checks_module {
                    pub trait #valid { const OK: () = (); }
                    impl #valid for () {}
                    pub struct Never;
                    #(#check_items)*
                }

                pub const MIGRATIONS: &[#rt::Migration] = &[#(#listed::MIGRATION),*];
            }
            #rt::Migrations::__from_sorted(__migrate_embedded::MIGRATIONS, #dir_text)
        }
    }
}

/// `on_unimplemented` formats its strings: braces must be doubled.
fn escape(s: &str) -> String {
    s.replace('{', "{{").replace('}', "}}")
}

/// The check names the attribute references for these arguments (see `expand`).
fn check_names(args: &Args) -> Vec<String> {
    let Some(rev) = &args.revision else {
        return Vec::new();
    };
    let id = &rev.value;
    let mut names = vec![checks::revision(id)];
    names.extend(
        args.down_revisions
            .iter()
            .map(|p| checks::down_revision(id, &p.value)),
    );
    names.extend(
        args.depends_on
            .iter()
            .map(|d| checks::depends_on(id, &d.value)),
    );
    names.extend(
        args.branch_labels
            .iter()
            .map(|l| checks::branch_label(id, &l.value)),
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
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "rs"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        let id = suggested_id(&rel);
        errors.add(
            lit.span(),
            format!(
                "migration folder `{rel}` has no .rs file: add the first migration, e.g. \
                 `{rel}/{id}_create_tables.rs` with `#[migration(revision = \"{id}\")] pub fn upgrade() -> Vec<Op> {{ .. }}`"
            ),
        );
        return Vec::new();
    }
    paths
        .into_iter()
        .map(|path| {
            let display = path
                .strip_prefix(cx.base)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            let state = read_file(&path, &display, &rel, lit.span(), errors);
            File {
                path,
                display,
                state,
            }
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
    let Ok(file) = syn::parse_file(&text) else {
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
                    suggested_id(display)
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
            let line = args
                .revision
                .as_ref()
                .map_or(0, |r| revision_line(&text, &r.value));
            State::Migration { args, usable, line }
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
        assert!(out.contains("pub use self :: Valid as revision_aaaa"));
        assert!(out.contains("pub use self :: Valid as down_revision_aaaa_of_bbbb"));
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
        assert!(
            out.contains("pub use self :: Valid as revision_bbbb0000"),
            "{out}"
        );
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
    fn empty_folder_is_reported() {
        let t = TempDir::new("empty");
        t.write("README.md", "not a migration");
        let out = t.expand();
        assert!(out.contains("has no .rs file"), "{out}");
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
