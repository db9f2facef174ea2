//! The list's statements: the filters every one tests, the rows each kind starts from (the
//! sort's index, or a text search's matches), its total, and the range of an index a page
//! seeks when its filters allow.

use super::Sort;
use super::start::{Range, Seek, Start};
use crate::contacts::repo::contact_columns;
use crate::store::Rows;

/// The filter conditions, shared by every statement (a text search is in the rows a statement
/// starts from: see [`Rows`]), given to `$then!` one by one: [`contact_filters`] joins them for
/// a `WHERE`, [`contact_passes`] tests them one after another for a walk. An industry is tested
/// on each contact's company, one seek of the index that holds its name (migration 0025), not as
/// the set of the industry's companies, which grows with the book; it comes last, so a contact
/// another filter rules out costs no seek. The lowest score is a bound of every index in order of
/// priority (a score is never below 0), not a test of each row: a score above everyone's used to
/// walk the whole book to find nobody (66 ms at 1M).
macro_rules! filter_terms {
    ($then:ident) => {
        $then!(
            "(:account_id IS NULL OR account_id = :account_id)",
            "(:stages IS NULL OR stage IN (SELECT value FROM json_each(:stages)))",
            "(:statuses IS NULL OR status IN (SELECT value FROM json_each(:statuses)))",
            "(:seniorities IS NULL OR seniority IN (SELECT value FROM json_each(:seniorities)))",
            "(:departments IS NULL OR department IN (SELECT value FROM json_each(:departments)))",
            "(:owner_kind IS NULL OR (:owner_kind = 'nobody' AND owner_id IS NULL) OR owner_id = :owner_id)",
            "priority_score >= ifnull(:min_priority, 0)",
            "(:has_email IS NULL OR (email IS NOT NULL) = :has_email)",
            "(:has_linkedin IS NULL OR (linkedin_url IS NOT NULL) = :has_linkedin)",
            "(:touched_since IS NULL OR last_touch_at >= :touched_since)",
            "(:touched_before IS NULL OR last_touch_at < :touched_before)",
            "(:industries IS NULL OR (SELECT a.industry FROM accounts a INDEXED BY idx_accounts_names \
              WHERE a.id = contacts.account_id) COLLATE NOCASE IN (SELECT value FROM json_each(:industries)))"
        )
    };
}

/// Every filter, as the conditions of a `WHERE` (SQLite stops at the first that fails).
macro_rules! all_of {
    ($first:literal $(, $term:literal)*) => {
        concat!($first $(, " AND ", $term)*)
    };
}

/// Every filter as one value: 1 when a contact passes them all, else 0, tested in order and no
/// further than the first that fails. (The same conditions joined by `AND` as a value are all
/// worked out for every row, the company's seek too: a walk of contacts few pass took a
/// quarter longer.) A condition that is NULL fails, as in a `WHERE`.
macro_rules! one_by_one {
    ($($term:literal),*) => {
        concat!("CASE", $(" WHEN (", $term, ") IS NOT TRUE THEN 0",)* " ELSE 1 END")
    };
}

/// The filters of a `WHERE`.
macro_rules! contact_filters {
    () => {
        filter_terms!(all_of)
    };
}

/// The filters as one value, for a walk that keeps the contacts that fail them.
macro_rules! contact_passes {
    () => {
        filter_terms!(one_by_one)
    };
}

// The rows of each kind of statement (see [`Rows`]). A walk through the whole list (an export,
// a batch's saved filter) tests the search on each contact as one set of row ids (the contacts
// whose own text matches, and those of the accounts whose name or domain does), so a row that
// does not match is ruled out from the sort's index alone; testing its account as a second
// condition would read every row the sort passes over. A page of a search starts from its
// matches: the contacts' own, then their companies'; or the starts of last names, first
// names and addresses.
macro_rules! whole_from {
    () => {
        " FROM contacts WHERE (:fts IS NULL OR rowid IN (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH :fts \
              UNION ALL SELECT x.rowid FROM contacts x WHERE x.account_id IN (SELECT a.id FROM accounts a \
                  WHERE a.rowid IN (SELECT rowid FROM accounts_fts WHERE accounts_fts MATCH :fts)))) \
         AND (:prefix IS NULL OR first_name LIKE :prefix ESCAPE '\\' OR last_name LIKE :prefix ESCAPE '\\' \
              OR email LIKE :prefix ESCAPE '\\') AND "
    };
}

