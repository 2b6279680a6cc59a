//! The folder scanner against the example project's files, malformed attributes, tricky
//! text, new ids and rendered files.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use migrate_core::scan::{
    file_name, new_revision_id, parse_migration_source, render_migration, scan_dir, today_utc,
    NewMigration, ScanErrorKind,
};
use migrate_core::{id, Graph, Revision};
use proptest::prelude::*;

fn versions() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/versions")
}

fn parse(text: &str) -> Revision {
    parse_migration_source(text, "v/x.rs")
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
        .expect("a migration")
}

fn error(text: &str) -> String {
    match parse_migration_source(text, "v/x.rs") {
        Err(e) => e.to_string(),
        Ok(r) => panic!("expected an error, got {r:?} for\n{text}"),
    }
}

/// A minimal file with these attribute arguments.
fn with_args(args: &str) -> String {
    format!("use migrate_runtime::prelude::*;\n\n#[migration({args})]\npub fn upgrade() -> Vec<Op> {{\n    vec![]\n}}\n")
}

// ---------------------------------------------------------------------------------------
// The example project

#[test]
fn reads_every_example_migration() {
    let revisions = scan_dir(&versions()).unwrap();
    let got: Vec<(&str, Vec<&str>, &str)> = revisions
        .iter()
        .map(|r| {
            (
                r.id.as_str(),
                r.parents.iter().map(String::as_str).collect(),
                r.message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("1a2b3c4d5e6f", vec![], "initial shop schema"),
            (
                "3f9a1c2b7d10",
                vec!["1a2b3c4d5e6f"],
                "add is_physical to items"
            ),
            (
                "9b2e4d6f8a01",
                vec!["3f9a1c2b7d10"],
                "create shipping_addresses"
            ),
            (
                "c41d7e2a9f3b",
                vec!["9b2e4d6f8a01"],
                "orders status from integer codes to text"
            ),
            (
                "5d8e1f0a2b4c",
                vec!["c41d7e2a9f3b"],
                "add display_name to users"
            ),
            (
                "7e6f5a4b3c2d",
                vec!["c41d7e2a9f3b"],
                "index orders by created_at"
            ),
            (
                "a0b1c2d3e4f5",
                vec!["5d8e1f0a2b4c", "7e6f5a4b3c2d"],
                "merge display_name and orders index"
            ),
        ]
    );
    for r in &revisions {
        assert!(
            r.depends_on.is_empty() && r.branch_labels.is_empty(),
            "{r:?}"
        );
        // Each file is named after its revision, and the line is the attribute's.
        let name = Path::new(&r.file).file_name().unwrap().to_string_lossy();
        assert!(name.contains(&format!("_{}_", r.id)), "{name}");
        assert!(
            r.file.ends_with(".rs") && r.file.contains("/versions/"),
            "{}",
            r.file
        );
        let text = std::fs::read_to_string(&r.file).unwrap();
        let line = text.lines().nth(r.line as usize - 1).unwrap();
        assert!(line.starts_with("#[migration("), "{}: {line}", r.location());
    }
    assert_eq!(revisions[0].line, 14);
    let graph = Graph::new(revisions.clone());
    assert_eq!(graph.check(), []);
    let heads: Vec<&str> = graph.heads().iter().map(|r| r.id.as_str()).collect();
    assert_eq!(heads, ["a0b1c2d3e4f5"]);
}

#[test]
fn every_example_file_parses_alone() {
    let mut n = 0;
    for entry in std::fs::read_dir(versions()).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let rev = parse_migration_source(&text, "f.rs").unwrap().unwrap();
        // The id is the one in the file name, and the text names each parent.
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(name.split('_').nth(1), Some(rev.id.as_str()));
        for p in &rev.parents {
            assert!(text.contains(&format!("\"{p}\"")), "{p} in {name}");
        }
        n += 1;
    }
    assert_eq!(n, 7);
}

// ---------------------------------------------------------------------------------------
// The attribute

