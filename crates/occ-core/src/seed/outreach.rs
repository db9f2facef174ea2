//! The demo's outreach: a BDR's working day on top of the demo book. Contacts walk two
//! sequences at every step (sent touches, drafts waiting for review or for sending, steps the
//! tick will draft now), and some have answered: replies of each kind with their consequences,
//! follow-ups, meetings and an opportunity, plus two batches. Everything is planned in memory
//! from the seeded RNG, relative to now, then written one statement per table.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::book::rescore;
use super::copy::{SEQUENCES, SIGNALS};
use super::rows::Outreach;
use super::walk::{Fate, Walk, stage_of, walk};
use crate::contacts::scoring::{IcpConfig, SignalInput};
use crate::domain::new_id;
use crate::domain::stored;

const WALKS: &[Walk] = &[
    // Due now: the tick drafts the first step, a call, a break-up.
    (0, 0, 0, None, Fate::Active, None),
    (1, 9, 3, None, Fate::Active, None),
    (0, 13, 4, None, Fate::Active, None),
    // Drafted by the tick, waiting in the review queue.
    (0, 1, 0, Some("pending"), Fate::Active, None),
    (1, 0, 0, Some("pending"), Fate::Active, None),
    (0, 3, 1, Some("pending"), Fate::Active, None),
    (0, 6, 2, Some("pending"), Fate::Active, None),
    (1, 7, 2, Some("pending"), Fate::Active, None),
    (1, 10, 3, Some("pending"), Fate::Active, None),
    // Approved: three emails ready to send, today's LinkedIn and call tasks.
    (0, 0, 0, Some("approved"), Fate::Active, None),
    (1, 1, 0, Some("approved"), Fate::Active, None),
    (1, 7, 2, Some("approved"), Fate::Active, None),
    (0, 4, 1, Some("approved"), Fate::Active, None),
    (1, 3, 1, Some("approved"), Fate::Active, None),
    (0, 11, 3, Some("approved"), Fate::Active, None),
    // Approved, and its send was interrupted: someone must look in the Sent folder.
    (0, 0, 0, Some("interrupted"), Fate::Active, None),
    // Paused: out of office, and by hand.
    (1, 4, 2, None, Fate::Paused(Some(2)), None),
    (0, 1, 1, None, Fate::Paused(None), None),
    // Answered, finished, met.
    (0, 7, 3, None, Fate::Replied { reply: 0, hours: 3, handled: false }, None),
    (
        1,
        6,
        2,
        None,
        Fate::Replied { reply: 1, hours: 20, handled: false },
        Some(("email", 2, "Answer their Salesforce question")),
    ),
    (0, 20, 3, None, Fate::Replied { reply: 3, hours: 240, handled: true }, None),
    (1, 15, 3, None, Fate::Replied { reply: 4, hours: 120, handled: true }, None),
    (0, 16, 5, None, Fate::Completed, Some(("call", -26, "One last call before closing the file"))),
    (1, 12, 2, None, Fate::Meeting { status: "meeting_booked", days: 4, meeting: 1 }, None),
    (
        0,
        25,
        3,
        None,
        Fate::Meeting { status: "meeting_held", days: 15, meeting: -2 },
        Some(("email", 5, "Send the recap and the proposal")),
    ),
    (1, 35, 3, None, Fate::Meeting { status: "opportunity_created", days: 25, meeting: -18 }, None),
];

/// Plans the demo's outreach over the generated book, moving the contacts it uses to the stage
/// their history gives them (and scoring them again, with their companies' new signals).
pub(super) fn plan(
    seed: u64,
    accounts: &[Value],
    contacts: &mut [Value],
    model: &IcpConfig,
    now: DateTime<Utc>,
) -> Outreach {
    let mut out = Outreach::new(0, fastrand::Rng::with_seed(seed));
    let sequences = sequences(&mut out, now);
    walks(&mut out, &sequences, accounts, contacts, model, now);
    batches(&mut out, accounts, contacts, &stored(now));
    out
}

/// The same walks over one chunk of a synthetic book: through `sequences` (made with the first
/// chunk, whose plan answers them), with send numbers after `sends_before`, and no batches.
pub(super) fn plan_chunk(
    seed: u64,
    sends_before: usize,
    sequences: &mut Option<Vec<(String, Vec<String>)>>,
    accounts: &[Value],
    contacts: &mut [Value],
    model: &IcpConfig,
    now: DateTime<Utc>,
) -> Outreach {
    let mut out = Outreach::new(sends_before, fastrand::Rng::with_seed(seed));
    let sequences = sequences.get_or_insert_with(|| self::sequences(&mut out, now));
    walks(&mut out, sequences, accounts, contacts, model, now);
    out
}

/// Every walk of [`WALKS`], each on a contact at a company no other walk uses.
fn walks(
    out: &mut Outreach,
    sequences: &[(String, Vec<String>)],
    accounts: &[Value],
    contacts: &mut [Value],
    model: &IcpConfig,
    now: DateTime<Utc>,
) {
    let at = stored(now);
    let account_of = |id: &Value| accounts.iter().find(|a| a["id"] == *id).cloned().unwrap_or(Value::Null);
    let mut used = BTreeSet::new();
    let mut signals: BTreeMap<String, SignalInput> = BTreeMap::new();
    for plan in WALKS {
        let Some(i) = pick(contacts, &mut used, stage_of(plan.4)) else { break };
        let account = account_of(&contacts[i]["account_id"]);
        let account_id = account["id"].as_str().unwrap_or_default().to_owned();
        let (kind, title) = SIGNALS[out.rng.usize(..SIGNALS.len())];
        let (strength, days) = (out.rng.i64(3..=5), out.rng.i64(2..30));
        out.audited(
            "signals",
            "signal",
            json!({"id": new_id(), "account_id": account_id, "kind": kind,
            "strength": strength, "title": title, "occurred_at": stored(now - Duration::days(days)),
            "created_at": at, "updated_at": at}),
        );
        signals.insert(account_id, SignalInput { strength, age_days: days as f64 });
        walk(out, plan, &sequences[plan.0], &mut contacts[i], &account, title, now);
    }
    for contact in contacts.iter_mut() {
        let account = account_of(&contact["account_id"]);
        if let Some(signal) = account["id"].as_str().and_then(|id| signals.get(id)) {
            rescore(model, &account, contact, &[*signal]);
        }
    }
}

