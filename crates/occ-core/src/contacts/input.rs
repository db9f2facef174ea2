//! The create and patch bodies of a contact and the rules that make them storable: email and
//! LinkedIn URL normalised, seniority and department from the title unless given.

use serde::Deserialize;

use super::persona;
use crate::domain::EmailAddress;
use crate::domain::enums::{ContactStatus, Department, Seniority, Stage};
use crate::domain::text::compatible;
use crate::error::AppResult;
use crate::http::Patch;
use crate::validate::{Check, patched};

/// `POST /api/v1/contacts`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateContact {
    /// Required.
    pub first_name: String,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    /// Derived from the title when absent.
    #[serde(default)]
    pub seniority: Option<Seniority>,
    /// Derived from the title when absent.
    #[serde(default)]
    pub department: Option<Department>,
    #[serde(default)]
    pub persona: Option<String>,
    /// Lower-cased; unique.
    #[serde(default)]
    pub email: Option<String>,
    /// A profile (`linkedin.com/in/...`), normalised; unique.
    #[serde(default)]
    pub linkedin_url: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// IANA; absent uses the account's, then the team's.
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub account_id: Option<String>,
    /// Absent: the creating user; `null`: nobody.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub owner_id: Patch<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// `PATCH /api/v1/contacts/{id}`: absent fields are unchanged, `null` clears. Stage and status
/// move through their own actions.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct PatchContact {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub first_name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub last_name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub title: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<Seniority>)]
    pub seniority: Patch<Seniority>,
    #[serde(default)]
    #[schema(value_type = Option<Department>)]
    pub department: Patch<Department>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub persona: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub email: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub linkedin_url: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub phone: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub timezone: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub account_id: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub owner_id: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub notes: Patch<String>,
}

/// A complete, valid contact (what an insert stores).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct ContactFields {
    pub first_name: String,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub seniority: Seniority,
    pub department: Option<Department>,
    pub persona: Option<String>,
    pub email: Option<EmailAddress>,
    pub linkedin_url: Option<String>,
    pub phone: Option<String>,
    pub timezone: Option<String>,
    pub account_id: Option<String>,
    /// `None`: the creating user decides (see the handler); `Some(None)`: nobody.
    pub owner_id: Option<Option<String>>,
    pub notes: Option<String>,
    pub stage: Stage,
    pub status: ContactStatus,
}

/// A valid set of changes: `None` leaves a field, `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct ContactChanges {
    pub first_name: Option<String>,
    pub last_name: Option<Option<String>>,
    pub title: Option<Option<String>>,
    pub seniority: Option<Seniority>,
    pub department: Option<Option<Department>>,
    pub persona: Option<Option<String>>,
    pub email: Option<Option<EmailAddress>>,
    pub linkedin_url: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub timezone: Option<Option<String>>,
    pub account_id: Option<Option<String>>,
    pub owner_id: Option<Option<String>>,
    pub notes: Option<Option<String>>,
}

impl ContactChanges {
    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A LinkedIn profile URL in one spelling: `https://www.linkedin.com/in/<slug>`.
pub fn normalise_linkedin_profile(input: &str) -> Result<String, &'static str> {
    const RULE: &str = "must be a LinkedIn profile such as https://www.linkedin.com/in/ana-lopez";
    let text = compatible(input);
    let text = text.trim();
    let rest = text.split_once("://").map_or(text, |(_, r)| r);
    let (host, path) = rest.split_once('/').ok_or(RULE)?;
    let host = host.to_ascii_lowercase();
    if host != "linkedin.com" && !host.ends_with(".linkedin.com") {
        return Err(RULE);
    }
    let path = path.split(['?', '#']).next().unwrap_or_default().trim_end_matches('/');
    let slug = path.strip_prefix("in/").ok_or(RULE)?;
    if slug.is_empty() || slug.contains('/') || slug.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(RULE);
    }
    Ok(format!("https://www.linkedin.com/in/{}", slug.to_lowercase()))
}

impl Check {
    fn email(&mut self, value: Option<String>) -> Option<EmailAddress> {
        let value = value.filter(|v| !v.trim().is_empty())?;
        EmailAddress::parse(&value).map_err(|m| self.fail("email", "format", m)).ok()
    }

    fn profile(&mut self, value: Option<String>) -> Option<String> {
        let value = self.text("linkedin_url", value, 2048)?;
        normalise_linkedin_profile(&value).map_err(|m| self.fail("linkedin_url", "format", m)).ok()
    }

    fn phone(&mut self, value: Option<String>) -> Option<String> {
        let value = self.text("phone", value, 50)?;
        let digits = value.chars().filter(char::is_ascii_digit).count();
        let allowed = value.chars().all(|c| c.is_ascii_digit() || " +-().x".contains(c));
        if !allowed || !(5..=20).contains(&digits) {
            self.fail("phone", "format", "must be a phone number such as +1 415 555 0100");
            return None;
        }
        Some(value)
    }

    fn uuid(&mut self, field: &str, value: Option<String>) -> Option<String> {
        let value = value.filter(|v| !v.trim().is_empty())?;
        match uuid::Uuid::try_parse(value.trim()) {
            Ok(id) => Some(id.hyphenated().to_string()),
            Err(_) => {
                self.fail(field, "format", "must be an id");
                None
            }
        }
    }
}

