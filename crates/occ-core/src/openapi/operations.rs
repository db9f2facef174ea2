//! Completes the description from the route table: who may call each operation, and the errors
//! that every route of its kind can answer because the shared pipeline and extractors give them
//! (`http::handle`, `http::body_json`, `http::Query`, `http::path_id`). The `#[utoipa::path]`
//! annotations then list only what is particular to their handler; an annotation that already
//! documents a status keeps its own description.

use http::Method;
use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::{Content, Object, OpenApi, Ref, RefOr, Type};

use crate::access::Access;
use crate::http::Routes;

/// Routes that answer without the database, so never with its 503.
const NO_DATABASE: &[&str] = &["/api/v1/openapi.json"];

/// An error every route of some kind can answer: its status, the name of the shared response
/// in `components.responses`, and what it means.
struct Shared {
    status: &'static str,
    name: &'static str,
    description: &'static str,
}

const BAD_REQUEST: Shared = Shared {
    status: "400",
    name: "BadRequest",
    description: "The body could not be read: not JSON, malformed, or sent without content-type: application/json",
};
const UNAUTHORIZED: Shared =
    Shared { status: "401", name: "Unauthorized", description: "No valid session cookie or API token" };
const FORBIDDEN: Shared = Shared {
    status: "403",
    name: "Forbidden",
    description: "Signed in, but the role or the token's scopes do not allow this, or a cookie session sent no valid X-CSRF-Token",
};
const NOT_FOUND: Shared =
    Shared { status: "404", name: "NotFound", description: "No such record (a malformed id names none either)" };
const REQUEST_TIMEOUT: Shared = Shared {
    status: "408",
    name: "RequestTimeout",
    description: "The body did not arrive in time (the server waits 30 seconds for it)",
};
const PAYLOAD_TOO_LARGE: Shared =
    Shared { status: "413", name: "PayloadTooLarge", description: "The body is larger than this route accepts" };
const VALIDATION_FAILED: Shared = Shared {
    status: "422",
    name: "ValidationFailed",
    description: "A field or parameter breaks a rule, or is unknown; `fields` names each one",
};
const RATE_LIMITED: Shared =
    Shared { status: "429", name: "RateLimited", description: "Too many requests; Retry-After says when to try again" };
const UNAVAILABLE: Shared = Shared {
    status: "503",
    name: "Unavailable",
    description: "The database is unreachable, busy with other writers for too long (with Retry-After), or its schema is behind this build, or a feature's setting is missing",
};

/// Every shared response, for `components.responses`.
const ALL: &[Shared] = &[
    BAD_REQUEST,
    UNAUTHORIZED,
    FORBIDDEN,
    NOT_FOUND,
    REQUEST_TIMEOUT,
    PAYLOAD_TOO_LARGE,
    VALIDATION_FAILED,
    RATE_LIMITED,
    UNAVAILABLE,
];

/// Adds the shared responses to `components`, and completes every operation that `routes` serves.
pub(super) fn complete_all(openapi: &mut OpenApi, routes: &Routes) {
    let components = openapi.components.get_or_insert_with(Default::default);
    for shared in ALL {
        components.responses.insert(shared.name.to_owned(), RefOr::T(shared_response(shared)));
    }
    for (method, pattern, access) in routes.operations() {
        // A route missing from the description is caught by a test, not here.
        let Some(operation) = openapi.paths.paths.get_mut(pattern).and_then(|item| operation_mut(item, &method)) else {
            continue;
        };
        complete(operation, pattern, access);
    }
}

/// The operation of `item` for `method`.
fn operation_mut<'a>(item: &'a mut PathItem, method: &Method) -> Option<&'a mut Operation> {
    match method.as_str() {
        "GET" => item.get.as_mut(),
        "POST" => item.post.as_mut(),
        "PUT" => item.put.as_mut(),
        "PATCH" => item.patch.as_mut(),
        "DELETE" => item.delete.as_mut(),
        _ => None,
    }
}

