//! The contacts API, end to end.

use occ_core::access::Scope;
use occ_core::domain::enums::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

async fn create(app: &TestApp, body: Value) -> Value {
    let answer = app.post("/api/v1/contacts", body.clone()).await;
    assert_eq!(answer.status, 201, "{body}: {}", answer.text);
    answer.body
}

fn id(value: &Value) -> &str {
    value["id"].as_str().expect("id")
}

#[tokio::test]
async fn creating_a_contact_normalises_it_derives_its_persona_and_owns_it() {
    let app = spawn_app().await;
    let account = app.create_account(json!({"name": "Acme", "domain": "acme.com"})).await;
    let answer = app
        .post(
            "/api/v1/contacts",
            json!({"first_name": " Ana ", "last_name": "López", "title": "VP of Sales", "email": "Ana.Lopez@ACME.com",
                   "linkedin_url": "linkedin.com/in/Ana-Lopez/", "account_id": id(&account), "timezone": "Europe/Madrid"}),
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    let contact = &answer.body;
    assert_eq!(answer.header("location"), Some(format!("/api/v1/contacts/{}", id(contact)).as_str()));
    assert_eq!(contact["first_name"], "Ana");
    assert_eq!(contact["email"], "ana.lopez@acme.com");
    assert_eq!(contact["linkedin_url"], "https://www.linkedin.com/in/ana-lopez");
    assert_eq!((contact["seniority"].as_str(), contact["department"].as_str()), (Some("vp"), Some("sales")));
    assert_eq!((contact["stage"].as_str(), contact["status"].as_str()), (Some("new"), Some("active")));
    assert_eq!(contact["account"], json!({"id": id(&account), "name": "Acme", "domain": "acme.com"}));
    let me = app.get("/api/v1/auth/me").await;
    assert_eq!(contact["owner_id"], me.body["user"]["id"], "the creator owns it");
    assert_eq!(app.get(&format!("/api/v1/contacts/{}", id(contact))).await.body, answer.body);

    let unowned = create(&app, json!({"first_name": "Bo", "owner_id": null})).await;
    assert_eq!(unowned["owner_id"], Value::Null);
}

#[tokio::test]
async fn a_taken_email_or_linkedin_url_is_a_409_naming_the_contact() {
    let app = spawn_app().await;
    let first = create(
        &app,
        json!({"first_name": "Ana", "email": "ana@acme.com", "linkedin_url": "https://linkedin.com/in/ana"}),
    )
    .await;
    for body in [
        json!({"first_name": "Other", "email": "ANA@acme.com"}),
        json!({"first_name": "Other", "linkedin_url": "https://www.linkedin.com/in/ANA/"}),
    ] {
        let answer = app.post("/api/v1/contacts", body.clone()).await;
        assert_eq!(answer.status, 409, "{body}: {}", answer.text);
        assert_eq!(answer.body["error"]["conflicts_with"]["id"], id(&first), "{body}");
    }
    let second = create(&app, json!({"first_name": "Bo"})).await;
    let answer = app.patch(&format!("/api/v1/contacts/{}", id(&second)), json!({"email": "ana@acme.com"})).await;
    assert_eq!(answer.status, 409);
}

#[tokio::test]
async fn invalid_contacts_are_refused_with_the_field_and_rule() {
    let app = spawn_app().await;
    let missing = "01936b2e-0000-7000-8000-000000000000";
    let cases = [
        (json!({}), "first_name", "required"),
        (json!({"first_name": " "}), "first_name", "required"),
        (json!({"first_name": "A", "email": "ana@"}), "email", "format"),
        (json!({"first_name": "A", "linkedin_url": "https://linkedin.com/company/acme"}), "linkedin_url", "format"),
        (json!({"first_name": "A", "phone": "call me"}), "phone", "format"),
        (json!({"first_name": "A", "timezone": "Mars/Base"}), "timezone", "format"),
        (json!({"first_name": "A", "seniority": "boss"}), "seniority", "type"),
        (json!({"first_name": "A", "account_id": "nope"}), "account_id", "format"),
        (json!({"first_name": "A", "account_id": missing}), "account_id", "exists"),
        (json!({"first_name": "A", "owner_id": missing}), "owner_id", "exists"),
        (json!({"first_name": "A", "stage": "opportunity"}), "stage", "unknown"),
    ];
    for (body, field, rule) in cases {
        let answer = app.post("/api/v1/contacts", body.clone()).await;
        assert_eq!(answer.status, 422, "{body}: {}", answer.text);
        assert!(
            answer.field_errors().contains(&(field.to_owned(), rule.to_owned())),
            "{body}: {:?}",
            answer.field_errors()
        );
    }
    assert_eq!(app.get("/api/v1/contacts").await.body["items"], json!([]), "nothing invalid was stored");
}

#[tokio::test]
async fn patch_leaves_absent_fields_clears_nulls_and_rederives_persona_from_a_new_title() {
    let app = spawn_app().await;
    let contact = create(
        &app,
        json!({"first_name": "Ana", "title": "Engineer", "phone": "+34 600 000 000", "notes": "met at a fair"}),
    )
    .await;
    let path = format!("/api/v1/contacts/{}", id(&contact));
    let answer = app.patch(&path, json!({"title": "Head of Marketing", "phone": null})).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(
        (answer.body["seniority"].as_str(), answer.body["department"].as_str()),
        (Some("director"), Some("marketing"))
    );
    assert_eq!(answer.body["phone"], Value::Null);
    assert_eq!(answer.body["notes"], "met at a fair");
    for (body, field, rule) in [
        (json!({"first_name": null}), "first_name", "required"),
        (json!({"stage": "touched"}), "stage", "unknown"),
        (json!({"priority_score": 100}), "priority_score", "unknown"),
    ] {
        let answer = app.patch(&path, body.clone()).await;
        assert_eq!(answer.status, 422, "{body}");
        assert_eq!(answer.field_errors(), [(field.to_owned(), rule.to_owned())], "{body}");
    }
}

#[tokio::test]
async fn a_bdr_works_contacts_it_owns_or_nobody_owns_and_deletes_none() {
    let app = spawn_app().await;
    let bdr = app.token_for(Role::Bdr, &[Scope::Write]).await;
    let as_bdr = |request: reqwest::RequestBuilder| app.send_raw(request.bearer_auth(&bdr));
    let mine = as_bdr(app.client.post(app.url("/api/v1/contacts")).json(&json!({"first_name": "Mine"}))).await;
    assert_eq!(mine.status, 201);
    let admins = create(&app, json!({"first_name": "Theirs"})).await;
    let nobodys = create(&app, json!({"first_name": "Free", "owner_id": null})).await;
    let patch = |contact: &Value| {
        app.client.patch(app.url(&format!("/api/v1/contacts/{}", id(contact)))).json(&json!({"notes": "x"}))
    };
    assert_eq!(as_bdr(patch(&mine.body)).await.status, 200);
    assert_eq!(as_bdr(patch(&nobodys)).await.status, 200);
    let refused = as_bdr(patch(&admins)).await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert_eq!(
        app.get(&format!("/api/v1/contacts/{}", id(&admins))).await.body["notes"],
        Value::Null,
        "nothing changed"
    );
    let admin_id = admins["owner_id"].as_str().expect("owner");
    let give = as_bdr(
        app.client.patch(app.url(&format!("/api/v1/contacts/{}", id(&nobodys)))).json(&json!({"owner_id": admin_id})),
    )
    .await;
    assert_eq!(give.status, 403, "a bdr does not hand contacts to others");
    let delete = as_bdr(app.client.delete(app.url(&format!("/api/v1/contacts/{}", id(&mine.body))))).await;
    assert_eq!(delete.status, 403);
    assert_eq!(app.delete(&format!("/api/v1/contacts/{}", id(&mine.body))).await.status, 204, "a manager or admin may");
    app.assert_queue_kept().await;
}

async fn names(app: &TestApp, query: &str) -> Vec<String> {
    let answer = app.get(&format!("/api/v1/contacts?{query}")).await;
    assert_eq!(answer.status, 200, "{query}: {}", answer.text);
    let mut names: Vec<String> = answer.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["first_name"].as_str().expect("name").to_owned())
        .collect();
    if !query.contains("sort=") {
        names.sort();
    }
    names
}

