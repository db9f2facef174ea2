//! A step's writes: the real run's companies and people, and every phase's report lines.

use serde_json::{Value, json};

use super::plan::{Plan, Write};
use super::{Importer, Outcome, PhaseKind, Report};
use crate::audit;
use crate::contacts::scoring::recompute;
use crate::domain::enums::Department;
use crate::error::AppResult;
use crate::store::Conn;

/// Writes the step's companies and people, each with its audit entry, and scores the people.
pub(super) async fn write(conn: &Conn, plan: &Plan, importer: &Importer<'_>, at: &str) -> AppResult<()> {
    if !plan.new_accounts.is_empty() {
        let ids: Vec<String> = plan.new_accounts.iter().map(|a| a.id.clone()).collect();
        audit::record_many(conn, importer.actor, "account.import", "account", &ids).await?;
        let rows: Vec<Value> = plan
            .new_accounts
            .iter()
            .map(|a| {
                let f = &a.fields;
                json!({"id": a.id, "name": f.name, "domain": f.domain.as_ref().map(|d| d.as_str()),
                    "industry": f.industry, "sub_industry": f.sub_industry, "employee_count": f.employee_count,
                    "country": f.country, "website": f.website})
            })
            .collect();
        conn.write(
            "INSERT INTO accounts (id, name, domain, industry, sub_industry, employee_count, country, website, \
             created_at, updated_at) \
             SELECT json_extract(value, '$.id'), json_extract(value, '$.name'), json_extract(value, '$.domain'), \
             json_extract(value, '$.industry'), json_extract(value, '$.sub_industry'), json_extract(value, '$.employee_count'), \
             json_extract(value, '$.country'), json_extract(value, '$.website'), ?2, ?2 FROM json_each(?1)",
            libsql::params![Value::Array(rows).to_string(), at],
        )
        .await?;
    }
    let person = |w: &Write, only_given: bool| {
        let c = &w.candidate.contact;
        let given = |field: &str| !only_given || w.candidate.given.contains(&field);
        let placed = !only_given || w.candidate.given.contains(&"title");
        json!({
            "id": w.id, "account_id": w.account_id, "first_name": c.first_name,
            "last_name": c.last_name.as_ref().filter(|_| given("last_name")),
            "title": c.title.as_ref().filter(|_| given("title")),
            "seniority": placed.then_some(c.seniority.as_str()),
            "department": c.department.map(Department::as_str).filter(|_| placed),
            "email": c.email.as_ref().map(|e| e.as_str()).filter(|_| given("email")),
            "linkedin_url": c.linkedin_url.as_ref().filter(|_| given("linkedin_url")),
            "phone": c.phone.as_ref().filter(|_| given("phone")),
            "timezone": c.timezone.as_ref().filter(|_| given("timezone")),
            "notes": c.notes.as_ref().filter(|_| given("notes")),
        })
    };
    if !plan.creates.is_empty() {
        let ids: Vec<String> = plan.creates.iter().map(|w| w.id.clone()).collect();
        audit::record_many(conn, importer.actor, "contact.import", "contact", &ids).await?;
        let rows: Vec<Value> = plan.creates.iter().map(|w| person(w, false)).collect();
        // Each new person scored as it is written, from its row and its company as the
        // transaction sees it, with the model worked out once for all of them.
        conn.write(
            concat!(
                crate::contacts::scoring::sql::model_once_sql!(),
                "INSERT INTO contacts (id, account_id, first_name, last_name, title, seniority, department, email, \
                 linkedin_url, phone, timezone, notes, owner_id, priority_score, priority_factors, priority_version, \
                 created_at, updated_at) \
                 SELECT p ->> 'id', p ->> 'account_id', p ->> 'first_name', p ->> 'last_name', p ->> 'title', \
                 p ->> 'seniority', p ->> 'department', p ->> 'email', p ->> 'linkedin_url', p ->> 'phone', \
                 p ->> 'timezone', p ->> 'notes', :owner, s ->> 0, s ->> 1, s ->> 2, :now, :now \
                 FROM (SELECT j.value AS p, (SELECT json_array(score, factors, version) FROM (",
                crate::contacts::scoring::sql::score_sql!(
                    model = crate::contacts::scoring::sql::model_once_row_sql!();
                    "j.value ->> 'seniority'",
                    "j.value ->> 'department'",
                    "'new'",
                    "j.value ->> 'account_id'",
                    "j.value ->> 'id'"
                ),
                ")) AS s FROM json_each(:rows) j LIMIT -1 OFFSET 0)"
            ),
            libsql::named_params! {":rows": Value::Array(rows).to_string(), ":owner": importer.user_id, ":now": at},
        )
        .await?;
    }
    if !plan.updates.is_empty() {
        let ids: Vec<String> = plan.updates.iter().map(|w| w.id.clone()).collect();
        audit::record_many(conn, importer.actor, "contact.import_update", "contact", &ids).await?;
        let rows: Vec<Value> = plan.updates.iter().map(|w| person(w, true)).collect();
        conn.write(
            "UPDATE contacts SET first_name = json_extract(j.value, '$.first_name'), \
             last_name = coalesce(json_extract(j.value, '$.last_name'), last_name), \
             title = coalesce(json_extract(j.value, '$.title'), title), \
             seniority = coalesce(json_extract(j.value, '$.seniority'), seniority), \
             department = coalesce(json_extract(j.value, '$.department'), department), \
             email = coalesce(json_extract(j.value, '$.email'), email), \
             linkedin_url = coalesce(json_extract(j.value, '$.linkedin_url'), linkedin_url), \
             phone = coalesce(json_extract(j.value, '$.phone'), phone), \
             timezone = coalesce(json_extract(j.value, '$.timezone'), timezone), \
             notes = coalesce(json_extract(j.value, '$.notes'), notes), \
             account_id = coalesce(json_extract(j.value, '$.account_id'), account_id), updated_at = ?2 \
             FROM json_each(?1) AS j WHERE contacts.id = json_extract(j.value, '$.id')",
            libsql::params![Value::Array(rows).to_string(), at],
        )
        .await?;
    }
    // New people were scored as they were written; updated ones are rescored as they now are.
    let people: Vec<String> = plan.updates.iter().map(|w| w.id.clone()).collect();
    recompute::rescore(conn, &people).await?;
    Ok(())
}

/// Records the step's report lines.
pub(super) async fn save_report(conn: &Conn, import_id: &str, phase: PhaseKind, reports: &[Report]) -> AppResult<()> {
    if reports.is_empty() {
        return Ok(());
    }
    let rows: Vec<Value> = reports
        .iter()
        .map(|r| {
            json!([
                r.row,
                r.line,
                r.outcome.as_str(),
                r.reason,
                r.label.name,
                r.label.email,
                r.label.linkedin_url,
                r.label.company,
                r.label.domain,
                r.account_created,
                // A dry run's new people do not exist.
                r.contact_id.as_ref().filter(|_| phase == PhaseKind::Run || r.outcome != Outcome::Created),
                r.created_name,
            ])
        })
        .collect();
    conn.write(
        "INSERT INTO import_rows (import_id, phase, row, line, outcome, reason, name, email, linkedin_url, company, \
         domain, account_created, contact_id, created_name) \
         SELECT ?1, ?2, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, \
         value ->> 7, value ->> 8, value ->> 9, value ->> 10, value ->> 11 FROM json_each(?3)",
        libsql::params![import_id, phase.as_str(), Value::Array(rows).to_string()],
    )
    .await?;
    Ok(())
}
