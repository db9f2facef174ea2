//! One CSV row made into a contact and its company, under the same rules as the API's create
//! bodies; a row that breaks one is invalid, with the reason.

use std::collections::BTreeMap;

use crate::accounts::{AccountFields, CreateAccount};
use crate::contacts::{ContactFields, CreateContact};
use crate::domain::enums::{Department, Seniority};
use crate::domain::{DomainName, EmailAddress};
use crate::error::AppError;

/// Which column holds each field.
#[derive(Debug, Clone, Default)]
pub struct Columns(BTreeMap<String, usize>);

impl Columns {
    /// From the headers and a mapping (header -> field).
    pub fn new(headers: &[String], mapping: &BTreeMap<String, Option<String>>) -> Self {
        Self(
            headers
                .iter()
                .enumerate()
                .filter_map(|(i, h)| mapping.get(h).cloned().flatten().map(|field| (field, i)))
                .collect(),
        )
    }

    /// Whether the mapping gives a name, which every contact needs.
    pub fn has_name(&self) -> bool {
        self.0.contains_key("first_name") || self.0.contains_key("full_name")
    }

    fn get(&self, fields: &[String], field: &str) -> Option<String> {
        let value = fields.get(*self.0.get(field)?)?.trim();
        (!value.is_empty()).then(|| value.to_owned())
    }
}

/// What the report shows of a row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Label {
    /// The person's name.
    pub name: Option<String>,
    /// Their address, normalised when valid.
    pub email: Option<String>,
    /// Their profile, normalised when valid.
    pub linkedin_url: Option<String>,
    /// The company's name.
    pub company: Option<String>,
    /// The company's domain, normalised.
    pub domain: Option<String>,
}

/// A valid row.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The contact (without its account, which the import resolves).
    pub contact: ContactFields,
    /// Which optional contact fields the row gives (an upsert changes only those).
    pub given: Vec<&'static str>,
    /// The company, if the row names one.
    pub company: Option<AccountFields>,
    /// What the report shows.
    pub label: Label,
}

/// Webmail domains: an address there says nothing about the person's company.
const WEBMAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "gmx.com",
    "gmx.de",
    "web.de",
    "mail.com",
    "yandex.com",
    "zoho.com",
    "fastmail.com",
];

fn enum_value<T: std::str::FromStr>(field: &str, text: Option<String>, reasons: &mut Vec<String>) -> Option<T>
where
    T::Err: std::fmt::Display,
{
    let text = text?;
    let key: String = text.trim().to_lowercase().replace([' ', '-'], "_");
    match key.parse() {
        Ok(value) => Some(value),
        Err(e) => {
            reasons.push(format!("{field}: {e}"));
            None
        }
    }
}

/// A head count as people write it: `1200`, `1,200`, `51-200` (the middle), `10000+`.
pub fn head_count(text: &str) -> Result<i64, &'static str> {
    const RULE: &str = "must be a number of employees such as 250, 1,200 or 51-200";
    let clean: String = text.chars().filter(|c| !matches!(c, ',' | ' ' | '+' | '_')).collect();
    let number = |s: &str| s.parse::<i64>().map_err(|_| RULE);
    let n = match clean.split_once('-') {
        Some((low, high)) => (number(low)? + number(high)?) / 2,
        None => number(&clean)?,
    };
    if (0..=10_000_000).contains(&n) { Ok(n) } else { Err(RULE) }
}

fn reasons_of(err: AppError) -> Vec<String> {
    match err {
        AppError::Validation(fields) => fields.into_iter().map(|f| format!("{}: {}", f.field, f.message)).collect(),
        other => vec![other.to_string()],
    }
}

/// A row that cannot be imported: why, and what the report shows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Every reason, joined.
    pub reason: String,
    /// What the report shows.
    pub label: Label,
}

/// A row read: a candidate, or why not.
pub type Read = Result<Candidate, Box<Rejected>>;

