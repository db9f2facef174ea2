//! What the bench asks: a sample of the book to ask about, and one measure per endpoint.

use anyhow::{Context as _, bail};
use occ_core::store::{from_row, single};
use serde::Deserialize;
use serde_json::{Value, json};

use super::client::{Answer, Bench, Credential};
use super::{Measure, summarize};

/// What the endpoints are asked about: the best contact, its company, an industry, a name to
/// search (the start of a common one) and the contact's address (one person), the cursor of a
/// page far down the default list and of one halfway down the companies by name, the book's
/// experiment, and the rep whose day is measured.
pub(super) struct Sample {
    pub(super) contact: String,
    pub(super) account: String,
    pub(super) industry: String,
    pub(super) search: String,
    pub(super) search_one: String,
    pub(super) deep_cursor: String,
    pub(super) accounts_cursor: String,
    pub(super) experiment: String,
    pub(super) rep: String,
}

impl Bench {
    /// Picks the sample from the book, and the deep page's cursor by paging ten pages down.
    pub(super) async fn sample(&self) -> anyhow::Result<Sample> {
        let conn = self.ctx.store.connect().await?;
        /// The best-scored contact with a company, as the sample's statements need it.
        #[derive(Deserialize)]
        struct Picked {
            contact: String,
            account: String,
            industry: String,
            last_name: String,
            email: String,
        }
        let Picked { contact, account, industry, last_name, email } = conn
            .query_one(
                "sample",
                "SELECT c.id AS contact, a.id AS account, coalesce(a.industry, '') AS industry, \
                 coalesce(c.last_name, c.first_name) AS last_name, coalesce(c.email, c.first_name) AS email \
                 FROM contacts c JOIN accounts a ON a.id = c.account_id ORDER BY c.priority_score DESC, c.id LIMIT 1",
                (),
                from_row,
            )
            .await?;
        /// The company halfway down the list by name, as the list's cursor holds it.
        #[derive(Deserialize)]
        struct Halfway {
            name: String,
            id: String,
        }
        let Halfway { name, id } = conn
            .query_one(
                "accounts halfway",
                "SELECT name, id FROM accounts ORDER BY name COLLATE NOCASE, id \
                 LIMIT 1 OFFSET (SELECT count(*) / 2 FROM accounts)",
                (),
                from_row,
            )
            .await?;
        let accounts_cursor = occ_core::http::encode_cursor(&occ_core::accounts::list::Cursor(name, id))?;
        let experiment = conn
            .query_one("experiment", "SELECT id FROM experiments ORDER BY created_at, id LIMIT 1", (), single::<String>)
            .await
            .context("the book has no experiment: it was made by an older `occ seed --synthetic`; delete target/bench/occ-<N>.db to make it again")?;
        let rep = occ_core::seed::first_rep(&conn).await?.context(
            "the book has no team: it was made by an older `occ seed --synthetic`; delete target/bench/occ-<N>.db to make it again",
        )?;
        // Ten pages of 200 down the default list.
        let mut cursor = String::new();
        for _ in 0..10 {
            let path = if cursor.is_empty() {
                "/api/v1/contacts?limit=200".to_owned()
            } else {
                format!("/api/v1/contacts?limit=200&cursor={cursor}")
            };
            let page = self.ok("GET", &path, None).await?;
            match page.body["next_cursor"].as_str() {
                Some(next) => cursor = next.to_owned(),
                None => break,
            }
        }
        let encode = |text: &str| text.replace(' ', "%20").replace('&', "%26").replace('+', "%2B");
        Ok(Sample {
            contact,
            account,
            industry: encode(&industry),
            search: encode(&last_name.chars().take(4).collect::<String>()),
            search_one: encode(&email),
            deep_cursor: cursor,
            accounts_cursor,
            experiment,
            rep,
        })
    }

    /// Measures a read as the bench's admin.
    pub(super) async fn read(&self, name: &str, path: &str) -> anyhow::Result<Measure> {
        self.read_as(name, path, None).await
    }

