//! The dashboard, the analytics breakdown and the time series: their numbers against the
//! events written, their intervals against published values, their filters and errors, and
//! one database call each.

use chrono::{Duration, Utc};
use occ_core::access::Scope;
use occ_core::domain::enums::Role;
use occ_core::domain::stored;
use occ_core::store::Conn;
use serde_json::{Value, json};

use crate::helpers::{TestApp, create_user, spawn_app};

/// A contact with a title (its seniority follows), owned by `owner` when given.
async fn contact(app: &TestApp, n: usize, title: &str, owner: Option<&str>) -> String {
    let answer = app
        .post("/api/v1/contacts", json!({"first_name": format!("P{n}"), "email": format!("p{n}@example.com"), "title": title, "owner_id": owner}))
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer.body["id"].as_str().expect("id").to_owned()
}

async fn send(conn: &Conn, contact: &str, channel: &str, at: chrono::DateTime<Utc>) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    let kind = match channel {
        "linkedin" => "linkedin_message",
        other => other,
    };
    conn.write(
        "INSERT INTO touchpoints (id, contact_id, channel, kind, status, idempotency_key, sent_at, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, 'sent', ?1, ?5, ?5, ?5)",
        libsql::params![id.as_str(), contact, channel, kind, stored(at)],
    )
    .await
    .expect("send");
    id
}

async fn reply(conn: &Conn, contact: &str, touchpoint: &str, channel: &str, intent: &str, at: chrono::DateTime<Utc>) {
    conn.write(
        "INSERT INTO replies (id, contact_id, touchpoint_id, channel, intent, body, replied_at, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, 'Sounds good', ?6, ?6, ?6)",
        libsql::params![uuid::Uuid::now_v7().to_string(), contact, touchpoint, channel, intent, stored(at)],
    )
    .await
    .expect("reply");
}

fn group<'a>(report: &'a Value, value: &str) -> &'a Value {
    report["groups"].as_array().and_then(|g| g.iter().find(|g| g["value"] == value)).unwrap_or(&Value::Null)
}

#[tokio::test]
async fn a_breakdown_gives_counts_and_wilson_intervals_and_withholds_small_groups() {
    let app = spawn_app().await;
    let conn = app.db.conn().await;
    let now = Utc::now() - Duration::hours(1);
    // 100 email sends to VPs, 10 answered (2 positively); 7 LinkedIn sends, 1 answered.
    for i in 0..100 {
        let contact = contact(&app, i, "VP Sales", None).await;
        let touch = send(&conn, &contact, "email", now - Duration::days(i as i64 % 20)).await;
        if i < 10 {
            reply(&conn, &contact, &touch, "email", if i < 2 { "positive" } else { "neutral" }, now).await;
        }
        if i < 7 {
            let touch = send(&conn, &contact, "linkedin", now).await;
            if i == 0 {
                reply(&conn, &contact, &touch, "linkedin", "negative", now).await;
            }
        }
    }
    let answer = app.get("/api/v1/analytics?metric=reply_rate&by=channel").await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.work_round_trips(), 1, "one call besides authentication");
    let report = answer.body;
    let email = group(&report, "email");
    assert_eq!((email["numerator"].as_i64(), email["denominator"].as_i64()), (Some(10), Some(100)));
    assert_eq!(email["rate"].as_f64(), Some(0.1));
    // Wilson's interval of 10 in 100: 0.0552 to 0.1744.
    assert!((email["low"].as_f64().expect("low") - 0.0552).abs() < 1e-4, "{email}");
    assert!((email["high"].as_f64().expect("high") - 0.1744).abs() < 1e-4, "{email}");
    let linkedin = group(&report, "linkedin");
    assert_eq!((linkedin["denominator"].as_i64(), linkedin["too_few"].as_bool()), (Some(7), Some(true)));
    assert!(linkedin["rate"].is_null() && linkedin["low"].is_null(), "a group of 7 shows no rate: {linkedin}");
    assert_eq!((report["total"]["numerator"].as_i64(), report["total"]["denominator"].as_i64()), (Some(11), Some(107)));
    assert_eq!(group(&report, "email")["label"], "Email");

    let positive =
        app.get("/api/v1/analytics?metric=positive_reply_rate&by=seniority&channel=email&min_size=5").await.body;
    let vp = group(&positive, "vp");
    assert_eq!(
        (vp["numerator"].as_i64(), vp["denominator"].as_i64(), vp["label"].as_str()),
        (Some(2), Some(100), Some("VP"))
    );

    // The period: sends of the last five days only.
    let today = Utc::now().date_naive();
    let from = today - Duration::days(4);
    let recent = app.get(&format!("/api/v1/analytics?by=channel&from={from}&to={today}")).await.body;
    assert_eq!(
        (recent["from"].as_str(), recent["to"].as_str()),
        (Some(from.to_string().as_str()), Some(today.to_string().as_str()))
    );
    let email = group(&recent, "email")["denominator"].as_i64().expect("email");
    assert!((20..=35).contains(&email), "five of twenty days of sends: {email}");

    let csv = app.get("/api/v1/analytics?by=channel&format=csv").await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    let lines: Vec<&str> = csv.text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "channel,label,numerator,denominator,rate,low,high,too_few");
    assert!(lines.iter().any(|l| l.starts_with("email,Email,10,100,0.100000,0.0552")), "{lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("linkedin,LinkedIn,1,7,,,,true")), "{lines:?}");
    assert!(lines.last().is_some_and(|l| l.starts_with("total,Total,11,107,")), "{lines:?}");
}

