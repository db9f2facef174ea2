//! `occ seed --synthetic`: a large book for benchmarks, written in chunks with progress.

use serde_json::{Value, json};

use super::book::{generate, insert_book};
use crate::domain::{new_id, now};
use crate::error::AppResult;
use crate::store::{Conn, single};

/// Signals for a synthetic book: some accounts and some contacts get one or two.
fn synthetic_signals(rng: &mut fastrand::Rng, accounts: &[Value], contacts: &[Value]) -> Vec<Value> {
    const KINDS: &[(&str, &str)] = &[
        ("funding", "Raised a new round"),
        ("hiring", "Hiring for revenue roles"),
        ("tech_adoption", "Adopted a tool we integrate with"),
        ("news", "In the news"),
        ("job_change", "Started a new role"),
        ("website_visit", "Visited the pricing page"),
        ("content_engagement", "Downloaded the benchmark report"),
    ];
    let mut signals = Vec::new();
    let subjects = accounts.iter().map(|a| ("account_id", a)).chain(contacts.iter().map(|c| ("contact_id", c)));
    for (key, subject) in subjects {
        if rng.u8(..4) != 0 {
            continue;
        }
        let (kind, title) = KINDS[rng.usize(..KINDS.len())];
        let occurred = chrono::Utc::now() - chrono::Duration::days(rng.i64(0..120));
        signals.push(json!({
            "id": new_id(), key: subject["id"], "kind": kind, "strength": rng.i64(1..=5), "title": title,
            "occurred_at": occurred.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        }));
    }
    signals
}

/// Loads a large synthetic book for benchmarks: about `contacts` contacts at a tenth as many
/// accounts, with signals and, in every chunk, the demo's day of outreach (two sequences
/// shared by all) over a year of past sends, replies and meetings, in transactions of a few
/// thousand contacts; `progress` hears the count written so far. Only into a database without
/// accounts.
pub async fn synthetic(conn: &Conn, contacts: usize, progress: impl Fn(usize)) -> AppResult<Option<String>> {
    let has_data = conn.query_one("accounts", "SELECT EXISTS (SELECT 1 FROM accounts)", (), single::<bool>).await?;
    if has_data {
        return Ok(None);
    }
    const ACCOUNTS_PER_CHUNK: usize = 300;
    let model = crate::settings::current_icp(conn).await?;
    let accounts_wanted = contacts.div_ceil(10).max(1);
    let mut rng = fastrand::Rng::with_seed(0x5eed);
    let (mut written_accounts, mut written_contacts, mut written_signals) = (0, 0, 0);
    let mut chunk = 0u64;
    let (started, mut sends, mut sequences) = (chrono::Utc::now(), 0, None);
    let mut outreach_rows = [0; 4];
    let mut past = super::history::Written::default();
    while written_contacts < contacts {
        let left_accounts = accounts_wanted.saturating_sub(written_accounts).max(1);
        let accounts_now = left_accounts.min(ACCOUNTS_PER_CHUNK);
        let (accounts, mut people) = generate(0x5eed + chunk, accounts_now, 6..15, &model.value);
        people.truncate(contacts - written_contacts);
        // Unique addresses across chunks: the generator numbers them within its chunk only.
        for (i, person) in people.iter_mut().enumerate() {
            let n = written_contacts + i;
            let email = person["email"].as_str().unwrap_or("person@example.com").to_owned();
            let linkedin = person["linkedin_url"].as_str().unwrap_or("https://www.linkedin.com/in/person").to_owned();
            let (local, domain) = email.split_once('@').unwrap_or((&email, "example.com"));
            person["email"] = json!(format!("{local}.{n}@{domain}"));
            person["linkedin_url"] = json!(format!("{linkedin}-{n}"));
        }
        let accounts: Vec<Value> = accounts
            .into_iter()
            .enumerate()
            .map(|(i, mut a)| {
                let n = written_accounts + i;
                let domain = a["domain"].as_str().unwrap_or("example.com").to_owned();
                a["domain"] = json!(format!("n{n}-{domain}"));
                a["name"] = json!(format!("{} {n}", a["name"].as_str().unwrap_or("Company")));
                a
            })
            .collect();
        // A day's outreach over every chunk: sequences walked, drafts to review and send,
        // replies, meetings (so Today, the review queue and the pipeline have work at scale).
        let outreach = super::outreach::plan_chunk(
            0x5eed + chunk,
            sends,
            &mut sequences,
            &accounts,
            &mut people,
            &model.value,
            started,
        );
        sends = outreach.sends();
        let walked = outreach.contacts_in("enrollments");
        let history = super::history::plan(0x5eed + chunk, super::history::YEAR, &accounts, &people, &walked, started);
        let signals = synthetic_signals(&mut rng, &accounts, &people);
        let signals_json = serde_json::to_string(&signals).map_err(|e| crate::AppError::Internal(e.into()))?;
        let at = now();
        past += conn.immediate(async |conn| {
            insert_book(conn, &accounts, &people, &at, model.version).await?;
            outreach.insert(conn).await?;
            let past = history.insert(conn).await?;
            conn.execute(
                "INSERT INTO signals (id, contact_id, account_id, kind, strength, title, occurred_at, created_at, updated_at) \
                 SELECT json_extract(value, '$.id'), json_extract(value, '$.contact_id'), json_extract(value, '$.account_id'), \
                 json_extract(value, '$.kind'), json_extract(value, '$.strength'), json_extract(value, '$.title'), \
                 json_extract(value, '$.occurred_at'), ?2, ?2 FROM json_each(?1)",
                libsql::params![signals_json.as_str(), at.as_str()],
            )
            .await?;
            // The signals raise some scores: a second history point for those people.
            let ids: Vec<String> = people.iter().filter_map(|p| p["id"].as_str().map(str::to_owned)).collect();
            crate::contacts::scoring::recompute::rescore(conn, &ids).await?;
            Ok(past)
        })
        .await?;
        written_accounts += accounts.len();
        written_contacts += people.len();
        written_signals += signals.len();
        outreach_rows[0] += outreach.count("touchpoints");
        outreach_rows[1] += outreach.count("message_drafts");
        outreach_rows[2] += outreach.count("replies");
        outreach_rows[3] += outreach.count("opportunities");
        chunk += 1;
        progress(written_contacts);
    }
    let [touchpoints, drafts, replies, opportunities] = outreach_rows;
    Ok(Some(format!(
        "{written_accounts} accounts, {written_contacts} contacts, {written_signals} signals, \
         {} touchpoints, {drafts} drafts, {} replies, {} opportunities",
        touchpoints + past.touchpoints,
        replies + past.replies,
        opportunities + past.opportunities,
    )))
}
