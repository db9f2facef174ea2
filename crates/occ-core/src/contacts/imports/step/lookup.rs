//! A step's lookups: everything the database knows that decides its rows, in one call.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::super::row::Read;
use super::PhaseKind;
use crate::contacts::erased::erased_hash;
use crate::error::{AppError, AppResult};
use crate::store::{Conn, from_row};

/// Everything the database knows that decides the rows of a step (one call).
#[derive(Default)]
pub(super) struct Known {
    /// Existing contacts by address and by profile: (id, owner).
    pub(super) by_email: HashMap<String, (String, Option<String>)>,
    pub(super) by_linkedin: HashMap<String, (String, Option<String>)>,
    /// Existing accounts by domain and by lower-case name.
    pub(super) account_by_domain: HashMap<String, String>,
    pub(super) account_by_name: HashMap<String, String>,
    /// Suppressed addresses and domains, with the reason; erased people's hashes.
    pub(super) suppressed_email: HashMap<String, String>,
    pub(super) suppressed_domain: HashMap<String, String>,
    pub(super) suppressed_linkedin: HashMap<String, String>,
    pub(super) erased: HashSet<String>,
    /// Earlier rows of this phase that took a person, by address and profile: the first one's line
    /// in the file.
    pub(super) earlier_email: HashMap<String, i64>,
    pub(super) earlier_linkedin: HashMap<String, i64>,
    /// Companies earlier rows of this phase created: by domain, and by name (lower-cased) those
    /// without one.
    pub(super) earlier_domains: HashSet<String>,
    pub(super) earlier_names: HashSet<String>,
    /// The phase's progress as the transaction sees it.
    pub(super) state: Option<String>,
    /// Whether the real run has started.
    pub(super) run_started: bool,
}

/// Reads a JSON value the lookups answer; NULL is the empty value.
pub(super) fn parse_json<T: serde::de::DeserializeOwned + Default>(text: Option<String>) -> AppResult<T> {
    match text {
        None => Ok(T::default()),
        Some(text) => {
            serde_json::from_str(&text).map_err(|e| AppError::Internal(anyhow::anyhow!("import lookup: {e}")))
        }
    }
}

/// A statement parameter: the JSON array of `items`.
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
    earlier_names: Option<String>,
    state: Option<String>,
    run_started: bool,
}

type ContactRow = (String, Option<String>, Option<String>, Option<String>);
type AccountRow = (String, Option<String>, String);
type SuppressionRow = (String, Option<String>, Option<String>, String);

/// Reads everything the database knows that decides `rows`, in the step's transaction. Every
/// part looks its values up in an index, so a step costs the same in a book of any size and at
/// any point of a long file: companies by name through the case-blind index on names (SQLite's
/// `lower` and `NOCASE` both fold ASCII letters only, and the names come lower-cased, so this
/// finds what `lower(name) IN` did without reading every company), and the file's earlier rows
/// by address and by profile apart (together they read every row the run had written).
pub(super) async fn look_up(conn: &Conn, import_id: &str, phase: PhaseKind, rows: &[Read]) -> AppResult<Known> {
    let valid = || rows.iter().filter_map(|r| r.as_ref().ok());
    let emails: Vec<&str> = valid().filter_map(|c| c.contact.email.as_ref().map(|e| e.as_str())).collect();
    let linkedins: Vec<&str> = valid().filter_map(|c| c.contact.linkedin_url.as_deref()).collect();
    let domains: Vec<&str> = valid().filter_map(|c| c.company.as_ref()?.domain.as_ref().map(|d| d.as_str())).collect();
    let names: Vec<String> = valid().filter_map(|c| c.company.as_ref().map(|a| a.name.to_lowercase())).collect();
    let email_domains: Vec<&str> = emails.iter().filter_map(|e| e.rsplit_once('@').map(|(_, d)| d)).collect();
    let hashes: Vec<String> = emails.iter().chain(linkedins.iter()).map(|v| erased_hash(v)).collect();
    let LookupRow { contacts, accounts, suppression, earlier, earlier_domains, earlier_names, state, run_started } = conn
        .query_one(
            "import lookups",
            "SELECT \
             (SELECT json_group_array(json_array(id, email, linkedin_url, owner_id)) FROM contacts \
              WHERE email IN (SELECT value FROM json_each(:emails)) OR linkedin_url IN (SELECT value FROM json_each(:linkedins))) AS contacts, \
             (SELECT json_group_array(json_array(id, domain, lower(name))) \
              FROM accounts WHERE domain IN (SELECT value FROM json_each(:domains)) \
              OR name COLLATE NOCASE IN (SELECT value FROM json_each(:names))) AS accounts, \
             (SELECT json_group_array(json_array(kind, value, value_hash, reason)) FROM email_suppression \
              WHERE (kind = 'email' AND value IN (SELECT value FROM json_each(:emails))) \
              OR (kind = 'domain' AND value IN (SELECT value FROM json_each(:email_domains))) \
              OR (kind = 'linkedin' AND value IN (SELECT value FROM json_each(:linkedins))) \
              OR (kind IN ('email', 'linkedin') AND value_hash IN (SELECT value FROM json_each(:hashes)))) AS suppression, \
             (SELECT json_group_array(json_array(email, linkedin_url, line)) FROM ( \
              SELECT email, linkedin_url, line FROM import_rows WHERE import_id = :id AND phase = :phase \
              AND email IN (SELECT value FROM json_each(:emails)) AND outcome IN ('created', 'updated') \
              UNION ALL SELECT email, linkedin_url, line FROM import_rows WHERE import_id = :id AND phase = :phase \
              AND linkedin_url IN (SELECT value FROM json_each(:linkedins)) AND outcome IN ('created', 'updated'))) AS earlier, \
             (SELECT json_group_array(domain) FROM import_rows \
              WHERE import_id = :id AND phase = :phase AND account_created = 1 AND domain IN (SELECT value FROM json_each(:domains))) AS earlier_domains, \
             (SELECT json_group_array(created_name) FROM import_rows WHERE import_id = :id AND phase = :phase \
              AND created_name IN (SELECT value FROM json_each(:names))) AS earlier_names, \
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
    for (email, linkedin, line) in parse_json::<Vec<(Option<String>, Option<String>, i64)>>(earlier)? {
        if let Some(email) = email {
            known.earlier_email.entry(email).and_modify(|first| *first = (*first).min(line)).or_insert(line);
        }
        if let Some(linkedin) = linkedin {
            known.earlier_linkedin.entry(linkedin).and_modify(|first| *first = (*first).min(line)).or_insert(line);
        }
    }
    known.earlier_domains = parse_json::<Vec<String>>(earlier_domains)?.into_iter().collect();
    known.earlier_names = parse_json::<Vec<String>>(earlier_names)?.into_iter().collect();
    Ok(known)
}
