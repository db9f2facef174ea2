//! The demo's agents, run as a user would run them, on their fallbacks (a demo loads the same
//! way with or without a model, and fast): one finished swarm of the full pipeline over a
//! dozen people who may be written to, and single runs of the other agents (a brief and a
//! meeting brief before the booked meeting, signals from a pasted note, the demo's replies read
//! again, follow-ups planned).

use std::time::Duration;

use serde::Deserialize;

use crate::agents::run::{self, Runner};
use crate::agents::swarm::{self, FULL_PIPELINE, start::Members};
use crate::agents::{Options, Target, TargetKind, with_agent};
use crate::audit::Actor;
use crate::domain::enums::{AgentKind, RunStatus};
use crate::error::{AppError, AppResult};
use crate::http::Ctx;
use crate::store::{Conn, from_row, single};

/// People the demo's swarm works on.
const SWARM_PEOPLE: i64 = 12;

/// The note the signal scout reads in the demo.
const PASTED_NEWS: &str = "The company announced a $40M Series B led by Northwind Ventures this morning. \
    It is hiring 30 engineers in Lisbon and Austin, and its new CTO joined from a payments scale-up. \
    The team says it is migrating its data platform to Snowflake this quarter.";

/// What the demo's single runs are about, read in one statement.
#[derive(Deserialize)]
struct Subjects {
    /// The admin who starts the swarm.
    admin: Option<String>,
    /// JSON array of the swarm's people.
    people: String,
    /// The contact with the soonest booked meeting.
    meeting: Option<String>,
    /// An account with people.
    account: Option<String>,
    /// JSON array of the demo's replies.
    replies: String,
    /// JSON array of people to plan a follow-up for.
    planned: String,
}

const SUBJECTS: &str = "SELECT \
    (SELECT id FROM users WHERE role = 'admin' AND disabled = 0 ORDER BY created_at LIMIT 1) AS admin, \
    (SELECT json_group_array(id) FROM (SELECT c.id FROM contacts c WHERE c.status = 'active' AND c.email IS NOT NULL \
       AND NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.contact_id = c.id AND e.status IN ('active', 'paused')) \
       AND NOT EXISTS (SELECT 1 FROM email_suppression s WHERE s.value = c.email) \
       AND NOT EXISTS (SELECT 1 FROM message_drafts d WHERE d.contact_id = c.id) \
       ORDER BY c.priority_score DESC, c.id LIMIT :people)) AS people, \
    (SELECT o.contact_id FROM opportunities o WHERE o.meeting_at IS NOT NULL ORDER BY o.meeting_at DESC LIMIT 1) AS meeting, \
    (SELECT a.id FROM accounts a WHERE EXISTS (SELECT 1 FROM contacts c WHERE c.account_id = a.id) ORDER BY a.name LIMIT 1) AS account, \
    (SELECT json_group_array(id) FROM (SELECT id FROM replies ORDER BY replied_at LIMIT 6)) AS replies, \
    (SELECT json_group_array(id) FROM (SELECT c.id FROM contacts c WHERE c.stage IN ('touched', 'sequencing', 're_engaged') \
       AND c.status = 'active' ORDER BY c.priority_score DESC, c.id LIMIT 3)) AS planned";

fn ids(json: &str) -> AppResult<Vec<String>> {
    serde_json::from_str(json).map_err(|e| AppError::Internal(e.into()))
}

/// Runs the demo's agents on the demo data, once: nothing when some agent has run already.
/// Answers what it did, for the loader to print.
pub async fn demo_agents(config: &crate::Config) -> AppResult<Option<String>> {
    let fallbacks = crate::Config { llm: None, ..config.clone() };
    let ctx = Ctx::new(fallbacks).await.map_err(AppError::Internal)?;
    let conn = ctx.conn().await?;
    if conn.query_one("agent run", "SELECT EXISTS (SELECT 1 FROM agent_runs)", (), single::<bool>).await? {
        return Ok(None);
    }
    let subjects: Subjects =
        conn.query_one("contact", SUBJECTS, libsql::named_params! {":people": SWARM_PEOPLE}, from_row).await?;
    let actor = Actor { name: "seed".to_owned(), user_id: subjects.admin.clone(), request_id: None };
    let people = ids(&subjects.people)?;
    let mut swarmed = 0;
    if let (Some(admin), false) = (subjects.admin.as_deref(), people.is_empty()) {
        let started = swarm::start::start(&conn, &actor, admin, &FULL_PIPELINE, Members::Contacts(people)).await?;
        swarmed = finish(&ctx, &conn, &started.id).await?;
    }
    let mut singles: Vec<(AgentKind, Target, Options)> = Vec::new();
    let contact = |id: &str| Target { kind: TargetKind::Contact, id: id.to_owned() };
    if let Some(meeting) = subjects.meeting.as_deref() {
        singles.push((AgentKind::Researcher, contact(meeting), Options::default()));
        singles.push((AgentKind::MeetingPrep, contact(meeting), Options::default()));
    }
    if let Some(account) = subjects.account {
        let options = Options { text: Some(PASTED_NEWS.to_owned()), channel: None };
        singles.push((AgentKind::SignalScout, Target { kind: TargetKind::Account, id: account }, options));
    }
    for id in ids(&subjects.replies)? {
        singles.push((AgentKind::ReplyClassifier, Target { kind: TargetKind::Reply, id }, Options::default()));
    }
    for id in ids(&subjects.planned)? {
        singles.push((AgentKind::FollowupPlanner, contact(&id), Options::default()));
    }
    let mut ran = 0;
    for (kind, target, options) in &singles {
        let runner = Runner::Swarm(&actor);
        let done = with_agent!(*kind, A => run::run::<A>(&ctx, &conn, runner, target, options, None).await.map(|_| ()),
            otherwise => Ok(()));
        match done {
            Ok(()) => ran += 1,
            // A demo run the data does not allow (a reply corrected since) is left out.
            Err(err) => tracing::warn!(agent = kind.as_str(), error = format!("{err:#}"), "demo agent run left out"),
        }
    }
    Ok(Some(format!("{swarmed} swarm tasks and {ran} other agent runs")))
}

/// Works the swarm until it is finished; answers its tasks.
async fn finish(ctx: &Ctx, conn: &Conn, id: &str) -> AppResult<i64> {
    for _ in 0..100 {
        let report = swarm::work(ctx, Duration::from_secs(10), 4).await?;
        let (status, total): (RunStatus, i64) = conn
            .query_one("swarm", "SELECT status, total FROM swarm_runs WHERE id = ?1", [id], |row| {
                #[derive(Deserialize)]
                struct Progress {
                    status: RunStatus,
                    total: i64,
                }
                from_row::<Progress>(row).map(|p| (p.status, p.total))
            })
            .await?;
        if status != RunStatus::Running || !report.did_anything() {
            return Ok(total);
        }
    }
    Ok(0)
}
