//! Account storage: small named functions over a connection, constant SQL with bound values.

use libsql::named_params;
use serde::{Deserialize, Serialize};

use super::{Account, AccountChanges, AccountFields};
use crate::audit::{self, Actor};
use crate::contacts::scoring::sql::{rescore_sql, score_sql};
use crate::domain::{AccountId, new_id, now};
use crate::error::{AppError, AppResult, EntityRef};
use crate::http::{Key, Keyset, Page};
use crate::store::{Batch, Conn, Reach, Row, Rows, SEARCH_CANDIDATES, from_row, single};

const ENTITY: &str = "account";

/// The columns every query returns.
macro_rules! columns {
    () => {
        "id, name, domain, industry, sub_industry, employee_count, country, timezone, website, \
         linkedin_url, tech_stack, notes, created_at, updated_at"
    };
}

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

fn decode(row: &Row) -> AppResult<Account> {
    from_row::<AccountRow>(row).map(Account::from)
}

fn json_list(items: &[String]) -> AppResult<String> {
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

/// The sorts a list may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// By name, case-insensitive.
    Name,
    /// By domain (accounts without one first).
    Domain,
    /// By creation time.
    CreatedAt,
    /// By last change.
    UpdatedAt,
}

impl Sort {
    /// The `sort` allow-list, default first.
    pub const ALLOWED: &'static [(&'static str, Sort)] = &[
        ("name", Sort::Name),
        ("domain", Sort::Domain),
        ("created_at", Sort::CreatedAt),
        ("updated_at", Sort::UpdatedAt),
    ];
}

/// What a list asks for.
#[derive(Debug, Clone)]
pub struct ListQuery {
    /// Industries to keep (any of them, case-insensitive); empty keeps all.
    pub industries: Vec<String>,
    /// Text to find in name or domain.
    pub q: Option<String>,
    /// Sort and direction.
    pub sort: Sort,
    /// Descending.
    pub descending: bool,
    /// The page: its size, and where the previous page ended (sort key, id).
    pub page: Keyset<Cursor>,
    /// A page to show, or a walk through every page (an export).
    pub reach: Reach,
}

/// A keyset position: the last row's sort key and id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor(pub String, pub String);

/// The sort key and the id: `:after` and `:after_id`.
impl Key for Cursor {
    fn bind(after: Option<&Self>, params: &mut Vec<(String, libsql::Value)>) {
        let pair = after.map(|Cursor(key, id)| (key.clone(), id.clone()));
        <(String, String)>::bind(pair.as_ref(), params);
    }
}

/// The keyset of a sort whose key is a collated name or an expression: `keyset!`, with the key
/// alone bounded too. SQLite seeks an index by a row value `(key, id) > (..)` only on plain
/// columns; the bound on the key lets a deep page by name or domain start where it is, not walk
/// every company before it.
macro_rules! keyed {
    (asc $key:literal) => {
        concat!($key, " >= coalesce(:after, '') AND ", $crate::keyset!(asc $key, "id"))
    };
    (desc $key:literal) => {
        concat!($key, " <= coalesce(:after, x'ff') AND ", $crate::keyset!(desc $key, "id"))
    };
}

/// One list statement per rows ([`Rows`]) and sort: constant text, the key as a literal.
macro_rules! list_sql {
    ($with:expr, $from:expr, $dir:ident $key:literal) => {
        concat!(
            $with,
            "SELECT ",
            columns!(),
            ", ",
            $key,
            " AS sort_key, ",
            $from,
            " AND (:industries IS NULL OR industry COLLATE NOCASE IN (SELECT value FROM json_each(:industries))) AND ",
            keyed!($dir $key)
        )
    };
}

/// A page of one or more industries without a search: each industry's companies read from its
/// index in the sort's order, a page of each at most, and those merged. The cost is a page's for
/// each industry asked for, however rare the industry; the industries are told apart as their
/// filter is (case-insensitive), so one asked twice is read once.
macro_rules! industry_sql {
    ($index:literal, $dir:ident $key:literal) => {
        concat!(
            "SELECT ",
            columns!(),
            ", ",
            $key,
            " AS sort_key, NULL AS matched \
             FROM (SELECT DISTINCT value COLLATE NOCASE AS wanted FROM json_each(:industries)) AS w \
             CROSS JOIN accounts ON accounts.rowid IN (SELECT rowid FROM accounts INDEXED BY ",
            $index,
            " WHERE industry COLLATE NOCASE = w.wanted AND ",
            keyed!($dir $key),
            ") WHERE ",
            keyed!($dir $key)
        )
    };
}

/// Every sort's statement on the same rows.
macro_rules! sorted {
    ($sort:expr, $descending:expr, $with:expr, $from:expr) => {
        match ($sort, $descending) {
            (Sort::Name, false) => list_sql!($with, $from, asc "name COLLATE NOCASE"),
            (Sort::Name, true) => list_sql!($with, $from, desc "name COLLATE NOCASE"),
            (Sort::Domain, false) => list_sql!($with, $from, asc "ifnull(domain, '')"),
            (Sort::Domain, true) => list_sql!($with, $from, desc "ifnull(domain, '')"),
            (Sort::CreatedAt, false) => list_sql!($with, $from, asc "created_at"),
            (Sort::CreatedAt, true) => list_sql!($with, $from, desc "created_at"),
            (Sort::UpdatedAt, false) => list_sql!($with, $from, asc "updated_at"),
            (Sort::UpdatedAt, true) => list_sql!($with, $from, desc "updated_at"),
        }
    };
}

