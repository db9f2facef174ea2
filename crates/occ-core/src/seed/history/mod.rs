//! The past under a seeded book: months of sent touches in the contacts' working hours, the
//! replies to some of them (long since dealt with) and the meetings a third of the positive ones
//! led to, so analytics, the dashboard and their daily roll-ups have a history to read. Planned
//! in memory from the seeded RNG, then written one statement per table.
//!
//! Only contacts the book says were touched (an active contact past the first touch) get a
//! history, and it ends at the last touch the book gave them, so stages and last touches stay as
//! they are; the contacts of the day's walks keep only the walk.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde_json::Value;

use crate::domain::{new_id, stored, zone};
use rows::{Assignment, Meeting, Reply, Send};

/// How far back a history goes and how many sends it holds per contact of the book.
#[derive(Debug, Clone, Copy)]
pub(super) struct Span {
    /// Days before the seed's start.
    pub(super) days: i64,
    /// Sent touches per contact of the book, on average.
    pub(super) touches: usize,
}

/// The synthetic book's year: about ten sends per contact.
pub(super) const YEAR: Span = Span { days: 365, touches: 10 };

/// The demo's last four months: about six sends per contact.
pub(super) const MONTHS: Span = Span { days: 120, touches: 6 };

/// Stages of people not yet touched: they have no history.
const UNTOUCHED: &[&str] = &["new", "researched", "drafted"];

/// Subjects of past emails.
const SUBJECTS: &[&str] =
    &["Quick question", "Following up", "An idea for your team", "Worth a look?", "Closing the loop"];

/// Call outcomes and their lengths in seconds: (outcome, shortest, longest).
const CALL_OUTCOMES: &[(&str, i64, i64)] =
    &[("connected", 60, 600), ("voicemail", 20, 60), ("no_answer", 0, 0), ("wrong_number", 5, 30)];

/// Reply intents as a real book spreads them: (intent, weight, canned bodies).
const INTENTS: &[(&str, u32, &[&str])] = &[
    ("positive", 25, &["Sounds interesting, send me a few times next week.", "Yes, happy to talk. Thursday works."]),
    ("negative", 25, &["No thanks, we already use a tool for this.", "Not interested."]),
    ("neutral", 10, &["Thanks for the note."]),
    ("question", 10, &["Does it work with Salesforce?", "What does pricing look like?"]),
    ("not_now", 15, &["Not this quarter. Check back in a few months."]),
    ("out_of_office", 10, &["I am out of the office this week and will reply when back."]),
    ("referral", 3, &["Not my area: my colleague in RevOps owns this."]),
    ("unsubscribe", 2, &["Please take me off your list."]),
];

/// Statuses of a meeting booked more than two weeks ago: (status, weight).
const OUTCOMES: &[(&str, u32)] =
    &[("meeting_held", 30), ("opportunity_created", 25), ("disqualified", 20), ("lost", 25)];

/// An experiment running over the history's emails: each contact's first email from `since` on
/// goes out in the contact's variant (of two, the control first, drawn as the product draws
/// them), and the second variant is answered a little more often, so the experiment has a
/// real difference to find.
#[derive(Debug, Clone)]
pub(super) struct Trial {
    /// The experiment.
    pub(super) experiment_id: String,
    /// Its control and its variant.
    pub(super) variants: [String; 2],
    /// When it started.
    pub(super) since: DateTime<Utc>,
}

/// A planned history, ready to be written.
#[derive(Debug, Default)]
pub(super) struct History {
    sends: Vec<Send>,
    replies: Vec<Reply>,
    meetings: Vec<Meeting>,
    assignments: Vec<Assignment>,
    /// The sends' facts, when the load writes them (its trigger set aside; see
    /// [`crate::seed::facts`]), in the order of the sends.
    facts: Vec<Value>,
}

impl History {
    /// The sends, in the order they are written, as their facts need them.
    pub(in crate::seed) fn sent(&self) -> impl Iterator<Item = crate::seed::facts::Sent<'_>> {
        self.sends.iter().map(|send| crate::seed::facts::Sent {
            id: &send.id,
            contact_id: &send.contact_id,
            channel: send.channel(),
            sent_at: &send.at,
            variant_id: send.variant_id.as_deref(),
            enrollment_id: None,
            draft_id: None,
        })
    }

    /// Has the sends' facts written with them.
    pub(in crate::seed) fn set_facts(&mut self, facts: Vec<Value>) {
        self.facts = facts;
    }
}

