//! What the OpenAPI description says that no single handler's annotation does: the ways to sign
//! in, and what follows from the route table (who may call each operation, and the errors the
//! shared pipeline gives; see `operations`), so that the `#[utoipa::path]` annotations describe
//! only their own handler. The document itself, every handler's annotation gathered, is put
//! together at the top, beside the route table (`crate::routes::document`).

mod operations;

use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::http::Routes;

/// Completes `doc`, which describes `routes`' handlers: the security schemes, the shared error
/// responses, and each operation's access and errors.
pub fn complete(doc: &mut OpenApi, routes: &Routes) {
    security_schemes(doc);
    operations::complete_all(doc, routes);
}

/// Declares the two ways to sign in, and the cron route's own secret.
fn security_schemes(openapi: &mut OpenApi) {
    let components = openapi.components.get_or_insert_with(Default::default);
    components
        .add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    components.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("occ_session"))));
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
