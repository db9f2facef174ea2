//! The facts of a load's sends, worked out as it plans them. A sent touch's fact (migration
//! 0016's `insights_touchpoints_after_insert`) looks up its contact, company, sequence, step,
//! recent signals, zones and earlier facts, for each of a million-contact load's million sends
//! (3-4 s of the load). The planner has all of it in hand, so the load sets the trigger aside
//! and writes the facts with the sends, as the trigger would have written them, with every
//! signal of the chunk however the load orders its writes; the test
//! `a_synthetic_books_send_facts_are_those_its_trigger_writes` writes every one again through
//! the trigger and finds the same.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::domain::stored;
use crate::error::AppResult;
use crate::store::{Conn, from_row};

/// The trigger the load sets aside.
pub(super) const TRIGGER: &str = "insights_touchpoints_after_insert";

/// A sent touch, as its fact needs it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sent<'a> {
    pub(super) id: &'a str,
    pub(super) contact_id: &'a str,
    pub(super) channel: &'a str,
    pub(super) sent_at: &'a str,
    pub(super) variant_id: Option<&'a str>,
    pub(super) enrollment_id: Option<&'a str>,
    pub(super) draft_id: Option<&'a str>,
}

/// What the facts read from the database, once: the zones' offsets and the team's zone.
#[derive(Debug, Clone, Default)]
pub(super) struct Zones {
    /// Each zone's offsets (minutes) since a time, oldest first.
    offsets: HashMap<String, Vec<(String, i64)>>,
    /// The team's pacing settings: version, saved at, zone.
    pacing: Vec<(i64, String, Option<String>)>,
}

impl Zones {
    /// Reads the offsets and the pacing settings (two calls).
    pub(super) async fn read(conn: &Conn) -> AppResult<Self> {
        #[derive(serde::Deserialize)]
        struct Offset {
            zone: String,
            since: String,
            offset_minutes: i64,
        }
        #[derive(serde::Deserialize)]
        struct Pacing {
            version: i64,
            created_at: String,
            timezone: Option<String>,
        }
        let rows: Vec<Offset> = conn
            .query_all("SELECT zone, since, offset_minutes FROM zone_offsets ORDER BY zone, since", (), from_row)
            .await?;
        let mut offsets: HashMap<String, Vec<(String, i64)>> = HashMap::new();
        for Offset { zone, since, offset_minutes } in rows {
            offsets.entry(zone).or_default().push((since, offset_minutes));
        }
        let pacing: Vec<Pacing> = conn
            .query_all(
                "SELECT version, created_at, value ->> '$.timezone' AS timezone FROM settings WHERE key = 'pacing'",
                (),
                from_row,
            )
            .await?;
        let pacing = pacing.into_iter().map(|p| (p.version, p.created_at, p.timezone)).collect();
        Ok(Self { offsets, pacing })
    }

    /// The team's zone at `at`: that of the newest pacing setting saved by then.
    fn team(&self, at: &str) -> Option<&str> {
        let newest = self.pacing.iter().filter(|(_, saved, _)| saved.as_str() <= at).max_by_key(|(v, _, _)| *v);
        newest.and_then(|(_, _, zone)| zone.as_deref())
    }

    /// The offset of `zone` at `at`, in minutes (0 for a zone the table does not know).
    fn offset(&self, zone: Option<&str>, at: &str) -> i64 {
        let Some(since) = zone.and_then(|z| self.offsets.get(z)) else { return 0 };
        let before = since.partition_point(|(s, _)| s.as_str() <= at);
        before.checked_sub(1).map_or(0, |i| since[i].1)
    }
}

/// The facts of one chunk's sends, in the order they are written, each contact's first one
/// marked as its first touch.
pub(super) struct Chunk<'a> {
    zones: &'a Zones,
    contacts: HashMap<&'a str, &'a Value>,
    accounts: HashMap<&'a str, &'a Value>,
    sequences: HashMap<&'a str, &'a str>,
    steps: HashMap<&'a str, &'a str>,
    /// The signals about each person and company: (occurred at, kind), newest first.
    signals: HashMap<&'a str, Vec<(&'a str, &'a str)>>,
    touched: HashSet<&'a str>,
}

