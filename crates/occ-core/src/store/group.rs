//! Group commit: the batches that wait for an instance's turn to write go to the server
//! together, in one round trip and one transaction.
//!
//! An instance writes one transaction at a time (see `Remote::writer`: sqld stalls when many
//! transactions wait for its write lock at once), so a batch waits for the turn and holds it
//! for its round trip. Batches that arrive meanwhile do not each wait for a round trip of their
//! own: whichever of them gets the turn next sends all that are waiting, in one transaction
//! (`BEGIN IMMEDIATE` ... `COMMIT`) where each batch is a savepoint of its own, and hands each
//! its answer. One commit for the group writes each page the batches share (the audit log's
//! last page and its indexes, a count row) once, where a commit per batch wrote it once each:
//! on sqld, which copies every committed page to its replication log, that is most of a
//! write's cost on the server.
//!
//! A batch that fails is rolled back to its savepoint: it keeps nothing of itself and changes
//! nothing of the others. When the group's transaction is lost as a whole (its `BEGIN` or
//! `COMMIT` failed, or an error rolled all of it back), nothing of any batch was kept: each is
//! answered the failure (a busy database is waited for and the batch sent again, see
//! `batch::remote_batch`), and a batch that did nothing wrong is answered busy, so it is sent
//! again.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use libsql_hrana::proto::{BatchCond, BatchCondList, BatchResult, BatchStep, Error, Stmt, StmtResult};
use tokio::sync::oneshot;

use super::hrana::{CallFailure, UNREACHABLE, failure};

/// What one batch of a round trip answered, as the server answers a batch of its own (see
/// [`split`]).
type Answer = Result<BatchResult, libsql::Error>;

/// A batch to send with the others: the credential check that goes in front of it, if one
/// does (see vouch.rs), and its statements.
pub(super) struct Entry {
    pub(super) check: Option<Stmt>,
    pub(super) body: Vec<Stmt>,
}

/// A batch waiting for the turn to write, and where its answer goes.
struct Waiting {
    id: u64,
    entry: Entry,
    answer: oneshot::Sender<Answer>,
}

/// The batches of an instance waiting for the turn to write.
#[derive(Default)]
pub(super) struct Group {
    waiting: std::sync::Mutex<Vec<Waiting>>,
    next: AtomicU64,
}

impl Group {
    fn waiting(&self) -> std::sync::MutexGuard<'_, Vec<Waiting>> {
        self.waiting.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes the batch `id` back if it has not been sent; answers whether it was.
    fn withdraw(&self, id: u64) -> bool {
        let mut waiting = self.waiting();
        let before = waiting.len();
        waiting.retain(|w| w.id != id);
        waiting.len() < before
    }

    /// Puts `entry` with the waiting batches, then either gets its answer from the request
    /// that sent it, or gets the turn to write first (`turn`) and sends every batch waiting
    /// (`send`, one round trip), then gives the turn back (`end_turn`).
    pub(super) async fn send_with_others<S, F>(
        &self,
        entry: Entry,
        turn: impl Future<Output = Result<(), libsql::Error>>,
        send: S,
        end_turn: impl FnOnce(),
    ) -> Answer
    where
        S: FnOnce(Vec<Entry>) -> F,
        F: Future<Output = Result<Vec<Answer>, libsql::Error>>,
    {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (answer, mut answered) = oneshot::channel();
        self.waiting().push(Waiting { id, entry, answer });
        let lost = || failure(UNREACHABLE, "the batch was sent and its answer lost");
        tokio::select! {
            biased;
            answer = &mut answered => return answer.unwrap_or_else(|_| Err(lost())),
            turn = turn => {
                if let Err(busy) = turn {
                    if self.withdraw(id) {
                        return Err(busy);
                    }
                    // Another request took it and sends it: its answer comes.
                    return answered.await.unwrap_or_else(|_| Err(lost()));
                }
            }
        }
        let sending = std::mem::take(&mut *self.waiting());
        if !sending.is_empty() {
            let (entries, answers): (Vec<_>, Vec<_>) = sending.into_iter().map(|w| (w.entry, w.answer)).unzip();
            match send(entries).await {
                Ok(results) => {
                    for (answer, result) in answers.into_iter().zip(results) {
                        let _ = answer.send(result);
                    }
                }
                Err(err) => {
                    for answer in answers {
                        let _ = answer.send(Err(copy(&err)));
                    }
                }
            }
        }
        end_turn();
        answered.await.unwrap_or_else(|_| Err(lost()))
    }
}

