-- Reverts 0010: the sync state, then the identity's IMAP settings (the password with them).
DROP TABLE mailbox_sync;
ALTER TABLE email_identities DROP COLUMN imap_enabled;
ALTER TABLE email_identities DROP COLUMN imap_password_encrypted;
ALTER TABLE email_identities DROP COLUMN imap_username;
ALTER TABLE email_identities DROP COLUMN imap_security;
ALTER TABLE email_identities DROP COLUMN imap_port;
ALTER TABLE email_identities DROP COLUMN imap_host;