#[tokio::test]
async fn bad_parameters_are_named() {
    let app = spawn_app().await;
    for (query, field, rule) in [
        ("by=colour", "by", "one_of"),
        ("metric=clicks", "metric", "one_of"),
        ("from=2026-13-01", "from", "format"),
        ("from=2026-05-02&to=2026-05-01", "to", "order"),
        ("from=2020-01-01&to=2026-01-01", "to", "range"),
        ("min_size=0", "min_size", "range"),
        ("format=xml", "format", "one_of"),
        ("channel=fax", "channel", "one_of"),
        ("colour=red", "colour", "unknown"),
    ] {
        let answer = app.get(&format!("/api/v1/analytics?{query}")).await;
        assert_eq!(answer.status, 422, "{query}: {}", answer.text);
        assert_eq!(answer.field_errors()[0], (field.to_owned(), rule.to_owned()), "{query}");
    }
    let answer = app.get("/api/v1/analytics/series?interval=month").await;
    assert_eq!(answer.field_errors()[0], ("interval".to_owned(), "one_of".to_owned()));
    let answer = app.get("/api/v1/dashboard?days=0").await;
    assert_eq!(answer.field_errors()[0], ("days".to_owned(), "range".to_owned()));
}

#[tokio::test]
async fn a_series_has_every_day_and_groups_weeks() {
    let app = spawn_app().await;
    let conn = app.db.conn().await;
    let now = Utc::now() - Duration::minutes(5);
    let contact = contact(&app, 1, "VP Sales", None).await;
    for days_ago in [0, 0, 3, 9] {
        send(&conn, &contact, "email", now - Duration::days(days_ago)).await;
    }
    let touch = send(&conn, &contact, "call", now - Duration::days(3)).await;
    reply(&conn, &contact, &touch, "call", "positive", now).await;
    let today = now.date_naive();
    let from = today - Duration::days(13);
    let answer = app.get(&format!("/api/v1/analytics/series?metric=sends&from={from}&to={today}")).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.work_round_trips(), 1);
    let points = answer.body["points"].as_array().expect("points").clone();
    assert_eq!(points.len(), 14, "every day, empty ones too");
    assert_eq!(points[13]["start"], today.to_string());
    assert_eq!((points[13]["total"].as_i64(), points[13]["by_channel"]["email"].as_i64()), (Some(2), Some(2)));
    assert_eq!((points[10]["total"].as_i64(), points[10]["by_channel"]["call"].as_i64()), (Some(2), Some(1)));
    assert_eq!(points[12]["total"].as_i64(), Some(0));
    let total: i64 = points.iter().filter_map(|p| p["total"].as_i64()).sum();
    assert_eq!(total, 5);
    let weeks =
        app.get(&format!("/api/v1/analytics/series?metric=sends&interval=week&from={from}&to={today}")).await.body;
    let weeks = weeks["points"].as_array().expect("weeks").clone();
    assert!((2..=3).contains(&weeks.len()), "{weeks:?}");
    assert_eq!(weeks.iter().filter_map(|p| p["total"].as_i64()).sum::<i64>(), 5);
    let positive = app.get("/api/v1/analytics/series?metric=positive&channel=call").await.body;
    assert_eq!(
        positive["points"].as_array().map(|p| p.iter().filter_map(|p| p["total"].as_i64()).sum::<i64>()),
        Some(1)
    );
}

