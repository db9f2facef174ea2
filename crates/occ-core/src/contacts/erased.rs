//! Who was erased: only hashes of an erased person's email and LinkedIn URL stay (in the
//! suppression list, reason `erased`), and nobody with one of them is added again, by hand or by
//! import. Erasing itself is `erase`.

use crate::access::secrets;
use crate::error::{AppError, AppResult};
use crate::store::Conn;

/// The hash kept for an erased address: SHA-256 of its normalised spelling.
pub fn erased_hash(normalised: &str) -> String {
    secrets::hash_secret(normalised)
}

/// Whether an email or LinkedIn URL belongs to an erased person (one call).
pub async fn is_erased(conn: &Conn, email: Option<&str>, linkedin_url: Option<&str>) -> AppResult<bool> {
    if email.is_none() && linkedin_url.is_none() {
        return Ok(false);
    }
    let found = conn
        .query_opt(
            "SELECT 1 FROM email_suppression WHERE reason = 'erased' AND \
             ((kind = 'email' AND value_hash = ?1) OR (kind = 'linkedin' AND value_hash = ?2)) LIMIT 1",
            libsql::params![email.map(erased_hash), linkedin_url.map(erased_hash)],
            |_| Ok(()),
        )
        .await?;
    Ok(found.is_some())
}

/// The refusal for a person who was erased.
pub fn erased_refusal(field: &str) -> AppError {
    AppError::invalid(field, "erased", "this person asked to be erased and cannot be added again")
}
