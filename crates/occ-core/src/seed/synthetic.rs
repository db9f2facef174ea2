//! `occ seed --synthetic`: a large book for benchmarks, written in chunks with progress.

use serde_json::{Value, json};

use super::book::{generate, insert_book};
use super::deferred::{Deferred, Plan};
use super::values::{Insert, Param, ROWS_PER_STATEMENT, fields};
use crate::domain::{new_id, now, stored};
use crate::error::AppResult;
use crate::store::{Conn, single};

/// Signals for a synthetic book: some accounts and some contacts get one or two.
fn synthetic_signals(rng: &mut fastrand::Rng, accounts: &[Value], contacts: &[Value]) -> Vec<Value> {
    const KINDS: &[(&str, &str)] = &[
        ("funding", "Raised a new round"),
        ("hiring", "Hiring for revenue roles"),
        ("tech_adoption", "Adopted a tool we integrate with"),
        ("news", "In the news"),
        ("job_change", "Started a new role"),
        ("website_visit", "Visited the pricing page"),
        ("content_engagement", "Downloaded the benchmark report"),
    ];
    let mut signals = Vec::new();
    let subjects = accounts.iter().map(|a| ("account_id", a)).chain(contacts.iter().map(|c| ("contact_id", c)));
    for (key, subject) in subjects {
        if rng.u8(..4) != 0 {
            continue;
        }
        let (kind, title) = KINDS[rng.usize(..KINDS.len())];
        let occurred = chrono::Utc::now() - chrono::Duration::days(rng.i64(0..120));
        signals.push(json!({
            "id": new_id(), key: subject["id"], "kind": kind, "strength": rng.i64(1..=5), "title": title,
            "occurred_at": occurred.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        }));
    }
    signals
}

/// The synthetic book's team: reps who own its contacts, all of an account's people going to
/// one rep, and [`UNOWNED`] accounts in every `REPS + UNOWNED` going to nobody yet.
const REPS: usize = 20;

/// Accounts left to nobody in every `REPS + UNOWNED`: about one in eleven.
const UNOWNED: usize = 2;

/// The synthetic book's history is a team's year, not the book's: only its first contacts
/// (as many as a team of [`REPS`] works in a year) have one, however big the book. The rest
/// are the reserve a big book holds, untouched or touched before the year began.
const HISTORY_CONTACTS: usize = 100_000;

/// The reps' addresses: `rep01@synthetic.occ.local` and on.
fn rep_email(n: usize) -> String {
    format!("rep{:02}@synthetic.occ.local", n + 1)
}

/// Makes the team's reps (bdrs, each with a password of its own nobody knows: an admin sets
/// one to sign in as them) and answers their ids, in order.
async fn team(conn: &Conn) -> AppResult<Vec<String>> {
    use crate::auth::users;
    use crate::domain::{EmailAddress, enums::Role};
    let actor = crate::audit::Actor { name: "seed".to_owned(), user_id: None, request_id: None };
    let mut ids = Vec::with_capacity(REPS);
    for n in 0..REPS {
        let email = EmailAddress::parse(&rep_email(n)).map_err(|m| crate::AppError::Internal(anyhow::anyhow!(m)))?;
        let hash = crate::access::secrets::hash_password(&crate::access::secrets::random_secret()?)?;
        let user = users::insert(conn, &actor, &email, &format!("Rep {:02}", n + 1), Role::Bdr, &hash).await?;
        ids.push(user.id);
    }
    Ok(ids)
}

/// The synthetic book's first rep (the bench measures a rep's Today as this one).
pub async fn first_rep(conn: &Conn) -> AppResult<Option<String>> {
    conn.query_opt("SELECT id FROM users WHERE email = ?1", [rep_email(0)], single).await
}

/// Who owns the accounts numbered `n` on (and their people): a rep, or nobody.
fn owner_of(reps: &[String], n: usize) -> Option<&str> {
    reps.get(n % (REPS + UNOWNED)).map(String::as_str)
}

/// How long the synthetic book's experiment has been running.
const TRIAL_DAYS: i64 = 120;