async fn set(app: &TestApp, contact: &Value, sql_set: &str) {
    // Score, stage, status and touch times move through later features; tests set them here.
    let conn = app.db.conn().await;
    let sql = format!("UPDATE contacts SET {sql_set} WHERE id = ?1");
    occ_core::audit::record(&conn, &occ_core::audit::Actor::system(None), "test.set", "contact", id(contact))
        .await
        .expect("audit");
    conn.execute(&sql, [id(contact)]).await.expect(&sql);
}

#[tokio::test]
async fn every_list_filter_narrows_the_list() {
    let app = spawn_app().await;
    let fintech = app
        .create_account(json!({"name": "Northwind Payments", "domain": "northwind.io", "industry": "Fintech"}))
        .await;
    let health = app.create_account(json!({"name": "Globex", "domain": "globex.com", "industry": "Healthcare"})).await;
    let ana = create(
        &app,
        json!({"first_name": "Ana", "title": "VP of Sales", "email": "ana@northwind.io", "account_id": id(&fintech)}),
    )
    .await;
    let bo = create(&app, json!({"first_name": "Bo", "title": "Software Engineer", "linkedin_url": "linkedin.com/in/bo", "account_id": id(&health)})).await;
    let cy = create(&app, json!({"first_name": "Cy", "title": "Chief Financial Officer", "owner_id": null})).await;
    set(&app, &ana, "priority_score = 90, stage = 'touched', last_touch_at = '2026-11-20T10:00:00.000Z'").await;
    set(&app, &bo, "priority_score = 40, stage = 'replied', status = 'bounced'").await;
    set(&app, &cy, "priority_score = 70").await;

    let cases: &[(&str, &[&str])] = &[
        ("", &["Ana", "Bo", "Cy"]),
        (&format!("account_id={}", id(&fintech)), &["Ana"]),
        ("stage=touched,replied", &["Ana", "Bo"]),
        ("stage=new", &["Cy"]),
        ("status=bounced", &["Bo"]),
        ("seniority=vp&seniority=c_level", &["Ana", "Cy"]),
        ("department=engineering", &["Bo"]),
        ("industry=fintech", &["Ana"]),
        ("owner=none", &["Cy"]),
        ("owner=me", &["Ana", "Bo"]),
        ("min_priority=70", &["Ana", "Cy"]),
        ("has_email=true", &["Ana"]),
        ("has_linkedin=false", &["Ana", "Cy"]),
        ("touched_since=2026-11-19T00:00:00Z", &["Ana"]),
        ("touched_before=2026-11-19T00:00:00Z", &[]),
        ("q=financial", &["Cy"]),
        ("q=northwind", &["Ana"]),
        ("q=GLOBEX", &["Bo"]),
        ("q=bo", &["Bo"]),
        ("q=cy%20financial", &["Cy"]),
        ("q=financial%20chief", &["Cy"]),
        ("q=financial%20engineer", &[]),
        ("q=%22%20OR%201=1", &[]),
        ("stage=touched&industry=healthcare", &[]),
    ];
    for (query, expected) in cases {
        assert_eq!(names(&app, query).await, *expected, "{query}");
    }
    assert_eq!(names(&app, "sort=priority").await, ["Ana", "Cy", "Bo"]);
    assert_eq!(names(&app, "sort=-priority").await, ["Bo", "Cy", "Ana"]);
    assert_eq!(names(&app, "sort=-created_at").await, ["Cy", "Bo", "Ana"]);

    for (query, field) in [
        ("stage=winning", "stage"),
        ("min_priority=101", "min_priority"),
        ("has_email=maybe", "has_email"),
        ("touched_since=yesterday", "touched_since"),
        ("owner=someone", "owner"),
        ("sort=email", "sort"),
        ("limit=0", "limit"),
        ("colour=red", "colour"),
    ] {
        let answer = app.get(&format!("/api/v1/contacts?{query}")).await;
        assert_eq!(answer.status, 422, "{query}");
        assert_eq!(answer.field_errors()[0].0, field, "{query}");
    }
}

