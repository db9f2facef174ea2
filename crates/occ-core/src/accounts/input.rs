//! The create and patch bodies of an account, and the rules that turn them into values
//! that can be stored. Every failed rule is reported, each naming its field.

use serde::Deserialize;

use crate::domain::DomainName;
use crate::error::AppResult;
use crate::http::Patch;
use crate::validate::{Check, patched};

/// `POST /api/v1/accounts`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccount {
    /// Required.
    pub name: String,
    /// A domain or a URL; normalised. Derived from `website` when absent.
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub industry: Option<String>,
    #[serde(default)]
    pub sub_industry: Option<String>,
    #[serde(default)]
    pub employee_count: Option<i64>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub linkedin_url: Option<String>,
    #[serde(default)]
    pub tech_stack: Option<Vec<String>>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// `PATCH /api/v1/accounts/{id}`: absent fields are unchanged, `null` clears.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchAccount {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub domain: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub industry: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub sub_industry: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub employee_count: Patch<i64>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub country: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub timezone: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub website: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub linkedin_url: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub tech_stack: Patch<Vec<String>>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub notes: Patch<String>,
}

/// A complete, valid account (what an insert stores).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountFields {
    pub name: String,
    pub domain: Option<DomainName>,
    pub industry: Option<String>,
    pub sub_industry: Option<String>,
    pub employee_count: Option<i64>,
    pub country: Option<String>,
    pub timezone: Option<String>,
    pub website: Option<String>,
    pub linkedin_url: Option<String>,
    pub tech_stack: Vec<String>,
    pub notes: Option<String>,
}

/// A valid set of changes: `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountChanges {
    pub name: Option<String>,
    pub domain: Option<Option<DomainName>>,
    pub industry: Option<Option<String>>,
    pub sub_industry: Option<Option<String>>,
    pub employee_count: Option<Option<i64>>,
    pub country: Option<Option<String>>,
    pub timezone: Option<Option<String>>,
    pub website: Option<Option<String>>,
    pub linkedin_url: Option<Option<String>>,
    pub tech_stack: Option<Vec<String>>,
    pub notes: Option<Option<String>>,
}

