//! The auth family: signing in and out, one's own account, users (admins) and API tokens.

pub(crate) mod session;
pub mod tokens;
pub mod users;

use crate::access::Access::{Public, Signed};
use crate::access::Action::{ManageSelf, ManageUsers, ReadSelf};
use crate::handler;
use crate::http::Routes;

pub use users::User;

/// The auth family's routes.
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/auth/login", Public, handler!(session::login))
        .post("/api/v1/auth/logout", Signed(ReadSelf), handler!(session::logout))
        .get("/api/v1/auth/me", Signed(ReadSelf), handler!(session::me))
        .get("/api/v1/auth/session", Public, handler!(session::state))
        .post("/api/v1/auth/password", Signed(ManageSelf), handler!(session::change_password))
        .get("/api/v1/auth/sessions", Signed(ReadSelf), handler!(session::list_sessions))
        .post("/api/v1/auth/sessions/end-others", Signed(ManageSelf), handler!(session::end_other_sessions))
        .get("/api/v1/users", Signed(ManageUsers), handler!(users::list))
        .post("/api/v1/users", Signed(ManageUsers), handler!(users::create))
        .get("/api/v1/users/{id}", Signed(ManageUsers), handler!(users::get))
        .patch("/api/v1/users/{id}", Signed(ManageUsers), handler!(users::update))
        .get("/api/v1/tokens", Signed(ReadSelf), handler!(tokens::list))
        .post("/api/v1/tokens", Signed(ManageSelf), handler!(tokens::create))
        .delete("/api/v1/tokens/{id}", Signed(ManageSelf), handler!(tokens::revoke))
}
