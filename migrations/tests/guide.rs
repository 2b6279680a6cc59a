//! The guide (`docs/`) is run: every command of its ```` ```console ```` blocks, in the
//! order of the chapters listed in `docs/README.md`, in one scratch cargo workspace under
//! `target/scratch/`, with every file block written where it says; the output the guide
//! shows must appear in what the command printed. The conventions are those of
//! `docs/README.md`, "How this guide is tested":
//!
//! - ```` ```console ````: lines starting with `$ ` are commands (a line ending in `\`
//!   continues on the next); the lines after a command, up to the next one, are output that
//!   must appear in that order in what it printed (stdout and stderr together), a `...` line
//!   standing for any lines and a `...` within a line for any text. A command ends with `# exit N` when it must fail with that code;
//!   otherwise it must succeed. `export NAME=VALUE`, `unset NAME` and `cd DIR` change the
//!   environment and folder of the commands after them, as in a shell.
//! - ```` ```console postgres ```` (or `mysql`): the same, run when that server is reachable
//!   (`MIGRATE_TEST_POSTGRES_URL` / `MIGRATE_TEST_MYSQL_URL`, else the local defaults); each
//!   database named in a `postgres://...` / `mysql://...` URL of such a block is a fresh one
//!   made for this run and dropped after. Unreachable: the block prints SKIPPED, or fails
//!   when `CI` is set.
//! - ```` ```LANG file=PATH ````: the file's whole text; ```` ```diff file=PATH ````: an edit
//!   (` ` kept, `-` removed, `+` added lines; `@@` starts another hunk).
//! - Stand-ins: `/home/you/shop` is the scratch workspace, `/path/to/diesel-typed-migrations`
//!   this repository; revision ids and file names in `wrote ...` lines are the guide's
//!   examples, mapped to those the command really wrote, in everything after; `(3 ms)`
//!   timings match any number.
//!
//! `migrate` is installed by the guide's own `cargo install` into the scratch folder; a
//! `migrate` shim before it on `PATH` adds `--runtime-path <this repository>/migrate-runtime`
//! to `init`, because the crate is not on crates.io. Builds share `target/scratch/target`
//! with the other scratch-crate tests (the workspace's `target` is a link to it), and the
//! workspace starts with this repository's `Cargo.lock`, so dependencies compile once.
//!
//! For editing: `GUIDE_CHAPTERS=01,02` runs only the chapters whose file names start so,
//! `GUIDE_VERBOSE=1` prints every command and its output (with `--nocapture`), `GUIDE_KEEP=1`
//! keeps the scratch folder.

use std::collections::HashMap;
use std::io::Write as _;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SHOWN_WORKSPACE: &str = "/home/you/shop";
const SHOWN_REPO: &str = "/path/to/diesel-typed-migrations";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("migrations is in the workspace")
        .to_path_buf()
}

/// One fenced block of a chapter.
#[derive(Debug)]
enum Block {
    Console {
        backend: Option<Server>,
        steps: Vec<Step>,
        line: usize,
    },
    File {
        path: String,
        text: String,
        line: usize,
    },
    Diff {
        path: String,
        hunks: Vec<(String, String)>,
        line: usize,
    },
}

#[derive(Debug)]
struct Step {
    command: String,
    expected: Vec<String>,
    exit: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Server {
    Postgres,
    Mysql,
}

impl Server {
    fn scheme(self) -> &'static str {
        match self {
            Server::Postgres => "postgres://",
            Server::Mysql => "mysql://",
        }
    }

    fn admin_url(self) -> String {
        match self {
            Server::Postgres => std::env::var("MIGRATE_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into()),
            Server::Mysql => std::env::var("MIGRATE_TEST_MYSQL_URL")
                .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into()),
        }
    }
}