/// Plans `span` of history before `start` for the touched contacts of `contacts` (at
/// `accounts`), leaving out those in `skip` (the day's walks), deterministic for `seed`, with
/// the `trial`'s variants when there is one.
pub(super) fn plan(
    seed: u64,
    span: Span,
    (accounts, contacts): (&[Value], &[Value]),
    skip: &BTreeSet<String>,
    start: DateTime<Utc>,
    trial: Option<&Trial>,
) -> History {
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x4157_0e11);
    let touched: Vec<(&Value, DateTime<Utc>)> =
        contacts.iter().filter_map(|c| last_touch(c, skip).map(|at| (c, at))).collect();
    let mut history = History::default();
    if touched.is_empty() {
        return history;
    }
    // The book's average over everyone, carried by the touched contacts alone.
    let most = 2 * span.touches * contacts.len() / touched.len();
    let from = start - Duration::days(span.days);
    for (contact, last) in touched {
        let mut person = Person {
            id: contact["id"].as_str().unwrap_or_default(),
            email: contact["email"].as_str().unwrap_or_default(),
            owner_key: contact["owner_id"].as_str().unwrap_or_default(),
            tz: zone_of(contact, accounts),
            start,
            connected: false,
            open: false,
            trialled: false,
        };
        let n = rng.usize(0..=most);
        history.contact(&mut rng, &mut person, (from, last), n, trial);
    }
    history
}

/// When a contact that may have a history was last touched: an active one past the first
/// touch, not in `skip`.
fn last_touch(contact: &Value, skip: &BTreeSet<String>) -> Option<DateTime<Utc>> {
    let stage = contact["stage"].as_str().unwrap_or("new");
    let id = contact["id"].as_str().unwrap_or_default();
    if contact["status"] != "active" || UNTOUCHED.contains(&stage) || skip.contains(id) {
        return None;
    }
    let at = contact["last_touch_at"].as_str()?;
    DateTime::parse_from_rfc3339(at).ok().map(|t| t.with_timezone(&Utc))
}

/// The contact's time zone, else its account's, else UTC.
fn zone_of(contact: &Value, accounts: &[Value]) -> Tz {
    let account = || accounts.iter().find(|a| a["id"] == contact["account_id"]).and_then(|a| a["timezone"].as_str());
    zone(contact["timezone"].as_str().or_else(account).unwrap_or("UTC"))
}

/// Local `minutes` after midnight on `day` in `tz`, in UTC.
fn local_at(tz: Tz, day: NaiveDate, minutes: u32) -> DateTime<Utc> {
    let local = day.and_hms_opt(minutes / 60, minutes % 60, 0).unwrap_or_default();
    tz.from_local_datetime(&local).earliest().map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc))
}

/// A time in working hours (8:00 to 18:00 local, weekdays mostly) on a day from `from`'s up
/// to the one before `until`'s, so it falls before `until`.
fn working_time(rng: &mut fastrand::Rng, tz: Tz, from: DateTime<Utc>, until: DateTime<Utc>) -> DateTime<Utc> {
    let first = from.with_timezone(&tz).date_naive();
    let days = (until.with_timezone(&tz).date_naive() - first).num_days();
    if days < 1 {
        return until - Duration::minutes(rng.i64(5..600));
    }
    let mut day = first + Duration::days(rng.i64(0..days));
    for _ in 0..3 {
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) || rng.u8(..10) == 0 {
            break;
        }
        day = first + Duration::days(rng.i64(0..days));
    }
    local_at(tz, day, rng.u32(8 * 60..18 * 60)) + Duration::seconds(rng.i64(0..60))
}

/// An item of `items` by the weight `weight` gives it.
fn weighted<'a, T>(rng: &mut fastrand::Rng, items: &'a [T], weight: impl Fn(&T) -> u32) -> &'a T {
    let total: u32 = items.iter().map(&weight).sum();
    let mut n = rng.u32(..total);
    for item in items {
        if n < weight(item) {
            return item;
        }
        n -= weight(item);
    }
    &items[0]
}

/// One contact as its history is planned: who, where, and what it already holds.
struct Person<'a> {
    id: &'a str,
    email: &'a str,
    /// Their owner ("" for nobody).
    owner_key: &'a str,
    tz: Tz,
    /// The seed's start: nothing in the past may come after it.
    start: DateTime<Utc>,
    /// A connection request went out, so later LinkedIn touches are messages.
    connected: bool,
    /// An open opportunity was booked (one at most).
    open: bool,
    /// Their email in the trial went out.
    trialled: bool,
}

impl History {
    /// `n` sends to `person` between `from` and its last touch `last` (the last one then),
    /// with their replies and meetings.
    fn contact(
        &mut self,
        rng: &mut fastrand::Rng,
        person: &mut Person,
        (from, last): (DateTime<Utc>, DateTime<Utc>),
        n: usize,
        trial: Option<&Trial>,
    ) {
        if n == 0 {
            return;
        }
        let mut times: Vec<DateTime<Utc>> = (1..n).map(|_| working_time(rng, person.tz, from, last)).collect();
        times.sort_unstable();
        times.push(last);
        for at in times {
            let sent = self.send(rng, person, at);
            let variant = trial.and_then(|t| self.try_variant(t, person, sent, at));
            if rng.u16(..1000) < if variant == Some(1) { 80 } else { 60 } {
                self.reply(rng, person, sent, at);
            }
        }
    }

