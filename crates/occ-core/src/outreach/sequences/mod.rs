//! Sequences (cadences): ordered steps, each a day offset, a channel and a message template.
//!
//! History is kept by forbidding destructive edits: while contacts are in a sequence (active
//! or paused), its steps may be edited in place and new steps added at the end, but not removed,
//! reordered or changed to another kind; archive it and create a new one instead. Drafts and
//! touches copy their text, so what was sent stays as it was whatever the template becomes.

pub mod template;

use ::http::{Request, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::access::Access::Signed;
use crate::access::Action::{ManageSequences, ReadData};
use crate::access::Principal;
use crate::audit::{self, Actor};
use crate::domain::enums::{Channel, SequenceStatus, StepKind};
use crate::domain::{Lifecycle, new_id, now};
use crate::error::{AppError, AppResult, EntityRef, ErrorResponse, FieldError};
use crate::handler;
use crate::http::{self, Ctx, Page, Patch, Query, RequestMeta, Routes};
use crate::store::{Batch, Conn, Row, from_row, single};
use crate::validate::Check;

const ENTITY: &str = "sequence";

/// The most steps a sequence may have.
pub const MAX_STEPS: usize = 20;
/// LinkedIn's limit on a connection request's note.
pub const CONNECT_NOTE_MAX: usize = 300;

/// The sequences' routes (in the outreach family).
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/sequences", Signed(ManageSequences), handler!(create))
        .get("/api/v1/sequences", Signed(ReadData), handler!(list))
        .get("/api/v1/sequences/{id}", Signed(ReadData), handler!(get))
        .patch("/api/v1/sequences/{id}", Signed(ManageSequences), handler!(update))
        .delete("/api/v1/sequences/{id}", Signed(ManageSequences), handler!(delete))
}

/// A sequence's lifecycle: active, paused and archived, each reachable from the others (an
/// archived sequence can be brought back).
impl Lifecycle for SequenceStatus {
    const RECORD: &'static str = "a sequence";

    fn next_statuses(self) -> &'static [Self] {
        use SequenceStatus::*;
        match self {
            Active => &[Paused, Archived],
            Paused => &[Active, Archived],
            Archived => &[Active, Paused],
        }
    }
}

/// One step of a sequence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Step {
    /// Its id (keep it in a PATCH to edit the step in place).
    pub id: String,
    /// 1, 2, 3 ...
    pub position: i64,
    /// Days after enrollment, in the contact's time zone.
    pub day_offset: i64,
    /// email, linkedin or call (follows from `kind`).
    pub channel: Channel,
    /// email, linkedin_connect, linkedin_message or call.
    pub kind: StepKind,
    /// The subject template (email only).
    pub subject: Option<String>,
    /// The message (or call script) template, with merge fields such as `{{first_name}}`.
    pub template: String,
    /// The last, polite "closing the file" message.
    pub is_break_up: bool,
}

/// How many contacts are in a sequence, by enrollment status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct Enrolled {
    pub active: i64,
    pub paused: i64,
    pub completed: i64,
    pub exited: i64,
}

/// A sequence with its steps.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Sequence {
    /// Its id.
    pub id: String,
    /// Unique.
    pub name: String,
    /// What it is for.
    pub description: Option<String>,
    /// active, paused (no step fires) or archived.
    pub status: SequenceStatus,
    /// Drafts that pass the reviewer with no flags are approved without a person.
    pub autopilot: bool,
    /// Who made it.
    pub owner_id: Option<String>,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// Its contacts by enrollment status.
    pub enrolled: Enrolled,
    /// When it was made.
    pub created_at: String,
    /// Its last change.
    pub updated_at: String,
}