impl AccountChanges {
    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl Check {
    fn name(&mut self, value: String) -> String {
        self.required("name", value, 200)
    }

    fn domain(&mut self, value: Option<String>) -> Option<DomainName> {
        let value = value.filter(|v| !v.trim().is_empty())?;
        DomainName::parse(&value).map_err(|m| self.fail("domain", "format", m)).ok()
    }

    fn employee_count(&mut self, value: Option<i64>) -> Option<i64> {
        let n = value?;
        if !(0..=10_000_000).contains(&n) {
            self.fail("employee_count", "range", "must be from 0 to 10,000,000");
            return None;
        }
        Some(n)
    }

    fn website(&mut self, value: Option<String>) -> Option<String> {
        let value = self.text("website", value, 2048)?;
        let url = if value.contains("://") { value } else { format!("https://{value}") };
        let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
        if !scheme_ok || DomainName::parse(&url).is_err() || url.contains(char::is_whitespace) {
            self.fail("website", "format", "must be a web address such as https://acme.com");
            return None;
        }
        Some(url)
    }

    fn linkedin_url(&mut self, value: Option<String>) -> Option<String> {
        let value = self.text("linkedin_url", value, 2048)?;
        let url = if value.contains("://") { value } else { format!("https://{value}") };
        let host_ok = DomainName::parse(&url)
            .is_ok_and(|d| d.as_str() == "linkedin.com" || d.as_str().ends_with(".linkedin.com"));
        let path = url.split("://").nth(1).and_then(|r| r.split_once('/')).map(|(_, p)| p).unwrap_or_default();
        if !host_ok || !(path.starts_with("company/") || path.starts_with("school/") || path.starts_with("showcase/")) {
            self.fail(
                "linkedin_url",
                "format",
                "must be a LinkedIn company page such as https://www.linkedin.com/company/acme",
            );
            return None;
        }
        let path = path.split(['?', '#']).next().unwrap_or_default().trim_end_matches('/');
        Some(format!("https://www.linkedin.com/{path}"))
    }

    fn tech_stack(&mut self, value: Option<Vec<String>>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for item in value.unwrap_or_default() {
            let item = item.trim().to_owned();
            if item.is_empty() {
                continue;
            }
            if item.chars().count() > 60 {
                self.fail("tech_stack", "max_length", "each technology must be at most 60 characters");
                return Vec::new();
            }
            if !out.iter().any(|t| t.eq_ignore_ascii_case(&item)) {
                out.push(item);
            }
        }
        if out.len() > 100 {
            self.fail("tech_stack", "max_items", "must list at most 100 technologies");
            return Vec::new();
        }
        out
    }
}

impl CreateAccount {
    /// Applies the rules; the error names every field at fault.
    pub fn validate(self) -> AppResult<AccountFields> {
        let mut c = Check::default();
        let website = c.website(self.website);
        let domain = match self.domain {
            Some(d) if !d.trim().is_empty() => c.domain(Some(d)),
            _ => website.as_deref().and_then(|w| DomainName::parse(w).ok()),
        };
        let fields = AccountFields {
            name: c.name(self.name),
            domain,
            industry: c.text("industry", self.industry, 100),
            sub_industry: c.text("sub_industry", self.sub_industry, 100),
            employee_count: c.employee_count(self.employee_count),
            country: c.text("country", self.country, 100),
            timezone: c.timezone(self.timezone),
            website,
            linkedin_url: c.linkedin_url(self.linkedin_url),
            tech_stack: c.tech_stack(self.tech_stack),
            notes: c.prose("notes", self.notes, 20_000),
        };
        c.finish(fields)
    }
}

impl PatchAccount {
    /// Applies the rules; the error names every field at fault.
    pub fn validate(self) -> AppResult<AccountChanges> {
        let mut c = Check::default();
        let name = match self.name {
            Patch::Absent => None,
            Patch::Null => {
                c.fail("name", "required", "cannot be cleared");
                None
            }
            Patch::Value(v) => Some(c.name(v)),
        };
        let changes = AccountChanges {
            name,
            domain: patched(self.domain, |v| c.domain(v)),
            industry: patched(self.industry, |v| c.text("industry", v, 100)),
            sub_industry: patched(self.sub_industry, |v| c.text("sub_industry", v, 100)),
            employee_count: patched(self.employee_count, |v| c.employee_count(v)),
            country: patched(self.country, |v| c.text("country", v, 100)),
            timezone: patched(self.timezone, |v| c.timezone(v)),
            website: patched(self.website, |v| c.website(v)),
            linkedin_url: patched(self.linkedin_url, |v| c.linkedin_url(v)),
            tech_stack: match self.tech_stack {
                Patch::Absent => None,
                Patch::Null => Some(Vec::new()),
                Patch::Value(v) => Some(c.tech_stack(Some(v))),
            },
            notes: patched(self.notes, |v| c.prose("notes", v, 20_000)),
        };
        c.finish(changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;

    fn errors(result: AppResult<impl std::fmt::Debug>) -> Vec<(String, String)> {
        match result {
            Err(AppError::Validation(f)) => f.into_iter().map(|f| (f.field, f.rule)).collect(),
            other => panic!("expected 422, got {other:?}"),
        }
    }

    #[test]
    fn create_normalises_and_derives_the_domain_from_the_website() {
        let fields = CreateAccount {
            name: "  Acme  ".into(),
            website: Some("www.Acme.com/about".into()),
            linkedin_url: Some("linkedin.com/company/acme/?trk=x".into()),
            tech_stack: Some(vec!["dbt".into(), " DBT ".into(), "Snowflake".into(), "".into()]),
            industry: Some("   ".into()),
            ..Default::default()
        }
        .validate()
        .expect("valid");
        assert_eq!(fields.name, "Acme");
        assert_eq!(fields.domain.as_ref().map(DomainName::as_str), Some("acme.com"));
        assert_eq!(fields.website.as_deref(), Some("https://www.Acme.com/about"));
        assert_eq!(fields.linkedin_url.as_deref(), Some("https://www.linkedin.com/company/acme"));
        assert_eq!(fields.tech_stack, ["dbt", "Snowflake"]);
        assert_eq!(fields.industry, None);
    }

    #[test]
    fn create_reports_every_invalid_field() {
        let result = CreateAccount {
            name: " ".into(),
            domain: Some("not a domain".into()),
            employee_count: Some(-1),
            timezone: Some("Mars/Base".into()),
            linkedin_url: Some("https://example.com/company/acme".into()),
            notes: Some("x".repeat(20_001)),
            ..Default::default()
        }
        .validate();
        let mut got = errors(result);
        got.sort();
        let mut expected = vec![
            ("domain", "format"),
            ("employee_count", "range"),
            ("linkedin_url", "format"),
            ("name", "required"),
            ("notes", "max_length"),
            ("timezone", "format"),
        ];
        expected.sort();
        assert_eq!(got, expected.into_iter().map(|(a, b)| (a.to_owned(), b.to_owned())).collect::<Vec<_>>());
    }

    #[test]
    fn patch_tells_unchanged_from_cleared_and_refuses_clearing_the_name() {
        let changes =
            PatchAccount { industry: Patch::Null, domain: Patch::Value("https://B.io".into()), ..Default::default() }
                .validate()
                .expect("valid");
        assert_eq!(changes.industry, Some(None));
        assert_eq!(changes.domain, Some(Some(DomainName::parse("b.io").expect("domain"))));
        assert_eq!(changes.country, None);
        assert!(PatchAccount::default().validate().expect("valid").is_empty());
        assert_eq!(
            errors(PatchAccount { name: Patch::Null, ..Default::default() }.validate()),
            [("name".into(), "required".into())]
        );
    }
}