#[test]
fn all_arguments_and_forms() {
    let r = parse(&with_args(
        r###"revision = "3f9a1c2b7d10", down_revision = "9b2e4d6f8a01",
        message = r#"say "hi"\n"#, branch_labels = ["shop", "b-2"], depends_on = "aaaa0000bbbb","###,
    ));
    assert_eq!(
        r,
        Revision::new("3f9a1c2b7d10")
            .parent("9b2e4d6f8a01")
            .message(r#"say "hi"\n"#)
            .branch_labels(["shop", "b-2"])
            .depends_on(["aaaa0000bbbb"])
            .at("v/x.rs", 3)
    );
    let r = parse(&with_args(
        r#"message = "tab\there \u{e9} \x41 \"q\" \\", revision = "aaaa", down_revision = []"#,
    ));
    assert_eq!(r.message, "tab\there \u{e9} A \"q\" \\");
    assert!(r.parents.is_empty());
}

#[test]
fn qualified_paths_and_other_delimiters() {
    for attr in [
        "#[migrate_runtime::migration(revision = \"abcd\")]",
        "#[::migrate_runtime::migration(revision = \"abcd\")]",
        "#[ migration ( revision = \"abcd\" ) ]",
        "#[migration{revision = \"abcd\"}]",
    ] {
        let text =
            format!("#[doc = \"x\"]\n#[allow(unused)]\n{attr}\nfn up() -> Vec<Op> {{ vec![] }}");
        let r = parse(&text);
        assert_eq!((r.id.as_str(), r.line), ("abcd", 3), "{attr}");
    }
}

#[test]
fn module_migration_with_inner_items() {
    let text = r#"
use migrate_runtime::migration;

#[migration(revision = "c41d7e2a9f3b", down_revision = "9b2e4d6f8a01")]
pub mod m {
    use migrate_runtime::prelude::*;
    #[allow(dead_code)]
    pub fn upgrade() -> Vec<Op> { vec![] }
    pub fn downgrade() -> Vec<Op> { vec![] }
}
"#;
    assert_eq!(parse(text).id, "c41d7e2a9f3b");
}

#[test]
fn comments_and_strings_are_not_attributes() {
    let decoys = r####"
//! #[migration(revision = "dddd0001")]
// #[migration(revision = "dddd0002")]
/* #[migration(revision = "dddd0003")] /* nested */ #[migration(revision = "dddd0004")] */
/// #[migration(revision = "dddd0005")]
const A: &str = "#[migration(revision = \"dddd0006\")]";
const B: &str = r#"#[migration(revision = "dddd0007")]"#;
const C: &[u8] = br##"#[migration(revision = "dddd0008")]"##;
const D: char = '#';
const E: char = '[';
const F: &str = "\\"; // a string ending in a backslash
fn g<'a>(x: &'a str) -> &'a str { x }
mod inner {
    #[migration(revision = "dddd0009")]
    pub fn upgrade() -> Vec<Op> { vec![] }
}
macro_rules! m { () => { #[migration(revision = "dddd000a")] fn f() {} }; }
#![migration(revision = "dddd000b")]
"####;
    assert_eq!(parse_migration_source(decoys, "d.rs").unwrap(), None);
    let text = format!("{decoys}\n#[migration(revision = \"aaaa0000\")]\npub fn upgrade() -> Vec<Op> {{ vec![] }}\n");
    let r = parse(&text);
    assert_eq!(r.id, "aaaa0000");
    assert_eq!(r.line, decoys.lines().count() as u32 + 2);
}

#[test]
fn malformed_attributes_say_what_is_wrong() {
    let cases: &[(&str, &str)] = &[
        (
            "revison = \"aaaa\"",
            "v/x.rs:3: unknown argument `revison`: did you mean `revision`?",
        ),
        (
            "revision = \"aaaa\", colour = \"red\"",
            "v/x.rs:3: unknown argument `colour`: expected one of revision, down_revision, message, branch_labels, depends_on",
        ),
        (
            "revision = \"aaaa\", message = \"a\", message = \"b\"",
            "v/x.rs:3: duplicate argument `message`: give it once, remove this one",
        ),
        (
            "message = \"m\"",
            "v/x.rs:3: missing `revision` argument: add revision = \"",
        ),
        (
            "revision = \"3F9A\"",
            "v/x.rs:3: revision id `3F9A` must be lowercase: write \"3f9a\"",
        ),
        (
            "revision = \"3f9a-1c2b-7d10\"",
            "v/x.rs:3: revision id `3f9a-1c2b-7d10` has '-' at position 5, only hex digits 0-9 and a-f are allowed: write \"3f9a1c2b7d10\"",
        ),
        (
            "revision = \"aaaa\", down_revision = \"xyz1\"",
            "v/x.rs:3: down_revision id `xyz1` has 'x' at position 1, only hex digits 0-9 and a-f are allowed: copy the `revision` of the migration it names",
        ),
        (
            "revision = \"aaaa\", depends_on = [\"ab\"]",
            "v/x.rs:3: depends_on id `ab` is too short (2 characters, at least 4): copy the `revision` of the migration it names",
        ),
        (
            "revision = \"\"",
            "v/x.rs:3: revision id is empty: use 12 lowercase hex digits, e.g. \"",
        ),
        (
            "revision = 42",
            "v/x.rs:3: expected a string literal: write revision = \"...\"",
        ),
        (
            "revision = \"aaaa\", down_revision = [\"bbbb\", 3]",
            "v/x.rs:3: expected a string literal in the `down_revision` list: write [\"...\", \"...\"]",
        ),
        (
            "revision = \"aaaa\", down_revision = None",
            "v/x.rs:3: `down_revision = None` is written by leaving it out: a migration without down_revision is the root",
        ),
        (
            "revision = [\"aaaa\"]",
            "v/x.rs:3: `revision` takes one id, not a list: write revision = \"3f9a1c2b7d10\"",
        ),
        (
            "revision = \"aaaa\", message = [\"a\"]",
            "v/x.rs:3: `message` takes one string, not a list: write message = \"add items\"",
        ),
        (
            "revision = \"aaaa\", down_revision = [\"bbbb\", \"bbbb\"]",
            "v/x.rs:3: down_revision lists `bbbb` twice: remove this one",
        ),
        (
            "revision = \"aaaa\", branch_labels = [\"a b\"]",
            "v/x.rs:3: branch label `a b` has ' ': use letters, digits, `_` and `-` only",
        ),
        (
            "revision = \"aaaa\", branch_labels = [\"ok\", \"ok\"]",
            "v/x.rs:3: branch label `ok` is listed twice: remove this one",
        ),
        (
            "revision = \"aaaa\", branch_labels = \"\"",
            "v/x.rs:3: branch label is empty: use a short name such as \"shop\"",
        ),
        (
            "revision \"aaaa\"",
            "v/x.rs:3: expected `=` after `revision`: arguments are written revision = \"...\"",
        ),
        (
            "revision = \"aaaa\" message = \"m\"",
            "v/x.rs:3: expected `,` after the value of `revision`, found `message`",
        ),
        (
            "revision = \"aaaa\", down_revision = [\"bbbb\" \"cccc\"]",
            "v/x.rs:3: expected `,` between the items of the `down_revision` list, found a string literal",
        ),
        (
            "\"aaaa\"",
            "v/x.rs:3: expected an argument name such as `revision`, found a string literal",
        ),
        (
            "revision = \"aa\\qa\"",
            "v/x.rs:3: `\\q` is not a valid escape in a string literal",
        ),
        (
            "revision = b\"aaaa\"",
            "v/x.rs:3: expected a string literal: write revision = \"...\"",
        ),
    ];
    for (args, wanted) in cases {
        let got = error(&with_args(args));
        assert!(
            got.starts_with(wanted),
            "{args}:\n got: {got}\nwant: {wanted}"
        );
    }
}

#[test]
fn errors_point_at_the_offending_line() {
    let text =
        "\n#[migration(\n    revision = \"aaaa\",\n    down_revision = \"ABC1\",\n)]\nfn f() {}";
    let e = parse_migration_source(text, "v/x.rs").unwrap_err();
    assert_eq!((e.kind, e.line), (ScanErrorKind::Attribute, 4));
    assert_eq!(
        e.to_string(),
        "v/x.rs:4: down_revision id `ABC1` must be lowercase: write \"abc1\""
    );
}

#[test]
fn attribute_shape_errors() {
    let e = error("#[migration]\nfn f() -> Vec<Op> { vec![] }");
    assert!(
        e.starts_with("v/x.rs:1: missing `revision` argument: add revision = \""),
        "{e}"
    );
    let e = error("#[migration = \"aaaa\"]\nfn f() {}");
    assert!(e.contains("the arguments go in parentheses"), "{e}");
    let e = error("#[migration(revision = \"aaaa\") extra]\nfn f() {}");
    assert!(e.contains("unexpected `extra` after the arguments"), "{e}");
}

#[test]
fn several_migrations_in_one_file() {
    let text = format!(
        "{}\n{}",
        with_args("revision = \"aaaa\""),
        with_args("revision = \"bbbb\"")
    );
    let e = parse_migration_source(&text, "v/x.rs").unwrap_err();
    assert_eq!(e.kind, ScanErrorKind::SeveralMigrations);
    assert_eq!(
        e.to_string(),
        "v/x.rs:10: declares 2 migrations (lines 3, 10): keep one #[migration] per file"
    );
}

#[test]
fn broken_text_is_a_syntax_error_at_its_start() {
    let cases = [
        (
            "/* never closed\n#[migration(revision = \"aaaa\")]",
            1,
            "block comment is never closed",
        ),
        ("\n\"never closed", 2, "string literal is never closed"),
        (
            "\n\nconst A: &str = r#\"x\"",
            3,
            "raw string literal is never closed",
        ),
        ("fn f() {\n", 1, "this `{` is never closed"),
        ("fn f() }", 1, "`}` closes nothing"),
        (
            "fn f() {\n (]",
            2,
            "`]` does not close the `(` opened on line 2",
        ),
    ];
    for (text, line, wanted) in cases {
        let e = parse_migration_source(text, "v/x.rs").unwrap_err();
        assert_eq!((e.kind, e.line), (ScanErrorKind::Syntax, line), "{text}");
        assert!(e.message.contains(wanted), "{text}: {e}");
    }
}

#[test]
fn crlf_bom_and_shebang() {
    let text = "\u{feff}#!/usr/bin/env x\r\n#[migration(\r\n  revision = \"aaaa\",\r\n  message = \"a\r\nb\"\r\n)]\r\nfn f() {}\r\n";
    let r = parse(text);
    assert_eq!(
        (r.id.as_str(), r.message.as_str(), r.line),
        ("aaaa", "a\nb", 2)
    );
}

// ---------------------------------------------------------------------------------------
// The folder

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("migrate-core-scan-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.0.join(name), text).unwrap();
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn folder_rules_mirror_the_macro() {
    let t = TempDir::new("rules");
    t.write(
        "b.rs",
        &with_args("revision = \"bbbb\", down_revision = \"aaaa\""),
    );
    t.write("a.rs", &with_args("revision = \"aaaa\""));
    // Hidden files are embedded too; other extensions and subfolders are not.
    t.write(
        ".c.rs",
        &with_args("revision = \"cccc\", down_revision = \"bbbb\""),
    );
    t.write("README.md", "#[migration(revision = \"dddd\")]");
    t.write("x.rs~", "not rust");
    t.write("X.RS", "not rust either");
    std::fs::create_dir(t.0.join("sub.rs")).unwrap();
    std::fs::write(t.0.join("sub.rs/e.rs"), "nothing").unwrap();
    let revs = scan_dir(&t.0).unwrap();
    let ids: Vec<&str> = revs.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["cccc", "aaaa", "bbbb"]); // path order: `.` sorts before letters
    let dir = t.0.to_string_lossy().replace('\\', "/");
    assert_eq!(revs[1].file, format!("{dir}/a.rs"));
    assert_eq!(revs[1].line, 3);
}

#[test]
fn file_without_migration_is_refused() {
    let t = TempDir::new("nomigration");
    t.write("a.rs", &with_args("revision = \"aaaa\""));
    t.write("helpers.rs", "pub fn help() {}\n");
    let e = scan_dir(&t.0).unwrap_err();
    assert_eq!(e.kind, ScanErrorKind::NoMigration);
    let dir = t.0.to_string_lossy().replace('\\', "/");
    assert!(
        e.to_string().starts_with(&format!(
            "{dir}/helpers.rs: has no #[migration]: every .rs file in `{dir}` is one migration; add #[migration(revision = \""
        )),
        "{e}"
    );
    assert!(
        e.to_string()
            .ends_with("or move the file out of the folder"),
        "{e}"
    );
}

#[test]
fn unreadable_and_broken_files() {
    let t = TempDir::new("unreadable");
    std::fs::write(t.0.join("a.rs"), b"\xff\xfe not utf-8").unwrap();
    let e = scan_dir(&t.0).unwrap_err();
    assert_eq!(e.kind, ScanErrorKind::Read);
    assert!(
        e.to_string().contains("a.rs: cannot read the file: "),
        "{e}"
    );

    let t = TempDir::new("broken");
    t.write("a.rs", &with_args("revision = \"AAAA\""));
    let e = scan_dir(&t.0).unwrap_err();
    assert_eq!((e.kind, e.line), (ScanErrorKind::Attribute, 3));
    assert!(e.file.ends_with("/a.rs"), "{e}");
}

#[test]
fn folder_problems() {
    let t = TempDir::new("folder");
    assert_eq!(scan_dir(&t.0).unwrap(), []);
    let missing = t.0.join("nope");
    let e = scan_dir(&missing).unwrap_err();
    assert_eq!(e.kind, ScanErrorKind::Folder);
    assert!(e.to_string().starts_with("migration folder `"), "{e}");
    assert!(
        e.to_string()
            .ends_with("/nope` does not exist: create it, or fix the path"),
        "{e}"
    );
    t.write("f.rs", "");
    let e = scan_dir(&t.0.join("f.rs")).unwrap_err();
    assert!(
        e.to_string()
            .ends_with("f.rs` is not a folder: give the folder that holds the migration files"),
        "{e}"
    );
}

// ---------------------------------------------------------------------------------------
// New migrations

#[test]
fn new_ids_are_unique_valid_and_prefix_free() {
    let mut existing = scan_dir(&versions()).unwrap();
    let mut seen = HashSet::new();
    for _ in 0..1000 {
        let fresh = new_revision_id(&existing);
        assert_eq!(fresh.len(), id::DEFAULT_LEN);
        assert_eq!(id::validate(&fresh), Ok(()));
        for r in &existing {
            assert!(
                !r.id.starts_with(&fresh) && !fresh.starts_with(&r.id),
                "{fresh} {}",
                r.id
            );
        }
        assert!(seen.insert(fresh.clone()));
        existing.push(Revision::new(fresh));
    }
}

#[test]
fn new_ids_avoid_prefix_collisions() {
    // Ids "0" to "e" (invalid, but present) leave only ids starting with `f` free.
    let taken: Vec<Revision> = "0123456789abcde"
        .chars()
        .map(|c| Revision::new(c.to_string()))
        .collect();
    for _ in 0..50 {
        assert!(new_revision_id(&taken).starts_with('f'));
    }
}

#[test]
fn file_names() {
    assert_eq!(
        file_name((2025, 1, 27), "7e6f5a4b3c2d", "index orders created_at"),
        "20250127_7e6f5a4b3c2d_index_orders_created_at.rs"
    );
    assert_eq!(
        file_name((2025, 1, 24), "3f9a1c2b7d10", "add is_physical to items"),
        "20250124_3f9a1c2b7d10_add_is_physical_to_items.rs"
    );
    assert_eq!(
        file_name((999, 12, 5), "abcd", "  "),
        "09991205_abcd_migration.rs"
    );
    let long = file_name(
        (2025, 1, 1),
        "abcd",
        "Add the customer's preferred shipping carrier and its tracking-number format",
    );
    assert_eq!(
        long,
        "20250101_abcd_add_the_customer_s_preferred_shipping_carrier_and.rs"
    );
}

#[test]
fn today_is_plausible() {
    let (y, m, d) = today_utc();
    assert!((2024..3000).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d));
}

fn example_new() -> NewMigration {
    NewMigration {
        id: "3f9a1c2b7d10".into(),
        parents: vec!["1a2b3c4d5e6f".into()],
        message: "add is_physical to items".into(),
        ..NewMigration::default()
    }
}

fn round_trip(new: &NewMigration) -> Revision {
    let text = render_migration(new);
    let r = parse_migration_source(&text, "v/new.rs")
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
        .unwrap_or_else(|| panic!("no attribute in\n{text}"));
    assert_eq!(r.id, new.id, "{text}");
    assert_eq!(r.parents, new.parents, "{text}");
    assert_eq!(r.message, new.message, "{text}");
    assert_eq!(r.branch_labels, new.branch_labels, "{text}");
    assert_eq!(r.depends_on, new.depends_on, "{text}");
    r
}

#[test]
fn renders_like_the_example_files() {
    let text = render_migration(&example_new());
    assert_eq!(
        text,
        r#"//! add is_physical to items
use migrate_runtime::prelude::*;

#[migration(
    revision = "3f9a1c2b7d10",
    down_revision = "1a2b3c4d5e6f",
    message = "add is_physical to items"
)]
pub fn upgrade() -> Vec<Op> {
    // The changes of this revision, in order; the downgrade is derived from them.
    // For example:
    // vec![op::add_column("items", Column::new("sku", Type::Varchar(64)))]
    vec![]
}
"#
    );
    let r = round_trip(&example_new());
    assert_eq!(r.line, 4);
}