/// The parts of a server URL: user, password, host, port.
fn url_parts(url: &str) -> (String, Option<String>, String, String) {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let (userinfo, hostport) = authority.rsplit_once('@').unwrap_or(("", authority));
    let (user, password) = match userinfo.split_once(':') {
        Some((u, p)) => (u.to_owned(), Some(p.to_owned())),
        None => (userinfo.to_owned(), None),
    };
    let (host, port) = hostport
        .rsplit_once(':')
        .map_or((hostport.to_owned(), String::new()), |(h, p)| {
            (h.to_owned(), p.to_owned())
        });
    (user, password, host, port)
}

/// Parses a chapter into its blocks (fenced blocks of other kinds are prose).
fn parse(chapter: &str, text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let words: Vec<&str> = info.split_whitespace().collect();
        let mut body = Vec::new();
        for (_, l) in lines.by_ref() {
            if l.starts_with("```") {
                break;
            }
            body.push(l);
        }
        let file = words.iter().find_map(|w| w.strip_prefix("file="));
        let at = n + 1;
        match (words.first().copied(), file) {
            (Some("console"), _) => {
                let backend = match words.get(1).copied() {
                    None => None,
                    Some("postgres") => Some(Server::Postgres),
                    Some("mysql") => Some(Server::Mysql),
                    Some(other) => panic!("{chapter}:{at}: unknown console tag {other:?}"),
                };
                blocks.push(Block::Console {
                    backend,
                    steps: console_steps(chapter, at, &body),
                    line: at,
                });
            }
            (Some("diff"), Some(path)) => blocks.push(Block::Diff {
                path: path.to_owned(),
                hunks: hunks(&body),
                line: at,
            }),
            (_, Some(path)) => {
                let mut text = body.join("\n");
                text.push('\n');
                blocks.push(Block::File {
                    path: path.to_owned(),
                    text,
                    line: at,
                });
            }
            _ => {}
        }
    }
    blocks
}

fn console_steps(chapter: &str, at: usize, body: &[&str]) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut continued = false;
    for line in body {
        if continued {
            let step = steps.last_mut().expect("continued");
            step.command.push('\n');
            step.command.push_str(line);
            continued = line.ends_with('\\');
        } else if let Some(command) = line.strip_prefix("$ ") {
            continued = command.ends_with('\\');
            steps.push(Step {
                command: command.to_owned(),
                expected: Vec::new(),
                exit: 0,
            });
        } else {
            match steps.last_mut() {
                Some(step) => step.expected.push(line.trim_end().to_owned()),
                None if line.trim().is_empty() => {}
                None => panic!("{chapter}:{at}: output before any command: {line}"),
            }
        }
    }
    for step in &mut steps {
        while step.expected.last().is_some_and(|l| l.is_empty()) {
            step.expected.pop();
        }
        if let Some((_, code)) = step.command.rsplit_once("# exit ") {
            step.exit = code.trim().parse().expect("`# exit N` takes a number");
        }
    }
    steps
}

fn hunks(body: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let (mut old, mut new) = (String::new(), String::new());
    for line in body {
        if line.starts_with("@@") {
            if !old.is_empty() || !new.is_empty() {
                out.push((std::mem::take(&mut old), std::mem::take(&mut new)));
            }
            continue;
        }
        let (mark, rest) = if line.is_empty() {
            (' ', "")
        } else {
            let mark = line.chars().next().expect("not empty");
            (mark, &line[mark.len_utf8()..])
        };
        match mark {
            ' ' => {
                old.push_str(rest);
                old.push('\n');
                new.push_str(rest);
                new.push('\n');
            }
            '-' => {
                old.push_str(rest);
                old.push('\n');
            }
            '+' => {
                new.push_str(rest);
                new.push('\n');
            }
            _ => panic!("a diff line starts with ' ', '-' or '+': {line}"),
        }
    }
    if !old.is_empty() || !new.is_empty() {
        out.push((old, new));
    }
    out
}

/// A server database made for this run.
struct FreshDb {
    server: Server,
    admin: String,
    name: String,
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        let sql = match self.server {
            Server::Postgres => format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name),
            Server::Mysql => format!("DROP DATABASE IF EXISTS `{}`", self.name),
        };
        let _ = admin_sql(self.server, &self.admin, &sql);
    }
}

