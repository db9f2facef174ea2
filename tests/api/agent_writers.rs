//! The agents that write and judge: the drafter, the reviewer, the ICP scorer and the experiment
//! analyst through `POST /api/v1/agents/{agent}/run`, with no model (each one's fallback) and
//! with a model server answering. Drafts wait in Review (approved only under autopilot when the
//! review passed), nobody who may not be contacted gets one, the reviewer never approves, and a
//! bdr runs agents only on the contacts it may edit.

use occ_core::access::Scope;
use occ_core::domain::enums::Role;
use occ_core::store::from_row;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use crate::llm_gateway::config_for;
use crate::llm_mock::{MockModel, Reply, answer};

fn id(value: &Value) -> &str {
    value["id"].as_str().expect("id")
}

/// A message the rules pass for Ana at Acme.
const GOOD_BODY: &str = "Hi Ana, congratulations on the Series B. Teams at Acme usually double outbound after a \
                         round; we help them keep reply rates up. Worth a short call next week?";

async fn run(app: &TestApp, agent: &str, body: Value) -> Value {
    let answer = app.post(&format!("/api/v1/agents/{agent}/run"), body).await;
    assert_eq!(answer.status, 201, "{agent}: {}", answer.text);
    let stored = app.get(&format!("/api/v1/agent-runs/{}", id(&answer.body))).await;
    assert_eq!(stored.status, 200, "the run is recorded: {}", stored.text);
    assert_eq!(stored.body["agent"], agent);
    answer.body
}

fn assert_fallback(run: &Value) {
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["used_fallback"], true, "{run}");
    assert!(run["fallback_reason"].as_str().is_some_and(|r| !r.is_empty()), "{run}");
    assert_eq!(run["model"], Value::Null, "{run}");
}

fn assert_model(run: &Value) {
    assert_eq!(run["used_fallback"], false, "{run}");
    assert_eq!(run["fallback_reason"], Value::Null, "{run}");
    assert_eq!(run["model"], "test-model", "{run}");
    assert_eq!((run["prompt_tokens"].as_i64(), run["completion_tokens"].as_i64()), (Some(120), Some(60)), "{run}");
}

/// Ana Lima, VP Sales at Acme (Fintech, 300 people), with a fresh funding signal.
async fn ana(app: &TestApp, email: &str) -> Value {
    let acme = app.create_account(json!({"name": "Acme", "industry": "Fintech", "employee_count": 300})).await;
    let ana = app
        .post(
            "/api/v1/contacts",
            json!({"first_name": "Ana", "last_name": "Lima", "title": "VP Sales", "email": email, "account_id": acme["id"]}),
        )
        .await;
    assert_eq!(ana.status, 201, "{}", ana.text);
    let signal = app
        .post(
            "/api/v1/signals",
            json!({"contact_id": ana.body["id"], "kind": "funding", "strength": 5, "title": "Series B"}),
        )
        .await;
    assert_eq!(signal.status, 201, "{}", signal.text);
    ana.body
}

/// A draft as stored.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct DraftRow {
    id: String,
    author_kind: String,
    author_user_id: Option<String>,
    agent_run_id: Option<String>,
    approval_status: String,
    step_id: Option<String>,
    enrollment_id: Option<String>,
    subject: Option<String>,
    body: String,
    notes: Option<String>,
    quality_report: Option<String>,
}

impl DraftRow {
    fn report(&self) -> Value {
        serde_json::from_str(self.quality_report.as_deref().unwrap_or("null")).expect("report")
    }
}

async fn drafts_of(app: &TestApp, contact: &Value) -> Vec<DraftRow> {
    app.db
        .conn()
        .await
        .query_all(
            "SELECT id, author_kind, author_user_id, agent_run_id, approval_status, step_id, enrollment_id, subject, \
             body, notes, quality_report FROM message_drafts WHERE contact_id = :contact ORDER BY created_at, id",
            libsql::named_params! {":contact": id(contact)},
            from_row::<DraftRow>,
        )
        .await
        .expect("drafts")
}

