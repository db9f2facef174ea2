//! Mailbox sync: the worker reads the INBOX of each identity whose IMAP settings are on, so the
//! answers, bounces and auto-replies that land in the rep's own mailbox reach OCC without a
//! provider's webhook.
//!
//! Each tick claims the mailboxes not read for [`POLL_SECONDS`] (`state`), connects (`imap`),
//! examines INBOX read-only and fetches, with `BODY.PEEK`, at most [`MESSAGES_PER_TICK`] messages
//! after the last UID taken (all of the last [`LOOKBACK_DAYS`] when the mailbox is new or its
//! UIDVALIDITY changed). Each message is read (`parse`, `dsn`) and taken (`record`): a delivery
//! report of a failure is a hard (5.x.x) or soft (4.x.x) bounce, an automatic reply is an out of
//! office, anything else a contact wrote is a reply, matched to OCC's sent message by
//! In-Reply-To and References, else to the contact by the sender's address; mail from anybody
//! else is passed over. A message is one email event by its Message-ID, and the last UID moves
//! in the same transaction, so a restart, a second worker or a new UIDVALIDITY takes nothing
//! twice. A mailbox that fails is reported (in the tick's report and in the identity's
//! `mailbox_error`) and the others are read.

mod dsn;
mod imap;
mod parse;
mod record;
mod state;

use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::config::Config;
use crate::domain::stored;
use crate::error::{AppError, AppResult};
use crate::store::Conn;
use record::{Place, Recorded};

/// How often a mailbox is read at most (a tick may come every few seconds).
pub const POLL_SECONDS: i64 = 60;
/// The most messages one reading of a mailbox takes; the rest wait for the next.
pub const MESSAGES_PER_TICK: usize = 50;
/// How far back a new mailbox (or one whose UIDVALIDITY changed) is read.
pub const LOOKBACK_DAYS: i64 = 30;
/// How long a tick starts reading mailboxes, so a slow server leaves the tick's other work its
/// time (a reading under way may finish after it).
pub const TICK_SHARE: std::time::Duration = std::time::Duration::from_secs(10);
/// Messages fetched in one command.
const FETCH_CHUNK: usize = 10;

/// What reading the mailboxes did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MailboxReport {
    /// Mailboxes read to the end (or to this tick's share).
    pub mailboxes: usize,
    /// Replies of contacts recorded, classified, with their consequences.
    pub replies: usize,
    /// Automatic replies of contacts recorded as out of office.
    pub auto_replies: usize,
    /// Bounces (hard or soft) of contacts' addresses, with their effects.
    pub bounces: usize,
    /// Messages passed over: from nobody OCC knows, the mailbox's own, or not for OCC.
    pub skipped: usize,
    /// Messages taken before (read again by another worker or after a UIDVALIDITY change).
    pub duplicates: usize,
    /// Messages the database refused (logged with their UID), passed over so that they hold
    /// nothing up.
    pub refused: usize,
    /// Mailboxes that could not be read (the reason is on the identity and in the log).
    pub failed_identities: Vec<String>,
    /// The reading stopped when the tick's time ran out; the rest waits for the next tick.
    pub out_of_time: bool,
}

impl MailboxReport {
    /// Whether it took anything in.
    pub fn did_anything(&self) -> bool {
        self.replies + self.auto_replies + self.bounces > 0
    }

    fn count(&mut self, recorded: Recorded) {
        match recorded {
            Recorded::Reply => self.replies += 1,
            Recorded::AutoReply => self.auto_replies += 1,
            Recorded::Bounce => self.bounces += 1,
            Recorded::Duplicate => self.duplicates += 1,
            Recorded::Skipped => self.skipped += 1,
        }
    }
}

/// Reads every enabled mailbox that is due at `now`, starting none after `deadline` or after
/// [`TICK_SHARE`]. One mailbox's failure is logged and reported, and the others are read.
pub async fn sync_due(conn: &Conn, config: &Config, now: DateTime<Utc>, deadline: Instant) -> AppResult<MailboxReport> {
    let deadline = deadline.min(Instant::now() + TICK_SHARE);
    let at = stored(now);
    let ids = state::claim_due(conn, &at, &stored(now - Duration::seconds(POLL_SECONDS))).await?;
    let mut report = MailboxReport::default();
    for id in ids {
        if Instant::now() >= deadline {
            report.out_of_time = true;
            break;
        }
        sync_one(conn, config, &id, now, MESSAGES_PER_TICK, deadline, &mut report).await?;
    }
    Ok(report)
}

