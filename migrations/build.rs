//! Re-run the build (and so `embed_migrations!`) when a migration file is added, removed or
//! renamed; edits to existing files are tracked by rustc itself.
fn main() {
    println!("cargo:rerun-if-changed=versions");
}
