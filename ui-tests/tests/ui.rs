//! Compile-fail cases (`ui/`, each with its `.stderr`) and compile-pass cases (`pass/`) of
//! `#[migration]` and `embed_migrations!`.
//!
//! Each case embeds its own folder under `fixtures/`; `MIGRATE_MANIFEST_DIR` makes the
//! macro resolve those paths against this crate instead of trybuild's scratch crate.
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test -p ui-tests --test ui`.

#[test]
fn ui() {
    std::env::set_var("MIGRATE_MANIFEST_DIR", env!("CARGO_MANIFEST_DIR"));
    let cases = trybuild::TestCases::new();
    cases.pass("pass/*.rs");
    cases.compile_fail("ui/fail/*.rs");
}
