//! The generator behind every seed: realistic companies and people, and the set-wise write
//! that stores them with their audit entries and score history.

use serde_json::{Value, json};

use crate::contacts::scoring::{self, IcpConfig, Inputs, SignalInput};
use crate::domain::enums::{Seniority, Stage};
use crate::domain::new_id;
use crate::error::AppResult;
use crate::store::Conn;

use super::values::{Insert, Param, ROWS_PER_STATEMENT, fields};

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
pub(super) fn generate(
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
                "timezone": null, "stage": stage, "status": status,                 "priority_score": scored.score, "priority_factors": scored.factors,
                "last_touch_at": touched.then(|| {
                    (chrono::Utc::now() - chrono::Duration::days(days_ago))
                        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                }),
            }));
        }
    }
    (accounts, contacts)
}

/// Scores a generated contact again at `account`, after the demo moved its stage or gave its
/// company `signals`, so its stored score (and the one history row) explains what it shows.
pub(super) fn rescore(model: &IcpConfig, account: &Value, contact: &mut Value, signals: &[SignalInput]) {
    let text = |value: &Value| value.as_str().map(str::to_owned);
    let scored = scoring::score(
        model,
        &Inputs {
            industry: text(&account["industry"]),
            sub_industry: text(&account["sub_industry"]),
            seniority: contact["seniority"].as_str().and_then(|s| s.parse().ok()).unwrap_or(Seniority::Unknown),
            department: contact["department"].as_str().and_then(|s| s.parse().ok()),
            employee_count: account["employee_count"].as_i64(),
            stage: contact["stage"].as_str().and_then(|s| s.parse().ok()).unwrap_or(Stage::New),
            signals: signals.to_vec(),
        },
    );
    contact["priority_score"] = json!(scored.score);
    contact["priority_factors"] = json!(scored.factors);
}

/// The seed's audit entries (each one's id and entity id) of the rows of one entity (`?2`,
/// `?3`: the action and the entity), written before the rows.
const AUDIT: Insert = Insert {
    head: "INSERT INTO audit_log (id, at, actor, action, entity, entity_id) SELECT column1, ?1, 'seed', ?2, ?3, column2",
    tail: "",
    width: 2,
    rows: ROWS_PER_STATEMENT,
};

/// The companies.
const INSERT_ACCOUNTS: Insert = Insert {
    head: "INSERT INTO accounts (id, name, domain, industry, sub_industry, employee_count, country, timezone, \
           website, linkedin_url, tech_stack, notes, created_at, updated_at) \
           SELECT column1, column2, column3, column4, column5, column6, column7, column8, column9, column10, \
           column11, column12, ?1, ?1",
    tail: "",
    width: ACCOUNT_FIELDS.len(),
    rows: ROWS_PER_STATEMENT,
};
#[rustfmt::skip]
const ACCOUNT_FIELDS: &[&str] = &[
    "id", "name", "domain", "industry", "sub_industry", "employee_count", "country", "timezone", "website",
    "linkedin_url", "tech_stack", "notes",
];

/// The people, scored with the model of version `?2`.
const INSERT_CONTACTS: Insert = Insert {
    head: "INSERT INTO contacts (id, account_id, first_name, last_name, title, seniority, department, email, \
           linkedin_url, timezone, stage, status, priority_score, priority_factors, last_touch_at, next_action_at, \
           owner_id, priority_version, created_at, updated_at) \
           SELECT column1, column2, column3, column4, column5, column6, column7, column8, column9, column10, \
           column11, column12, column13, column14, column15, column16, column17, ?2, ?1, ?1",
    tail: "",
    width: CONTACT_FIELDS.len(),
    rows: ROWS_PER_STATEMENT,
};
#[rustfmt::skip]
const CONTACT_FIELDS: &[&str] = &[
    "id", "account_id", "first_name", "last_name", "title", "seniority", "department", "email", "linkedin_url",
    "timezone", "stage", "status", "priority_score", "priority_factors", "last_touch_at", "next_action_at",
    "owner_id",
];

/// Writes accounts and contacts set-wise, each with its audit entry (four calls, two more for
/// each further [`super::values::ROWS_PER_STATEMENT`] contacts); the score history follows
/// from the database's trigger.
pub(super) async fn insert_book(
    conn: &Conn,
    accounts: &[Value],
    contacts: &[Value],
    at: &str,
    model_version: i64,
) -> AppResult<()> {
    let at = Param::Text(at.to_owned());
    let audit =
        |action: &str, entity: &str| [at.clone(), Param::Text(action.to_owned()), Param::Text(entity.to_owned())];
    AUDIT.run(conn, &audit("account.create", "account"), fields(accounts, &["audit_id", "id"])).await?;
    INSERT_ACCOUNTS.run(conn, std::slice::from_ref(&at), fields(accounts, ACCOUNT_FIELDS)).await?;
    for contacts in contacts.chunks(ROWS_PER_STATEMENT) {
        AUDIT.run(conn, &audit("contact.create", "contact"), fields(contacts, &["audit_id", "id"])).await?;
        let constants = [at.clone(), Param::Integer(model_version)];
        INSERT_CONTACTS.run(conn, &constants, fields(contacts, CONTACT_FIELDS)).await?;
    }
    Ok(())
}
