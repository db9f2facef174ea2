//! Reading an import's CSV: chunks of records (tolerant of a byte order mark, quoted fields,
//! CRLF line ends and blank lines), the header row, and the column mapping guessed from it.

use std::collections::BTreeMap;

use crate::error::{AppError, AppResult, FieldError};

/// What a column can be imported as: the contact's fields, then its company's.
pub const FIELDS: &[&str] = &[
    "first_name",
    "last_name",
    "full_name",
    "title",
    "email",
    "linkedin_url",
    "phone",
    "timezone",
    "notes",
    "seniority",
    "department",
    "company",
    "domain",
    "website",
    "industry",
    "sub_industry",
    "employee_count",
    "country",
];

/// Header spellings each field is recognised by (compared as lower-case words joined by `_`).
const SYNONYMS: &[(&str, &[&str])] = &[
    ("first_name", &["first_name", "firstname", "first", "given_name", "forename", "contact_first_name"]),
    ("last_name", &["last_name", "lastname", "last", "surname", "family_name", "contact_last_name"]),
    ("full_name", &["name", "full_name", "fullname", "contact_name", "contact", "person", "person_name"]),
    ("title", &["title", "job_title", "jobtitle", "position", "role", "designation"]),
    ("email", &["email", "e_mail", "email_address", "work_email", "business_email", "mail", "contact_email"]),
    (
        "linkedin_url",
        &[
            "linkedin",
            "linkedin_url",
            "linkedin_profile",
            "profile_url",
            "person_linkedin_url",
            "linkedin_profile_url",
            "li_url",
        ],
    ),
    ("phone", &["phone", "phone_number", "mobile", "mobile_phone", "telephone", "tel", "direct_phone", "work_phone"]),
    ("timezone", &["timezone", "time_zone", "tz"]),
    ("notes", &["notes", "note", "comments", "comment", "description"]),
    ("seniority", &["seniority", "level", "seniority_level"]),
    ("department", &["department", "dept", "function", "departments"]),
    (
        "company",
        &[
            "company",
            "company_name",
            "account",
            "account_name",
            "organization",
            "organisation",
            "employer",
            "organization_name",
        ],
    ),
    ("domain", &["domain", "company_domain", "website_domain", "email_domain"]),
    ("website", &["website", "company_website", "url", "web", "homepage", "site", "company_url"]),
    ("industry", &["industry", "vertical", "sector", "company_industry"]),
    ("sub_industry", &["sub_industry", "subindustry", "segment", "sub_sector"]),
    (
        "employee_count",
        &[
            "employees",
            "employee_count",
            "headcount",
            "company_size",
            "size",
            "num_employees",
            "number_of_employees",
            "staff",
        ],
    ),
    ("country", &["country", "company_country", "hq_country", "location_country"]),
];