/// The synthetic book's experiment: a subject line on the first email step of its sequences,
/// running for [`TRIAL_DAYS`] over the history's emails, control against a question.
async fn start_trial(conn: &Conn, trial: &super::history::Trial, at: &str) -> AppResult<()> {
    let required = crate::insights::stats::sample_size_per_arm(0.06, 0.02).unwrap_or(1);
    let [control, question] = &trial.variants;
    conn.execute(
        "INSERT INTO experiments (id, name, hypothesis, step_id, field, channel, metric, status, baseline_rate, min_effect, \
         min_sample_size, started_at, created_at, updated_at) \
         SELECT ?1, 'Question subject line', 'A subject that asks a question gets more replies than a statement.', s.id, \
         'subject', 'email', 'reply_rate', 'running', 0.06, 0.02, ?2, ?3, ?3, ?4 \
         FROM sequence_steps s WHERE s.kind = 'email' ORDER BY s.created_at, s.position LIMIT 1",
        libsql::params![trial.experiment_id.as_str(), required as i64, stored(trial.since), at],
    )
    .await?;
    conn.execute(
        "INSERT INTO experiment_variants (id, experiment_id, name, is_control, weight, content, position, created_at, updated_at) \
         VALUES (?2, ?1, 'Control', 1, 50, 'Quick question', 0, ?4, ?4), \
                (?3, ?1, 'Question', 0, 50, 'Is outbound still hand-built at {{company}}?', 1, ?4, ?4)",
        libsql::params![trial.experiment_id.as_str(), control.as_str(), question.as_str(), at],
    )
    .await?;
    Ok(())
}

/// Loads a large synthetic book for benchmarks: about `contacts` contacts at a tenth as many
/// accounts, owned by a team of [`REPS`] reps (a few accounts by nobody), with signals and, in
/// every chunk, the demo's day of outreach (two sequences shared by all), the first
/// [`HISTORY_CONTACTS`] over a year of past sends, replies and meetings, in transactions of a
/// few thousand contacts (or sends). What it writes the most goes in without the indexes and
/// roll-up triggers it does not read ([`SET_ASIDE`]), which are made again after it, and the
/// sends' roll-ups are counted once at the end. `progress` hears the count written so far.
/// Only into a database without accounts.
///
/// On the embedded file the load does not wait for the disk at each checkpoint (`synchronous
/// = OFF`; a tenth of its time): it fills an empty database, and a book cut short by a power
/// cut is seeded again into a new file, not mended. Its end is made durable before it answers
/// (a checkpoint with the usual setting syncs the file).
pub async fn synthetic(conn: &Conn, contacts: usize, progress: impl Fn(usize)) -> AppResult<Option<String>> {
    let has_data = conn.query_one("accounts", "SELECT EXISTS (SELECT 1 FROM accounts)", (), single::<bool>).await?;
    if has_data {
        return Ok(None);
    }
    let unsynced = conn.is_local();
    if unsynced {
        conn.execute("PRAGMA synchronous = OFF", ()).await?;
    }
    let loaded = load_aside(conn, contacts, progress).await;
    if unsynced {
        conn.execute("PRAGMA synchronous = NORMAL", ()).await?;
        conn.query_all("PRAGMA wal_checkpoint(TRUNCATE)", (), |_| Ok(())).await?;
    }
    loaded.map(Some)
}

/// [`load`] with [`SET_ASIDE`] set aside, made again and counted whatever became of the load:
/// a book cut short still answers its queries.
async fn load_aside(conn: &Conn, contacts: usize, progress: impl Fn(usize)) -> AppResult<String> {
    let deferred = Deferred::set_aside(conn, SET_ASIDE).await?;
    let loaded = load(conn, contacts, progress).await;
    deferred.restore(conn).await?;
    super::rollups::derive(conn).await?;
    loaded
}

