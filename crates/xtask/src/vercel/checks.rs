//! The requests sent to the started functions, each routed by `config.json` as the platform
//! routes it: a sign-in, every GET of the OpenAPI description (path parameters filled from
//! the lists), every cron job as Vercel Cron calls it (GET with `CRON_SECRET` as bearer), the
//! app's files and fallback, and API paths that do not exist. Every answer's status is checked, and that a function's answer is JSON (CSV
//! for the exports); every started function must have answered at least once.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Result, bail};
use serde_json::{Value, json};

use super::functions::Function;
use super::http::{self, Answer, Request};
use super::routes::{Router, Target};

/// The secrets the functions were started with.
#[derive(Debug)]
pub struct Login<'a> {
    /// The demo admin's password.
    pub password: &'a str,
    /// `CRON_SECRET`.
    pub cron_secret: &'a str,
}

/// The query a GET needs, from its description: every required query parameter with its
/// example (`baseline_rate=0.1&min_effect=0.05`); a required one without an example is a
/// problem to name.
fn required_query(path: &str, operation: &Value) -> std::result::Result<String, String> {
    let mut pairs = Vec::new();
    for parameter in operation["parameters"].as_array().into_iter().flatten() {
        if parameter["in"] != "query" || parameter["required"] != true {
            continue;
        }
        let name = parameter["name"].as_str().unwrap_or_default();
        let example = match &parameter["example"] {
            Value::Null => match &parameter["schema"]["example"] {
                Value::Null => return Err(format!("GET {path}: the required query parameter {name} has no example")),
                value => value.clone(),
            },
            value => value.clone(),
        };
        let value = match example {
            Value::String(text) => text,
            other => other.to_string(),
        };
        pairs.push(format!("{name}={value}"));
    }
    Ok(pairs.join("&"))
}

/// Sends the requests; answers how many were sent, or every problem found.
pub fn run(router: &Router, functions: &[Function], login: &Login) -> Result<usize> {
    let mut client =
        Client { router, functions, cookie: None, answered: BTreeSet::new(), sent: 0, problems: Vec::new() };
    client.sign_in(login.password)?;
    let bearer = [("authorization".to_owned(), format!("Bearer {}", login.cron_secret))];
    if router.crons.is_empty() {
        client.problems.push("config.json schedules no cron job".to_owned());
    }
    for path in &router.crons {
        client.expect("GET", path, &bearer, 200)?;
    }
    let description = client.json("GET", "/api/v1/openapi.json", &[])?;
    let mut firsts = BTreeMap::new();
    let paths = description["paths"].as_object().cloned().unwrap_or_default();
    for (path, item) in &paths {
        if item.get("get").is_none() {
            continue;
        }
        if router.crons.contains(path) {
            continue;
        }
        match client.fill(path, &mut firsts)? {
            Some((url, status)) => match required_query(path, &item["get"]) {
                Ok(query) if query.is_empty() => client.expect("GET", &url, &[], status)?,
                Ok(query) => client.expect("GET", &format!("{url}?{query}"), &[], status)?,
                Err(problem) => client.problems.push(problem),
            },
            None => println!("  skipped GET {path}: no list gives its parameter"),
        }
    }
    client.expect("GET", "/api/v1/accounts/00000000-0000-0000-0000-000000000000", &[], 404)?;
    client.expect_static("/", "index.html")?;
    client.expect_static("/contacts?stage=new", "index.html")?;
    client.expect_static("/app.css", "app.css")?;
    for unknown in ["/api/v1/no-such-family", "/api/nothing"] {
        match router.route("GET", unknown)?.target {
            Target::NotFound => client.sent += 1,
            other => client.problems.push(format!("GET {unknown}: routed to {other:?}, not the platform's 404")),
        }
    }
    for function in functions {
        if !client.answered.contains(&function.path) {
            client.problems.push(format!("{} got no request", function.path));
        }
    }
    if !client.problems.is_empty() {
        for problem in &client.problems {
            eprintln!("problem: {problem}");
        }
        bail!(
            "{} of {} requests went wrong (the functions' logs are in target/vercel)",
            client.problems.len(),
            client.sent
        );
    }
    Ok(client.sent)
}

struct Client<'a> {
    router: &'a Router,
    functions: &'a [Function],
    cookie: Option<String>,
    answered: BTreeSet<String>,
    sent: usize,
    problems: Vec<String>,
}

