//! Many clients at once: 32 reps reading, creating and editing contacts for a few seconds get
//! only successful answers, each within the client's patience, on the embedded file and on a
//! real libSQL server alike.

use std::time::{Duration, Instant};

use occ_core::access::Scope;
use occ_core::domain::enums::Role;
use serde_json::json;

use crate::helpers::spawn_app;

const CLIENTS: usize = 32;
const FOR: Duration = Duration::from_secs(4);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_two_clients_reading_and_writing_get_only_successes() {
    let app = std::sync::Arc::new(spawn_app().await);
    let mut tokens = Vec::new();
    for _ in 0..CLIENTS {
        tokens.push(app.token_for(Role::Bdr, &[Scope::Write]).await);
    }
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("client");
    let started = Instant::now();
    let mut workers = Vec::new();
    for (n, token) in tokens.into_iter().enumerate() {
        let (app, client) = (app.clone(), client.clone());
        workers.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            let mut i = 0;
            while started.elapsed() < FOR {
                i += 1;
                let email = format!("load-{n}-{i}@load.example");
                let created = client
                    .post(app.url("/api/v1/contacts"))
                    .bearer_auth(&token)
                    .json(&json!({"first_name": format!("Load {n}"), "email": email}))
                    .send()
                    .await;
                let created = created.expect("an answer to the create");
                let status = created.status().as_u16();
                let body: serde_json::Value = created.json().await.unwrap_or_default();
                answers.push(("POST /contacts", status));
                if let Some(id) = body["id"].as_str() {
                    let edited = client
                        .patch(app.url(&format!("/api/v1/contacts/{id}")))
                        .bearer_auth(&token)
                        .json(&json!({"title": "Head of Load"}))
                        .send()
                        .await
                        .expect("an answer to the edit");
                    answers.push(("PATCH /contacts/{id}", edited.status().as_u16()));
                }
                let listed = client
                    .get(app.url("/api/v1/contacts?limit=20"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("an answer to the list");
                answers.push(("GET /contacts", listed.status().as_u16()));
            }
            answers
        }));
    }
    let mut total = 0;
    for worker in workers {
        for (request, status) in worker.await.expect("worker") {
            assert!((200..300).contains(&status), "{request} answered {status}");
            total += 1;
        }
    }
    assert!(total >= CLIENTS * 3, "every client got answers: {total}");
}