/// An active contact, one per company (a positive reply ends colleagues' sequences), best one
/// already at `stage`, else one not yet past the first touch.
fn pick(contacts: &[Value], used: &mut BTreeSet<String>, stage: &str) -> Option<usize> {
    let free = |c: &Value| c["status"] == "active" && !used.contains(c["account_id"].as_str().unwrap_or_default());
    let early = ["new", "researched", "drafted", "touched", "sequencing"];
    let i = contacts.iter().position(|c| free(c) && c["stage"] == stage).or_else(|| {
        contacts.iter().position(|c| free(c) && early.contains(&c["stage"].as_str().unwrap_or_default()))
    })?;
    used.insert(contacts[i]["account_id"].as_str().unwrap_or_default().to_owned());
    Some(i)
}

/// The sequences and their steps; answers each sequence's id and step ids.
fn sequences(out: &mut Outreach, now: DateTime<Utc>) -> Vec<(String, Vec<String>)> {
    let at = stored(now - Duration::days(60));
    let mut ids = Vec::new();
    for (name, description, steps) in SEQUENCES {
        let id = new_id();
        out.audited(
            "sequences",
            "sequence",
            json!({"id": id, "name": name, "description": description,
            "status": "active", "autopilot": 0, "created_at": at, "updated_at": at}),
        );
        let mut step_ids = Vec::new();
        for (position, (day, kind, subject, body, break_up)) in steps.iter().enumerate() {
            let channel = match *kind {
                "email" => "email",
                "call" => "call",
                _ => "linkedin",
            };
            let step = new_id();
            out.push(
                "sequence_steps",
                json!({"id": step, "sequence_id": id, "position": position + 1,
                "day_offset": day, "channel": channel, "kind": kind, "subject_template": subject,
                "body_template": body, "is_break_up": i64::from(*break_up), "created_at": at, "updated_at": at}),
            );
            step_ids.push(step);
        }
        ids.push((id, step_ids));
    }
    ids
}

/// The saved filter of a batch, as `POST /api/v1/batches` keeps it: the contacts list's query
/// string and how many of its contacts were taken.
fn saved_filter(query: &str, limit: usize) -> String {
    json!({ "query": query, "limit": limit }).to_string()
}

/// Two batches: an active list of the top fintech prospects by priority, and a draft list of
/// senior healthcare contacts still to research.
fn batches(out: &mut Outreach, accounts: &[Value], contacts: &[Value], at: &str) {
    // (name, status, industry, saved query, size, seniorities for a research list)
    type List = (&'static str, &'static str, &'static str, &'static str, usize, &'static [&'static str]);
    let lists: [List; 2] = [
        ("Top fintech prospects", "active", "Fintech", "industry=Fintech&status=active&sort=priority", 20, &[]),
        (
            "Healthcare leaders to research",
            "draft",
            "Healthcare",
            "industry=Healthcare&status=active&stage=new&seniority=c_level&seniority=vp&seniority=director&sort=priority",
            5,
            &["c_level", "vp", "director"],
        ),
    ];
    for (name, status, industry, query, size, seniorities) in lists {
        let in_industry: BTreeSet<&str> =
            accounts.iter().filter(|a| a["industry"] == industry).filter_map(|a| a["id"].as_str()).collect();
        let mut members: Vec<&Value> = contacts
            .iter()
            .filter(|c| c["status"] == "active" && in_industry.contains(c["account_id"].as_str().unwrap_or_default()))
            .filter(|c| {
                seniorities.is_empty()
                    || (c["stage"] == "new" && seniorities.contains(&c["seniority"].as_str().unwrap_or_default()))
            })
            .collect();
        // The contacts list's order for sort=priority: best score first, then by id.
        members.sort_by_key(|c| {
            (
                std::cmp::Reverse(c["priority_score"].as_i64().unwrap_or(0)),
                c["id"].as_str().unwrap_or_default().to_owned(),
            )
        });
        let id = new_id();
        out.audited(
            "batches",
            "batch",
            json!({"id": id, "name": name, "description": null, "status": status,
            "saved_filter": saved_filter(query, size), "created_at": at, "updated_at": at}),
        );
        for (position, contact) in members.into_iter().take(size).enumerate() {
            out.push(
                "batch_prospects",
                json!({"id": new_id(), "batch_id": id, "contact_id": contact["id"],
                "position": position, "created_at": at}),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_is_the_same_every_time() {
        let model = super::super::demo_model();
        let now = Utc::now();
        let stages = || {
            let (accounts, mut contacts) = super::super::book::generate(0x0cc, 40, 4..12, &model);
            let out = plan(0x0cc, &accounts, &mut contacts, &model, now);
            let stages: Vec<String> = contacts.iter().map(|c| c["stage"].to_string()).collect();
            (stages, out.count("touchpoints"), out.count("batch_prospects"))
        };
        let first = stages();
        assert_eq!(first, stages());
        assert!(first.1 > 30, "{} touchpoints", first.1);
    }
}
