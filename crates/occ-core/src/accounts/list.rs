//! The accounts list: its filters (industries, a text search), sorts and pages, one constant
//! statement for each.

use serde::{Deserialize, Serialize};

use super::Account;
use super::repo::{columns, decode, json_list};
use crate::error::AppResult;
use crate::http::{Key, Keyset, Page};
use crate::store::{Conn, Reach, Row, Rows, SEARCH_CANDIDATES, from_row};

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
    let read = |row: &Row| Ok((decode(row)?, from_row::<SortKey>(row)?));
    let page = query.page.load(conn, statement, libsql::params::Params::Named(params), read, |(account, key)| {
        Cursor(key.sort_key.clone(), account.id.clone())
    });
    let page = page.await?;
    let matched = page.items.first().and_then(|(_, key)| key.matched);
    Ok(Page {
        items: page.items.into_iter().map(|(account, _)| account).collect(),
        next_cursor: page.next_cursor,
        total: None,
        capped_at: matched.filter(|n| *n > SEARCH_CANDIDATES).map(|_| SEARCH_CANDIDATES),
        stopped_after: None,
    })
}