impl Client<'_> {
    /// Sends a request through the routes to a function; fails when it reaches none.
    fn call(
        &mut self,
        method: &'static str,
        url: &str,
        headers: &[(String, String)],
        body: Option<Value>,
    ) -> Result<Answer> {
        let routed = self.router.route(method, url)?;
        let Target::Function { path, target } = routed.target else {
            bail!("{method} {url} reached no function: {:?}", routed.target);
        };
        let Some(function) = self.functions.iter().find(|f| f.path == path) else {
            bail!("{method} {url} was routed to {path}, which was not built");
        };
        let mut headers = headers.to_vec();
        // What the platform adds in front of every function.
        headers.push(("x-forwarded-proto".to_owned(), "https".to_owned()));
        headers.push(("x-vercel-forwarded-for".to_owned(), "127.0.0.1".to_owned()));
        if let Some(cookie) = &self.cookie {
            headers.push(("cookie".to_owned(), cookie.clone()));
        }
        let request = Request { method, target, headers, body: body.map(|b| b.to_string()) };
        let answer = http::send(function.port, &request)
            .map_err(|e| e.context(format!("{method} {url} at {path} (its log: {})", function.log.display())))?;
        self.sent += 1;
        self.answered.insert(path);
        Ok(answer)
    }

    fn sign_in(&mut self, password: &str) -> Result<()> {
        let body = json!({"email": "demo@occ.local", "password": password});
        let answer = self.call("POST", "/api/v1/auth/login", &[], Some(body))?;
        let cookie = answer.header("set-cookie").and_then(|c| c.split(';').next()).map(str::to_owned);
        if answer.status != 200 || answer.json().is_none() || cookie.is_none() {
            bail!("the demo admin could not sign in: {} {}", answer.status, answer.body);
        }
        self.cookie = cookie;
        Ok(())
    }

    /// A GET whose answer must be 200 and JSON.
    fn json(&mut self, method: &'static str, url: &str, headers: &[(String, String)]) -> Result<Value> {
        let answer = self.call(method, url, headers, None)?;
        match answer.json() {
            Some(value) if answer.status == 200 => Ok(value),
            _ => bail!("{method} {url}: {} {}", answer.status, short(&answer.body)),
        }
    }

    /// Notes a problem unless the answer has `status` and is JSON (or CSV, for an export).
    fn expect(&mut self, method: &'static str, url: &str, headers: &[(String, String)], status: u16) -> Result<()> {
        let mut answer = self.call(method, url, headers, None)?;
        if let Some(query) = self.required_query(&answer)? {
            // A list that needs one of its filters (`contact_id`): the first contact's.
            answer = self.call(method, &format!("{url}?{query}"), headers, None)?;
        }
        let csv = url.starts_with("/api/v1/export/")
            && answer.header("content-type").is_some_and(|t| t.starts_with("text/csv"));
        if answer.status != status || !(csv || answer.json().is_some()) {
            let kind = answer.header("content-type").unwrap_or("no content type").to_owned();
            self.problems.push(format!(
                "{method} {url}: {} ({kind}), not {status}: {}",
                answer.status,
                short(&answer.body)
            ));
        }
        Ok(())
    }

    /// For a 422 that asks for a required `<thing>_id` filter, that filter with the first id of
    /// `/api/v1/<thing>s`; a 422 for anything else (an unknown parameter) is left as it is.
    fn required_query(&mut self, answer: &Answer) -> Result<Option<String>> {
        if answer.status != 422 {
            return Ok(None);
        }
        let fields = answer.json().map(|body| body["error"]["fields"].clone()).unwrap_or_default();
        let required = fields.as_array().into_iter().flatten().find_map(|f| {
            let field = f["field"].as_str()?;
            (f["rule"] == "required")
                .then_some(field)?
                .strip_suffix("_id")
                .map(|thing| (field.to_owned(), thing.to_owned()))
        });
        let Some((field, thing)) = required else { return Ok(None) };
        let list = self.call("GET", &format!("/api/v1/{thing}s"), &[], None)?;
        let first = list.json().and_then(|page| page["items"][0]["id"].as_str().map(str::to_owned));
        Ok(first.map(|id| format!("{field}={id}")))
    }

    /// Notes a problem unless `url` is answered by the app's `file`, with the security headers.
    fn expect_static(&mut self, url: &str, file: &str) -> Result<()> {
        let routed = self.router.route("GET", url)?;
        self.sent += 1;
        match &routed.target {
            Target::Static { file: served } if served.ends_with(file) && served.is_file() => {}
            other => self.problems.push(format!("GET {url}: {other:?}, not the app's {file}")),
        }
        let has = |name: &str| routed.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
        if !has("content-security-policy") || !has("x-frame-options") {
            self.problems.push(format!("GET {url}: no security headers ({:?})", routed.headers));
        }
        Ok(())
    }

    /// `path` with its parameter filled from the first item of its list (`{id}` of
    /// `/api/v1/batches/{id}/members` from `/api/v1/batches`, `{contact_id}` from the
    /// contacts), and the status to expect: 200, or 404 for an id no item has when the list is
    /// empty (the route still reaches its function); `None` when the parameter has no list.
    fn fill(&mut self, path: &str, firsts: &mut BTreeMap<String, Option<String>>) -> Result<Option<(String, u16)>> {
        let Some(open) = path.find('{') else { return Ok(Some((path.to_owned(), 200))) };
        let close = path[open..].find('}').map_or(path.len(), |c| open + c);
        let list = match &path[open + 1..close] {
            "id" => path[..open].trim_end_matches('/').to_owned(),
            "contact_id" => "/api/v1/contacts".to_owned(),
            _ => return Ok(None),
        };
        if !firsts.contains_key(&list) {
            let mut page = self.call("GET", &list, &[], None)?;
            if let Some(query) = self.required_query(&page)? {
                page = self.call("GET", &format!("{list}?{query}"), &[], None)?;
            }
            let first = page.json().and_then(|page| page["items"][0]["id"].as_str().map(str::to_owned));
            firsts.insert(list.clone(), first);
        }
        let (id, status) = match &firsts[&list] {
            Some(id) => (id.as_str(), 200),
            None => ("00000000-0000-0000-0000-000000000000", 404),
        };
        Ok(Some((format!("{}{id}{}", &path[..open], &path[close + 1..]), status)))
    }
}

/// The start of a body, for a problem's message.
fn short(body: &str) -> String {
    body.chars().take(300).collect()
}
