//! Web-facing values of accounts and contacts: domain names and IANA time zones.

use std::fmt;

use super::text::compatible;

/// A company's domain, normalised: lower-case, no scheme, no `www.`, no port, path or query,
/// no trailing dot. `https://www.Acme.com/about` becomes `acme.com`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DomainName(String);

impl DomainName {
    /// Parses and normalises a domain or a website URL; the error says what is wrong.
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let input = compatible(input);
        let mut rest = input.trim();
        if let Some(idx) = rest.find("://") {
            rest = &rest[idx + 3..];
        }
        let rest = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let rest = rest.rsplit('@').next().unwrap_or_default();
        let host = rest.split(':').next().unwrap_or_default().trim_end_matches('.');
        let host = host.to_ascii_lowercase();
        let host = host.strip_prefix("www.").unwrap_or(&host).to_owned();
        let labels: Vec<&str> = host.split('.').collect();
        let valid_label = |l: &&str| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        if host.is_empty() {
            return Err("must be a domain such as acme.com");
        }
        if host.len() > 253 {
            return Err("must be at most 253 characters");
        }
        if labels.len() < 2 || !labels.iter().all(valid_label) {
            return Err("must be a domain such as acme.com");
        }
        let tld = labels.last().copied().unwrap_or_default();
        if tld.chars().all(|c| c.is_ascii_digit()) {
            return Err("must be a domain name, not an IP address");
        }
        Ok(Self(host))
    }

    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An email address in one spelling (Unicode NFKC, trimmed, lower-cased), with a domain that
/// [`DomainName`] accepts. Wherever an address is a key (users, contacts, suppression, the
/// login limit) it is compared in this spelling.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// The one spelling of what was typed as an address, valid or not (NFKC, trimmed,
    /// lower-cased): `K@T.local` with a Kelvin sign and `k@t.local` are the same.
    pub fn spelling(input: &str) -> String {
        compatible(input).trim().to_lowercase()
    }

    /// Parses an email address; the error says what is wrong.
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let text = Self::spelling(input);
        const RULE: &str = "must be an email address such as ana@acme.com";
        let Some((local, domain)) = text.rsplit_once('@') else { return Err(RULE) };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        let domain_ok = DomainName::parse(domain).is_ok()
            && !domain.ends_with('.')
            && domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if text.len() > 254 || !local_ok || !domain_ok {
            return Err(RULE);
        }
        Ok(Self(text))
    }

    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks an IANA time zone name (`Europe/Berlin`, `UTC`) and answers its canonical spelling.
pub fn parse_timezone(input: &str) -> Result<String, &'static str> {
    input
        .trim()
        .parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_owned())
        .map_err(|_| "must be an IANA time zone such as Europe/Berlin or America/New_York")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn domains_are_normalised() {
        let cases = [
            ("acme.com", "acme.com"),
            ("https://www.Acme.com/", "acme.com"),
            ("http://WWW.acme.co.uk/about?x=1#top", "acme.co.uk"),
            ("acme.com:8443", "acme.com"),
            ("  sub.Acme.io. ", "sub.acme.io"),
            ("user@mail.acme.com", "mail.acme.com"),
        ];
        for (input, expected) in cases {
            assert_eq!(DomainName::parse(input).map(|d| d.0), Ok(expected.to_owned()), "{input}");
        }
    }

    #[test]
    fn invalid_domains_are_refused() {
        for input in ["", "not a domain", "acme", "acme..com", "-acme.com", "192.168.0.1", "https://", "acme_.com"] {
            assert!(DomainName::parse(input).is_err(), "{input:?} should be refused");
        }
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(EmailAddress::parse(" Ana.Lopez@Acme.COM ").map(|e| e.0), Ok("ana.lopez@acme.com".to_owned()));
        for bad in ["", "ana", "@acme.com", "ana@", "ana@acme", "a b@acme.com", "ana..x@acme.com", "ana@www.acme.com/x"]
        {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn an_address_or_a_domain_has_one_spelling() {
        let kelvin = EmailAddress::parse("\u{212A}k@t.local").expect("valid");
        assert_eq!(kelvin, EmailAddress::parse("kk@t.local").expect("valid"));
        assert_eq!(EmailAddress::parse("ａｎａ＠ａｃｍｅ．ｃｏｍ").map(|e| e.0), Ok("ana@acme.com".to_owned()));
        assert_eq!(EmailAddress::spelling(" \u{212A}K@T.local\0"), "kk@t.local\0");
        assert_eq!(DomainName::parse("ＡＣＭＥ.com").map(|d| d.0), Ok("acme.com".to_owned()));
        for bad in ["ana@acme.com\0", "ana\0@acme.com", "ana@acme.com\r\nbcc: x@y.z"] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?}");
        }
        assert!(DomainName::parse("acme.com\0").is_err());
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert_eq!(parse_timezone("Europe/Berlin"), Ok("Europe/Berlin".to_owned()));
        assert!(parse_timezone("Mars/Olympus").is_err());
    }

    proptest! {
        #[test]
        fn normalising_is_idempotent(input in "[a-zA-Z0-9.:/@-]{0,40}") {
            if let Ok(d) = DomainName::parse(&input) {
                prop_assert_eq!(DomainName::parse(d.as_str()), Ok(d.clone()));
                prop_assert_eq!(d.as_str().to_ascii_lowercase(), d.as_str());
            }
        }
    }
}
