//! `occ migrate up|down|status|verify`.

use clap::Subcommand;
use occ_core::store::{Store, migrate};

#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply pending migrations (all, or up to --to).
    Up {
        /// The version to stop at.
        #[arg(long)]
        to: Option<i64>,
    },
    /// Revert applied migrations above --to (0 reverts everything).
    Down {
        /// The version to keep.
        #[arg(long)]
        to: i64,
    },
    /// List applied and pending migrations.
    Status,
    /// Check the version, the checksums and that every table and index exists.
    Verify,
}

pub async fn run(config: occ_core::Config, action: MigrateAction) -> anyhow::Result<()> {
    let store = Store::open(&config).await?;
    let conn = store.connect().await?;
    match action {
        MigrateAction::Up { to } => {
            let applied = migrate::up(&conn, to).await?;
            if applied.is_empty() {
                println!("nothing to apply; the schema is at version {}", migrate::applied_version(&conn).await?);
            }
            for version in applied {
                println!("applied {}", label(version));
            }
        }
        MigrateAction::Down { to } => {
            let reverted = migrate::down(&conn, to).await?;
            if reverted.is_empty() {
                println!("nothing to revert");
            }
            for version in reverted {
                println!("reverted {}", label(version));
            }
        }
        MigrateAction::Status => {
            for s in migrate::status(&conn).await? {
                let state = match (&s.applied_at, s.checksum_changed) {
                    (Some(_), true) => "applied, but the file has CHANGED since".to_owned(),
                    (Some(at), false) => format!("applied {at}"),
                    (None, _) => "pending".to_owned(),
                };
                println!("{:04}_{:<24} {state}", s.version, s.name);
            }
        }
        MigrateAction::Verify => {
            let problems = migrate::verify(&conn).await?;
            if problems.is_empty() {
                println!("ok: schema version {}, every table and index present", migrate::expected_version());
            } else {
                for p in &problems {
                    eprintln!("problem: {p}");
                }
                anyhow::bail!("{} problem(s) found", problems.len());
            }
        }
    }
    Ok(())
}

fn label(version: i64) -> String {
    let name = migrate::MIGRATIONS.iter().find(|m| m.version == version).map_or("", |m| m.name);
    format!("{version:04}_{name}")
}