/// The statement of a page of industries without a search ([`industry_sql`]), from the index
/// of the industry and the sort.
fn industry_statement(sort: Sort, descending: bool) -> &'static str {
    match (sort, descending) {
        (Sort::Name, false) => industry_sql!("accounts_industry_name", asc "name COLLATE NOCASE"),
        (Sort::Name, true) => industry_sql!("accounts_industry_name", desc "name COLLATE NOCASE"),
        (Sort::Domain, false) => industry_sql!("accounts_industry_domain", asc "ifnull(domain, '')"),
        (Sort::Domain, true) => industry_sql!("accounts_industry_domain", desc "ifnull(domain, '')"),
        (Sort::CreatedAt, false) => industry_sql!("accounts_industry_created", asc "created_at"),
        (Sort::CreatedAt, true) => industry_sql!("accounts_industry_created", desc "created_at"),
        (Sort::UpdatedAt, false) => industry_sql!("accounts_industry_updated", asc "updated_at"),
        (Sort::UpdatedAt, true) => industry_sql!("accounts_industry_updated", desc "updated_at"),
    }
}

fn list_statement(rows: Rows, sort: Sort, descending: bool) -> &'static str {
    match rows {
        Rows::Every => sorted!(sort, descending, "", "NULL AS matched FROM accounts WHERE true"),
        Rows::Whole => sorted!(
            sort,
            descending,
            "",
            "NULL AS matched FROM accounts WHERE (:fts IS NULL OR rowid IN (SELECT rowid FROM accounts_fts WHERE accounts_fts MATCH :fts)) \
             AND (:prefix IS NULL OR name LIKE :prefix ESCAPE '\\' OR domain LIKE :prefix ESCAPE '\\')"
        ),
        Rows::Words => sorted!(
            sort,
            descending,
            "WITH hits AS MATERIALIZED (SELECT rowid AS r FROM accounts_fts WHERE accounts_fts MATCH :fts LIMIT :candidates) ",
            "(SELECT count(*) FROM hits) AS matched FROM (SELECT r FROM hits LIMIT :shown) AS shown CROSS JOIN accounts ON accounts.rowid = shown.r WHERE true"
        ),
        Rows::Start => sorted!(
            sort,
            descending,
            "WITH hits AS MATERIALIZED (SELECT DISTINCT r FROM (SELECT rowid AS r FROM accounts WHERE name LIKE :prefix ESCAPE '\\' \
               UNION ALL SELECT rowid FROM accounts WHERE domain >= :start AND domain < :start || char(1114111)) LIMIT :candidates) ",
            "(SELECT count(*) FROM hits) AS matched FROM (SELECT r FROM hits LIMIT :shown) AS shown CROSS JOIN accounts ON accounts.rowid = shown.r WHERE true"
        ),
    }
}

/// A listed account's own columns after the account's: its sort key, for the cursor, and how
/// many matches its search started from.
#[derive(Deserialize)]
struct SortKey {
    sort_key: String,
    matched: Option<i64>,
}

/// One page of accounts (one call).
pub async fn list(conn: &Conn, query: &ListQuery) -> AppResult<Page<Account>> {
    let search = crate::store::text_search(query.q.as_deref());
    let rows = Rows::of(query.reach, &search);
    let industries = if query.industries.is_empty() { None } else { Some(json_list(&query.industries)?) };
    let of_industries = industries.is_some() && search.fts.is_none() && search.prefix.is_none();
    let mut params = vec![(":industries".to_owned(), libsql::Value::from(industries))];
    // Each statement is given the parameters it names, and only those.
    let candidates = || {
        [
            (":candidates".to_owned(), libsql::Value::from(SEARCH_CANDIDATES + 1)),
            (":shown".to_owned(), libsql::Value::from(SEARCH_CANDIDATES)),
        ]
    };
    let statement = if of_industries {
        industry_statement(query.sort, query.descending)
    } else {
        match rows {
            Rows::Every => {}
            Rows::Whole => {
                params.push((":fts".to_owned(), search.fts.into()));
                params.push((":prefix".to_owned(), search.prefix.into()));
            }
            Rows::Words => {
                params.push((":fts".to_owned(), search.fts.into()));
                params.extend(candidates());
            }
            Rows::Start => {
                params.push((":prefix".to_owned(), search.prefix.into()));
                params.push((":start".to_owned(), search.start.into()));
                params.extend(candidates());
            }
        }
        list_statement(rows, query.sort, query.descending)
    };
    let decode = |row: &Row| Ok((from_row::<AccountRow>(row)?, from_row::<SortKey>(row)?));
    let page = query.page.load(conn, statement, libsql::params::Params::Named(params), decode, |(account, key)| {
        Cursor(key.sort_key.clone(), account.id.clone())
    });
    let page = page.await?;
    let matched = page.items.first().and_then(|(_, key)| key.matched);
    Ok(Page {
        items: page.items.into_iter().map(|(account, _)| account.into()).collect(),
        next_cursor: page.next_cursor,
        total: None,
        capped_at: matched.filter(|n| *n > SEARCH_CANDIDATES).map(|_| SEARCH_CANDIDATES),
        stopped_after: None,
    })
}
