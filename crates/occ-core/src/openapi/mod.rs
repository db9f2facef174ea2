//! The OpenAPI description of the API, served at `/api/v1/openapi.json`. Every route is listed
//! here; a test checks that none of the routers' routes is missing. What follows from the route
//! table (who may call a route, the errors the shared pipeline gives) is added by
//! [`routes::FromRoutes`], so the annotations only describe their own handler.

mod routes;
#[cfg(test)]
mod tests;

use utoipa::OpenApi;

use crate::error::{EntityRef, ErrorDetail, ErrorResponse, FieldError};
use routes::FromRoutes;

#[derive(OpenApi)]
#[openapi(
    info(title = "OCC API", description = "The Outreach Command Center's HTTP API. Errors share one envelope; lists are `{items, next_cursor}`. \
        Every route but health, openapi.json and login needs a session cookie (with X-CSRF-Token on changes) or `Authorization: Bearer <API token>`."),
    modifiers(&SecuritySchemes, &FromRoutes),
    security(("bearer" = []), ("session" = [])),
    paths(
        crate::health::health,
        crate::health::openapi,
        crate::accounts::handlers::create,
        crate::accounts::handlers::list,
        crate::accounts::handlers::get,
        crate::accounts::handlers::update,
        crate::accounts::handlers::delete,
        crate::auth::session::login,
        crate::auth::session::logout,
        crate::auth::session::me,
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
        crate::audit::list::list,
        crate::contacts::handlers::create,
        crate::contacts::handlers::list,
        crate::contacts::handlers::get,
        crate::contacts::handlers::update,
        crate::contacts::handlers::delete,
        crate::contacts::actions::move_stage,
        crate::contacts::actions::bulk_update,
        crate::contacts::erase::erase,
        crate::contacts::handlers::score_history,
        crate::signals::create,
        crate::signals::list,
        crate::signals::delete,
        crate::settings::get_icp,
        crate::settings::put_icp,
        crate::settings::rescore_progress,
        crate::settings::rescore,
        crate::export::export_contacts,
        crate::export::export_accounts,
        crate::imports::create,
        crate::imports::list,
        crate::imports::get,
        crate::imports::update,
        crate::imports::put_chunk,
        crate::imports::run,
        crate::imports::rows,
        crate::imports::import_now,
        crate::sequences::create,
        crate::sequences::list,
        crate::sequences::get,
        crate::sequences::update,
        crate::sequences::delete,
        crate::enrollments::enroll,
        crate::enrollments::list,
        crate::enrollments::get,
        crate::enrollments::pause,
        crate::enrollments::resume,
        crate::enrollments::exit,
        crate::drafts::create,
        crate::drafts::list,
        crate::drafts::get,
        crate::drafts::update,
        crate::drafts::submit,
        crate::drafts::approve,
        crate::drafts::reject,
        crate::drafts::archive,
        crate::drafts::bulk,
        crate::replies::create,
        crate::replies::list,
        crate::replies::get,
        crate::replies::correct,
        crate::followups::create,
        crate::followups::list,
        crate::followups::update,
        crate::opportunities::create,
        crate::opportunities::list,
        crate::opportunities::get,
        crate::opportunities::update,
        crate::touchpoints::create,
        crate::touchpoints::list,
        crate::touchpoints::resolve,
        crate::sending::now::send_now,
        crate::linkedin::record,
        crate::linkedin::stats,
        crate::batches::create,
        crate::batches::list,
        crate::batches::get,
        crate::batches::update,
        crate::batches::members,
        crate::batches::add_members,
        crate::batches::remove_members,
        crate::contacts::pipeline::board,
        crate::queue::list,
        crate::queue::actions::done,
        crate::queue::actions::skip,
        crate::queue::actions::snooze,
        crate::prep::card,
        crate::identities::create,
        crate::identities::list,
        crate::identities::get,
        crate::identities::update,
        crate::identities::delete,
        crate::sender::test_send,
        crate::suppression::create,
        crate::suppression::import,
        crate::suppression::list,
        crate::suppression::delete,
        crate::unsubscribe::page,
        crate::unsubscribe::confirm,
        crate::webhooks::receive,
        crate::settings::pacing::get,
        crate::settings::pacing::put,
        crate::settings::pacing::today,
        crate::cron::run,
    ),
    // Types that only parameters name are listed here: utoipa collects what bodies name.
    components(schemas(
        ErrorResponse,
        ErrorDetail,
        FieldError,
        EntityRef,
        crate::imports::step::Outcome,
        crate::imports::step::PhaseKind
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

/// Declares the two ways to sign in, and the cron route's own secret.
struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components
            .add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("occ_session"))));
        components.add_security_scheme(
            "cron",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("`Authorization: Bearer $CRON_SECRET`, as Vercel Cron sends it"))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = crate::VERSION.to_owned();
    doc
}