/// The name of each batch's savepoint (one at a time: each is released before the next).
const SAVEPOINT: &str = "occ_batch";

/// Where one batch's steps are in the group's transaction.
#[derive(Debug)]
pub(super) struct Place {
    check: Option<usize>,
    savepoint: usize,
    body: Range<usize>,
    release: usize,
    back: usize,
}

/// The group's transaction: where each batch's steps are, and where its `COMMIT` is.
#[derive(Debug)]
pub(super) struct Layout {
    places: Vec<Place>,
    commit: usize,
}

fn ok(step: usize) -> BatchCond {
    BatchCond::Ok { step: u32::try_from(step).unwrap_or(u32::MAX) }
}

fn not(cond: BatchCond) -> BatchCond {
    BatchCond::Not { cond: Box::new(cond) }
}

fn all(conds: Vec<BatchCond>) -> BatchCond {
    BatchCond::And(BatchCondList { conds })
}

/// The steps of one transaction holding every batch, each in a savepoint of its own:
///
/// - `BEGIN IMMEDIATE`;
/// - for each batch, its credential check (a read, run whatever else happens, so its verdict is
///   real), then `SAVEPOINT` if the transaction began, the check passed and the transaction is
///   still open (an error that rolls a whole transaction back must not let the next batch run
///   in a transaction of its own), each statement if the one before it succeeded, `RELEASE`
///   after the last, and `ROLLBACK TO` (then `RELEASE`) when the release did not happen;
/// - `COMMIT` if the transaction is open and no batch failed to roll back to its savepoint;
/// - `ROLLBACK` if the commit did not happen and the transaction is open.
pub(super) fn merge(entries: Vec<Entry>) -> (Vec<BatchStep>, Layout) {
    let stmt = |sql: &str| Stmt::new(sql, false);
    let open = || not(BatchCond::IsAutocommit {});
    let mut steps = vec![BatchStep { condition: None, stmt: stmt("BEGIN IMMEDIATE") }];
    let mut places = Vec::with_capacity(entries.len());
    for Entry { check, body } in entries {
        let check = check.map(|check| {
            steps.push(BatchStep { condition: None, stmt: check });
            steps.len() - 1
        });
        let savepoint = steps.len();
        let mut begun = vec![ok(0), open()];
        begun.extend(check.map(ok));
        steps.push(BatchStep { condition: Some(all(begun)), stmt: stmt(&format!("SAVEPOINT {SAVEPOINT}")) });
        let first = steps.len();
        for stmt in body {
            steps.push(BatchStep { condition: Some(ok(steps.len() - 1)), stmt });
        }
        let body = first..steps.len();
        let release = steps.len();
        steps.push(BatchStep { condition: Some(ok(release - 1)), stmt: stmt(&format!("RELEASE {SAVEPOINT}")) });
        let back = steps.len();
        steps.push(BatchStep {
            condition: Some(all(vec![ok(savepoint), not(ok(release))])),
            stmt: stmt(&format!("ROLLBACK TO {SAVEPOINT}")),
        });
        steps.push(BatchStep { condition: Some(ok(back)), stmt: stmt(&format!("RELEASE {SAVEPOINT}")) });
        places.push(Place { check, savepoint, body, release, back });
    }
    let commit = steps.len();
    let mut commit_when = vec![ok(0), open()];
    // A batch's rollback to its savepoint failed when it should have run (its savepoint began
    // and was not released) and did not succeed. (sqld counts a step that did not run as one
    // that failed, so `BatchCond::Error` cannot say it.)
    commit_when.extend(
        places
            .iter()
            .map(|p| BatchCond::Or(BatchCondList { conds: vec![not(ok(p.savepoint)), ok(p.release), ok(p.back)] })),
    );
    steps.push(BatchStep { condition: Some(all(commit_when)), stmt: stmt("COMMIT") });
    steps.push(BatchStep { condition: Some(all(vec![not(ok(commit)), open()])), stmt: stmt("ROLLBACK") });
    (steps, Layout { places, commit })
}