/// The ids of every page of `/api/v1/contacts?{query}`, three at a time, in order.
async fn paged(app: &TestApp, query: &str) -> Vec<String> {
    let items = app.every_page(&format!("/api/v1/contacts?{query}&limit=3")).await;
    items.iter().map(|c| id(c).to_owned()).collect()
}

#[tokio::test]
async fn pages_by_priority_visit_every_contact_once_even_with_ties() {
    let app = spawn_app().await;
    let mut all = Vec::new();
    for (i, score) in [50, 80, 50, 20, 80, 50, 0, 80, 50].iter().enumerate() {
        // Every other one nobody's: a page of one owner (or nobody) walks their own index.
        let mine = i % 2 == 1;
        let owner = if mine {
            json!({"first_name": format!("P{i}")})
        } else {
            json!({"first_name": format!("P{i}"), "owner_id": null})
        };
        let contact = create(&app, owner).await;
        // Every third one touched: a page of one stage walks that stage's own index.
        let stage = if i % 3 == 2 { "touched" } else { "new" };
        set(&app, &contact, &format!("priority_score = {score}, stage = '{stage}'")).await;
        all.push((*score, id(&contact).to_owned(), stage, if mine { "me" } else { "none" }));
    }
    all.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let best_first = |stage: Option<&str>, owner: Option<&str>| -> Vec<String> {
        let kept = |c: &&(i32, String, &str, &str)| stage.is_none_or(|s| s == c.2) && owner.is_none_or(|o| o == c.3);
        all.iter().filter(kept).map(|c| c.1.clone()).collect()
    };
    let worst_first = |stage: Option<&str>, owner: Option<&str>| -> Vec<String> {
        let mut ids = best_first(stage, owner);
        ids.reverse();
        ids
    };
    assert_eq!(paged(&app, "sort=priority").await, best_first(None, None));
    assert_eq!(paged(&app, "sort=-priority").await, worst_first(None, None));
    for stage in ["new", "touched"] {
        assert_eq!(paged(&app, &format!("stage={stage}")).await, best_first(Some(stage), None), "{stage}");
        let active = paged(&app, &format!("status=active&stage={stage}")).await;
        assert_eq!(active, best_first(Some(stage), None), "active, {stage}");
        let backwards = paged(&app, &format!("status=active&stage={stage}&sort=-priority")).await;
        assert_eq!(backwards, worst_first(Some(stage), None), "active, {stage}");
        assert!(paged(&app, &format!("status=dormant&stage={stage}")).await.is_empty(), "dormant, {stage}");
        assert_eq!(
            paged(&app, &format!("stage={stage}&sort=-priority")).await,
            worst_first(Some(stage), None),
            "{stage}"
        );
    }
    for owner in ["me", "none"] {
        assert_eq!(paged(&app, &format!("owner={owner}")).await, best_first(None, Some(owner)), "{owner}");
        let backwards = paged(&app, &format!("owner={owner}&sort=-priority")).await;
        assert_eq!(backwards, worst_first(None, Some(owner)), "{owner}");
        for stage in ["new", "touched"] {
            let both = paged(&app, &format!("owner={owner}&stage={stage}")).await;
            assert_eq!(both, best_first(Some(stage), Some(owner)), "{owner} {stage}");
            let backwards = paged(&app, &format!("owner={owner}&stage={stage}&sort=-priority")).await;
            assert_eq!(backwards, worst_first(Some(stage), Some(owner)), "{owner} {stage}");
        }
    }
    let first = app.get("/api/v1/contacts?stage=new&limit=3").await.body;
    assert_eq!(first["total"], 6, "the stage's count still comes with the page");
    let nobodys = app.get("/api/v1/contacts?owner=none&limit=2").await.body;
    assert_eq!(nobodys["total"], 5, "and an owner's");
}

