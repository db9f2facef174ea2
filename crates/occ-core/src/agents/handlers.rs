//! `POST /api/v1/agents/{agent}/run`: one run of one agent on one record, answered with the run.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Deserialize;

use super::run::{self, Runner};
use super::{Options, Target, TargetKind, with_agent};
use crate::access::Principal;
use crate::domain::enums::{AgentKind, Channel};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};
use crate::validate::Check;

/// The most characters of pasted text an agent reads.
pub const TEXT_LIMIT: usize = 20_000;

/// `POST /api/v1/agents/{agent}/run`: exactly one record to work on, and what the agent needs.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunAgent {
    /// A contact (every agent but the reply classifier, the reviewer and the experiment analyst).
    #[serde(default)]
    pub contact_id: Option<String>,
    /// An account (the researcher, the signal scout).
    #[serde(default)]
    pub account_id: Option<String>,
    /// A reply (the reply classifier).
    #[serde(default)]
    pub reply_id: Option<String>,
    /// A draft (the reviewer).
    #[serde(default)]
    pub draft_id: Option<String>,
    /// An experiment (the experiment analyst).
    #[serde(default)]
    pub experiment_id: Option<String>,
    /// Text to read: the signal scout's pasted news or notes (at most 20,000 characters).
    #[serde(default)]
    pub text: Option<String>,
    /// The channel to write for (the drafter; email by default).
    #[serde(default)]
    pub channel: Option<Channel>,
}

impl RunAgent {
    /// The one record named, checked; a 422 names the field.
    fn target(&self, c: &mut Check) -> Option<Target> {
        let named: Vec<(&'static str, TargetKind, &String)> = [
            ("contact_id", TargetKind::Contact, &self.contact_id),
            ("account_id", TargetKind::Account, &self.account_id),
            ("reply_id", TargetKind::Reply, &self.reply_id),
            ("draft_id", TargetKind::Draft, &self.draft_id),
            ("experiment_id", TargetKind::Experiment, &self.experiment_id),
        ]
        .into_iter()
        .filter_map(|(field, kind, id)| id.as_ref().map(|id| (field, kind, id)))
        .collect();
        match named.as_slice() {
            [(field, kind, id)] => match uuid::Uuid::try_parse(id.trim()) {
                Ok(id) => Some(Target { kind: *kind, id: id.to_string() }),
                Err(_) => {
                    c.fail(field, "format", "must be an id");
                    None
                }
            },
            [] => {
                c.fail(
                    "target",
                    "required",
                    "name one record: contact_id, account_id, reply_id, draft_id or experiment_id",
                );
                None
            }
            _ => {
                c.fail("target", "one_of", "name exactly one record to work on");
                None
            }
        }
    }
}

/// Run one agent on one record: the model answers when one is configured and within the day's
/// budget, the agent's fallback otherwise; what the answer changes follows the rules a person
/// follows (a draft waits in Review). A bdr runs agents on the contacts it may edit.
#[utoipa::path(post, path = "/api/v1/agents/{agent}/run", tag = "agents", request_body = RunAgent,
    params(("agent" = crate::domain::enums::AgentKind, Path)),
    responses((status = 201, body = super::AgentRun), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 422, body = ErrorResponse)))]
pub(crate) async fn run_one(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let kind: AgentKind = http::path_id(&req, "agent", "agent", |t| t.parse().ok())?;
    let body: RunAgent = http::body_json(&req)?;
    let mut c = Check::default();
    let target = body.target(&mut c);
    let text = c.prose("text", body.text, TEXT_LIMIT);
    c.finish(())?;
    let target = target.ok_or_else(|| AppError::invalid("target", "required", "name one record"))?;
    let options = Options { text, channel: body.channel };
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let conn = ctx.conn().await?;
    let runner = Runner::Person(principal, &actor);
    let run = with_agent!(kind, A => run::run::<A>(ctx, &conn, runner, &target, &options, None).await?,
        otherwise => return Err(AppError::Unavailable(format!("the {kind} is not available yet"))));
    http::created(&format!("/api/v1/agent-runs/{}", run.id), &run)
}