macro_rules! sequence_columns {
    () => {
        "s.id, s.name, s.description, s.status, s.autopilot, s.owner_id, s.created_at, s.updated_at, \
         (SELECT json_group_array(json_object('id', t.id, 'position', t.position, 'day_offset', t.day_offset, \
            'channel', t.channel, 'kind', t.kind, 'subject', t.subject_template, 'template', t.body_template, \
            'is_break_up', json(CASE t.is_break_up WHEN 1 THEN 'true' ELSE 'false' END))) \
          FROM (SELECT * FROM sequence_steps WHERE sequence_id = s.id ORDER BY position) t) AS steps, \
         (SELECT json_object('active', count(*) FILTER (WHERE status = 'active'), \
            'paused', count(*) FILTER (WHERE status = 'paused'), 'completed', count(*) FILTER (WHERE status = 'completed'), \
            'exited', count(*) FILTER (WHERE status = 'exited')) FROM enrollments WHERE sequence_id = s.id) AS enrolled"
    };
}

/// A row of `sequence_columns`: a sequence with its steps and enrollment counts as JSON.
#[derive(Deserialize)]
struct SequenceRow {
    id: String,
    name: String,
    description: Option<String>,
    status: SequenceStatus,
    autopilot: bool,
    owner_id: Option<String>,
    created_at: String,
    updated_at: String,
    #[serde(deserialize_with = "crate::store::json")]
    steps: Vec<Step>,
    #[serde(deserialize_with = "crate::store::json")]
    enrolled: Enrolled,
}

impl From<SequenceRow> for Sequence {
    fn from(row: SequenceRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            description: row.description,
            status: row.status,
            autopilot: row.autopilot,
            owner_id: row.owner_id,
            steps: row.steps,
            enrolled: row.enrolled,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

fn decode(row: &Row) -> AppResult<Sequence> {
    from_row::<SequenceRow>(row).map(Sequence::from)
}

/// One sequence with its steps (one call).
pub async fn load(conn: &Conn, id: &str) -> AppResult<Sequence> {
    conn.query_one(ENTITY, concat!("SELECT ", sequence_columns!(), " FROM sequences s WHERE s.id = ?1"), [id], decode)
        .await
}

/// A step as a client sends it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepInput {
    /// An existing step's id, to edit it in place (PATCH).
    #[serde(default)]
    pub id: Option<String>,
    /// Days after enrollment (0-365), never before the previous step's.
    pub day_offset: i64,
    /// email, linkedin_connect, linkedin_message or call.
    pub kind: StepKind,
    /// Optional; must agree with `kind`.
    #[serde(default)]
    pub channel: Option<Channel>,
    /// Required for email, absent otherwise.
    #[serde(default)]
    pub subject: Option<String>,
    /// The message or call script; merge fields `{{first_name}}`, `{{last_name}}`, `{{full_name}}`,
    /// `{{title}}`, `{{company}}`, `{{signal}}`, `{{sender_name}}`, `{{sender_first_name}}`.
    pub template: String,
    /// Only the last step may be the break-up.
    #[serde(default)]
    pub is_break_up: bool,
}

/// `POST /api/v1/sequences`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSequence {
    /// Unique, 1-200 characters.
    pub name: String,
    /// What it is for.
    #[serde(default)]
    pub description: Option<String>,
    /// active (the default) or paused.
    #[serde(default)]
    pub status: Option<SequenceStatus>,
    /// 1-20 steps, in order.
    pub steps: Vec<StepInput>,
}

/// `PATCH /api/v1/sequences/{id}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchSequence {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    #[allow(missing_docs)]
    pub name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    #[allow(missing_docs)]
    pub description: Patch<String>,
    /// active, paused or archived.
    #[serde(default)]
    pub status: Option<SequenceStatus>,
    /// Drafts that pass the reviewer are approved without a person; audited.
    #[serde(default)]
    pub autopilot: Option<bool>,
    /// The whole list of steps: keep an existing step's `id` to edit it in place.
    #[serde(default)]
    pub steps: Option<Vec<StepInput>>,
}

