//! Account storage: small named functions over a connection, constant SQL with bound values.

use libsql::named_params;
use serde::Deserialize;

use super::{Account, AccountChanges, AccountFields};
use crate::audit::{self, Actor};
use crate::contacts::scoring::sql::{rescore_sql, score_sql};
use crate::domain::{AccountId, new_id, now};
use crate::error::{AppError, AppResult, EntityRef};
use crate::store::{Batch, Conn, Row, from_row, single};

const ENTITY: &str = "account";

/// The columns every query returns.
macro_rules! columns {
    () => {
        "id, name, domain, industry, sub_industry, employee_count, country, timezone, website, \
         linkedin_url, tech_stack, notes, created_at, updated_at"
    };
}
pub(super) use columns;

/// An account's row: [`Account`] with its technologies as stored, a JSON list.
#[derive(Deserialize)]
struct AccountRow {
    id: String,
    name: String,
    domain: Option<String>,
    industry: Option<String>,
    sub_industry: Option<String>,
    employee_count: Option<i64>,
    country: Option<String>,
    timezone: Option<String>,
    website: Option<String>,
    linkedin_url: Option<String>,
    #[serde(deserialize_with = "crate::store::json")]
    tech_stack: Vec<String>,
    notes: Option<String>,
    created_at: String,
    updated_at: String,
}