/// Reads one identity's mailbox at `now` (at most `most` messages), whether due or not, adding
/// what it did to `report` (nothing when the identity is gone or its mailbox no longer read).
/// The mailbox's failure is recorded on it, logged and reported; an error of OCC's own (the
/// database) is answered.
pub async fn sync_one(
    conn: &Conn,
    config: &Config,
    identity_id: &str,
    now: DateTime<Utc>,
    most: usize,
    deadline: Instant,
    report: &mut MailboxReport,
) -> AppResult<()> {
    let at = stored(now);
    let outcome = match state::account(conn, config, identity_id).await? {
        state::Readable::Ready(account) => read(conn, &account, now, most, deadline, report).await?,
        state::Readable::Broken(problem) => Err(problem),
        state::Readable::Gone => return Ok(()),
    };
    match outcome {
        Ok(()) => {
            report.mailboxes += 1;
            state::finished(conn, identity_id, &at, None).await
        }
        Err(problem) => {
            // The reason names no password and no message; the server's words may be in it.
            tracing::warn!(identity_id, error = problem.as_str(), "a mailbox could not be read");
            report.failed_identities.push(identity_id.to_owned());
            state::finished(conn, identity_id, &at, Some(&problem)).await
        }
    }
}

/// The reading of one mailbox: Ok(Err(words)) when the mailbox failed, Err when OCC did.
async fn read(
    conn: &Conn,
    account: &state::Account,
    now: DateTime<Utc>,
    most: usize,
    deadline: Instant,
    report: &mut MailboxReport,
) -> AppResult<Result<(), String>> {
    let login = imap::Login {
        host: &account.host,
        port: account.port,
        security: account.security,
        username: &account.username,
        password: &account.password,
    };
    let mut inbox = match imap::open(&login).await {
        Ok(inbox) => inbox,
        Err(e) => return Ok(Err(e.0)),
    };
    let uidvalidity = inbox.uidvalidity;
    let last_uid = if account.uidvalidity == Some(uidvalidity) { account.last_uid } else { 0 };
    if account.uidvalidity != Some(uidvalidity) {
        state::validity(conn, &account.identity_id, uidvalidity, &stored(now)).await?;
    }
    let uids = match inbox.new_uids(last_uid, now - Duration::days(LOOKBACK_DAYS)).await {
        Ok(uids) => uids,
        Err(e) => {
            inbox.close().await;
            return Ok(Err(e.0));
        }
    };
    let taken = taken(conn, &mut inbox, account, &uids[..uids.len().min(most)], now, deadline, report).await;
    inbox.close().await;
    taken
}

/// Fetches and takes `uids` in order, in chunks, starting no chunk after `deadline`.
async fn taken(
    conn: &Conn,
    inbox: &mut imap::Inbox,
    account: &state::Account,
    uids: &[u32],
    now: DateTime<Utc>,
    deadline: Instant,
    report: &mut MailboxReport,
) -> AppResult<Result<(), String>> {
    for chunk in uids.chunks(FETCH_CHUNK) {
        if Instant::now() >= deadline {
            report.out_of_time = true;
            break;
        }
        let messages = match inbox.fetch(chunk).await {
            Ok(messages) => messages,
            Err(e) => return Ok(Err(e.0)),
        };
        for (uid, raw) in messages {
            let place = Place { account, uidvalidity: inbox.uidvalidity, uid };
            match record::record(conn, place, &raw, now).await {
                Ok(recorded) => report.count(recorded),
                // What the database refuses once it refuses again: the message is passed over,
                // so that it cannot hold up the mailbox. Its UID says which it was.
                Err(err @ (AppError::Conflict { .. } | AppError::Validation(_))) => {
                    let identity_id = account.identity_id.as_str();
                    tracing::warn!(identity_id, uid, error = %err, "a message of a mailbox was refused and passed over");
                    record::passed_over(conn, place).await?;
                    report.refused += 1;
                }
                Err(err) => return Err(err),
            }
        }
    }
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use crate::domain::enums::SmtpSecurity;

    #[test]
    fn the_imap_security_check_lists_the_smtp_securities() {
        let schema = include_str!("../../../../../migrations/0010_mailbox_sync.up.sql");
        let line = schema.lines().find(|l| l.contains("ADD COLUMN imap_security")).expect("the column");
        let list = line.split("IN (").nth(1).and_then(|l| l.split(')').next()).expect("its CHECK list");
        let mut found: Vec<&str> = list.split(',').map(|v| v.trim().trim_matches('\'')).collect();
        let mut names = SmtpSecurity::names();
        found.sort_unstable();
        names.sort_unstable();
        assert_eq!(found, names);
    }
}
