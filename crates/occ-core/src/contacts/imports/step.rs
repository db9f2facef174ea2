//! One step of an import phase: up to [`STEP_ROWS`] rows of one chunk, decided against the
//! database (duplicates, suppression, erased people, companies) and, in the real run, written,
//! all in one transaction together with the job's progress. A step that fails leaves nothing
//! behind and is simply taken again; two callers at once take turns.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::parse::read_chunk_up_to;
use super::row::{Candidate, Columns, Label, Read, candidate};
use crate::accounts::AccountFields;
use crate::audit::{self, Actor};
use crate::contacts::erased::erased_hash;
use crate::contacts::scoring::recompute;
use crate::domain::enums::Department;
use crate::domain::new_id;
use crate::error::{AppError, AppResult};
use crate::store::{Conn, from_row};

/// Rows per step: about a second of work on a large book, well inside a serverless function's
/// time; fewer, larger steps keep an import above 5,000 rows a second (`occ bench`).
pub const STEP_ROWS: usize = 5000;

crate::closed_enum! {
    /// The dry run (decide and report) or the real run (also write).
    pub enum PhaseKind {
        DryRun => "dry_run",
        Run => "run",
    }
}

crate::closed_enum! {
    /// What became of a row.
    pub enum Outcome {
        Created => "created",
        Updated => "updated",
        SkippedDuplicate => "skipped_duplicate",
        Invalid => "invalid",
        Suppressed => "suppressed",
    }
}

/// Rows per outcome, and the companies created.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct RowCounts {
    pub created: i64,
    pub updated: i64,
    pub skipped_duplicate: i64,
    pub invalid: i64,
    pub suppressed: i64,
    /// New accounts (companies) the rows bring.
    pub accounts_created: i64,
}

impl RowCounts {
    fn add(&mut self, outcome: Outcome) {
        *match outcome {
            Outcome::Created => &mut self.created,
            Outcome::Updated => &mut self.updated,
            Outcome::SkippedDuplicate => &mut self.skipped_duplicate,
            Outcome::Invalid => &mut self.invalid,
            Outcome::Suppressed => &mut self.suppressed,
        } += 1;
    }
}

/// A phase's progress.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Phase {
    /// Rows done.
    pub processed: i64,
    /// Rows in the file.
    pub total: i64,
    /// Whether every row is done.
    pub done: bool,
    /// What became of them.
    pub counts: RowCounts,
}

/// One line of the report.
struct Report {
    row: i64,
    line: i64,
    outcome: Outcome,
    reason: Option<String>,
    label: Label,
    account_created: bool,
    contact_id: Option<String>,
}

/// Who runs the import: the actor, and the user new contacts belong to.
#[derive(Debug)]
pub struct Importer<'a> {
    /// The audit actor.
    pub actor: &'a Actor,
    /// The importing user, the owner of the contacts created.
    pub user_id: &'a str,
    /// A bdr updates only contacts it owns or nobody owns.
    pub owns_only: bool,
}

/// Everything the database knows that decides the rows of a step (one call).
#[derive(Default)]
struct Known {
    /// Existing contacts by address and by profile: (id, owner).
    by_email: HashMap<String, (String, Option<String>)>,
    by_linkedin: HashMap<String, (String, Option<String>)>,
    /// Existing accounts by domain and by lower-case name.
    account_by_domain: HashMap<String, String>,
    account_by_name: HashMap<String, String>,
    /// Suppressed addresses and domains, with the reason; erased people's hashes.
    suppressed_email: HashMap<String, String>,
    suppressed_domain: HashMap<String, String>,
    suppressed_linkedin: HashMap<String, String>,
    erased: HashSet<String>,
    /// Earlier rows of this phase that took a person, by address and profile: the row.
    earlier_email: HashMap<String, i64>,
    earlier_linkedin: HashMap<String, i64>,
    /// Companies earlier rows of this phase created.
    earlier_domains: HashSet<String>,
    /// The phase's progress as the transaction sees it.
    state: Option<String>,
    /// Whether the real run has started.
    run_started: bool,
}

fn parse_json<T: serde::de::DeserializeOwned + Default>(text: Option<String>) -> AppResult<T> {
    match text {
        None => Ok(T::default()),
        Some(text) => {
            serde_json::from_str(&text).map_err(|e| AppError::Internal(anyhow::anyhow!("import lookup: {e}")))
        }
    }
}

