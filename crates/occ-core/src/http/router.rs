//! The route table of a family: path patterns (matched by `matchit`) with a handler per method.

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use http::{Method, Request, Response};

use super::Ctx;
use crate::access::Access;
use crate::error::AppResult;

/// A handler's future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A handler: `async fn(&Ctx, Request<Bytes>) -> AppResult<Response<Bytes>>`, boxed by [`handler!`].
pub type HandlerFn = for<'a> fn(&'a Ctx, Request<Bytes>) -> BoxFuture<'a, AppResult<Response<Bytes>>>;

/// Turns an `async fn(&Ctx, Request<Bytes>) -> AppResult<Response<Bytes>>` into a [`HandlerFn`].
#[macro_export]
macro_rules! handler {
    ($f:path) => {{
        fn boxed<'a>(
            ctx: &'a $crate::http::Ctx,
            req: ::http::Request<::bytes::Bytes>,
        ) -> $crate::http::BoxFuture<'a, $crate::AppResult<::http::Response<::bytes::Bytes>>> {
            Box::pin($f(ctx, req))
        }
        boxed as $crate::http::HandlerFn
    }};
}

/// The path parameters of the matched route, in the request's extensions.
#[derive(Debug, Clone, Default)]
pub struct PathParams(Vec<(String, String)>);

impl PathParams {
    /// The value of `{name}` in the route pattern.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

#[derive(Debug)]
struct Entry {
    pattern: &'static str,
    methods: Vec<(Method, Access, HandlerFn)>,
}

/// A route table.
#[derive(Debug, Default)]
pub struct Routes {
    matcher: matchit::Router<usize>,
    entries: Vec<Entry>,
}

/// What the table says about a request.
pub(crate) enum Matched {
    /// A handler for this path and method, and what it requires of the caller.
    Handler { handler: HandlerFn, access: Access, pattern: &'static str, params: PathParams },
    /// The path exists, the method does not.
    WrongMethod { pattern: &'static str, allowed: Vec<Method> },
    /// No such path.
    NotFound,
}

impl Routes {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `method pattern -> handler`, which `access` guards. Panics on a malformed or
    /// conflicting pattern, a programming error found by the first test that builds the table.
    pub fn route(mut self, method: Method, pattern: &'static str, access: Access, handler: HandlerFn) -> Self {
        match self.entries.iter_mut().find(|e| e.pattern == pattern) {
            Some(entry) => entry.methods.push((method, access, handler)),
            None => {
                #[allow(clippy::expect_used)]
                self.matcher.insert(pattern, self.entries.len()).expect("route patterns are valid and distinct");
                self.entries.push(Entry { pattern, methods: vec![(method, access, handler)] });
            }
        }
        self
    }

    /// Shorthand for `route(GET, ...)`.
    pub fn get(self, pattern: &'static str, access: Access, handler: HandlerFn) -> Self {
        self.route(Method::GET, pattern, access, handler)
    }

    /// Shorthand for `route(POST, ...)`.
    pub fn post(self, pattern: &'static str, access: Access, handler: HandlerFn) -> Self {
        self.route(Method::POST, pattern, access, handler)
    }

    /// Shorthand for `route(PATCH, ...)`.
    pub fn patch(self, pattern: &'static str, access: Access, handler: HandlerFn) -> Self {
        self.route(Method::PATCH, pattern, access, handler)
    }

    /// Shorthand for `route(DELETE, ...)`.
    pub fn delete(self, pattern: &'static str, access: Access, handler: HandlerFn) -> Self {
        self.route(Method::DELETE, pattern, access, handler)
    }

    /// Merges another table into this one.
    pub fn merge(mut self, other: Routes) -> Self {
        for entry in other.entries {
            for (method, access, handler) in entry.methods {
                self = self.route(method, entry.pattern, access, handler);
            }
        }
        self
    }

    pub(crate) fn find(&self, method: &Method, path: &str) -> Matched {
        let Ok(found) = self.matcher.at(path) else {
            return Matched::NotFound;
        };
        let entry = &self.entries[*found.value];
        let params = PathParams(found.params.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect());
        let wanted = if method == Method::HEAD { &Method::GET } else { method };
        match entry.methods.iter().find(|(m, _, _)| m == wanted) {
            Some((_, access, handler)) => {
                Matched::Handler { handler: *handler, access: *access, pattern: entry.pattern, params }
            }
            None => Matched::WrongMethod {
                pattern: entry.pattern,
                allowed: entry.methods.iter().map(|(m, _, _)| m.clone()).collect(),
            },
        }
    }

    /// Every pattern in the table (for tests and docs).
    pub fn patterns(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.entries.iter().map(|e| e.pattern)
    }

    /// Every (method, pattern, access) in the table.
    pub fn operations(&self) -> impl Iterator<Item = (Method, &'static str, Access)> + '_ {
        self.entries.iter().flat_map(|e| e.methods.iter().map(|(m, a, _)| (m.clone(), e.pattern, *a)))
    }
}
