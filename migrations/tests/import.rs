//! Adopting an existing project: diesel's SQL migrations are imported as migration files,
//! the crate builds, a database diesel migrated is stamped at the matching revision, and the
//! rest runs; bad folders are refused with nothing written.

mod common;

use std::path::Path;

use common::Scratch;
use diesel::Connection as _;
use diesel_migrations::{FileBasedMigrations, MigrationHarness};
use migrate_runtime::import::{import, revision_id, Source};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// diesel's layout: three migrations, the last one without a down script.
fn diesel_folder(root: &Path) {
    write(
        &root.join("00000000000000_diesel_initial_setup/up.sql"),
        "-- diesel's helpers\nSELECT 1;",
    );
    write(
        &root.join("2024-01-01-000000_create_users/up.sql"),
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);",
    );
    write(
        &root.join("2024-01-01-000000_create_users/down.sql"),
        "DROP TABLE users;",
    );
    write(
        &root.join("2024-01-02-000000_add_name/up.sql"),
        "ALTER TABLE users ADD COLUMN name TEXT DEFAULT 'it''s; fine';",
    );
    write(
        &root.join("2024-01-02-000000_add_name/down.sql"),
        "ALTER TABLE users DROP COLUMN name;",
    );
    write(
        &root.join("2024-01-03-000000_seed_admin/up.sql"),
        "INSERT INTO users (email) VALUES ('admin@example.com');\nINSERT INTO users (email) VALUES ('ops@example.com');",
    );
}

#[test]
fn diesel_migrations_are_imported_and_a_diesel_database_is_stamped() {
    let tmp = tempfile::tempdir().unwrap();
    let diesel_dir = tmp.path().join("diesel");
    diesel_folder(&diesel_dir);

    // A production database diesel migrated up to the second migration.
    let db = tmp.path().join("prod.db");
    let mut conn = diesel::SqliteConnection::establish(db.to_str().unwrap()).unwrap();
    let source = FileBasedMigrations::from_path(&diesel_dir).unwrap();
    for _ in 0..3 {
        conn.run_next_migration(source.clone()).unwrap();
    }
    drop(conn);

    let s = Scratch::empty("import");
    let written = import(&diesel_dir, Source::Diesel, &s.versions()).unwrap();
    assert_eq!(written.len(), 3);
    let (built, stderr) = s.build();
    assert!(built, "the imported files compile: {stderr}");
    let bin = s.keep_binary("imported");
    let url = format!("sqlite://{}", db.display());
    let env = [("DATABASE_URL", url.as_str())];

    let users = revision_id(Source::Diesel, "20240101000000");
    let name = revision_id(Source::Diesel, "20240102000000");
    let seed = revision_id(Source::Diesel, "20240103000000");
    let history = s.run(&bin, &["history"]);
    assert!(
        history.starts_with(&format!("{name} -> {seed} (head), seed admin")),
        "{history}"
    );
    let out = s.run_with(&bin, &["stamp", "--from-diesel"], &env);
    assert!(out.contains(&format!("at revision {name}")), "{out}");
    let out = s.run_with(&bin, &["upgrade", "head"], &env);
    assert!(out.contains(&format!("upgrade   {seed}")), "{out}");

    // The imported down scripts are real downgrades; the script without one is irreversible.
    let sql = std::process::Command::new(&bin)
        .args(["downgrade", &users])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&sql.stderr);
    assert_eq!(sql.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!("migration {seed}")) && text.contains("irreversible"),
        "{text}"
    );
    let current = s.run_with(&bin, &["current"], &env);
    assert!(current.contains(&seed), "nothing changed: {current}");
}

fn versions_count(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.count())
}

#[test]
fn bad_folders_are_refused_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let versions = tmp.path().join("versions");
    std::fs::create_dir_all(&versions).unwrap();
    let case = |name: &str, files: &[(&str, &str)], source: Source, wanted: &str| {
        let dir = tmp.path().join(name);
        for (file, text) in files {
            write(&dir.join(file), text);
        }
        let e = import(&dir, source, &versions).unwrap_err().to_string();
        assert!(e.contains(wanted), "{name}: {e}");
        assert!(e.ends_with("nothing was imported"), "{e}");
        assert_eq!(versions_count(&versions), 0, "{name} wrote nothing");
    };
    case(
        "gap",
        &[("001_a.sql", "SELECT 1;"), ("003_c.sql", "SELECT 3;")],
        Source::Numbered,
        "003_c.sql: script number 3 follows 1: scripts 2..2 are missing",
    );
    case(
        "duplicate",
        &[("001_a.sql", "SELECT 1;"), ("01_b.sql", "SELECT 2;")],
        Source::Numbered,
        "is used twice",
    );
    case(
        "unparsable",
        &[
            ("001_a.sql", "SELECT 1;"),
            ("002_b.sql", "SELECT 'never closed;"),
        ],
        Source::Numbered,
        "002_b.sql: line 1: a ' quote is never closed",
    );
    case(
        "no_up",
        &[("2024-01-01-000000_x/down.sql", "DROP TABLE x;")],
        Source::Diesel,
        "up.sql: missing",
    );
    case(
        "orphan_down",
        &[("001_a.sql", "SELECT 1;"), ("002_b.down.sql", "SELECT 2;")],
        Source::Numbered,
        "a down script without its up script",
    );
    // A valid numbered folder imports, in order, with its down scripts.
    let dir = tmp.path().join("numbered");
    write(&dir.join("1_create.sql"), "CREATE TABLE t (x INT);");
    write(&dir.join("1_create.down.sql"), "DROP TABLE t;");
    write(&dir.join("2_fill.sql"), "INSERT INTO t VALUES (1);");
    let written = import(&dir, Source::Numbered, &versions).unwrap();
    assert_eq!(written.len(), 2);
    let first = std::fs::read_to_string(&written[0]).unwrap();
    assert!(
        first.contains("pub fn downgrade()") && first.contains("DROP TABLE t"),
        "{first}"
    );
    // Importing the same scripts again is refused: they are already there.
    let e = import(&dir, Source::Numbered, &versions)
        .unwrap_err()
        .to_string();
    assert!(e.contains("already imported"), "{e}");
    assert_eq!(versions_count(&versions), 2);
}