#[tokio::test]
async fn the_dashboard_counts_the_period_against_the_one_before_for_a_rep_or_the_team() {
    let app = spawn_app().await;
    let conn = app.db.conn().await;
    let rep = create_user(&conn, "rep@occ.test", Role::Bdr).await;
    let now = Utc::now() - Duration::minutes(5);
    // The rep's two people: both touched this week, one replied positively and booked.
    let mine = [contact(&app, 1, "VP Sales", Some(&rep)).await, contact(&app, 2, "CFO", Some(&rep)).await];
    let theirs = contact(&app, 3, "CTO", None).await;
    let first = send(&conn, &mine[0], "email", now - Duration::days(1)).await;
    send(&conn, &mine[1], "linkedin", now - Duration::days(2)).await;
    send(&conn, &theirs, "email", now - Duration::days(10)).await;
    send(&conn, &theirs, "email", now - Duration::days(1)).await;
    reply(&conn, &mine[0], &first, "email", "positive", now).await;
    conn.write(
        "INSERT INTO opportunities (id, contact_id, status, owner_id, meeting_at, created_at, updated_at) \
         VALUES (?1, ?2, 'meeting_booked', ?3, ?4, ?5, ?5)",
        libsql::params![
            uuid::Uuid::now_v7().to_string(),
            mine[0].as_str(),
            rep.as_str(),
            stored(now + Duration::days(2)),
            stored(now)
        ],
    )
    .await
    .expect("meeting");

    let team = app.get("/api/v1/dashboard?scope=team&days=7").await;
    assert_eq!(team.status, 200, "{}", team.text);
    assert_eq!(team.work_round_trips(), 1, "one call besides authentication");
    let team = team.body;
    assert_eq!((team["scope"].as_str(), team["period"]["days"].as_i64()), (Some("team"), Some(7)));
    let funnel: Vec<(String, i64)> = team["funnel"]
        .as_array()
        .expect("funnel")
        .iter()
        .map(|s| (s["step"].as_str().unwrap_or_default().to_owned(), s["count"].as_i64().unwrap_or(-1)))
        .collect();
    // The third person's first touch was ten days ago: in the period before this one.
    let expected = [
        ("new", 3),
        ("touched", 2),
        ("replied", 1),
        ("positive", 1),
        ("meeting_booked", 1),
        ("meeting_held", 0),
        ("opportunity", 0),
    ];
    let expected: Vec<(String, i64)> = expected.iter().map(|(s, n)| ((*s).to_owned(), *n)).collect();
    assert_eq!(funnel, expected);
    let touched = &team["funnel"][1];
    assert_eq!((touched["previous"].as_i64(), touched["conversion"].as_f64()), (Some(1), Some(2.0 / 3.0)));
    let sends = &team["figures"][0];
    assert_eq!(
        (sends["metric"].as_str(), sends["value"].as_i64(), sends["previous"].as_i64()),
        (Some("sends"), Some(3), Some(1))
    );
    assert_eq!(sends["change"].as_f64(), Some(2.0));
    assert_eq!(sends["series"].as_array().map(Vec::len), Some(7));
    assert_eq!(team["meetings_this_week"].as_i64(), Some(1));
    assert_eq!(team["replies_waiting"].as_i64(), Some(1));
    let pipeline: i64 = team["pipeline"].as_array().expect("pipeline").iter().filter_map(|s| s["count"].as_i64()).sum();
    assert_eq!(pipeline, 3);
    assert!(team["pacing"]["linkedin"].is_array());

    // The rep's own: only their two people.
    let bearer = crate::helpers::create_token(&conn, &rep, &[Scope::Read]).await;
    let mine = app.send(app.client.get(app.url("/api/v1/dashboard?days=7")).bearer_auth(&bearer)).await;
    assert_eq!(mine.status, 200, "{}", mine.text);
    assert_eq!(mine.body["scope"], "mine");
    assert_eq!(mine.body["funnel"][0]["count"].as_i64(), Some(2));
    assert_eq!(mine.body["figures"][0]["value"].as_i64(), Some(2));
    assert_eq!(mine.body["meetings_this_week"].as_i64(), Some(1));
    let pipeline: i64 =
        mine.body["pipeline"].as_array().expect("pipeline").iter().filter_map(|s| s["count"].as_i64()).sum();
    assert_eq!(pipeline, 2);
}