/// What the load sets aside (see [`super::deferred`]).
/// - The indexes of the tables it fills the most. Not of those it reads as it goes: the audit
///   log (each new row finds its entry), signals (each score reads them). The history's
///   million sends, written with their indexes, spent a third of their time in them (at 100k
///   contacts, 31 of 88 s), and the events of its LinkedIn sends a third of what was left.
/// - The replies' index by owner and day (migration 0021), which no write of the load reads;
///   it is its table's newest, so made again it keeps its place in the schema's order.
/// - But the sends of a draft are read: the review queue's view looks them up as each of the
///   day's drafts is written (without that index, every draft read every send).
/// - The triggers that keep the sends' roll-ups ([`super::rollups`]) and the one that writes
///   their facts ([`super::facts`]: the planner works them out).
const SET_ASIDE: Plan = Plan {
    tables: &["contacts", "icp_scores", "touchpoints", "linkedin_events"],
    indexes: &["idx_replies_owner_day"],
    read: &["idx_touchpoints_draft"],
    triggers: &[super::rollups::TRIGGERS, &[super::facts::TRIGGER]],
};

/// The synthetic signals, each about a person or a company.
const INSERT_SIGNALS: Insert = Insert {
    head: "INSERT INTO signals (id, contact_id, account_id, kind, strength, title, occurred_at, created_at, updated_at) \
           SELECT column1, column2, column3, column4, column5, column6, column7, ?1, ?1",
    tail: "",
    width: SIGNAL_FIELDS.len(),
    rows: 4 * ROWS_PER_STATEMENT,
};
const SIGNAL_FIELDS: &[&str] = &["id", "contact_id", "account_id", "kind", "strength", "title", "occurred_at"];

/// One chunk of the book as planned in memory: its accounts and people, the day's outreach over
/// them, the history of those in the team's year, their signals and whom those rescore.
struct Chunk {
    number: u64,
    accounts: Vec<Value>,
    people: Vec<Value>,
    outreach: super::rows::Outreach,
    history: super::history::History,
    signals: usize,
    /// The signals' values, as [`INSERT_SIGNALS`] reads them.
    signal_values: Vec<Param>,
}

/// Plans the book a chunk at a time, each where the one before left off. Planning reads and
/// writes no database, so it runs on a thread of its own, a chunk ahead of the writes (on a
/// second core, a tenth of the load's time).
struct Planner {
    contacts: usize,
    accounts_wanted: usize,
    model: crate::contacts::scoring::IcpConfig,
    reps: Vec<String>,
    started: chrono::DateTime<chrono::Utc>,
    trial: super::history::Trial,
    rng: fastrand::Rng,
    chunk: u64,
    planned_accounts: usize,
    planned_contacts: usize,
    sends: usize,
    sequences: Option<Vec<(String, Vec<String>)>>,
    zones: super::facts::Zones,
}

impl Iterator for Planner {
    type Item = AppResult<Chunk>;