macro_rules! words_with {
    () => {
        "WITH hits AS MATERIALIZED (SELECT DISTINCT r FROM (SELECT rowid AS r FROM contacts_fts WHERE contacts_fts MATCH :fts \
           UNION ALL SELECT x.rowid FROM accounts_fts f JOIN accounts a ON a.rowid = f.rowid \
             JOIN contacts x ON x.account_id = a.id WHERE accounts_fts MATCH :fts) LIMIT :candidates) "
    };
}

macro_rules! start_with {
    () => {
        "WITH hits AS MATERIALIZED (SELECT DISTINCT r FROM (SELECT rowid AS r FROM contacts WHERE last_name LIKE :prefix ESCAPE '\\' \
           UNION ALL SELECT rowid FROM contacts WHERE first_name LIKE :prefix ESCAPE '\\' \
           UNION ALL SELECT rowid FROM contacts WHERE email >= :start AND email < :start || char(1114111)) LIMIT :candidates) "
    };
}

macro_rules! hits_from {
    () => {
        " FROM (SELECT r FROM hits LIMIT :shown) AS shown CROSS JOIN contacts ON contacts.rowid = shown.r WHERE "
    };
}

/// The list's total, folded into its statement (no round trip of its own): from the counts per
/// owner and stage that triggers keep (migration 0004) when the only filters are stages and an
/// owner (`:countable`), so it reads a few dozen rows; NULL otherwise, where an exact count would
/// read every matching contact. No search has one (`matched`: NULL).
macro_rules! counted_total {
    () => {
        ", CASE WHEN :countable THEN (SELECT coalesce(sum(k.n), 0) FROM contact_stage_counts k \
         WHERE (:stages IS NULL OR k.stage IN (SELECT value FROM json_each(:stages))) \
         AND (:owner_kind IS NULL OR k.owner_key = coalesce(:owner_id, ''))) END AS total, NULL AS matched"
    };
}

/// A page of a search says how many matches it started from (`matched`), and no total.
macro_rules! hits_total {
    () => {
        ", NULL AS total, (SELECT count(*) FROM hits) AS matched"
    };
}

/// One statement: `$with` before it, its rows `$from`, its `$total`, in one sort: by priority
/// (an integer key, compared as such) or on a time.
macro_rules! list_sql {
    (@ $with:expr, $from:expr, $total:expr, $key:expr, $end:expr) => {
        concat!($with, "SELECT ", contact_columns!(), $total, ", ", $key, " AS sort_key", $from, contact_filters!(), $end)
    };
    ($with:expr, $from:expr, $total:expr, priority desc) => {
        list_sql!($with, $from, $total, priority desc limit ":fetch")
    };
    ($with:expr, $from:expr, $total:expr, priority asc) => {
        list_sql!($with, $from, $total, priority asc limit ":fetch")
    };
    ($with:expr, $from:expr, $total:expr, priority desc limit $limit:expr) => {
        list_sql!(@ $with, $from, $total, "priority_score", concat!(
            " AND (:after_id IS NULL OR priority_score < :after OR (priority_score = :after AND id > :after_id)) \
             ORDER BY priority_score DESC, id ASC LIMIT ", $limit))
    };
    ($with:expr, $from:expr, $total:expr, priority asc limit $limit:expr) => {
        list_sql!(@ $with, $from, $total, "priority_score", concat!(
            " AND (:after_id IS NULL OR priority_score > :after OR (priority_score = :after AND id < :after_id)) \
             ORDER BY priority_score ASC, id DESC LIMIT ", $limit))
    };
    ($with:expr, $from:expr, $total:expr, $dir:ident $key:literal) => {
        list_sql!(@ $with, $from, $total, $key, concat!(" AND ", $crate::keyset!($dir $key, "id")))
    };
}

