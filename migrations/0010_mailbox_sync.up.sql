-- Mailbox sync: each identity may name the IMAP mailbox its prospects answer to, and the worker
-- reads that mailbox's INBOX for replies, bounces (RFC 3464) and auto-replies (RFC 3834).
-- Added columns only, all nullable or defaulted, so functions of the release before keep
-- working against this schema during a deploy.

-- The mailbox's IMAP settings. The password is sealed by the application like the SMTP one
-- (AEAD, key from OCC_SECRET_KEY); never plain text. `imap_security` takes the values of
-- `smtp_security`. A mailbox is read only while `imap_enabled` is 1.
ALTER TABLE email_identities ADD COLUMN imap_host TEXT CHECK (imap_host IS NULL OR length(imap_host) BETWEEN 1 AND 253);
ALTER TABLE email_identities ADD COLUMN imap_port INTEGER CHECK (imap_port IS NULL OR imap_port BETWEEN 1 AND 65535);
ALTER TABLE email_identities ADD COLUMN imap_security TEXT CHECK (imap_security IS NULL OR imap_security IN ('starttls', 'tls', 'none'));
ALTER TABLE email_identities ADD COLUMN imap_username TEXT CHECK (imap_username IS NULL OR length(imap_username) BETWEEN 1 AND 254);
ALTER TABLE email_identities ADD COLUMN imap_password_encrypted BLOB;
ALTER TABLE email_identities ADD COLUMN imap_enabled INTEGER NOT NULL DEFAULT 0 CHECK (imap_enabled IN (0, 1));

-- Where the reading of each identity's INBOX stands. `uidvalidity` and `last_uid` say which
-- messages were taken: those with a UID up to `last_uid` while the server's UIDVALIDITY is
-- `uidvalidity` (a new UIDVALIDITY starts the reading again; what was taken is not taken twice,
-- because an inbound message is one email event and one reply by its Message-ID). `synced_at`
-- is the last reading that finished; `error` says in words why the last one did not (NULL when
-- it did). Goes with its identity.
CREATE TABLE mailbox_sync (
    identity_id  TEXT PRIMARY KEY REFERENCES email_identities (id) ON DELETE CASCADE,
    uidvalidity  INTEGER CHECK (uidvalidity IS NULL OR uidvalidity BETWEEN 0 AND 4294967295),
    last_uid     INTEGER NOT NULL DEFAULT 0 CHECK (last_uid BETWEEN 0 AND 4294967295),
    synced_at    TEXT,
    error        TEXT CHECK (error IS NULL OR length(error) <= 1000),
    updated_at   TEXT NOT NULL
) STRICT;