    /// Sends `sent` in the person's variant of `trial` when it is their first email since the
    /// trial began; answers the variant's index.
    fn try_variant(&mut self, trial: &Trial, person: &mut Person, sent: usize, at: DateTime<Utc>) -> Option<usize> {
        if person.trialled || at < trial.since || self.sends[sent].kind != "email" {
            return None;
        }
        person.trialled = true;
        let variant = crate::insights::stats::assign(&trial.experiment_id, person.id, &[1, 1])?;
        let variant_id = trial.variants[variant].clone();
        self.sends[sent].variant_id = Some(variant_id.clone());
        self.assignments.push(Assignment {
            experiment_id: trial.experiment_id.clone(),
            contact_id: person.id.to_owned(),
            variant_id,
            at: stored(at),
        });
        Some(variant)
    }

    /// One send at `at`: 60% email, 30% LinkedIn (a connection request first), 10% call.
    /// Answers its index.
    fn send(&mut self, rng: &mut fastrand::Rng, person: &mut Person, at: DateTime<Utc>) -> usize {
        let kind = match rng.u8(..10) {
            0..6 => "email",
            6..9 if person.connected => "linkedin_message",
            6..9 => {
                person.connected = true;
                "linkedin_connect"
            }
            _ => "call",
        };
        let call = (kind == "call").then(|| CALL_OUTCOMES[rng.usize(..CALL_OUTCOMES.len())]);
        let email = kind == "email";
        self.sends.push(Send {
            id: new_id(),
            contact_id: person.id.to_owned(),
            owner_key: person.owner_key.to_owned(),
            kind,
            at: stored(at),
            to: email.then(|| person.email.to_owned()),
            subject: email.then(|| SUBJECTS[rng.usize(..SUBJECTS.len())]),
            body: match kind {
                "email" => Some("A short note: worth a quick call?"),
                "linkedin_connect" => Some("Would be glad to connect."),
                "linkedin_message" => Some("Thought this might help your team."),
                _ => None,
            },
            outcome: call.map(|c| c.0),
            seconds: call.map(|(_, low, high)| rng.i64(low..=high)),
            variant_id: None,
        });
        self.sends.len() - 1
    }

    /// A reply to send `sent` (at `sent_at`) a few hours to days later, classified at once and
    /// handled within two days; a third of the positive ones booked a meeting.
    fn reply(&mut self, rng: &mut fastrand::Rng, person: &mut Person, sent: usize, sent_at: DateTime<Utc>) {
        let send = &self.sends[sent];
        let at = (sent_at + Duration::minutes(rng.i64(90..5 * 24 * 60))).min(person.start - Duration::minutes(30));
        let handled = (at + Duration::minutes(rng.i64(20..48 * 60))).min(person.start - Duration::minutes(10));
        let &(intent, _, bodies) = weighted(rng, INTENTS, |i| i.1);
        let channel = match send.kind {
            "email" => "email",
            "call" => "call",
            _ => "linkedin",
        };
        let reply = Reply {
            id: new_id(),
            audit_id: new_id(),
            contact_id: person.id.to_owned(),
            owner_key: person.owner_key.to_owned(),
            touchpoint_id: send.id.clone(),
            channel,
            intent,
            confidence: f64::from(rng.u8(72..=99)) / 100.0,
            subject: send.subject.map(|s| format!("Re: {s}")),
            body: bodies[rng.usize(..bodies.len())],
            at: stored(at),
            classified: stored(at + Duration::minutes(1)),
            handled: stored(handled),
        };
        let reply_id = reply.id.clone();
        self.replies.push(reply);
        if intent == "positive" && rng.u8(..3) == 0 {
            self.meeting(rng, person, reply_id, at);
        }
    }

    /// The meeting a positive reply at `at` booked: still ahead when the reply is under two
    /// weeks old, else held, turned into an opportunity, disqualified or lost. A contact holds
    /// one open opportunity at most, so a second open one is not booked.
    fn meeting(&mut self, rng: &mut fastrand::Rng, person: &mut Person, reply_id: String, at: DateTime<Utc>) {
        let start = person.start;
        let recent = start - at < Duration::days(14);
        let status = if recent { "meeting_booked" } else { weighted(rng, OUTCOMES, |o| o.1).0 };
        let is_open = matches!(status, "meeting_booked" | "meeting_held" | "opportunity_created");
        if is_open && person.open {
            return;
        }
        person.open |= is_open;
        let base = if recent { start } else { at };
        let day = (base + Duration::days(rng.i64(2..9))).with_timezone(&person.tz).date_naive();
        let meeting_at = local_at(person.tz, day, rng.u32(9 * 60..17 * 60));
        let meeting_at = if recent { meeting_at } else { meeting_at.min(start - Duration::hours(1)) };
        self.meetings.push(Meeting {
            id: new_id(),
            audit_id: new_id(),
            contact_id: person.id.to_owned(),
            reply_id,
            status,
            meeting_at: stored(meeting_at),
            amount: (status == "opportunity_created").then(|| rng.i64(5..=60) * 100_000),
            at: stored((at + Duration::minutes(rng.i64(30..240))).min(start - Duration::minutes(5))),
        });
    }
}

mod rows;
mod write;

pub(super) use write::Written;

#[cfg(test)]
mod tests;