/// A checked step, with its id (new or kept).
#[derive(Debug, Clone, PartialEq, Eq)]
struct CheckedStep {
    id: String,
    existing: bool,
    day_offset: i64,
    kind: StepKind,
    subject: Option<String>,
    template: String,
    is_break_up: bool,
}

fn channel_of(kind: StepKind) -> Channel {
    match kind {
        StepKind::Email => Channel::Email,
        StepKind::Call => Channel::Call,
        StepKind::LinkedinConnect | StepKind::LinkedinMessage => Channel::Linkedin,
    }
}

impl Check {
    fn steps(&mut self, steps: Vec<StepInput>, existing: &[Step]) -> Vec<CheckedStep> {
        if steps.is_empty() || steps.len() > MAX_STEPS {
            self.fail("steps", "range", format!("a sequence has 1 to {MAX_STEPS} steps"));
        }
        let last = steps.len().saturating_sub(1);
        let mut previous = 0;
        let mut out = Vec::with_capacity(steps.len());
        for (i, step) in steps.into_iter().enumerate() {
            let at = |field: &str| format!("steps[{i}].{field}");
            let existing_step = match step.id.as_deref() {
                None => None,
                Some(id) => match existing.iter().find(|s| s.id == id) {
                    Some(found) => Some(found),
                    None => {
                        self.fail(&at("id"), "exists", "not a step of this sequence; leave id out for a new step");
                        None
                    }
                },
            };
            if !(0..=365).contains(&step.day_offset) {
                self.fail(&at("day_offset"), "range", "must be from 0 to 365 days");
            } else if step.day_offset < previous {
                self.fail(&at("day_offset"), "order", format!("must not be before the previous step's ({previous})"));
            } else {
                previous = step.day_offset;
            }
            if step.channel.is_some_and(|c| c != channel_of(step.kind)) {
                self.fail(&at("channel"), "kind", format!("a {} step is on {}", step.kind, channel_of(step.kind)));
            }
            let template = self.required_prose(&at("template"), step.template, 20_000);
            for field in template::unknown_fields(&template) {
                let message =
                    format!("{{{{{field}}}}} is not a merge field; use {}", template::MERGE_FIELDS.join(", "));
                self.fail(&at("template"), "merge_field", message);
            }
            if step.kind == StepKind::LinkedinConnect && template.chars().count() > CONNECT_NOTE_MAX {
                let message = format!("a connection note is at most {CONNECT_NOTE_MAX} characters on LinkedIn");
                self.fail(&at("template"), "max_length", message);
            }
            let subject = match step.kind {
                StepKind::Email => {
                    let subject = self.text(&at("subject"), step.subject, 500);
                    if subject.is_none() && !self.failed(&at("subject")) {
                        self.fail(&at("subject"), "required", "an email step needs a subject");
                    }
                    for field in subject.as_deref().map(template::unknown_fields).unwrap_or_default() {
                        self.fail(&at("subject"), "merge_field", format!("{{{{{field}}}}} is not a merge field"));
                    }
                    subject
                }
                _ => {
                    if step.subject.as_deref().is_some_and(|s| !s.trim().is_empty()) {
                        self.fail(&at("subject"), "not_allowed", "only email steps have a subject");
                    }
                    None
                }
            };
            if step.is_break_up && i != last {
                self.fail(&at("is_break_up"), "last", "only the last step can be the break-up");
            }
            out.push(CheckedStep {
                id: existing_step.map_or_else(new_id, |s| s.id.clone()),
                existing: existing_step.is_some(),
                day_offset: step.day_offset,
                kind: step.kind,
                subject,
                template,
                is_break_up: step.is_break_up,
            });
        }
        out
    }
}

/// While contacts are in the sequence, the steps they are walking must stay where they are: the
/// new list starts with the existing steps, in order and of the same kind.
fn check_live_edit(live: i64, existing: &[Step], steps: &[CheckedStep]) -> AppResult<()> {
    let keeps = existing.len() <= steps.len()
        && existing.iter().zip(steps).all(|(old, new)| new.existing && old.id == new.id && old.kind == new.kind);
    if live == 0 || keeps {
        return Ok(());
    }
    let message = format!(
        "{live} contact{} in this sequence: its steps can be edited and new ones added at the end, but not removed, \
         reordered or changed to another kind; archive it and create a new one instead",
        if live == 1 { " is" } else { "s are" }
    );
    Err(AppError::refused("steps", "in_use", message))
}

