//! A book a team shares: a rep's Today holds their own work and nobody's, never a colleague's,
//! with the counts of the same, while the team's holds everyone's.

use std::collections::BTreeSet;

use occ_core::access::Scope;
use occ_core::store::col;
use serde_json::Value;

use crate::helpers::{TestApp, create_token, spawn_app};

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
    // The rep with the most follow-ups due today (as many reps have none at this size; some
    // of the book's are due in a few hours, which late in the day is tomorrow).
    let rep: String = conn
        .query_one(
            "rep",
            "SELECT owner_id FROM queue_items WHERE lane = 'followup' AND owner_id IS NOT NULL \
             AND due_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+1 day', 'start of day') \
             GROUP BY owner_id ORDER BY count(*) DESC, owner_id LIMIT 1",
            (),
            |row| col(row, 0),
        )
        .await
        .expect("a rep with follow-ups");
    let token = create_token(&conn, &rep, &[Scope::Read, Scope::Write]).await;

    let mine = app.send_raw(app.client.get(app.url("/api/v1/queue?limit=200")).bearer_auth(&token)).await;
    assert_eq!(mine.status, 200, "{}", mine.text);
    assert!(mine.db_calls() <= 1 + 1, "one statement besides authentication");
    let seen = owners(&app, &mine.body).await;
    assert_eq!(seen, BTreeSet::from([String::new(), rep.clone()]), "their own items and nobody's, both");

    let team = app.get("/api/v1/queue?scope=team&limit=200").await;
    assert!(owners(&app, &team.body).await.len() > 5, "the team's queue holds everyone's");

    // The counts are theirs and nobody's too, as the table holds them.
    let count = |lane: &'static str, range: &'static str| {
        let (conn, rep) = (&conn, rep.clone());
        async move {
            let sql = format!(
                "SELECT count(*) FROM queue_items WHERE lane = '{lane}' AND (owner_id = ?1 OR owner_id IS NULL) AND {range}"
            );
            conn.query_one("count", &sql, [rep], |row| col::<i64>(row, 0)).await.expect("count")
        }
    };
    let counts = &mine.body["counts"];
    let followups = count("followup", "due_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+1 day', 'start of day')").await;
    assert!(followups > 0);
    assert_eq!(counts["followups_due"], followups, "{counts}");
    let meetings = count(
        "meeting",
        "due_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 hour') AND due_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+1 day')",
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
