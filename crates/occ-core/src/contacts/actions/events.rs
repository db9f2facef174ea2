//! Contacts moving on as events of other resources happen (enrolled, first touch, a reply, a
//! meeting): many at once inside the caller's transaction ([`advance`]), or one inside a batch
//! ([`Mover`]).

use serde::Deserialize;

use crate::audit::{self, Actor};
use crate::contacts::repo::ENTITY;
use crate::contacts::scoring::sql::stage_set_sql;
use crate::domain::enums::Stage;
use crate::domain::{new_id, now};
use crate::error::{AppError, AppResult};
use crate::lifecycle::Lifecycle;
use crate::store::{Batch, Conn, Step, from_row, single};

/// Moves each of `ids` to `to` where the stage machine allows it from its current stage (an
/// event moving contacts on: enrolled, first touch, break-up), rescored, each with an audit
/// entry; the others stay as they are. Three calls; run it inside the caller's transaction.
/// Answers the contacts moved.
pub(crate) async fn advance(
    conn: &crate::store::Conn,
    actor: &crate::audit::Actor,
    ids: &[String],
    to: Stage,
    action: &str,
) -> AppResult<Vec<String>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let at = now();
    let audit_ids: Vec<(String, &String)> = ids.iter().map(|id| (new_id(), id)).collect();
    let audit_json = serde_json::to_string(&audit_ids).map_err(|e| AppError::Internal(e.into()))?;
    let ids_json = serde_json::to_string(ids).map_err(|e| AppError::Internal(e.into()))?;
    conn.write(
        "INSERT INTO audit_log (id, at, actor, user_id, action, entity, entity_id, request_id) \
         SELECT value ->> 0, :now, :actor, :user_id, :action, 'contact', value ->> 1, :request_id \
         FROM json_each(:audit)",
        libsql::named_params! {
            ":audit": audit_json.as_str(), ":now": at.as_str(), ":actor": actor.name.as_str(),
            ":user_id": actor.user_id.as_deref(), ":request_id": actor.request_id.as_deref(), ":action": action,
        },
    )
    .await?;
    let moved: Vec<String> = conn
        .query_all(
            concat!(
                "UPDATE contacts SET ",
                stage_set_sql!(":stage"),
                ", updated_at = :now \
                 WHERE id IN (SELECT value FROM json_each(:ids)) AND stage IN (SELECT value FROM json_each(:from)) \
                 RETURNING id"
            ),
            libsql::named_params! {
                ":stage": to.as_str(), ":now": at.as_str(), ":ids": ids_json.as_str(), ":from": Stage::sources(to),
            },
            single::<String>,
        )
        .await?;
    // Entries opened for contacts that did not move are removed, never left pending.
    conn.write(
        "DELETE FROM audit_log WHERE id IN (SELECT value ->> 0 FROM json_each(?1)) AND before IS NULL AND after IS NULL",
        [audit_json.as_str()],
    )
    .await?;
    Ok(moved)
}

/// What a [`Mover`] reads about the contacts row `c`: its stage, as one column.
macro_rules! mover_sql {
    () => {
        "c.stage"
    };
}
pub(crate) use mover_sql;

/// A contact's owner and stage, as [`Mover::read_for`] reads them.
#[derive(Deserialize)]
struct OwnerAndStage {
    owner_id: Option<String>,
    stage: String,
}

/// A contact whose stage moves inside a batch, read ([`mover_sql!`]) in the transaction that
/// makes the moves, or before it with [`Mover::read_for`], whose batch confirms what was read:
/// the stage the moves start from is the one read, and each move is audited and stores the
/// score at the new stage (computed by the statement that moves it), as [`advance`] does,
/// without a call of its own.
///
/// A contact not read ([`Mover::unread`]) moves by the database's stage table instead: each
/// move is a statement that moves it only from a stage the table allows, and the batch's
/// outcome says whether it did ([`Moved::IfRows`]).
#[derive(Debug)]
pub(crate) struct Mover {
    id: String,
    /// Where it stands (None: it does not exist); `None` of the outer option: not read.
    stage: Option<Option<Stage>>,
    at: String,
}

