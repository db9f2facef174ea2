//! The agents family (`api/agents.rs`): the ten agents of SPEC.md section 3, the record of
//! their runs, and the swarms that run a pipeline of them over a batch.
//!
//! An agent is one module: a typed input read in one statement, a typed output whose JSON
//! schema is derived from its type, a versioned prompt kept beside it as a file, a deterministic
//! fallback, a check of the answer's values, and what its answer changes ([`Agent`]). One
//! function runs any of them ([`run::run`]): the model first when one is configured and the
//! day's budget allows, the fallback on any failure, and one `agent_runs` row per run written in
//! the same transaction as what the answer changes.
//!
//! What an agent writes is data for a person, under the rules a person follows: drafts wait in
//! Review, a signal is a signal, a follow-up is a task. No agent's output names a field that
//! sends, approves, lifts a suppression or changes a user, so no answer can ask for it.

pub mod handlers;
pub mod replies;
pub mod run;
pub mod runs;
pub mod swarm;

pub mod drafter;
pub mod experiment_analyst;
pub mod followup_planner;
pub mod icp_scorer;
pub mod meeting_prep;
pub mod persona_mapper;
pub mod reply_classifier;
pub mod researcher;
pub mod reviewer;
pub mod signal_scout;
mod text;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::access::Access::Signed;
use crate::access::Action::{ReadData, StartSwarms, WriteData};
use crate::audit::Actor;
use crate::domain::enums::{AgentKind, Channel};
use crate::error::AppResult;
use crate::handler;
use crate::http::Routes;
use crate::store::{Batch, Row};

pub use run::AgentRun;

/// The agents family's routes.
pub fn routes() -> Routes {
    Routes::new()
        .get("/api/v1/agents", Signed(ReadData), handler!(runs::stats))
        .post("/api/v1/agents/{agent}/run", Signed(WriteData), handler!(handlers::run_one))
        .get("/api/v1/agent-runs", Signed(ReadData), handler!(runs::list))
        .get("/api/v1/agent-runs/{id}", Signed(ReadData), handler!(runs::get))
        .post("/api/v1/swarms", Signed(StartSwarms), handler!(swarm::start::start_swarm))
        .get("/api/v1/swarms", Signed(ReadData), handler!(swarm::read::list_swarms))
        .get("/api/v1/swarms/{id}", Signed(ReadData), handler!(swarm::read::get_swarm))
        .post("/api/v1/swarms/{id}/cancel", Signed(StartSwarms), handler!(swarm::change::cancel_swarm))
        .post("/api/v1/swarms/{id}/retry-failed", Signed(StartSwarms), handler!(swarm::change::retry_failed_tasks))
}

crate::closed_enum! {
    /// The kind of record an agent run looks at.
    pub enum TargetKind {
        Contact => "contact",
        Account => "account",
        Reply => "reply",
        Draft => "draft",
        Experiment => "experiment",
    }
}

/// The record a run is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Its kind.
    pub kind: TargetKind,
    /// Its id.
    pub id: String,
}

/// What a caller may add to a run besides its target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Text to read (the signal scout's pasted news or notes). Untrusted.
    pub text: Option<String>,
    /// The channel to write for (the drafter).
    pub channel: Option<Channel>,
}

/// What an agent's read found: its input, and the facts the run needs around it.
#[derive(Debug)]
pub struct Gathered<I> {
    /// The agent's input.
    pub input: I,
    /// The owner of the contact the run is about (a bdr runs agents on what it may edit).
    pub owner_id: Option<String>,
    /// The contact the run is about, if any (its runs are erased with it).
    pub contact_id: Option<String>,
    /// The account the run is about, if any.
    pub account_id: Option<String>,
}

/// What writing an answer's consequences knows about the run.
#[derive(Debug)]
pub struct Applying<'a> {
    /// The run's id (drafts and signals name the run that made them).
    pub run_id: &'a str,
    /// The time of the run, stored spelling.
    pub at: &'a str,
    /// Who the changes are audited as.
    pub actor: &'a Actor,
    /// The contact and account the run is about.
    pub contact_id: Option<&'a str>,
    /// The account the run is about.
    pub account_id: Option<&'a str>,
    /// The record the run is about.
    pub target: &'a Target,
}