/// The steps as they are stored: each at its place in the list, on its kind's channel.
fn planned(steps: &[CheckedStep]) -> Vec<Step> {
    steps
        .iter()
        .zip(1..)
        .map(|(s, position)| Step {
            id: s.id.clone(),
            position,
            day_offset: s.day_offset,
            channel: channel_of(s.kind),
            kind: s.kind,
            subject: s.subject.clone(),
            template: s.template.clone(),
            is_break_up: s.is_break_up,
        })
        .collect()
}

/// Adds to `batch` the writing of the steps: those left out are removed, the others placed at
/// their new positions (moved out of the way first, as positions are unique).
fn write_steps(batch: &mut Batch, sequence_id: &str, steps: &[CheckedStep], at: &str) -> AppResult<()> {
    let json = serde_json::to_string(&planned(steps)).map_err(|e| AppError::Internal(e.into()))?;
    batch.push(
        "DELETE FROM sequence_steps WHERE sequence_id = ?1 AND id NOT IN (SELECT value ->> 'id' FROM json_each(?2))",
        libsql::params![sequence_id, json.as_str()],
    )?;
    batch.push("UPDATE sequence_steps SET position = position + 10000 WHERE sequence_id = ?1", [sequence_id])?;
    batch.push(
        "INSERT INTO sequence_steps (id, sequence_id, position, day_offset, channel, kind, subject_template, body_template, \
         is_break_up, created_at, updated_at) \
         SELECT value ->> 'id', ?1, value ->> 'position', value ->> 'day_offset', value ->> 'channel', value ->> 'kind', \
         value ->> 'subject', value ->> 'template', value ->> 'is_break_up', ?3, ?3 FROM json_each(?2) WHERE true \
         ON CONFLICT (id) DO UPDATE SET position = excluded.position, day_offset = excluded.day_offset, \
         channel = excluded.channel, kind = excluded.kind, subject_template = excluded.subject_template, \
         body_template = excluded.body_template, is_break_up = excluded.is_break_up, updated_at = excluded.updated_at",
        libsql::params![sequence_id, json.as_str(), at],
    )?;
    Ok(())
}

/// What the audit log keeps of a sequence.
fn audit_view(
    name: &str,
    description: Option<&str>,
    status: SequenceStatus,
    autopilot: bool,
    steps: &[Step],
) -> serde_json::Value {
    serde_json::json!({"name": name, "description": description, "status": status, "autopilot": autopilot,
        "steps": steps})
}

/// The statement that reads a sequence back in a batch.
const SELECT_ONE: &str = concat!("SELECT ", sequence_columns!(), " FROM sequences s WHERE s.id = ?1");

async fn name_taken(conn: &Conn, err: AppError, name: &str) -> AppError {
    match err {
        AppError::Conflict { ref fields, .. } if fields.iter().any(|f| f.field == "name") => {
            let existing = conn
                .query_opt("SELECT id FROM sequences WHERE name = ?1", [name], single::<String>)
                .await
                .ok()
                .flatten();
            let message = format!("a sequence named {name:?} already exists");
            AppError::Conflict {
                fields: vec![FieldError::new("name", "unique", message.clone())],
                message,
                conflicts_with: existing.map(|id| EntityRef { entity: ENTITY, id }),
            }
        }
        other => other,
    }
}

fn sequence_id(req: &Request<Bytes>) -> AppResult<String> {
    http::path_uuid(req, "id", ENTITY)
}

