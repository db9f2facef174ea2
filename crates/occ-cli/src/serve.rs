//! `occ serve`: the whole of OCC on one machine.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use occ_core::config::DatabaseLocation;
use occ_core::cron::worker;
use occ_core::http::{Ctx, server::Server};
use occ_core::routes::Family;
use occ_core::store::migrate;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:3000")]
    addr: SocketAddr,
    /// Load demo data when the database is empty.
    #[arg(long)]
    demo: bool,
    /// The folder of the web app.
    #[arg(long, env = "OCC_PUBLIC_DIR")]
    public: Option<PathBuf>,
}

pub async fn run(config: occ_core::Config, args: ServeArgs) -> anyhow::Result<()> {
    let local = matches!(config.database, DatabaseLocation::Local(_));
    let ctx = Ctx::new(config).await?;
    let conn = ctx.store.connect().await?;
    if local {
        // The embedded database belongs to this server: bring it up to date. A remote one is
        // migrated by the deploy step, never by a server.
        for version in migrate::up(&conn, None).await? {
            tracing::info!(version, "applied migration");
        }
    } else {
        let applied = migrate::applied_version(&conn).await?;
        if applied < migrate::expected_version() {
            eprintln!(
                "warning: the database schema is at version {applied}, this build needs {}; run `occ migrate up`",
                migrate::expected_version()
            );
        }
    }
    let demo_login = if args.demo {
        let (password, _) = occ_core::seed::demo_password(&ctx.config)?;
        if let Some(summary) = occ_core::seed::demo_with_admin(&conn, password.expose()).await? {
            println!("loaded demo data: {summary}");
        }
        if let Some(summary) = occ_core::seed::demo_agents(&ctx.config).await? {
            println!("ran the demo's agents: {summary}");
        }
        Some(password)
    } else {
        None
    };
    drop(conn);

    let public = args.public.unwrap_or_else(default_public_dir);
    tokio::spawn(ticking(ctx.clone()));
    let server = Server::bind(ctx, args.addr, Family::routes_of(Family::ALL), public.clone())
        .await
        .with_context(|| format!("while listening on {}", args.addr))?;
    let addr = server.local_addr()?;
    println!("OCC is running at http://{addr}/ (app from {}; Ctrl-C stops it)", public.display());
    if let Some(password) = demo_login {
        println!("Demo login: {} / {}", occ_core::seed::DEMO_EMAIL, password.expose());
    }
    server.run(shutdown()).await;
    Ok(())
}

/// How often the local server runs the tick.
const TICK_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// The background tick: sequence steps due become drafts, pauses end, approved emails go out,
/// swarm tasks run.
/// Nothing stops it: a tick that fails is logged and the next one runs on time.
async fn ticking(ctx: std::sync::Arc<Ctx>) {
    let mut every = tokio::time::interval(TICK_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match worker::run_on(&ctx, chrono::Utc::now()).await {
            Ok(report) if report.did_anything() || report.has_failures() => tracing::info!(?report, "tick"),
            Ok(_) => {}
            Err(why) => tracing::error!(error = %why, "tick failed; the next one runs as planned"),
        }
    }
}

fn default_public_dir() -> PathBuf {
    let here = PathBuf::from("public");
    if here.join("index.html").exists() {
        return here;
    }
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../public"))
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