/// One agent: what it reads, asks, falls back on and changes.
pub trait Agent {
    /// Which agent this is.
    const KIND: AgentKind;
    /// The instructions (the prompt file beside the module).
    const PROMPT: &'static str;
    /// The prompt's version, stored on every run (`v1`): a changed prompt gets a new file.
    const PROMPT_VERSION: &'static str;
    /// The most tokens an answer may take.
    const MAX_TOKENS: u32 = 600;
    /// What the agent is given (stored on the run, sent to the model as data).
    type Input: Serialize + Send + Sync;
    /// What the agent answers; its schema is what the model is held to.
    type Output: Serialize + DeserializeOwned + utoipa::PartialSchema + Send;

    /// The one statement that reads the input for a target of this kind (`:id`, `:now`), or
    /// `None` when the agent does not work on this kind of record.
    fn read(kind: TargetKind) -> Option<&'static str>;

    /// The input from the read's row, with the caller's options (a 422 names a missing one).
    fn gather(row: &Row, target: &Target, options: &Options, now: &str) -> AppResult<Gathered<Self::Input>>;

    /// The answer with no model: deterministic, from the input alone.
    fn fallback(input: &Self::Input) -> Self::Output;

    /// Whether the model's answer holds values the schema cannot say (ranges, known ids);
    /// the reason when it does not, and the fallback answers instead.
    fn check(_input: &Self::Input, _output: &Self::Output) -> Result<(), String> {
        Ok(())
    }

    /// The statements that make the answer's consequences, in the run's transaction.
    fn apply(_batch: &mut Batch, _run: &Applying<'_>, _input: &Self::Input, _output: &Self::Output) -> AppResult<()> {
        Ok(())
    }
}

/// Runs `$body` with `$agent` the type of the agent `$kind`, for the agents that exist.
macro_rules! with_agent {
    ($kind:expr, $agent:ident => $body:expr, otherwise => $otherwise:expr) => {
        match $kind {
            $crate::domain::enums::AgentKind::PersonaMapper => {
                type $agent = $crate::agents::persona_mapper::PersonaMapper;
                $body
            }
            $crate::domain::enums::AgentKind::ReplyClassifier => {
                type $agent = $crate::agents::reply_classifier::ReplyClassifier;
                $body
            }
            $crate::domain::enums::AgentKind::Researcher => {
                type $agent = $crate::agents::researcher::Researcher;
                $body
            }
            $crate::domain::enums::AgentKind::SignalScout => {
                type $agent = $crate::agents::signal_scout::SignalScout;
                $body
            }
            $crate::domain::enums::AgentKind::FollowupPlanner => {
                type $agent = $crate::agents::followup_planner::FollowupPlanner;
                $body
            }
            $crate::domain::enums::AgentKind::MeetingPrep => {
                type $agent = $crate::agents::meeting_prep::MeetingPrep;
                $body
            }
            $crate::domain::enums::AgentKind::Drafter => {
                type $agent = $crate::agents::drafter::Drafter;
                $body
            }
            $crate::domain::enums::AgentKind::Reviewer => {
                type $agent = $crate::agents::reviewer::Reviewer;
                $body
            }
            $crate::domain::enums::AgentKind::IcpScorer => {
                type $agent = $crate::agents::icp_scorer::IcpScorer;
                $body
            }
            $crate::domain::enums::AgentKind::ExperimentAnalyst => {
                type $agent = $crate::agents::experiment_analyst::ExperimentAnalyst;
                $body
            }
            #[allow(unreachable_patterns)]
            _ => $otherwise,
        }
    };
}
pub(crate) use with_agent;

/// What each agent does, in one sentence (the Agents screen and the description).
pub fn describe(kind: AgentKind) -> &'static str {
    match kind {
        AgentKind::Researcher => "A brief on the contact and account from the stored facts and signals.",
        AgentKind::SignalScout => "Buying signals found in pasted text such as news or notes.",
        AgentKind::PersonaMapper => "The title read as seniority, department and persona.",
        AgentKind::IcpScorer => "The ICP score with a written rationale.",
        AgentKind::Drafter => "A draft for the channel and step, waiting in Review.",
        AgentKind::Reviewer => "The quality report of a draft; may send it back.",
        AgentKind::ReplyClassifier => "A reply's intent, confidence, return date and referral.",
        AgentKind::FollowupPlanner => "The next step and when to take it.",
        AgentKind::MeetingPrep => "The brief before a meeting.",
        AgentKind::ExperimentAnalyst => "An experiment's results read and a recommendation.",
    }
}
