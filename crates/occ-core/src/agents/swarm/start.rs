//! `POST /api/v1/swarms`: a pipeline over a batch or a list of contacts, written in one round
//! trip: the swarm, one task per contact and agent (`INSERT ... SELECT` over the contacts and the
//! pipeline), and each task's dependency on the same contact's task for the agent before it.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Deserialize;

use super::{CONTACTS_MAX, MAX_ATTEMPTS, PIPELINE_MAX, decode, swarm_columns};
use crate::access::Principal;
use crate::agents::{Agent, TargetKind, with_agent};
use crate::audit;
use crate::domain::enums::AgentKind;
use crate::domain::{new_id, now};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};
use crate::store::Batch;
use crate::validate::Check;

/// `POST /api/v1/swarms`: the agents, and the contacts (a batch's, or listed).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartSwarm {
    /// 1 to 6 agents that work on a contact, each at most once, in the order each contact
    /// goes through them (persona_mapper, researcher, icp_scorer, drafter, reviewer).
    #[serde(default)]
    pub pipeline: Vec<String>,
    /// A batch whose contacts (1 to 1,000) the swarm works on.
    #[serde(default)]
    pub batch_id: Option<String>,
    /// Or the contacts themselves: 1 to 1,000 ids.
    #[serde(default)]
    pub contact_ids: Option<Vec<String>>,
}

/// Who the swarm works on, checked for their form.
#[derive(Debug, Clone)]
pub enum Members {
    /// A batch's members.
    Batch(String),
    /// These contacts.
    Contacts(Vec<String>),
}

/// Whether an agent works on a contact (a swarm may run it), or `None` when it is not in this
/// build yet.
pub fn works_on_contacts(kind: AgentKind) -> Option<bool> {
    with_agent!(kind, A => Some(<A as Agent>::read(TargetKind::Contact).is_some()), otherwise => None)
}

impl StartSwarm {
    /// The pipeline, checked; a failure names `pipeline`.
    fn pipeline(&self, c: &mut Check) -> Vec<AgentKind> {
        if !(1..=PIPELINE_MAX).contains(&self.pipeline.len()) {
            c.fail("pipeline", "length", format!("must name 1 to {PIPELINE_MAX} agents"));
            return Vec::new();
        }
        let mut agents: Vec<AgentKind> = Vec::with_capacity(self.pipeline.len());
        for name in &self.pipeline {
            let Ok(kind) = name.trim().parse::<AgentKind>() else {
                c.fail("pipeline", "one_of", format!("{name:?} is not an agent"));
                continue;
            };
            if agents.contains(&kind) {
                c.fail("pipeline", "unique", format!("the {kind} is named more than once"));
                continue;
            }
            match works_on_contacts(kind) {
                Some(true) => {}
                Some(false) => c.fail("pipeline", "contact_agent", format!("the {kind} does not work on a contact")),
                None => c.fail("pipeline", "available", format!("the {kind} is not available yet")),
            }
            agents.push(kind);
        }
        agents
    }

    /// The contacts, checked; a failure names `batch_id` or `contact_ids`.
    fn members(self, c: &mut Check) -> Option<Members> {
        let is_id = |id: &str| uuid::Uuid::try_parse(id.trim()).ok().map(|u| u.to_string());
        match (self.batch_id, self.contact_ids) {
            (Some(_), Some(_)) => {
                c.fail("batch_id", "one_of", "name a batch_id or contact_ids, not both");
                None
            }
            (None, None) => {
                c.fail("contact_ids", "required", "name a batch_id or contact_ids");
                None
            }
            (Some(batch), None) => match is_id(&batch) {
                Some(id) => Some(Members::Batch(id)),
                None => {
                    c.fail("batch_id", "format", "must be an id");
                    None
                }
            },
            (None, Some(ids)) => {
                if !(1..=CONTACTS_MAX).contains(&ids.len()) {
                    c.fail("contact_ids", "length", format!("must hold 1 to {CONTACTS_MAX} contact ids"));
                    return None;
                }
                let mut parsed = Vec::with_capacity(ids.len());
                for id in &ids {
                    match is_id(id) {
                        Some(id) if !parsed.contains(&id) => parsed.push(id),
                        Some(_) => {}
                        None => {
                            c.fail("contact_ids", "format", "every item must be a contact id");
                            return None;
                        }
                    }
                }
                Some(Members::Contacts(parsed))
            }
        }
    }
}

/// The swarm's contacts: the batch's members, or the listed ids (`:batch`, `:ids`).
const MEMBERS: &str = "SELECT contact_id FROM batch_prospects WHERE batch_id = :batch \
    UNION SELECT value FROM json_each(:ids)";

