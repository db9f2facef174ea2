//! The `occ` binary itself: migrations and demo data from the command line.

use std::process::{Command, Output};

fn occ(db: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_occ"))
        .args(args)
        .env("OCC_DATABASE_URL", format!("file:{}", db.display()))
        .env("RUST_LOG", "warn")
        .output()
        .expect("run occ")
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn migrate_status_verify_seed_and_down_work_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("nested/occ.db");

    assert!(stdout(&occ(&db, &["migrate", "status"])).contains("0001_init"), "pending migrations are listed");
    assert!(stdout(&occ(&db, &["migrate", "status"])).contains("pending"));
    assert!(!occ(&db, &["migrate", "verify"]).status.success(), "verify fails before migrating");
    assert!(stdout(&occ(&db, &["migrate", "up"])).contains("applied 0001_init"));
    assert!(stdout(&occ(&db, &["migrate", "up"])).contains("nothing to apply"));
    assert!(stdout(&occ(&db, &["migrate", "status"])).contains("applied 20"));
    assert!(stdout(&occ(&db, &["migrate", "verify"])).starts_with("ok"));
    assert!(stdout(&occ(&db, &["seed", "--demo"])).contains("40 accounts"));
    assert!(stdout(&occ(&db, &["seed", "--demo"])).contains("already seeded"));
    assert!(stdout(&occ(&db, &["migrate", "down", "--to", "0"])).contains("reverted 0001_init"));
    assert!(stdout(&occ(&db, &["migrate", "status"])).contains("pending"));
}

#[test]
fn seeding_the_demo_twice_makes_the_admin_each_time_and_never_prints_a_given_password() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("occ.db");
    stdout(&occ(&db, &["migrate", "up"]));
    let seed = || {
        Command::new(env!("CARGO_BIN_EXE_occ"))
            .args(["seed", "--demo"])
            .env("OCC_DATABASE_URL", format!("file:{}", db.display()))
            .env("OCC_DEMO_PASSWORD", "preview-password-1234")
            .env("RUST_LOG", "warn")
            .output()
            .expect("run occ")
    };
    for (run, expected) in [(seed(), "40 accounts"), (seed(), "already seeded")] {
        let printed = stdout(&run);
        assert!(printed.contains(expected), "{printed}");
        assert!(printed.contains("demo admin: demo@occ.local (password from OCC_DEMO_PASSWORD)"), "{printed}");
        let everything = format!("{printed}{}", String::from_utf8_lossy(&run.stderr));
        assert!(!everything.contains("preview-password-1234"), "the password stays secret: {everything}");
    }
    let without = stdout(&occ(&db, &["seed", "--demo"]));
    assert!(without.contains("demo admin: demo@occ.local / "), "a new password is printed: {without}");
}

#[test]
fn a_bad_configuration_stops_with_the_variable_named() {
    let output = Command::new(env!("CARGO_BIN_EXE_occ"))
        .args(["migrate", "status"])
        .env("OCC_LOG_FORMAT", "xml")
        .output()
        .expect("run occ");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("OCC_LOG_FORMAT"));
}

#[test]
fn backup_copies_the_embedded_database_into_a_new_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("occ.db");
    stdout(&occ(&db, &["migrate", "up"]));
    stdout(&occ(&db, &["seed", "--demo"]));
    let copy = dir.path().join("copies/backup.db");
    let copy_arg = copy.to_str().expect("utf-8 path");
    assert!(stdout(&occ(&db, &["backup", "--out", copy_arg])).contains("backed up"));
    assert!(stdout(&occ(&copy, &["migrate", "verify"])).starts_with("ok"), "the copy is a whole database");
    assert!(stdout(&occ(&copy, &["seed", "--demo"])).contains("already seeded"), "with the data in it");
    assert!(!occ(&db, &["backup", "--out", copy_arg]).status.success(), "an existing file is never overwritten");
}

#[test]
fn users_and_tokens_are_created_from_the_command_line_without_a_password_argument() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("occ.db");
    stdout(&occ(&db, &["migrate", "up"]));
    let create = |email: &str, password_env: Option<&str>, stdin: &str| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_occ"));
        command
            .args(["user", "create", "--email", email, "--name", "Ana", "--role", "admin"])
            .env("OCC_DATABASE_URL", format!("file:{}", db.display()))
            .env_remove("OCC_PASSWORD")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        if let Some(password) = password_env {
            command.env("OCC_PASSWORD", password);
        }
        let mut child = command.spawn().expect("run occ");
        std::io::Write::write_all(child.stdin.as_mut().expect("stdin"), stdin.as_bytes()).expect("write");
        child.wait_with_output().expect("output")
    };
    assert!(
        stdout(&create("ana@example.com", Some("a long enough password"), ""))
            .contains("created ana@example.com (admin)")
    );
    assert!(stdout(&create("ben@example.com", None, "another long password\n")).contains("created ben@example.com"));
    let short = create("cy@example.com", Some("short"), "");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12"));
    let dup = create("ana@example.com", Some("a long enough password"), "");
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));

    let token =
        stdout(&occ(&db, &["token", "create", "--email", "ana@example.com", "--name", "ci", "--scopes", "read,write"]));
    assert!(token.trim().starts_with("occ_") && token.trim().len() > 40, "{token}");
    assert!(
        !occ(&db, &["token", "create", "--email", "ana@example.com", "--name", "x", "--scopes", "root"])
            .status
            .success()
    );
    assert!(stdout(&occ(&db, &["user", "disable", "--email", "ben@example.com"])).contains("disabled ben@example.com"));
    let last = occ(&db, &["user", "disable", "--email", "ana@example.com"]);
    assert!(!last.status.success(), "the last active admin stays");
    assert!(String::from_utf8_lossy(&last.stderr).contains("last active admin"));
}
