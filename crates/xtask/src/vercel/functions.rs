//! Starting the built functions as the platform does: each `.func` folder's handler (named in
//! its `.vc-config.json`; `vercel build` leaves the file where cargo built it and names it in
//! `filePathMap`, relative to the project), run in that folder with nothing of this machine's
//! environment but what a deployment would set, serving on the port in `VERCEL_DEV_PORT` (how
//! Vercel's Rust runtime runs outside Vercel's own invocation channel).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context as _, Result, bail};

use crate::tools::KillOnDrop;

/// A started function.
pub struct Function {
    /// Its path in the deployment, as routes name it: `/api/accounts`.
    pub path: String,
    /// The port it serves on.
    pub port: u16,
    /// Its output, for when it misbehaves.
    pub log: PathBuf,
    _process: KillOnDrop,
}

/// Starts every function under `functions` of the project at `root` (logs in `work`) with
/// `env`, and waits until each one listens.
pub fn start_all(root: &Path, functions: &Path, work: &Path, env: &[(&str, String)]) -> Result<Vec<Function>> {
    let mut folders = Vec::new();
    find_funcs(functions, &mut folders)?;
    folders.sort();
    if folders.is_empty() {
        bail!("vercel build made no function under {}", functions.display());
    }
    let mut started = Vec::new();
    for folder in folders {
        let relative = folder.strip_prefix(functions)?.to_string_lossy().into_owned();
        let path = format!("/{}", relative.trim_end_matches(".func"));
        let config: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(folder.join(".vc-config.json"))
                .with_context(|| format!("while reading {relative}/.vc-config.json"))?,
        )?;
        let Some(handler) = config["handler"].as_str() else { bail!("{relative}/.vc-config.json names no handler") };
        let program = match config["filePathMap"][handler].as_str() {
            _ if folder.join(handler).is_file() => folder.join(handler),
            Some(mapped) => root.join(mapped),
            None => bail!("{relative} has no {handler}, and its .vc-config.json does not say where it is"),
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let log = work.join(format!("{}.log", path.trim_start_matches('/').replace('/', "-")));
        let out = std::fs::File::create(&log).with_context(|| format!("while creating {}", log.display()))?;
        let child = Command::new(&program)
            .current_dir(&folder)
            .env_clear()
            .envs(env.iter().map(|(name, value)| (name, value)))
            .env("VERCEL_DEV_PORT", port.to_string())
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("while starting {} for {relative}", program.display()))?;
        let mut process = KillOnDrop(child);
        process.wait_for(port, &log.display().to_string())?;
        println!("started {path} ({}, {handler}) on port {port}", config["runtime"].as_str().unwrap_or("?"));
        started.push(Function { path, port, log, _process: process });
    }
    Ok(started)
}

/// The `.func` folders under `dir`, at any depth.
fn find_funcs(dir: &Path, found: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("while listing {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "func") {
            found.push(path);
        } else if path.is_dir() {
            find_funcs(&path, found)?;
        }
    }
    Ok(())
}
