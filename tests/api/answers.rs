//! Answering a reply in OCC, against a real SMTP server: the replies waiting for a person and
//! one's conversation, a draft that answers a reply (only one of the contact's), sent in the
//! reply's thread (In-Reply-To the reply, References the whole thread), which marks the reply
//! handled.

use chrono::Utc;
use serde_json::{Value, json};

use crate::channels::Mailbox;
use crate::helpers::TestApp;
use crate::sending::{WEBHOOK_SECRET, app, approved, header, id, identity, send, wednesday};

/// A reply from `email` to the message it answers (`message_id`), through the signed webhook.
async fn reply_event(app: &TestApp, event: &str, email: &str, message_id: &str, text: &str) {
    let body = json!({"id": event, "type": "reply", "email": email, "occurred_at": Utc::now().to_rfc3339(),
                      "message_id": message_id, "subject": "Re: Outbound after the round", "text": text})
    .to_string();
    let ts = Utc::now().timestamp().to_string();
    let signature = occ_core::channels::webhooks::sign(WEBHOOK_SECRET, &ts, body.as_bytes());
    let answer = app
        .send_raw(
            app.client
                .post(app.url("/api/v1/webhooks/email"))
                .header("content-type", "application/json")
                .header("x-occ-timestamp", ts)
                .header("x-occ-signature", signature)
                .body(body),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
}

async fn sent_message_id(app: &TestApp, to: &str) -> String {
    let conn = app.db.conn().await;
    conn.query_one(
        "touchpoint",
        "SELECT message_id FROM touchpoints WHERE to_address = ?1",
        [to],
        occ_core::store::single,
    )
    .await
    .expect("message id")
}

fn items(page: &Value) -> &Vec<Value> {
    page["items"].as_array().expect("items")
}

#[tokio::test]
async fn a_reply_is_answered_in_its_thread_and_the_answer_marks_it_handled() {
    let app = app().await;
    let mailbox = Mailbox::start();
    identity(&app, mailbox.port, 40).await;
    let (_, people) = approved(&app, &["Ana", "Bo"]).await;
    assert_eq!(send(&app, wednesday()).await.sent, 2);
    let ours = sent_message_id(&app, "ana@acme.com").await;
    reply_event(&app, "evt-a", "ana@acme.com", &ours, "Sounds interesting, can we talk next week?").await;
    reply_event(&app, "evt-b", "bo@acme.com", &sent_message_id(&app, "bo@acme.com").await, "Not interested, thanks.")
        .await;
    // The reply as the mailbox would have it: with its own Message-ID.
    let theirs = "<CA+ana-1@mail.acme.com>";
    app.db
        .conn()
        .await
        .execute("UPDATE replies SET message_id = ?1 WHERE contact_id = ?2", [theirs, id(&people[0])])
        .await
        .expect("message id");

    // Waiting: newest first, by intent, with who sent it.
    let waiting = app.get("/api/v1/replies/waiting?scope=team").await;
    assert_eq!(waiting.status, 200, "{}", waiting.text);
    assert_eq!(items(&waiting.body).len(), 2, "{}", waiting.text);
    let positive = app.get("/api/v1/replies/waiting?scope=team&intent=positive").await.body;
    assert_eq!(items(&positive).len(), 1);
    let reply = positive["items"][0]["reply"].clone();
    assert_eq!(positive["items"][0]["contact"]["name"], "Ana");
    assert_eq!(positive["items"][0]["contact"]["company"], "acme.com");
    let bad = app.get("/api/v1/replies/waiting?intent=happy").await;
    assert_eq!(bad.field_errors()[0].0, "intent", "{}", bad.text);

    // The conversation: what went out, then what came back.
    let talk = app.get(&format!("/api/v1/replies/{}/conversation", id(&reply))).await;
    assert_eq!(talk.status, 200, "{}", talk.text);
    let messages = talk.body["messages"].as_array().expect("messages");
    let directions: Vec<&str> = messages.iter().map(|m| m["direction"].as_str().expect("direction")).collect();
    assert_eq!(directions, ["out", "in"], "{}", talk.text);
    assert!(messages[0]["body"].as_str().expect("body").starts_with("Hi Ana"));

    // Only one of the contact's replies can be answered.
    let other = &app.get("/api/v1/replies/waiting?scope=team&intent=negative").await.body["items"][0]["reply"];
    let wrong = app
        .post(
            "/api/v1/drafts",
            json!({"contact_id": id(&people[0]), "channel": "email", "subject": "Re: Outbound after the round",
                   "body": "Hi Ana", "reply_id": id(other)}),
        )
        .await;
    assert_eq!(wrong.field_errors(), [("reply_id".to_owned(), "exists".to_owned())], "{}", wrong.text);

    let answer = app
        .post(
            "/api/v1/drafts",
            json!({"contact_id": id(&people[0]), "channel": "email", "subject": "Re: Outbound after the round",
                   "body": "Hi Ana,\n\nTuesday at 10 works. I'll send an invite.\n\n> Sounds interesting, can we talk next week?",
                   "reply_id": id(&reply), "submit": true}),
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    assert_eq!(answer.body["reply_id"], reply["id"]);
    let approved = app.post(&format!("/api/v1/drafts/{}/approve", id(&answer.body)), json!({})).await;
    assert_eq!(approved.status, 200, "{}", approved.text);
    assert_eq!(send(&app, wednesday()).await.sent, 1);
    let received = mailbox.received();
    let sent = received.last().expect("the answer");
    assert_eq!(header(sent, "Subject").as_deref(), Some("Re: Outbound after the round"));
    assert_eq!(header(sent, "In-Reply-To").as_deref(), Some(theirs), "{sent}");
    assert_eq!(header(sent, "References"), Some(format!("{ours} {theirs}")), "{sent}");

    // Answered: handled, off the waiting list.
    let after = app.get(&format!("/api/v1/replies/{}", id(&reply))).await.body;
    assert!(after["handled_at"].is_string(), "{after}");
    let waiting = app.get("/api/v1/replies/waiting?scope=team").await.body;
    assert_eq!(items(&waiting).len(), 1, "{waiting}");
    assert_eq!(waiting["items"][0]["contact"]["name"], "Bo");
    app.assert_queue_kept().await;
}

#[tokio::test]
async fn a_rep_sees_the_replies_of_their_own_contacts_unless_they_ask_for_the_team() {
    let app = app().await;
    let mailbox = Mailbox::start();
    identity(&app, mailbox.port, 40).await;
    let (_, people) = approved(&app, &["Cy"]).await;
    assert_eq!(send(&app, wednesday()).await.sent, 1);
    let ours = sent_message_id(&app, "cy@acme.com").await;
    reply_event(&app, "evt-c", "cy@acme.com", &ours, "Could we talk Tuesday or Wednesday afternoon?").await;
    let bdr = app.token_for(occ_core::domain::enums::Role::Bdr, &[occ_core::access::Scope::Read]).await;
    let as_bdr = |path: &str| app.client.get(app.url(path)).bearer_auth(&bdr);
    let mine = app.send(as_bdr("/api/v1/replies/waiting")).await;
    assert_eq!(mine.status, 200, "{}", mine.text);
    assert!(items(&mine.body).is_empty(), "not the rep's contact: {}", mine.text);
    let team = app.send(as_bdr("/api/v1/replies/waiting?scope=team")).await;
    assert_eq!(items(&team.body).len(), 1);
    assert_eq!(team.body["items"][0]["contact"]["id"], people[0]["id"]);
}
