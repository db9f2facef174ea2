//! The roll-ups the dashboard and the analytics read (`activity_daily`, `send_rollups`) agree
//! with what happened, after a random sequence of the writes that change them: sends (recorded
//! sent, or sent later, or taken back), replies (with or without the touch they answer,
//! reclassified, deleted), meetings (booked, held, turned into opportunities, deleted), owners
//! changed and people erased. A plain model in this file replays every write; the tables kept
//! by triggers must equal the model's counts, and the model must equal the raw tables.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use occ_core::domain::enums::Role;
use occ_core::domain::stored;
use occ_core::store::{Conn, col};
use serde_json::json;

use crate::helpers::{TestApp, create_user, spawn_app};

const TEAM_ZONE: Tz = chrono_tz::America::New_York;
const CHANNELS: [(&str, &str); 3] = [("email", "email"), ("linkedin", "linkedin_message"), ("call", "call")];
const INTENTS: [&str; 4] = ["positive", "negative", "neutral", "question"];

struct Contact {
    id: String,
    zone: Option<Tz>,
    seniority: String,
    owner: String,
    created_day: String,
    alive: bool,
}

struct Send {
    id: String,
    contact: usize,
    channel: &'static str,
    at: DateTime<Utc>,
    owner: String,
    first: bool,
    alive: bool,
}

struct Reply {
    id: String,
    contact: usize,
    channel: &'static str,
    at: DateTime<Utc>,
    owner: String,
    positive: bool,
    send: Option<usize>,
    alive: bool,
}

struct Meeting {
    id: String,
    contact: Option<usize>,
    at: DateTime<Utc>,
    owner: String,
    send: Option<usize>,
    held: Option<DateTime<Utc>>,
    opportunity: Option<DateTime<Utc>>,
    open: bool,
    /// The channel of the send it came from, as it was when it was booked.
    channel_at_booking: String,
}

#[derive(Default)]
struct Model {
    contacts: Vec<Contact>,
    sends: Vec<Send>,
    replies: Vec<Reply>,
    meetings: Vec<Meeting>,
}

fn team_day(at: DateTime<Utc>) -> String {
    at.with_timezone(&TEAM_ZONE).date_naive().to_string()
}

impl Model {
    /// The contact's latest live send before `at`, on `channel` if given.
    fn latest_send(&self, contact: usize, channel: Option<&str>) -> Option<usize> {
        self.sends
            .iter()
            .enumerate()
            .filter(|(_, s)| s.alive && s.contact == contact && channel.is_none_or(|c| c == s.channel))
            .max_by_key(|(_, s)| s.at)
            .map(|(i, _)| i)
    }

    /// A send taken out: what was attributed to it is no longer.
    fn remove_send(&mut self, send: usize) {
        self.sends[send].alive = false;
        for reply in &mut self.replies {
            if reply.send == Some(send) {
                reply.send = None;
            }
        }
        for meeting in &mut self.meetings {
            if meeting.send == Some(send) {
                meeting.send = None;
            }
        }
    }

    /// `activity_daily` as it should be: (day, owner, channel) → the eight counts.
    fn activity(&self) -> BTreeMap<(String, String, String), [i64; 8]> {
        let mut out: BTreeMap<(String, String, String), [i64; 8]> = BTreeMap::new();
        let mut add = |day: String, owner: &str, channel: &str, column: usize| {
            out.entry((day, owner.to_owned(), channel.to_owned())).or_default()[column] += 1;
        };
        for c in self.contacts.iter().filter(|c| c.alive) {
            add(c.created_day.clone(), &c.owner, "", 0);
        }
        for s in self.sends.iter().filter(|s| s.alive) {
            add(team_day(s.at), &s.owner, s.channel, 2);
            if s.first {
                add(team_day(s.at), &s.owner, s.channel, 1);
            }
        }
        for r in self.replies.iter().filter(|r| r.alive) {
            add(team_day(r.at), &r.owner, r.channel, 3);
            if r.positive {
                add(team_day(r.at), &r.owner, r.channel, 4);
            }
        }
        for m in &self.meetings {
            let channel = m.channel_at_booking.as_str();
            add(team_day(m.at), &m.owner, channel, 5);
            if let Some(held) = m.held {
                add(team_day(held), &m.owner, channel, 6);
            }
            if let Some(opportunity) = m.opportunity {
                add(team_day(opportunity), &m.owner, channel, 7);
            }
        }
        out.retain(|_, counts| counts.iter().any(|&n| n != 0));
        out
    }