/// Reads one row. The error is the reason it is invalid, with what the report shows of it.
pub fn candidate(fields: &[String], columns: &Columns) -> Read {
    let get = |field: &str| columns.get(fields, field);
    let mut reasons = Vec::new();
    let (first_name, last_name) = match (get("first_name"), get("last_name"), get("full_name")) {
        (Some(first), last, _) => (first, last),
        (None, last, Some(full)) => match full.split_once(char::is_whitespace) {
            Some((first, rest)) => (first.to_owned(), last.or_else(|| Some(rest.trim().to_owned()))),
            None => (full, last),
        },
        (None, last, None) => (String::new(), last),
    };
    let email = get("email");
    let linkedin_url = get("linkedin_url");
    let mut label = Label {
        name: Some([first_name.as_str(), last_name.as_deref().unwrap_or("")].join(" ").trim().to_owned())
            .filter(|n| !n.is_empty()),
        email: email
            .as_deref()
            .map(|e| EmailAddress::parse(e).map_or_else(|_| e.to_owned(), |e| e.as_str().to_owned())),
        linkedin_url: linkedin_url.clone(),
        company: get("company"),
        domain: None,
    };
    if first_name.is_empty() {
        reasons.push("first_name: required (map a first name or full name column)".to_owned());
    }
    let seniority: Option<Seniority> = enum_value("seniority", get("seniority"), &mut reasons);
    let department: Option<Department> = enum_value("department", get("department"), &mut reasons);
    let given: Vec<&'static str> = ["last_name", "title", "email", "linkedin_url", "phone", "timezone", "notes"]
        .into_iter()
        .filter(|f| get(f).is_some() || (*f == "last_name" && last_name.is_some()))
        .collect();
    let contact = CreateContact {
        first_name: first_name.clone(),
        last_name,
        title: get("title"),
        seniority,
        department,
        email,
        linkedin_url,
        phone: get("phone"),
        timezone: get("timezone"),
        notes: get("notes"),
        ..CreateContact::default()
    }
    .validate();
    let contact = match contact {
        Ok(contact) => Some(contact),
        Err(err) => {
            if !first_name.is_empty() {
                reasons.extend(reasons_of(err));
            } else {
                reasons.extend(reasons_of(err).into_iter().filter(|r| !r.starts_with("first_name")));
            }
            None
        }
    };
    if let Some(contact) = &contact {
        label.linkedin_url = contact.linkedin_url.clone();
    }

    // The company: by its domain, else its website, else a work address's domain.
    let email_domain = contact
        .as_ref()
        .and_then(|c| c.email.as_ref())
        .and_then(|e| e.as_str().rsplit_once('@').map(|(_, d)| d.to_owned()))
        .filter(|d| !WEBMAIL.contains(&d.as_str()));
    let domain_text = get("domain").or_else(|| get("website")).or(email_domain);
    let employee_count = match get("employee_count").as_deref().map(head_count) {
        Some(Err(rule)) => {
            reasons.push(format!("employee_count: {rule}"));
            None
        }
        Some(Ok(n)) => Some(n),
        None => None,
    };
    let names_company = label.company.is_some() || get("domain").is_some() || get("website").is_some();
    let company = match (&label.company, &domain_text) {
        (None, None) => None,
        (name, domain) => {
            let domain = domain.as_deref().and_then(|d| DomainName::parse(d).ok());
            let name = name.clone().or_else(|| domain.as_ref().map(|d| d.as_str().to_owned())).unwrap_or_default();
            let account = CreateAccount {
                name,
                domain: domain.map(|d| d.as_str().to_owned()),
                industry: get("industry"),
                sub_industry: get("sub_industry"),
                employee_count,
                country: get("country"),
                website: get("website").map(|w| if w.contains("://") { w } else { format!("https://{w}") }),
                ..CreateAccount::default()
            }
            .validate();
            match account {
                Ok(account) => Some(account),
                Err(err) if names_company => {
                    reasons.extend(reasons_of(err).into_iter().map(|r| format!("company {r}")));
                    None
                }
                // Only a work address's domain: no company rather than an invalid row.
                Err(_) => None,
            }
        }
    };
    label.domain = company.as_ref().and_then(|c| c.domain.as_ref()).map(|d| d.as_str().to_owned());
    if label.company.is_none() {
        label.company = company.as_ref().map(|c| c.name.clone());
    }
    match contact {
        Some(contact) if reasons.is_empty() => Ok(Candidate { contact, given, company, label }),
        _ => Err(Box::new(Rejected { reason: reasons.join("; "), label })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(headers: &[&str]) -> (Vec<String>, Columns) {
        let headers: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
        let mapping = super::super::parse::guess(&headers);
        let columns = Columns::new(&headers, &mapping);
        (headers, columns)
    }

    fn row(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn a_good_row_becomes_a_contact_at_its_company() {
        let (_, cols) = columns(&["Name", "Title", "Email", "Company", "Employees"]);
        let c =
            candidate(&row(&["Ana Maria Lopez", "VP Sales", "Ana@Acme.com", "Acme", "51-200"]), &cols).expect("valid");
        assert_eq!((c.contact.first_name.as_str(), c.contact.last_name.as_deref()), ("Ana", Some("Maria Lopez")));
        assert_eq!(c.contact.seniority, Seniority::Vp, "from the title");
        assert_eq!(c.label.email.as_deref(), Some("ana@acme.com"));
        let company = c.company.expect("company");
        assert_eq!(
            (company.name.as_str(), company.domain.map(|d| d.as_str().to_owned())),
            ("Acme", Some("acme.com".into()))
        );
        assert_eq!(company.employee_count, Some(125));
    }

    #[test]
    fn a_bad_row_says_every_reason() {
        let (_, cols) = columns(&["First Name", "Email", "Seniority", "Employees", "Company"]);
        let Rejected { reason, label } =
            *candidate(&row(&["Bo", "not-an-address", "emperor", "lots", "Acme"]), &cols).expect_err("invalid");
        assert!(reason.contains("email:"), "{reason}");
        assert!(reason.contains("seniority:"), "{reason}");
        assert!(reason.contains("employee_count:"), "{reason}");
        assert_eq!(label.name.as_deref(), Some("Bo"));
        let reason = candidate(&row(&["", "x@y.com", "", "", ""]), &cols).expect_err("no name").reason;
        assert!(reason.starts_with("first_name: required"), "{reason}");
    }

    #[test]
    fn webmail_says_nothing_about_the_company() {
        let (_, cols) = columns(&["First Name", "Email"]);
        assert!(candidate(&row(&["Cy", "cy@gmail.com"]), &cols).expect("valid").company.is_none());
        let work = candidate(&row(&["Cy", "cy@globex.io"]), &cols).expect("valid");
        assert_eq!(work.company.expect("company").name, "globex.io");
    }

    #[test]
    fn head_counts_read_as_people_write_them() {
        assert_eq!(head_count("1,200"), Ok(1200));
        assert_eq!(head_count("10000+"), Ok(10000));
        assert_eq!(head_count("51-200"), Ok(125));
        assert!(head_count("many").is_err());
        assert!(head_count("-5").is_err());
    }
}
