//! `occ user ...` and `occ token ...`: the first admin, and tokens for scripts.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context as _, bail};
use clap::Subcommand;
use occ_core::access::{Scope, secrets};
use occ_core::audit::Actor;
use occ_core::auth::{tokens, users};
use occ_core::domain::EmailAddress;
use occ_core::domain::enums::Role;
use occ_core::store::Store;

#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Create a user. The password comes from OCC_PASSWORD or standard input, never an argument.
    Create {
        /// Sign-in address.
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// admin, manager, bdr or viewer.
        #[arg(long)]
        role: Role,
    },
    /// Disable a user: ends their sessions and revokes their tokens.
    Disable {
        /// Sign-in address.
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Create an API token for a user and print it (once).
    Create {
        /// The user's sign-in address.
        #[arg(long)]
        email: String,
        /// What the token is for.
        #[arg(long)]
        name: String,
        /// Comma-separated: read, write, admin.
        #[arg(long, value_delimiter = ',', default_value = "read")]
        scopes: Vec<Scope>,
    },
}

fn email(text: &str) -> anyhow::Result<EmailAddress> {
    EmailAddress::parse(text).map_err(|m| anyhow::anyhow!("--email {m}"))
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var("OCC_PASSWORD") {
        return Ok(password);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return rpassword::prompt_password("Password: ").context("while reading the password");
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).context("while reading the password from standard input")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

fn cli_actor() -> Actor {
    Actor::system(None)
}

pub async fn user(config: occ_core::Config, action: UserAction) -> anyhow::Result<()> {
    let store = Store::open(&config).await?;
    let conn = store.connect().await?;
    match action {
        UserAction::Create { email: address, name, role } => {
            let address = email(&address)?;
            let name = users::parse_name("--name", &name)?;
            let password = read_password()?;
            secrets::check_new_password("password", &password)?;
            let hash = secrets::hash_password(&password)?;
            let user = users::insert(&conn, &cli_actor(), &address, &name, role, &hash).await?;
            println!("created {} ({}) with id {}", user.email, user.role, user.id);
        }
        UserAction::Disable { email: address } => {
            let address = email(&address)?;
            let Some((user, _)) = users::find_by_email(&conn, &address).await? else {
                bail!("no user has the email {}", address.as_str());
            };
            let changes = users::UserChanges { disabled: Some(true), ..users::UserChanges::default() };
            users::update_user(&conn, &cli_actor(), &user.id, &changes, users::EndSessions::None).await?;
            println!("disabled {}; their sessions ended and their tokens were revoked", user.email);
        }
    }
    Ok(())
}

pub async fn token(config: occ_core::Config, action: TokenAction) -> anyhow::Result<()> {
    let store = Store::open(&config).await?;
    let conn = store.connect().await?;
    match action {
        TokenAction::Create { email: address, name, scopes } => {
            let address = email(&address)?;
            let Some((user, _)) = users::find_by_email(&conn, &address).await? else {
                bail!("no user has the email {}", address.as_str());
            };
            if user.disabled {
                bail!("{} is disabled", user.email);
            }
            let name = tokens::parse_token_name(&name)?;
            let scopes = tokens::parse_scopes(&scopes, None)?;
            let created = tokens::create_token(&conn, &cli_actor(), &user.id, &name, &scopes, None).await?;
            eprintln!(
                "token {} for {} (scopes: {:?}); it is shown only this once:",
                created.token.id, user.email, scopes
            );
            println!("{}", created.secret);
        }
    }
    Ok(())
}