/// Every sort's statement on the same rows.
macro_rules! sorted {
    ($sort:expr, $descending:expr, $with:expr, $from:expr, $total:expr) => {
        match ($sort, $descending) {
            (Sort::Priority, false) => list_sql!($with, $from, $total, priority desc),
            (Sort::Priority, true) => list_sql!($with, $from, $total, priority asc),
            (Sort::CreatedAt, false) => list_sql!($with, $from, $total, asc "created_at"),
            (Sort::CreatedAt, true) => list_sql!($with, $from, $total, desc "created_at"),
            (Sort::UpdatedAt, false) => list_sql!($with, $from, $total, asc "updated_at"),
            (Sort::UpdatedAt, true) => list_sql!($with, $from, $total, desc "updated_at"),
        }
    };
}

/// A page that walks an order from `$from` (a range of an index, or the whole book) and tests
/// every filter on each contact it passes, reading at most [`WALK`] of them: each row read says
/// whether it passed (`hit`), and the outer query keeps the passing ones and the walk's last
/// row (`last`: the row [`WALK`] rows into the range, looked up once from the index alone),
/// until the page is full. Filters few contacts pass (a seniority and a department nobody
/// combines, a status nobody has) used to walk the whole order to fill a page (1.7 s at 1M);
/// now a page stops at [`WALK`] rows and its cursor goes on from the last row it read. `$key`
/// is the sort key, `$bound` ends the range at the cursor (and, in order of priority, at the
/// lowest score), `$order` is the walk's order. (Numbering the rows read with `row_number()`
/// cost twice as much a row.)
macro_rules! walked_sql {
    ($from:expr, $total:expr, $key:expr, $bound:expr, $order:expr, $limit:expr) => {
        concat!(
            "SELECT ",
            contact_columns!(),
            $total,
            ", w.hit, w.r = (SELECT rowid",
            $from,
            $bound,
            " ORDER BY ",
            $order,
            " LIMIT 1 OFFSET :walk - 1) AS last, w.sort_key FROM (SELECT rowid AS r, ",
            $key,
            " AS sort_key, ",
            contact_passes!(),
            " AS hit",
            $from,
            $bound,
            " ORDER BY ",
            $order,
            " LIMIT :walk) AS w CROSS JOIN contacts ON contacts.rowid = w.r WHERE w.hit OR w.r = (SELECT rowid",
            $from,
            $bound,
            " ORDER BY ",
            $order,
            " LIMIT 1 OFFSET :walk - 1) LIMIT ",
            $limit
        )
    };
    ($from:expr, $total:expr, priority desc limit $limit:expr) => {
        walked_sql!(
            $from,
            $total,
            "priority_score",
            "priority_score >= ifnull(:min_priority, 0) AND (:after_id IS NULL OR priority_score < :after \
             OR (priority_score = :after AND id > :after_id))",
            "priority_score DESC, id ASC",
            $limit
        )
    };
    ($from:expr, $total:expr, priority asc limit $limit:expr) => {
        walked_sql!(
            $from,
            $total,
            "priority_score",
            "priority_score >= ifnull(:min_priority, 0) AND (:after_id IS NULL OR priority_score > :after \
             OR (priority_score = :after AND id < :after_id))",
            "priority_score ASC, id DESC",
            $limit
        )
    };
    ($from:expr, $total:expr, asc $key:literal) => {
        walked_sql!(
            $from,
            $total,
            $key,
            concat!("(", $key, ", id) > (coalesce(:after, ''), coalesce(:after_id, ''))"),
            concat!($key, ", id"),
            ":fetch"
        )
    };
    ($from:expr, $total:expr, desc $key:literal) => {
        walked_sql!(
            $from,
            $total,
            $key,
            concat!("(", $key, ", id) < (coalesce(:after, x'ff'), coalesce(:after_id, x'ff'))"),
            concat!($key, " DESC, id DESC"),
            ":fetch"
        )
    };
}

