//! Keeping scores current. A change that moves a contact's score (its title, stage or account,
//! a signal, the company's industry or size) stores the new score in the same transaction; a
//! new model version rescores everyone in chunks (`rescore_behind`). The database keeps the
//! history: a trigger writes an icp_scores row whenever a score or its factors change
//! (migrations/0002_scores_imports.up.sql).
//!
//! The context SQL below gathers, in the statement that opens or makes the change, what the
//! model reads about a contact; the Rust model then scores it.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Factor, IcpConfig, Inputs, Scored, SignalInput, score};
use crate::domain::enums::{Department, Seniority, Stage};
use crate::error::{AppError, AppResult};
use crate::store::{Batch, Conn, col};

/// The model in use, as a SQL expression: `json_array(version, model)`, or NULL before anyone
/// saved one.
macro_rules! model_sql {
    () => {
        "(SELECT json_array(st.version, json(st.value)) FROM settings st WHERE st.key = 'icp' \
         ORDER BY st.version DESC LIMIT 1)"
    };
}
pub(crate) use model_sql;

/// What the model reads about the contact row `$c` (which may be a NULL row when the contact is
/// being created) at the account whose id is the SQL expression `$account`, as a JSON object:
/// its seniority, department and stage, the account's industry, sub-industry and head count, and
/// the fresh signals about the contact or the account (strength, when, about the contact itself).
/// Expects a `:now` parameter.
macro_rules! context_sql {
    ($c:literal, $account:literal) => {
        concat!(
            "json_object('seniority', ",
            $c,
            ".seniority, 'department', ",
            $c,
            ".department, 'stage', ",
            $c,
            ".stage, \
             'account', json((SELECT json_array(ax.industry, ax.sub_industry, ax.employee_count) FROM accounts ax \
             WHERE ax.id = ",
            $account,
            ")), \
             'signals', json((SELECT json_group_array(json_array(sx.strength, sx.occurred_at, sx.contact_id IS ",
            $c,
            ".id)) \
             FROM signals sx WHERE (sx.contact_id = ",
            $c,
            ".id OR sx.account_id = ",
            $account,
            ") \
             AND (sx.expires_at IS NULL OR sx.expires_at > :now))))"
        )
    };
}
pub(crate) use context_sql;

const ENTITY: &str = "contact";

/// The contexts of the contacts that `$condition` (SQL over the contacts row `c`) selects, as a
/// JSON array of `[id, context]`; read with [`score_group`]. Expects `:now`.
macro_rules! group_context_sql {
    ($condition:literal) => {
        concat!(
            "json((SELECT json_group_array(json_array(c.id, ",
            $crate::scoring::recompute::context_sql!("c", "c.account_id"),
            ")) FROM contacts c WHERE ",
            $condition,
            "))"
        )
    };
}
pub(crate) use group_context_sql;

/// Scores the contacts of a [`group_context_sql!`] value, after `adjust` (for what the change
/// sets that the database does not show yet).
pub fn score_group(
    text: Option<&str>,
    model: &Model,
    now: &str,
    adjust: impl Fn(Context) -> Context,
) -> AppResult<Vec<(String, Scored)>> {
    let Some(text) = text else { return Ok(Vec::new()) };
    let group: Vec<(String, Context)> =
        serde_json::from_str(text).map_err(|e| AppError::Internal(anyhow::anyhow!("scoring contexts: {e}")))?;
    Ok(group.into_iter().map(|(id, context)| (id, model.score(&adjust(context).inputs(now)))).collect())
}

/// A version of the ICP model.
#[derive(Debug, Clone)]
pub struct Model {
    /// The settings version (0: the defaults).
    pub version: i64,
    /// The model.
    pub config: IcpConfig,
}

impl Model {
    /// Reads [`model_sql!`]'s value.
    pub fn decode(text: Option<String>) -> AppResult<Self> {
        match text {
            None => Ok(Self { version: 0, config: IcpConfig::default() }),
            Some(text) => {
                let (version, config): (i64, IcpConfig) = serde_json::from_str(&text)
                    .map_err(|e| AppError::Internal(anyhow::anyhow!("stored ICP model: {e}")))?;
                Ok(Self { version, config })
            }
        }
    }

    /// Scores `inputs` with this model.
    pub fn score(&self, inputs: &Inputs) -> Scored {
        score(&self.config, inputs)
    }
}