    /// `send_rollups` as it should be, for the dimensions this test varies:
    /// (dim, day, channel, value) → sends, replied, positive, meetings.
    fn rollups(&self) -> BTreeMap<(String, String, String, String), [i64; 4]> {
        let mut out: BTreeMap<(String, String, String, String), [i64; 4]> = BTreeMap::new();
        for (i, s) in self.sends.iter().enumerate().filter(|(_, s)| s.alive) {
            let contact = &self.contacts[s.contact];
            let local = s.at.with_timezone(&contact.zone.unwrap_or(TEAM_ZONE));
            let replies: Vec<&Reply> = self.replies.iter().filter(|r| r.alive && r.send == Some(i)).collect();
            let counts = [
                1,
                i64::from(!replies.is_empty()),
                i64::from(replies.iter().any(|r| r.positive)),
                i64::from(self.meetings.iter().any(|m| m.send == Some(i))),
            ];
            for (dim, value) in [
                ("channel", s.channel.to_owned()),
                ("seniority", contact.seniority.clone()),
                ("weekday", local.weekday().number_from_monday().to_string()),
                ("hour", format!("{:02}", local.hour())),
                ("sequence", String::new()),
            ] {
                let entry = out.entry((dim.to_owned(), team_day(s.at), s.channel.to_owned(), value)).or_default();
                for (total, n) in entry.iter_mut().zip(counts) {
                    *total += n;
                }
            }
        }
        out
    }
}

async fn activity_in_db(conn: &Conn) -> BTreeMap<(String, String, String), [i64; 8]> {
    let rows = conn
        .query_all(
            "SELECT day, owner_key, channel, new_contacts, first_touches, sends, replies, positive, meetings, held, opportunities \
             FROM activity_daily",
            (),
            |row| {
                let mut counts = [0; 8];
                for (i, n) in counts.iter_mut().enumerate() {
                    *n = col::<i64>(row, 3 + i as i32)?;
                }
                Ok(((col::<String>(row, 0)?, col::<String>(row, 1)?, col::<String>(row, 2)?), counts))
            },
        )
        .await
        .expect("activity");
    rows.into_iter().filter(|(_, counts)| counts.iter().any(|&n| n != 0)).collect()
}

async fn rollups_in_db(conn: &Conn) -> BTreeMap<(String, String, String, String), [i64; 4]> {
    let rows = conn
        .query_all(
            "SELECT dim, day, channel, value, sends, replied, positive, meetings FROM send_rollups \
             WHERE dim IN ('channel', 'seniority', 'weekday', 'hour', 'sequence')",
            (),
            |row| {
                let key =
                    (col::<String>(row, 0)?, col::<String>(row, 1)?, col::<String>(row, 2)?, col::<String>(row, 3)?);
                Ok((key, [col::<i64>(row, 4)?, col::<i64>(row, 5)?, col::<i64>(row, 6)?, col::<i64>(row, 7)?]))
            },
        )
        .await
        .expect("rollups");
    rows.into_iter().filter(|(_, counts)| counts.iter().any(|&n| n != 0)).collect()
}

async fn count(conn: &Conn, sql: &str) -> i64 {
    conn.query_one("count", sql, (), |row| col::<i64>(row, 0)).await.expect(sql)
}

