//! The shop example end to end, through its binary, on every backend compiled in:
//! upgrade in steps, the seed's `status` data migration checked on real rows both ways,
//! downgrade to base and up again.

use std::process::Command;

use migrate_runtime::connection::Connection;
use migrate_runtime::dialect::Dialect;

/// A fresh database for one test: its URL, dropped at the end.
struct FreshDb {
    url: String,
    admin: Option<(String, String)>,
    _dir: Option<tempdir::Dir>,
}

mod tempdir {
    /// A temporary folder removed on drop.
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl FreshDb {
    fn open(dialect: Dialect, test: &str) -> Option<FreshDb> {
        let name = format!("shop_{test}_{}", std::process::id());
        let (admin_url, env) = match dialect {
            Dialect::Sqlite => {
                let dir = std::env::temp_dir().join(&name);
                std::fs::create_dir_all(&dir).unwrap();
                let url = format!("sqlite://{}", dir.join("shop.db").display());
                return Some(FreshDb {
                    url,
                    admin: None,
                    _dir: Some(tempdir::Dir(dir)),
                });
            }
            Dialect::Postgres => (
                std::env::var("MIGRATE_TEST_POSTGRES_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into()),
                "postgres",
            ),
            Dialect::Mysql => (
                std::env::var("MIGRATE_TEST_MYSQL_URL")
                    .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into()),
                "mysql",
            ),
        };
        let admin_db = if dialect == Dialect::Postgres {
            "/postgres"
        } else {
            "/"
        };
        let mut admin = match Connection::establish(&format!("{admin_url}{admin_db}")) {
            Ok(c) => c,
            Err(e) => {
                let msg = format!("{env} server unavailable for {test}: {e}");
                assert!(std::env::var_os("CI").is_none(), "{msg} (CI is set)");
                eprintln!("SKIPPED: {msg}");
                return None;
            }
        };
        let q = dialect.quote(&name);
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {q}"))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {q}"))
            .unwrap();
        Some(FreshDb {
            url: format!("{admin_url}/{name}"),
            admin: Some((format!("{admin_url}{admin_db}"), name)),
            _dir: None,
        })
    }

    fn cli(&self, args: &[&str]) -> (bool, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_migrations"))
            .args(args)
            .env("DATABASE_URL", &self.url)
            .output()
            .expect("run the migrations binary");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    fn ok(&self, args: &[&str]) -> String {
        let (ok, text) = self.cli(args);
        assert!(ok, "migrations {args:?} failed:\n{text}");
        text
    }

    fn conn(&self) -> Connection {
        Connection::establish(&self.url).unwrap()
    }

    fn statuses(&self) -> Vec<String> {
        let mut c = self.conn();
        let text = if c.dialect() == Dialect::Mysql {
            "CHAR"
        } else {
            "TEXT"
        };
        c.query_strings(&format!(
            "SELECT CAST(status AS {text}) AS value FROM orders ORDER BY id"
        ))
        .unwrap()
    }
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.admin {
            if let Ok(mut admin) = Connection::establish(admin_url) {
                let q = admin.dialect().quote(name);
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {q}"));
            }
        }
    }
}

fn shop_round_trip(dialect: Dialect) {
    let Some(db) = FreshDb::open(dialect, &format!("round_trip_{dialect}")) else {
        return;
    };
    // Up to just before the status migration, with real rows in the old format.
    let out = db.ok(&["upgrade", "9b2e4d6f8a01"]);
    assert!(out.contains("create shipping_addresses"), "{out}");
    let mut c = db.conn();
    c.batch_execute("INSERT INTO users (email, name) VALUES ('ada@example.com', 'Ada')")
        .unwrap();
    c.batch_execute(
        "INSERT INTO items (name, price_cents, is_physical) VALUES ('book', 1200, TRUE)",
    )
    .unwrap();
    for status in [0, 1, 7] {
        c.batch_execute(&format!(
            "INSERT INTO orders (user_id, item_id, status) VALUES (1, 1, {status})"
        ))
        .unwrap();
    }
    drop(c);

    let out = db.ok(&["upgrade", "head"]);
    assert!(
        out.contains("orders status from integer codes to text"),
        "{out}"
    );
    assert!(out.contains("merge display_name and orders index"), "{out}");
    assert_eq!(db.statuses(), ["PENDING", "PAID", "UNKNOWN"]);
    assert!(db.ok(&["current"]).contains("a0b1c2d3e4f5"));
    assert!(db.ok(&["upgrade", "head"]).contains("nothing to do"));

    // The explicit downgrade maps the text back (an unknown code becomes -1).
    let out = db.ok(&["downgrade", "9b2e"]);
    assert!(out.contains("downgrade c41d7e2a9f3b"), "{out}");
    assert_eq!(db.statuses(), ["0", "1", "-1"]);
    assert!(db.ok(&["current"]).contains("9b2e4d6f8a01"));

    let out = db.ok(&["downgrade", "base"]);
    assert!(out.contains("downgrade 1a2b3c4d5e6f"), "{out}");
    assert!(db.ok(&["current"]).contains("at base"));
    db.ok(&["upgrade"]);
    assert!(db.ok(&["current"]).contains("a0b1c2d3e4f5"));
}

fn bad_input(dialect: Dialect) {
    let Some(db) = FreshDb::open(dialect, &format!("bad_input_{dialect}")) else {
        return;
    };
    let (ok, text) = db.cli(&["upgrade", "9b2e4d6f8a0x"]);
    assert!(!ok);
    assert!(
        text.contains("no revision \"9b2e4d6f8a0x\": did you mean 9b2e4d6f8a01?"),
        "{text}"
    );
    let (ok, text) = db.cli(&["sideways"]);
    assert!(!ok && text.contains("usage:"), "{text}");
    assert!(
        db.ok(&["current"]).contains("at base"),
        "bad input changed nothing"
    );
}

#[test]
fn shop_round_trip_sqlite() {
    shop_round_trip(Dialect::Sqlite);
    bad_input(Dialect::Sqlite);
}

#[cfg(feature = "postgres")]
#[test]
fn shop_round_trip_postgres() {
    shop_round_trip(Dialect::Postgres);
    bad_input(Dialect::Postgres);
}

#[cfg(feature = "mysql")]
#[test]
fn shop_round_trip_mysql() {
    shop_round_trip(Dialect::Mysql);
    bad_input(Dialect::Mysql);
}