/// An experiment on reply rate with a control and a variant "Short", each sent `sends` times,
/// answered `control_replies` and `short_replies` times.
async fn experiment(app: &TestApp, contact: &Value, sends: i64, control_replies: i64, short_replies: i64) -> String {
    let conn = app.db.conn().await;
    let (experiment, at) = (uuid::Uuid::now_v7().to_string(), occ_core::domain::now());
    conn.write(
        "INSERT INTO experiments (id, name, field, channel, metric, status, baseline_rate, min_effect, min_sample_size, \
         created_at, updated_at) \
         VALUES (:id, 'Subject lines', 'subject', 'email', 'reply_rate', 'running', 0.1, 0.05, 100, :at, :at)",
        libsql::named_params! {":id": experiment.as_str(), ":at": at.as_str()},
    )
    .await
    .expect("experiment");
    for (position, (name, control, replies)) in
        [("Control", 1, control_replies), ("Short", 0, short_replies)].into_iter().enumerate()
    {
        let variant = uuid::Uuid::now_v7().to_string();
        conn.write(
            "INSERT INTO experiment_variants (id, experiment_id, name, is_control, weight, content, position, created_at, \
             updated_at) VALUES (:id, :experiment, :name, :control, 1, :name, :position, :at, :at)",
            libsql::named_params! {":id": variant.as_str(), ":experiment": experiment.as_str(), ":name": name,
            ":control": control, ":position": position as i64, ":at": at.as_str()},
        )
        .await
        .expect("variant");
        conn.write(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :sends) \
             INSERT INTO touchpoints (id, contact_id, channel, kind, status, variant_id, idempotency_key, sent_at, \
             created_at, updated_at) \
             SELECT :variant || '-' || i, :contact, 'email', 'email', 'sent', :variant, :variant || '-' || i, :at, :at, :at \
             FROM n",
            libsql::named_params! {":sends": sends, ":variant": variant.as_str(), ":contact": id(contact), ":at": at.as_str()},
        )
        .await
        .expect("sends");
        conn.write(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :replies) \
             INSERT INTO replies (id, contact_id, touchpoint_id, channel, intent, confidence, body, replied_at, \
             created_at, updated_at) \
             SELECT 'r-' || :variant || '-' || i, :contact, :variant || '-' || i, 'email', 'positive', 0.9, \
             'Sounds good', :at, :at, :at FROM n WHERE :replies > 0",
            libsql::named_params! {":replies": replies, ":variant": variant.as_str(), ":contact": id(contact), ":at": at.as_str()},
        )
        .await
        .expect("replies");
    }
    experiment
}

