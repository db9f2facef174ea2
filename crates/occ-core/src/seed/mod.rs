//! Demo data: a realistic book of accounts and contacts for trying OCC, with a BDR's day of
//! outreach on top (sequences, sends, drafts, replies, follow-ups, meetings, batches) and four
//! months of past sends, replies and meetings under it, generated
//! from a fixed seed (the same data every time, relative to now) and written set-wise, a handful
//! of database calls in all.

use crate::contacts::scoring::IcpConfig;
use crate::domain::stored;
use crate::error::AppResult;
use crate::store::{Conn, single};

mod agents;
mod book;
mod copy;
mod deferred;
mod facts;
mod history;
mod outreach;
mod rollups;
mod rows;
mod synthetic;
mod values;
mod walk;

pub use synthetic::{first_rep, synthetic};

pub use agents::demo_agents;
use book::{generate, insert_book};

/// The demo's ideal customer: revenue teams at mid-sized fintech and SaaS companies.
fn demo_model() -> IcpConfig {
    IcpConfig {
        target_industries: vec!["Fintech".to_owned(), "SaaS".to_owned()],
        target_sub_industries: vec![
            "Payments".to_owned(),
            "Developer tools".to_owned(),
            "Data infrastructure".to_owned(),
        ],
        ..IcpConfig::default()
    }
}

/// The demo admin's sign-in address.
pub const DEMO_EMAIL: &str = "demo@occ.local";

/// Makes sure the demo admin exists, enabled, with `password` (set anew each time, so the
/// login printed by `occ serve --demo` always works).
pub async fn demo_admin(conn: &Conn, password: &str) -> AppResult<()> {
    use crate::auth::users::{self, EndSessions, UserChanges};
    use crate::domain::{EmailAddress, enums::Role};

    let email = EmailAddress::parse(DEMO_EMAIL).map_err(|m| crate::AppError::Internal(anyhow::anyhow!(m)))?;
    let hash = crate::access::secrets::hash_password(password)?;
    let actor = crate::audit::Actor { name: "seed".to_owned(), user_id: None, request_id: None };
    match users::find_by_email(conn, &email).await? {
        None => {
            users::insert(conn, &actor, &email, "Demo Admin", Role::Admin, &hash).await?;
        }
        Some((user, _)) => {
            let changes = UserChanges {
                role: Some(Role::Admin),
                disabled: Some(false),
                password_hash: Some(hash),
                ..UserChanges::default()
            };
            users::update_user(conn, &actor, &user.id, &changes, EndSessions::None).await?;
        }
    }
    Ok(())
}

/// The demo admin's password: `OCC_DEMO_PASSWORD`, or a new random one; `true` when it is new
/// (nobody knows it until it is printed).
pub fn demo_password(config: &crate::Config) -> AppResult<(crate::config::Secret, bool)> {
    match &config.demo_password {
        Some(password) => Ok((password.clone(), false)),
        None => {
            let random: String = crate::access::secrets::random_secret()?.chars().take(16).collect();
            Ok((crate::config::Secret::new(random), true))
        }
    }
}

/// The demo on any database, as often as asked: the demo data when it is empty (the summary;
/// `None` when it already holds accounts), and the demo admin with `password` either way.
pub async fn demo_with_admin(conn: &Conn, password: &str) -> AppResult<Option<String>> {
    let loaded = demo(conn).await?;
    demo_admin(conn, password).await?;
    Ok(loaded)
}

/// Loads the demo data into an empty database; `None` when it already holds accounts.
pub async fn demo(conn: &Conn) -> AppResult<Option<String>> {
    let has_data = conn.query_one("accounts", "SELECT EXISTS (SELECT 1 FROM accounts)", (), single::<bool>).await?;
    if has_data {
        return Ok(None);
    }
    let started = chrono::Utc::now();
    let at = stored(started);
    let model = demo_model();
    let (accounts, mut contacts) = generate(0x0cc, 40, 4..12, &model);
    let outreach = outreach::plan(0x0cc, &accounts, &mut contacts, &model, started);
    let walked = outreach.contacts_in("enrollments");
    let history = history::plan(0x0cc, history::MONTHS, (&accounts, &contacts), &walked, started, None);
    let value = serde_json::to_string(&model).map_err(|e| crate::AppError::Internal(e.into()))?;
    let past = conn.immediate(async |conn| {
        let version: i64 = conn
            .query_one(
                "setting",
                "INSERT INTO settings (key, version, value, created_at, created_by) \
                 SELECT 'icp', coalesce(max(version), 0) + 1, ?1, ?2, 'seed' FROM settings WHERE key = 'icp' RETURNING version",
                libsql::params![value.as_str(), at.as_str()],
                single,
            )
            .await?;
        insert_book(conn, &accounts, &contacts, &at, version).await?;
        outreach.insert(conn).await?;
        history.insert(conn).await
    })
    .await?;
    Ok(Some(format!(
        "{} accounts, {} contacts, {} sequences, {} enrollments, {} touchpoints, {} drafts, {} replies, \
         {} follow-ups, {} opportunities, {} batches",
        accounts.len(),
        contacts.len(),
        outreach.count("sequences"),
        outreach.count("enrollments"),
        outreach.count("touchpoints") + past.touchpoints,
        outreach.count("message_drafts"),
        outreach.count("replies") + past.replies,
        outreach.count("followups"),
        outreach.count("opportunities") + past.opportunities,
        outreach.count("batches"),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_data_is_deterministic_and_varied() {
        let (a1, c1) = generate(0x0cc, 40, 4..12, &demo_model());
        let (a2, c2) = generate(0x0cc, 40, 4..12, &demo_model());
        let names = |v: &[serde_json::Value]| v.iter().map(|x| x["name"].clone()).collect::<Vec<_>>();
        assert_eq!(names(&a1), names(&a2));
        assert_eq!(c1.len(), c2.len());
        assert_eq!(a1.len(), 40);
        assert!((200..=500).contains(&c1.len()), "{}", c1.len());
        let industries: std::collections::BTreeSet<_> = a1.iter().map(|a| a["industry"].to_string()).collect();
        let stages: std::collections::BTreeSet<_> = c1.iter().map(|c| c["stage"].to_string()).collect();
        assert!(industries.len() >= 6 && stages.len() >= 10, "{industries:?} {stages:?}");
    }
}