fn json_list<T: Serialize>(items: &[T]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

/// The row of a step's lookups: JSON arrays of what the database holds (NULL: nothing), the
/// phase's progress as stored, and whether the real run has started.
#[derive(Deserialize)]
struct LookupRow {
    contacts: Option<String>,
    accounts: Option<String>,
    suppression: Option<String>,
    earlier: Option<String>,
    earlier_domains: Option<String>,
    state: Option<String>,
    run_started: bool,
}

type ContactRow = (String, Option<String>, Option<String>, Option<String>);
type AccountRow = (String, Option<String>, String);
type SuppressionRow = (String, Option<String>, Option<String>, String);

async fn look_up(conn: &Conn, import_id: &str, phase: PhaseKind, rows: &[Read]) -> AppResult<Known> {
    let valid = || rows.iter().filter_map(|r| r.as_ref().ok());
    let emails: Vec<&str> = valid().filter_map(|c| c.contact.email.as_ref().map(|e| e.as_str())).collect();
    let linkedins: Vec<&str> = valid().filter_map(|c| c.contact.linkedin_url.as_deref()).collect();
    let domains: Vec<&str> = valid().filter_map(|c| c.company.as_ref()?.domain.as_ref().map(|d| d.as_str())).collect();
    let names: Vec<String> = valid().filter_map(|c| c.company.as_ref().map(|a| a.name.to_lowercase())).collect();
    let email_domains: Vec<&str> = emails.iter().filter_map(|e| e.rsplit_once('@').map(|(_, d)| d)).collect();
    let hashes: Vec<String> = emails.iter().chain(linkedins.iter()).map(|v| erased_hash(v)).collect();
    let LookupRow { contacts, accounts, suppression, earlier, earlier_domains, state, run_started } = conn
        .query_one(
            "import lookups",
            "SELECT \
             (SELECT json_group_array(json_array(id, email, linkedin_url, owner_id)) FROM contacts \
              WHERE email IN (SELECT value FROM json_each(:emails)) OR linkedin_url IN (SELECT value FROM json_each(:linkedins))) AS contacts, \
             (SELECT json_group_array(json_array(id, domain, lower(name))) \
              FROM accounts WHERE domain IN (SELECT value FROM json_each(:domains)) OR lower(name) IN (SELECT value FROM json_each(:names))) AS accounts, \
             (SELECT json_group_array(json_array(kind, value, value_hash, reason)) FROM email_suppression \
              WHERE (kind = 'email' AND value IN (SELECT value FROM json_each(:emails))) \
              OR (kind = 'domain' AND value IN (SELECT value FROM json_each(:email_domains))) \
              OR (kind = 'linkedin' AND value IN (SELECT value FROM json_each(:linkedins))) \
              OR (kind IN ('email', 'linkedin') AND value_hash IN (SELECT value FROM json_each(:hashes)))) AS suppression, \
             (SELECT json_group_array(json_array(email, linkedin_url, row)) FROM import_rows \
              WHERE import_id = :id AND phase = :phase AND outcome IN ('created', 'updated') \
              AND (email IN (SELECT value FROM json_each(:emails)) OR linkedin_url IN (SELECT value FROM json_each(:linkedins)))) AS earlier, \
             (SELECT json_group_array(domain) FROM import_rows \
              WHERE import_id = :id AND phase = :phase AND account_created = 1 AND domain IN (SELECT value FROM json_each(:domains))) AS earlier_domains, \
             (SELECT CASE WHEN :phase = 'run' THEN run ELSE dry_run END FROM imports WHERE id = :id) AS state, \
             coalesce((SELECT run IS NOT NULL FROM imports WHERE id = :id), 0) AS run_started",
            libsql::named_params! {
                ":emails": json_list(&emails), ":linkedins": json_list(&linkedins), ":domains": json_list(&domains),
                ":names": json_list(&names), ":email_domains": json_list(&email_domains), ":hashes": json_list(&hashes),
                ":id": import_id, ":phase": phase.as_str(),
            },
            from_row,
        )
        .await?;
    let mut known = Known { state, run_started, ..Known::default() };
    for (id, email, linkedin, owner) in parse_json::<Vec<ContactRow>>(contacts)? {
        if let Some(email) = email {
            known.by_email.insert(email, (id.clone(), owner.clone()));
        }
        if let Some(linkedin) = linkedin {
            known.by_linkedin.insert(linkedin, (id, owner));
        }
    }
    for (id, domain, name) in parse_json::<Vec<AccountRow>>(accounts)? {
        if let Some(domain) = domain {
            known.account_by_domain.insert(domain, id.clone());
        }
        known.account_by_name.entry(name).or_insert(id);
    }
    for (kind, value, hash, reason) in parse_json::<Vec<SuppressionRow>>(suppression)? {
        match (kind.as_str(), value, hash) {
            (_, None, Some(hash)) if reason == "erased" => {
                known.erased.insert(hash);
            }
            ("email", Some(value), _) => {
                known.suppressed_email.insert(value, reason);
            }
            ("domain", Some(value), _) => {
                known.suppressed_domain.insert(value, reason);
            }
            ("linkedin", Some(value), _) => {
                known.suppressed_linkedin.insert(value, reason);
            }
            _ => {}
        }
    }
    for (email, linkedin, row) in parse_json::<Vec<(Option<String>, Option<String>, i64)>>(earlier)? {
        if let Some(email) = email {
            known.earlier_email.entry(email).or_insert(row);
        }
        if let Some(linkedin) = linkedin {
            known.earlier_linkedin.entry(linkedin).or_insert(row);
        }
    }
    known.earlier_domains = parse_json::<Vec<String>>(earlier_domains)?.into_iter().collect();
    Ok(known)
}

/// A company a step creates.
struct NewAccount {
    id: String,
    fields: AccountFields,
}

/// A contact a step writes.
struct Write {
    id: String,
    candidate: Candidate,
    account_id: Option<String>,
}

/// The step's decisions.
#[derive(Default)]
struct Plan {
    reports: Vec<Report>,
    new_accounts: Vec<NewAccount>,
    creates: Vec<Write>,
    updates: Vec<Write>,
}

fn duplicate_reason(field: &str, value: &str) -> String {
    format!("a contact with {field} {value} already exists")
}

/// Decides every row of a step, in order.
/// A row read, with its row number and its line in the file.
pub type Numbered = (i64, i64, Read);

fn plan(rows: Vec<Numbered>, known: &Known, upsert: bool, importer: &Importer<'_>) -> Plan {
    let mut plan = Plan::default();
    let mut seen_email: HashMap<String, i64> = HashMap::new();
    let mut seen_linkedin: HashMap<String, i64> = HashMap::new();
    let mut new_by_domain: HashMap<String, String> = HashMap::new();
    let mut new_by_name: HashMap<String, String> = HashMap::new();
    for (row, line, result) in rows {
        let report = |outcome, reason: Option<String>, label: Label, contact_id: Option<String>| Report {
            row,
            line,
            outcome,
            reason,
            label,
            account_created: false,
            contact_id,
        };
        let candidate = match result {
            Err(rejected) => {
                let super::row::Rejected { reason, label } = *rejected;
                plan.reports.push(report(Outcome::Invalid, Some(reason), label, None));
                continue;
            }
            Ok(candidate) => candidate,
        };
        let email = candidate.contact.email.as_ref().map(|e| e.as_str().to_owned());
        let linkedin = candidate.contact.linkedin_url.clone();
        let label = candidate.label.clone();

        // Erased people and suppressed addresses are never imported.
        if email.iter().chain(linkedin.iter()).any(|v| known.erased.contains(&erased_hash(v))) {
            let reason = "this person asked to be erased and cannot be added again".to_owned();
            plan.reports.push(report(Outcome::Suppressed, Some(reason), label, None));
            continue;
        }
        let domain = email.as_deref().and_then(|e| e.rsplit_once('@')).map_or("", |(_, d)| d);
        let suppressed = email
            .as_ref()
            .and_then(|e| known.suppressed_email.get(e).map(|r| format!("{e} is on the suppression list ({r})")))
            .or_else(|| {
                known
                    .suppressed_domain
                    .get(domain)
                    .map(|r| format!("the domain {domain} is on the suppression list ({r})"))
            })
            .or_else(|| {
                let l = linkedin.as_ref()?;
                known.suppressed_linkedin.get(l).map(|r| format!("{l} is on the suppression list ({r})"))
            });
        if let Some(reason) = suppressed {
            plan.reports.push(report(Outcome::Suppressed, Some(reason), label, None));
            continue;
        }

        // The same person earlier in the file.
        let earlier = email
            .as_ref()
            .and_then(|e| seen_email.get(e).or_else(|| known.earlier_email.get(e)))
            .or_else(|| linkedin.as_ref().and_then(|l| seen_linkedin.get(l).or_else(|| known.earlier_linkedin.get(l))));
        if let Some(first) = earlier {
            let reason = format!("the same person as row {first}");
            plan.reports.push(report(Outcome::SkippedDuplicate, Some(reason), label, None));
            continue;
        }

        // The same person already in OCC.
        let by_email = email.as_ref().and_then(|e| known.by_email.get(e));
        let by_linkedin = linkedin.as_ref().and_then(|l| known.by_linkedin.get(l));
        let existing = match (by_email, by_linkedin) {
            (Some(a), Some(b)) if a.0 != b.0 => {
                let reason = "the email matches one contact and the LinkedIn URL another; fix one of them".to_owned();
                plan.reports.push(report(Outcome::Invalid, Some(reason), label, None));
                continue;
            }
            (Some(found), _) | (None, Some(found)) => Some(found),
            (None, None) => None,
        };
        if let Some((id, owner)) = existing {
            let why = match (&email, by_email.is_some()) {
                (Some(e), true) => duplicate_reason("email", e),
                _ => duplicate_reason("LinkedIn URL", linkedin.as_deref().unwrap_or_default()),
            };
            let theirs = importer.owns_only && owner.as_deref().is_some_and(|o| o != importer.user_id);
            if !upsert || theirs {
                let reason = if theirs { format!("{why} and belongs to another user") } else { why };
                plan.reports.push(report(Outcome::SkippedDuplicate, Some(reason), label, Some(id.clone())));
                continue;
            }
        }
        if let Some(e) = &email {
            seen_email.insert(e.clone(), row);
        }
        if let Some(l) = &linkedin {
            seen_linkedin.insert(l.clone(), row);
        }

        // The company: an existing account, one created earlier in the file, or a new one.
        let mut account_created = false;
        let account_id = candidate.company.as_ref().map(|company| {
            let domain = company.domain.as_ref().map(|d| d.as_str().to_owned());
            let name = company.name.to_lowercase();
            let found = match &domain {
                Some(d) => known.account_by_domain.get(d).or_else(|| new_by_domain.get(d)).cloned(),
                None => known.account_by_name.get(&name).or_else(|| new_by_name.get(&name)).cloned(),
            };
            found.unwrap_or_else(|| {
                let id = new_id();
                // A company an earlier step of the dry run created is not counted again.
                account_created = !domain.as_ref().is_some_and(|d| known.earlier_domains.contains(d));
                match &domain {
                    Some(d) => new_by_domain.insert(d.clone(), id.clone()),
                    None => new_by_name.insert(name, id.clone()),
                };
                plan.new_accounts.push(NewAccount { id: id.clone(), fields: company.clone() });
                id
            })
        });
        let (outcome, id) = match existing {
            Some((id, _)) => (Outcome::Updated, id.clone()),
            None => (Outcome::Created, new_id()),
        };
        let mut line = report(outcome, None, label, Some(id.clone()));
        line.account_created = account_created;
        plan.reports.push(line);
        let write = Write { id, candidate, account_id };
        match outcome {
            Outcome::Updated => plan.updates.push(write),
            _ => plan.creates.push(write),
        }
    }
    plan
}

/// Writes the step's companies and people, each with its audit entry, and scores the people.
async fn write(conn: &Conn, plan: &Plan, importer: &Importer<'_>, at: &str) -> AppResult<()> {
    if !plan.new_accounts.is_empty() {
        let ids: Vec<String> = plan.new_accounts.iter().map(|a| a.id.clone()).collect();
        audit::record_many(conn, importer.actor, "account.import", "account", &ids).await?;
        let rows: Vec<Value> = plan
            .new_accounts
            .iter()
            .map(|a| {
                let f = &a.fields;
                json!({"id": a.id, "name": f.name, "domain": f.domain.as_ref().map(|d| d.as_str()),
                    "industry": f.industry, "sub_industry": f.sub_industry, "employee_count": f.employee_count,
                    "country": f.country, "website": f.website})
            })
            .collect();
        conn.write(
            "INSERT INTO accounts (id, name, domain, industry, sub_industry, employee_count, country, website, \
             created_at, updated_at) \
             SELECT json_extract(value, '$.id'), json_extract(value, '$.name'), json_extract(value, '$.domain'), \
             json_extract(value, '$.industry'), json_extract(value, '$.sub_industry'), json_extract(value, '$.employee_count'), \
             json_extract(value, '$.country'), json_extract(value, '$.website'), ?2, ?2 FROM json_each(?1)",
            libsql::params![Value::Array(rows).to_string(), at],
        )
        .await?;
    }
    let person = |w: &Write, only_given: bool| {
        let c = &w.candidate.contact;
        let given = |field: &str| !only_given || w.candidate.given.contains(&field);
        let placed = !only_given || w.candidate.given.contains(&"title");
        json!({
            "id": w.id, "account_id": w.account_id, "first_name": c.first_name,
            "last_name": c.last_name.as_ref().filter(|_| given("last_name")),
            "title": c.title.as_ref().filter(|_| given("title")),
            "seniority": placed.then_some(c.seniority.as_str()),
            "department": c.department.map(Department::as_str).filter(|_| placed),
            "email": c.email.as_ref().map(|e| e.as_str()).filter(|_| given("email")),
            "linkedin_url": c.linkedin_url.as_ref().filter(|_| given("linkedin_url")),
            "phone": c.phone.as_ref().filter(|_| given("phone")),
            "timezone": c.timezone.as_ref().filter(|_| given("timezone")),
            "notes": c.notes.as_ref().filter(|_| given("notes")),
        })
    };
    if !plan.creates.is_empty() {
        let ids: Vec<String> = plan.creates.iter().map(|w| w.id.clone()).collect();
        audit::record_many(conn, importer.actor, "contact.import", "contact", &ids).await?;
        let rows: Vec<Value> = plan.creates.iter().map(|w| person(w, false)).collect();
        // Each new person scored as it is written, from its row and its company as the
        // transaction sees it.
        conn.write(
            concat!(
                "INSERT INTO contacts (id, account_id, first_name, last_name, title, seniority, department, email, \
                 linkedin_url, phone, timezone, notes, owner_id, priority_score, priority_factors, priority_version, \
                 created_at, updated_at) \
                 SELECT p ->> 'id', p ->> 'account_id', p ->> 'first_name', p ->> 'last_name', p ->> 'title', \
                 p ->> 'seniority', p ->> 'department', p ->> 'email', p ->> 'linkedin_url', p ->> 'phone', \
                 p ->> 'timezone', p ->> 'notes', :owner, s ->> 0, s ->> 1, s ->> 2, :now, :now \
                 FROM (SELECT j.value AS p, (SELECT json_array(score, factors, version) FROM (",
                crate::contacts::scoring::sql::score_sql!(
                    "j.value ->> 'seniority'",
                    "j.value ->> 'department'",
                    "'new'",
                    "j.value ->> 'account_id'",
                    "j.value ->> 'id'"
                ),
                ")) AS s FROM json_each(:rows) j LIMIT -1 OFFSET 0)"
            ),
            libsql::named_params! {":rows": Value::Array(rows).to_string(), ":owner": importer.user_id, ":now": at},
        )
        .await?;
    }
    if !plan.updates.is_empty() {
        let ids: Vec<String> = plan.updates.iter().map(|w| w.id.clone()).collect();
        audit::record_many(conn, importer.actor, "contact.import_update", "contact", &ids).await?;
        let rows: Vec<Value> = plan.updates.iter().map(|w| person(w, true)).collect();
        conn.write(
            "UPDATE contacts SET first_name = json_extract(j.value, '$.first_name'), \
             last_name = coalesce(json_extract(j.value, '$.last_name'), last_name), \
             title = coalesce(json_extract(j.value, '$.title'), title), \
             seniority = coalesce(json_extract(j.value, '$.seniority'), seniority), \
             department = coalesce(json_extract(j.value, '$.department'), department), \
             email = coalesce(json_extract(j.value, '$.email'), email), \
             linkedin_url = coalesce(json_extract(j.value, '$.linkedin_url'), linkedin_url), \
             phone = coalesce(json_extract(j.value, '$.phone'), phone), \
             timezone = coalesce(json_extract(j.value, '$.timezone'), timezone), \
             notes = coalesce(json_extract(j.value, '$.notes'), notes), \
             account_id = coalesce(json_extract(j.value, '$.account_id'), account_id), updated_at = ?2 \
             FROM json_each(?1) AS j WHERE contacts.id = json_extract(j.value, '$.id')",
            libsql::params![Value::Array(rows).to_string(), at],
        )
        .await?;
    }
    // New people were scored as they were written; updated ones are rescored as they now are.
    let people: Vec<String> = plan.updates.iter().map(|w| w.id.clone()).collect();
    recompute::rescore(conn, &people).await?;
    Ok(())
}

async fn save_report(conn: &Conn, import_id: &str, phase: PhaseKind, reports: &[Report]) -> AppResult<()> {
    if reports.is_empty() {
        return Ok(());
    }
    let rows: Vec<Value> = reports
        .iter()
        .map(|r| {
            json!([
                r.row,
                r.line,
                r.outcome.as_str(),
                r.reason,
                r.label.name,
                r.label.email,
                r.label.linkedin_url,
                r.label.company,
                r.label.domain,
                r.account_created,
                // A dry run's new people do not exist.
                r.contact_id.as_ref().filter(|_| phase == PhaseKind::Run || r.outcome != Outcome::Created)
            ])
        })
        .collect();
    conn.write(
        "INSERT INTO import_rows (import_id, phase, row, line, outcome, reason, name, email, linkedin_url, company, \
         domain, account_created, contact_id) \
         SELECT ?1, ?2, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, \
         value ->> 7, value ->> 8, value ->> 9, value ->> 10 FROM json_each(?3)",
        libsql::params![import_id, phase.as_str(), Value::Array(rows).to_string()],
    )
    .await?;
    Ok(())
}

/// The rows of a step: up to [`STEP_ROWS`] rows of `chunk` (chunk `n`, whose first row and
/// line follow `before_records` rows and `before_lines` lines of the file), from the phase's
/// next row on.
pub fn rows_of(
    body: &str,
    n: i64,
    before_records: i64,
    before_lines: i64,
    processed: i64,
    columns: &Columns,
) -> AppResult<Vec<Numbered>> {
    let skip = usize::try_from(processed - before_records).unwrap_or(0);
    let chunk = read_chunk_up_to(body, n == 0, skip + STEP_ROWS)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored chunk {n}: {e}")))?;
    Ok(numbered(&chunk.records, before_records, before_lines, skip, columns))
}

/// Up to [`STEP_ROWS`] of `records` from `skip` on, numbered in the file and read as people.
pub fn numbered(
    records: &[super::parse::Record],
    before_records: i64,
    before_lines: i64,
    skip: usize,
    columns: &Columns,
) -> Vec<Numbered> {
    records
        .iter()
        .enumerate()
        .skip(skip)
        .take(STEP_ROWS)
        .map(|(i, record)| {
            (before_records + i as i64 + 1, before_lines + record.line as i64, candidate(&record.fields, columns))
        })
        .collect()
}

/// A step to take: the rows it decides, and the phase's progress before them.
#[derive(Debug)]
pub struct Step<'a> {
    /// The job.
    pub import_id: &'a str,
    /// The phase the step belongs to.
    pub phase: PhaseKind,
    /// Whether people already in OCC are updated.
    pub upsert: bool,
    /// The phase's progress as read before the step.
    pub state: Phase,
    /// The rows, from the phase's next one on.
    pub rows: Vec<Numbered>,
    /// When it is taken.
    pub at: &'a str,
}

