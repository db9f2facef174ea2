//! The route table, at the top of the core: the route families (one Vercel function each, in
//! `api/`) and the routes each serves, gathered from the feature modules. `occ serve` mounts
//! every family; the OpenAPI document describes them. Nothing below this module names it: the
//! HTTP layer (`http`) takes a route table from whoever runs it.

use crate::http::Routes;

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
    /// `/api/v1/audit`, `/api/v1/queue`, `/api/v1/prep` (and, as they land, dashboard and
    /// analytics).
    Insights,
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
            Family::Cron => "cron",
        }
    }

    /// This family's route table.
    pub fn routes(self) -> Routes {
        match self {
            Family::Health => crate::health::routes(),
            Family::Auth => crate::auth::routes(),
            Family::Accounts => crate::accounts::routes().merge(crate::signals::routes()),
            Family::Contacts => crate::contacts::routes()
                .merge(crate::export::routes())
                .merge(crate::imports::routes())
                .merge(crate::batches::routes()),
            Family::Outreach => crate::sequences::routes()
                .merge(crate::enrollments::routes())
                .merge(crate::drafts::routes())
                .merge(crate::replies::routes())
                .merge(crate::followups::routes())
                .merge(crate::opportunities::routes())
                .merge(crate::touchpoints::routes())
                .merge(crate::linkedin::routes()),
            Family::Channels => crate::identities::routes()
                .merge(crate::suppression::routes())
                .merge(crate::unsubscribe::routes())
                .merge(crate::webhooks::routes()),
            Family::Settings => crate::settings::routes(),
            Family::Insights => crate::audit::routes().merge(crate::queue::routes()).merge(crate::prep::routes()),
            Family::Cron => crate::cron::routes(),
        }
    }

    /// The route table of several families together.
    pub fn routes_of(families: &[Family]) -> Routes {
        families.iter().fold(Routes::new(), |all, f| all.merge(f.routes()))
    }
}