/// The steps of a statement's query plan, as SQLite words them.
async fn query_plan(conn: &occ_core::store::Conn, sql: &str) -> Vec<String> {
    conn.query_all(&format!("EXPLAIN QUERY PLAN {sql}"), (), |row| occ_core::store::col::<String>(row, 3))
        .await
        .expect("plan")
}

#[tokio::test]
async fn a_page_of_one_stage_or_one_owner_seeks_its_range_of_an_index_down_to_the_lowest_score() {
    let app = spawn_app().await;
    let conn = app.db.conn().await;
    use occ_core::contacts::list::{ONE_OWNER_SQL, ONE_OWNER_STAGE_SQL, ONE_STAGE_SQL, ONE_STATUS_STAGE_SQL};
    for (sql, range) in [
        (ONE_STAGE_SQL, "idx_contacts_stage_priority (stage=?"),
        (ONE_OWNER_SQL, "idx_contacts_owner (owner_id=?"),
        (ONE_OWNER_STAGE_SQL, "idx_contacts_owner_stage (owner_id=? AND stage=?"),
        (ONE_STATUS_STAGE_SQL, "idx_contacts_active_pipeline (status=? AND stage=?"),
    ] {
        let plan = query_plan(&conn, sql).await;
        // The lowest score bounds the range: a score above everyone's reads nothing.
        let seek = format!("SEARCH contacts USING INDEX {range} AND priority_score>?)");
        assert!(plan.iter().any(|line| line.starts_with(&seek)), "{seek} in {}", plan.join("\n"));
        assert!(!plan.iter().any(|line| line.contains("TEMP B-TREE")), "sorted by the index: {}", plan.join("\n"));
    }
}

/// As many companies in logistics as make it common ([`FEW_COMPANIES`]), one person each, and
/// three in fintech with three people each, scored with ties (so that pages end inside a
/// score).
async fn a_common_and_a_rare_industry(app: &TestApp) {
    use occ_core::contacts::list::FEW_COMPANIES;
    let mut csv = String::from("first_name,last_name,company,domain,industry\n");
    for i in 0..FEW_COMPANIES {
        csv.push_str(&format!("L{i},Wide,Wide {i},wide{i}.example,Logistics\n"));
    }
    for i in 0..9 {
        csv.push_str(&format!("F{i},Rare,Rare {n},rare{n}.example,Fintech\n", n = i / 3));
    }
    let url = app.url("/api/v1/import");
    let import = app.send(app.client.post(url).header("content-type", "text/csv").body(csv)).await;
    assert_eq!(import.status, 200, "{}", import.text);
    let conn = app.db.conn().await;
    conn.execute("UPDATE contacts SET priority_score = (rowid * 7) % 5 * 20", ()).await.expect("scores");
}

#[tokio::test]
async fn a_page_of_an_industry_reads_its_few_companies_people_or_walks_the_order_for_many() {
    use occ_core::contacts::list::{FEW_COMPANIES, INDUSTRY_SQL};
    let app = spawn_app().await;
    a_common_and_a_rare_industry(&app).await;
    let conn = app.db.conn().await;
    let best_first = |industries: &'static [&'static str]| {
        let conn = &conn;
        async move {
            let list = serde_json::to_string(industries).expect("json");
            conn.query_all(
                "SELECT c.id FROM contacts c JOIN accounts a ON a.id = c.account_id \
                 WHERE a.industry IN (SELECT value FROM json_each(?1)) ORDER BY c.priority_score DESC, c.id",
                [list],
                |row| occ_core::store::col::<String>(row, 0),
            )
            .await
            .expect("expected order")
        }
    };
    for (query, industries) in [
        ("industry=fintech", &["Fintech"][..]),
        ("industry=Logistics", &["Logistics"][..]),
        ("industry=FINTECH,logistics", &["Fintech", "Logistics"][..]),
    ] {
        let expected = best_first(industries).await;
        assert!(expected.len() >= 9, "{query}: {expected:?}");
        assert_eq!(paged(&app, query).await, expected, "{query}");
        let mut worst_first = expected.clone();
        worst_first.reverse();
        assert_eq!(paged(&app, &format!("{query}&sort=-priority")).await, worst_first, "{query}");
    }
    let plan = query_plan(&conn, INDUSTRY_SQL).await;
    for step in [
        "SEARCH contacts USING INDEX idx_contacts_account (account_id=?)",
        "SEARCH contacts USING INDEX idx_contacts_priority (priority_score>?)",
    ] {
        assert!(plan.iter().any(|line| line.starts_with(step)), "{step} in {}", plan.join("\n"));
    }
    assert!(
        INDUSTRY_SQL.contains(&format!("count(*) < {FEW_COMPANIES} AS yes")),
        "the statement counts to FEW_COMPANIES"
    );
}

