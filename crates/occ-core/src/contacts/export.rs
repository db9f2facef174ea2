//! CSV export of the contact and account lists, with the same filters and sorts as the lists:
//! streamed page by page (any size, little memory), each export audited, and every text cell
//! that a spreadsheet would run as a formula escaped.

use std::borrow::Cow;
use std::sync::Arc;

use ::http::{Request, Response};
use bytes::Bytes;

use crate::access::Access::Signed;
use crate::access::Action::ReadData;
use crate::access::Principal;
use crate::accounts::Account;
use crate::accounts::list::{self as accounts, ListQuery};
use crate::audit;
use crate::contacts::Contact;
use crate::contacts::list::{self as contacts, Filters};
use crate::error::{AppResult, ErrorResponse};
use crate::handler;
use crate::http::{self, ByteStream, Ctx, Keyset, Query, RequestMeta, Routes};
use crate::store::Conn;

/// Rows read per database call while exporting.
const PAGE: u32 = 500;

/// The export routes (in the contacts family).
pub fn routes() -> Routes {
    Routes::new().get("/api/v1/export/contacts", Signed(ReadData), handler!(export_contacts)).get(
        "/api/v1/export/accounts",
        Signed(ReadData),
        handler!(export_accounts),
    )
}

/// A cell a spreadsheet shows as text: one starting with `=`, `+`, `-` or `@` (or a tab or a
/// carriage return, which some spreadsheets skip before reading a formula) gets a leading
/// apostrophe.
pub fn cell(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

fn opt(text: &Option<String>) -> Cow<'_, str> {
    text.as_deref().map_or(Cow::Borrowed(""), cell)
}

/// Writes records as CSV (the first chunk starts with a byte order mark, so spreadsheets read
/// the file as UTF-8).
fn csv_chunk(first: bool, header: Option<&[&str]>, rows: &[Vec<Cow<'_, str>>]) -> Result<Bytes, std::io::Error> {
    let mut out = Vec::with_capacity(rows.len() * 200 + 3);
    if first {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    if let Some(header) = header {
        writer.write_record(header)?;
    }
    for row in rows {
        writer.write_record(row.iter().map(|c| c.as_ref()))?;
    }
    writer.into_inner().map(Bytes::from).map_err(|e| std::io::Error::other(e.to_string()))
}

/// Pages of a list, turned into CSV chunks as the client reads them.
fn stream_pages<T, F, Fut>(
    first: (Vec<T>, Option<String>),
    header: &'static [&'static str],
    row: fn(&T) -> Vec<Cow<'_, str>>,
    next: F,
) -> ByteStream
where
    T: Send + 'static,
    F: Fn(String) -> Fut + Send + 'static,
    Fut: Future<Output = AppResult<(Vec<T>, Option<String>)>> + Send + 'static,
{
    enum State<T> {
        Page(Vec<T>, Option<String>, bool),
        Done,
    }
    let (items, cursor) = first;
    Box::pin(futures_util::stream::unfold(State::Page(items, cursor, true), move |state| {
        let fetch = match &state {
            State::Page(_, Some(cursor), _) => Some(next(cursor.clone())),
            _ => None,
        };
        async move {
            let State::Page(items, cursor, first) = state else { return None };
            let rows: Vec<Vec<Cow<'_, str>>> = items.iter().map(row).collect();
            let chunk = csv_chunk(first, first.then_some(header), &rows);
            let next = match (chunk.is_ok(), cursor, fetch) {
                (true, Some(_), Some(fetch)) => match fetch.await {
                    Ok((items, cursor)) => State::Page(items, cursor, false),
                    Err(err) => {
                        tracing::error!(error = %err, "export stopped");
                        return Some((Err(std::io::Error::other("the export stopped")), State::Done));
                    }
                },
                _ => State::Done,
            };
            Some((chunk, next))
        }
    }))
}

async fn audit_export(conn: &Conn, req: &Request<Bytes>, what: &'static str) -> AppResult<()> {
    let principal = Principal::of(req)?;
    let actor = principal.actor(&RequestMeta::of(req)?.request_id);
    let filters = serde_json::json!({"query": req.uri().query().unwrap_or("")});
    audit::record_with(conn, &actor, &format!("{what}.export"), "export", what, None, Some(&filters)).await
}

const CONTACT_HEADER: &[&str] = &[
    "id",
    "first_name",
    "last_name",
    "title",
    "seniority",
    "department",
    "persona",
    "email",
    "linkedin_url",
    "phone",
    "timezone",
    "stage",
    "status",
    "priority_score",
    "owner_id",
    "account_id",
    "company",
    "domain",
    "notes",
    "last_touch_at",
    "next_action_at",
    "created_at",
    "updated_at",
];

fn contact_row(c: &Contact) -> Vec<Cow<'_, str>> {
    let account = c.account.as_ref();
    vec![
        Cow::Borrowed(c.id.as_str()),
        cell(&c.first_name),
        opt(&c.last_name),
        opt(&c.title),
        Cow::Borrowed(c.seniority.as_str()),
        Cow::Borrowed(c.department.map_or("", |d| d.as_str())),
        opt(&c.persona),
        opt(&c.email),
        opt(&c.linkedin_url),
        opt(&c.phone),
        opt(&c.timezone),
        Cow::Borrowed(c.stage.as_str()),
        Cow::Borrowed(c.status.as_str()),
        Cow::Owned(c.priority_score.to_string()),
        Cow::Borrowed(c.owner_id.as_deref().unwrap_or("")),
        Cow::Borrowed(c.account_id.as_deref().unwrap_or("")),
        account.map_or(Cow::Borrowed(""), |a| cell(&a.name)),
        account.map_or(Cow::Borrowed(""), |a| opt(&a.domain)),
        opt(&c.notes),
        Cow::Borrowed(c.last_touch_at.as_deref().unwrap_or("")),
        Cow::Borrowed(c.next_action_at.as_deref().unwrap_or("")),
        Cow::Borrowed(c.created_at.as_str()),
        Cow::Borrowed(c.updated_at.as_str()),
    ]
}