/// A company's facts the model reads: industry, sub-industry, head count.
pub type AccountFacts = (Option<String>, Option<String>, Option<i64>);

/// What [`context_sql!`] gathered about one contact.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Context {
    /// None when the contact does not exist (yet).
    pub seniority: Option<Seniority>,
    /// The department, if placed.
    pub department: Option<Department>,
    /// None when the contact does not exist (yet).
    pub stage: Option<Stage>,
    /// The account's facts; None without an account.
    pub account: Option<AccountFacts>,
    /// Fresh signals: strength, when, whether about the contact itself (1) or its account (0).
    #[serde(default)]
    pub signals: Vec<(i64, String, i64)>,
}

impl Context {
    /// Reads [`context_sql!`]'s value.
    pub fn decode(text: &str) -> AppResult<Self> {
        serde_json::from_str(text).map_err(|e| AppError::Internal(anyhow::anyhow!("scoring context: {e}")))
    }

    /// Whether the contact exists.
    pub fn found(&self) -> bool {
        self.stage.is_some()
    }

    /// The model's inputs as of `now` (RFC 3339). Callers override what their change sets.
    pub fn inputs(&self, now: &str) -> Inputs {
        let now = chrono::DateTime::parse_from_rfc3339(now).map(|t| t.to_utc()).unwrap_or_else(|_| chrono::Utc::now());
        let (industry, sub_industry, employee_count) = self.account.clone().unwrap_or_default();
        Inputs {
            industry,
            sub_industry,
            seniority: self.seniority.unwrap_or(Seniority::Unknown),
            department: self.department,
            employee_count,
            stage: self.stage.unwrap_or(Stage::New),
            signals: self
                .signals
                .iter()
                .map(|(strength, at, _)| SignalInput { strength: *strength, age_days: age_days(at, now) })
                .collect(),
        }
    }

    /// The same contact without its account (the account is being deleted): no company facts,
    /// only the signals about the contact itself.
    pub fn without_account(mut self) -> Self {
        self.account = None;
        self.signals.retain(|(_, _, own)| *own != 0);
        self
    }
}

/// Days from `at` to `now`; an unreadable time counts as now.
pub fn age_days(at: &str, now: chrono::DateTime<chrono::Utc>) -> f64 {
    chrono::DateTime::parse_from_rfc3339(at).map_or(0.0, |t| (now - t.to_utc()).num_seconds() as f64 / 86_400.0)
}

impl Scored {
    /// The factors as stored in `priority_factors`.
    pub fn factors_json(&self) -> String {
        let map: BTreeMap<&str, u32> = self.factors.iter().map(|(f, p)| (Factor::as_str(*f), *p)).collect();
        serde_json::to_string(&map).unwrap_or_else(|_| "{}".to_owned())
    }
}

/// Stores computed scores (one call): each `(contact id, score)` with the model version it was
/// computed with. A contact already scored by a newer model keeps its score.
pub async fn store(conn: &Conn, version: i64, scores: &[(String, Scored)]) -> AppResult<()> {
    if scores.is_empty() {
        return Ok(());
    }
    conn.write(STORE, libsql::params![stored(scores), version]).await?;
    Ok(())
}

/// As [`store`], as a statement of a batch.
pub fn store_in(batch: &mut Batch, version: i64, scores: &[(String, Scored)]) -> AppResult<()> {
    if !scores.is_empty() {
        batch.push(STORE, libsql::params![stored(scores), version])?;
    }
    Ok(())
}

/// The write of [`store`]: `?1` is [`stored`]'s array, `?2` the model version.
const STORE: &str = "UPDATE contacts SET priority_score = json_extract(j.value, '$[1]'), \
     priority_factors = json_extract(j.value, '$[2]'), priority_version = ?2 \
     FROM json_each(?1) AS j WHERE contacts.id = json_extract(j.value, '$[0]') AND contacts.priority_version <= ?2";

/// Scores as a JSON array of `[contact id, score, factors]`.
fn stored(scores: &[(String, Scored)]) -> String {
    let rows: Vec<serde_json::Value> =
        scores.iter().map(|(id, scored)| serde_json::json!([id, scored.score, scored.factors_json()])).collect();
    serde_json::Value::Array(rows).to_string()
}