/// One random write, applied to the database and to the model.
async fn step(
    app: &TestApp,
    conn: &Conn,
    model: &mut Model,
    rng: &mut fastrand::Rng,
    at: DateTime<Utc>,
    owners: &[String],
) {
    let live: Vec<usize> = (0..model.contacts.len()).filter(|&i| model.contacts[i].alive).collect();
    let contact = live[rng.usize(..live.len())];
    let id = uuid::Uuid::now_v7().to_string();
    let when = stored(at);
    match rng.u8(..100) {
        // A send recorded as sent, or scheduled and sent later in the same step.
        0..=34 => {
            let (channel, kind) = CHANNELS[rng.usize(..CHANNELS.len())];
            let later = rng.bool();
            conn.write(
                "INSERT INTO touchpoints (id, contact_id, channel, kind, status, idempotency_key, scheduled_at, sent_at, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, CASE WHEN ?6 THEN 'scheduled' ELSE 'sent' END, ?1, ?5, CASE WHEN ?6 THEN NULL ELSE ?5 END, ?5, ?5)",
                libsql::params![id.as_str(), model.contacts[contact].id.as_str(), channel, kind, when.as_str(), later],
            )
            .await
            .expect("send");
            if later {
                conn.write(
                    "UPDATE touchpoints SET status = 'sent', sent_at = ?2 WHERE id = ?1",
                    libsql::params![id.as_str(), when.as_str()],
                )
                .await
                .expect("sent");
            }
            let first = !model.sends.iter().any(|s| s.alive && s.contact == contact);
            let owner = model.contacts[contact].owner.clone();
            model.sends.push(Send { id, contact, channel, at, owner, first, alive: true });
        }
        // A reply, naming the touch it answers or not.
        35..=54 => {
            let (channel, _) = CHANNELS[rng.usize(..CHANNELS.len())];
            let named = model.latest_send(contact, None).filter(|_| rng.bool());
            let intent = INTENTS[rng.usize(..INTENTS.len())];
            conn.write(
                "INSERT INTO replies (id, contact_id, touchpoint_id, channel, intent, body, replied_at, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, 'Thanks', ?6, ?6, ?6)",
                libsql::params![
                    id.as_str(),
                    model.contacts[contact].id.as_str(),
                    named.map(|s| model.sends[s].id.clone()),
                    channel,
                    intent,
                    when.as_str()
                ],
            )
            .await
            .expect("reply");
            let send = named
                .or_else(|| model.latest_send(contact, Some(channel)))
                .or_else(|| model.latest_send(contact, None));
            let owner = model.contacts[contact].owner.clone();
            model.replies.push(Reply {
                id,
                contact,
                channel,
                at,
                owner,
                positive: intent == "positive",
                send,
                alive: true,
            });
        }
        // A reply reclassified.
        55..=62 => {
            let Some(r) = pick(rng, model.replies.iter().enumerate().filter(|(_, r)| r.alive).map(|(i, _)| i)) else {
                return;
            };
            let intent = INTENTS[rng.usize(..INTENTS.len())];
            conn.write(
                "UPDATE replies SET intent = ?2 WHERE id = ?1",
                libsql::params![model.replies[r].id.as_str(), intent],
            )
            .await
            .expect("reclassify");
            model.replies[r].positive = intent == "positive";
        }
        // A reply deleted.
        63..=66 => {
            let Some(r) = pick(rng, model.replies.iter().enumerate().filter(|(_, r)| r.alive).map(|(i, _)| i)) else {
                return;
            };
            conn.write("DELETE FROM replies WHERE id = ?1", [model.replies[r].id.as_str()])
                .await
                .expect("delete reply");
            model.replies[r].alive = false;
        }
        // A meeting booked (one open per contact), from a reply or not.
        67..=74 => {
            if model.meetings.iter().any(|m| m.open && m.contact == Some(contact)) {
                return;
            }
            let reply = pick(
                rng,
                model.replies.iter().enumerate().filter(|(_, r)| r.alive && r.contact == contact).map(|(i, _)| i),
            );
            conn.write(
                "INSERT INTO opportunities (id, contact_id, status, reply_id, created_at, updated_at) \
                 VALUES (?1, ?2, 'meeting_booked', ?3, ?4, ?4)",
                libsql::params![
                    id.as_str(),
                    model.contacts[contact].id.as_str(),
                    reply.map(|r| model.replies[r].id.clone()),
                    when.as_str()
                ],
            )
            .await
            .expect("meeting");
            let send = reply.and_then(|r| model.replies[r].send).or_else(|| model.latest_send(contact, None));
            let channel_at_booking = send.map_or(String::new(), |s| model.sends[s].channel.to_owned());
            let owner = model.contacts[contact].owner.clone();
            model.meetings.push(Meeting {
                id,
                contact: Some(contact),
                at,
                owner,
                send,
                held: None,
                opportunity: None,
                open: true,
                channel_at_booking,
            });
        }
        // A meeting held, then an opportunity.
        75..=80 => {
            let Some(m) = pick(rng, model.meetings.iter().enumerate().filter(|(_, m)| m.open).map(|(i, _)| i)) else {
                return;
            };
            let status = if model.meetings[m].held.is_some() { "opportunity_created" } else { "meeting_held" };
            conn.write(
                "UPDATE opportunities SET status = ?2, updated_at = ?3 WHERE id = ?1",
                libsql::params![model.meetings[m].id.as_str(), status, when.as_str()],
            )
            .await
            .expect("held");
            let meeting = &mut model.meetings[m];
            meeting.held.get_or_insert(at);
            if status == "opportunity_created" {
                meeting.opportunity.get_or_insert(at);
            }
        }
        // A meeting deleted.
        81..=83 => {
            let Some(m) = pick(rng, 0..model.meetings.len()) else { return };
            conn.write("DELETE FROM opportunities WHERE id = ?1", [model.meetings[m].id.as_str()])
                .await
                .expect("delete meeting");
            model.meetings.remove(m);
        }
        // A send taken back (a person resolved an unknown outcome as not sent).
        84..=87 => {
            let Some(s) = pick(rng, model.sends.iter().enumerate().filter(|(_, s)| s.alive).map(|(i, _)| i)) else {
                return;
            };
            conn.write("UPDATE touchpoints SET status = 'failed' WHERE id = ?1", [model.sends[s].id.as_str()])
                .await
                .expect("unsend");
            model.remove_send(s);
        }
        // The owner changes.
        88..=96 => {
            let owner = owners[rng.usize(..owners.len())].clone();
            let answer = app
                .patch(&format!("/api/v1/contacts/{}", model.contacts[contact].id), json!({"owner_id": owner}))
                .await;
            assert_eq!(answer.status, 200, "{}", answer.text);
            model.contacts[contact].owner = owner;
        }
        // The person is erased, and a new one comes.
        _ => {
            if live.len() < 4 {
                return;
            }
            let c = &model.contacts[contact];
            let erased = app.post(&format!("/api/v1/contacts/{}/erase", c.id), json!({"reason": "request"})).await;
            assert_eq!(erased.status, 204, "{}", erased.text);
            model.contacts[contact].alive = false;
            let gone: Vec<usize> =
                (0..model.sends.len()).filter(|&s| model.sends[s].contact == contact && model.sends[s].alive).collect();
            for s in gone {
                model.remove_send(s);
            }
            for reply in model.replies.iter_mut().filter(|r| r.contact == contact) {
                reply.alive = false;
            }
            for meeting in model.meetings.iter_mut().filter(|m| m.contact == Some(contact)) {
                meeting.contact = None;
            }
            new_contact(app, model, rng, owners).await;
        }
    }
}