fn complete(operation: &mut Operation, pattern: &str, access: Access) {
    // utoipa names an operation after its function (`list`, `create`), which many share; the
    // id must be unique, so it is prefixed with the operation's tag (`accounts_list`).
    if let (Some(tag), Some(id)) = (operation.tags.as_ref().and_then(|t| t.first()), operation.operation_id.as_mut()) {
        *id = format!("{tag}_{id}");
    }
    let takes_body = operation.request_body.is_some();
    let takes_query =
        operation.parameters.iter().flatten().any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Query));
    let mut add = |shared: &Shared| {
        let reference = || RefOr::Ref(Ref::new(format!("#/components/responses/{}", shared.name)));
        operation.responses.responses.entry(shared.status.to_owned()).or_insert_with(reference);
    };
    match access {
        Access::Public => {
            // The routes that authenticate in their own way (the cron secret) say so in their
            // annotation; the others need nothing, which `[]` says (`[{}]` would mean optional).
            let own_scheme = operation.security.iter().flatten().any(|r| {
                serde_json::to_value(r).ok().and_then(|v| v.as_object().map(|o| !o.is_empty())).unwrap_or(false)
            });
            if !own_scheme {
                operation.security = Some(Vec::new());
            }
        }
        Access::Signed(_) => {
            add(&UNAUTHORIZED);
            add(&FORBIDDEN);
            add(&RATE_LIMITED);
        }
    }
    if takes_body {
        add(&BAD_REQUEST);
        add(&REQUEST_TIMEOUT);
        add(&PAYLOAD_TOO_LARGE);
    }
    if takes_body || takes_query {
        add(&VALIDATION_FAILED);
    }
    if pattern.contains('{') {
        add(&NOT_FOUND);
    }
    if !NO_DATABASE.contains(&pattern) {
        add(&UNAVAILABLE);
    }
    // What the annotation lists itself keeps its words, and gets what every response of its
    // status has: a description, the envelope on an error, Retry-After on a 429, Location on
    // a 201.
    for (status, response) in &mut operation.responses.responses {
        let RefOr::T(response) = response else { continue };
        if response.description.is_empty() {
            let shared = ALL.iter().find(|s| s.status == status);
            response.description = shared.map_or_else(|| default_description(status), |s| s.description).to_owned();
        }
        if status.starts_with(['4', '5']) && response.content.is_empty() {
            response.content.insert("application/json".to_owned(), RefOr::T(envelope()));
        }
        let header = match status.as_str() {
            "429" => Some(("Retry-After", retry_after())),
            "201" => Some(("Location", location())),
            _ => None,
        };
        if let Some((name, header)) = header {
            response.headers.entry(name.to_owned()).or_insert(RefOr::T(header));
        }
    }
}

/// A description for a status the annotation gave none.
fn default_description(status: &str) -> &'static str {
    match status {
        "200" => "Done",
        "201" => "Created; Location names it",
        "204" => "Done; no content",
        "401" => "Not signed in, or the credentials presented are wrong",
        "409" => "The change conflicts with the record's state or with another record",
        _ => "See the error's code and message",
    }
}

fn envelope() -> Content {
    Content::new(Some(Ref::from_schema_name("ErrorResponse")))
}

fn shared_response(shared: &Shared) -> Response {
    let mut builder = ResponseBuilder::new().description(shared.description).content("application/json", envelope());
    if shared.status == RATE_LIMITED.status {
        builder = builder.header("Retry-After", retry_after());
    }
    builder.build()
}

/// A header the response always carries. utoipa's `Header` has no `required`, the OpenAPI
/// Header Object has: it goes through the extensions map, which is written out as it is.
fn required_header(schema: Object, description: &str) -> Header {
    let mut header = HeaderBuilder::new().schema(Some(schema)).description(Some(description)).build();
    header.extensions.get_or_insert_with(Default::default).insert("required".to_owned(), true.into());
    header
}

fn retry_after() -> Header {
    required_header(Object::with_type(Type::Integer), "Seconds until a retry can succeed")
}

fn location() -> Header {
    required_header(Object::with_type(Type::String), "The path of the new record")
}
