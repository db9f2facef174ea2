//! The conformance run: schemathesis (from PyPI) generates requests for every operation of
//! `/api/v1/openapi.json` and sends them to `occ serve --demo` on a fresh database. Any 5xx, and
//! any answer whose status, content type, headers or body the description does not allow, fails
//! it. What it runs and checks is in `crates/xtask/schemathesis/schemathesis.toml`, how it
//! signs in is in `hooks.py` beside it; its reports land in target/schemathesis/report.

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::tools::{KillOnDrop, ensure_schemathesis, project_root, step};

/// API tokens the run takes in turn (see hooks.py): each may make 600 requests a minute, and
/// the run makes up to about 8,000 a minute on a fast machine.
const TOKENS: usize = 16;

/// The cron route's secret on the test server, so that the route is live (without one it
/// answers 503).
const CRON_SECRET: &str = "conformance-cron-secret-1";

/// The most the run may take: it normally takes a minute or two (a fixed number of cases per
/// operation); a run that hangs is stopped and fails.
const TIME_LIMIT: Duration = Duration::from_secs(6 * 60);

/// Installs schemathesis, starts the server on a fresh database and runs schemathesis against it.
pub fn run() -> Result<()> {
    let root = project_root();
    let st = ensure_schemathesis()?;
    let occ = crate::debug_occ()?;

    let dir = root.join("target/schemathesis");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let database = format!("file:{}", dir.join("occ.db").display());
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let url = format!("http://127.0.0.1:{port}");
    let log = std::fs::File::create(dir.join("server.log"))?;
    let mut server = KillOnDrop(
        Command::new(&occ)
            .args(["serve", "--demo", "--addr", &format!("127.0.0.1:{port}")])
            .env("OCC_DATABASE_URL", &database)
            .env("CRON_SECRET", CRON_SECRET)
            // The email provider's webhook is live too (without a secret it answers 503).
            .env("OCC_WEBHOOK_SECRET", "conformance-webhook-secret-1")
            // A fixed key for this throwaway server only, so identities can store SMTP passwords.
            .env("OCC_SECRET_KEY", "ZTJlLW9ubHkta2V5LW5vdC1mb3ItcHJvZHVjdGlvbiE=")
            // No OCC_PUBLIC_URL: without it OCC sends no email, so nothing the run makes up is
            // mailed anywhere.
            .env_remove("OCC_PUBLIC_URL")
            .env("OCC_PUBLIC_DIR", root.join("public"))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("while starting occ serve")?,
    );
    server.wait_for(port, "target/schemathesis/server.log")?;

    let mut tokens = Vec::with_capacity(TOKENS);
    for n in 1..=TOKENS {
        let output = Command::new(&occ)
            .args(["token", "create", "--email", "demo@occ.local", "--scopes", "admin", "--name"])
            .arg(format!("conformance-{n}"))
            .env("OCC_DATABASE_URL", &database)
            .stderr(Stdio::inherit())
            .output()
            .context("while creating an API token")?;
        if !output.status.success() {
            bail!("occ token create failed ({})", output.status);
        }
        tokens.push(String::from_utf8(output.stdout)?.trim().to_owned());
    }

    let config = root.join("crates/xtask/schemathesis");
    let started = Instant::now();
    let result = step(
        "schemathesis conformance run",
        Command::new("timeout")
            .args(["--kill-after=10", &TIME_LIMIT.as_secs().to_string()])
            .arg(&st)
            .arg("--config-file")
            .arg(config.join("schemathesis.toml"))
            .args(["run", &format!("{url}/api/v1/openapi.json"), "--no-color", "--report", "junit,ndjson"])
            .arg("--report-dir")
            .arg(dir.join("report"))
            .current_dir(&dir)
            .env("SCHEMATHESIS_HOOKS", config.join("hooks.py"))
            .env("OCC_CONFORMANCE_URL", &url)
            .env("OCC_CONFORMANCE_TOKENS", tokens.join(","))
            .env("CRON_SECRET", CRON_SECRET),
    );
    if result.is_err() && started.elapsed() >= TIME_LIMIT {
        bail!("the schemathesis run took longer than {} s and was stopped", TIME_LIMIT.as_secs());
    }
    result.context("schemathesis found answers the OpenAPI description does not allow (its report is above; the server's log is target/schemathesis/server.log)")
}
