//! The browser tests: `occ serve --demo` on a temp database, driven by Playwright in Debian's
//! chromium, with screenshots under target/e2e-screens.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::tools::{KillOnDrop, Tally, apt_install, have, project_root, step, test_step};

/// The demo admin's password for the browser tests' server (a throwaway database).
const DEMO_PASSWORD: &str = "e2e-demo-password-1";

fn chromium() -> Result<PathBuf> {
    if let Ok(path) = std::env::var("OCC_CHROMIUM") {
        return Ok(PathBuf::from(path));
    }
    for candidate in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if PathBuf::from(candidate).exists() {
            return Ok(PathBuf::from(candidate));
        }
    }
    apt_install(&["chromium", "fonts-dejavu-core"], "the browser tests need chromium")?;
    Ok(PathBuf::from("/usr/bin/chromium"))
}

/// Builds and starts the server, runs the browser tests against it.
pub fn run(tally: &mut Tally) -> Result<()> {
    let root = project_root();
    let browser = chromium()?;
    if !have("npm") || !have("node") {
        bail!("the browser tests need Node.js 20 or newer with npm");
    }
    let e2e = root.join("tests/e2e");
    step(
        "install playwright-core",
        Command::new("npm").args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"]).current_dir(&e2e),
    )?;
    step("build occ", &mut crate::cargo(&["build", "--locked", "-p", "occ-cli"]))?;

    let dir = root.join("target/e2e");
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("e2e.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let log = std::fs::File::create(dir.join("server.log"))?;
    let mut server = KillOnDrop(
        Command::new(root.join("target/debug/occ"))
            .args(["serve", "--demo", "--addr", &format!("127.0.0.1:{port}")])
            .env("OCC_DATABASE_URL", format!("file:{}", db.display()))
            .env("OCC_DEMO_PASSWORD", DEMO_PASSWORD)
            // A fixed key for the test server only, so identities can store SMTP passwords.
            .env("OCC_SECRET_KEY", "ZTJlLW9ubHkta2V5LW5vdC1mb3ItcHJvZHVjdGlvbiE=")
            .env("OCC_PUBLIC_DIR", root.join("public"))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("while starting occ serve")?,
    );
    server.wait_for(port, "target/e2e/server.log")?;
    let screens = root.join("target/e2e-screens");
    std::fs::create_dir_all(&screens)?;
    test_step(
        "browser tests",
        Command::new("node")
            .args(["--test", "--test-concurrency=1"])
            .current_dir(&e2e)
            .env("OCC_E2E_URL", format!("http://127.0.0.1:{port}"))
            .env("OCC_CHROMIUM", &browser)
            .env("OCC_E2E_SCREENS", &screens)
            .env("OCC_E2E_EMAIL", "demo@occ.local")
            .env("OCC_E2E_PASSWORD", DEMO_PASSWORD),
        tally,
    )
}
