//! The accounts family (`api/accounts.rs`): the companies OCC prospects into (routes, the
//! resource and its rules) and their buying signals (`signals`).

pub(crate) mod handlers;
mod input;
pub mod list;
pub mod repo;
pub mod signals;

use serde::Serialize;

use crate::access::Access::Signed;
use crate::access::Action::{DeleteData, ReadData, WriteData};
use crate::handler;
use crate::http::Routes;

pub use input::{AccountChanges, AccountFields, CreateAccount, PatchAccount};

/// The accounts family's routes.
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/accounts", Signed(WriteData), handler!(handlers::create))
        .get("/api/v1/accounts", Signed(ReadData), handler!(handlers::list))
        .get("/api/v1/accounts/{id}", Signed(ReadData), handler!(handlers::get))
        .patch("/api/v1/accounts/{id}", Signed(WriteData), handler!(handlers::update))
        .delete("/api/v1/accounts/{id}", Signed(DeleteData), handler!(handlers::delete))
        .merge(signals::routes())
}

/// An account as the API answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Account {
    /// UUIDv7.
    pub id: String,
    /// The company's name.
    pub name: String,
    /// Normalised domain (`acme.com`), unique.
    pub domain: Option<String>,
    /// Industry, free text (`Fintech`).
    pub industry: Option<String>,
    /// Sub-industry (`Payments`).
    pub sub_industry: Option<String>,
    /// Head count.
    pub employee_count: Option<i64>,
    /// Country.
    pub country: Option<String>,
    /// IANA time zone, the default for its contacts.
    pub timezone: Option<String>,
    /// Website URL.
    pub website: Option<String>,
    /// LinkedIn company page.
    pub linkedin_url: Option<String>,
    /// Technologies the company uses.
    pub tech_stack: Vec<String>,
    /// Free-form notes.
    pub notes: Option<String>,
    /// When it was created.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
}