fn pick(rng: &mut fastrand::Rng, items: impl Iterator<Item = usize>) -> Option<usize> {
    let items: Vec<usize> = items.collect();
    (!items.is_empty()).then(|| items[rng.usize(..items.len())])
}

async fn new_contact(app: &TestApp, model: &mut Model, rng: &mut fastrand::Rng, owners: &[String]) {
    const ZONES: [Option<&str>; 3] = [None, Some("Asia/Kolkata"), Some("Europe/Berlin")];
    const TITLES: [&str; 3] = ["VP Sales", "Sales Manager", "Chief Executive Officer"];
    let zone = ZONES[rng.usize(..ZONES.len())];
    let owner = owners[rng.usize(..owners.len())].clone();
    let n = model.contacts.len();
    let answer = app
        .post(
            "/api/v1/contacts",
            json!({"first_name": format!("P{n}"), "email": format!("p{n}@example.com"), "title": TITLES[n % 3],
                   "timezone": zone, "owner_id": owner}),
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    let created: DateTime<Utc> = answer.body["created_at"].as_str().and_then(|t| t.parse().ok()).expect("created_at");
    model.contacts.push(Contact {
        id: answer.body["id"].as_str().expect("id").to_owned(),
        zone: zone.and_then(|z| z.parse().ok()),
        seniority: answer.body["seniority"].as_str().expect("seniority").to_owned(),
        owner,
        created_day: team_day(created),
        alive: true,
    });
}

#[tokio::test]
async fn the_roll_ups_agree_with_what_happened_after_random_writes() {
    let app = spawn_app().await;
    let saved = app
        .send(app.client.put(app.url("/api/v1/settings/pacing")).json(&json!({"timezone": "America/New_York"})))
        .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    let conn = app.db.conn().await;
    let owners =
        vec![create_user(&conn, "a@occ.test", Role::Bdr).await, create_user(&conn, "b@occ.test", Role::Bdr).await];
    let mut rng = fastrand::Rng::with_seed(19);
    let mut model = Model::default();
    for _ in 0..12 {
        new_contact(&app, &mut model, &mut rng, &owners).await;
    }
    // Events from a minute from now on (after the team's zone was set), a few hours apart, so
    // they fall on many days and hours, late evenings included.
    let mut at = Utc::now() + Duration::minutes(1);
    for _ in 0..400 {
        at += Duration::minutes(rng.i64(1..600));
        step(&app, &conn, &mut model, &mut rng, at, &owners).await;
    }
    assert_eq!(activity_in_db(&conn).await, model.activity(), "activity_daily drifted from the events");
    assert_eq!(rollups_in_db(&conn).await, model.rollups(), "send_rollups drifted from the sends");
    // The model is what the raw tables hold.
    let sends = model.sends.iter().filter(|s| s.alive).count() as i64;
    assert_eq!(count(&conn, "SELECT count(*) FROM touchpoints WHERE status = 'sent'").await, sends);
    let replies = model.replies.iter().filter(|r| r.alive).count() as i64;
    assert_eq!(count(&conn, "SELECT count(*) FROM replies").await, replies);
    assert_eq!(count(&conn, "SELECT count(*) FROM opportunities").await, model.meetings.len() as i64);
    let meetings = model.meetings.len();
    assert!(
        sends > 50 && replies > 20 && meetings > 3,
        "the random writes covered little: {sends} sends, {replies} replies, {meetings} meetings"
    );
}

#[test]
fn the_model_reads_local_time_like_the_database() {
    let at = Utc.with_ymd_and_hms(2026, 3, 29, 3, 30, 0).single().expect("time");
    // New York is on summer time since March 8, 2026: 23:30 the day before.
    assert_eq!(team_day(at), "2026-03-28");
}