#[test]
fn renders_a_root_and_a_merge() {
    let root = NewMigration {
        id: "1a2b3c4d5e6f".into(),
        message: "initial shop schema".into(),
        ..NewMigration::default()
    };
    let text = render_migration(&root);
    assert!(
        text.contains(
            "#[migration(revision = \"1a2b3c4d5e6f\", message = \"initial shop schema\")]\n"
        ),
        "{text}"
    );
    assert!(!text.contains("down_revision"), "{text}");
    round_trip(&root);

    let merge = NewMigration {
        id: "a0b1c2d3e4f5".into(),
        parents: vec!["5d8e1f0a2b4c".into(), "7e6f5a4b3c2d".into()],
        message: "merge display_name and orders index".into(),
        ..NewMigration::default()
    };
    let text = render_migration(&merge);
    assert_eq!(
        text,
        r#"//! merge display_name and orders index
use migrate_runtime::prelude::*;

#[migration(
    revision = "a0b1c2d3e4f5",
    down_revision = ["5d8e1f0a2b4c", "7e6f5a4b3c2d"],
    message = "merge display_name and orders index"
)]
pub fn upgrade() -> Vec<Op> {
    // A merge only joins branches of the revision graph: it usually has no ops.
    vec![]
}
"#
    );
    round_trip(&merge);
}