/// What the group's transaction answered, as each batch would have been answered on its own
/// (`batch::remote_batch` reads it): its check's verdict first if it had one, then `BEGIN`, its
/// statements, and a `COMMIT` that succeeded only if the batch's savepoint was released and the
/// group committed.
pub(super) fn split(result: BatchResult, layout: &Layout) -> Vec<Answer> {
    let BatchResult { mut step_results, step_errors, .. } = result;
    let error = |step: usize| step_errors.get(step).cloned().flatten();
    let ran = |results: &[Option<StmtResult>], step: usize| results.get(step).is_some_and(Option::is_some);
    // `BEGIN` and `COMMIT` answer nothing but that they ran, which each batch is told.
    let begun = ran(&step_results, 0).then(StmtResult::default);
    let committed = ran(&step_results, layout.commit);
    let mut answers = Vec::with_capacity(layout.places.len());
    for place in &layout.places {
        let own_steps = place.check.into_iter().chain(place.body.clone());
        let mut results: Vec<_> =
            own_steps.clone().map(|step| step_results.get_mut(step).and_then(Option::take)).collect();
        let mut errors: Vec<_> = own_steps.map(error).collect();
        // `BEGIN` goes after the check, before the statements.
        let at = usize::from(place.check.is_some());
        results.insert(at, begun.clone());
        errors.insert(at, error(0));
        let failed = place.body.clone().any(|step| error(step).is_some());
        let check_failed = place.check.is_some_and(|check| error(check).is_some());
        let (commit, commit_error) = if error(0).is_some() || failed || check_failed {
            // Nothing began, the batch failed, or its credential check did: its own error says so.
            (None, None)
        } else if let Some(err) = error(place.savepoint).or_else(|| error(place.release)) {
            (None, Some(err))
        } else if committed {
            (Some(StmtResult::default()), None)
        } else if let Some(err) = error(layout.commit) {
            (None, Some(err))
        } else {
            (None, Some(rolled_back_by_another()))
        };
        results.extend([commit, None]);
        errors.extend([commit_error, None]);
        answers.push(Ok(BatchResult { step_results: results, step_errors: errors, replication_index: None }));
    }
    answers
}

/// What a batch that did nothing wrong is answered when another's error lost the group's
/// transaction: busy, so it is sent again.
fn rolled_back_by_another() -> Error {
    Error {
        code: "SQLITE_BUSY".to_owned(),
        message: "another write sent with this one failed and nothing was kept; send it again".to_owned(),
    }
}