/// Create a sequence with its steps (managers and admins).
#[utoipa::path(post, path = "/api/v1/sequences", tag = "sequences", request_body = CreateSequence,
    responses((status = 201, body = Sequence), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn create(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let body: CreateSequence = http::body_json(&req)?;
    let mut c = Check::default();
    let name = c.required("name", body.name, 200);
    let description = c.prose("description", body.description, 5000);
    let status = body.status.unwrap_or(SequenceStatus::Active);
    if status == SequenceStatus::Archived {
        c.fail("status", "one_of", "a new sequence is active or paused");
    }
    let steps = c.steps(body.steps, &[]);
    c.finish(())?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let conn = ctx.conn().await?;
    let id = new_id();
    let at = now();
    let mut batch = Batch::new();
    batch.push(
        "INSERT INTO sequences (id, name, description, status, autopilot, owner_id, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?6)",
        libsql::params![
            id.as_str(),
            name.as_str(),
            description.as_deref(),
            status.as_str(),
            principal.user_id.as_str(),
            at.as_str()
        ],
    )?;
    write_steps(&mut batch, &id, &steps, &at)?;
    let created = batch.push(SELECT_ONE, [id.as_str()])?;
    let view = audit_view(&name, description.as_deref(), status, false, &planned(&steps));
    audit::record_with_in(&mut batch, &actor, "sequence.create", ENTITY, &id, None, Some(&view), None)?;
    let result = conn.batch(batch).await.and_then(|outcome| outcome.one(ENTITY, created, decode));
    let sequence = match result {
        Ok(sequence) => sequence,
        Err(err) => return Err(name_taken(&conn, err, &name).await),
    };
    http::created(&format!("/api/v1/sequences/{id}"), &sequence)
}

/// Sequences by name, with their steps and how many contacts are in each.
#[utoipa::path(get, path = "/api/v1/sequences", tag = "sequences",
    params(("status" = Option<crate::domain::enums::SequenceStatus>, Query),
        crate::http::PageLimit, crate::http::PageCursor),
    responses((status = 200, body = Page<Sequence>), (status = 422, body = ErrorResponse)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let mut q = Query::of(&req);
    let status = q
        .one("status")
        .map(|s| s.parse::<SequenceStatus>().map_err(|e| AppError::invalid("status", "one_of", e.to_string())))
        .transpose()?;
    let limit = http::limit(&mut q)?;
    let after: Option<(String, String)> = http::cursor(&mut q)?;
    q.finish()?;
    let (after_name, after_id) = after.map_or((None, None), |(n, i)| (Some(n), Some(i)));
    let rows = ctx
        .conn()
        .await?
        .query_all(
            concat!(
                "SELECT ",
                sequence_columns!(),
                " FROM sequences s WHERE (?1 IS NULL OR s.status = ?1) \
                 AND (?2 IS NULL OR (s.name, s.id) > (?2, ?3)) ORDER BY s.name, s.id LIMIT ?4"
            ),
            libsql::params![status.map(SequenceStatus::as_str), after_name, after_id, i64::from(limit) + 1],
            decode,
        )
        .await?;
    http::ok(&Page::from_rows(rows, limit, |s| (s.name.clone(), s.id.clone()))?)
}

/// One sequence.
#[utoipa::path(get, path = "/api/v1/sequences/{id}", tag = "sequences", params(("id" = String, Path)),
    responses((status = 200, body = Sequence), (status = 404, body = ErrorResponse)))]
pub(crate) async fn get(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    http::ok(&load(&ctx.conn().await?, &sequence_id(&req)?).await?)
}

