//! The top of the core: the route table (the route families, one Vercel function each in
//! `api/`, and the routes each serves, gathered from the feature folders) and the OpenAPI
//! document that describes it, served at `/api/v1/openapi.json`. `occ serve` mounts every family.
//! Nothing below this module names it: the HTTP layer (`http`) takes a route table from whoever
//! runs it, and the generic parts of the description (`crate::openapi`) take one too.

#[cfg(test)]
mod tests;

use ::http::{Request, Response};
use bytes::Bytes;
use utoipa::OpenApi;

use crate::access::Access;
use crate::error::AppResult;
use crate::handler;
use crate::http::{self, Ctx, Routes};

/// A route family: the routes one Vercel function serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `/api/v1/health`.
    Health,
    /// `/api/v1/auth`, `/api/v1/users`, `/api/v1/tokens`.
    Auth,
    /// `/api/v1/accounts`, `/api/v1/signals`.
    Accounts,
    /// `/api/v1/contacts`, `/api/v1/import`, `/api/v1/imports`, `/api/v1/export`,
    /// `/api/v1/batches`, `/api/v1/pipeline`.
    Contacts,
    /// `/api/v1/sequences`, `/api/v1/enrollments`, `/api/v1/drafts`, `/api/v1/replies`,
    /// `/api/v1/followups`, `/api/v1/opportunities`, `/api/v1/touchpoints`, `/api/v1/linkedin`.
    Outreach,
    /// `/api/v1/identities`, `/api/v1/suppression`, `/api/v1/unsubscribe`,
    /// `/api/v1/webhooks/email`.
    Channels,
    /// `/api/v1/settings`.
    Settings,
    /// `/api/v1/audit`, `/api/v1/queue`, `/api/v1/prep`, `/api/v1/dashboard`, `/api/v1/analytics`,
    /// `/api/v1/experiments`.
    Insights,
    /// `/api/v1/agents`, `/api/v1/agent-runs`, `/api/v1/swarms`.
    Agents,
    /// `/api/cron/tick`, behind `CRON_SECRET`.
    Cron,
}

impl Family {
    /// Every family (what `occ serve` mounts).
    pub const ALL: &'static [Family] = &[
        Family::Health,
        Family::Auth,
        Family::Accounts,
        Family::Contacts,
        Family::Outreach,
        Family::Channels,
        Family::Settings,
        Family::Insights,
        Family::Agents,
        Family::Cron,
    ];

    /// The function file in `api/` that serves this family (`api/<name>.rs`).
    pub fn function_name(self) -> &'static str {
        match self {
            Family::Health => "health",
            Family::Auth => "auth",
            Family::Accounts => "accounts",
            Family::Contacts => "contacts",
            Family::Outreach => "outreach",
            Family::Channels => "channels",
            Family::Settings => "settings",
            Family::Insights => "insights",
            Family::Agents => "agents",
            Family::Cron => "cron",
        }
    }

    /// This family's route table.
    pub fn routes(self) -> Routes {
        match self {
            Family::Health => crate::health::routes().get("/api/v1/openapi.json", Access::Public, handler!(openapi)),
            Family::Auth => crate::auth::routes(),
            Family::Accounts => crate::accounts::routes(),
            Family::Contacts => crate::contacts::routes(),
            Family::Outreach => crate::outreach::routes(),
            Family::Channels => crate::channels::routes(),
            Family::Settings => crate::settings::routes(),
            Family::Insights => crate::insights::routes(),
            Family::Agents => crate::agents::routes(),
            Family::Cron => crate::cron::routes(),
        }
    }

    /// The route table of several families together.
    pub fn routes_of(families: &[Family]) -> Routes {
        families.iter().fold(Routes::new(), |all, f| all.merge(f.routes()))
    }
}