/// The most contacts a page walks past ([`walked_sql`]): a whole walk takes about 2.6 ms at 1M
/// in process and 24 ms over a remote database behind a 10 ms round trip (the bench's p95 for a
/// combination nobody has; 10 and 40 ms with 3,000), where a page of a status one person in
/// forty has takes two walks.
pub const WALK: i64 = 1_000;

/// Fewer companies than this in the page's industries, and the page is read from their people
/// ([`INDUSTRY_SQL`]).
pub const FEW_COMPANIES: i64 = 300;

/// Whether the page's industries hold fewer than [`FEW_COMPANIES`] companies, as `few(yes)`
/// worked out once for the statement (a count that stops there, from `accounts_industry_name`).
macro_rules! few_companies {
    () => {
        "WITH few AS MATERIALIZED (SELECT count(*) < 300 AS yes FROM (SELECT 1 FROM accounts a \
         INDEXED BY accounts_industry_name WHERE a.industry COLLATE NOCASE IN (SELECT value FROM json_each(:industries)) \
         LIMIT 300)) "
    };
}

/// A page of one or more industries in order of priority, as `$dir` (`desc` or `asc`) with the
/// outer order `$order`, within the range `$from` names: two statements, of which the count of
/// the industries' companies runs one (the other's limit is 0, so it reads nothing). With few
/// companies, their people from `idx_contacts_account`, sorted: a rare industry no longer walks
/// the whole book, a stage or a rep's book to fill a page (at 1M it took 1.9 s, 318 ms in the
/// biggest stage and 651 ms in a rep's; each under a millisecond now). With many, the range
/// walked with each contact's company tested ([`walked_sql`]), which stops as soon as the page is
/// full: a common industry's page reads a few hundred contacts where its people would be tens of
/// thousands.
macro_rules! industry_sql {
    ($dir:ident, $order:literal, $from:expr) => {
        concat!(
            few_companies!(),
            "SELECT * FROM (",
            list_sql!(
                "",
                " FROM contacts INDEXED BY idx_contacts_account WHERE account_id IN (SELECT a.id FROM accounts a \
                 INDEXED BY accounts_industry_name WHERE a.industry COLLATE NOCASE IN \
                 (SELECT value FROM json_each(:industries))) AND ",
                concat!(counted_total!(), ", 1 AS hit, 0 AS last"),
                priority $dir limit "CASE WHEN (SELECT yes FROM few) THEN :fetch ELSE 0 END"
            ),
            ") UNION ALL SELECT * FROM (",
            walked_sql!($from, counted_total!(), priority $dir limit "CASE WHEN (SELECT yes FROM few) THEN 0 ELSE :fetch END"),
            ") ORDER BY ",
            $order,
            " LIMIT :fetch"
        )
    };
}

/// The statements of a range ([`Range`]), its first rows `$from`: the best first and the
/// worst first, the same two walked ([`walked_sql`]), and with industries ([`industry_sql`]).
macro_rules! ranged {
    ($from:expr) => {
        [
            list_sql!("", $from, counted_total!(), priority desc),
            list_sql!("", $from, counted_total!(), priority asc),
            walked_sql!($from, counted_total!(), priority desc limit ":fetch"),
            walked_sql!($from, counted_total!(), priority asc limit ":fetch"),
            industry_sql!(desc, "sort_key DESC, id ASC", $from),
            industry_sql!(asc, "sort_key ASC, id DESC", $from),
        ]
    };
}

const BOOK: [&str; 6] = ranged!(" FROM contacts WHERE ");
const STAGE: [&str; 6] = ranged!(" FROM contacts WHERE stage = :stage AND ");
const OWNER: [&str; 6] = ranged!(" FROM contacts WHERE owner_id IS :owner AND ");
const OWNER_STAGE: [&str; 6] = ranged!(" FROM contacts WHERE owner_id IS :owner AND stage = :stage AND ");
const STATUS_STAGE: [&str; 6] =
    ranged!(" FROM contacts INDEXED BY idx_contacts_active_pipeline WHERE status = :status AND stage = :stage AND ");