impl From<AccountRow> for Account {
    fn from(row: AccountRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            domain: row.domain,
            industry: row.industry,
            sub_industry: row.sub_industry,
            employee_count: row.employee_count,
            country: row.country,
            timezone: row.timezone,
            website: row.website,
            linkedin_url: row.linkedin_url,
            tech_stack: row.tech_stack,
            notes: row.notes,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

pub(super) fn decode(row: &Row) -> AppResult<Account> {
    from_row::<AccountRow>(row).map(Account::from)
}

pub(super) fn json_list(items: &[String]) -> AppResult<String> {
    serde_json::to_string(items).map_err(|e| AppError::Internal(e.into()))
}

/// A duplicate domain becomes a 409 that names the account holding it.
async fn on_duplicate_domain(conn: &Conn, err: AppError, domain: Option<&str>) -> AppError {
    let AppError::Conflict { fields, .. } = &err else {
        return err;
    };
    if !fields.iter().any(|f| f.field == "domain") {
        return err;
    }
    let Some(domain) = domain else { return err };
    let existing =
        conn.query_opt("SELECT id FROM accounts WHERE domain = ?1", [domain], single::<String>).await.ok().flatten();
    let message = format!("an account with domain {domain} already exists");
    AppError::Conflict {
        fields: vec![crate::error::FieldError::new("domain", "unique", message.clone())],
        message,
        conflicts_with: existing.map(|id| EntityRef { entity: ENTITY, id }),
    }
}

/// Inserts an account: the audit entry and the row in one round trip.
pub async fn insert(conn: &Conn, actor: &Actor, fields: &AccountFields) -> AppResult<Account> {
    let id = new_id();
    let at = now();
    let tech_stack = json_list(&fields.tech_stack)?;
    let domain = fields.domain.as_ref().map(|d| d.as_str());
    let mut batch = Batch::new();
    audit::record_in(&mut batch, actor, "account.create", ENTITY, &id, None)?;
    let inserted = batch.push(
        concat!(
            "INSERT INTO accounts (id, name, domain, industry, sub_industry, employee_count, country, \
                     timezone, website, linkedin_url, tech_stack, notes, created_at, updated_at) \
                     VALUES (:id, :name, :domain, :industry, :sub_industry, :employee_count, :country, :timezone, \
                     :website, :linkedin_url, :tech_stack, :notes, :at, :at) RETURNING ",
            columns!()
        ),
        named_params! {
            ":id": id.as_str(), ":name": fields.name.as_str(), ":domain": domain,
            ":industry": fields.industry.as_deref(), ":sub_industry": fields.sub_industry.as_deref(),
            ":employee_count": fields.employee_count, ":country": fields.country.as_deref(),
            ":timezone": fields.timezone.as_deref(), ":website": fields.website.as_deref(),
            ":linkedin_url": fields.linkedin_url.as_deref(), ":tech_stack": tech_stack.as_str(),
            ":notes": fields.notes.as_deref(), ":at": at.as_str(),
        },
    )?;
    let result = conn.batch(batch).await.and_then(|outcome| outcome.one(ENTITY, inserted, decode));
    match result {
        Ok(account) => Ok(account),
        Err(err) => Err(on_duplicate_domain(conn, err, domain).await),
    }
}

/// One account.
pub async fn get(conn: &Conn, id: AccountId) -> AppResult<Account> {
    conn.query_one(ENTITY, concat!("SELECT ", columns!(), " FROM accounts WHERE id = ?1"), [id], decode).await
}

/// Applies `changes`: one round trip, or three when the company's industry or size changes and
/// its people are rescored; `NotFound` when there is no such account.
pub async fn update(conn: &Conn, actor: &Actor, id: AccountId, changes: &AccountChanges) -> AppResult<Account> {
    let id = id.to_string();
    let set = |present: bool| i64::from(present);
    let domain = changes.domain.as_ref().and_then(|d| d.as_ref().map(|d| d.as_str()));
    let tech_stack = changes.tech_stack.as_deref().map(json_list).transpose()?;
    let rescores = changes.industry.is_some() || changes.sub_industry.is_some() || changes.employee_count.is_some();
    let at = now();
    const UPDATE: &str = concat!(
        "UPDATE accounts SET \
                     name = CASE WHEN :set_name THEN :name ELSE name END, \
                     domain = CASE WHEN :set_domain THEN :domain ELSE domain END, \
                     industry = CASE WHEN :set_industry THEN :industry ELSE industry END, \
                     sub_industry = CASE WHEN :set_sub_industry THEN :sub_industry ELSE sub_industry END, \
                     employee_count = CASE WHEN :set_employee_count THEN :employee_count ELSE employee_count END, \
                     country = CASE WHEN :set_country THEN :country ELSE country END, \
                     timezone = CASE WHEN :set_timezone THEN :timezone ELSE timezone END, \
                     website = CASE WHEN :set_website THEN :website ELSE website END, \
                     linkedin_url = CASE WHEN :set_linkedin_url THEN :linkedin_url ELSE linkedin_url END, \
                     tech_stack = CASE WHEN :set_tech_stack THEN :tech_stack ELSE tech_stack END, \
                     notes = CASE WHEN :set_notes THEN :notes ELSE notes END, \
                     updated_at = :at \
                     WHERE id = :id RETURNING ",
        columns!()
    );
    let params = named_params! {
        ":id": id.as_str(), ":at": at.as_str(),
        ":set_name": set(changes.name.is_some()), ":name": changes.name.as_deref(),
        ":set_domain": set(changes.domain.is_some()), ":domain": domain,
        ":set_industry": set(changes.industry.is_some()), ":industry": changes.industry.clone().flatten(),
        ":set_sub_industry": set(changes.sub_industry.is_some()), ":sub_industry": changes.sub_industry.clone().flatten(),
        ":set_employee_count": set(changes.employee_count.is_some()), ":employee_count": changes.employee_count.flatten(),
        ":set_country": set(changes.country.is_some()), ":country": changes.country.clone().flatten(),
        ":set_timezone": set(changes.timezone.is_some()), ":timezone": changes.timezone.clone().flatten(),
        ":set_website": set(changes.website.is_some()), ":website": changes.website.clone().flatten(),
        ":set_linkedin_url": set(changes.linkedin_url.is_some()), ":linkedin_url": changes.linkedin_url.clone().flatten(),
        ":set_tech_stack": set(tech_stack.is_some()), ":tech_stack": tech_stack.clone(),
        ":set_notes": set(changes.notes.is_some()), ":notes": changes.notes.clone().flatten(),
    };
    // One round trip: the audit entry, the update and, when the company's industry or size
    // change, its people's scores, which follow them.
    let mut batch = Batch::new();
    audit::record_in(&mut batch, actor, "account.update", ENTITY, &id, None)?;
    let updated = batch.push(UPDATE, params)?;
    batch.require("changes() = 1", (), AppError::NotFound(ENTITY))?;
    if rescores {
        batch
            .push(rescore_sql!("contacts.account_id = :id"), named_params! {":id": id.as_str(), ":now": at.as_str()})?;
    }
    let result = conn.batch(batch).await.and_then(|outcome| outcome.one(ENTITY, updated, decode));
    match result {
        Ok(account) => Ok(account),
        Err(err) => Err(on_duplicate_domain(conn, err, domain).await),
    }
}

/// Deletes an account in one round trip; its contacts stay, without an account, rescored
/// without the company's facts and signals (before the delete, which leaves them unlinked).
pub async fn delete(conn: &Conn, actor: &Actor, id: AccountId) -> AppResult<()> {
    let id = id.to_string();
    let mut batch = Batch::new();
    audit::record_in(&mut batch, actor, "account.delete", ENTITY, &id, None)?;
    batch.push(
        concat!(
            "UPDATE contacts SET (priority_score, priority_factors, priority_version) = (",
            score_sql!("contacts.seniority", "contacts.department", "contacts.stage", "NULL", "contacts.id"),
            ") WHERE account_id = :id"
        ),
        named_params! {":id": id.as_str(), ":now": now()},
    )?;
    batch.push("DELETE FROM accounts WHERE id = ?1", [id.as_str()])?;
    batch.require("changes() = 1", (), AppError::NotFound(ENTITY))?;
    conn.batch(batch).await.map(|_| ())
}