    /// Measures a read with `credential` (a rep's), else as the bench's admin.
    pub(super) async fn read_as(
        &self,
        name: &str,
        path: &str,
        mut credential: Option<&mut Credential>,
    ) -> anyhow::Result<Measure> {
        let get = async |credential: Option<&mut Credential>| match credential {
            Some(credential) => self.call_as(credential, "GET", path, None).await,
            None => self.call("GET", path, None).await,
        };
        for _ in 0..(self.reps / 10).max(1) {
            get(credential.as_deref_mut()).await?;
        }
        let mut taken = Taken::default();
        for _ in 0..self.reps {
            taken.add(get(credential.as_deref_mut()).await?);
        }
        Ok(taken.measure(&self.name(name), false))
    }

    /// Measures every read of `sample`: the admin's, then the rep's.
    pub(super) async fn reads(&self, sample: &Sample) -> anyhow::Result<Vec<Measure>> {
        let mut measures = Vec::new();
        for (name, path) in sample.reads() {
            measures.push(self.read(name, &path).await?);
        }
        let mut rep = Credential::of_rep(self, &sample.rep).await?;
        for (name, path) in Sample::rep_reads() {
            measures.push(self.read_as(name, path, Some(&mut rep)).await?);
        }
        Ok(measures)
    }

    /// Measures approving a draft: each repetition approves a fresh one, written beforehand.
    pub(super) async fn approve(&self, contact: &str) -> anyhow::Result<Measure> {
        let mut drafts = Vec::with_capacity(self.reps);
        for n in 0..self.reps {
            let body = json!({"contact_id": contact, "channel": "linkedin",
                              "body": format!("Hi, a short note from the benchmark, number {n}.")});
            let made = self.ok("POST", "/api/v1/drafts", Some(&body)).await?;
            let id = made.body["id"].as_str().context("a draft id")?.to_owned();
            self.ok("POST", &format!("/api/v1/drafts/{id}/submit"), Some(&json!({}))).await?;
            drafts.push(id);
        }
        let mut taken = Taken::default();
        for id in &drafts {
            taken.add(self.call("POST", &format!("/api/v1/drafts/{id}/approve"), Some(&json!({}))).await?);
        }
        // Nothing the benchmark wrote is left to be sent.
        for id in &drafts {
            self.call("POST", &format!("/api/v1/drafts/{id}/archive"), Some(&json!({}))).await?;
        }
        taken.rows = 1;
        Ok(taken.measure(&self.name("draft approve"), true))
    }

    /// Measures rescoring one contact: each repetition changes the contact's seniority (which
    /// the model reads), and the score is recomputed in the same transaction. The seniority is
    /// put back afterwards.
    pub(super) async fn rescore_one(&self, contact: &str) -> anyhow::Result<Measure> {
        let path = format!("/api/v1/contacts/{contact}");
        let before = self.ok("GET", &path, None).await?.body["seniority"].clone();
        let mut taken = Taken::default();
        for n in 0..self.reps {
            let seniority = if n % 2 == 0 { "vp" } else { "director" };
            let answer = self.call("PATCH", &path, Some(&json!({ "seniority": seniority }))).await?;
            if (200..300).contains(&answer.status) && answer.body["seniority"] != seniority {
                bail!("the seniority did not change: {}", answer.body);
            }
            taken.add(answer);
        }
        self.ok("PATCH", &path, Some(&json!({ "seniority": before }))).await?;
        taken.rows = 1;
        Ok(taken.measure(&self.name("score recompute (one contact)"), true))
    }
}

/// What the measured requests of one endpoint took. An answer that is not 2xx is counted as
/// failed, and the measuring goes on: one 503 says something about the run, not the end of it.
#[derive(Default)]
struct Taken {
    times: Vec<f64>,
    calls: u64,
    round_trips: Option<u64>,
    round_trips_fewest: Option<u64>,
    rows: usize,
    failed: usize,
    /// The first failure, to say what it was.
    first_failure: Option<String>,
}

impl Taken {
    fn add(&mut self, answer: Answer) {
        if !(200..300).contains(&answer.status) {
            self.failed += 1;
            self.first_failure.get_or_insert_with(|| format!("{}: {}", answer.status, answer.body));
            return;
        }
        self.times.push(answer.millis);
        self.calls = self.calls.max(answer.calls);
        self.round_trips = self.round_trips.max(answer.round_trips);
        self.round_trips_fewest = match (self.round_trips_fewest, answer.round_trips) {
            (Some(fewest), Some(trips)) => Some(fewest.min(trips)),
            (fewest, trips) => fewest.or(trips),
        };
        self.rows = rows_of(&answer.body);
    }