impl CreateContact {
    /// Applies the rules; the error names every field at fault.
    pub fn validate(self) -> AppResult<ContactFields> {
        let mut c = Check::default();
        let title = c.text("title", self.title, 200);
        let fields = ContactFields {
            first_name: c.required("first_name", self.first_name, 100),
            last_name: c.text("last_name", self.last_name, 100),
            seniority: self
                .seniority
                .unwrap_or_else(|| title.as_deref().map_or(Seniority::Unknown, persona::seniority)),
            department: self.department.or_else(|| title.as_deref().map(persona::department)),
            title,
            persona: c.text("persona", self.persona, 100),
            email: c.email(self.email),
            linkedin_url: c.profile(self.linkedin_url),
            phone: c.phone(self.phone),
            timezone: c.timezone(self.timezone),
            account_id: c.uuid("account_id", self.account_id),
            owner_id: match self.owner_id {
                Patch::Absent => None,
                Patch::Null => Some(None),
                Patch::Value(id) => Some(c.uuid("owner_id", Some(id))),
            },
            notes: c.prose("notes", self.notes, 20_000),
            stage: Stage::New,
            status: ContactStatus::Active,
        };
        c.finish(fields)
    }
}

impl PatchContact {
    /// Applies the rules; the error names every field at fault. A new title re-derives
    /// seniority and department unless they are sent too.
    pub fn validate(self) -> AppResult<ContactChanges> {
        let mut c = Check::default();
        let first_name = match self.first_name {
            Patch::Absent => None,
            Patch::Null => {
                c.fail("first_name", "required", "cannot be cleared");
                None
            }
            Patch::Value(v) => Some(c.required("first_name", v, 100)),
        };
        let title = patched(self.title, |v| c.text("title", v, 200));
        let derived = title.as_ref().map(|t| t.as_deref());
        let seniority = match self.seniority {
            Patch::Value(s) => Some(s),
            Patch::Null => Some(Seniority::Unknown),
            Patch::Absent => derived.map(|t| t.map_or(Seniority::Unknown, persona::seniority)),
        };
        let department = match self.department {
            Patch::Value(d) => Some(Some(d)),
            Patch::Null => Some(None),
            Patch::Absent => derived.map(|t| t.map(persona::department)),
        };
        let changes = ContactChanges {
            first_name,
            last_name: patched(self.last_name, |v| c.text("last_name", v, 100)),
            seniority,
            department,
            title,
            persona: patched(self.persona, |v| c.text("persona", v, 100)),
            email: patched(self.email, |v| c.email(v)),
            linkedin_url: patched(self.linkedin_url, |v| c.profile(v)),
            phone: patched(self.phone, |v| c.phone(v)),
            timezone: patched(self.timezone, |v| c.timezone(v)),
            account_id: patched(self.account_id, |v| c.uuid("account_id", v)),
            owner_id: patched(self.owner_id, |v| c.uuid("owner_id", v)),
            notes: patched(self.notes, |v| c.prose("notes", v, 20_000)),
        };
        c.finish(changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;

    #[test]
    fn linkedin_profiles_have_one_spelling() {
        for input in [
            "linkedin.com/in/Ana-Lopez",
            "https://www.linkedin.com/in/ana-lopez/?trk=x",
            "http://de.linkedin.com/in/ana-lopez#about",
            "https://www.linkedin.com/in/ａｎａ-lopez",
        ] {
            assert_eq!(
                normalise_linkedin_profile(input).as_deref(),
                Ok("https://www.linkedin.com/in/ana-lopez"),
                "{input}"
            );
        }
        for bad in [
            "https://linkedin.com/company/acme",
            "https://example.com/in/ana",
            "linkedin.com/in/",
            "ana",
            "https://www.linkedin.com/in/ana-lopez\0",
            "https://www.linkedin.com/in/ana\u{7}lopez",
        ] {
            assert!(normalise_linkedin_profile(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn create_derives_persona_from_the_title_and_normalises_addresses() {
        let fields = CreateContact {
            first_name: " Ana ".into(),
            title: Some("VP of Sales".into()),
            email: Some("Ana@Acme.COM".into()),
            ..Default::default()
        }
        .validate()
        .expect("valid");
        assert_eq!(fields.first_name, "Ana");
        assert_eq!(fields.seniority, Seniority::Vp);
        assert_eq!(fields.department, Some(Department::Sales));
        assert_eq!(fields.email.as_ref().map(EmailAddress::as_str), Some("ana@acme.com"));
        assert_eq!(fields.owner_id, None, "absent owner: the handler decides");
    }

    #[test]
    fn create_reports_every_invalid_field() {
        let err = CreateContact {
            first_name: "".into(),
            email: Some("not-an-email".into()),
            linkedin_url: Some("https://linkedin.com/company/acme".into()),
            phone: Some("call me".into()),
            account_id: Some("nope".into()),
            ..Default::default()
        }
        .validate()
        .expect_err("invalid");
        let AppError::Validation(fields) = err else { panic!("422") };
        let mut names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["account_id", "email", "first_name", "linkedin_url", "phone"]);
    }

    #[test]
    fn a_new_title_rederives_seniority_unless_it_is_sent() {
        let changes = PatchContact { title: Patch::Value("Director of Engineering".into()), ..Default::default() }
            .validate()
            .expect("valid");
        assert_eq!(changes.seniority, Some(Seniority::Director));
        assert_eq!(changes.department, Some(Some(Department::Engineering)));
        let kept = PatchContact {
            title: Patch::Value("Director of Engineering".into()),
            seniority: Patch::Value(Seniority::Vp),
            ..Default::default()
        }
        .validate()
        .expect("valid");
        assert_eq!(kept.seniority, Some(Seniority::Vp));
        assert!(PatchContact::default().validate().expect("valid").is_empty());
    }
}