fn words(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    for ch in header.trim().chars() {
        if ch.is_alphanumeric() {
            out.extend(ch.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_owned()
}

/// The mapping a person would most likely choose: each header to the field its name suggests,
/// each field at most once (the first header that suggests it), the rest ignored.
pub fn guess(headers: &[String]) -> BTreeMap<String, Option<String>> {
    let mut taken: Vec<&str> = Vec::new();
    headers
        .iter()
        .map(|header| {
            let key = words(header);
            let field = SYNONYMS
                .iter()
                .find(|(field, names)| !taken.contains(field) && names.contains(&key.as_str()))
                .map(|(field, _)| *field);
            if let Some(field) = field {
                taken.push(field);
            }
            (header.clone(), field.map(str::to_owned))
        })
        .collect()
}

/// Checks a mapping against the headers: every key a header, every value a field, no field
/// twice. Each problem is named `mapping.<header>`, so a screen can show it by its column.
pub fn check_mapping(headers: &[String], mapping: &BTreeMap<String, Option<String>>) -> AppResult<()> {
    let mut errors = Vec::new();
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for (header, field) in mapping {
        let name = format!("mapping.{header}");
        if !headers.is_empty() && !headers.contains(header) {
            errors.push(FieldError::new(name, "header", format!("the file has no column {header:?}")));
            continue;
        }
        let Some(field) = field else { continue };
        if !FIELDS.contains(&field.as_str()) {
            let message = format!("{field:?} is not a field; use one of {} or null", FIELDS.join(", "));
            errors.push(FieldError::new(name, "field", message));
        } else if let Some(other) = seen.insert(field, header) {
            errors.push(FieldError::new(name, "unique", format!("{field} is already mapped from {other:?}")));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
}

/// One data row: its fields and the line it starts on within its chunk (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The line within the chunk.
    pub line: u64,
    /// The fields, as written.
    pub fields: Vec<String>,
}

/// A chunk read: the header row (chunk 0 only), its data rows, and its physical line count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The header names (unique, never empty), from chunk 0.
    pub headers: Option<Vec<String>>,
    /// The data rows; rows with nothing in them are left out.
    pub records: Vec<Record>,
    /// Physical lines, so the next chunk's lines can be numbered.
    pub lines: u64,
}

fn header_names(raw: Vec<String>) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(raw.len());
    for (i, name) in raw.into_iter().enumerate() {
        let base = match name.trim() {
            "" => format!("Column {}", i + 1),
            trimmed => trimmed.to_owned(),
        };
        let mut unique = base.clone();
        let mut n = 2;
        while names.contains(&unique) {
            unique = format!("{base} ({n})");
            n += 1;
        }
        names.push(unique);
    }
    names
}

/// Reads a chunk of CSV text. Chunk 0 starts with the header row (and may start with a byte
/// order mark). Fails with a reason when the text is not CSV.
pub fn read_chunk(text: &str, first: bool) -> Result<Chunk, String> {
    read_chunk_up_to(text, first, usize::MAX)
}

/// Reads a chunk's first `records` data records (an import step needs no more).
pub fn read_chunk_up_to(text: &str, first: bool, records_wanted: usize) -> Result<Chunk, String> {
    let text = if first { text.strip_prefix('\u{feff}').unwrap_or(text) } else { text };
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut headers = None;
    let mut records = Vec::new();
    // Lines are counted here: the reader's own count lags after a CRLF.
    let bytes = text.as_bytes();
    let (mut at, mut line) = (0usize, 1u64);
    let mut line_of = |start: usize| {
        let mut start = start.min(bytes.len());
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        line += bytes[at..start].iter().filter(|b| **b == b'\n').count() as u64;
        at = start;
        line
    };
    for result in reader.records() {
        if records.len() >= records_wanted {
            break;
        }
        let record = result.map_err(|e| match e.position() {
            Some(at) => format!("line {}: {}", at.line(), e.kind_reason()),
            None => e.to_string(),
        })?;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let line = line_of(record.position().map_or(0, |p| p.byte() as usize));
        let fields: Vec<String> = record.iter().map(str::to_owned).collect();
        if first && headers.is_none() {
            headers = Some(header_names(fields));
        } else {
            records.push(Record { line, fields });
        }
    }
    if first && headers.is_none() {
        return Err("the first chunk has no header row".to_owned());
    }
    let newlines = text.bytes().filter(|b| *b == b'\n').count() as u64;
    let lines = newlines + u64::from(!text.is_empty() && !text.ends_with('\n'));
    Ok(Chunk { headers, records, lines })
}

trait KindReason {
    fn kind_reason(&self) -> String;
}

impl KindReason for csv::Error {
    fn kind_reason(&self) -> String {
        match self.kind() {
            csv::ErrorKind::Utf8 { .. } => "not UTF-8 text (save the file as CSV UTF-8)".to_owned(),
            other => format!("{other:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_messy_file_reads_cleanly() {
        let text = "\u{feff}First Name,Last Name,Email,Company\r\n\
                    Ana,Lopez,ana@acme.com,\"Acme, Inc.\"\r\n\
                    \r\n\
                    ,,,\r\n\
                    Bo,\"O\"\"Neil\",bo@acme.com,\"Two\r\nlines\"\r\n\
                    Cy,,cy@acme.com";
        let chunk = read_chunk(text, true).expect("reads");
        assert_eq!(
            chunk.headers.as_deref(),
            Some(&["First Name", "Last Name", "Email", "Company"].map(String::from)[..])
        );
        assert_eq!(chunk.records.len(), 3, "blank rows are left out");
        assert_eq!(chunk.records[0].fields[3], "Acme, Inc.");
        assert_eq!(chunk.records[1].fields[1], "O\"Neil");
        assert_eq!(chunk.records[1].fields[3], "Two\r\nlines");
        assert_eq!(chunk.records.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 5, 7]);
        assert_eq!(chunk.lines, 7);
    }

    #[test]
    fn later_chunks_have_no_header_and_bad_text_is_named() {
        let chunk = read_chunk("Dee,dee@x.com\n", false).expect("reads");
        let head = read_chunk_up_to("name\nAda\nBo\nCy\n", true, 2).expect("reads");
        assert_eq!(head.records.iter().map(|r| r.fields[0].as_str()).collect::<Vec<_>>(), ["Ada", "Bo"]);
        assert_eq!((head.records[1].line, head.lines), (3, 4), "lines still count the whole chunk");
        assert_eq!((chunk.headers, chunk.records.len(), chunk.lines), (None, 1, 1));
        let bad = read_chunk("a,b\n\u{0}ok,\"unterminated\n", true);
        assert!(bad.is_ok(), "the csv reader is lenient with quotes: {bad:?}");
        assert_eq!(read_chunk("", true).expect_err("no header"), "the first chunk has no header row");
    }

    #[test]
    fn headers_are_made_unique_and_mapped_by_their_meaning() {
        let headers = header_names(vec!["Email".into(), "".into(), "Email".into(), "Job Title".into()]);
        assert_eq!(headers, ["Email", "Column 2", "Email (2)", "Job Title"]);
        let mapping = guess(&headers);
        assert_eq!(mapping["Email"].as_deref(), Some("email"));
        assert_eq!(mapping["Email (2)"], None, "a field is mapped once");
        assert_eq!(mapping["Job Title"].as_deref(), Some("title"));
        let apollo: Vec<String> =
            ["First Name", "Last Name", "Title", "Company Name", "Person Linkedin Url", "# Employees", "Website"]
                .map(String::from)
                .to_vec();
        let mapped: Vec<Option<String>> = apollo.iter().map(|h| guess(&apollo)[h].clone()).collect();
        assert_eq!(
            mapped.iter().map(|m| m.as_deref().unwrap_or("-")).collect::<Vec<_>>(),
            ["first_name", "last_name", "title", "company", "linkedin_url", "employee_count", "website"]
        );
    }

    #[test]
    fn a_mapping_names_real_columns_and_fields_once() {
        let headers = vec!["E-mail".to_owned(), "Mail".to_owned()];
        let ok: BTreeMap<_, _> = [("E-mail".to_owned(), Some("email".to_owned()))].into();
        assert!(check_mapping(&headers, &ok).is_ok());
        let twice: BTreeMap<_, _> =
            [("E-mail".to_owned(), Some("email".to_owned())), ("Mail".to_owned(), Some("email".to_owned()))].into();
        assert!(check_mapping(&headers, &twice).is_err());
        let unknown: BTreeMap<_, _> = [("E-mail".to_owned(), Some("shoe_size".to_owned()))].into();
        assert!(check_mapping(&headers, &unknown).is_err());
        let missing: BTreeMap<_, _> = [("Phone".to_owned(), Some("phone".to_owned()))].into();
        assert!(check_mapping(&headers, &missing).is_err());
    }
}
