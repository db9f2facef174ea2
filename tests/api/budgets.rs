//! The round trips a write may take, checked on every write every test sends: authentication
//! is one, and the request's own statements at most two more (the read its checks need, with
//! the `BEGIN`, and the writes with the `COMMIT`). The routes in [`OVER`] take more; the
//! README lists every route's budget. A route that takes fewer trips than its budget should
//! have its budget lowered with it.
//!
//! Tries again (a busy database, a stream the server forgot; `x-db-retries`) are not the
//! route's cost and are not counted.

/// Round trips besides authentication (for `login`, all of them), for the routes that take
/// more than the rule's two.
const OVER: &[(&str, &str, u32)] = &[
    // A small file: the lookups, then the writes with the commit; an upsert also rereads the
    // people it updated to score them, and a file of more than 5,000 rows takes two per step.
    ("POST", "/api/v1/import", 3),
    // The chunk, read before the lookups its rows need, then the writes with the commit.
    ("POST", "/api/v1/imports/{id}/run", 3),
    // The input's read, the day's token budget reserved before the model's call and settled
    // after it (only when a budget is set), then the run with what it changes.
    ("POST", "/api/v1/agents/{agent}/run", 4),
    // The sender's whole run for one email: the draft; interrupted sends marked, with the
    // pacing settings and the identities; the email; its reservation; the settlement after the
    // mail server's answer; the contact's stage; the touch read back.
    ("POST", "/api/v1/drafts/{id}/send", 13),
];

/// The rule: the read and the write.
const RULE: u32 = 2;

/// Routes whose checks are all in SQL: one round trip besides authentication. A score moves
/// in the statement that writes the change (`scoring::sql`).
const ONE: &[(&str, &str)] = &[
    ("POST", "/api/v1/contacts"),
    ("PATCH", "/api/v1/contacts/{id}"),
    ("POST", "/api/v1/contacts/{id}/stage"),
    ("POST", "/api/v1/accounts"),
    ("PATCH", "/api/v1/accounts/{id}"),
    ("DELETE", "/api/v1/accounts/{id}"),
    ("POST", "/api/v1/replies"),
    ("POST", "/api/v1/drafts/{id}/submit"),
    ("POST", "/api/v1/drafts/{id}/approve"),
    ("POST", "/api/v1/drafts/{id}/reject"),
    ("POST", "/api/v1/drafts/{id}/archive"),
    // The swarm, its tasks and their dependencies, with the checks of the batch or contacts.
    ("POST", "/api/v1/swarms"),
    ("POST", "/api/v1/swarms/{id}/cancel"),
    ("POST", "/api/v1/swarms/{id}/retry-failed"),
    // The experiment and its variants, with the checks of its step in SQL.
    ("POST", "/api/v1/experiments"),
];

/// Reads held to their one call besides authentication (a read that computes, as the
/// experiments' statistics, does it after the one statement), checked like the writes.
const READ_ONE: &[&str] = &["/api/v1/experiments", "/api/v1/experiments/{id}", "/api/v1/experiments/sample-size"];

/// `/api/v1/contacts/0190…` as `/api/v1/contacts/{id}`: the route a path was sent to.
pub fn route_of(path: &str) -> String {
    if let Some(agent) = path.strip_prefix("/api/v1/agents/").and_then(|rest| rest.strip_suffix("/run"))
        && agent.parse::<occ_core::domain::enums::AgentKind>().is_ok()
    {
        return "/api/v1/agents/{agent}/run".to_owned();
    }
    let is_id = |s: &str| uuid::Uuid::try_parse(s).is_ok();
    path.split('/')
        .map(|segment| {
            let segment = segment.replace("%3A", ":").replace("%3a", ":");
            if is_id(&segment) {
                return "{id}".to_owned();
            }
            if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
                return "{n}".to_owned();
            }
            if let Some((kind, id)) = segment.split_once(':')
                && is_id(id)
            {
                return format!("{kind}:{{id}}");
            }
            if let Some((id, _)) = segment.split_once('.')
                && is_id(id)
            {
                return "{id}.{signature}".to_owned();
            }
            segment
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Fails the test when a write that succeeded took more round trips than its route may.
pub fn check(method: &reqwest::Method, path: &str, status: u16, headers: &reqwest::header::HeaderMap) {
    let read = [reqwest::Method::GET, reqwest::Method::HEAD, reqwest::Method::OPTIONS].contains(method);
    if !(200..300).contains(&status) || (read && !READ_ONE.contains(&route_of(path).as_str())) {
        return;
    }
    let number = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()?.parse::<u32>().ok());
    let (Some(trips), Some(retries), Some(authentication)) =
        (number("x-db-round-trips"), number("x-db-retries"), number("x-db-auth-round-trips"))
    else {
        return;
    };
    let route = route_of(path);
    let budget = match OVER.iter().find(|(m, r, _)| *m == method.as_str() && *r == route) {
        Some((_, _, n)) => *n,
        None if read || ONE.contains(&(method.as_str(), route.as_str())) => 1,
        None => RULE,
    };
    let spent = trips.saturating_sub(retries);
    assert!(authentication <= 1, "{method} {route} took {authentication} round trips to authenticate");
    if let Ok(log) = std::env::var("OCC_TEST_ROUND_TRIPS_LOG") {
        use std::io::Write as _;
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(log).expect("round trips log");
        writeln!(file, "{method} {route} {spent}").expect("round trips log");
    }
    assert!(
        spent <= 1 + budget,
        "{method} {route} took {spent} round trips to the database: authentication and {budget} more are its budget"
    );
}
