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

use libsql_hrana::proto::{StreamRequest, StreamResponse};
use tokio::sync::oneshot;

use super::hrana::{CallFailure, UNREACHABLE, failure};

/// What one request of a round trip answered.
type Answer = Result<StreamResponse, libsql::Error>;

/// A batch waiting for the turn to write, and where its answer goes.
struct Waiting {
    id: u64,
    request: StreamRequest,
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

    /// Puts `request` with the waiting batches, then either gets its answer from the request
    /// that sent it, or gets the turn to write first (`turn`) and sends every batch waiting
    /// (`send`, one round trip), then gives the turn back (`end_turn`).
    pub(super) async fn send_with_others<S, F>(
        &self,
        request: StreamRequest,
        turn: impl Future<Output = Result<(), libsql::Error>>,
        send: S,
        end_turn: impl FnOnce(),
    ) -> Answer
    where
        S: FnOnce(Vec<StreamRequest>) -> F,
        F: Future<Output = Result<Vec<Answer>, libsql::Error>>,
    {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (answer, mut answered) = oneshot::channel();
        self.waiting().push(Waiting { id, request, answer });
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
            let (requests, answers): (Vec<_>, Vec<_>) = sending.into_iter().map(|w| (w.request, w.answer)).unzip();
            match send(requests).await {
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