/// The contact list as CSV: the same filters and sorts as `GET /api/v1/contacts`, every page.
#[utoipa::path(get, path = "/api/v1/export/contacts", tag = "contacts",
    params(("sort" = Option<String>, Query, description = "As the contact list"),
        ("q" = Option<String>, Query, description = "And every other filter of the contact list")),
    responses((status = 200, description = "CSV, streamed", content_type = "text/csv"), (status = 422, body = ErrorResponse)))]
pub(crate) async fn export_contacts(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let mut q = Query::of(&req);
    let filters = Filters::read(&mut q, &principal.user_id)?;
    let (sort, descending) = http::sort(&mut q, contacts::Sort::ALLOWED)?;
    q.finish()?;
    let conn = ctx.conn().await?;
    audit_export(&conn, &req, "contacts").await?;
    let page =
        contacts::list(&conn, &filters, sort, descending, &Keyset::new(PAGE, None), crate::store::Reach::Whole).await?;
    let conn = Arc::new(conn);
    let next = move |cursor: String| {
        let (conn, filters) = (conn.clone(), filters.clone());
        async move {
            let after = http::decode_cursor(&cursor)?;
            let page = contacts::list(
                &conn,
                &filters,
                sort,
                descending,
                &Keyset::new(PAGE, Some(after)),
                crate::store::Reach::Whole,
            )
            .await?;
            Ok((page.items, page.next_cursor))
        }
    };
    let stream = stream_pages((page.items, page.next_cursor), CONTACT_HEADER, contact_row, next);
    Ok(http::streamed("text/csv; charset=utf-8", "contacts.csv", stream))
}

const ACCOUNT_HEADER: &[&str] = &[
    "id",
    "name",
    "domain",
    "industry",
    "sub_industry",
    "employee_count",
    "country",
    "timezone",
    "website",
    "linkedin_url",
    "tech_stack",
    "notes",
    "created_at",
    "updated_at",
];

fn account_row(a: &Account) -> Vec<Cow<'_, str>> {
    vec![
        Cow::Borrowed(a.id.as_str()),
        cell(&a.name),
        opt(&a.domain),
        opt(&a.industry),
        opt(&a.sub_industry),
        Cow::Owned(a.employee_count.map(|n| n.to_string()).unwrap_or_default()),
        opt(&a.country),
        opt(&a.timezone),
        opt(&a.website),
        opt(&a.linkedin_url),
        Cow::Owned(cell(&a.tech_stack.join("; ")).into_owned()),
        opt(&a.notes),
        Cow::Borrowed(a.created_at.as_str()),
        Cow::Borrowed(a.updated_at.as_str()),
    ]
}

/// The account list as CSV: the same filters and sorts as `GET /api/v1/accounts`, every page.
#[utoipa::path(get, path = "/api/v1/export/accounts", tag = "accounts",
    params(("industry" = Option<Vec<String>>, Query), ("q" = Option<String>, Query), ("sort" = Option<String>, Query)),
    responses((status = 200, description = "CSV, streamed", content_type = "text/csv"), (status = 422, body = ErrorResponse)))]
pub(crate) async fn export_accounts(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let mut q = Query::of(&req);
    let (sort, descending) = http::sort(&mut q, accounts::Sort::ALLOWED)?;
    let query = ListQuery {
        industries: q.many("industry"),
        q: q.one("q"),
        sort,
        descending,
        page: Keyset::new(PAGE, None),
        reach: crate::store::Reach::Whole,
    };
    q.finish()?;
    let conn = ctx.conn().await?;
    audit_export(&conn, &req, "accounts").await?;
    let page = accounts::list(&conn, &query).await?;
    let conn = Arc::new(conn);
    let next = move |cursor: String| {
        let conn = conn.clone();
        let mut query = query.clone();
        async move {
            query.page = Keyset::new(PAGE, Some(http::decode_cursor(&cursor)?));
            let page = accounts::list(&conn, &query).await?;
            Ok((page.items, page.next_cursor))
        }
    };
    let stream = stream_pages((page.items, page.next_cursor), ACCOUNT_HEADER, account_row, next);
    Ok(http::streamed("text/csv; charset=utf-8", "accounts.csv", stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_escaped_and_plain_text_is_not() {
        for risky in ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(cell(risky), format!("'{risky}"));
        }
        for plain in ["Ana", "a=b", "", "1-2", "ana@example.com"] {
            assert_eq!(cell(plain), plain);
        }
    }

    #[test]
    fn chunks_quote_what_needs_quoting() {
        let rows = vec![vec![Cow::Borrowed("Acme, Inc."), Cow::Borrowed("say \"hi\""), Cow::Borrowed("two\nlines")]];
        let bytes = csv_chunk(true, Some(&["a", "b", "c"]), &rows).expect("csv");
        assert_eq!(&bytes[..], "\u{feff}a,b,c\r\n\"Acme, Inc.\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n".as_bytes());
    }
}
