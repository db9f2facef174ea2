DROP INDEX idx_accounts_names;
CREATE INDEX idx_accounts_names ON accounts (id, name, domain);
