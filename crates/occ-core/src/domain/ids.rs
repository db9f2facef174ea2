//! Typed ids: a UUIDv7 per row, wrapped per table so ids of different tables cannot be mixed.

use std::fmt;

use uuid::Uuid;

/// A new time-ordered id (UUIDv7) as text.
pub fn new_id() -> String {
    Uuid::now_v7().to_string()
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Parses an id from text (a path segment, a JSON field); `None` when it is not a UUID.
            pub fn parse(text: &str) -> Option<Self> {
                Uuid::try_parse(text).ok().map(Self)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl From<$name> for libsql::Value {
            fn from(id: $name) -> Self {
                libsql::Value::Text(id.to_string())
            }
        }
    };
}

id_type!(
    /// The id of an account.
    AccountId
);

id_type!(
    /// The id of a user.
    UserId
);

id_type!(
    /// The id of a session.
    SessionId
);

id_type!(
    /// The id of an API token.
    TokenId
);
