//! OCC's client for a remote libSQL server (sqld, Turso): the Hrana 3 protocol over HTTP
//! (`POST /v3/pipeline`), made for serverless functions.
//!
//! libsql's own remote connection closes its stream after every statement outside a
//! transaction, and each new stream is a new SQLite connection on the server that parses the
//! whole schema (about 3 ms on OCC's, against 0.5 ms for a statement on a kept stream). Here a
//! stream is kept and reused across statements and requests, a request's statements can go in
//! one batch (one round trip), every call has a deadline, and an instance holds at most
//! [`STREAMS`] streams at once, so a slow server makes OCC answer 503 quickly instead of piling
//! up work on it.
//!
//! This file is longer than 400 lines because it is one concern, a connection's life on the
//! server: its stream (kept, reset, given back), its transaction, and each call with its deadline
//! and its answer checked, all over the same private state.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use libsql::params::Params;
use libsql_hrana::proto::{
    Batch, BatchCond, BatchResult, BatchStep, BatchStreamReq, BatchStreamResp, ExecuteStreamReq,
    GetAutocommitStreamReq, PipelineReqBody, PipelineRespBody, SequenceStreamReq, Stmt, StmtResult, StreamRequest,
    StreamResponse, StreamResult,
};

use super::checked::{Asked, checked_answer, checked_first, refused};
use super::group::{self, Entry};
use super::hrana::{CallFailure, UNREACHABLE, failure, statement, step_error};
use super::vouch;

/// How long one call to the server may take, from sending to the last byte of its answer.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// How long opening a TCP (and TLS) connection to the server may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// How many streams an instance uses at once. A request holds one from its first statement
/// to its answer; more concurrent requests wait for one (see [`STREAM_WAIT`]).
pub const STREAMS: usize = 16;

/// How long a request waits for a stream before it is answered 503.
const STREAM_WAIT: Duration = Duration::from_secs(5);

/// How long a stream may sit unused and still be reused. sqld forgets a stream after 10 s
/// without a request; an older one is let go rather than tried.
const STREAM_IDLE: Duration = Duration::from_secs(5);

/// A remote database: where it is, how to reach it, and the streams kept for reuse.
pub(super) struct Remote {
    http: reqwest::Client,
    pipeline_url: String,
    authorization: Option<String>,
    idle: Mutex<Vec<Stream>>,
    permits: Arc<tokio::sync::Semaphore>,
    /// The turn to write: one transaction of this instance at a time. SQLite has one writer at
    /// a time anyway; waiting here keeps the others from waiting on the server, where each
    /// waiting `BEGIN IMMEDIATE` holds one of its threads (many at once starve the transaction
    /// that holds the lock of a thread to finish on).
    writer: Arc<tokio::sync::Semaphore>,
    /// The batches waiting for the turn to write (see group.rs).
    pub(super) group: super::group::Group,
}

/// A Hrana stream: the server's handle for it (its baton) and where its next request goes.
#[derive(Default)]
struct Stream {
    baton: Option<String>,
    base_url: Option<String>,
    used: Option<Instant>,
}

impl Remote {
    /// Locates the server at `url` (`http://` or `https://`); nothing is sent yet.
    pub(super) fn new(url: &str, token: Option<&str>) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(CALL_TIMEOUT)
            .pool_idle_timeout(Duration::from_secs(30))
            .build()?;
        Ok(Self {
            http,
            pipeline_url: format!("{}/v3/pipeline", url.trim_end_matches('/')),
            authorization: token.filter(|t| !t.is_empty()).map(|t| format!("Bearer {t}")),
            idle: Mutex::default(),
            permits: Arc::new(tokio::sync::Semaphore::new(STREAMS)),
            writer: Arc::new(tokio::sync::Semaphore::new(1)),
            group: super::group::Group::default(),
        })
    }

    /// A connection for one request: a kept stream when one is fresh, else a new one (opened by
    /// its first call). Waits up to [`STREAM_WAIT`] for a free stream, then answers busy.
    pub(super) async fn connect(self: &Arc<Self>) -> Result<RemoteConn, libsql::Error> {
        let permit = tokio::time::timeout(STREAM_WAIT, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| failure("SQLITE_BUSY", "every stream of this instance is in use"))?
            .map_err(|_| failure(UNREACHABLE, "the store is closed"))?;
        let stream = {
            let mut idle = self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            idle.retain(|s| s.used.is_some_and(|at| at.elapsed() < STREAM_IDLE));
            idle.pop().unwrap_or_default()
        };
        Ok(RemoteConn {
            remote: self.clone(),
            stream: Mutex::new(stream),
            autocommit: AtomicBool::new(true),
            lost: AtomicBool::new(false),
            begin_pending: AtomicBool::new(false),
            deferred: Mutex::default(),
            writing: Mutex::new(None),
            _permit: permit,
        })
    }

    /// Sends one pipeline request; answers the server's reply, or why there is none.
    async fn send(&self, url: &str, body: String) -> Result<PipelineRespBody, libsql::Error> {
        let mut request = self.http.post(url).header(reqwest::header::CONTENT_TYPE, "application/json").body(body);
        if let Some(authorization) = &self.authorization {
            request = request.header(reqwest::header::AUTHORIZATION, authorization);
        }
        let response = request.send().await.map_err(|e| unreachable(&e))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| unreachable(&e))?;
        if !status.is_success() {
            return Err(Refused { status, text: String::from_utf8_lossy(&bytes).into_owned() }.into());
        }
        super::wire::read(&bytes).map_err(|e| failure(UNREACHABLE, format!("the server's answer is not Hrana: {e}")))
    }
}