/// Takes a step in one transaction of two round trips: `opening` (writes that start the job
/// or the phase, their answers unneeded) and the lookups, then the step's writes and progress
/// with the commit. The rows were read and checked before it, so the lock is held only for the
/// lookups and the writes (a remote database ends a transaction held for more than a few
/// seconds). If another request took this step meanwhile, this one does nothing and answers
/// the progress it made; `starting` a dry run that the real run overtook is refused.
pub async fn take(
    conn: &Conn,
    step: Step<'_>,
    importer: &Importer<'_>,
    opening: &[(&'static str, Vec<libsql::Value>)],
    starting: bool,
) -> AppResult<(Phase, Vec<super::ReportRow>)> {
    let Step { import_id, phase, upsert, mut state, rows, at } = step;
    let taken = rows.len() as i64;
    let results: Vec<Read> = rows.iter().map(|r| r.2.clone()).collect();
    conn.immediate(async |conn| {
        for (sql, params) in opening {
            conn.write(sql, params.clone()).await?;
        }
        let known = look_up(conn, import_id, phase, &results).await?;
        if starting && phase == PhaseKind::DryRun && known.run_started {
            return Err(AppError::refused("status", "transition", "the import is running; it can no longer change"));
        }
        let current: Phase = parse_json(known.state.clone())?;
        if current.processed != state.processed || current.done {
            // Another request took this step first.
            return Ok((current, Vec::new()));
        }
        let before = state.processed;
        let plan = plan(rows, &known, upsert, importer);
        if phase == PhaseKind::Run {
            write(conn, &plan, importer, at).await?;
        }
        save_report(conn, import_id, phase, &plan.reports).await?;
        for report in &plan.reports {
            state.counts.add(report.outcome);
            state.counts.accounts_created += i64::from(report.account_created);
        }
        state.processed += taken;
        // A chunk with fewer rows left than counted has nothing more to give: done, never a
        // step that takes nothing forever.
        state.done = state.processed >= state.total || taken == 0;
        save_state(conn, import_id, phase, before, &state, at).await?;
        let lines = plan.reports.into_iter().map(|r| r.into_line(phase)).collect();
        Ok((state, lines))
    })
    .await
}

impl Report {
    /// The report's line as `GET /api/v1/imports/{id}/rows` reads it back.
    fn into_line(self, phase: PhaseKind) -> super::ReportRow {
        super::ReportRow {
            row: self.row,
            line: self.line,
            outcome: self.outcome.as_str().to_owned(),
            reason: self.reason,
            name: self.label.name,
            email: self.label.email,
            company: self.label.company,
            contact_id: self.contact_id.filter(|_| phase == PhaseKind::Run || self.outcome != Outcome::Created),
        }
    }
}

/// Marks a phase done when no chunk holds a next row, after `opening` (one round trip).
pub async fn finish(
    conn: &Conn,
    import_id: &str,
    phase: PhaseKind,
    mut state: Phase,
    opening: &[(&'static str, Vec<libsql::Value>)],
    at: &str,
) -> AppResult<Phase> {
    let before = state.processed;
    state.done = true;
    conn.immediate(async |conn| {
        for (sql, params) in opening {
            conn.write(sql, params.clone()).await?;
        }
        save_state(conn, import_id, phase, before, &state, at).await
    })
    .await?;
    Ok(state)
}

/// Records a phase's progress, unless another request moved it on from `before`.
async fn save_state(
    conn: &Conn,
    import_id: &str,
    phase: PhaseKind,
    before: i64,
    state: &Phase,
    at: &str,
) -> AppResult<()> {
    let text = serde_json::to_string(state).map_err(|e| AppError::Internal(e.into()))?;
    let finished = phase == PhaseKind::Run && state.done;
    conn.write(
        "UPDATE imports SET dry_run = CASE WHEN ?2 = 'dry_run' THEN ?3 ELSE dry_run END, \
         run = CASE WHEN ?2 = 'run' THEN ?3 ELSE run END, updated_at = ?4 \
         WHERE id = ?1 AND (CASE WHEN ?2 = 'run' THEN run ELSE dry_run END) ->> '$.processed' = ?5",
        libsql::params![import_id, phase.as_str(), text, at, before],
    )
    .await?;
    if finished {
        // The file's text is not kept once it is imported: the report says what became of it.
        conn.write("DELETE FROM import_chunks WHERE import_id = ?1", [import_id]).await?;
    }
    Ok(())
}