/// The same failure again, for each batch of a round trip that failed as a whole.
fn copy(err: &libsql::Error) -> libsql::Error {
    match err {
        libsql::Error::Hrana(inner) => match inner.downcast_ref::<CallFailure>() {
            Some(call) => failure(&call.code, call.message.clone()),
            None => failure(UNREACHABLE, inner.to_string()),
        },
        other => failure(UNREACHABLE, other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two batches: `a` with a credential check and one statement, `b` with two.
    fn layout() -> (Vec<BatchStep>, Layout) {
        let stmt = |sql: &str| Stmt::new(sql, true);
        merge(vec![
            Entry { check: Some(stmt("SELECT 'check'")), body: vec![stmt("INSERT a")] },
            Entry { check: None, body: vec![stmt("INSERT b1"), stmt("INSERT b2")] },
        ])
    }

    /// What the server answered, one letter a step: `o` ran, `e` failed, `-` did not run.
    fn answered(steps: &str) -> BatchResult {
        let (step_results, step_errors) = steps
            .chars()
            .map(|c| match c {
                'o' => (Some(StmtResult::default()), None),
                'e' => (None, Some(Error { message: "failed".to_owned(), code: "SQLITE_CONSTRAINT".to_owned() })),
                _ => (None, None),
            })
            .unzip();
        BatchResult { step_results, step_errors, replication_index: None }
    }

    /// Each batch's answer the same way, its check's verdict first when it has one.
    fn seen(answers: Vec<Answer>) -> Vec<String> {
        answers
            .into_iter()
            .map(|answer| {
                let result = answer.expect("answer");
                let codes = result.step_results.iter().zip(&result.step_errors).map(|step| match step {
                    (_, Some(err)) if err.code == "SQLITE_BUSY" => 'b',
                    (_, Some(_)) => 'e',
                    (Some(_), None) => 'o',
                    (None, None) => '-',
                });
                codes.collect()
            })
            .collect()
    }

    #[test]
    fn each_batch_is_a_savepoint_of_one_transaction_that_commits_once() {
        let (steps, layout) = layout();
        let sql: Vec<&str> = steps.iter().map(|s| s.stmt.sql.as_deref().unwrap_or_default()).collect();
        assert_eq!(
            sql,
            [
                "BEGIN IMMEDIATE",
                "SELECT 'check'",
                "SAVEPOINT occ_batch",
                "INSERT a",
                "RELEASE occ_batch",
                "ROLLBACK TO occ_batch",
                "RELEASE occ_batch",
                "SAVEPOINT occ_batch",
                "INSERT b1",
                "INSERT b2",
                "RELEASE occ_batch",
                "ROLLBACK TO occ_batch",
                "RELEASE occ_batch",
                "COMMIT",
                "ROLLBACK",
            ]
        );
        assert_eq!(layout.commit, 13);
        assert!(steps[1].condition.is_none(), "a credential check runs whatever else happens");
    }

    /// The group's answers to the server's, step by step (see [`layout`]: `BEGIN`, `a`'s check,
    /// its savepoint, statement, release, rollback to and release; `b`'s savepoint, two
    /// statements, release, rollback to and release; `COMMIT`, `ROLLBACK`).
    fn answers(steps: &str) -> Vec<String> {
        assert_eq!(steps.len(), 15, "one letter a step");
        seen(split(answered(steps), &layout().1))
    }

    #[test]
    fn a_batch_that_fails_answers_its_error_and_the_others_commit() {
        assert_eq!(answers("ooooo--oooo--o-"), ["oooo-", "oooo-"]);
        assert_eq!(answers("ooooo--ooe-ooo-"), ["oooo-", "ooe--"]);
        // `a`'s credential check failed: nothing of it ran, and the check says why.
        assert_eq!(answers("oe-----oooo--o-"), ["eo---", "oooo-"]);
    }

    #[test]
    fn when_the_transaction_is_lost_nothing_is_kept_and_the_others_are_sent_again() {
        // `a` failed and took the transaction with it: `b` never began, nothing was committed.
        assert_eq!(answers("oooe-e---------"), ["ooe--", "o--b-"]);
        // `b` lost it after `a` was released: `a` is sent again.
        assert_eq!(answers("ooooo--oe--e---"), ["ooob-", "oe---"]);
        // The commit failed: each batch is answered its failure (a busy one waits, and is sent again).
        assert_eq!(answers("ooooo--oooo--eo"), ["oooe-", "oooe-"]);
        // The transaction never began; the check ran all the same.
        assert_eq!(answers("eo-------------"), ["oe---", "e----"]);
    }
}
