//! The one answer to "may we contact this person on this channel now, and if not, why".
//! Every outbound path (drafts, sending, LinkedIn and call tasks) asks it; nothing else decides.

use serde::Serialize;

use crate::domain::enums::{Channel, ContactStatus};
use crate::error::{AppError, AppResult};
use crate::store::{Conn, single};

/// Why a contact may not be reached on a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// Their email bounced hard: no channel.
    Bounced,
    /// They asked not to be contacted: no channel.
    DoNotContact,
    /// No email address, LinkedIn profile or phone number for this channel.
    NoAddress,
    /// The address, or its whole domain, is on the suppression list.
    Suppressed,
}

impl Refusal {
    /// A sentence for a person.
    pub fn message(self, channel: Channel) -> String {
        match self {
            Refusal::Bounced => "their email bounced; they are not contacted on any channel".to_owned(),
            Refusal::DoNotContact => "they asked not to be contacted, on any channel".to_owned(),
            Refusal::NoAddress => match channel {
                Channel::Email => "they have no email address".to_owned(),
                Channel::Linkedin => "they have no LinkedIn profile".to_owned(),
                Channel::Call => "they have no phone number".to_owned(),
            },
            Refusal::Suppressed => format!("their {channel} address is on the suppression list"),
        }
    }
}

/// What [`decide`] needs about the contact row `$c` for the channel whose name is the SQL
/// expression `$channel`, as one JSON array (for statements that read it along with other
/// things; decode it with [`Facts::decide`]).
macro_rules! reach_facts_sql {
    ($c:literal, $channel:literal) => {
        concat!(
            "json_array(", $c, ".status, ", $c, ".email IS NOT NULL, ", $c, ".linkedin_url IS NOT NULL, ", $c,
            ".phone IS NOT NULL, CASE ", $channel, " \
               WHEN 'email' THEN EXISTS (SELECT 1 FROM email_suppression rs WHERE \
                 (rs.kind = 'email' AND rs.value = ", $c, ".email) OR \
                 (rs.kind = 'domain' AND rs.value = substr(", $c, ".email, instr(", $c, ".email, '@') + 1))) \
               WHEN 'linkedin' THEN EXISTS (SELECT 1 FROM email_suppression rs WHERE rs.kind = 'linkedin' AND rs.value = ", $c, ".linkedin_url) \
               ELSE 0 END)"
        )
    };
}
pub(crate) use reach_facts_sql;

/// What [`reach_facts_sql!`] read: status, whether there is an email, a profile, a phone, and
/// whether the channel's address is suppressed (SQLite's 1 and 0).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Facts(String, i64, i64, i64, i64);

impl Facts {
    /// Reads [`reach_facts_sql!`]'s value.
    pub fn decode(text: &str) -> AppResult<Self> {
        serde_json::from_str(text).map_err(|e| AppError::Internal(anyhow::anyhow!("reach facts: {e}")))
    }

    /// The answer for `channel`.
    pub fn decide(&self, channel: Channel) -> AppResult<Result<(), Refusal>> {
        let status: ContactStatus =
            self.0.parse().map_err(|e| AppError::Internal(anyhow::anyhow!("stored status: {e}")))?;
        Ok(decide(status, channel, self.1 != 0, self.2 != 0, self.3 != 0, self.4 != 0))
    }
}

/// Whether `contact_id` may be contacted on `channel` now (one call). `NotFound` when there is
/// no such contact.
pub async fn may_contact(conn: &Conn, contact_id: &str, channel: Channel) -> AppResult<Result<(), Refusal>> {
    let facts: String = conn
        .query_one(
            "contact",
            concat!("SELECT ", reach_facts_sql!("c", "?2"), " FROM contacts c WHERE c.id = ?1"),
            libsql::params![contact_id, channel.as_str()],
            single,
        )
        .await?;
    Facts::decode(&facts)?.decide(channel)
}

/// The rule itself, without the database.
pub fn decide(
    status: ContactStatus,
    channel: Channel,
    has_email: bool,
    has_linkedin: bool,
    has_phone: bool,
    suppressed: bool,
) -> Result<(), Refusal> {
    match status {
        ContactStatus::Bounced => return Err(Refusal::Bounced),
        ContactStatus::DoNotContact => return Err(Refusal::DoNotContact),
        ContactStatus::Active | ContactStatus::Dormant => {}
    }
    let has_address = match channel {
        Channel::Email => has_email,
        Channel::Linkedin => has_linkedin,
        Channel::Call => has_phone,
    };
    if !has_address {
        return Err(Refusal::NoAddress);
    }
    if suppressed {
        return Err(Refusal::Suppressed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_rules_in_order() {
        use Channel::*;
        use ContactStatus::*;
        assert_eq!(decide(Active, Email, true, false, false, false), Ok(()));
        assert_eq!(decide(Active, Linkedin, true, false, false, false), Err(Refusal::NoAddress));
        assert_eq!(decide(Active, Email, true, true, true, true), Err(Refusal::Suppressed));
        assert_eq!(decide(Bounced, Call, true, true, true, false), Err(Refusal::Bounced));
        assert_eq!(decide(DoNotContact, Linkedin, true, true, true, false), Err(Refusal::DoNotContact));
        assert!(Refusal::NoAddress.message(Call).contains("phone"));
    }

    proptest! {
        #[test]
        fn bounced_and_do_not_contact_block_every_channel(
            channel in proptest::sample::select(Channel::ALL.to_vec()),
            flags in proptest::array::uniform4(any::<bool>()),
        ) {
            for status in [ContactStatus::Bounced, ContactStatus::DoNotContact] {
                prop_assert!(decide(status, channel, flags[0], flags[1], flags[2], flags[3]).is_err());
            }
        }
    }
}