/// Runs `sql` with the server's command-line client.
fn admin_sql(server: Server, admin: &str, sql: &str) -> Result<(), String> {
    let out = match server {
        Server::Postgres => Command::new("psql")
            .arg(format!("{}/postgres", admin.trim_end_matches('/')))
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output(),
        Server::Mysql => {
            let (user, password, host, port) = url_parts(admin);
            let mut c = Command::new("mysql");
            c.args(["--protocol=TCP", "-h", &host, "-u", &user, "-e", sql]);
            if !port.is_empty() {
                c.args(["-P", &port]);
            }
            if let Some(p) = password {
                c.env("MYSQL_PWD", p);
            }
            c.output()
        }
    }
    .map_err(|e| format!("cannot run the {server:?} client: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Why `server` cannot be used, if it cannot.
fn unavailable(server: Server) -> Option<String> {
    let admin = server.admin_url();
    let (_, _, host, port) = url_parts(&admin);
    let default_port = if server == Server::Postgres {
        "5432"
    } else {
        "3306"
    };
    let port = if port.is_empty() { default_port } else { &port };
    let reachable = format!("{host}:{port}")
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .is_some_and(|a| TcpStream::connect_timeout(&a, Duration::from_secs(3)).is_ok());
    if !reachable {
        return Some(format!("{server:?} is not reachable at {host}:{port}"));
    }
    admin_sql(server, &admin, "SELECT 1")
        .err()
        .map(|e| format!("{server:?} at {host}:{port} cannot be used: {e}"))
}

struct Run {
    /// The scratch folder: the workspace, the tools, the shim.
    root: PathBuf,
    /// The workspace the guide's commands start in (`/home/you/shop`).
    workspace: PathBuf,
    cwd: PathBuf,
    env: HashMap<String, Option<String>>,
    /// Shown text -> real text: revision ids and migration file names.
    mapped: Vec<(String, String)>,
    databases: HashMap<(Server, String), FreshDb>,
    servers: HashMap<Server, Option<String>>,
    skipped: Vec<String>,
}

impl Run {
    fn new() -> Run {
        let repo = repo();
        let scratch = repo.join("target").join("scratch");
        let root = scratch.join(format!("guide-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("shop")).unwrap();
        // As the commands see it (`pwd`, paths in messages): without symbolic links.
        let root = std::fs::canonicalize(&root).unwrap();
        let workspace = root.join("shop");
        let target = scratch.join("target");
        std::fs::create_dir_all(&target).unwrap();
        std::os::unix::fs::symlink(&target, workspace.join("target")).unwrap();
        std::fs::copy(repo.join("Cargo.lock"), workspace.join("Cargo.lock")).unwrap();
        // `migrate init` depends on this checkout, as the guide tells its readers to do.
        let shim = root.join("shim");
        std::fs::create_dir_all(&shim).unwrap();
        let installed = root.join("tools/bin/migrate");
        let script = format!(
            "#!/bin/sh\n# The guide's `migrate`, with the runtime from this checkout for `init`.\nif [ \"$1\" = init ]; then exec {installed:?} \"$@\" --runtime-path {:?}; fi\nexec {installed:?} \"$@\"\n",
            repo.join("migrate-runtime"),
        );
        std::fs::write(shim.join("migrate"), script).unwrap();
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(shim.join("migrate"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        let cargo = PathBuf::from(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        let mut path = vec![shim, root.join("tools/bin")];
        if let Some(dir) = cargo.parent().filter(|d| !d.as_os_str().is_empty()) {
            path.push(dir.to_path_buf());
        }
        path.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        let mut env: HashMap<String, Option<String>> = HashMap::new();
        let mut set = |k: &str, v: Option<String>| {
            env.insert(k.to_owned(), v);
        };
        set(
            "PATH",
            Some(std::env::join_paths(path).unwrap().into_string().unwrap()),
        );
        set("CARGO_TARGET_DIR", Some(target.display().to_string()));
        set(
            "CARGO_INSTALL_ROOT",
            Some(root.join("tools").display().to_string()),
        );
        set("CARGO_TERM_COLOR", Some("never".into()));
        set("NO_COLOR", Some("1".into()));
        for k in [
            "DATABASE_URL",
            "MIGRATE_MANIFEST_DIR",
            "RUSTFLAGS",
            "CARGO_ENCODED_RUSTFLAGS",
            "CARGO_BUILD_TARGET_DIR",
            "CARGO_MANIFEST_DIR",
            "CARGO_PKG_NAME",
            "GIT_DIR",
            "GIT_WORK_TREE",
        ] {
            set(k, None);
        }
        for (k, v) in [
            ("GIT_AUTHOR_NAME", "Guide"),
            ("GIT_AUTHOR_EMAIL", "guide@example.invalid"),
            ("GIT_COMMITTER_NAME", "Guide"),
            ("GIT_COMMITTER_EMAIL", "guide@example.invalid"),
            ("GIT_CONFIG_NOSYSTEM", "1"),
            ("GIT_CONFIG_GLOBAL", "/dev/null"),
        ] {
            set(k, Some(v.into()));
        }
        Run {
            root,
            cwd: workspace.clone(),
            workspace,
            env,
            mapped: Vec::new(),
            databases: HashMap::new(),
            servers: HashMap::new(),
            skipped: Vec::new(),
        }
    }

    /// The guide's text with its stand-ins replaced by this run's.
    fn real(&self, text: &str) -> String {
        let mut text = text
            .replace(SHOWN_WORKSPACE, &self.workspace.display().to_string())
            .replace(SHOWN_REPO, &repo().display().to_string());
        for (shown, real) in &self.mapped {
            text = text.replace(shown.as_str(), real);
        }
        for ((server, name), db) in &self.databases {
            text = replace_urls(&text, *server, |n| (n == name).then(|| db_url(db)));
        }
        text
    }

    /// Makes the fresh databases the URLs of `text` name.
    fn create_databases(&mut self, server: Server, text: &str) {
        let mut names = Vec::new();
        replace_urls(text, server, |n| {
            names.push(n.to_owned());
            None
        });
        for name in names {
            if self.databases.contains_key(&(server, name.clone())) {
                continue;
            }
            let fresh = format!("guide_{name}_{}", std::process::id());
            let admin = server.admin_url();
            let drop = match server {
                Server::Postgres => format!("DROP DATABASE IF EXISTS \"{fresh}\" WITH (FORCE)"),
                Server::Mysql => format!("DROP DATABASE IF EXISTS `{fresh}`"),
            };
            let create = match server {
                Server::Postgres => format!("CREATE DATABASE \"{fresh}\""),
                Server::Mysql => {
                    format!("CREATE DATABASE `{fresh}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
                }
            };
            admin_sql(server, &admin, &drop)
                .and_then(|()| admin_sql(server, &admin, &create))
                .unwrap_or_else(|e| panic!("cannot create the {server:?} database {fresh}: {e}"));
            self.databases.insert(
                (server, name),
                FreshDb {
                    server,
                    admin,
                    name: fresh,
                },
            );
        }
    }

    fn file(&self, path: &str) -> PathBuf {
        self.cwd.join(self.real(path))
    }

    fn run_block(&mut self, chapter: &str, block: &Block) {
        match block {
            Block::File { path, text, line } => {
                let file = self.file(path);
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::write(&file, self.real(text))
                    .unwrap_or_else(|e| panic!("{chapter}:{line}: writing {path}: {e}"));
            }
            Block::Diff { path, hunks, line } => {
                let file = self.file(path);
                let mut text = std::fs::read_to_string(&file)
                    .unwrap_or_else(|e| panic!("{chapter}:{line}: reading {path}: {e}"));
                for (old, new) in hunks {
                    let (old, new) = (self.real(old), self.real(new));
                    let found = text.matches(old.as_str()).count();
                    assert_eq!(
                        found, 1,
                        "{chapter}:{line}: the lines to change in {path} are found {found} times, not once:\n{old}\nin:\n{text}"
                    );
                    text = text.replacen(old.as_str(), &new, 1);
                }
                std::fs::write(&file, text).unwrap();
            }
            Block::Console {
                backend,
                steps,
                line,
            } => {
                if let Some(server) = *backend {
                    let why = self
                        .servers
                        .entry(server)
                        .or_insert_with(|| unavailable(server))
                        .clone();
                    if let Some(why) = why {
                        let msg = format!("{chapter}:{line}: {why}");
                        if std::env::var_os("CI").is_some() {
                            panic!("{msg} (CI is set, so this is a failure, not a skip)");
                        }
                        let _ = writeln!(
                            std::io::stderr(),
                            "SKIPPED: {msg} (set CI=1 to make this a failure)"
                        );
                        self.skipped.push(msg);
                        return;
                    }
                    for step in steps {
                        self.create_databases(server, &step.command);
                    }
                }
                for step in steps {
                    self.run_step(chapter, *line, step);
                }
            }
        }
    }

    fn run_step(&mut self, chapter: &str, line: usize, step: &Step) {
        let command = self.real(&step.command);
        let words: Vec<&str> = command.split_whitespace().collect();
        match words.as_slice() {
            ["export", assignment] if assignment.contains('=') => {
                let (k, v) = assignment.split_once('=').unwrap();
                self.env.insert(k.to_owned(), Some(v.to_owned()));
                return;
            }
            ["unset", name] => {
                self.env.insert((*name).to_owned(), None);
                return;
            }
            ["cd", dir] => {
                self.cwd = self.cwd.join(dir);
                assert!(
                    self.cwd.is_dir(),
                    "{chapter}:{line}: cd {dir}: no such folder"
                );
                return;
            }
            _ => {}
        }
        let started = Instant::now();
        let mut child = Command::new("bash");
        child
            .arg("-c")
            .arg(format!("exec 2>&1\n{command}"))
            .current_dir(&self.cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (k, v) in &self.env {
            match v {
                Some(v) => child.env(k, v),
                None => child.env_remove(k),
            };
        }
        let out = child
            .output()
            .unwrap_or_else(|e| panic!("cannot run bash: {e}"));
        let printed = String::from_utf8_lossy(&out.stdout).into_owned();
        let code = out.status.code().unwrap_or(-1);
        let took = started.elapsed();
        if std::env::var_os("GUIDE_VERBOSE").is_some() {
            eprintln!("[{:5.1}s] $ {command}\n{printed}", took.as_secs_f64());
        }
        let context = || {
            format!(
                "{chapter}:{line}: `{}`\n--- printed ---\n{printed}---",
                step.command
            )
        };
        assert_eq!(
            code,
            step.exit,
            "exit code {code}, the guide says {}: {}",
            step.exit,
            context()
        );
        self.learn_written(&step.expected, &printed);
        let expected: Vec<String> = step.expected.iter().map(|l| self.real(l)).collect();
        if let Err(missing) = appears_in_order(&expected, &printed) {
            panic!(
                "this line the guide shows was not printed (in that order):\n{missing}\n{}",
                context()
            );
        }
    }

    /// `wrote .../<date>_<id>_<slug>.rs` lines: the guide's examples, paired in order with
    /// the real ones, map its names and ids to those of this run.
    fn learn_written(&mut self, expected: &[String], printed: &str) {
        let names = |lines: Vec<&str>| -> Vec<String> {
            lines
                .into_iter()
                .filter_map(|l| l.trim().strip_prefix("wrote "))
                .filter_map(|p| Path::new(p).file_name())
                .map(|f| f.to_string_lossy().into_owned())
                .filter(|f| f.ends_with(".rs"))
                .collect()
        };
        let shown = names(expected.iter().map(String::as_str).collect());
        let real = names(printed.lines().collect());
        for (s, r) in shown.iter().zip(&real) {
            if s == r || self.mapped.iter().any(|(k, _)| k == s) {
                continue;
            }
            self.mapped.push((s.clone(), r.clone()));
            let id = |f: &str| f.split('_').nth(1).map(str::to_owned);
            if let (Some(si), Some(ri)) = (id(s), id(r)) {
                if si != ri && si.len() == 12 {
                    self.mapped.push((si, ri));
                }
            }
        }
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        if std::env::var_os("GUIDE_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

fn db_url(db: &FreshDb) -> String {
    format!("{}/{}", db.admin.trim_end_matches('/'), db.name)
}

/// Replaces each `scheme://.../NAME` URL of `server` in `text` whose NAME `f` maps.
fn replace_urls(text: &str, server: Server, mut f: impl FnMut(&str) -> Option<String>) -> String {
    let scheme = server.scheme();
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(scheme) {
        out.push_str(&rest[..at]);
        let url_len = rest[at..]
            .find(|c: char| c.is_whitespace() || "\"'`)".contains(c))
            .unwrap_or(rest.len() - at);
        let url = &rest[at..at + url_len];
        let path_start = url[scheme.len()..].find('/').map(|i| scheme.len() + i);
        let replaced = path_start.and_then(|p| {
            let name = url[p + 1..].split('?').next().unwrap_or("");
            if name.is_empty() {
                return None;
            }
            f(name).map(|new| {
                let query = url[p + 1 + name.len()..].to_owned();
                format!("{new}{query}")
            })
        });
        out.push_str(replaced.as_deref().unwrap_or(url));
        rest = &rest[at + url_len..];
    }
    out.push_str(rest);
    out
}

/// Timings (`(12 ms)`, `finished in 0.05s`) and the indentation are not compared.
fn normalize(line: &str) -> String {
    let mut line = line.trim().to_owned();
    if let Some(at) = line.find("; finished in ") {
        line.truncate(at);
    }
    let mut out = String::new();
    let mut rest = line.as_str();
    while let Some(at) = rest.find(" ms)") {
        let digits = rest[..at]
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_ascii_digit())
            .last()
            .map(|(i, _)| i);
        match digits {
            Some(i) if rest[..i].ends_with('(') => {
                out.push_str(&rest[..i]);
                out.push_str("N ms)");
            }
            _ => out.push_str(&rest[..at + 4]),
        }
        rest = &rest[at + 4..];
    }
    out.push_str(rest);
    out
}

/// Each expected line (`...` standing for anything) is a printed line, in order.
fn appears_in_order(expected: &[String], printed: &str) -> Result<(), String> {
    let printed: Vec<String> = printed.lines().map(normalize).collect();
    let mut at = 0;
    for line in expected {
        if line.trim() == "..." {
            continue;
        }
        let want = normalize(line);
        match printed[at..].iter().position(|p| matches(&want, p)) {
            Some(i) => at += i + 1,
            None => return Err(want),
        }
    }
    Ok(())
}

/// `printed` is `want`, where a `...` in `want` stands for any text.
fn matches(want: &str, printed: &str) -> bool {
    let parts: Vec<&str> = want.split("...").collect();
    if parts.len() == 1 {
        return want == printed;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !printed.starts_with(first) || printed.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &printed[first.len()..];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// The chapters, in the order `docs/README.md` links them.
fn chapters() -> Vec<PathBuf> {
    let docs = repo().join("docs");
    let index = std::fs::read_to_string(docs.join("README.md")).unwrap();
    let mut out: Vec<PathBuf> = Vec::new();
    for piece in index.split("](").skip(1) {
        let Some(end) = piece.find(')') else { continue };
        let link = &piece[..end];
        if link.ends_with(".md") && !link.contains('/') && !link.contains(':') {
            let path = docs.join(link);
            if !out.contains(&path) {
                out.push(path);
            }
        }
    }
    out
}

#[test]
fn the_guide_runs() {
    let only = std::env::var("GUIDE_CHAPTERS").ok();
    let started = Instant::now();
    let mut run = Run::new();
    let chapters = chapters();
    assert!(chapters.len() >= 5, "docs/README.md links its chapters");
    let mut commands = 0;
    for chapter in &chapters {
        let name = chapter.file_name().unwrap().to_string_lossy().into_owned();
        if let Some(only) = &only {
            if !only.split(',').any(|p| name.starts_with(p)) {
                continue;
            }
        }
        let text = std::fs::read_to_string(chapter).unwrap();
        let blocks = parse(&name, &text);
        let at = Instant::now();
        for block in &blocks {
            if let Block::Console { steps, .. } = block {
                commands += steps.len();
            }
            run.run_block(&name, block);
        }
        let _ = writeln!(
            std::io::stderr(),
            "guide: {name} ran in {:.1} s",
            at.elapsed().as_secs_f64()
        );
    }
    assert!(
        only.is_some() || commands > 20,
        "the guide's commands were found ({commands})"
    );
    let _ = writeln!(
        std::io::stderr(),
        "guide: {commands} commands in {:.1} s{}",
        started.elapsed().as_secs_f64(),
        if run.skipped.is_empty() {
            String::new()
        } else {
            format!(", {} block(s) skipped", run.skipped.len())
        }
    );
}

#[test]
fn the_ci_snippet_runs_the_recipes_commands() {
    // The GitHub Actions job runs the commands of the shell recipe (which the guide test runs).
    let ci = std::fs::read_to_string(repo().join("docs/ci.md")).unwrap();
    let blocks = parse("ci.md", &ci);
    let recipe: Vec<String> = blocks
        .iter()
        .filter_map(|b| match b {
            Block::Console { steps, .. } => Some(steps),
            _ => None,
        })
        .flatten()
        .map(|s| s.command.clone())
        .collect();
    let yaml = ci
        .split("```yaml")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/ci.md has a yaml block");
    let runs: Vec<&str> = yaml
        .lines()
        .filter_map(|l| l.trim().trim_start_matches("- ").strip_prefix("run: "))
        .collect();
    assert!(runs.len() >= 3, "{yaml}");
    for run in runs {
        assert!(
            run.starts_with("sudo apt-get")
                || run.starts_with("psql ")
                || recipe.iter().any(|c| c == run),
            "the job's step `{run}` is not a command of the recipe: {recipe:#?}"
        );
    }
}

#[test]
fn stand_ins_and_output_matching() {
    assert_eq!(
        normalize(" upgrade   abc x (12 ms)  "),
        "upgrade   abc x (N ms)"
    );
    assert_eq!(
        normalize("test result: ok. 3 passed; 0 failed; finished in 0.05s"),
        "test result: ok. 3 passed; 0 failed"
    );
    assert!(appears_in_order(&["a".into(), "...".into(), "c".into()], "a\nb\nc\n").is_ok());
    assert_eq!(
        appears_in_order(&["c".into(), "a".into()], "a\nb\nc\n"),
        Err("a".into())
    );
    assert!(matches(
        "a (checksum ... then, ... now): x",
        "a (checksum 12 then, 34 now): x"
    ));
    assert!(!matches("a ... b", "a x c"));
    assert!(matches(
        "execute \"UPDATE 'pai...\"",
        "execute \"UPDATE 'pai...\""
    ));
    let t = replace_urls(
        "x postgres://postgres@127.0.0.1:5432/shop?sslmode=disable y",
        Server::Postgres,
        |n| (n == "shop").then(|| "postgres://u@h/fresh".to_owned()),
    );
    assert_eq!(t, "x postgres://u@h/fresh?sslmode=disable y");
    assert_eq!(
        url_parts("mysql://root:pw@127.0.0.1:3306/db"),
        (
            "root".into(),
            Some("pw".into()),
            "127.0.0.1".into(),
            "3306".into()
        )
    );
    let steps = console_steps("t", 1, &["$ a \\", "  b", "out", "", "$ c # exit 1", "x"]);
    assert_eq!(steps[0].command, "a \\\n  b");
    assert_eq!(steps[0].expected, ["out"]);
    assert_eq!(steps[1].exit, 1);
    let h = hunks(&[" keep", "-old", "+new", "@@", " k2", "+add"]);
    assert_eq!(
        h,
        [
            ("keep\nold\n".to_owned(), "keep\nnew\n".to_owned()),
            ("k2\n".to_owned(), "k2\nadd\n".to_owned())
        ]
    );
}
