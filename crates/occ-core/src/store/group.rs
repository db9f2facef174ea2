//! Group commit: the batches that wait for an instance's turn to write go to the server
//! together, in one round trip.
//!
//! An instance writes one transaction at a time (see `Remote::writer`: sqld stalls when many
//! transactions wait for its write lock at once), so a batch waits for the turn and holds it
//! for its round trip. Batches that arrive meanwhile do not each wait for a round trip of their
//! own: whichever of them gets the turn next sends all that are waiting, each its own
//! transaction with its own `BEGIN IMMEDIATE` ... `COMMIT` (or `ROLLBACK`), one after the other
//! in one request, and hands each its answer. The server still commits them one by one, and a
//! batch that fails keeps nothing of itself and changes nothing of the others.

use std::sync::atomic::{AtomicU64, Ordering};

use libsql_hrana::proto::{Batch, BatchResult, BatchStep, BatchStreamReq, StreamRequest, StreamResponse};
use tokio::sync::oneshot;

use super::checked::checked_answer;
use super::hrana::{CallFailure, UNREACHABLE, failure};
use super::remote::RemoteConn;

/// A batch waiting for the turn to write, and where its answer goes.
pub(super) struct Waiting {
    id: u64,
    request: StreamRequest,
    answer: oneshot::Sender<Result<StreamResponse, libsql::Error>>,
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
}

impl RemoteConn {
    /// Runs a batch outside any transaction (its steps begin and end their own) in the next
    /// round trip this instance may write in, with the other batches waiting for it.
    pub(super) async fn batch_in_group(&self, steps: Vec<BatchStep>) -> Result<BatchResult, libsql::Error> {
        let request = StreamRequest::Batch(BatchStreamReq { batch: Batch { steps, replication_index: None } });
        let (request, asked) = self.checked(request)?;
        super::calls::round_trip();
        let answer = self.in_group(request).await;
        match checked_answer(answer, asked)? {
            StreamResponse::Batch(done) => Ok(done.result),
            other => Err(failure(UNREACHABLE, format!("unexpected answer to a batch: {other:?}"))),
        }
    }

    /// Puts `request` with the waiting batches, then either gets its answer from the request
    /// that sent it, or gets the turn to write first and sends every batch waiting.
    async fn in_group(&self, request: StreamRequest) -> Result<StreamResponse, libsql::Error> {
        let group = &self.remote().group;
        let id = group.next.fetch_add(1, Ordering::Relaxed);
        let (answer, mut answered) = oneshot::channel();
        group.waiting().push(Waiting { id, request, answer });
        let lost = || failure(UNREACHABLE, "the batch was sent and its answer lost");
        tokio::select! {
            biased;
            answer = &mut answered => return answer.unwrap_or_else(|_| Err(lost())),
            turn = self.write_turn() => {
                if let Err(busy) = turn {
                    if group.withdraw(id) {
                        return Err(busy);
                    }
                    // Another request took it and sends it: its answer comes.
                    return answered.await.unwrap_or_else(|_| Err(lost()));
                }
            }
        }
        let sending = std::mem::take(&mut *group.waiting());
        if !sending.is_empty() {
            let (requests, answers): (Vec<_>, Vec<_>) = sending.into_iter().map(|w| (w.request, w.answer)).unzip();
            match self.send_all(requests).await {
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
        self.end_turn();
        answered.await.unwrap_or_else(|_| Err(lost()))
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