    fn measure(self, name: &str, write: bool) -> Measure {
        if let Some(failure) = &self.first_failure {
            eprintln!("\n{name}: {} of its requests failed, the first with {failure}", self.failed);
        }
        let mut measure = summarize(name, self.times, self.calls, self.rows, write);
        measure.round_trips = self.round_trips;
        measure.round_trips_fewest = self.round_trips_fewest;
        measure.failed = self.failed;
        measure
    }
}

impl Sample {
    /// The reads every run measures, by name.
    pub(super) fn reads(&self) -> Vec<(&'static str, String)> {
        vec![
            ("today queue", "/api/v1/queue?scope=team".to_owned()),
            ("contacts: default view", "/api/v1/contacts".to_owned()),
            ("contacts: filtered", format!("/api/v1/contacts?status=active&industry={}&sort=priority", self.industry)),
            ("contacts: one industry in one stage", format!("/api/v1/contacts?stage=new&industry={}", self.industry)),
            (
                "contacts: stage, seniority, min score",
                "/api/v1/contacts?stage=new&seniority=vp&min_priority=40".to_owned(),
            ),
            // Nobody in the synthetic book is both: the page reads a whole walk and stops.
            ("contacts: a combination nobody has", "/api/v1/contacts?seniority=c_level&department=hr".to_owned()),
            ("contacts: one company's", format!("/api/v1/contacts?account_id={}", self.account)),
            ("contacts: text search", format!("/api/v1/contacts?q={}", self.search)),
            ("contacts: text search, one person", format!("/api/v1/contacts?q={}", self.search_one)),
            ("contacts: deep page", format!("/api/v1/contacts?cursor={}", self.deep_cursor)),
            ("contact detail", format!("/api/v1/contacts/{}", self.contact)),
            ("prep card", format!("/api/v1/prep/{}", self.contact)),
            ("account detail", format!("/api/v1/accounts/{}", self.account)),
            ("accounts: default view", "/api/v1/accounts".to_owned()),
            ("accounts: one industry", format!("/api/v1/accounts?industry={}", self.industry)),
            // No company in the synthetic book has it: the page finds that from the index alone.
            ("accounts: an industry nobody has", "/api/v1/accounts?industry=Nobody&sort=-created_at".to_owned()),
            ("accounts: deep page", format!("/api/v1/accounts?cursor={}", self.accounts_cursor)),
            ("pacing", "/api/v1/pacing".to_owned()),
            ("pipeline board", "/api/v1/pipeline".to_owned()),
            ("linkedin stats", "/api/v1/linkedin/stats?scope=team".to_owned()),
            ("review queue", "/api/v1/drafts?approval_status=pending".to_owned()),
            ("replies", "/api/v1/replies".to_owned()),
            ("replies waiting", "/api/v1/replies/waiting?scope=team".to_owned()),
            ("opportunities", "/api/v1/opportunities".to_owned()),
            ("audit log", "/api/v1/audit".to_owned()),
            ("dashboard", "/api/v1/dashboard?scope=team&days=30".to_owned()),
            ("analytics: reply rate by industry", "/api/v1/analytics?metric=reply_rate&by=industry".to_owned()),
            ("analytics: 90-day series", "/api/v1/analytics/series?metric=sends".to_owned()),
            ("experiment results", format!("/api/v1/experiments/{}", self.experiment)),
        ]
    }

    /// The reads measured as the sample's rep, by name: their own day.
    pub(super) fn rep_reads() -> [(&'static str, &'static str); 2] {
        [("today queue (one rep)", "/api/v1/queue"), ("contacts: one rep's", "/api/v1/contacts?owner=me")]
    }
}

/// The rows an answer carries: a list's items, or one.
pub(super) fn rows_of(body: &Value) -> usize {
    match &body["items"] {
        Value::Array(items) => items.len(),
        _ => 1,
    }
}