    fn next(&mut self) -> Option<Self::Item> {
        const ACCOUNTS_PER_CHUNK: usize = 300;
        if self.planned_contacts >= self.contacts {
            return None;
        }
        let number = self.chunk;
        let left_accounts = self.accounts_wanted.saturating_sub(self.planned_accounts).max(1);
        let accounts_now = left_accounts.min(ACCOUNTS_PER_CHUNK);
        let (accounts, mut people) = generate(0x5eed + number, accounts_now, 6..15, &self.model);
        people.truncate(self.contacts - self.planned_contacts);
        let owners: std::collections::HashMap<&str, Option<&str>> = accounts
            .iter()
            .enumerate()
            .filter_map(|(i, a)| Some((a["id"].as_str()?, owner_of(&self.reps, self.planned_accounts + i))))
            .collect();
        // Unique addresses across chunks: the generator numbers them within its chunk only.
        for (i, person) in people.iter_mut().enumerate() {
            let owner = person["account_id"].as_str().and_then(|a| owners.get(a).copied().flatten());
            person["owner_id"] = json!(owner);
            let n = self.planned_contacts + i;
            let email = person["email"].as_str().unwrap_or("person@example.com").to_owned();
            let linkedin = person["linkedin_url"].as_str().unwrap_or("https://www.linkedin.com/in/person").to_owned();
            let (local, domain) = email.split_once('@').unwrap_or((&email, "example.com"));
            person["email"] = json!(format!("{local}.{n}@{domain}"));
            person["linkedin_url"] = json!(format!("{linkedin}-{n}"));
        }
        let accounts: Vec<Value> = accounts
            .into_iter()
            .enumerate()
            .map(|(i, mut a)| {
                let n = self.planned_accounts + i;
                let domain = a["domain"].as_str().unwrap_or("example.com").to_owned();
                a["domain"] = json!(format!("n{n}-{domain}"));
                a["name"] = json!(format!("{} {n}", a["name"].as_str().unwrap_or("Company")));
                a
            })
            .collect();
        // A day's outreach over every chunk: sequences walked, drafts to review and send,
        // replies, meetings (so Today, the review queue and the pipeline have work at scale).
        let mut outreach = super::outreach::plan_chunk(
            0x5eed + number,
            self.sends,
            &mut self.sequences,
            &accounts,
            &mut people,
            &self.model,
            self.started,
        );
        self.sends = outreach.sends();
        let mut history = if self.planned_contacts < HISTORY_CONTACTS {
            let walked = outreach.contacts_in("enrollments");
            let book = (accounts.as_slice(), people.as_slice());
            super::history::plan(0x5eed + number, super::history::YEAR, book, &walked, self.started, Some(&self.trial))
        } else {
            super::history::History::default()
        };
        let signals = synthetic_signals(&mut self.rng, &accounts, &people);
        let signal_values = fields(&signals, SIGNAL_FIELDS);
        write_facts(&self.zones, (&accounts, &people), &signals, &mut outreach, &mut history);
        rescore_signalled(&self.model, &accounts, &mut people, outreach.rows("signals").chain(&signals));
        self.chunk += 1;
        self.planned_accounts += accounts.len();
        self.planned_contacts += people.len();
        let signals = signals.len();
        Some(Ok(Chunk { number, accounts, people, outreach, history, signals, signal_values }))
    }
}

/// Works out the facts of a chunk's sends, those of its day's outreach (written with it, in
/// their place among its tables) and those of its history, in the order they are written, with
/// every signal of the chunk (`signals` and the outreach's): a send's fact names the newest
/// signal before it, whether the load writes that signal before the send or after.
fn write_facts(
    zones: &super::facts::Zones,
    (accounts, people): (&[Value], &[Value]),
    signals: &[Value],
    outreach: &mut super::rows::Outreach,
    history: &mut super::history::History,
) {
    use super::facts::{Chunk, Sent};
    let mut chunk = Chunk::new(zones, accounts, people, outreach, outreach.rows("signals").chain(signals));
    let day: Vec<Value> = outreach
        .rows("touchpoints")
        .filter(|t| t["status"] == "sent")
        .filter_map(|t| {
            Some(chunk.fact(Sent {
                id: t["id"].as_str()?,
                contact_id: t["contact_id"].as_str()?,
                channel: t["channel"].as_str()?,
                sent_at: t["sent_at"].as_str()?,
                variant_id: t["variant_id"].as_str(),
                enrollment_id: t["enrollment_id"].as_str(),
                draft_id: t["draft_id"].as_str(),
            }))
        })
        .collect();
    let past: Vec<Value> = history.sent().map(|sent| chunk.fact(sent)).collect();
    drop(chunk);
    for fact in day {
        outreach.push("send_facts", fact);
    }
    history.set_facts(past);
}

/// Scores again, with the model the database uses and as of now, the people `signals` are
/// about or whose companies they are about, with all of those signals: the scores the people
/// are written with are then those the database gives them once the signals are in (no one
/// else's score moves). The planner does it, on its own thread, rather than a statement after
/// each chunk's signals (7 s of a million-contact load).
fn rescore_signalled<'a>(
    model: &crate::contacts::scoring::IcpConfig,
    accounts: &[Value],
    people: &mut [Value],
    signals: impl Iterator<Item = &'a Value>,
) {
    use crate::contacts::scoring::SignalInput;
    let now = chrono::Utc::now();
    let mut about: std::collections::HashMap<&str, Vec<SignalInput>> = std::collections::HashMap::new();
    for signal in signals {
        let subject = signal["contact_id"].as_str().or_else(|| signal["account_id"].as_str());
        let occurred = signal["occurred_at"].as_str().and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok());
        let (Some(subject), Some(occurred)) = (subject, occurred) else { continue };
        // Whole seconds, as the database's `unixepoch` counts them.
        let age_days = (now.timestamp() - occurred.timestamp()) as f64 / 86_400.0;
        let strength = signal["strength"].as_i64().unwrap_or_default();
        about.entry(subject).or_default().push(SignalInput { strength, age_days });
    }
    let companies: std::collections::HashMap<&str, &Value> =
        accounts.iter().filter_map(|a| Some((a["id"].as_str()?, a))).collect();
    for person in people.iter_mut() {
        let own = person["id"].as_str().and_then(|id| about.get(id));
        let company = person["account_id"].as_str().and_then(|id| about.get(id));
        if own.is_none() && company.is_none() {
            continue;
        }
        let inputs: Vec<SignalInput> = own.into_iter().chain(company).flatten().copied().collect();
        let account = person["account_id"].as_str().and_then(|id| companies.get(id).copied()).unwrap_or(&Value::Null);
        super::book::rescore(model, account, person, &inputs);
    }
}