/// Start a swarm: every contact of the batch (or listed) goes through the pipeline's agents in
/// order, each agent's task waiting for the one before it. The tick's worker runs the tasks
/// (several at a time, with retries); `GET /api/v1/swarms/{id}` shows the progress.
#[utoipa::path(post, path = "/api/v1/swarms", tag = "agents", request_body = StartSwarm,
    responses((status = 201, body = super::Swarm), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn start_swarm(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let body: StartSwarm = http::body_json(&req)?;
    let mut c = Check::default();
    let pipeline = body.pipeline(&mut c);
    let members = body.members(&mut c);
    c.finish(())?;
    let members = members.ok_or_else(|| AppError::invalid("contact_ids", "required", "name the contacts"))?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let swarm = start(&ctx.conn().await?, &actor, &principal.user_id, &pipeline, members).await?;
    http::created(&format!("/api/v1/swarms/{}", swarm.id), &swarm)
}

/// Starts a swarm of `pipeline` (checked) over `members` (checked for their form), started by
/// `user_id`: one round trip. The batch or contacts must exist (422 otherwise).
pub async fn start(
    conn: &crate::store::Conn,
    actor: &audit::Actor,
    user_id: &str,
    pipeline: &[AgentKind],
    members: Members,
) -> AppResult<super::Swarm> {
    let (id, at) = (new_id(), now());
    let names: Vec<&str> = pipeline.iter().map(|a| a.as_str()).collect();
    let pipeline = serde_json::to_string(&names).map_err(|e| AppError::Internal(e.into()))?;
    let (batch_id, ids) = match &members {
        Members::Batch(batch) => (Some(batch.as_str()), "[]".to_owned()),
        Members::Contacts(ids) => (None, serde_json::to_string(ids).map_err(|e| AppError::Internal(e.into()))?),
    };
    let mut batch = Batch::new();
    match &members {
        Members::Batch(_) => {
            batch.require(
                "EXISTS (SELECT 1 FROM batches WHERE id = :batch)",
                libsql::named_params! {":batch": batch_id},
                AppError::invalid("batch_id", "exists", "no batch has this id"),
            )?;
            batch.require(
                "(SELECT count(*) FROM batch_prospects WHERE batch_id = :batch) BETWEEN 1 AND :max",
                libsql::named_params! {":batch": batch_id, ":max": CONTACTS_MAX as i64},
                AppError::invalid("batch_id", "size", format!("the batch must hold 1 to {CONTACTS_MAX} contacts")),
            )?;
        }
        Members::Contacts(_) => batch.require(
            "(SELECT count(*) FROM contacts WHERE id IN (SELECT value FROM json_each(:ids))) = json_array_length(:ids)",
            libsql::named_params! {":ids": ids.as_str()},
            AppError::invalid("contact_ids", "exists", "every contact id must name a contact"),
        )?,
    }
    batch.push(
        ["INSERT INTO swarm_runs (id, batch_id, pipeline, status, created_by, started_at, total, created_at, updated_at) \
          SELECT :id, :batch, :pipeline, 'running', :by, :at, count(*) * json_array_length(:pipeline), :at, :at FROM (",
            MEMBERS,
            ")",
        ]
        .concat(),
        libsql::named_params! {
            ":id": id.as_str(), ":batch": batch_id, ":ids": ids.as_str(), ":pipeline": pipeline.as_str(),
            ":by": user_id, ":at": at.as_str(),
        },
    )?;
    batch.push(
        [
            "INSERT INTO swarm_tasks (id, swarm_run_id, agent, contact_id, status, attempts, max_attempts, lease_until, \
             created_at, updated_at) \
             SELECT lower(hex(randomblob(16))), :id, a.value, m.contact_id, \
             CASE WHEN a.key = 0 THEN 'queued' ELSE 'waiting' END, 0, :attempts, :at, :at, :at \
             FROM (",
            MEMBERS,
            ") m, json_each(:pipeline) a",
        ]
        .concat(),
        libsql::named_params! {
            ":id": id.as_str(), ":batch": batch_id, ":ids": ids.as_str(), ":pipeline": pipeline.as_str(),
            ":at": at.as_str(), ":attempts": MAX_ATTEMPTS,
        },
    )?;
    batch.push(
        "INSERT INTO swarm_task_deps (task_id, depends_on_id) \
         SELECT t.id, p.id FROM json_each(:pipeline) a JOIN json_each(:pipeline) b ON b.key = a.key - 1 \
         JOIN swarm_tasks t ON t.swarm_run_id = :id AND t.agent = a.value \
         JOIN swarm_tasks p ON p.swarm_run_id = :id AND p.contact_id = t.contact_id AND p.agent = b.value",
        libsql::named_params! {":id": id.as_str(), ":pipeline": pipeline.as_str()},
    )?;
    let after = serde_json::json!({"pipeline": names, "batch_id": batch_id});
    audit::record_with_in(&mut batch, actor, "swarm.start", "swarm_run", &id, None, Some(&after), None)?;
    let created = batch.push(
        concat!("SELECT ", swarm_columns!(), " FROM swarm_runs r WHERE r.id = :id"),
        libsql::named_params! {":id": id.as_str()},
    )?;
    let outcome = conn.batch(batch).await?;
    let swarm = outcome.one("swarm", created, decode)?;
    tracing::info!(swarm_id = swarm.id, tasks = swarm.total, "swarm started");
    Ok(swarm)
}
