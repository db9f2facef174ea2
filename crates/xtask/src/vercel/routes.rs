//! The platform's routing of `.vercel/output/config.json` (Vercel's Build Output API), as far
//! as OCC's deployment uses it. Routes are taken in order: before `{"handle": "filesystem"}`
//! they add headers (`continue`) or rewrite; at `filesystem` a path that names a static file
//! or a function is served; after it the rewrites apply, and with `check` the rewritten path
//! is looked up again; whatever names nothing is the platform's 404. A function is handed the
//! request's own path (one function serves a family's many routes) and the request's query
//! with the rewrite's own query joined to it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use fancy_regex::{Captures, Regex, RegexBuilder};
use serde_json::Value;

/// Where a request ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A file of the app, under `.vercel/output/static`.
    Static {
        /// The file.
        file: PathBuf,
    },
    /// A function, and the path and query it is handed.
    Function {
        /// The function's path in the deployment (`/api/accounts`).
        path: String,
        /// What the function sees: the request's path, with the joined query.
        target: String,
    },
    /// The platform's own 404 (no function is called).
    NotFound,
    /// Another status a route sets.
    Status(u16),
}

/// A routed request: where it ends, with the headers the routes added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed {
    /// Where the request ends.
    pub target: Target,
    /// Headers added by the routes.
    pub headers: Vec<(String, String)>,
}

/// One entry of `routes`.
enum Route {
    Handle(String),
    Source(Source),
}

struct Source {
    src: Regex,
    dest: Option<String>,
    headers: Vec<(String, String)>,
    methods: Option<Vec<String>>,
    proceed: bool,
    check: bool,
    status: Option<u16>,
}

/// The routes of a build, with the static files and functions it made.
pub struct Router {
    /// The paths Vercel Cron calls (`crons` of `config.json`).
    pub crons: Vec<String>,
    routes: Vec<Route>,
    static_dir: PathBuf,
    files: BTreeSet<String>,
    functions: BTreeSet<String>,
}

