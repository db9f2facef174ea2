//! A book a team shares: a rep's Today holds their own work and nobody's, never a colleague's,
//! with the counts of the same, while the team's holds everyone's.

use std::collections::BTreeSet;

use chrono::Timelike as _;
use occ_core::access::Scope;
use occ_core::domain::enums::Role;
use occ_core::store::col;
use serde_json::{Value, json};

use crate::helpers::{TestApp, create_token, create_user, spawn_app};

/// A zone where it is now between noon and one in the afternoon, its name written for a query
/// string, and its offset from UTC in hours: its day holds the next hours whatever the hour in
/// UTC, so what a test does and reads now falls in the same "today" there (a test that reads
/// Today in UTC can straddle midnight).
fn midday_zone() -> (String, i64) {
    let offset = 12 - i64::from(chrono::Utc::now().hour());
    // A `+` in a query string reads as a space.
    let name = if offset >= 0 { format!("Etc/GMT-{offset}") } else { format!("Etc/GMT%2B{}", -offset) };
    (name, offset)
}

/// The owner of each item's contact (`""` for nobody).
async fn owners(app: &TestApp, queue: &Value) -> BTreeSet<String> {
    let conn = app.db.conn().await;
    let mut owners = BTreeSet::new();
    for item in queue["items"].as_array().expect("items") {
        let owner: Option<String> = conn
            .query_one("owner", "SELECT owner_id FROM contacts WHERE id = ?1", [item["contact_id"].as_str()], |row| {
                col(row, 0)
            })
            .await
            .expect("the item's contact");
        owners.insert(owner.unwrap_or_default());
    }
    owners
}

#[tokio::test]
async fn a_reps_today_holds_their_work_and_nobodys_and_counts_the_same() {
    let app = spawn_app().await;
    let conn = app.db.conn().await;
    occ_core::seed::synthetic(&conn, 6_000, |_| {}).await.expect("seed").expect("an empty database");
    // Today in a zone where it is midday, and the end of that day in SQL.
    let (zone, offset) = midday_zone();
    let day_end = format!(
        "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '{offset:+} hours', '+1 day', 'start of day', '{:+} hours')",
        -offset
    );
    // The rep with the most follow-ups due today (as many reps have none at this size).
    let rep: String = conn
        .query_one(
            "rep",
            &format!(
                "SELECT owner_id FROM queue_items WHERE lane = 'followup' AND owner_id IS NOT NULL AND due_at < {day_end} \
                 GROUP BY owner_id ORDER BY count(*) DESC, owner_id LIMIT 1"
            ),
            (),
            |row| col(row, 0),
        )
        .await
        .expect("a rep with follow-ups");
    let token = create_token(&conn, &rep, &[Scope::Read, Scope::Write]).await;

    let mine =
        app.send_raw(app.client.get(app.url(&format!("/api/v1/queue?limit=200&tz={zone}"))).bearer_auth(&token)).await;
    assert_eq!(mine.status, 200, "{}", mine.text);
    assert!(mine.db_calls() <= 1 + 1, "one statement besides authentication");
    let seen = owners(&app, &mine.body).await;
    assert_eq!(seen, BTreeSet::from([String::new(), rep.clone()]), "their own items and nobody's, both");

    let team = app.get(&format!("/api/v1/queue?scope=team&limit=200&tz={zone}")).await;
    assert!(owners(&app, &team.body).await.len() > 5, "the team's queue holds everyone's");

    // The counts are theirs and nobody's too, as the table holds them.
    let count = |lane: &'static str, range: String| {
        let (conn, rep) = (&conn, rep.clone());
        async move {
            let sql = format!(
                "SELECT count(*) FROM queue_items WHERE lane = '{lane}' AND (owner_id = ?1 OR owner_id IS NULL) AND {range}"
            );
            conn.query_one("count", &sql, [rep], |row| col::<i64>(row, 0)).await.expect("count")
        }
    };
    let counts = &mine.body["counts"];
    let followups = count("followup", format!("due_at < {day_end}")).await;
    assert!(followups > 0);
    assert_eq!(counts["followups_due"], followups, "{counts}");
    let meetings = count(
        "meeting",
        "due_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 hour') AND due_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+1 day')"
            .to_owned(),
    )
    .await;
    assert_eq!(counts["meetings_next_24h"], meetings, "{counts}");
    let team_followups = team.body["counts"]["followups_due"].as_i64().expect("count");
    assert!(team_followups > followups, "the team has more follow-ups due than one rep: {team_followups}");

    // Every item of the rep's queue is in the table, ranked as the team's are.
    let ranked = |queue: &Value| -> Vec<i64> {
        queue["items"].as_array().expect("items").iter().map(|i| i["priority"].as_i64().expect("priority")).collect()
    };
    assert!(ranked(&mine.body).windows(2).all(|w| w[0] >= w[1]), "highest first");
    app.assert_queue_kept().await;
}

