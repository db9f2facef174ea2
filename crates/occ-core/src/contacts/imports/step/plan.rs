//! A step's decisions: what becomes of each row, and the companies and people to write.

use std::collections::HashMap;

use super::super::row::{Candidate, Label, Rejected};
use super::lookup::Known;
use super::{Importer, Numbered, Outcome, Report};
use crate::accounts::AccountFields;
use crate::contacts::erased::erased_hash;
use crate::domain::new_id;

/// A company a step creates.
pub(super) struct NewAccount {
    pub(super) id: String,
    pub(super) fields: AccountFields,
}

/// A contact a step writes.
pub(super) struct Write {
    pub(super) id: String,
    pub(super) candidate: Candidate,
    pub(super) account_id: Option<String>,
}

/// The step's decisions.
#[derive(Default)]
pub(super) struct Plan {
    pub(super) reports: Vec<Report>,
    pub(super) new_accounts: Vec<NewAccount>,
    pub(super) creates: Vec<Write>,
    pub(super) updates: Vec<Write>,
}

fn duplicate_reason(field: &str, value: &str) -> String {
    format!("a contact with {field} {value} already exists")
}

/// Decides every row of a step, in order.
pub(super) fn plan(rows: Vec<Numbered>, known: &Known, upsert: bool, importer: &Importer<'_>) -> Plan {
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
            created_name: None,
            contact_id,
        };
        let candidate = match result {
            Err(rejected) => {
                let Rejected { reason, label } = *rejected;
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
            let reason = format!("the same person as line {first}");
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
            seen_email.insert(e.clone(), line);
        }
        if let Some(l) = &linkedin {
            seen_linkedin.insert(l.clone(), line);
        }

        // The company: an existing account, one created earlier in the file, or a new one.
        let (mut account_created, mut created_name) = (false, None);
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
                account_created = match &domain {
                    Some(d) => !known.earlier_domains.contains(d),
                    None => !known.earlier_names.contains(&name),
                };
                match &domain {
                    Some(d) => new_by_domain.insert(d.clone(), id.clone()),
                    None => {
                        created_name = Some(name.clone());
                        new_by_name.insert(name, id.clone())
                    }
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
        line.created_name = created_name;
        plan.reports.push(line);
        let write = Write { id, candidate, account_id };
        match outcome {
            Outcome::Updated => plan.updates.push(write),
            _ => plan.creates.push(write),
        }
    }
    plan
}