fn unreachable(err: &reqwest::Error) -> libsql::Error {
    let what = if err.is_timeout() {
        "the database did not answer in time"
    } else if err.is_connect() {
        "the database cannot be reached"
    } else {
        "the database connection failed"
    };
    failure(UNREACHABLE, what)
}

/// The server refused the whole request (an unknown or expired stream, a bad token, a protocol
/// error): nothing of it ran.
struct Refused {
    status: reqwest::StatusCode,
    text: String,
}

impl From<Refused> for libsql::Error {
    fn from(refused: Refused) -> Self {
        #[derive(serde::Deserialize)]
        struct Answer {
            message: Option<String>,
            code: Option<String>,
        }
        let answer: Option<Answer> = serde_json::from_str(&refused.text).ok();
        let message = answer.as_ref().and_then(|a| a.message.clone()).unwrap_or_else(|| refused.text.clone());
        let code = answer.and_then(|a| a.code).unwrap_or_else(|| format!("HTTP_{}", refused.status.as_u16()));
        failure(&code, message)
    }
}

/// One request's use of the remote database: a stream, held until dropped.
pub(super) struct RemoteConn {
    remote: Arc<Remote>,
    stream: Mutex<Stream>,
    /// Whether the stream is outside a transaction (the server says so after each call).
    autocommit: AtomicBool,
    /// Whether a call inside a transaction got no answer: the transaction is gone with its
    /// stream, so nothing more may run as if it were still open.
    lost: AtomicBool,
    /// Whether a transaction was begun and its `BEGIN IMMEDIATE` waits to go with the first
    /// statement of the transaction, in the same round trip.
    begin_pending: AtomicBool,
    /// Writes of the open transaction whose answers nobody waits for: they go to the server
    /// with the transaction's next statement (or its `COMMIT`), in the same round trip.
    deferred: Mutex<Vec<Stmt>>,
    /// This connection's turn to write, held while its transaction is open.
    writing: Mutex<Option<tokio::sync::OwnedSemaphorePermit>>,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl Drop for RemoteConn {
    fn drop(&mut self) {
        let stream = std::mem::take(self.stream.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner));
        if stream.baton.is_some() && self.is_autocommit() && !self.lost.load(Ordering::Relaxed) {
            let mut idle = self.remote.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if idle.len() < STREAMS {
                idle.push(stream);
            }
        }
    }
}

impl RemoteConn {
    /// Whether no transaction is open on the stream.
    pub(super) fn is_autocommit(&self) -> bool {
        self.autocommit.load(Ordering::Relaxed)
    }

    /// Whether a transaction was begun and its `BEGIN` waits to go with its first statement.
    pub(super) fn begin_waits(&self) -> bool {
        self.begin_pending.load(Ordering::Relaxed)
    }

    /// Waits for this instance's turn to write (see [`Remote::writer`]), for as long as a
    /// statement waits for a busy database; then the database is busy.
    pub(super) async fn write_turn(&self) -> Result<(), libsql::Error> {
        if self.writing.lock().unwrap_or_else(std::sync::PoisonError::into_inner).is_some() {
            return Ok(());
        }
        let turn = tokio::time::timeout(super::BUSY_PATIENCE, self.remote.writer.clone().acquire_owned())
            .await
            .map_err(|_| failure("SQLITE_BUSY", "another transaction of this instance holds the database"))?
            .map_err(|_| failure(UNREACHABLE, "the store is closed"))?;
        *self.writing.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(turn);
        Ok(())
    }