/// Recomputes and stores the scores of these contacts (two calls; run it inside the caller's
/// transaction so the inputs cannot change in between).
pub async fn rescore(conn: &Conn, ids: &[String]) -> AppResult<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    let ids_json = serde_json::to_string(ids).map_err(|e| AppError::Internal(e.into()))?;
    let now = crate::domain::now();
    let rows = conn
        .query_all(
            concat!(
                "SELECT c.id, ",
                context_sql!("c", "c.account_id"),
                ", ",
                model_sql!(),
                " FROM contacts c WHERE c.id IN (SELECT value FROM json_each(:ids))"
            ),
            libsql::named_params! {":ids": ids_json, ":now": now.as_str()},
            |row| Ok((col::<String>(row, 0)?, col::<String>(row, 1)?, col::<Option<String>>(row, 2)?)),
        )
        .await?;
    score_rows(conn, rows, &now).await
}

async fn score_rows(conn: &Conn, rows: Vec<(String, String, Option<String>)>, now: &str) -> AppResult<usize> {
    let (version, scores) = score_contexts(rows, now)?;
    store(conn, version, &scores).await?;
    Ok(scores.len())
}

/// Scores rows of `[id, context, model]` (all with the same model); answers the model version
/// and the scores (none without rows).
fn score_contexts(rows: Vec<(String, String, Option<String>)>, now: &str) -> AppResult<(i64, Vec<(String, Scored)>)> {
    let Some(model) = rows.first().map(|r| Model::decode(r.2.clone())).transpose()? else {
        return Ok((0, Vec::new()));
    };
    let mut scores = Vec::with_capacity(rows.len());
    for (id, context, _) in rows {
        scores.push((id, model.score(&Context::decode(&context)?.inputs(now))));
    }
    Ok((model.version, scores))
}

/// What scoring one contact needs, at the account of the `:set_account`/`:account_id`
/// parameters when they move it (to another account or to none): SQL over `:entity_id` and
/// `:now`, read with [`Context::decode`].
macro_rules! change_context_sql {
    () => {
        concat!(
            "(SELECT ",
            context_sql!("c", "t.account_id"),
            " FROM (SELECT CASE WHEN :set_account THEN :account_id \
             ELSE (SELECT account_id FROM contacts WHERE id = :entity_id) END AS account_id) t \
             LEFT JOIN contacts c ON c.id = :entity_id)"
        )
    };
}

/// What a change to one contact was scored from, as read: what the change's batch confirms is
/// still so ([`Seen::confirm_in`]) before it writes.
#[derive(Debug, Clone)]
pub struct Seen {
    params: Vec<(String, libsql::Value)>,
}

impl Seen {
    /// Adds the check that what the change was scored from is unchanged: when another write
    /// changed it in between, nothing of the batch is kept and the change is read and scored
    /// again (see [`Conn::read_then_batch`]).
    pub fn confirm_in(self, batch: &mut Batch) -> AppResult<()> {
        batch.require_unchanged(
            concat!(change_context_sql!(), " IS :seen_context AND ", model_sql!(), " IS :seen_model"),
            libsql::params::Params::Named(self.params),
        )
    }
}

/// Reads what scoring one contact after a change needs, outside any transaction (one call):
/// its context (at `account` when the change moves it to another account or to none) and the
/// model, with what the change's batch confirms. A contact not found has an empty context.
pub async fn read_contact_change(
    conn: &Conn,
    id: &str,
    account: Option<Option<&str>>,
    now: &str,
) -> AppResult<(Context, Model, Seen)> {
    let mut params = vec![
        (":entity_id".to_owned(), libsql::Value::from(id.to_owned())),
        (":now".to_owned(), libsql::Value::from(now.to_owned())),
        (":set_account".to_owned(), libsql::Value::from(account.is_some())),
        (":account_id".to_owned(), account.flatten().map(str::to_owned).into()),
    ];
    let (context, model): (String, Option<String>) = conn
        .query_one(
            ENTITY,
            concat!("SELECT ", change_context_sql!(), ", ", model_sql!()),
            libsql::params::Params::Named(params.clone()),
            |row| Ok((col(row, 0)?, col(row, 1)?)),
        )
        .await?;
    let decoded = (Context::decode(&context)?, Model::decode(model.clone())?);
    params.push((":seen_context".to_owned(), context.into()));
    params.push((":seen_model".to_owned(), model.into()));
    Ok((decoded.0, decoded.1, Seen { params }))
}