/// A page of one stage in order of priority, from the stage's range of its index ([`Seek`]).
pub const ONE_STAGE_SQL: &str = STAGE[0];

/// A page of one owner's (or nobody's) in order of priority ([`Seek`]).
pub const ONE_OWNER_SQL: &str = OWNER[0];

/// A page of one owner's (or nobody's) in one stage, in order of priority ([`Seek`]).
pub const ONE_OWNER_STAGE_SQL: &str = OWNER_STAGE[0];

/// A page of one or more industries in order of priority, the best first ([`Seek`]).
pub const INDUSTRY_SQL: &str = BOOK[4];

/// A page of one status in one stage, in order of priority ([`Seek`]).
pub const ONE_STATUS_STAGE_SQL: &str = STATUS_STAGE[0];

/// The same within one stage, one owner's, one owner's in one stage, and one status in one
/// stage.
pub const INDUSTRY_IN_RANGE_SQL: [&str; 4] = [STAGE[4], OWNER[4], OWNER_STAGE[4], STATUS_STAGE[4]];

/// A walked page, the best first, in the whole book and in each range: the book, one stage,
/// one owner's, one owner's in one stage, one status in one stage.
pub const WALKED_SQL: [&str; 5] = [BOOK[2], STAGE[2], OWNER[2], OWNER_STAGE[2], STATUS_STAGE[2]];

/// The people of one company, from `idx_contacts_account`, sorted: a company has a few dozen,
/// where walking the book's order for them read all of it (1.7 s at 1M).
macro_rules! account_from {
    () => {
        " FROM contacts INDEXED BY idx_contacts_account WHERE account_id = :account_id AND "
    };
}

/// A page of one company's people in order of priority ([`account_from`]).
pub const ONE_ACCOUNT_SQL: &str = list_sql!("", account_from!(), counted_total!(), priority desc);

/// The statement of a page: one company's people, its seek's range (walked backwards for the
/// lowest priority first), the sort's index, or a search's rows.
pub(super) fn statement(rows: Rows, sort: Sort, descending: bool, start: Start) -> &'static str {
    match (rows, start) {
        (Rows::Every, Start::Account) if sort == Sort::Priority && !descending => ONE_ACCOUNT_SQL,
        (Rows::Every, Start::Account) => sorted!(sort, descending, "", account_from!(), counted_total!()),
        (Rows::Every, Start::Seek(Seek { range, industries, walk })) => {
            let statements = match range {
                Range::Book => &BOOK,
                Range::Stage => &STAGE,
                Range::Owner => &OWNER,
                Range::OwnerStage => &OWNER_STAGE,
                Range::StatusStage => &STATUS_STAGE,
            };
            let kind = if industries {
                4
            } else if walk {
                2
            } else {
                0
            };
            statements[kind + usize::from(descending)]
        }
        (Rows::Every, Start::Sorted { walk: true }) => match (sort, descending) {
            (Sort::Priority, _) => BOOK[2 + usize::from(descending)],
            (Sort::CreatedAt, false) => walked_sql!(" FROM contacts WHERE ", counted_total!(), asc "created_at"),
            (Sort::CreatedAt, true) => walked_sql!(" FROM contacts WHERE ", counted_total!(), desc "created_at"),
            (Sort::UpdatedAt, false) => walked_sql!(" FROM contacts WHERE ", counted_total!(), asc "updated_at"),
            (Sort::UpdatedAt, true) => walked_sql!(" FROM contacts WHERE ", counted_total!(), desc "updated_at"),
        },
        (Rows::Every, _) => sorted!(sort, descending, "", " FROM contacts WHERE ", counted_total!()),
        (Rows::Whole, _) => sorted!(sort, descending, "", whole_from!(), counted_total!()),
        (Rows::Words, _) => sorted!(sort, descending, words_with!(), hits_from!(), hits_total!()),
        (Rows::Start, _) => sorted!(sort, descending, start_with!(), hits_from!(), hits_total!()),
    }
}