#[test]
fn renders_labels_dependencies_and_long_lists() {
    let new = NewMigration {
        id: "aaaa0000bbbb".into(),
        parents: (1..=5).map(|i| format!("{i}{i}{i}{i}0000ffff")).collect(),
        message: String::new(),
        branch_labels: vec!["shop".into()],
        depends_on: vec!["cccc0000dddd".into()],
    };
    let text = render_migration(&new);
    assert!(text.starts_with("//! Merges 11110000ffff and "), "{text}");
    assert!(
        text.contains("    down_revision = [\n        \"11110000ffff\",\n"),
        "{text}"
    );
    assert!(text.contains("    branch_labels = [\"shop\"],\n"), "{text}");
    assert!(!text.contains("message"), "{text}");
    round_trip(&new);
}

#[test]
fn rendered_files_are_rustfmt_clean() {
    // rustfmt is part of the toolchain CI uses; skip quietly where it is missing.
    let Ok(out) = std::process::Command::new("rustfmt")
        .arg("--version")
        .output()
    else {
        return;
    };
    if !out.status.success() {
        return;
    }
    let long_message =
        "a message long enough to push the attribute past its width limit, and then some more";
    let cases = [
        example_new(),
        NewMigration {
            id: "1a2b3c4d5e6f".into(),
            message: "initial shop schema".into(),
            ..NewMigration::default()
        },
        NewMigration {
            id: "1a2b".into(),
            parents: vec!["aaaa".into()],
            message: "short".into(),
            ..NewMigration::default()
        },
        NewMigration {
            id: "aaaa0000bbbb".into(),
            parents: (1..=4).map(|i| format!("{i}{i}{i}{i}0000ffff")).collect(),
            message: long_message.into(),
            branch_labels: vec!["shop".into(), "x".into()],
            depends_on: vec!["cccc0000dddd".into()],
        },
        NewMigration {
            id: "aaaa0000bbbb".into(),
            parents: (1..=3).map(|i| format!("{i}{i}{i}{i}0000ffff")).collect(),
            message: "m\n\nsecond paragraph \"quoted\" \\ back".into(),
            ..NewMigration::default()
        },
    ];
    let t = TempDir::new("rustfmt");
    for (i, new) in cases.iter().enumerate() {
        let path = t.0.join(format!("m{i}.rs"));
        let text = render_migration(new);
        std::fs::write(&path, &text).unwrap();
        let out = std::process::Command::new("rustfmt")
            .args(["--edition", "2021", "--check"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{text}\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

// ---------------------------------------------------------------------------------------
// Properties

/// Fragments that stress the lexer: delimiters, quotes, comment markers, escapes.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just("\\".to_owned()),
        Just("/*".to_owned()),
        Just("*/".to_owned()),
        Just("//".to_owned()),
        Just("\n".to_owned()),
        Just("#[".to_owned()),
        Just("#[migration(".to_owned()),
        Just("r#\"".to_owned()),
        Just("\"#".to_owned()),
        Just("b'".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just(",".to_owned()),
        Just("=".to_owned()),
        Just("\\u{".to_owned()),
        Just("é".to_owned()),
        "\\PC{0,4}",
    ]
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_text(text in "\\PC*") {
        let _ = parse_migration_source(&text, "f.rs");
    }

    #[test]
    fn never_panics_on_arbitrary_chars(text in any::<String>()) {
        let _ = parse_migration_source(&text, "f.rs");
    }

    #[test]
    fn never_panics_on_mutated_files(
        file in 0usize..7,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0usize..8, fragment()), 1..6),
    ) {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(versions()).unwrap()
            .map(|e| e.unwrap().path()).collect();
        paths.sort();
        let mut text = std::fs::read_to_string(&paths[file]).unwrap();
        for (at, delete, insert) in edits {
            let mut start = at.index(text.len() + 1);
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (start + delete).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            text.replace_range(start..end, &insert);
        }
        if let Err(e) = parse_migration_source(&text, "f.rs") {
            // Every error has a line and a message.
            prop_assert!(e.line > 0 && !e.message.is_empty(), "{e:?}");
        }
    }

    #[test]
    fn render_round_trips(
        message in "\\PC{0,80}|[\\s\\S]{0,40}",
        parents in proptest::collection::vec("[0-9a-f]{12}", 0..4),
        labels in proptest::collection::vec("[a-z][a-z0-9_-]{0,10}", 0..3),
        depends_on in proptest::collection::vec("[0-9a-f]{4,32}", 0..3),
    ) {
        let mut parents = parents;
        parents.dedup();
        let mut labels = labels;
        labels.sort();
        labels.dedup();
        let mut depends_on = depends_on;
        depends_on.sort();
        depends_on.dedup();
        let new = NewMigration {
            id: new_revision_id(&[]),
            parents: {
                let mut seen = HashSet::new();
                parents.into_iter().filter(|p| seen.insert(p.clone())).collect()
            },
            message,
            branch_labels: labels,
            depends_on,
        };
        round_trip(&new);
    }
}

#[test]
fn new_ids_terminate_on_degenerate_sets() {
    // An empty id is a prefix of everything, and all 16 one-digit ids leave no id free of
    // prefix collisions: both still give a fresh, distinct id.
    let mut taken: Vec<Revision> = "0123456789abcdef"
        .chars()
        .map(|c| Revision::new(c.to_string()))
        .collect();
    taken.push(Revision::new(""));
    let fresh = new_revision_id(&taken);
    assert!(id::is_valid(&fresh));
    assert!(taken.iter().all(|r| r.id != fresh));
}