/// How far rescoring after a model change has come.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Progress {
    /// The model version everyone is being scored with.
    pub version: i64,
    /// Contacts scored with it.
    pub scored: i64,
    /// All contacts.
    pub total: i64,
    /// Whether every contact is scored with it.
    pub done: bool,
}

/// Rescoring progress (one call).
pub async fn progress(conn: &Conn) -> AppResult<Progress> {
    conn.query_one("setting", PROGRESS, (), decode_progress).await
}

/// The statement of [`progress`], read with [`decode_progress`].
const PROGRESS: &str = "SELECT v.version, (SELECT count(*) FROM contacts WHERE priority_version < v.version), \
     (SELECT count(*) FROM contacts) FROM (SELECT coalesce((SELECT max(version) FROM settings WHERE key = 'icp'), 0) \
     AS version) v";

fn decode_progress(row: &crate::store::Row) -> AppResult<Progress> {
    let (version, behind, total): (i64, i64, i64) = (col(row, 0)?, col(row, 1)?, col(row, 2)?);
    Ok(Progress { version, scored: total - behind, total, done: behind == 0 })
}

/// Rescores up to `limit` contacts still scored with an older model (one transaction of two
/// calls: the read, then the scores with the commit), and answers how many it did and the
/// progress after them. Safe to run from several places at once.
pub async fn rescore_behind(conn: &Conn, limit: u32) -> AppResult<(usize, Progress)> {
    let now = crate::domain::now();
    let (outcome, (rescored, after)) = conn
        .read_then_write(async |conn| {
            let rows = conn
                .query_all(
                    concat!(
                        "SELECT c.id, ",
                        context_sql!("c", "c.account_id"),
                        ", m.model FROM (SELECT ",
                        model_sql!(),
                        " AS model, coalesce((SELECT max(version) FROM settings WHERE key = 'icp'), 0) AS version) m \
                         JOIN contacts c ON c.priority_version < m.version \
                         ORDER BY c.priority_version, c.id LIMIT :limit"
                    ),
                    libsql::named_params! {":now": now.as_str(), ":limit": i64::from(limit)},
                    |row| Ok((col::<String>(row, 0)?, col::<String>(row, 1)?, col::<Option<String>>(row, 2)?)),
                )
                .await?;
            let (version, scores) = score_contexts(rows, &now)?;
            let mut batch = Batch::new();
            store_in(&mut batch, version, &scores)?;
            let rescored = scores.len();
            let after = batch.push(PROGRESS, ())?;
            Ok((batch, (rescored, after)))
        })
        .await?;
    Ok((rescored, outcome.one("setting", after, decode_progress)?))
}

/// Rescores everyone behind the current model, chunk by chunk, calling `progress` after each.
pub async fn rescore_all(conn: &Conn, chunk: u32, mut on_progress: impl FnMut(usize)) -> AppResult<usize> {
    let mut done = 0;
    loop {
        let (n, _) = rescore_behind(conn, chunk).await?;
        if n == 0 {
            return Ok(done);
        }
        done += n;
        on_progress(done);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_context_reads_back_and_drops_the_account_on_request() {
        let text = r#"{"seniority":"vp","department":"sales","stage":"touched",
            "account":["Fintech","Payments",300],
            "signals":[[5,"2026-11-01T00:00:00.000Z",1],[3,"2026-11-01T00:00:00.000Z",0]]}"#;
        let context = Context::decode(text).expect("context");
        assert!(context.found());
        let inputs = context.inputs("2026-11-11T00:00:00.000Z");
        assert_eq!(inputs.employee_count, Some(300));
        assert_eq!(inputs.signals.len(), 2);
        assert!((inputs.signals[0].age_days - 10.0).abs() < 1e-9);
        let alone = context.without_account().inputs("2026-11-11T00:00:00.000Z");
        assert_eq!((alone.industry, alone.signals.len()), (None, 1));
    }

    #[test]
    fn a_missing_contact_reads_as_not_found() {
        let context =
            Context::decode(r#"{"seniority":null,"department":null,"stage":null,"account":null,"signals":[]}"#)
                .expect("context");
        assert!(!context.found());
        assert_eq!(Model::decode(None).expect("defaults").version, 0);
    }
}
