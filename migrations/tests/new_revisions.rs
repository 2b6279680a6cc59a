//! `revision` and `merge` write files that compile: a scratch copy of the shop crate is
//! built, a revision is added with its own binary, a second developer's branch makes the
//! build fail (two heads, caught at compile time), and `merge`, run by the binary built
//! before, reads the folder and writes the merge that makes it build again.
//!
//! The scratch crate lives in `target/scratch/` and shares its target dir with the other
//! scratch-crate tests, so its dependencies compile once.

mod common;

use std::path::Path;

use common::Scratch;

/// The id in `wrote .../20251125_<id>_<slug>.rs`.
fn written_id(output: &str) -> String {
    let path = output.trim().strip_prefix("wrote ").expect(output);
    let name = Path::new(path).file_name().unwrap().to_string_lossy();
    assert!(Path::new(path).is_file(), "{path} exists");
    name.split('_').nth(1).unwrap().to_owned()
}

#[test]
fn revision_and_merge_write_files_that_compile() {
    let s = Scratch::new("revisions");
    let (built, stderr) = s.build();
    assert!(built, "the shop copy builds: {stderr}");
    let v1 = s.keep_binary("shop-v1");

    // A new revision on the head.
    let phone = written_id(&s.run(&v1, &["revision", "-m", "add phone to users"]));
    let (built, stderr) = s.build();
    assert!(built, "a new revision compiles: {stderr}");
    let v2 = s.keep_binary("shop-v2");
    let history = s.run(&v2, &["history"]);
    assert!(
        history.starts_with(&format!(
            "a0b1c2d3e4f5 -> {phone} (head), add phone to users"
        )),
        "{history}"
    );

    // A second developer branches from an older revision: two heads, refused at compile time.
    let branch = written_id(&s.run(
        &v2,
        &["revision", "-m", "archive old orders", "--head", "c41d"],
    ));
    let (built, stderr) = s.build();
    assert!(!built, "two heads must not compile");
    assert!(
        stderr.contains("merge"),
        "the error suggests the merge: {stderr}"
    );

    // The binary built before reads the folder, not only what it embeds: it can merge.
    let merge = written_id(&s.run(&v2, &["merge", "-m", "merge phone and archive"]));
    let (built, stderr) = s.build();
    assert!(built, "the merge compiles: {stderr}");
    let v3 = s.keep_binary("shop-v3");
    let heads = s.run(&v3, &["heads"]);
    assert!(heads.starts_with(&format!("{merge} (head)")), "{heads}");
    let show = s.run(&v3, &["show", &merge]);
    assert!(
        show.contains(&format!("Parent: {phone}, {branch}"))
            || show.contains(&format!("Parent: {branch}, {phone}")),
        "{show}"
    );

    // And the new history runs.
    let up = s.run(&v3, &["upgrade", "head"]);
    assert!(up.contains(&format!("upgrade   {merge}")), "{up}");
}
