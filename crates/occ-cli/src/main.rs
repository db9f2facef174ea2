//! `occ`: run OCC locally, migrate a database, load demo data.

mod migrate;
mod serve;

use clap::{Parser, Subcommand};

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
    /// Load data into the database.
    Seed {
        /// Realistic demo data (only into an empty database).
        #[arg(long)]
        demo: bool,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let config = match occ_core::Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("occ: configuration error: {err}");
            return std::process::ExitCode::from(2);
        }
    };
    occ_core::telemetry::init(config.log_format);
    let result = match cli.command {
        Command::Serve(args) => serve::run(config, args).await,
        Command::Migrate { action } => migrate::run(config, action).await,
        Command::Seed { demo } => seed(config, demo).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("occ: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn seed(config: occ_core::Config, demo: bool) -> anyhow::Result<()> {
    anyhow::ensure!(demo, "say what to load: occ seed --demo");
    let store = occ_core::store::Store::open(&config).await?;
    let conn = store.connect().await?;
    match occ_core::seed::demo(&conn).await? {
        Some(summary) => println!("loaded demo data: {summary}"),
        None => {
            println!("the database already has data; demo data is only loaded into an empty one")
        }
    }
    Ok(())
}