#[tokio::test]
async fn a_reps_day_counts_their_sends_and_replies_and_nobodys_and_follows_a_person_to_a_new_owner() {
    let app = spawn_app().await;
    let conn = app.db.conn().await;
    let ana = create_user(&conn, "ana@team.test", Role::Bdr).await;
    let bo = create_user(&conn, "bo@team.test", Role::Bdr).await;
    let token = create_token(&conn, &ana, &[Scope::Read, Scope::Write]).await;
    let mut people = Vec::new();
    for (name, owner) in [("Anas", Some(&ana)), ("Bos", Some(&bo)), ("Nobodys", None)] {
        let email = format!("{}@people.test", name.to_lowercase());
        let created =
            app.post("/api/v1/contacts", json!({"first_name": name, "email": email, "owner_id": owner})).await;
        assert_eq!(created.status, 201, "{}", created.text);
        people.push(created.body["id"].as_str().expect("id").to_owned());
    }
    // An email and a reply each, as a person logs them; and one more email to Bo's person
    // written without its owner (a writer that forgets it: the trigger puts it right).
    for person in &people {
        let touch = app.post("/api/v1/touchpoints", json!({"contact_id": person, "kind": "email"})).await;
        assert_eq!(touch.status, 201, "{}", touch.text);
        let reply = app
            .post("/api/v1/replies", json!({"contact_id": person, "channel": "email", "body": "Tell me more."}))
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
    }
    let at = occ_core::domain::now();
    conn.write(
        "INSERT INTO touchpoints (id, contact_id, channel, kind, status, idempotency_key, sent_at, created_at, updated_at) \
         VALUES (?1, ?2, 'email', 'email', 'sent', ?1, ?3, ?3, ?3)",
        libsql::params![uuid::Uuid::now_v7().to_string(), people[1].as_str(), at.as_str()],
    )
    .await
    .expect("a touch without its owner");
    app.assert_queue_kept().await;

    let (zone, _) = midday_zone();
    // The day's counts as Ana sees them (her token), or the team's (the admin's).
    let day = |token: Option<&str>| {
        let (app, zone) = (&app, &zone);
        let token = token.map(str::to_owned);
        async move {
            let answer = match &token {
                Some(token) => {
                    app.send_raw(app.client.get(app.url(&format!("/api/v1/queue?tz={zone}"))).bearer_auth(token)).await
                }
                None => app.send(app.client.get(app.url(&format!("/api/v1/queue?scope=team&tz={zone}")))).await,
            };
            assert_eq!(answer.status, 200, "{}", answer.text);
            let counts = &answer.body["counts"];
            (counts["emails_sent_today"].as_i64().expect("emails"), counts["replies_today"].as_i64().expect("replies"))
        }
    };
    assert_eq!(day(Some(&token)).await, (2, 2), "Ana's day: her person's and nobody's");
    assert_eq!(day(None).await, (4, 3), "the team's day: everyone's");

    // Bo's person goes to Ana, with what was sent to them and what they answered.
    let moved = app.patch(&format!("/api/v1/contacts/{}", people[1]), json!({"owner_id": ana})).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(day(Some(&token)).await, (4, 3), "Ana's day after she took Bo's person");
    assert_eq!(day(None).await, (4, 3));
    app.assert_queue_kept().await;

    // Her counts read her ranges and nobody's of the indexes by owner and day.
    let plan = conn
        .query_all(&format!("EXPLAIN QUERY PLAN {}", occ_core::insights::queue::QUEUE_MINE_SQL), (), |row| {
            col::<String>(row, 3)
        })
        .await
        .expect("plan");
    for index in
        ["idx_touchpoints_owner_day (owner_key=? AND channel=?", "idx_replies_owner_day (owner_key=? AND replied_at>?"]
    {
        assert!(plan.iter().any(|line| line.contains(index)), "{index} in {plan:#?}");
    }
}
