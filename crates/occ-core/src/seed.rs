//! Demo data: a realistic book of accounts and contacts for trying OCC, generated from a fixed
//! seed (the same data every time) and written set-wise, a handful of database calls in all.

use serde_json::{Value, json};

use crate::domain::enums::{Seniority, Stage};
use crate::domain::{new_id, now};
use crate::error::AppResult;
use crate::scoring::{self, IcpConfig, Inputs};
use crate::store::{Conn, col};

const INDUSTRIES: &[(&str, &[&str])] = &[
    ("Fintech", &["Payments", "Lending", "Banking infrastructure", "Wealth management"]),
    ("Healthcare", &["Digital health", "Medical devices", "Health insurance"]),
    ("SaaS", &["Developer tools", "HR software", "Marketing automation", "Data infrastructure"]),
    ("E-commerce", &["Marketplaces", "D2C brands", "Retail tech"]),
    ("Logistics", &["Freight", "Last-mile delivery", "Supply chain software"]),
    ("Cybersecurity", &["Identity", "Cloud security", "Endpoint security"]),
    ("Manufacturing", &["Industrial automation", "Electronics", "Automotive parts"]),
    ("Education", &["EdTech", "Corporate learning"]),
    ("Insurance", &["Insurtech", "Commercial lines"]),
    ("Media", &["Streaming", "Publishing", "Adtech"]),
];

const NAME_STARTS: &[&str] = &[
    "North", "Blue", "Bright", "Clear", "Iron", "Silver", "Cloud", "Swift", "Prime", "Harbor", "Summit", "Cedar",
    "Nova", "Atlas", "Vector", "Quantum", "Echo", "Pioneer", "Granite", "Lumen", "Orbit", "Beacon", "Maple", "Delta",
];
const NAME_ENDS: &[&str] = &[
    "ledger", "path", "works", "stack", "field", "labs", "grid", "scale", "forge", "line", "point", "bridge", "wave",
    "yard", "mind", "loop", "base", "shift",
];
const PLACES: &[(&str, &str)] = &[
    ("United States", "America/New_York"),
    ("United States", "America/Chicago"),
    ("United States", "America/Los_Angeles"),
    ("United Kingdom", "Europe/London"),
    ("Germany", "Europe/Berlin"),
    ("France", "Europe/Paris"),
    ("Netherlands", "Europe/Amsterdam"),
    ("Canada", "America/Toronto"),
    ("Australia", "Australia/Sydney"),
    ("Singapore", "Asia/Singapore"),
];
const TECH: &[&str] = &[
    "Salesforce",
    "HubSpot",
    "Snowflake",
    "dbt",
    "AWS",
    "GCP",
    "Azure",
    "Kubernetes",
    "Segment",
    "Stripe",
    "Okta",
    "Datadog",
    "Zendesk",
    "Marketo",
    "Looker",
    "PostgreSQL",
];
const FIRST_NAMES: &[&str] = &[
    "Ava", "Liam", "Mia", "Noah", "Emma", "Lucas", "Sofia", "Ethan", "Olivia", "Mateo", "Chloe", "Leo", "Priya",
    "Arjun", "Hannah", "Jonas", "Lena", "Marco", "Yuki", "Kenji", "Fatima", "Omar", "Grace", "Daniel", "Sara", "Tom",
    "Nora", "Felix", "Ines", "Hugo",
];
const LAST_NAMES: &[&str] = &[
    "Smith", "Johnson", "Garcia", "Müller", "Schmidt", "Dubois", "Martin", "Rossi", "Nguyen", "Patel", "Kim", "Tanaka",
    "Silva", "Jansen", "Cohen", "O'Brien", "Novak", "Larsen", "Khan", "Walker", "Fischer", "Moreau",
];
/// (title, seniority, department)
const TITLES: &[(&str, &str, &str)] = &[
    ("Chief Executive Officer", "c_level", "executive"),
    ("Chief Technology Officer", "c_level", "engineering"),
    ("Chief Revenue Officer", "c_level", "sales"),
    ("VP of Sales", "vp", "sales"),
    ("VP Engineering", "vp", "engineering"),
    ("VP Marketing", "vp", "marketing"),
    ("Director of Revenue Operations", "director", "operations"),
    ("Director of Engineering", "director", "engineering"),
    ("Head of Growth", "director", "marketing"),
    ("Head of Data", "director", "engineering"),
    ("Finance Director", "director", "finance"),
    ("Sales Manager", "manager", "sales"),
    ("Engineering Manager", "manager", "engineering"),
    ("IT Manager", "manager", "it"),
    ("Product Manager", "manager", "product"),
    ("Customer Success Manager", "manager", "customer_success"),
    ("Senior Account Executive", "senior", "sales"),
    ("Senior Software Engineer", "senior", "engineering"),
    ("HR Business Partner", "senior", "hr"),
    ("Marketing Coordinator", "entry", "marketing"),
];
/// Stages weighted towards the start of the funnel, as a real book is.
const STAGES: &[(&str, u32)] = &[
    ("new", 30),
    ("researched", 12),
    ("drafted", 8),
    ("touched", 10),
    ("sequencing", 12),
    ("break_up_sent", 3),
    ("replied", 4),
    ("replied_positive", 4),
    ("replied_negative", 3),
    ("referred", 1),
    ("meeting_booked", 4),
    ("meeting_held", 2),
    ("opportunity", 2),
    ("dormant", 3),
    ("re_engaged", 1),
    ("not_interested", 1),
];

