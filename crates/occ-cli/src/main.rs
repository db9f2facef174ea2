//! `occ`: run OCC locally, migrate a database, load demo data, measure the hot endpoints.

mod access;
mod bench;
mod migrate;
mod serve;

use clap::{Parser, Subcommand};

/// mimalloc for Rust's allocations: a read takes a tenth to a fifth less time with it than with
/// the system allocator, and the synthetic seed less too (`occ bench`). SQLite keeps the system's
/// (see the workspace's Cargo.toml).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(name = "occ", version, about = "OCC, the Outreach Command Center")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the local server: the API, the app and the background tick.
    Serve(serve::ServeArgs),
    /// Apply, revert, list or check schema migrations.
    Migrate {
        #[command(subcommand)]
        action: migrate::MigrateAction,
    },
    /// Copy the database: a new file for the embedded one, a SQL dump for a remote one.
    Backup {
        /// Where to write it (default: backups/occ-<time>.db or .sql).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Run the background tick: sequence steps due become drafts, pauses end.
    Worker {
        /// Run one tick and stop (for cron and scripts).
        #[arg(long)]
        once: bool,
    },
    /// Create or disable users.
    User {
        #[command(subcommand)]
        action: access::UserAction,
    },
    /// Create API tokens.
    Token {
        #[command(subcommand)]
        action: access::TokenAction,
    },
    /// Measure the hot endpoints on a large synthetic book: latency and database calls.
    Bench(bench::BenchArgs),
    /// Load data into the database (only into one without accounts).
    Seed {
        /// Realistic demo data (tens of accounts, a few hundred contacts) and the demo admin,
        /// whose password is OCC_DEMO_PASSWORD (or a new one, printed). Safe to run again: a
        /// seeded database keeps its data and gets the admin.
        #[arg(long, conflicts_with = "synthetic")]
        demo: bool,
        /// A large synthetic book for benchmarks (see --contacts).
        #[arg(long)]
        synthetic: bool,
        /// How many contacts --synthetic makes (about a tenth as many accounts).
        #[arg(long, default_value_t = 100_000, requires = "synthetic")]
        contacts: usize,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let config = match occ_core::Config::from_env() {
        Ok(mut config) => {
            // A person at a terminal reads lines; machines (Vercel, CI, log shippers) read JSON.
            if std::env::var_os("OCC_LOG_FORMAT").is_none() && std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                config.log_format = occ_core::config::LogFormat::Pretty;
            }
            config
        }
        Err(err) => {
            eprintln!("occ: configuration error: {err}");
            return std::process::ExitCode::from(2);
        }
    };
    // The benchmark prints its table; a log line per measured request would drown it.
    if !matches!(cli.command, Command::Bench(_)) {
        occ_core::telemetry::init(config.log_format);
    }
    let result = match cli.command {
        Command::Serve(args) => serve::run(config, args).await,
        Command::Bench(args) => bench::run(config, args).await,
        Command::Migrate { action } => migrate::run(config, action).await,
        Command::Seed { demo, synthetic, contacts } => seed(config, demo, synthetic.then_some(contacts)).await,
        Command::Backup { out } => backup(config, out).await,
        Command::Worker { once } => worker(config, once).await,
        Command::User { action } => access::user(config, action).await,
        Command::Token { action } => access::token(config, action).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("occ: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `occ worker`: the tick every five seconds, or once. The loop never ends on a failed tick
/// (each is logged); `--once` prints the report and exits 1 when a step or an email failed on
/// OCC's side.
async fn worker(config: occ_core::Config, once: bool) -> anyhow::Result<()> {
    let ctx = occ_core::http::Ctx::new(config).await?;
    loop {
        match occ_core::cron::worker::run_on(&ctx, chrono::Utc::now()).await {
            Ok(report) if once => {
                println!("{}", serde_json::to_string(&report)?);
                anyhow::ensure!(!report.has_failures(), "the tick had failures (see failed_steps and the log)");
                return Ok(());
            }
            Ok(report) if report.did_anything() || report.has_failures() => tracing::info!(?report, "tick"),
            Ok(_) => {}
            Err(why) if once => anyhow::bail!(why),
            Err(why) => tracing::error!(error = %why, "tick failed; the next one runs as planned"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    }
}

async fn seed(config: occ_core::Config, demo: bool, synthetic: Option<usize>) -> anyhow::Result<()> {
    let store = occ_core::store::Store::open(&config).await?;
    let conn = store.connect().await?;
    let loaded = match (demo, synthetic) {
        (true, _) => return seed_demo(&config, &conn).await,
        (false, Some(contacts)) => {
            let started = std::time::Instant::now();
            let loaded =
                occ_core::seed::synthetic(&conn, contacts, |done| eprint!("\r{done} / {contacts} contacts")).await?;
            eprintln!("\rdone in {:.1}s{}", started.elapsed().as_secs_f64(), " ".repeat(20));
            loaded
        }
        (false, None) => anyhow::bail!("say what to load: occ seed --demo, or occ seed --synthetic --contacts N"),
    };
    match loaded {
        Some(summary) => println!("loaded {summary}"),
        None => println!("the database already has data; seed data is only loaded into one without accounts"),
    }
    Ok(())
}

/// `occ seed --demo`: the data when the database is empty, and the demo admin either way. The
/// password is printed only when it was made here; one from `OCC_DEMO_PASSWORD` stays secret.
async fn seed_demo(config: &occ_core::Config, conn: &occ_core::store::Conn) -> anyhow::Result<()> {
    let (password, new) = occ_core::seed::demo_password(config)?;
    match occ_core::seed::demo_with_admin(conn, password.expose()).await? {
        Some(summary) => println!("loaded {summary}"),
        None => println!("already seeded: the database has accounts, so its data is left as it is"),
    }
    if let Some(summary) = occ_core::seed::demo_agents(config).await? {
        println!("ran the demo's agents: {summary}");
    }
    if new {
        println!("demo admin: {} / {}", occ_core::seed::DEMO_EMAIL, password.expose());
    } else {
        println!("demo admin: {} (password from OCC_DEMO_PASSWORD)", occ_core::seed::DEMO_EMAIL);
    }
    Ok(())
}

async fn backup(config: occ_core::Config, out: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    use anyhow::Context as _;
    use occ_core::store::backup;

    let store = occ_core::store::Store::open(&config).await?;
    let conn = store.connect().await?;
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    let extension = if store.is_local() { "db" } else { "sql" };
    let out = out.unwrap_or_else(|| format!("backups/occ-{stamp}.{extension}").into());
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("while creating {}", dir.display()))?;
    }
    if store.is_local() {
        backup::vacuum_into(&conn, &out).await?;
        println!("backed up the database to {}", out.display());
    } else {
        let file = std::fs::File::create_new(&out).with_context(|| format!("while creating {}", out.display()))?;
        let mut writer = std::io::BufWriter::new(file);
        let rows = backup::dump(&conn, &mut writer).await?;
        std::io::Write::flush(&mut writer)?;
        println!("dumped {rows} rows to {} (load it with: sqlite3 new.db < {})", out.display(), out.display());
    }
    Ok(())
}
