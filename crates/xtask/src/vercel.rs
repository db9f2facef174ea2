//! `cargo xtask vercel`: the deployment builds and runs by itself. Vercel's own CLI builds it
//! (`vercel build`, offline, on the build-image path Vercel's servers take, with a local
//! project settings file so no login is needed); then every built function is started as the
//! platform starts it, against a migrated and seeded embedded database, and requests go
//! through the routes of the generated `.vercel/output/config.json` (see `routes.rs`): at least
//! one per function, every GET of the OpenAPI description, the app's files and its fallback,
//! and an unknown API path.

mod checks;
mod functions;
mod http;
mod routes;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context as _, Result};

use crate::tools;

/// The project settings `vercel build` reads instead of asking vercel.com: a project with no
/// framework, no build command, the app served from `public/`.
const PROJECT_SETTINGS: &str = r#"{
  "projectId": "prj_occ_local_build",
  "orgId": "team_occ_local_build",
  "settings": {
    "framework": null,
    "devCommand": null,
    "installCommand": null,
    "buildCommand": null,
    "outputDirectory": null,
    "rootDirectory": null,
    "nodeVersion": "20.x"
  }
}
"#;

/// How the builder's `cargo build --release --bin <function>` is told to compile quickly (cargo
/// reads these from the environment, which the builder passes on): this step proves that the
/// deployment builds through Vercel's own builder and that what it built answers through the
/// built routes, not how fast the functions run, and the release profile's thin LTO over 9
/// functions takes the better part of an hour on a 2-core machine. Unoptimised, the 9 build in
/// about 5 minutes from nothing. Not incremental: a second run after a change to `occ-core`
/// would take half as long, but the state costs a quarter more disk, and a CI run builds once.
/// The build goes to its own target folder (see `run`), so it never overwrites the workspace's
/// real release artifacts.
const QUICK_RELEASE: [(&str, &str); 4] = [
    ("CARGO_PROFILE_RELEASE_LTO", "off"),
    ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0"),
    ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256"),
    ("CARGO_PROFILE_RELEASE_INCREMENTAL", "false"),
];

/// The demo admin's password in the database the functions use (a throwaway local file).
const DEMO_PASSWORD: &str = "xtask-vercel-demo-password";

/// The cron secret the cron function is started with.
const CRON_SECRET: &str = "xtask-vercel-cron-secret-0123456789";

/// Builds the deployment with `vercel build` and checks that what it built answers.
pub fn run() -> Result<()> {
    let started = Instant::now();
    let root = tools::project_root();
    let vercel = tools::ensure_vercel()?;
    std::fs::create_dir_all(root.join(".vercel")).context("while creating .vercel")?;
    std::fs::write(root.join(".vercel/project.json"), PROJECT_SETTINGS)
        .context("while writing .vercel/project.json")?;
    tools::step(
        "vercel build",
        Command::new(&vercel)
            .args(["build", "--yes"])
            .current_dir(&root)
            // Vercel's servers build with plain `cargo build`; elsewhere the builder
            // cross-compiles with cargo-zigbuild.
            .env("VERCEL_BUILD_IMAGE", "1")
            .env("VERCEL_TELEMETRY_DISABLED", "1")
            .envs(QUICK_RELEASE)
            .env("CARGO_TARGET_DIR", tools::target_dir().join("vercel-build")),
    )?;
    let output = root.join(".vercel/output");
    let router = routes::Router::read(&output)?;
    let work = root.join("target/vercel");
    let database = prepare_database(&work)?;
    let env = [
        ("OCC_DATABASE_URL", format!("file:{}", database.display())),
        ("CRON_SECRET", CRON_SECRET.to_owned()),
        ("VERCEL", "1".to_owned()),
        ("RUST_LOG", "warn".to_owned()),
    ];
    let functions = functions::start_all(&root, &output.join("functions"), &work, &env)?;
    println!("\n==> requests through .vercel/output/config.json");
    let checked =
        checks::run(&router, &functions, &checks::Login { password: DEMO_PASSWORD, cron_secret: CRON_SECRET })?;
    println!(
        "<== vercel: {} functions built and started, {checked} requests answered as expected, in {:.0}s",
        functions.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A new embedded database under `work`, migrated and seeded with the demo (and its admin) by
/// `occ`, as the README's commands do.
fn prepare_database(work: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(work).with_context(|| format!("while creating {}", work.display()))?;
    let database = work.join("occ.db");
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", database.display()));
        if file.exists() {
            std::fs::remove_file(&file).with_context(|| format!("while removing {}", file.display()))?;
        }
    }
    let url = format!("file:{}", database.display());
    let occ = crate::debug_occ()?;
    for (name, args) in [("migrate the functions' database", ["migrate", "up"]), ("seed it", ["seed", "--demo"])] {
        tools::step(
            name,
            Command::new(&occ)
                .args(args)
                .env("OCC_DATABASE_URL", &url)
                .env("OCC_DEMO_PASSWORD", DEMO_PASSWORD)
                .env("RUST_LOG", "warn"),
        )?;
    }
    Ok(database)
}
