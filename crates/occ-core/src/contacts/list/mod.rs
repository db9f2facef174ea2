//! The contact list: every filter of the Contacts screen, one constant statement per sort.

use libsql::params::Params;
use serde::{Deserialize, Serialize};

use super::repo::{Contact, ContactRow};
use crate::domain::enums::{ContactStatus, Department, Seniority, Stage};
use crate::error::{AppError, AppResult};
use crate::http::{self, Key, Keyset, Page, Query};
use crate::store::{Conn, Reach, Row, Rows, SEARCH_CANDIDATES, from_row};

mod start;
mod statements;

use start::{Seek, Start};
use statements::statement;
pub use statements::{
    FEW_COMPANIES, INDUSTRY_IN_RANGE_SQL, INDUSTRY_SQL, ONE_ACCOUNT_SQL, ONE_OWNER_SQL, ONE_OWNER_STAGE_SQL,
    ONE_STAGE_SQL, ONE_STATUS_STAGE_SQL, WALK, WALKED_SQL,
};

/// Whose contacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// This user's.
    User(String),
    /// Nobody's.
    Nobody,
}

/// The sorts a list may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Highest priority first (the default).
    Priority,
    /// By creation time.
    CreatedAt,
    /// By last change.
    UpdatedAt,
}

impl Sort {
    /// The `sort` allow-list, default first.
    pub const ALLOWED: &'static [(&'static str, Sort)] =
        &[("priority", Sort::Priority), ("created_at", Sort::CreatedAt), ("updated_at", Sort::UpdatedAt)];
}

/// Every filter of the list; empty lists and `None` filter nothing.
#[derive(Debug, Clone, Default)]
#[allow(missing_docs)]
pub struct Filters {
    pub account_id: Option<String>,
    pub stages: Vec<Stage>,
    pub statuses: Vec<ContactStatus>,
    pub seniorities: Vec<Seniority>,
    pub departments: Vec<Department>,
    pub industries: Vec<String>,
    pub owner: Option<Owner>,
    pub min_priority: Option<i64>,
    pub has_email: Option<bool>,
    pub has_linkedin: Option<bool>,
    pub touched_since: Option<String>,
    pub touched_before: Option<String>,
    pub q: Option<String>,
}

/// A keyset position: the last row's sort key and id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor(pub serde_json::Value, pub String);

/// The sort key (a number or a time) and the id: `:after` and `:after_id`.
impl Key for Cursor {
    fn bind(after: Option<&Self>, params: &mut Vec<(String, libsql::Value)>) {
        let (key, id) = match after {
            Some(Cursor(serde_json::Value::Number(n), id)) => {
                (n.as_i64().map_or(libsql::Value::Null, libsql::Value::Integer), id.clone().into())
            }
            Some(Cursor(serde_json::Value::String(s), id)) => (libsql::Value::Text(s.clone()), id.clone().into()),
            _ => (libsql::Value::Null, libsql::Value::Null),
        };
        params.push((":after".to_owned(), key));
        params.push((":after_id".to_owned(), id));
    }
}

fn parse_all<T: std::str::FromStr>(field: &str, values: Vec<String>) -> AppResult<Vec<T>>
where
    T::Err: std::fmt::Display,
{
    values.into_iter().map(|v| v.parse::<T>().map_err(|e| AppError::invalid(field, "allowed", e.to_string()))).collect()
}

fn flag(q: &mut Query, name: &'static str) -> AppResult<Option<bool>> {
    match q.one(name).as_deref() {
        None => Ok(None),
        Some("true" | "1") => Ok(Some(true)),
        Some("false" | "0") => Ok(Some(false)),
        Some(_) => Err(AppError::invalid(name, "format", "must be true or false")),
    }
}

impl Filters {
    /// Whether the list's total can be read from the counts per owner and stage: no filter but
    /// stages and an owner.
    fn countable(&self) -> bool {
        self.account_id.is_none()
            && self.statuses.is_empty()
            && self.seniorities.is_empty()
            && self.departments.is_empty()
            && self.industries.is_empty()
            && self.min_priority.is_none()
            && self.has_email.is_none()
            && self.has_linkedin.is_none()
            && self.touched_since.is_none()
            && self.touched_before.is_none()
            && self.q.is_none()
    }

    /// Reads the filters from a query string; `me` is the caller (for `owner=me`).
    pub fn read(q: &mut Query, me: &str) -> AppResult<Self> {
        let owner = match q.one("owner").as_deref() {
            None => None,
            Some("me") => Some(Owner::User(me.to_owned())),
            Some("none") => Some(Owner::Nobody),
            Some(id) => Some(Owner::User(
                uuid::Uuid::try_parse(id)
                    .map_err(|_| AppError::invalid("owner", "format", "must be a user id, me or none"))?
                    .to_string(),
            )),
        };
        let min_priority = match q.one("min_priority") {
            None => None,
            Some(text) => match text.parse::<i64>() {
                Ok(n) if (0..=100).contains(&n) => Some(n),
                _ => return Err(AppError::invalid("min_priority", "range", "must be a whole number from 0 to 100")),
            },
        };
        let account_id = match q.one("account_id") {
            None => None,
            Some(id) => Some(
                uuid::Uuid::try_parse(&id)
                    .map_err(|_| AppError::invalid("account_id", "format", "must be an id"))?
                    .to_string(),
            ),
        };
        Ok(Self {
            account_id,
            stages: parse_all("stage", q.many("stage"))?,
            statuses: parse_all("status", q.many("status"))?,
            seniorities: parse_all("seniority", q.many("seniority"))?,
            departments: parse_all("department", q.many("department"))?,
            industries: q.many("industry"),
            owner,
            min_priority,
            has_email: flag(q, "has_email")?,
            has_linkedin: flag(q, "has_linkedin")?,
            touched_since: q.time("touched_since")?,
            touched_before: q.time("touched_before")?,
            q: q.one("q"),
        })
    }
}

