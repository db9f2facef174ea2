//! The browser tests: `occ serve --demo` on a temp database, driven by Playwright in Debian's
//! chromium, with screenshots under target/e2e-screens. A second server on its own database
//! sends email (it has a public URL for the unsubscribe links, and takes signed provider
//! events): the tests that answer replies through a real SMTP server use it, while the first
//! shows what a server that cannot send says. Email goes out only in the recipient's business
//! hours, so the sending server's clock runs from the next Wednesday at 14:00 UTC (Debian's
//! `faketime`; its monotonic clock, which timers use, stays real): the tests send on any day.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::tools::{KillOnDrop, Tally, apt_install, have, project_root, step, test_step};

/// The demo admin's password for the browser tests' server (a throwaway database).
const DEMO_PASSWORD: &str = "e2e-demo-password-1";
/// The sending server's webhook secret, with which the tests sign a provider's reply event.
const WEBHOOK_SECRET: &str = "e2e-webhook-secret";

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
    crate::debug_occ()?;

    let dir = root.join("target/e2e");
    std::fs::create_dir_all(&dir)?;
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let mut server = serve(&root, "e2e", port, &[], None)?;
    server.wait_for(port, "target/e2e/server.log")?;
    let sending_port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let sending_url = format!("http://127.0.0.1:{sending_port}");
    let public = [("OCC_PUBLIC_URL", sending_url.as_str()), ("OCC_WEBHOOK_SECRET", WEBHOOK_SECRET)];
    let mut sending = serve(&root, "sending", sending_port, &public, Some(&next_wednesday_afternoon()))?;
    sending.wait_for(sending_port, "target/e2e/sending.log")?;
    let screens = root.join("target/e2e-screens");
    std::fs::create_dir_all(&screens)?;
    test_step(
        "browser tests",
        Command::new("node")
            .args(["--test", "--test-concurrency=1"])
            .current_dir(&e2e)
            .env("OCC_E2E_URL", format!("http://127.0.0.1:{port}"))
            .env("OCC_E2E_SENDING_URL", &sending_url)
            .env("OCC_E2E_WEBHOOK_SECRET", WEBHOOK_SECRET)
            .env("OCC_CHROMIUM", &browser)
            .env("OCC_E2E_SCREENS", &screens)
            .env("OCC_E2E_EMAIL", "demo@occ.local")
            .env("OCC_E2E_PASSWORD", DEMO_PASSWORD),
        tally,
    )
}

/// `faketime`, installed from Debian when missing.
fn faketime() -> Result<PathBuf> {
    let path = PathBuf::from("/usr/bin/faketime");
    if !path.exists() {
        apt_install(&["faketime"], "the browser tests that send email need faketime")?;
    }
    Ok(path)
}

/// The next Wednesday (after today) at 14:00 UTC, as faketime reads it: business hours in UTC.
fn next_wednesday_afternoon() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let today = now / 86_400;
    // 1 January 1970 (day 0) was a Thursday, so the days that leave 6 when divided by 7 are Wednesdays.
    let ahead = (6 + 7 - (today % 7)) % 7;
    let day = today + if ahead == 0 { 7 } else { ahead };
    let (year, month, date) = civil_from_days(day);
    format!("@{year:04}-{month:02}-{date:02} 14:00:00")
}

/// The calendar date of a day counted from 1 January 1970 (Howard Hinnant's algorithm).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let date = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, date)
}

/// `occ serve --demo` on `port` with a fresh database `target/e2e/<name>.db`, logging to
/// `target/e2e/<name>.log` (the first server's log is `server.log`), with `env` added, and its
/// clock started at `clock` (a faketime start such as `@2026-12-09 14:00:00`) when given.
fn serve(
    root: &std::path::Path,
    name: &str,
    port: u16,
    env: &[(&str, &str)],
    clock: Option<&str>,
) -> Result<KillOnDrop> {
    let dir = root.join("target/e2e");
    let db = dir.join(format!("{name}.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let log =
        std::fs::File::create(dir.join(if name == "e2e" { "server.log".to_owned() } else { format!("{name}.log") }))?;
    let occ = crate::tools::target_dir().join("debug/occ");
    let mut command = match clock {
        None => Command::new(&occ),
        Some(start) => {
            let mut command = Command::new(faketime()?);
            command.args(["-f", start]).arg(&occ).env("FAKETIME_DONT_FAKE_MONOTONIC", "1");
            command
        }
    };
    command
        .args(["serve", "--demo", "--addr", &format!("127.0.0.1:{port}")])
        .env("OCC_DATABASE_URL", format!("file:{}", db.display()))
        .env("OCC_DEMO_PASSWORD", DEMO_PASSWORD)
        // A fixed key for the test server only, so identities can store SMTP passwords.
        .env("OCC_SECRET_KEY", "ZTJlLW9ubHkta2V5LW5vdC1mb3ItcHJvZHVjdGlvbiE=")
        .env("OCC_PUBLIC_DIR", root.join("public"))
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    Ok(KillOnDrop(command.spawn().with_context(|| format!("while starting occ serve ({name})"))?))
}

#[cfg(test)]
mod tests {
    #[test]
    fn days_are_dated_on_the_calendar() {
        assert_eq!(super::civil_from_days(0), (1970, 1, 1));
        // Wednesday 9 December 2026.
        assert_eq!(super::civil_from_days(20_796), (2026, 12, 9));
        assert_eq!(20_796 % 7, 6, "Wednesdays leave 6");
        assert_eq!(super::civil_from_days(11_016), (2000, 2, 29));
    }
}