#[tokio::test]
async fn without_a_model_each_agent_answers_with_its_fallback_and_the_run_is_recorded() {
    let app = spawn_app().await;
    let ana = ana(&app, "ana@acme.com").await;

    let drafted = run(&app, "drafter", json!({"contact_id": id(&ana)})).await;
    assert_fallback(&drafted);
    assert_eq!(drafted["contact_id"], ana["id"]);
    assert_eq!(drafted["input"]["channel"], "email", "email by default");
    let drafts = drafts_of(&app, &ana).await;
    assert_eq!(drafts.len(), 1, "{drafts:?}");
    let draft = &drafts[0];
    assert_eq!((draft.author_kind.as_str(), draft.author_user_id.as_deref()), ("agent", None));
    assert_eq!(draft.agent_run_id.as_deref(), drafted["id"].as_str());
    assert_eq!(draft.approval_status, "pending", "an agent's draft waits in Review");
    assert_eq!(draft.subject.as_deref(), drafted["output"]["subject"].as_str());
    assert!(draft.body.contains("Hi Ana") && draft.body.contains("Series B"), "{}", draft.body);
    assert_eq!(draft.report()["passed"], true, "the built-in first touch passes review: {:?}", draft.report());

    // The reviewer's fallback is the rules' report: a passing draft stays pending.
    let reviewed = run(&app, "reviewer", json!({"draft_id": draft.id})).await;
    assert_fallback(&reviewed);
    assert_eq!(
        (reviewed["output"]["passed"].as_bool(), reviewed["output"]["send_back"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(drafts_of(&app, &ana).await[0].approval_status, "pending");
    // On a contact, it reviews the newest pending draft: a person's, with a merge field left.
    let open = app
        .post(
            "/api/v1/drafts",
            json!({"contact_id": id(&ana), "channel": "email", "subject": "Hello", "body": "Hi {{first_name}}, about {{company}}.", "submit": true}),
        )
        .await;
    assert_eq!(open.status, 201, "{}", open.text);
    let sent_back = run(&app, "reviewer", json!({"contact_id": id(&ana)})).await;
    assert_fallback(&sent_back);
    assert_eq!(sent_back["target_kind"], "contact");
    assert_eq!(sent_back["output"]["send_back"], true, "{sent_back}");
    let now = app.get(&format!("/api/v1/drafts/{}", id(&open.body))).await.body;
    assert_eq!(now["approval_status"], "draft", "sent back to its writer: {now}");
    assert!(now["notes"].as_str().is_some_and(|n| n.starts_with("Sent back by the reviewer")), "{now}");
    assert_eq!(now["quality_report"]["unresolved"], json!(["first_name", "company"]), "{now}");
    let log = app.get(&format!("/api/v1/audit?entity=draft&entity_id={}", id(&open.body))).await;
    let actions: Vec<&str> =
        log.body["items"].as_array().expect("items").iter().filter_map(|i| i["action"].as_str()).collect();
    assert!(actions.contains(&"draft.send_back") && actions.contains(&"draft.review"), "{actions:?}");
    let nothing = app.post("/api/v1/agents/reviewer/run", json!({"contact_id": id(&ana)})).await;
    assert_eq!(nothing.status, 201, "the agent's pending draft is still there: {}", nothing.text);

    // The ICP scorer keeps the ICP model's number and writes why.
    let scored = run(&app, "icp_scorer", json!({"contact_id": id(&ana)})).await;
    assert_fallback(&scored);
    let contact = app.get(&format!("/api/v1/contacts/{}", id(&ana))).await.body;
    assert_eq!(scored["output"]["score"], contact["priority_score"], "{scored}");
    let rationale = scored["output"]["rationale"].as_str().expect("rationale");
    assert!(rationale.contains("a VP") && rationale.contains("a funding signal"), "{rationale}");

    // The experiment analyst: 120 sends each, 12 replies against 40.
    let experiment = experiment(&app, &ana, 120, 12, 40).await;
    let analysed = run(&app, "experiment_analyst", json!({"experiment_id": experiment})).await;
    assert_fallback(&analysed);
    assert_eq!(analysed["output"]["verdict"], "winner", "{analysed}");
    assert_eq!(analysed["output"]["winner_variant"], "Short");
    assert_eq!(
        analysed["input"]["variants"][0],
        json!({"name": "Control", "is_control": true, "sends": 120, "conversions": 12})
    );

    let runs = app.get(&format!("/api/v1/agent-runs?contact_id={}", id(&ana))).await;
    assert_eq!(runs.body["items"].as_array().map(Vec::len), Some(5), "{}", runs.text);
    app.assert_queue_kept().await;
}

#[tokio::test]
async fn with_a_model_each_agent_uses_its_answer_and_records_the_tokens() {
    let script: Vec<Reply> = vec![
        answer(json!({"subject": "Acme after the Series B", "body": GOOD_BODY}), 120, 60),
        answer(
            json!({"passed": false, "flags": ["The ask is vague"], "send_back": true, "note": "Name a day for the call."}),
            120,
            60,
        ),
        answer(
            json!({"score": 60, "rationale": "Strong fit: a VP of Sales with fresh funding.", "factors": [{"factor": "seniority", "note": "A VP."}]}),
            120,
            60,
        ),
        answer(
            json!({"verdict": "winner", "winner_variant": "Short", "recommendation": "Send Short to everyone."}),
            120,
            60,
        ),
        answer(json!({"passed": true, "flags": [], "send_back": false, "note": "Clear and specific."}), 120, 60),
    ];
    let mock = MockModel::start(script).await;
    let app = spawn_app_with(|c| c.llm = Some(config_for(&mock)), true).await;
    let ana = ana(&app, "ana@acme.com").await;

    let drafted = run(&app, "drafter", json!({"contact_id": id(&ana)})).await;
    assert_model(&drafted);
    let drafts = drafts_of(&app, &ana).await;
    assert_eq!(drafts.len(), 1);
    assert_eq!((drafts[0].body.as_str(), drafts[0].approval_status.as_str()), (GOOD_BODY, "pending"));
    assert_eq!(drafts[0].agent_run_id.as_deref(), drafted["id"].as_str());
    assert_eq!(drafts[0].author_kind, "agent");

    let reviewed = run(&app, "reviewer", json!({"draft_id": drafts[0].id})).await;
    assert_model(&reviewed);
    let draft = &drafts_of(&app, &ana).await[0];
    assert_eq!(draft.approval_status, "draft", "sent back");
    assert!(draft.notes.as_deref().is_some_and(|n| n.contains("Name a day for the call.")), "{draft:?}");
    assert_eq!(draft.report()["flags"], json!(["The ask is vague"]));
    assert_eq!(draft.report()["passed"], false);

    let contact = app.get(&format!("/api/v1/contacts/{}", id(&ana))).await.body;
    let icp = contact["priority_score"].as_i64().expect("score");
    assert!((45..=75).contains(&icp), "the model's 60 must be within 15 points of the ICP model's {icp}");
    let scored = run(&app, "icp_scorer", json!({"contact_id": id(&ana)})).await;
    assert_model(&scored);
    assert_eq!(scored["output"]["score"], 60);

    let experiment = experiment(&app, &ana, 120, 12, 40).await;
    let analysed = run(&app, "experiment_analyst", json!({"experiment_id": experiment})).await;
    assert_model(&analysed);
    assert_eq!(analysed["output"]["recommendation"], "Send Short to everyone.");

    // A review that passes leaves the draft for a person to approve.
    let waiting = app
        .post(
            "/api/v1/drafts",
            json!({"contact_id": id(&ana), "channel": "email", "subject": "Acme after the Series B", "body": GOOD_BODY, "submit": true}),
        )
        .await;
    assert_eq!(waiting.status, 201, "{}", waiting.text);
    let passed = run(&app, "reviewer", json!({"draft_id": id(&waiting.body)})).await;
    assert_model(&passed);
    let now = app.get(&format!("/api/v1/drafts/{}", id(&waiting.body))).await.body;
    assert_eq!(
        (now["approval_status"].as_str(), now["quality_report"]["passed"].as_bool()),
        (Some("pending"), Some(true))
    );
    assert_eq!(mock.calls(), 5);
}

#[tokio::test]
async fn an_answer_the_rules_refuse_is_replaced_by_the_fallback() {
    let script: Vec<Reply> = vec![
        answer(
            json!({"subject": "Hi", "body": "Hi {{first_name}}, a quick note about Acme and the Series B."}),
            120,
            60,
        ),
        answer(json!({"score": 100, "rationale": "Perfect.", "factors": []}), 120, 60),
        answer(json!({"verdict": "winner", "winner_variant": "Short", "recommendation": "Ship it."}), 120, 60),
    ];
    let mock = MockModel::start(script).await;
    let app = spawn_app_with(|c| c.llm = Some(config_for(&mock)), true).await;
    let ana = ana(&app, "ana@acme.com").await;

    let drafted = run(&app, "drafter", json!({"contact_id": id(&ana)})).await;
    assert_eq!(drafted["used_fallback"], true);
    assert!(drafted["fallback_reason"].as_str().is_some_and(|r| r.contains("first_name")), "{drafted}");
    assert!(!drafts_of(&app, &ana).await[0].body.contains("{{"), "the fallback's draft");
    let scored = run(&app, "icp_scorer", json!({"contact_id": id(&ana)})).await;
    assert_eq!(scored["used_fallback"], true, "100 is too far from the ICP model: {scored}");
    // 110 sends each is enough to read, and 12 against 15 replies is no difference.
    let experiment = experiment(&app, &ana, 110, 12, 15).await;
    let analysed = run(&app, "experiment_analyst", json!({"experiment_id": experiment})).await;
    assert_eq!(analysed["used_fallback"], true, "{analysed}");
    assert_eq!(analysed["output"]["verdict"], "no_difference");
    assert_eq!(analysed["output"]["winner_variant"], Value::Null);
}

#[tokio::test]
async fn the_drafter_writes_nothing_for_someone_who_may_not_be_contacted() {
    let app = spawn_app().await;
    let ana = ana(&app, "ana@acme.com").await;
    let bulk = app.post("/api/v1/contacts/bulk", json!({"ids": [ana["id"]], "status": "do_not_contact"})).await;
    assert_eq!(bulk.status, 200, "{}", bulk.text);
    let drafted = run(&app, "drafter", json!({"contact_id": id(&ana)})).await;
    assert!(
        drafted["input"]["not_contacted"].as_str().is_some_and(|w| w.contains("asked not to be contacted")),
        "{drafted}"
    );
    assert!(drafts_of(&app, &ana).await.is_empty(), "no draft for a do-not-contact person");

    // Without an email address, no email; with a LinkedIn profile, a connection note.
    let bo = app
        .post(
            "/api/v1/contacts",
            json!({"first_name": "Bo", "title": "CTO", "linkedin_url": "https://linkedin.com/in/bo"}),
        )
        .await
        .body;
    run(&app, "drafter", json!({"contact_id": id(&bo)})).await;
    assert!(drafts_of(&app, &bo).await.is_empty());
    let note = run(&app, "drafter", json!({"contact_id": id(&bo), "channel": "linkedin"})).await;
    assert_eq!(note["input"]["connect_note"], true);
    let drafts = drafts_of(&app, &bo).await;
    assert_eq!((drafts.len(), drafts[0].subject.as_deref()), (1, None));
    assert!(drafts[0].body.chars().count() <= 300, "{}", drafts[0].body);
}

#[tokio::test]
async fn a_step_draft_is_approved_only_under_autopilot_when_its_review_passes() {
    let app = spawn_app().await;
    let good = json!({"day_offset": 0, "kind": "email", "subject": "{{company}} after the {{signal}}",
        "template": "Hi {{first_name}}, congratulations on the {{signal}}. Teams at {{company}} usually double outbound after a round; we help them keep reply rates up. Worth a short call next week?"});
    let poor = json!({"day_offset": 0, "kind": "email", "subject": "Hello", "template": "Hi {{first_name}}."});
    let mut outcomes = Vec::new();
    for (n, (step, autopilot)) in [(&good, true), (&poor, true), (&good, false)].into_iter().enumerate() {
        let sequence = app.post("/api/v1/sequences", json!({"name": format!("Sequence {n}"), "steps": [step]})).await;
        assert_eq!(sequence.status, 201, "{}", sequence.text);
        if autopilot {
            let on = app.patch(&format!("/api/v1/sequences/{}", id(&sequence.body)), json!({"autopilot": true})).await;
            assert_eq!(on.status, 200, "{}", on.text);
        }
        let contact = ana(&app, &format!("ana{n}@acme{n}.com")).await;
        let enrolled = app
            .post("/api/v1/enrollments", json!({"sequence_id": id(&sequence.body), "contact_id": id(&contact)}))
            .await;
        assert_eq!(enrolled.status, 201, "{}", enrolled.text);
        let drafted = run(&app, "drafter", json!({"contact_id": id(&contact)})).await;
        assert_eq!(drafted["input"]["step"]["kind"], "email", "{drafted}");
        let drafts = drafts_of(&app, &contact).await;
        assert_eq!(drafts.len(), 1);
        assert_eq!(drafts[0].enrollment_id.as_deref(), enrolled.body["id"].as_str());
        assert!(drafts[0].step_id.is_some());
        outcomes.push(drafts[0].approval_status.clone());
        if n == 0 {
            assert_eq!(drafts[0].subject.as_deref(), Some("Acme after the Series B"), "the step's template");
            // The step has its draft: another run writes a one-off message beside it.
            run(&app, "drafter", json!({"contact_id": id(&contact)})).await;
            let again = drafts_of(&app, &contact).await;
            assert_eq!(again.len(), 2);
            assert_eq!((again[1].step_id.as_deref(), again[1].approval_status.as_str()), (None, "pending"));
        }
    }
    assert_eq!(outcomes, ["approved", "pending", "pending"]);
    app.assert_queue_kept().await;
}

#[tokio::test]
async fn a_bdr_cannot_run_an_agent_on_another_users_contact() {
    let app = spawn_app().await;
    let ana = ana(&app, "ana@acme.com").await;
    let waiting = app
        .post(
            "/api/v1/drafts",
            json!({"contact_id": id(&ana), "channel": "email", "subject": "Hello", "body": GOOD_BODY, "submit": true}),
        )
        .await;
    assert_eq!(waiting.status, 201, "{}", waiting.text);
    let bdr = app.token_for(Role::Bdr, &[Scope::Write]).await;
    for agent in ["drafter", "icp_scorer", "reviewer"] {
        let refused = app
            .send_raw(
                app.client
                    .post(app.url(&format!("/api/v1/agents/{agent}/run")))
                    .bearer_auth(&bdr)
                    .json(&json!({"contact_id": id(&ana)})),
            )
            .await;
        assert_eq!(refused.status, 403, "{agent}: {}", refused.text);
    }
    let drafts = drafts_of(&app, &ana).await;
    assert_eq!((drafts.len(), drafts[0].approval_status.as_str()), (1, "pending"), "nothing written");
    let runs = app.get("/api/v1/agent-runs").await;
    assert_eq!(runs.body["items"].as_array().map(Vec::len), Some(0), "{}", runs.text);
}