impl Router {
    /// Reads `config.json` and lists `static/` and `functions/` of a build output folder.
    pub fn read(output: &Path) -> Result<Self> {
        let config: Value = serde_json::from_str(
            &std::fs::read_to_string(output.join("config.json")).context("while reading .vercel/output/config.json")?,
        )?;
        let static_dir = output.join("static");
        let mut files = BTreeSet::new();
        list(&static_dir, &static_dir, &mut |relative, _| {
            files.insert(format!("/{relative}"));
        })?;
        let functions_dir = output.join("functions");
        let mut functions = BTreeSet::new();
        list(&functions_dir, &functions_dir, &mut |relative, is_dir| {
            if is_dir && let Some(name) = relative.strip_suffix(".func") {
                functions.insert(format!("/{name}"));
            }
        })?;
        let mut router = Self::new(&config["routes"], static_dir, files, functions)?;
        router.crons = config["crons"]
            .as_array()
            .map(|crons| crons.iter().filter_map(|c| c["path"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        Ok(router)
    }

    /// A router over `routes` (the `routes` of a `config.json`), the static files in
    /// `static_dir` (`/index.html`) and the functions (`/api/accounts`).
    pub fn new(
        routes: &Value,
        static_dir: PathBuf,
        files: BTreeSet<String>,
        functions: BTreeSet<String>,
    ) -> Result<Self> {
        let Some(entries) = routes.as_array() else { bail!("config.json has no routes") };
        let routes = entries.iter().map(parse_route).collect::<Result<_>>()?;
        Ok(Self { crons: Vec::new(), routes, static_dir, files, functions })
    }

    /// Where `method url` ends, and the headers the routes add on the way.
    pub fn route(&self, method: &str, url: &str) -> Result<Routed> {
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        let mut query: Vec<String> = query.split('&').filter(|p| !p.is_empty()).map(str::to_owned).collect();
        let mut headers = Vec::new();
        let mut current = path.to_owned();
        let mut phase: Option<&str> = None;
        for route in &self.routes {
            let source = match route {
                Route::Handle(handle) => {
                    if handle == "filesystem"
                        && let Some(target) = self.lookup(path, &current, &query)
                    {
                        return Ok(Routed { target, headers });
                    }
                    phase = Some(handle);
                    continue;
                }
                // Only the phases a request passes through when nothing matched yet.
                Route::Source(_) if phase.is_some_and(|p| p != "filesystem" && p != "rewrite") => continue,
                Route::Source(source) => source,
            };
            if source.methods.as_ref().is_some_and(|m| !m.iter().any(|m| m.eq_ignore_ascii_case(method))) {
                continue;
            }
            let Some(captures) = source.src.captures(&current)? else { continue };
            headers.extend(source.headers.iter().cloned());
            if let Some(dest) = &source.dest {
                let dest = substitute(dest, &captures);
                let (dest_path, dest_query) = dest.split_once('?').unwrap_or((&dest, ""));
                query.extend(dest_query.split('&').filter(|p| !p.is_empty()).map(str::to_owned));
                current = dest_path.to_owned();
            }
            if let Some(status) = source.status {
                let target = if status == 404 { Target::NotFound } else { Target::Status(status) };
                return Ok(Routed { target, headers });
            }
            if source.proceed {
                continue;
            }
            if source.dest.is_some() || source.check {
                let target = self.lookup(path, &current, &query).unwrap_or(Target::NotFound);
                return Ok(Routed { target, headers });
            }
        }
        Ok(Routed { target: self.lookup(path, &current, &query).unwrap_or(Target::NotFound), headers })
    }

    /// What `current` names in the build: a static file (`/` is `/index.html`) or a function,
    /// which is handed the request's `path` and `query`.
    fn lookup(&self, path: &str, current: &str, query: &[String]) -> Option<Target> {
        let file = if current.ends_with('/') { format!("{current}index.html") } else { current.to_owned() };
        if self.files.contains(&file) {
            return Some(Target::Static { file: self.static_dir.join(file.trim_start_matches('/')) });
        }
        self.functions.contains(current).then(|| Target::Function {
            path: current.to_owned(),
            target: if query.is_empty() { path.to_owned() } else { format!("{path}?{}", query.join("&")) },
        })
    }
}

fn parse_route(entry: &Value) -> Result<Route> {
    if let Some(handle) = entry["handle"].as_str() {
        return Ok(Route::Handle(handle.to_owned()));
    }
    let Some(src) = entry["src"].as_str() else { bail!("a route with neither handle nor src: {entry}") };
    if entry.get("has").is_some() || entry.get("missing").is_some() {
        bail!("a route with has/missing conditions, which this router does not apply: {entry}");
    }
    let case_sensitive = entry["caseSensitive"].as_bool().unwrap_or(false);
    let src = RegexBuilder::new(src)
        .case_insensitive(!case_sensitive)
        .build()
        .with_context(|| format!("a route whose src does not compile: {src}"))?;
    let headers = entry["headers"]
        .as_object()
        .map(|h| h.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned())).collect())
        .unwrap_or_default();
    let methods = entry["methods"].as_array().map(|m| m.iter().filter_map(|m| m.as_str().map(str::to_owned)).collect());
    Ok(Route::Source(Source {
        src,
        dest: entry["dest"].as_str().map(str::to_owned),
        headers,
        methods,
        proceed: entry["continue"].as_bool().unwrap_or(false),
        check: entry["check"].as_bool().unwrap_or(false),
        status: entry["status"].as_u64().and_then(|s| u16::try_from(s).ok()),
    }))
}

/// `dest` with `$1` or `$name` replaced by what the route's `src` captured.
fn substitute(dest: &str, captures: &Captures) -> String {
    let mut out = String::new();
    let mut rest = dest;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let len = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
        let name = &after[..len];
        let value = match name.parse::<usize>() {
            Ok(n) => captures.get(n),
            Err(_) if !name.is_empty() => captures.name(name),
            Err(_) => None,
        };
        match value {
            Some(value) => out.push_str(value.as_str()),
            None if name.is_empty() => out.push('$'),
            None => {}
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// Calls `found` with every entry under `dir`, by its path relative to `root` (folders too,
/// with `true`).
fn list(root: &Path, dir: &Path, found: &mut impl FnMut(&str, bool)) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("while listing {}", dir.display()))? {
        let path = entry?.path();
        let relative = path.strip_prefix(root)?.to_string_lossy().replace('\\', "/");
        let is_dir = path.is_dir();
        found(&relative, is_dir);
        if is_dir && !relative.ends_with(".func") {
            list(root, &path, found)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn router() -> Router {
        let routes = json!([
            {"src": "^/((?!api/).*)$", "headers": {"X-Frame-Options": "DENY"}, "continue": true},
            {"handle": "filesystem"},
            {"src": "^/api/v1/accounts(?:/(.*))?$", "dest": "/api/accounts", "check": true},
            {"src": "^/api/v1/export(?:/(.*))$", "dest": "/api/contacts?path=$1", "check": true},
            {"src": "^/((?!api/).*)$", "dest": "/index.html", "check": true},
            {"handle": "miss"},
            {"src": "^/api/(.+)\\.rs$", "status": 404}
        ]);
        let files = ["/index.html", "/app.css"].map(str::to_owned).into();
        let functions = ["/api/accounts", "/api/contacts"].map(str::to_owned).into();
        Router::new(&routes, PathBuf::from("static"), files, functions).expect("a router")
    }

    fn function(path: &str, target: &str) -> Target {
        Target::Function { path: path.to_owned(), target: target.to_owned() }
    }

    #[test]
    fn a_rewrite_hands_its_function_the_request_path_with_the_query_it_adds() {
        let r = router();
        let to = |url: &str| r.route("GET", url).expect("routed").target;
        assert_eq!(to("/api/v1/accounts/7?limit=5"), function("/api/accounts", "/api/v1/accounts/7?limit=5"));
        assert_eq!(to("/api/v1/export/contacts"), function("/api/contacts", "/api/v1/export/contacts?path=contacts"));
        assert_eq!(to("/api/accounts"), function("/api/accounts", "/api/accounts"), "a function by its own path");
    }

    #[test]
    fn files_are_served_the_app_is_the_fallback_and_unknown_api_paths_are_the_platforms_404() {
        let r = router();
        let routed = r.route("GET", "/").expect("routed");
        assert_eq!(routed.target, Target::Static { file: PathBuf::from("static/index.html") });
        assert_eq!(routed.headers, [("X-Frame-Options".to_owned(), "DENY".to_owned())]);
        assert_eq!(
            r.route("GET", "/app.css").expect("routed").target,
            Target::Static { file: "static/app.css".into() }
        );
        let fallback = r.route("GET", "/contacts/12?stage=new").expect("routed").target;
        assert_eq!(fallback, Target::Static { file: "static/index.html".into() });
        assert_eq!(r.route("GET", "/api/v1/nothing").expect("routed").target, Target::NotFound);
        assert!(r.route("GET", "/api/nothing").expect("routed").headers.is_empty(), "no app headers on the API");
    }

    #[test]
    fn destinations_take_numbered_and_named_captures() {
        let regex = Regex::new("^/a/(?P<name>[^/]+)/(.*)$").expect("regex");
        let captures = regex.captures("/a/x/y/z").expect("matches").expect("captures");
        assert_eq!(substitute("/f?n=$name&rest=$2&all=$", &captures), "/f?n=x&rest=y/z&all=$");
    }
}
