//! A person's change to one record with a lifecycle, made the one way: in one transaction, load
//! the record, check who may change it, check the status move against the table, write the
//! change and its audit entry (what the record was and what it became), and answer the record
//! as it is after. A failed check writes nothing.

use super::Lifecycle;
use crate::access::Principal;
use crate::audit::{self, Actor};
use crate::error::AppResult;
use crate::store::{Batch, Conn, Row, Step};

/// A record whose status moves along a [`Lifecycle`], as a change loads it.
pub trait Record {
    /// Its status, with the table of allowed moves.
    type Status: Lifecycle;
    /// What the audit log and a 404 call it (`batch`).
    const ENTITY: &'static str;

    /// Its status now.
    fn status(&self) -> Self::Status;

    /// Who may change it: nothing for a caller who may, else the refusal (a bdr changes only
    /// what they own, where the record has an owner).
    fn may_change(&self, principal: &Principal) -> AppResult<()>;

    /// What the audit log keeps of it: the entry's `before`, and (made the same way from the new
    /// values) its `after`.
    fn audit_view(&self) -> serde_json::Value;
}

/// The status move a change asks for.
#[derive(Debug, Clone, Copy)]
pub enum Move<S> {
    /// Perhaps a move (a PATCH's `status`): none, or the current status, is no move; another
    /// status must be one the table allows.
    Maybe(Option<S>),
    /// A move that must happen (pause, resume): the current status is refused too.
    To(S),
}

/// What a change's write added to the batch.
#[derive(Debug)]
pub struct Written {
    /// The audit action (`batch.update`).
    pub action: &'static str,
    /// The step that returns the record after the change.
    pub returns: Step,
    /// The audit entry's `after` ([`Record::audit_view`] of the new values).
    pub audit_after: serde_json::Value,
}

/// Who changes which record, and why (kept in the audit entry).
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// The caller, whom [`Record::may_change`] checks.
    pub principal: &'a Principal,
    /// Who the audit entry names.
    pub actor: &'a Actor,
    /// The record's id.
    pub id: &'a str,
    /// Why, when the caller said.
    pub reason: Option<&'a str>,
}

impl Change<'_> {
    /// Makes the change in one transaction: `load` reads the record (its first read holds the
    /// write lock, so nothing changes it before the write), the caller and the move are checked,
    /// `write` adds the change to the batch given the record and the move (`None`: the status
    /// stays), and the audit entry goes with it. Answers the record after, as `decode` reads
    /// the row `write` said returns it.
    pub async fn run<R: Record, T>(
        self,
        conn: &Conn,
        to: Move<R::Status>,
        load: impl AsyncFnOnce(&Conn) -> AppResult<R>,
        write: impl FnOnce(&R, Option<R::Status>, &mut Batch) -> AppResult<Written>,
        decode: impl Fn(&Row) -> AppResult<T>,
    ) -> AppResult<T> {
        let (outcome, after) = conn
            .read_then_write(async |conn| {
                let before = load(conn).await?;
                before.may_change(self.principal)?;
                let moved = match to {
                    Move::Maybe(to) => before.status().check_move(to)?,
                    Move::To(to) => Some(before.status().require_move(to)?),
                };
                let mut batch = Batch::new();
                let written = write(&before, moved, &mut batch)?;
                audit::record_with_in(
                    &mut batch,
                    self.actor,
                    written.action,
                    R::ENTITY,
                    self.id,
                    Some(&before.audit_view()),
                    Some(&written.audit_after),
                    self.reason,
                )?;
                Ok((batch, written.returns))
            })
            .await?;
        outcome.one(R::ENTITY, after, decode)
    }
}
