//! Domain types: values that have passed validation (parse, don't validate), ids and closed sets.
//!
//! Platform layer (see the crate's documentation): it names no feature, only other platform
//! modules; `cargo xtask layers` checks it.

mod closed_enum;
pub mod enums;
mod ids;
pub mod text;
mod web;

pub use closed_enum::UnknownVariant;
pub use ids::{AccountId, SessionId, TokenId, UserId, new_id};
pub use web::{DomainName, EmailAddress, parse_timezone};

use chrono::{DateTime, SecondsFormat, Utc};

/// The current time as stored and served: RFC 3339, UTC, milliseconds, `Z`.
pub fn now() -> String {
    stored(Utc::now())
}

/// A time as stored and served: RFC 3339, UTC, milliseconds, `Z`.
pub fn stored(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The zone of an IANA name; UTC for one that is not known.
pub fn zone(name: &str) -> chrono_tz::Tz {
    name.parse().unwrap_or(chrono_tz::Tz::UTC)
}