    /// Gives the turn to write back once no transaction is open or about to be.
    pub(super) fn end_turn(&self) {
        if self.is_autocommit() && !self.begin_pending.load(Ordering::Relaxed) {
            self.writing.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        }
    }

    /// Begins a transaction: its `BEGIN IMMEDIATE` goes with the next statement.
    pub(super) async fn begin(&self) -> Result<(), libsql::Error> {
        self.write_turn().await?;
        self.begin_pending.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// Ends a transaction that sent nothing and has nothing deferred; answers whether it was one.
    pub(super) fn end_unsent(&self) -> bool {
        if !self.deferred().is_empty() {
            return false;
        }
        let unsent = self.begin_pending.swap(false, Ordering::Relaxed);
        self.end_turn();
        unsent
    }

    /// Ends a transaction that sent nothing, dropping what was deferred; answers whether it
    /// was one (then there is nothing to roll back).
    pub(super) fn abandon_unsent(&self) -> bool {
        let unsent = self.begin_pending.swap(false, Ordering::Relaxed);
        if unsent {
            self.deferred().clear();
        }
        self.end_turn();
        unsent
    }

    /// Keeps a write of the open transaction for its next call; answers false, keeping
    /// nothing, outside a transaction (then the write runs now).
    pub(super) fn defer(&self, sql: &str, params: Params) -> bool {
        if self.is_autocommit() && !self.begin_pending.load(Ordering::Relaxed) {
            return false;
        }
        self.deferred().push(statement(sql, params, false));
        true
    }

    fn deferred(&self) -> std::sync::MutexGuard<'_, Vec<Stmt>> {
        self.deferred.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Lets the stream go; the next call opens a new one. Only outside a transaction.
    pub(super) fn reset(&self) {
        *self.stream.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Stream::default();
    }

    /// Runs one statement; answers its columns, rows and changes. The statement goes in one
    /// batch with what waits to go before it: the transaction's `BEGIN IMMEDIATE` and its
    /// deferred writes, each step run only if the one before it succeeded. When the `BEGIN`
    /// fails (the database is busy) nothing ran and all of it still waits; when a deferred
    /// write fails, its error is the statement's.
    pub(super) async fn execute(
        &self,
        sql: &str,
        params: Params,
        want_rows: bool,
    ) -> Result<StmtResult, libsql::Error> {
        let stmt = statement(sql, params, want_rows);
        let begin = self.begin_pending.load(Ordering::Relaxed);
        let deferred = std::mem::take(&mut *self.deferred());
        if !begin && deferred.is_empty() {
            return match self.pipeline(StreamRequest::Execute(ExecuteStreamReq { stmt })).await? {
                StreamResponse::Execute(done) => Ok(done.result),
                other => Err(failure(UNREACHABLE, format!("unexpected answer to a statement: {other:?}"))),
            };
        }
        let before = usize::from(begin);
        let statements = begin.then(|| Stmt::new("BEGIN IMMEDIATE", false)).into_iter().chain(deferred.iter().cloned());
        let steps: Vec<BatchStep> = statements
            .chain(std::iter::once(stmt))
            .enumerate()
            .map(|(i, stmt)| BatchStep {
                condition: i.checked_sub(1).map(|prev| BatchCond::Ok { step: u32::try_from(prev).unwrap_or(u32::MAX) }),
                stmt,
            })
            .collect();
        let last = steps.len() - 1;
        let mut result = match self.batch(steps).await {
            Ok(result) => result,
            Err(err) => {
                self.restore(begin, deferred);
                return Err(err);
            }
        };
        let error = |step: usize| result.step_errors.get(step).and_then(Option::as_ref).map(step_error);
        if begin && let Some(err) = error(0) {
            self.restore(begin, deferred);
            return Err(err);
        }
        self.begin_pending.store(false, Ordering::Relaxed);
        if let Some(err) = (before..=last).find_map(error) {
            return Err(err);
        }
        result
            .step_results
            .get_mut(last)
            .and_then(Option::take)
            .ok_or_else(|| failure(UNREACHABLE, "the server sent no result for the statement"))
    }

    /// Puts back what waited to go with a call that did not run (its `BEGIN` failed, or the
    /// server refused it): it waits for the next.
    fn restore(&self, begin: bool, deferred: Vec<Stmt>) {
        if begin && !self.lost.load(Ordering::Relaxed) {
            let mut waiting = self.deferred();
            let later = std::mem::replace(&mut *waiting, deferred);
            waiting.extend(later);
        }
    }

    /// Runs the steps of a batch in one round trip; answers each step's result or error.
    pub(super) async fn batch(&self, steps: Vec<BatchStep>) -> Result<BatchResult, libsql::Error> {
        let batch = Batch { steps, replication_index: None };
        match self.pipeline(StreamRequest::Batch(BatchStreamReq { batch })).await? {
            StreamResponse::Batch(done) => Ok(done.result),
            other => Err(failure(UNREACHABLE, format!("unexpected answer to a batch: {other:?}"))),
        }
    }

    /// Sends what waits to go (the request's credential check, the transaction's `BEGIN` and
    /// deferred writes), if anything does.
    pub(super) async fn flush(&self) -> Result<(), libsql::Error> {
        if self.begin_pending.load(Ordering::Relaxed) || !self.deferred().is_empty() || vouch::waiting() {
            self.execute("SELECT 1", Params::None, false).await?;
        }
        Ok(())
    }

    /// Runs a script of statements without parameters, stopping at the first that fails.
    pub(super) async fn sequence(&self, sql: &str) -> Result<(), libsql::Error> {
        // A script cannot be a batch's step: what waits (the credential check too) goes first,
        // on its own.
        self.flush().await?;
        let request = SequenceStreamReq { sql: Some(sql.to_owned()), sql_id: None, replication_index: None };
        self.pipeline(StreamRequest::Sequence(request)).await.map(drop)
    }

    /// Runs a batch's statements, all or nothing, in the next round trip this instance may
    /// write in, with the other batches waiting for it (each a savepoint of one transaction,
    /// see group.rs); answers as the server answers a batch sent alone: `BEGIN IMMEDIATE`, the
    /// statements, `COMMIT`, `ROLLBACK`.
    pub(super) async fn batch_in_group(&self, body: Vec<Stmt>) -> Result<BatchResult, libsql::Error> {
        self.usable()?;
        let check = vouch::take();
        let asked = check.is_some().then_some(Asked::Plain);
        super::calls::round_trip();
        let answer = self
            .remote
            .group
            .send_with_others(
                Entry { check, body },
                self.write_turn(),
                |entries| self.send_group(entries),
                || self.end_turn(),
            )
            .await;
        match checked_answer(answer.map(|result| StreamResponse::Batch(BatchStreamResp { result })), asked)? {
            StreamResponse::Batch(done) => Ok(done.result),
            other => Err(failure(UNREACHABLE, format!("unexpected answer to a batch: {other:?}"))),
        }
    }

    /// Sends the batches of a group in one transaction (see group.rs), in one round trip.
    async fn send_group(&self, entries: Vec<Entry>) -> Result<Vec<Result<BatchResult, libsql::Error>>, libsql::Error> {
        let (steps, layout) = group::merge(entries);
        let request = StreamRequest::Batch(BatchStreamReq { batch: Batch { steps, replication_index: None } });
        let answer = self.send_all(vec![request]).await?.pop();
        match answer.unwrap_or_else(|| Err(failure(UNREACHABLE, "the server sent no result")))? {
            StreamResponse::Batch(done) => Ok(group::split(done.result, &layout)),
            other => Err(failure(UNREACHABLE, format!("unexpected answer to a batch: {other:?}"))),
        }
    }

    /// Sends `request` on the stream, with a question whether a transaction is open after it,
    /// in one round trip, and the request's credential check in front of it when one waits
    /// (see vouch.rs). A kept stream the server no longer knows (it expired, or the server
    /// restarted) is replaced by a new one and the request sent again, once, when that is safe:
    /// outside a transaction, since the server refused the whole request.
    async fn pipeline(&self, request: StreamRequest) -> Result<StreamResponse, libsql::Error> {
        let (request, asked) = self.checked(request)?;
        super::calls::round_trip();
        let answer = self.send_all(vec![request]).await.and_then(|mut answers| {
            answers.pop().unwrap_or_else(|| Err(failure(UNREACHABLE, "the server sent no result")))
        });
        checked_answer(answer, asked)
    }

    /// Refuses what would be sent when the stream's transaction or the request's credential
    /// check was lost.
    fn usable(&self) -> Result<(), libsql::Error> {
        if self.lost.load(Ordering::Relaxed) {
            return Err(failure(UNREACHABLE, "the transaction was lost with its stream"));
        }
        if vouch::failed() {
            return Err(refused());
        }
        Ok(())
    }

    /// `request` ready to send: refused when the stream or the request's credential check was
    /// lost, else with the check in front of it if one waits (and then how it was asked).
    fn checked(&self, request: StreamRequest) -> Result<(StreamRequest, Option<Asked>), libsql::Error> {
        self.usable()?;
        // A script waits for the check to go first (see `sequence`).
        let check = match &request {
            StreamRequest::Execute(_) | StreamRequest::Batch(_) => vouch::take(),
            _ => None,
        };
        Ok(match check {
            Some(check) => {
                let (request, asked) = checked_first(check, request);
                (request, Some(asked))
            }
            None => (request, None),
        })
    }

    /// Sends `requests` on the stream in one round trip, with a question whether a transaction
    /// is open after them; answers each one's response or error.
    async fn send_all(
        &self,
        requests: Vec<StreamRequest>,
    ) -> Result<Vec<Result<StreamResponse, libsql::Error>>, libsql::Error> {
        let mut stream = std::mem::take(&mut *self.stream.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        let asked = requests.len();
        let mut requests = requests;
        requests.push(StreamRequest::GetAutocommit(GetAutocommitStreamReq {}));
        let mut body = PipelineReqBody { baton: stream.baton.take(), requests };
        let kept = body.baton.is_some();
        let url = |stream: &Stream| {
            stream
                .base_url
                .as_ref()
                .map_or_else(|| self.remote.pipeline_url.clone(), |base| format!("{base}/v3/pipeline"))
        };
        let text = serde_json::to_string(&body).map_err(|e| failure(UNREACHABLE, e.to_string()))?;
        let mut answer = self.remote.send(&url(&stream), text).await;
        if kept && self.is_autocommit() && is_refusal(&answer) {
            tracing::debug!("a kept database stream was refused; opening a new one");
            super::calls::retry();
            stream = Stream::default();
            body.baton = None;
            super::calls::round_trip();
            let text = serde_json::to_string(&body).map_err(|e| failure(UNREACHABLE, e.to_string()))?;
            answer = self.remote.send(&url(&stream), text).await;
        }
        let answer = match answer {
            Ok(answer) => answer,
            Err(err) => {
                // The stream is gone with the call; so is any transaction open on it.
                if !self.is_autocommit() || self.begin_pending.load(Ordering::Relaxed) {
                    self.lost.store(true, Ordering::Relaxed);
                }
                return Err(err);
            }
        };
        let PipelineRespBody { baton, base_url, results } = answer;
        let mut results = results.into_iter();
        let answers: Vec<_> = results
            .by_ref()
            .take(asked)
            .map(|result| match result {
                StreamResult::Ok { response } => Ok(response),
                StreamResult::Error { error } => Err(failure(&error.code, error.message)),
                StreamResult::None => Err(failure(UNREACHABLE, "the server sent no result")),
            })
            .collect();
        match results.next() {
            Some(StreamResult::Ok { response: StreamResponse::GetAutocommit(state) }) if answers.len() == asked => {
                self.autocommit.store(state.is_autocommit, Ordering::Relaxed);
                self.end_turn();
            }
            _ => {
                if !self.is_autocommit() {
                    self.lost.store(true, Ordering::Relaxed);
                }
                return Err(failure(UNREACHABLE, "the server did not say whether a transaction is open"));
            }
        }
        if let Some(baton) = baton {
            stream.baton = Some(baton);
            stream.base_url = base_url.or(stream.base_url);
            stream.used = Some(Instant::now());
            *self.stream.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = stream;
        }
        Ok(answers)
    }
}

/// Whether the server refused a request as a whole (an unknown stream most often): then
/// nothing of it ran.
fn is_refusal(answer: &Result<PipelineRespBody, libsql::Error>) -> bool {
    matches!(answer, Err(libsql::Error::Hrana(e)) if e.downcast_ref::<CallFailure>().is_some_and(|f| f.code != UNREACHABLE))
}