#[tokio::test]
async fn a_page_of_an_industry_in_a_stage_or_a_reps_book_reads_the_few_companies_people_or_walks_that_range() {
    use occ_core::contacts::list::INDUSTRY_IN_RANGE_SQL;
    let app = spawn_app().await;
    a_common_and_a_rare_industry(&app).await;
    let conn = app.db.conn().await;
    // A third touched, the rest new; every other one nobody's, the rest the caller's; a fifth
    // dormant, the rest active (each change with its audit entry, as the database requires).
    for sql in [
        "INSERT INTO audit_log (id, at, actor, action, entity, entity_id) \
         SELECT lower(hex(randomblob(16))), '2026-01-01T00:00:00Z', 'system', 'test.set', 'contact', id FROM contacts",
        "UPDATE contacts SET stage = CASE WHEN rowid % 3 = 0 THEN 'touched' ELSE 'new' END, \
         owner_id = CASE WHEN rowid % 2 = 0 THEN (SELECT id FROM users ORDER BY created_at LIMIT 1) END, \
         status = CASE WHEN rowid % 5 = 0 THEN 'dormant' ELSE 'active' END",
    ] {
        conn.execute(sql, ()).await.expect(sql);
    }
    let expected =
        |industries: &'static str, stage: Option<&'static str>, mine: Option<bool>, status: Option<&'static str>| {
            let conn = &conn;
            async move {
                conn.query_all(
                    "SELECT c.id FROM contacts c JOIN accounts a ON a.id = c.account_id \
                     WHERE a.industry IN (SELECT value FROM json_each(?1)) AND (?2 IS NULL OR c.stage = ?2) \
                     AND (?3 IS NULL OR (c.owner_id IS NOT NULL) = ?3) AND (?4 IS NULL OR c.status = ?4) \
                     ORDER BY c.priority_score DESC, c.id",
                    libsql::params![industries, stage, mine, status],
                    |row| occ_core::store::col::<String>(row, 0),
                )
                .await
                .expect("expected order")
            }
        };
    for (query, industries, stage, mine, status) in [
        ("industry=fintech&stage=new", r#"["Fintech"]"#, Some("new"), None, None),
        ("industry=Logistics&stage=touched", r#"["Logistics"]"#, Some("touched"), None, None),
        ("industry=fintech&owner=me", r#"["Fintech"]"#, None, Some(true), None),
        ("industry=Logistics&owner=none", r#"["Logistics"]"#, None, Some(false), None),
        ("industry=FINTECH,logistics&owner=me&stage=new", r#"["Fintech","Logistics"]"#, Some("new"), Some(true), None),
        ("industry=fintech&owner=none&stage=touched", r#"["Fintech"]"#, Some("touched"), Some(false), None),
        ("industry=fintech&status=active&stage=new", r#"["Fintech"]"#, Some("new"), None, Some("active")),
        ("industry=Logistics&status=dormant&stage=new", r#"["Logistics"]"#, Some("new"), None, Some("dormant")),
    ] {
        let best_first = expected(industries, stage, mine, status).await;
        assert!(!best_first.is_empty(), "{query}");
        assert_eq!(paged(&app, query).await, best_first, "{query}");
        let mut worst_first = best_first.clone();
        worst_first.reverse();
        assert_eq!(paged(&app, &format!("{query}&sort=-priority")).await, worst_first, "{query}");
    }
    for (sql, range) in INDUSTRY_IN_RANGE_SQL.iter().zip([
        "idx_contacts_stage_priority (stage=?",
        "idx_contacts_owner (owner_id=?",
        "idx_contacts_owner_stage (owner_id=? AND stage=?",
        "idx_contacts_active_pipeline (status=? AND stage=?",
    ]) {
        let plan = query_plan(&conn, sql).await;
        for step in [
            "SEARCH contacts USING INDEX idx_contacts_account (account_id=?)",
            &format!("SEARCH contacts USING INDEX {range}"),
        ] {
            assert!(plan.iter().any(|line| line.starts_with(step)), "{step} in {}", plan.join("\n"));
        }
    }
}

/// One more than a walk of people (`WALK`), imported, then given an entry-level title in
/// marketing and scores from 1 to 99, but for four chief people officers (c-level, HR): two
/// scored 100 and two scored 0, so a walk from either end finds two and stops before the other
/// two.
async fn four_rare_people_at_both_ends_of_a_long_book(app: &TestApp) {
    use occ_core::contacts::list::WALK;
    let mut csv = String::from("first_name,last_name,email\n");
    for i in 0..WALK + 100 {
        csv.push_str(&format!("P{i},Long,p{i}@long.example\n"));
    }
    let url = app.url("/api/v1/import");
    let import = app.send(app.client.post(url).header("content-type", "text/csv").body(csv)).await;
    assert_eq!(import.status, 200, "{}", import.text);
    let conn = app.db.conn().await;
    for sql in [
        "INSERT INTO audit_log (id, at, actor, action, entity, entity_id) \
         SELECT lower(hex(randomblob(16))), '2026-01-01T00:00:00Z', 'system', 'test.set', 'contact', id FROM contacts",
        "UPDATE contacts SET seniority = CASE WHEN rowid IN (5, 300, 600, 900) THEN 'c_level' ELSE 'entry' END, \
         department = CASE WHEN rowid IN (5, 300, 600, 900) THEN 'hr' ELSE 'marketing' END, \
         priority_score = CASE WHEN rowid IN (5, 600) THEN 100 WHEN rowid IN (300, 900) THEN 0 \
         ELSE 1 + rowid * 37 % 99 END",
    ] {
        conn.execute(sql, ()).await.expect(sql);
    }
}

#[tokio::test]
async fn a_page_whose_filters_pass_few_contacts_stops_after_a_walk_and_the_next_goes_on_from_there() {
    use occ_core::contacts::list::WALK;
    let app = spawn_app().await;
    four_rare_people_at_both_ends_of_a_long_book(&app).await;
    let conn = app.db.conn().await;
    let expected = |order: &'static str| {
        let conn = &conn;
        async move {
            conn.query_all(
                &format!("SELECT id FROM contacts WHERE seniority = 'c_level' AND department = 'hr' ORDER BY {order}"),
                (),
                |row| occ_core::store::col::<String>(row, 0),
            )
            .await
            .expect("expected order")
        }
    };
    let best_first = expected("priority_score DESC, id").await;
    assert_eq!(best_first.len(), 4);
    let rare = "seniority=c_level&department=hr";
    // The first page walks from the best: two found, then the walk ends before the page is full.
    let first = app.get(&format!("/api/v1/contacts?{rare}&limit=3")).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let found: Vec<&str> = first.body["items"].as_array().expect("items").iter().map(id).collect();
    assert_eq!(found, best_first[..2], "{}", first.text);
    assert_eq!(first.body["stopped_after"], json!(WALK), "{}", first.text);
    let next = first.body["next_cursor"].as_str().expect("a cursor from where the walk stopped");
    let rest = app.get(&format!("/api/v1/contacts?{rare}&limit=3&cursor={next}")).await;
    let found: Vec<&str> = rest.body["items"].as_array().expect("items").iter().map(id).collect();
    assert_eq!(found, best_first[2..], "{}", rest.text);
    assert_eq!((&rest.body["next_cursor"], rest.body.get("stopped_after")), (&Value::Null, None), "{}", rest.text);
    // Every order and range goes through them all, once each.
    let mut worst_first = best_first.clone();
    worst_first.reverse();
    for (query, ids) in [
        (rare.to_owned(), &best_first),
        (format!("{rare}&sort=-priority"), &worst_first),
        (format!("{rare}&stage=new"), &best_first),
        (format!("{rare}&stage=new&sort=-priority"), &worst_first),
        (format!("{rare}&owner=me"), &best_first),
        (format!("{rare}&status=active&stage=new"), &best_first),
        (format!("{rare}&sort=created_at"), &expected("created_at, id").await),
        (format!("{rare}&sort=-updated_at"), &expected("updated_at DESC, id DESC").await),
    ] {
        assert_eq!(&paged(&app, &query).await, ids, "{query}");
    }
    // Each walk seeks its range in order, a row at a time: nothing is sorted, so a page that
    // fills early stops early.
    for (sql, range) in occ_core::contacts::list::WALKED_SQL.iter().zip([
        "idx_contacts_priority (",
        "idx_contacts_stage_priority (stage=? AND ",
        "idx_contacts_owner (owner_id=? AND ",
        "idx_contacts_owner_stage (owner_id=? AND stage=? AND ",
        "idx_contacts_active_pipeline (status=? AND stage=? AND ",
    ]) {
        let plan = query_plan(&conn, sql).await;
        let seek = format!("SEARCH contacts USING INDEX {range}priority_score>?)");
        assert!(plan.iter().any(|line| line.starts_with(&seek)), "{seek} in {}", plan.join("\n"));
        assert!(!plan.iter().any(|line| line.contains("TEMP B-TREE")), "nothing sorted: {}", plan.join("\n"));
    }
    // A combination nobody has reads the book a walk at a time, to its end.
    let nobody = app.get("/api/v1/contacts?seniority=vp&department=hr&limit=3").await;
    assert_eq!((nobody.body["items"].as_array().map(Vec::len), &nobody.body["stopped_after"]), (Some(0), &json!(WALK)));
    assert!(paged(&app, "seniority=vp&department=hr").await.is_empty());
}

#[tokio::test]
async fn a_page_of_one_company_reads_its_people_in_any_sort() {
    use occ_core::contacts::list::ONE_ACCOUNT_SQL;
    let app = spawn_app().await;
    a_common_and_a_rare_industry(&app).await;
    let conn = app.db.conn().await;
    let account: String = conn
        .query_one("account", "SELECT id FROM accounts WHERE name = 'Rare 1'", (), |row| occ_core::store::col(row, 0))
        .await
        .expect("account");
    for (query, order) in [
        ("", "priority_score DESC, id"),
        ("&sort=-priority", "priority_score, id DESC"),
        ("&sort=-created_at", "created_at DESC, id DESC"),
        ("&status=active", "priority_score DESC, id"),
    ] {
        let expected = conn
            .query_all(
                &format!("SELECT id FROM contacts WHERE account_id = ?1 ORDER BY {order}"),
                [account.as_str()],
                |row| occ_core::store::col::<String>(row, 0),
            )
            .await
            .expect("expected order");
        assert_eq!(expected.len(), 3);
        assert_eq!(paged(&app, &format!("account_id={account}{query}")).await, expected, "{query}");
    }
    let plan = query_plan(&conn, ONE_ACCOUNT_SQL).await;
    let seek = "SEARCH contacts USING INDEX idx_contacts_account (account_id=?)";
    assert!(plan.iter().any(|line| line.starts_with(seek)), "{seek} in {}", plan.join("\n"));
}

#[tokio::test]
async fn contact_changes_are_audited_and_unaudited_changes_refused() {
    let app = spawn_app().await;
    let contact = create(&app, json!({"first_name": "Ana", "email": "ana@acme.com"})).await;
    let path = format!("/api/v1/contacts/{}", id(&contact));
    app.patch(&path, json!({"last_name": "López"})).await;
    let log = app.get(&format!("/api/v1/audit?entity=contact&entity_id={}", id(&contact))).await;
    let items = log.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["action"], "contact.update");
    assert_eq!((&items[0]["before"]["last_name"], &items[0]["after"]["last_name"]), (&Value::Null, &json!("López")));
    let conn = app.db.conn().await;
    let sneaky = conn.execute("UPDATE contacts SET email = 'x@y.com' WHERE id = ?1", [id(&contact)]).await;
    assert!(sneaky.is_err(), "the database refuses a change without its audit entry");
    conn.execute("UPDATE contacts SET priority_score = 55 WHERE id = ?1", [id(&contact)])
        .await
        .expect("scores move freely");
}

#[tokio::test]
async fn contact_routes_stay_within_their_database_call_budget() {
    let app = spawn_app().await;
    app.get("/api/v1/contacts").await;
    let created = app.post("/api/v1/contacts", json!({"first_name": "Ana"})).await;
    // Creating, rescoring and moving a contact: one write, which computes the score as it
    // stores it.
    assert_eq!(created.work_round_trips(), 1, "create");
    let path = format!("/api/v1/contacts/{}", id(&created.body));
    let patched = app.patch(&path, json!({"notes": "x", "phone": "+1 555 0100"})).await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.work_round_trips(), 1, "an edit of what the score does not read");
    let rescored = app.patch(&path, json!({"seniority": "vp"})).await;
    assert_eq!(rescored.status, 200, "{}", rescored.text);
    assert_eq!(rescored.work_round_trips(), 1, "an edit that rescores");
    assert_ne!(rescored.body["priority_score"], created.body["priority_score"], "rescored: {}", rescored.text);
    assert_eq!(patched.body["priority_score"], created.body["priority_score"]);
    let moved = app.post(&format!("{path}/stage"), json!({"stage": "researched"})).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(moved.work_round_trips(), 1, "stage");
    assert!(app.get(&path).await.db_calls() <= 1 + 2);
    assert!(app.get("/api/v1/contacts?q=ana&stage=new,touched&industry=x&min_priority=1").await.db_calls() <= 1 + 2);
}

#[tokio::test]
async fn stages_move_by_the_table_and_only_managers_override_with_a_reason() {
    let app = spawn_app().await;
    let contact = create(&app, json!({"first_name": "Ana"})).await;
    assert_eq!(contact["next_stages"], json!(["researched", "drafted", "touched", "sequencing", "not_interested"]));
    let path = format!("/api/v1/contacts/{}/stage", id(&contact));
    let moved = app.post(&path, json!({"stage": "touched"})).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(moved.body["stage"], "touched");
    let refused = app.post(&path, json!({"stage": "opportunity"})).await;
    assert_eq!(refused.status, 409);
    let message = refused.body["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("sequencing") && message.contains("meeting_booked"),
        "names the allowed stages: {message}"
    );
    assert_eq!(refused.field_errors(), [("stage".to_owned(), "transition".to_owned())]);

    let no_reason = app.post(&path, json!({"stage": "opportunity", "override": true})).await;
    assert_eq!(no_reason.field_errors(), [("reason".to_owned(), "required".to_owned())]);
    let bdr = app.token_for(Role::Bdr, &[Scope::Write]).await;
    let as_bdr = app
        .send_raw(
            app.client
                .post(app.url(&path))
                .bearer_auth(&bdr)
                .json(&json!({"stage": "opportunity", "override": true, "reason": "x"})),
        )
        .await;
    assert_eq!(as_bdr.status, 403);
    let overridden =
        app.post(&path, json!({"stage": "opportunity", "override": true, "reason": "signed at the conference"})).await;
    assert_eq!(overridden.status, 200, "{}", overridden.text);
    let log = app.get(&format!("/api/v1/audit?entity=contact&entity_id={}", id(&contact))).await;
    let entry = &log.body["items"][0];
    assert_eq!(entry["action"], "contact.stage_override");
    assert_eq!(entry["reason"], "signed at the conference");
    assert_eq!(
        (entry["before"]["stage"].as_str(), entry["after"]["stage"].as_str()),
        (Some("touched"), Some("opportunity"))
    );
    app.assert_queue_kept().await;
}

#[tokio::test]
async fn bulk_updates_answer_per_contact_under_the_same_rules() {
    let app = spawn_app().await;
    let fresh = create(&app, json!({"first_name": "Fresh"})).await;
    let touched = create(&app, json!({"first_name": "Touched"})).await;
    app.post(&format!("/api/v1/contacts/{}/stage", id(&touched)), json!({"stage": "touched"})).await;
    let missing = "01936b2e-0000-7000-8000-000000000000";
    let answer = app
        .post(
            "/api/v1/contacts/bulk",
            json!({"ids": [id(&fresh), id(&touched), missing, id(&fresh)], "stage": "researched"}),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let results = answer.body["results"].as_array().expect("results");
    assert_eq!(results.len(), 3, "duplicates count once");
    assert_eq!(results[0]["ok"], true);
    assert_eq!(results[1]["ok"], false);
    assert!(results[1]["error"]["message"].as_str().expect("why").contains("cannot move"));
    assert_eq!(results[2]["error"]["code"], "not_found");
    assert_eq!(answer.work_round_trips(), 2, "the read of every contact, the changes with the commit");
    assert_eq!(app.get(&format!("/api/v1/contacts/{}", id(&fresh))).await.body["stage"], "researched");
    assert_eq!(app.get(&format!("/api/v1/contacts/{}", id(&touched))).await.body["stage"], "touched");

    let status = app
        .post(
            "/api/v1/contacts/bulk",
            json!({"ids": [id(&fresh), id(&touched)], "status": "do_not_contact", "owner_id": null}),
        )
        .await;
    assert!(status.body["results"].as_array().expect("results").iter().all(|r| r["ok"] == true), "{}", status.text);
    assert_eq!(status.work_round_trips(), 2, "the read, the changes and the ended outreach with the commit");
    let bdr = app.token_for(Role::Bdr, &[Scope::Write]).await;
    let lift = app
        .send_raw(
            app.client
                .post(app.url("/api/v1/contacts/bulk"))
                .bearer_auth(&bdr)
                .json(&json!({"ids": [id(&fresh)], "status": "active"})),
        )
        .await;
    assert_eq!(lift.body["results"][0]["ok"], false, "a bdr cannot lift do_not_contact: {}", lift.text);
    let log = app.get("/api/v1/audit?entity=contact").await;
    let pending = log.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["after"].is_null() && e["before"].is_null())
        .count();
    assert_eq!(pending, 0, "no audit entry is left without its change");
    for (body, field) in [
        (json!({"ids": [], "stage": "touched"}), "ids"),
        (json!({"ids": ["x"], "stage": "touched"}), "ids"),
        (json!({"ids": [id(&fresh)]}), "body"),
    ] {
        let answer = app.post("/api/v1/contacts/bulk", body.clone()).await;
        assert_eq!(answer.status, 422, "{body}");
        assert_eq!(answer.field_errors()[0].0, field, "{body}");
    }
    let bulk = app.post("/api/v1/contacts/bulk", json!({"ids": [id(&fresh), id(&touched)], "owner_id": null})).await;
    assert!(bulk.db_calls() <= 1 + 6, "bulk: {}", bulk.db_calls());
    app.assert_queue_kept().await;
}

#[tokio::test]
async fn the_reach_check_answers_per_channel_with_the_reason() {
    use occ_core::contacts::reach::{Refusal, may_contact};
    use occ_core::domain::enums::Channel;
    let app = spawn_app().await;
    let ana = create(&app, json!({"first_name": "Ana", "email": "ana@acme.com", "phone": "+1 415 555 0100"})).await;
    let bo =
        create(&app, json!({"first_name": "Bo", "email": "bo@blocked.example", "linkedin_url": "linkedin.com/in/bo"}))
            .await;
    let conn = app.db.conn().await;
    conn.execute(
        "INSERT INTO email_suppression (id, kind, value, reason, source, created_at) VALUES \
         ('s1', 'domain', 'blocked.example', 'manual', 'test', '2026-01-01T00:00:00.000Z')",
        (),
    )
    .await
    .expect("suppress a domain");
    assert_eq!(may_contact(&conn, id(&ana), Channel::Email).await.expect("ana"), Ok(()));
    assert_eq!(may_contact(&conn, id(&ana), Channel::Call).await.expect("ana"), Ok(()));
    assert_eq!(may_contact(&conn, id(&ana), Channel::Linkedin).await.expect("ana"), Err(Refusal::NoAddress));
    assert_eq!(may_contact(&conn, id(&bo), Channel::Email).await.expect("bo"), Err(Refusal::Suppressed));
    assert_eq!(may_contact(&conn, id(&bo), Channel::Linkedin).await.expect("bo"), Ok(()));
    app.post("/api/v1/contacts/bulk", json!({"ids": [id(&ana)], "status": "do_not_contact"})).await;
    for channel in Channel::ALL {
        assert_eq!(may_contact(&conn, id(&ana), *channel).await.expect("ana"), Err(Refusal::DoNotContact), "{channel}");
    }
    assert!(may_contact(&conn, "01936b2e-0000-7000-8000-000000000000", Channel::Email).await.is_err());
}

#[tokio::test]
async fn score_history_lists_a_contacts_scores_oldest_first() {
    let app = spawn_app().await;
    let contact = create(&app, json!({"first_name": "Ana"})).await;
    let path = format!("/api/v1/contacts/{}/score-history", id(&contact));
    let first = app.get(&path).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body["items"].as_array().map(Vec::len), Some(1), "scored when created: {}", first.text);
    let conn = app.db.conn().await;
    for (n, (score, at)) in [(40, "2026-11-02T00:00:00.000Z"), (10, "2026-11-01T00:00:00.000Z")].iter().enumerate() {
        conn.execute(
            "INSERT INTO icp_scores (id, contact_id, score, factors, config_version, computed_at) VALUES (?1, ?2, ?3, '{\"signals\": 10}', 0, ?4)",
            libsql::params![format!("h{n}"), id(&contact), *score, *at],
        )
        .await
        .expect("history");
    }
    let history = app.get(&path).await;
    let scores: Vec<i64> =
        history.body["items"].as_array().expect("items").iter().map(|p| p["score"].as_i64().expect("score")).collect();
    assert_eq!(scores, [10, 40, contact["priority_score"].as_i64().expect("score")]);
    assert_eq!(history.body["items"][0]["factors"], json!({"signals": 10}));
    assert_eq!(app.get("/api/v1/contacts/01936b2e-0000-7000-8000-000000000000/score-history").await.status, 404);
}
