//! A request with its credential check in front of it (see vouch.rs): the check becomes a
//! batch's first step, every other step runs only if it passed, and the answer is given back
//! as the request was asked, less the check.

use libsql_hrana::proto::{
    Batch, BatchCond, BatchCondList, BatchStep, BatchStreamReq, BatchStreamResp, ExecuteStreamReq, ExecuteStreamResp,
    Stmt, StreamRequest, StreamResponse,
};

use super::hrana::{UNREACHABLE, failure, step_error};
use super::vouch;

/// The answer to a request as its caller asked it: when the request's credential check went in
/// front of it, the check's verdict is recorded and the check's step taken out.
pub(super) fn checked_answer(
    answer: Result<StreamResponse, libsql::Error>,
    asked: Option<Asked>,
) -> Result<StreamResponse, libsql::Error> {
    let Some(asked) = asked else { return answer };
    let response = match answer {
        Ok(response) => response,
        Err(err) => {
            vouch::answered(None);
            return Err(err);
        }
    };
    let StreamResponse::Batch(BatchStreamResp { mut result }) = response else {
        vouch::answered(None);
        return Err(failure(UNREACHABLE, "unexpected answer to a checked batch"));
    };
    let passed = result.step_errors.first().is_some_and(Option::is_none);
    vouch::answered(Some(passed));
    if !passed {
        return Err(refused());
    }
    result.step_results.remove(0);
    result.step_errors.remove(0);
    match asked {
        Asked::Plain => Ok(StreamResponse::Batch(BatchStreamResp { result })),
        Asked::Statement => match (result.step_errors.pop().flatten(), result.step_results.pop().flatten()) {
            (Some(error), _) => Err(step_error(&error)),
            (None, Some(result)) => Ok(StreamResponse::Execute(ExecuteStreamResp { result })),
            (None, None) => Err(failure(UNREACHABLE, "the server sent no result for the statement")),
        },
    }
}

/// What a request became when the credential check was put in front of it.
pub(super) enum Asked {
    /// A batch, answered as one (less the check).
    Plain,
    /// A single statement, answered as one.
    Statement,
}

/// `request` as a batch whose first step is the request's credential check and whose every
/// other step runs only if the check passed.
pub(super) fn checked_first(check: Stmt, request: StreamRequest) -> (StreamRequest, Asked) {
    let passed = BatchCond::Ok { step: 0 };
    let (steps, asked) = match request {
        StreamRequest::Execute(ExecuteStreamReq { stmt }) => {
            (vec![BatchStep { condition: Some(passed.clone()), stmt }], Asked::Statement)
        }
        StreamRequest::Batch(BatchStreamReq { batch }) => {
            let steps = batch
                .steps
                .into_iter()
                .map(|step| BatchStep {
                    condition: Some(match step.condition {
                        Some(cond) => BatchCond::And(BatchCondList { conds: vec![passed.clone(), shifted(cond)] }),
                        None => passed.clone(),
                    }),
                    stmt: step.stmt,
                })
                .collect();
            (steps, Asked::Plain)
        }
        other => unreachable!("only statements and batches carry a credential check, not {other:?}"),
    };
    let steps = std::iter::once(BatchStep { condition: None, stmt: check }).chain(steps).collect();
    (StreamRequest::Batch(BatchStreamReq { batch: Batch { steps, replication_index: None } }), asked)
}

/// A batch step's condition with every step it names one further on.
fn shifted(cond: BatchCond) -> BatchCond {
    let next = |step: u32| step.saturating_add(1);
    match cond {
        BatchCond::Ok { step } => BatchCond::Ok { step: next(step) },
        BatchCond::Error { step } => BatchCond::Error { step: next(step) },
        BatchCond::Not { cond } => BatchCond::Not { cond: Box::new(shifted(*cond)) },
        BatchCond::And(list) => BatchCond::And(BatchCondList { conds: list.conds.into_iter().map(shifted).collect() }),
        BatchCond::Or(list) => BatchCond::Or(BatchCondList { conds: list.conds.into_iter().map(shifted).collect() }),
        other @ (BatchCond::None | BatchCond::IsAutocommit {}) => other,
    }
}

/// The error of a request whose credential check failed.
pub(super) fn refused() -> libsql::Error {
    failure(vouch::REFUSED, "the session or token no longer holds as this instance knew it")
}
