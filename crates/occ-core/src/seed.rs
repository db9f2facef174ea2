//! Demo data: a realistic book of accounts and contacts for trying OCC, generated from a fixed
//! seed (the same data every time) and written set-wise, a handful of database calls in all.

use serde_json::{Value, json};

use crate::domain::{new_id, now};
use crate::error::AppResult;
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

/// Builds the demo accounts and contacts (deterministic).
fn generate() -> (Vec<Value>, Vec<Value>) {
    let mut rng = fastrand::Rng::with_seed(0x0cc);
    let mut accounts = Vec::new();
    let mut contacts = Vec::new();
    let mut names = std::collections::BTreeSet::new();
    while accounts.len() < 40 {
        let name = format!("{}{}", pick(&mut rng, NAME_STARTS), pick(&mut rng, NAME_ENDS));
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
        accounts.push(json!({
            "id": id, "audit_id": new_id(), "name": name, "domain": domain, "industry": industry,
            "sub_industry": pick(&mut rng, subs), "employee_count": employees, "country": country,
            "timezone": timezone, "website": format!("https://www.{domain}"),
            "linkedin_url": format!("https://www.linkedin.com/company/{}", slug(&name)),
            "tech_stack": tech, "notes": null,
        }));
        for _ in 0..rng.usize(4..12) {
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
            contacts.push(json!({
                "id": new_id(), "audit_id": new_id(), "account_id": id, "first_name": first, "last_name": last, "title": title,
                "seniority": seniority, "department": department,
                "email": format!("{handle}{}@{domain}", contacts.len()),
                "linkedin_url": format!("https://www.linkedin.com/in/{handle}-{}", contacts.len()),
                "timezone": null, "stage": stage, "status": status, "priority_score": rng.i64(5..96),
                "last_touch_at": touched.then(|| {
                    (chrono::Utc::now() - chrono::Duration::days(days_ago))
                        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                }),
            }));
        }
    }
    (accounts, contacts)
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
    let (accounts, contacts) = generate();
    let accounts_json = Value::Array(accounts.clone()).to_string();
    let contacts_json = Value::Array(contacts.clone()).to_string();
    conn.immediate(async |conn| {
        conn.execute(
            "INSERT INTO audit_log (id, at, actor, action, entity, entity_id) \
             SELECT json_extract(value, '$.audit_id'), ?2, 'seed', 'account.create', 'account', json_extract(value, '$.id') \
             FROM json_each(?1)",
            libsql::params![accounts_json.as_str(), at.as_str()],
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
            libsql::params![accounts_json.as_str(), at.as_str()],
        )
        .await?;
        conn.execute(
            "INSERT INTO audit_log (id, at, actor, action, entity, entity_id) \
             SELECT json_extract(value, '$.audit_id'), ?2, 'seed', 'contact.create', 'contact', json_extract(value, '$.id') \
             FROM json_each(?1)",
            libsql::params![contacts_json.as_str(), at.as_str()],
        )
        .await?;
        conn.execute(
            "INSERT INTO contacts (id, account_id, first_name, last_name, title, seniority, department, email, \
             linkedin_url, timezone, stage, status, priority_score, last_touch_at, created_at, updated_at) \
             SELECT json_extract(value, '$.id'), json_extract(value, '$.account_id'), \
             json_extract(value, '$.first_name'), json_extract(value, '$.last_name'), json_extract(value, '$.title'), \
             json_extract(value, '$.seniority'), json_extract(value, '$.department'), json_extract(value, '$.email'), \
             json_extract(value, '$.linkedin_url'), json_extract(value, '$.timezone'), json_extract(value, '$.stage'), \
             json_extract(value, '$.status'), json_extract(value, '$.priority_score'), \
             json_extract(value, '$.last_touch_at'), ?2, ?2 \
             FROM json_each(?1)",
            libsql::params![contacts_json.as_str(), at.as_str()],
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(Some(format!("{} accounts, {} contacts", accounts.len(), contacts.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_data_is_deterministic_and_varied() {
        let (a1, c1) = generate();
        let (a2, c2) = generate();
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
