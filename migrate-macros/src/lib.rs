//! Procedural macros for `migrate-runtime`: `#[migration]` and `embed_migrations!`.
//!
//! Use them through `migrate_runtime` (`use migrate_runtime::prelude::*;`), which re-exports
//! both and provides the types the generated code names. The entry points below only convert
//! token streams; the work is in plain functions on `proc_macro2` tokens (`attr` parses the
//! arguments, `ast` checks the item, `expand` writes the attribute's output, `embed` reads
//! the folder and checks the graph with `migrate-core`).
#![deny(missing_docs)]

use proc_macro::TokenStream;

mod ast;
mod attr;
mod checks;
mod diagnose;
mod embed;
mod errors;
mod expand;
mod fast;

/// Declares one migration: its revision id, its parents and how to build its ops.
///
/// ```ignore
/// use migrate_runtime::prelude::*;
///
/// #[migration(revision = "3f9a1c2b7d10", down_revision = "9b2e4d6f8a01",
///             message = "add is_physical to items")]
/// pub fn upgrade() -> Vec<Op> {
///     vec![op::execute("UPDATE items SET is_physical = 1")]
/// }
/// ```
///
/// Arguments:
///
/// - `revision = "<id>"` (required): 4 to 32 lowercase hex digits, 12 by convention;
/// - `down_revision = "<id>"` or `["<id>", "<id>", ..]`: the parent(s); leave it out for the
///   first (root) migration, list several for a merge;
/// - `message = "..."`: a human description;
/// - `branch_labels = ["name", ..]`: names usable as targets;
/// - `depends_on = ["<id>", ..]`: revisions that must be applied first without being parents.
///
/// The item is either a function `fn NAME() -> Vec<Op>` (the downgrade is derived from the
/// ops), or an inline module with `pub fn upgrade() -> Vec<Op>` and optionally
/// `pub fn downgrade() -> Vec<Op>` (an explicit downgrade).
///
/// The item is kept unchanged; the attribute adds `pub const MIGRATION: Migration` next to
/// it (with `file!()` and the attribute's line) and, for each id literal, a check that
/// [`embed_migrations!`] keeps when the literal has a problem. A migration file must therefore be read by
/// `embed_migrations!` (one `#[migration]` per file, at the top level of the file): the graph
/// errors (missing parent, duplicate id, cycle, unmerged heads, second root, unknown
/// `depends_on`) are reported at the id literal, in the migration file. An attribute that
/// reports errors still adds a stand-in `MIGRATION`, so that the build fails with its errors
/// alone.
#[proc_macro_attribute]
pub fn migration(args: TokenStream, input: TokenStream) -> TokenStream {
    // The common case on the compiler's tokens directly; anything else, the full parsers.
    match fast::compiler::migration(args, input) {
        Ok(out) => out,
        Err((args, item)) => expand::full(args.into(), item.into()).into(),
    }
}

/// Embeds every migration of a folder, checked at compile time, as a `Migrations` value.
///
/// ```ignore
/// use migrate_runtime::prelude::*;
/// pub static MIGRATIONS: Migrations = embed_migrations!("versions");
/// ```
///
/// The path is relative to the crate's `CARGO_MANIFEST_DIR`; when the environment variable
/// `MIGRATE_MANIFEST_DIR` is set at build time it is used as the base instead (the ui tests
/// use it to point at fixture folders; cargo does not track it, so it is meant for tests).
/// Every `*.rs` file of the folder (not its subfolders) must hold exactly one
/// `#[migration]`; files are read in name order, and the migrations are embedded in
/// topological order (parents first).
///
/// Each file is compiled as a module of the expansion, with its own spans: an error in a
/// migration, including every revision-graph error, is reported in that file, at the
/// literal at fault. Errors without a file (missing or empty folder, a file without
/// `#[migration]`) are reported at the path literal.
///
/// # As a static (faster rebuilds)
///
/// The macro can also declare the static itself, at module level:
///
/// ```ignore
/// use migrate_runtime::prelude::*;
/// embed_migrations!(
///     /// The shop's migrations.
///     pub static MIGRATIONS = "versions"
/// );
/// ```
///
/// Same checks, same errors, same `Migrations`; the migration modules are then declared
/// beside the static instead of inside its initializer. That matters for incremental
/// builds: rustc puts the code of items nested in a static (or a function) in the
/// codegen unit of the enclosing module, so with the expression form every migration's
/// code shares one codegen unit, and editing any migration recompiles all of them (for
/// 1,000 migrations about 1.6 billion instructions of LLVM work per edit). As a static,
/// each migration module has its own codegen unit, and an edit recompiles one.
///
/// # Rebuilds
///
/// Editing a migration file rebuilds the crate (rustc tracks module files). Adding,
/// removing or renaming a file does not, unless the crate has a `build.rs` that says:
///
/// ```ignore
/// fn main() {
///     println!("cargo:rerun-if-changed=versions");
/// }
/// ```
///
/// (cargo then rebuilds whenever the folder's listing or any file in it changes).
#[proc_macro]
pub fn embed_migrations(input: TokenStream) -> TokenStream {
    embed::embed_migrations(input.into()).into()
}