/// Writes the book into a database without accounts, as a [`Planner`] on its own thread plans
/// it; answers what it wrote, in words.
async fn load(conn: &Conn, contacts: usize, progress: impl Fn(usize)) -> AppResult<String> {
    let model = crate::settings::current_icp(conn).await?;
    let reps = team(conn).await?;
    let started = chrono::Utc::now();
    let trial = super::history::Trial {
        experiment_id: new_id(),
        variants: [new_id(), new_id()],
        since: started - chrono::Duration::days(TRIAL_DAYS),
    };
    let planner = Planner {
        contacts,
        accounts_wanted: contacts.div_ceil(10).max(1),
        model: model.value,
        reps,
        started,
        trial: trial.clone(),
        rng: fastrand::Rng::with_seed(0x5eed),
        chunk: 0,
        planned_accounts: 0,
        planned_contacts: 0,
        sends: 0,
        sequences: None,
        zones: super::facts::Zones::read(conn).await?,
    };
    // One chunk waits planned while the one before is written; the planner stops when the
    // writes do (a failed write drops the receiver).
    let (chunks, mut planned) = tokio::sync::mpsc::channel(1);
    let planning = std::thread::spawn(move || {
        for chunk in planner {
            if chunks.blocking_send(chunk).is_err() {
                break;
            }
        }
    });
    let (mut written_accounts, mut written_contacts, mut written_signals) = (0, 0, 0);
    let mut outreach_rows = [0; 4];
    let mut past = super::history::Written::default();
    while let Some(chunk) = planned.recv().await {
        let Chunk { number, accounts, people, outreach, history, signals, signal_values } = chunk?;
        let at = now();
        // The chunk's people, their history, then their signals: three steps, so the log holds a
        // few thousand sends at a time, not a year of them.
        conn.immediate(async |conn| {
            insert_book(conn, &accounts, &people, &at, model.version).await?;
            outreach.insert(conn).await?;
            if number == 0 {
                start_trial(conn, &trial, &at).await?;
            }
            Ok(())
        })
        .await?;
        past += history.insert(conn).await?;
        INSERT_SIGNALS.run(conn, &[Param::Text(at.clone())], signal_values).await?;
        written_accounts += accounts.len();
        written_contacts += people.len();
        written_signals += signals;
        outreach_rows[0] += outreach.count("touchpoints");
        outreach_rows[1] += outreach.count("message_drafts");
        outreach_rows[2] += outreach.count("replies");
        outreach_rows[3] += outreach.count("opportunities");
        progress(written_contacts);
    }
    // The planner has sent its last chunk; a panic in it would leave the book short.
    if planning.join().is_err() || written_contacts < contacts {
        return Err(crate::AppError::Internal(anyhow::anyhow!(
            "the synthetic book's planner stopped after {written_contacts} of {contacts} contacts"
        )));
    }
    let [touchpoints, drafts, replies, opportunities] = outreach_rows;
    Ok(format!(
        "{written_accounts} accounts, {written_contacts} contacts, {written_signals} signals, \
         {} touchpoints, {drafts} drafts, {} replies, {} opportunities",
        touchpoints + past.touchpoints,
        replies + past.replies,
        opportunities + past.opportunities,
    ))
}