/// Whether a planned move moves the contact.
#[derive(Debug)]
pub(crate) enum Moved {
    /// It does.
    Yes,
    /// It does not (not allowed from where it stands, or no such contact).
    No,
    /// The database decides: it moved if the step returned a row.
    IfRows(Step),
}

impl Mover {
    /// The contact `id` from [`mover_sql!`]'s column (None: it does not exist), moved at `at`.
    pub(crate) fn new(id: &str, stage: Option<&str>, at: &str) -> AppResult<Self> {
        let stage = stage.map(str::parse).transpose().map_err(|e| AppError::Internal(anyhow::anyhow!("stage: {e}")))?;
        Ok(Self { id: id.to_owned(), stage: Some(stage), at: at.to_owned() })
    }

    /// The contact `id`, not read: its moves are decided by the database as the batch runs.
    pub(crate) fn unread(id: &str, at: &str) -> Self {
        Self { id: id.to_owned(), stage: None, at: at.to_owned() }
    }

    /// Reads the contact `id` outside any transaction, to move it in `batch`: its owner and its
    /// [`Mover`] at `at`; `batch` gets the check that the owner and the stage are unchanged when
    /// it runs. `None` when there is no such contact.
    pub(crate) async fn read_for(
        conn: &Conn,
        batch: &mut Batch,
        id: &str,
        at: &str,
    ) -> AppResult<Option<(Option<String>, Self)>> {
        let Some(OwnerAndStage { owner_id: owner, stage }) = conn
            .query_opt(
                concat!("SELECT c.owner_id, ", mover_sql!(), " FROM contacts c WHERE c.id = :id"),
                libsql::named_params! {":id": id},
                from_row,
            )
            .await?
        else {
            return Ok(None);
        };
        batch.require_unchanged(
            concat!("(SELECT json_array(c.owner_id, ", mover_sql!(), ") FROM contacts c WHERE c.id = :id) IS :seen"),
            libsql::named_params! {":id": id, ":seen": serde_json::json!([owner, stage]).to_string()},
        )?;
        Ok(Some((owner, Self::new(id, Some(&stage), at)?)))
    }

    /// The contact's id.
    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    /// Where the contact stands after the moves planned so far (None: it does not exist, or
    /// it was not read).
    pub(crate) fn stage(&self) -> Option<Stage> {
        self.stage.flatten()
    }

    /// Plans the move to `to` when the stage machine allows it from where the contact stands
    /// (an event moving it on); answers whether it moves.
    pub(crate) fn advance(&mut self, batch: &mut Batch, actor: &Actor, to: Stage, action: &str) -> AppResult<Moved> {
        let Some(stage) = self.stage else {
            let ids = [self.id.clone()];
            return super::advance::advance_in(batch, actor, to, action, &ids, &self.at).map(Moved::IfRows);
        };
        if !stage.is_some_and(|from| from.may_move(to)) {
            return Ok(Moved::No);
        }
        self.push(batch, actor, to, action, None)?;
        Ok(Moved::Yes)
    }

    /// Plans setting the stage to `to` whatever the stage machine says (a person corrected
    /// what moved it), with the reason; answers whether it moves (never for a contact not
    /// read).
    pub(crate) fn set(
        &mut self,
        batch: &mut Batch,
        actor: &Actor,
        to: Stage,
        action: &str,
        reason: &str,
    ) -> AppResult<Moved> {
        if self.stage().is_none_or(|from| from == to) {
            return Ok(Moved::No);
        }
        self.push(batch, actor, to, action, Some(reason))?;
        Ok(Moved::Yes)
    }

    fn push(
        &mut self,
        batch: &mut Batch,
        actor: &Actor,
        to: Stage,
        action: &str,
        reason: Option<&str>,
    ) -> AppResult<()> {
        audit::record_in(batch, actor, action, ENTITY, &self.id, reason)?;
        batch.push(
            concat!("UPDATE contacts SET ", stage_set_sql!(":to"), ", updated_at = :now WHERE id = :id"),
            libsql::named_params! {":id": self.id.as_str(), ":to": to.as_str(), ":now": self.at.as_str()},
        )?;
        self.stage = Some(Some(to));
        Ok(())
    }
}