/// Every handler's annotation. Every route is listed here; a test checks that none of the route
/// table's routes is missing. What follows from the route table (who may call a route, the errors
/// the shared pipeline gives) is added by [`crate::openapi::complete`], so the annotations only
/// describe their own handler.
#[derive(OpenApi)]
#[openapi(
    info(title = "OCC API", description = "The Outreach Command Center's HTTP API. Errors share one envelope; lists are `{items, next_cursor}`, with `total` where it is exact and cheap. \
        Every route but health, openapi.json and login needs a session cookie (with X-CSRF-Token on changes) or `Authorization: Bearer <API token>`."),
    security(("bearer" = []), ("session" = [])),
    paths(
        crate::health::health,
        crate::health::llm::check,
        crate::agents::runs::stats,
        crate::agents::handlers::run_one,
        crate::agents::runs::list,
        crate::agents::runs::get,
        crate::agents::swarm::start::start_swarm,
        crate::agents::swarm::read::list_swarms,
        crate::agents::swarm::read::get_swarm,
        crate::agents::swarm::change::cancel_swarm,
        crate::agents::swarm::change::retry_failed_tasks,
        openapi,
        crate::accounts::handlers::create,
        crate::accounts::handlers::list,
        crate::accounts::handlers::get,
        crate::accounts::handlers::update,
        crate::accounts::handlers::delete,
        crate::auth::session::login,
        crate::auth::session::logout,
        crate::auth::session::me,
        crate::auth::session::state,
        crate::auth::session::change_password,
        crate::auth::session::list_sessions,
        crate::auth::session::end_other_sessions,
        crate::auth::users::list,
        crate::auth::users::get,
        crate::auth::users::create,
        crate::auth::users::update,
        crate::auth::tokens::list,
        crate::auth::tokens::create,
        crate::auth::tokens::revoke,
        crate::insights::audit::list,
        crate::insights::analytics::dashboard::dashboard,
        crate::insights::analytics::breakdown::breakdown,
        crate::insights::analytics::series::series,
        crate::contacts::handlers::create,
        crate::contacts::handlers::list,
        crate::contacts::handlers::get,
        crate::contacts::handlers::update,
        crate::contacts::handlers::delete,
        crate::contacts::actions::moves::move_stage,
        crate::contacts::actions::bulk::bulk_update,
        crate::contacts::erase::erase,
        crate::contacts::handlers::score_history,
        crate::accounts::signals::create,
        crate::accounts::signals::list,
        crate::accounts::signals::delete,
        crate::settings::get_icp,
        crate::settings::put_icp,
        crate::settings::rescore_progress,
        crate::settings::rescore,
        crate::contacts::export::export_contacts,
        crate::contacts::export::export_accounts,
        crate::contacts::imports::create::create,
        crate::contacts::imports::read::list,
        crate::contacts::imports::read::get,
        crate::contacts::imports::update::update,
        crate::contacts::imports::chunks::put_chunk,
        crate::contacts::imports::run::run,
        crate::contacts::imports::report::rows,
        crate::contacts::imports::one_request::import_now,
        crate::outreach::sequences::create::create,
        crate::outreach::sequences::read::list,
        crate::outreach::sequences::read::get,
        crate::outreach::sequences::update::update,
        crate::outreach::sequences::delete::delete,
        crate::outreach::enrollments::enroll::enroll,
        crate::outreach::enrollments::list::list,
        crate::outreach::enrollments::get,
        crate::outreach::enrollments::change::pause,
        crate::outreach::enrollments::change::resume,
        crate::outreach::enrollments::change::exit,
        crate::outreach::drafts::create::create,
        crate::outreach::drafts::list::list,
        crate::outreach::drafts::get,
        crate::outreach::drafts::update::update,
        crate::outreach::drafts::moves::submit,
        crate::outreach::drafts::moves::approve,
        crate::outreach::drafts::moves::reject,
        crate::outreach::drafts::moves::archive,
        crate::outreach::drafts::bulk::bulk,
        crate::outreach::replies::create::create,
        crate::outreach::replies::read::list,
        crate::outreach::replies::waiting::waiting,
        crate::outreach::replies::waiting::conversation,
        crate::outreach::replies::read::get,
        crate::outreach::replies::correct::correct,
        crate::outreach::followups::create,
        crate::outreach::followups::list,
        crate::outreach::followups::update,
        crate::outreach::opportunities::create::create,
        crate::outreach::opportunities::list::list,
        crate::outreach::opportunities::get,
        crate::outreach::opportunities::update::update,
        crate::outreach::touchpoints::create::create,
        crate::outreach::touchpoints::list::list,
        crate::outreach::touchpoints::resolve::resolve,
        crate::outreach::drafts::send::send_now,
        crate::outreach::linkedin::record,
        crate::outreach::linkedin::stats,
        crate::contacts::batches::create::create,
        crate::contacts::batches::read::list,
        crate::contacts::batches::read::get,
        crate::contacts::batches::update::update,
        crate::contacts::batches::members::members,
        crate::contacts::batches::membership::add_members,
        crate::contacts::batches::membership::remove_members,
        crate::contacts::pipeline::board,
        crate::insights::queue::list,
        crate::insights::queue::actions::done,
        crate::insights::queue::actions::skip,
        crate::insights::queue::actions::snooze,
        crate::insights::prep::card,
        crate::insights::experiments::create::create,
        crate::insights::experiments::read::list,
        crate::insights::experiments::read::get,
        crate::insights::experiments::read::sample_size,
        crate::insights::experiments::update::update,
        crate::insights::experiments::update::delete,
        crate::insights::experiments::actions::start,
        crate::insights::experiments::actions::pause,
        crate::insights::experiments::actions::complete,
        crate::channels::identities::create::create,
        crate::channels::identities::list,
        crate::channels::identities::get,
        crate::channels::identities::update::update,
        crate::channels::identities::delete,
        crate::channels::sender::test_send,
        crate::channels::suppression::create,
        crate::channels::suppression::import,
        crate::channels::suppression::list,
        crate::channels::suppression::delete,
        crate::channels::unsubscribe::page,
        crate::channels::unsubscribe::confirm,
        crate::channels::webhooks::receive,
        crate::settings::pacing::get,
        crate::settings::pacing::put,
        crate::channels::pacing::today,
        crate::cron::run,
    ),
    // Types that only parameters name are listed here: utoipa collects what bodies name.
    components(schemas(
        crate::error::ErrorResponse,
        crate::error::ErrorDetail,
        crate::error::FieldError,
        crate::error::EntityRef,
        crate::contacts::imports::step::Outcome,
        crate::contacts::imports::step::PhaseKind
    )),
    tags(
        (name = "health", description = "Readiness and this description"),
        (name = "accounts", description = "Companies"),
        (name = "auth", description = "Signing in and out; one's own password and sessions"),
        (name = "users", description = "Users and roles (admins)"),
        (name = "tokens", description = "API tokens for scripts"),
        (name = "audit", description = "Who changed what (managers and admins)"),
        (name = "contacts", description = "People"),
        (name = "signals", description = "Buying signals"),
        (name = "settings", description = "Team-wide, versioned settings"),
        (name = "imports", description = "CSV import of contacts with their companies"),
        (name = "sequences", description = "Cadences of steps on email, LinkedIn and calls"),
        (name = "experiments", description = "A/B tests of a sequence step's subject or body, with their results"),
        (name = "enrollments", description = "Contacts walking sequences"),
        (name = "drafts", description = "Messages written, reviewed and approved before sending"),
        (name = "replies", description = "Answers, classified, with their consequences"),
        (name = "followups", description = "Scheduled next actions"),
        (name = "opportunities", description = "Meetings and the opportunities they become"),
        (name = "touchpoints", description = "Every outbound action: tasks done, messages sent"),
        (name = "batches", description = "Prospect lists built from saved filters"),
        (name = "queue", description = "Today's work, ranked, and the prep card"),
        (name = "identities", description = "Sender mailboxes and their pacing"),
        (name = "linkedin", description = "LinkedIn worked by hand: events and numbers"),
        (name = "suppression", description = "Who and what is never contacted"),
    )
)]
struct ApiDoc;

/// The OpenAPI document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    crate::openapi::complete(&mut doc, &Family::routes_of(Family::ALL));
    doc.info.version = crate::VERSION.to_owned();
    doc
}

/// This API's OpenAPI 3.1 description.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "health",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json")))]
pub(crate) async fn openapi(_ctx: &Ctx, _req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    http::ok(&document())
}