fn pick<'a, T>(rng: &mut fastrand::Rng, items: &'a [T]) -> &'a T {
    &items[rng.usize(..items.len())]
}

fn weighted(rng: &mut fastrand::Rng, items: &[(&'static str, u32)]) -> &'static str {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut n = rng.u32(..total);
    for (item, w) in items {
        if n < *w {
            return item;
        }
        n -= w;
    }
    items[0].0
}

fn slug(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            'ü' => Some('u'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// Builds a book of `accounts` accounts with `per_account` contacts each (deterministic for a
/// seed). Names repeat with a number once the combinations run out; domains and addresses are
/// always unique.
fn generate(
    seed: u64,
    accounts_wanted: usize,
    per_account: std::ops::Range<usize>,
    model: &IcpConfig,
) -> (Vec<Value>, Vec<Value>) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut accounts = Vec::with_capacity(accounts_wanted);
    let mut contacts = Vec::new();
    let mut names = std::collections::BTreeSet::new();
    let combinations = NAME_STARTS.len() * NAME_ENDS.len();
    while accounts.len() < accounts_wanted {
        let base = format!("{}{}", pick(&mut rng, NAME_STARTS), pick(&mut rng, NAME_ENDS));
        let name = if names.len() < combinations / 2 { base } else { format!("{base} {}", accounts.len()) };
        if !names.insert(name.clone()) {
            continue;
        }
        let (industry, subs) = pick(&mut rng, INDUSTRIES);
        let (country, timezone) = pick(&mut rng, PLACES);
        let domain = format!("{}.{}", slug(&name), if rng.u8(..4) == 0 { "io" } else { "com" });
        let employees = [12, 35, 80, 150, 320, 600, 1200, 2500, 8000][rng.usize(..9)] + rng.i64(0..10);
        let mut tech: Vec<&str> = (0..rng.usize(2..6)).map(|_| *pick(&mut rng, TECH)).collect();
        tech.sort_unstable();
        tech.dedup();
        let id = new_id();
        let sub_industry = *pick(&mut rng, subs);
        accounts.push(json!({
            "id": id, "audit_id": new_id(), "name": name, "domain": domain, "industry": industry,
            "sub_industry": sub_industry, "employee_count": employees, "country": country,
            "timezone": timezone, "website": format!("https://www.{domain}"),
            "linkedin_url": format!("https://www.linkedin.com/company/{}", slug(&name)),
            "tech_stack": tech, "notes": null,
        }));
        for _ in 0..rng.usize(per_account.clone()) {
            let first = pick(&mut rng, FIRST_NAMES);
            let last = pick(&mut rng, LAST_NAMES);
            let (title, seniority, department) = pick(&mut rng, TITLES);
            let handle = format!("{}.{}", slug(first), slug(last));
            let stage = weighted(&mut rng, STAGES);
            let status = match rng.u8(..40) {
                0 => "bounced",
                1 => "do_not_contact",
                2 | 3 => "dormant",
                _ => "active",
            };
            let touched = !matches!(stage, "new" | "researched" | "drafted");
            let days_ago = rng.i64(1..60);
            let scored = scoring::score(
                model,
                &Inputs {
                    industry: Some((*industry).to_owned()),
                    sub_industry: Some(sub_industry.to_owned()),
                    seniority: seniority.parse().unwrap_or(Seniority::Unknown),
                    department: department.parse().ok(),
                    employee_count: Some(employees),
                    stage: stage.parse().unwrap_or(Stage::New),
                    signals: Vec::new(),
                },
            );
            contacts.push(json!({
                "id": new_id(), "audit_id": new_id(), "account_id": id, "first_name": first, "last_name": last, "title": title,
                "seniority": seniority, "department": department,
                "email": format!("{handle}{}@{domain}", contacts.len()),
                "linkedin_url": format!("https://www.linkedin.com/in/{handle}-{}", contacts.len()),
                "timezone": null, "stage": stage, "status": status, "score_id": new_id(),
                "priority_score": scored.score, "priority_factors": scored.factors,
                "last_touch_at": touched.then(|| {
                    (chrono::Utc::now() - chrono::Duration::days(days_ago))
                        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                }),
            }));
        }
    }
    (accounts, contacts)
}

/// Writes accounts and contacts set-wise, each with its audit entry (five calls).
async fn insert_book(
    conn: &Conn,
    accounts: &[Value],
    contacts: &[Value],
    at: &str,
    model_version: i64,
) -> AppResult<()> {
    let accounts_json = serde_json::to_string(accounts).map_err(|e| crate::AppError::Internal(e.into()))?;
    let contacts_json = serde_json::to_string(contacts).map_err(|e| crate::AppError::Internal(e.into()))?;
    conn.execute(
        "INSERT INTO audit_log (id, at, actor, action, entity, entity_id) \
         SELECT json_extract(value, '$.audit_id'), ?2, 'seed', 'account.create', 'account', json_extract(value, '$.id') \
         FROM json_each(?1)",
        libsql::params![accounts_json.as_str(), at],
    )
    .await?;
    conn.execute(
        "INSERT INTO accounts (id, name, domain, industry, sub_industry, employee_count, country, timezone, \
         website, linkedin_url, tech_stack, notes, created_at, updated_at) \
         SELECT json_extract(value, '$.id'), json_extract(value, '$.name'), json_extract(value, '$.domain'), \
         json_extract(value, '$.industry'), json_extract(value, '$.sub_industry'), \
         json_extract(value, '$.employee_count'), json_extract(value, '$.country'), \
         json_extract(value, '$.timezone'), json_extract(value, '$.website'), \
         json_extract(value, '$.linkedin_url'), json_extract(value, '$.tech_stack'), \
         json_extract(value, '$.notes'), ?2, ?2 \
         FROM json_each(?1)",
        libsql::params![accounts_json.as_str(), at],
    )
    .await?;
    conn.execute(
        "INSERT INTO audit_log (id, at, actor, action, entity, entity_id) \
         SELECT json_extract(value, '$.audit_id'), ?2, 'seed', 'contact.create', 'contact', json_extract(value, '$.id') \
         FROM json_each(?1)",
        libsql::params![contacts_json.as_str(), at],
    )
    .await?;
    conn.execute(
        "INSERT INTO contacts (id, account_id, first_name, last_name, title, seniority, department, email, \
         linkedin_url, timezone, stage, status, priority_score, priority_factors, last_touch_at, created_at, updated_at) \
         SELECT json_extract(value, '$.id'), json_extract(value, '$.account_id'), \
         json_extract(value, '$.first_name'), json_extract(value, '$.last_name'), json_extract(value, '$.title'), \
         json_extract(value, '$.seniority'), json_extract(value, '$.department'), json_extract(value, '$.email'), \
         json_extract(value, '$.linkedin_url'), json_extract(value, '$.timezone'), json_extract(value, '$.stage'), \
         json_extract(value, '$.status'), json_extract(value, '$.priority_score'), \
         json(json_extract(value, '$.priority_factors')), json_extract(value, '$.last_touch_at'), ?2, ?2 \
         FROM json_each(?1)",
        libsql::params![contacts_json.as_str(), at],
    )
    .await?;
    conn.execute(
        "INSERT INTO icp_scores (id, contact_id, score, factors, config_version, computed_at) \
         SELECT json_extract(value, '$.score_id'), json_extract(value, '$.id'), json_extract(value, '$.priority_score'), \
         json(json_extract(value, '$.priority_factors')), ?3, ?2 FROM json_each(?1)",
        libsql::params![contacts_json.as_str(), at, model_version],
    )
    .await?;
    Ok(())
}

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

/// Loads a large synthetic book for benchmarks: about `contacts` contacts at a tenth as many
/// accounts, with signals, in transactions of a few thousand rows; `progress` hears the count
/// written so far. Only into a database without accounts.
pub async fn synthetic(conn: &Conn, contacts: usize, progress: impl Fn(usize)) -> AppResult<Option<String>> {
    let has_data =
        conn.query_one("accounts", "SELECT EXISTS (SELECT 1 FROM accounts)", (), |row| col::<bool>(row, 0)).await?;
    if has_data {
        return Ok(None);
    }
    const ACCOUNTS_PER_CHUNK: usize = 300;
    let model = crate::settings::current_icp(conn).await?;
    let accounts_wanted = contacts.div_ceil(10).max(1);
    let mut rng = fastrand::Rng::with_seed(0x5eed);
    let (mut written_accounts, mut written_contacts, mut written_signals) = (0, 0, 0);
    let mut chunk = 0u64;
    while written_contacts < contacts {
        let left_accounts = accounts_wanted.saturating_sub(written_accounts).max(1);
        let accounts_now = left_accounts.min(ACCOUNTS_PER_CHUNK);
        let (accounts, mut people) = generate(0x5eed + chunk, accounts_now, 6..15, &model.value);
        people.truncate(contacts - written_contacts);
        // Unique addresses across chunks: the generator numbers them within its chunk only.
        for (i, person) in people.iter_mut().enumerate() {
            let n = written_contacts + i;
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
                let n = written_accounts + i;
                let domain = a["domain"].as_str().unwrap_or("example.com").to_owned();
                a["domain"] = json!(format!("n{n}-{domain}"));
                a["name"] = json!(format!("{} {n}", a["name"].as_str().unwrap_or("Company")));
                a
            })
            .collect();
        let signals = synthetic_signals(&mut rng, &accounts, &people);
        let signals_json = serde_json::to_string(&signals).map_err(|e| crate::AppError::Internal(e.into()))?;
        let at = now();
        conn.immediate(async |conn| {
            insert_book(conn, &accounts, &people, &at, model.version).await?;
            conn.execute(
                "INSERT INTO signals (id, contact_id, account_id, kind, strength, title, occurred_at, created_at, updated_at) \
                 SELECT json_extract(value, '$.id'), json_extract(value, '$.contact_id'), json_extract(value, '$.account_id'), \
                 json_extract(value, '$.kind'), json_extract(value, '$.strength'), json_extract(value, '$.title'), \
                 json_extract(value, '$.occurred_at'), ?2, ?2 FROM json_each(?1)",
                libsql::params![signals_json.as_str(), at.as_str()],
            )
            .await?;
            Ok(())
        })
        .await?;
        written_accounts += accounts.len();
        written_contacts += people.len();
        written_signals += signals.len();
        chunk += 1;
        progress(written_contacts);
    }
    Ok(Some(format!("{written_accounts} accounts, {written_contacts} contacts, {written_signals} signals")))
}

/// The demo's ideal customer: revenue teams at mid-sized fintech and SaaS companies.
fn demo_model() -> IcpConfig {
    IcpConfig {
        target_industries: vec!["Fintech".to_owned(), "SaaS".to_owned()],
        target_sub_industries: vec![
            "Payments".to_owned(),
            "Developer tools".to_owned(),
            "Data infrastructure".to_owned(),
        ],
        ..IcpConfig::default()
    }
}

/// The demo admin's sign-in address.
pub const DEMO_EMAIL: &str = "demo@occ.local";

/// Makes sure the demo admin exists, enabled, with `password` (set anew each time, so the
/// login printed by `occ serve --demo` always works).
pub async fn demo_admin(conn: &Conn, password: &str) -> AppResult<()> {
    use crate::auth::users::{self, EndSessions, UserChanges};
    use crate::domain::{EmailAddress, enums::Role};

    let email = EmailAddress::parse(DEMO_EMAIL).map_err(|m| crate::AppError::Internal(anyhow::anyhow!(m)))?;
    let hash = crate::access::secrets::hash_password(password)?;
    let actor = crate::audit::Actor { name: "seed".to_owned(), user_id: None, request_id: None };
    match users::find_by_email(conn, &email).await? {
        None => {
            users::insert(conn, &actor, &email, "Demo Admin", Role::Admin, &hash).await?;
        }
        Some((user, _)) => {
            let changes = UserChanges {
                role: Some(Role::Admin),
                disabled: Some(false),
                password_hash: Some(hash),
                ..UserChanges::default()
            };
            users::update_user(conn, &actor, &user.id, &changes, EndSessions::None).await?;
        }
    }
    Ok(())
}

/// Loads the demo data into an empty database; `None` when it already holds accounts.
pub async fn demo(conn: &Conn) -> AppResult<Option<String>> {
    let has_data =
        conn.query_one("accounts", "SELECT EXISTS (SELECT 1 FROM accounts)", (), |row| col::<bool>(row, 0)).await?;
    if has_data {
        return Ok(None);
    }
    let at = now();
    let model = demo_model();
    let (accounts, contacts) = generate(0x0cc, 40, 4..12, &model);
    let value = serde_json::to_string(&model).map_err(|e| crate::AppError::Internal(e.into()))?;
    conn.immediate(async |conn| {
        let version: i64 = conn
            .query_one(
                "setting",
                "INSERT INTO settings (key, version, value, created_at, created_by) \
                 SELECT 'icp', coalesce(max(version), 0) + 1, ?1, ?2, 'seed' FROM settings WHERE key = 'icp' RETURNING version",
                libsql::params![value.as_str(), at.as_str()],
                |row| col(row, 0),
            )
            .await?;
        insert_book(conn, &accounts, &contacts, &at, version).await
    })
    .await?;
    Ok(Some(format!("{} accounts, {} contacts", accounts.len(), contacts.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_data_is_deterministic_and_varied() {
        let (a1, c1) = generate(0x0cc, 40, 4..12, &demo_model());
        let (a2, c2) = generate(0x0cc, 40, 4..12, &demo_model());
        let names = |v: &[Value]| v.iter().map(|x| x["name"].clone()).collect::<Vec<_>>();
        assert_eq!(names(&a1), names(&a2));
        assert_eq!(c1.len(), c2.len());
        assert_eq!(a1.len(), 40);
        assert!((200..=500).contains(&c1.len()), "{}", c1.len());
        let industries: std::collections::BTreeSet<_> = a1.iter().map(|a| a["industry"].to_string()).collect();
        let stages: std::collections::BTreeSet<_> = c1.iter().map(|c| c["stage"].to_string()).collect();
        assert!(industries.len() >= 6 && stages.len() >= 10, "{industries:?} {stages:?}");
    }
}