/// A listed contact's own columns after the contact's: its sort key (a number or a time), for
/// the cursor, how many matches its search started from, and in a walked page whether it passed
/// the filters and whether it is the walk's last row (kept whether or not it passed, to say
/// where the next page goes on).
#[derive(Deserialize)]
struct SortKey {
    sort_key: serde_json::Value,
    matched: Option<i64>,
    hit: Option<i64>,
    last: Option<i64>,
}

fn json_list<T: Serialize>(items: &[T]) -> AppResult<Option<String>> {
    if items.is_empty() {
        return Ok(None);
    }
    serde_json::to_string(items).map(Some).map_err(|e| AppError::Internal(e.into()))
}

/// One page of contacts (one call).
pub async fn list(
    conn: &Conn,
    filters: &Filters,
    sort: Sort,
    descending: bool,
    page: &Keyset<Cursor>,
    reach: Reach,
) -> AppResult<Page<Contact>> {
    let search = crate::store::text_search(filters.q.as_deref());
    let rows = Rows::of(reach, &search);
    let (owner_kind, owner_id) = match &filters.owner {
        None => (None, None),
        Some(Owner::Nobody) => (Some("nobody"), None),
        Some(Owner::User(id)) => (Some("user"), Some(id.as_str())),
    };
    let mut params = vec![
        (":account_id", libsql::Value::from(filters.account_id.clone())),
        (":stages", json_list(&filters.stages)?.into()),
        (":statuses", json_list(&filters.statuses)?.into()),
        (":seniorities", json_list(&filters.seniorities)?.into()),
        (":departments", json_list(&filters.departments)?.into()),
        (":industries", json_list(&filters.industries)?.into()),
        (":owner_kind", owner_kind.map(str::to_owned).into()),
        (":owner_id", owner_id.map(str::to_owned).into()),
        (":min_priority", filters.min_priority.into()),
        (":has_email", filters.has_email.map(i64::from).into()),
        (":has_linkedin", filters.has_linkedin.map(i64::from).into()),
        (":touched_since", filters.touched_since.clone().into()),
        (":touched_before", filters.touched_before.clone().into()),
    ];
    // Each statement is given the parameters it names, and only those.
    match rows {
        Rows::Every | Rows::Whole => params.push((":countable", i64::from(filters.countable()).into())),
        Rows::Words | Rows::Start => {
            params.push((":candidates", (SEARCH_CANDIDATES + 1).into()));
            params.push((":shown", SEARCH_CANDIDATES.into()));
        }
    }
    let start = Start::of(rows, sort, filters);
    let seek = match start {
        Start::Seek(seek) => Some(seek),
        _ => None,
    };
    if seek.is_some_and(Seek::names_stage) {
        params.push((":stage", filters.stages.first().map(|stage| stage.as_str().to_owned()).into()));
    }
    if seek.is_some_and(Seek::names_status) {
        params.push((":status", filters.statuses.first().map(|status| status.as_str().to_owned()).into()));
    }
    if seek.is_some_and(Seek::names_owner) {
        params.push((":owner", owner_id.map(str::to_owned).into()));
    }
    if start.walks() {
        params.push((":walk", WALK.into()));
    }
    match rows {
        Rows::Every => {}
        Rows::Whole => {
            params.push((":fts", search.fts.into()));
            params.push((":prefix", search.prefix.into()));
        }
        Rows::Words => params.push((":fts", search.fts.into())),
        Rows::Start => {
            params.push((":prefix", search.prefix.into()));
            params.push((":start", search.start.into()));
        }
    }
    let params: Vec<(String, libsql::Value)> =
        params.into_iter().map(|(name, value)| (name.to_owned(), value)).collect();
    let decode = |row: &Row| Ok((from_row::<ContactRow>(row)?.into_contact(), from_row::<SortKey>(row)?));
    let key = |(contact, key): &(Contact, SortKey)| Cursor(key.sort_key.clone(), contact.id.clone());
    let page =
        page.load_counted(conn, statement(rows, sort, descending, start), Params::Named(params), decode, key).await?;
    let matched = page.items.first().and_then(|(_, key)| key.matched);
    let (mut items, mut next_cursor) = (page.items, page.next_cursor);
    // A walk that read its last row before the page was full: the page goes on from that row,
    // which is kept only if it passed the filters.
    let mut stopped_after = None;
    if next_cursor.is_none()
        && let Some((contact, key)) = items.last()
        && key.last == Some(1)
    {
        next_cursor = Some(http::encode_cursor(&Cursor(key.sort_key.clone(), contact.id.clone()))?);
        if key.hit != Some(1) {
            items.pop();
        }
        stopped_after = Some(WALK);
    }
    Ok(Page {
        items: items.into_iter().map(|(c, _)| c).collect(),
        next_cursor,
        total: page.total,
        capped_at: matched.filter(|n| *n > SEARCH_CANDIDATES).map(|_| SEARCH_CANDIDATES),
        stopped_after,
    })
}

/// Reads sort, limit and cursor.
pub fn paging(q: &mut Query) -> AppResult<(Sort, bool, Keyset<Cursor>)> {
    let (sort, descending) = http::sort(q, Sort::ALLOWED)?;
    Ok((sort, descending, Keyset::of(q)?))
}