impl<'a> Chunk<'a> {
    /// A chunk of `accounts` and `contacts`, its outreach's sequences and steps, and every
    /// signal about its people and companies.
    pub(super) fn new(
        zones: &'a Zones,
        accounts: &'a [Value],
        contacts: &'a [Value],
        outreach: &'a super::rows::Outreach,
        signals: impl Iterator<Item = &'a Value>,
    ) -> Self {
        let by_id = |rows: &'a [Value]| rows.iter().filter_map(|r| Some((r["id"].as_str()?, r))).collect();
        let field = |table: &str, key: &'static str| -> HashMap<&'a str, &'a str> {
            outreach.rows(table).filter_map(|r| Some((r["id"].as_str()?, r[key].as_str()?))).collect()
        };
        let mut about: HashMap<&str, Vec<(&str, &str)>> = HashMap::new();
        for signal in signals {
            let (Some(occurred), Some(kind)) = (signal["occurred_at"].as_str(), signal["kind"].as_str()) else {
                continue;
            };
            for subject in [&signal["contact_id"], &signal["account_id"]].into_iter().filter_map(Value::as_str) {
                about.entry(subject).or_default().push((occurred, kind));
            }
        }
        for list in about.values_mut() {
            list.sort_by(|a, b| b.0.cmp(a.0));
        }
        Self {
            zones,
            contacts: by_id(contacts),
            accounts: by_id(accounts),
            sequences: field("enrollments", "sequence_id"),
            steps: field("message_drafts", "step_id"),
            signals: about,
            touched: HashSet::new(),
        }
    }

    /// The fact of `sent`, the next send written.
    pub(super) fn fact(&mut self, sent: Sent<'a>) -> Value {
        let contact = self.contacts.get(sent.contact_id).copied().unwrap_or(&Value::Null);
        let account = contact["account_id"].as_str().and_then(|id| self.accounts.get(id).copied());
        let account = account.unwrap_or(&Value::Null);
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let at = sent.sent_at;
        let team = self.zones.team(at);
        let day = shifted(at, self.zones.offset(team, at)).map(|t| t.format("%Y-%m-%d").to_string());
        let own = contact["timezone"].as_str().or_else(|| account["timezone"].as_str());
        let local = shifted(at, self.zones.offset(own.or(team).or(Some("UTC")), at));
        let first_touch = self.touched.insert(sent.contact_id);
        json!({
            "touchpoint_id": sent.id, "contact_id": sent.contact_id, "sent_at": at, "day": day,
            "owner_key": text(&contact["owner_id"]), "channel": sent.channel,
            "sequence_key": sent.enrollment_id.and_then(|e| self.sequences.get(e)).copied().unwrap_or_default(),
            "step_key": sent.draft_id.and_then(|d| self.steps.get(d)).copied().unwrap_or_default(),
            "variant_key": sent.variant_id.unwrap_or_default(), "industry": text(&account["industry"]),
            "seniority": text(&contact["seniority"]), "department": text(&contact["department"]),
            "persona": text(&contact["persona"]), "signal_kind": self.signal(sent.contact_id, account, at),
            "weekday": local.map(|t| t.format("%u").to_string()), "hour": local.map(|t| t.format("%H").to_string()),
            "first_touch": first_touch,
        })
    }

    /// The kind of the newest signal about the contact in the 90 days up to `at`, else about
    /// its company, else "".
    fn signal(&self, contact: &str, account: &Value, at: &str) -> &'a str {
        let since = DateTime::parse_from_rfc3339(at).map(|t| stored(t.with_timezone(&Utc) - Duration::days(90)));
        let Ok(since) = since else { return "" };
        let newest = |subject: &str| {
            let about = self.signals.get(subject)?;
            about.iter().find(|(occurred, _)| *occurred <= at && **occurred >= *since).map(|(_, kind)| *kind)
        };
        newest(contact).or_else(|| account["id"].as_str().and_then(newest)).unwrap_or_default()
    }
}

/// `at` moved by `minutes`.
fn shifted(at: &str, minutes: i64) -> Option<DateTime<Utc>> {
    Some(DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc) + Duration::minutes(minutes))
}

/// The facts' columns, as [`super::values::fields`] reads them from a fact.
#[rustfmt::skip]
pub(super) const FIELDS: &[&str] = &[
    "touchpoint_id", "contact_id", "sent_at", "day", "owner_key", "channel", "sequence_key", "step_key",
    "variant_key", "industry", "seniority", "department", "persona", "signal_kind", "weekday", "hour",
    "first_touch",
];

/// Writes facts (rows of [`FIELDS`]).
pub(super) const INSERT: super::values::Insert = super::values::Insert {
    head: "INSERT INTO send_facts (touchpoint_id, contact_id, sent_at, day, owner_key, channel, sequence_key, step_key, \
           variant_key, industry, seniority, department, persona, signal_kind, weekday, hour, first_touch) SELECT *",
    tail: "",
    width: 17,
    rows: super::values::ROWS_PER_STATEMENT,
};