/// Change a sequence (managers and admins, like every change to sequences). `steps` replaces
/// the list (keep a step's `id` to edit it in place); while contacts are in the sequence, steps
/// can be edited and added at the end only. Switching autopilot is audited as such.
#[utoipa::path(patch, path = "/api/v1/sequences/{id}", tag = "sequences", request_body = PatchSequence, params(("id" = String, Path)),
    responses((status = 200, body = Sequence), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn update(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = sequence_id(&req)?;
    let body: PatchSequence = http::body_json(&req)?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let conn = ctx.conn().await?;
    let at = now();
    let mut name_sent = None;
    let result = conn
        .read_then_write(async |conn| {
            let before = load(conn, &id).await?;
            let moved = before.status.check_move(body.status)?;
            let mut c = Check::default();
            let name = match body.name {
                Patch::Absent => None,
                Patch::Null => {
                    c.fail("name", "required", "a sequence needs a name");
                    None
                }
                Patch::Value(name) => Some(c.required("name", name, 200)),
            };
            name_sent.clone_from(&name);
            let description = crate::validate::patched(body.description, |d| c.prose("description", d, 5000));
            let steps = body.steps.map(|steps| c.steps(steps, &before.steps));
            c.finish(())?;
            let mut batch = Batch::new();
            if let Some(steps) = &steps {
                let live = before.enrolled.active + before.enrolled.paused;
                check_live_edit(live, &before.steps, steps)?;
                write_steps(&mut batch, &id, steps, &at)?;
            }
            batch.push(
                "UPDATE sequences SET name = coalesce(?2, name), \
                 description = CASE WHEN ?3 THEN ?4 ELSE description END, status = coalesce(?5, status), \
                 autopilot = coalesce(?6, autopilot), updated_at = ?7 WHERE id = ?1",
                libsql::params![
                    id.as_str(),
                    name.as_deref(),
                    description.is_some(),
                    description.clone().flatten(),
                    moved.map(SequenceStatus::as_str),
                    body.autopilot,
                    at.as_str()
                ],
            )?;
            let after = batch.push(SELECT_ONE, [id.as_str()])?;
            let action = match body.autopilot {
                Some(on) if on != before.autopilot => {
                    if on {
                        "sequence.autopilot_on"
                    } else {
                        "sequence.autopilot_off"
                    }
                }
                _ => "sequence.update",
            };
            let before_view =
                audit_view(&before.name, before.description.as_deref(), before.status, before.autopilot, &before.steps);
            let after_view = audit_view(
                name.as_deref().unwrap_or(&before.name),
                description.as_ref().map_or(before.description.as_deref(), Option::as_deref),
                moved.unwrap_or(before.status),
                body.autopilot.unwrap_or(before.autopilot),
                &steps.as_deref().map_or_else(|| before.steps.clone(), planned),
            );
            audit::record_with_in(
                &mut batch,
                &actor,
                action,
                ENTITY,
                &id,
                Some(&before_view),
                Some(&after_view),
                None,
            )?;
            Ok((batch, after))
        })
        .await
        .and_then(|(outcome, after)| outcome.one(ENTITY, after, decode));
    match result {
        Ok(sequence) => http::ok(&sequence),
        Err(err) => Err(name_taken(&conn, err, name_sent.as_deref().unwrap_or_default()).await),
    }
}

/// Delete a sequence no contact was ever in (managers and admins); archive one that was.
#[utoipa::path(delete, path = "/api/v1/sequences/{id}", tag = "sequences", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub(crate) async fn delete(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = sequence_id(&req)?;
    let actor: Actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    ctx.conn()
        .await?
        .immediate(async |conn| {
            let before = load(conn, &id).await?;
            let ever =
                before.enrolled.active + before.enrolled.paused + before.enrolled.completed + before.enrolled.exited;
            if ever > 0 {
                let message = format!(
                    "{ever} enrollment{} keep this sequence's history; archive it instead",
                    if ever == 1 { "" } else { "s" }
                );
                return Err(AppError::refused("id", "in_use", message));
            }
            conn.write("DELETE FROM sequences WHERE id = ?1", [id.as_str()]).await?;
            let view =
                audit_view(&before.name, before.description.as_deref(), before.status, before.autopilot, &before.steps);
            audit::record_with(conn, &actor, "sequence.delete", ENTITY, &id, Some(&view), None).await
        })
        .await?;
    Ok(http::no_content())
}
