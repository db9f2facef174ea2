//! The Pipeline board: every stage with its count and its best contacts by priority, and the
//! stage machine's moves, so the board knows where a card may be dropped. One call.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::domain::enums::Stage;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, Query};
use crate::lifecycle::Lifecycle;
use crate::store::from_row;

/// The most cards a column shows.
pub const MAX_PER_STAGE: u32 = 100;

/// A card on the board. The board's statement gives each as a JSON array of its fields in this
/// order, all but the stage, which is its column's.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct Card {
    pub id: String,
    pub first_name: String,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub priority_score: i64,
    pub owner_id: Option<String>,
    pub status: String,
    #[serde(default)]
    pub stage: String,
}

/// A column: a stage, how many contacts are in it, and the best of them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct Column {
    pub stage: Stage,
    pub count: i64,
    pub contacts: Vec<Card>,
}

/// The board.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Board {
    /// Every stage, in the machine's order.
    pub stages: Vec<Column>,
    /// Per stage, the stages a contact in it may move to.
    #[schema(value_type = Object)]
    pub transitions: serde_json::Map<String, serde_json::Value>,
}

/// A stage's row of the board: its count and its cards, as a JSON array.
#[derive(Deserialize)]
struct StageRow {
    stage: String,
    count: i64,
    #[serde(deserialize_with = "crate::store::json")]
    cards: Vec<Card>,
}

/// The board: per stage its count and its top contacts by priority (`per_stage`, default 25,
/// at most 100); `owner` is a user id, `me` or `none`.
#[utoipa::path(get, path = "/api/v1/pipeline", tag = "contacts",
    params(("owner" = Option<String>, Query), ("per_stage" = Option<u32>, Query)),
    responses((status = 200, body = Board), (status = 422, body = ErrorResponse)))]
pub(crate) async fn board(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let mut q = Query::of(&req);
    let owner = q.one("owner");
    let (owner_kind, owner_id) = match owner.as_deref() {
        None => (None, None),
        Some("none") => (Some("nobody"), None),
        Some("me") => (Some("user"), Some(principal.user_id.clone())),
        Some(id) => (
            Some("user"),
            Some(
                uuid::Uuid::try_parse(id)
                    .map_err(|_| AppError::invalid("owner", "format", "must be a user id, me or none"))?
                    .to_string(),
            ),
        ),
    };
    let per_stage = match q.one("per_stage") {
        None => 25,
        Some(text) => match text.parse::<u32>() {
            Ok(n) if (1..=MAX_PER_STAGE).contains(&n) => n,
            _ => return Err(AppError::invalid("per_stage", "range", format!("must be from 1 to {MAX_PER_STAGE}"))),
        },
    };
    q.finish()?;
    let stages: Vec<&str> = Stage::ALL.iter().map(|s| s.as_str()).collect();
    let stages_json = serde_json::to_string(&stages).map_err(|e| AppError::Internal(e.into()))?;
    // One row per stage: its count (from the counts the triggers keep, migration 0004) and its
    // cards as one JSON array, each column from its own range of the index made for its owner
    // filter, which holds everything a card shows (migration 0008); the account names come from
    // an index too. One statement per owner filter, so each walks its own index.
    macro_rules! board {
        ($owner:literal) => {
            concat!(
                "SELECT s.value AS stage, (SELECT ifnull(sum(k.n), 0) FROM contact_stage_counts k WHERE k.stage = s.value \
                     AND (:owner_kind IS NULL OR k.owner_key = ifnull(:owner_id, ''))) AS count, \
                   (SELECT json_group_array(json_array(card.id, card.first_name, card.last_name, card.title, \
                       card.account_id, \
                       (SELECT a.name FROM accounts a INDEXED BY idx_accounts_names WHERE a.id = card.account_id), \
                       card.priority_score, card.owner_id, card.status)) \
                    FROM (SELECT x.id, x.first_name, x.last_name, x.title, x.account_id, x.priority_score, x.owner_id, \
                       x.status FROM contacts x WHERE x.stage = s.value AND ",
                $owner,
                " ORDER BY x.priority_score DESC, x.id LIMIT :per_stage) card) AS cards \
                 FROM json_each(:stages) s"
            )
        };
    }
    // Every statement names every parameter (the ifnull terms hold for the filters without an
    // owner id).
    let sql = match owner_kind {
        None => board!("ifnull(:owner_id, '') = ''"),
        Some("nobody") => board!("x.owner_id IS NULL AND ifnull(:owner_id, '') = ''"),
        Some(_) => board!("x.owner_id = :owner_id"),
    };
    let rows = ctx
        .conn()
        .await?
        .query_all(
            sql,
            libsql::named_params! {
                ":owner_kind": owner_kind, ":owner_id": owner_id, ":stages": stages_json.as_str(),
                ":per_stage": i64::from(per_stage),
            },
            |row| {
                let StageRow { stage, count, mut cards } = from_row(row)?;
                for card in &mut cards {
                    card.stage.clone_from(&stage);
                }
                Ok((stage, count, cards))
            },
        )
        .await?;
    let mut columns: Vec<Column> =
        Stage::ALL.iter().map(|s| Column { stage: *s, count: 0, contacts: Vec::new() }).collect();
    for (stage, count, cards) in rows {
        let Some(column) = columns.iter_mut().find(|c| c.stage.as_str() == stage) else { continue };
        column.count = count;
        column.contacts = cards;
    }
    for column in &mut columns {
        column.contacts.sort_by(|a, b| b.priority_score.cmp(&a.priority_score).then_with(|| a.id.cmp(&b.id)));
    }
    let transitions = Stage::ALL
        .iter()
        .map(|s| {
            (s.as_str().to_owned(), serde_json::json!(s.next_statuses().iter().map(|t| t.as_str()).collect::<Vec<_>>()))
        })
        .collect();
    http::ok(&Board { stages: columns, transitions })
}
