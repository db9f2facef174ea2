//! Where each mailbox's reading stands (`mailbox_sync`): which identities are due a reading
//! (claimed, so two workers at once do not both read one mailbox), their IMAP settings with the
//! password opened, the UIDVALIDITY and last UID taken, and how the last reading ended.

use serde::Deserialize;

use crate::config::Config;
use crate::crypto::SecretBox;
use crate::domain::enums::SmtpSecurity;
use crate::error::AppResult;
use crate::store::{Conn, from_row, single};

/// The most of an error kept in words.
const MOST_ERROR_CHARS: usize = 1000;

/// An identity's mailbox, ready to read.
pub(crate) struct Account {
    /// The identity.
    pub identity_id: String,
    /// The identity's own address (its own messages are not replies).
    pub from_address: String,
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: String,
    /// Opened with `OCC_SECRET_KEY`.
    pub password: String,
    /// The UIDVALIDITY the last UID belongs to (None before the first reading).
    pub uidvalidity: Option<u32>,
    /// The last UID taken.
    pub last_uid: u32,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account").field("identity_id", &self.identity_id).finish_non_exhaustive()
    }
}

/// Claims the enabled mailboxes not read since `due` (all of them when `due` is `at`): their
/// sync state is stamped `at`, so another worker passes them over until they are due again.
/// Answers their identities' ids.
pub(crate) async fn claim_due(conn: &Conn, at: &str, due: &str) -> AppResult<Vec<String>> {
    conn.query_all(
        "INSERT INTO mailbox_sync (identity_id, last_uid, updated_at) \
         SELECT id, 0, :at FROM email_identities WHERE imap_enabled = 1 \
         ON CONFLICT (identity_id) DO UPDATE SET updated_at = excluded.updated_at WHERE mailbox_sync.updated_at <= :due \
         RETURNING identity_id",
        libsql::named_params! {":at": at, ":due": due},
        single::<String>,
    )
    .await
}

/// An account's row: the identity's IMAP settings and its sync state.
#[derive(Deserialize)]
struct AccountRow {
    identity_id: String,
    from_address: String,
    imap_host: Option<String>,
    imap_port: Option<i64>,
    imap_security: Option<SmtpSecurity>,
    imap_username: Option<String>,
    imap_password_encrypted: Option<Vec<u8>>,
    uidvalidity: Option<i64>,
    last_uid: Option<i64>,
}

/// Whether an identity's mailbox can be read.
pub(crate) enum Readable {
    /// Ready, with the password opened.
    Ready(Account),
    /// Its settings are incomplete or its password cannot be opened, in words.
    Broken(String),
    /// The identity is gone, or its mailbox no longer read (changed since it was claimed).
    Gone,
}

/// The mailbox of an identity whose mailbox sync is on, with its password opened.
pub(crate) async fn account(conn: &Conn, config: &Config, identity_id: &str) -> AppResult<Readable> {
    let row: Option<AccountRow> = conn
        .query_opt(
            "SELECT i.id AS identity_id, i.from_address, i.imap_host, i.imap_port, i.imap_security, i.imap_username, \
               i.imap_password_encrypted, m.uidvalidity, m.last_uid \
             FROM email_identities i LEFT JOIN mailbox_sync m ON m.identity_id = i.id \
             WHERE i.id = ?1 AND i.imap_enabled = 1",
            [identity_id],
            from_row,
        )
        .await?;
    let Some(row) = row else { return Ok(Readable::Gone) };
    let (Some(host), Some(port), Some(username), Some(sealed)) =
        (row.imap_host, row.imap_port, row.imap_username, row.imap_password_encrypted)
    else {
        return Ok(Readable::Broken("the mailbox needs its host, port, user name and password".to_owned()));
    };
    let secrets = match SecretBox::from_key(config.secret_key.as_ref()) {
        Ok(secrets) => secrets,
        Err(e) => return Ok(Readable::Broken(e.to_string())),
    };
    let password = match secrets.open(&String::from_utf8_lossy(&sealed)) {
        Ok(password) => password,
        Err(e) => return Ok(Readable::Broken(format!("the mailbox password cannot be opened ({e}); set it again"))),
    };
    Ok(Readable::Ready(Account {
        identity_id: row.identity_id,
        from_address: row.from_address,
        host,
        port: u16::try_from(port).unwrap_or(0),
        security: row.imap_security.unwrap_or(SmtpSecurity::Tls),
        username,
        password,
        uidvalidity: row.uidvalidity.and_then(|v| u32::try_from(v).ok()),
        last_uid: row.last_uid.and_then(|v| u32::try_from(v).ok()).unwrap_or(0),
    }))
}

/// Notes the mailbox's UIDVALIDITY; when it is not the one the last UID belongs to, the reading
/// starts again from the beginning (what was taken is not taken twice: an inbound message is
/// one email event by its Message-ID).
pub(crate) async fn validity(conn: &Conn, identity_id: &str, uidvalidity: u32, at: &str) -> AppResult<()> {
    conn.write(
        "INSERT INTO mailbox_sync (identity_id, uidvalidity, last_uid, updated_at) VALUES (:id, :validity, 0, :at) \
         ON CONFLICT (identity_id) DO UPDATE SET uidvalidity = excluded.uidvalidity, last_uid = 0, updated_at = :at \
         WHERE mailbox_sync.uidvalidity IS NOT excluded.uidvalidity",
        libsql::named_params! {":id": identity_id, ":validity": i64::from(uidvalidity), ":at": at},
    )
    .await
}

/// The statement that notes a message taken: the last UID moves forward (never back), while
/// the mailbox's UIDVALIDITY is still the one it was read under.
pub(crate) const PROGRESS_SQL: &str = "UPDATE mailbox_sync SET last_uid = max(last_uid, :uid) \
     WHERE identity_id = :id AND uidvalidity = :validity";

/// Records how a reading ended: at `at` when it finished (`error` None), or why it did not.
pub(crate) async fn finished(conn: &Conn, identity_id: &str, at: &str, error: Option<&str>) -> AppResult<()> {
    let error: Option<String> = error.map(|e| e.chars().take(MOST_ERROR_CHARS).collect());
    conn.write(
        "INSERT INTO mailbox_sync (identity_id, last_uid, synced_at, error, updated_at) \
         VALUES (:id, 0, CASE WHEN :error IS NULL THEN :at END, :error, :at) \
         ON CONFLICT (identity_id) DO UPDATE SET synced_at = coalesce(excluded.synced_at, synced_at), \
         error = excluded.error, updated_at = excluded.updated_at",
        libsql::named_params! {":id": identity_id, ":at": at, ":error": error},
    )
    .await
}
