-- Today's counts (queue/sql.rs) read the lanes' owners, due times and channels from this index
-- alone, without visiting the queue's rows: a team's queue of a few thousand items is counted
-- in a few pages.
CREATE INDEX idx_queue_items_counts ON queue_items (lane, owner_id, due_at, channel);

-- The text indexes change only when the text they hold does. An edit names every column it
-- may change (contacts/repo.rs sets each to itself unless asked), so `UPDATE OF` alone
-- rewrote a contact's trigrams on every edit, and an account's on any change at all.
DROP TRIGGER contacts_fts_after_update;
CREATE TRIGGER contacts_fts_after_update AFTER UPDATE OF first_name, last_name, title, email ON contacts
WHEN OLD.first_name IS NOT NEW.first_name OR OLD.last_name IS NOT NEW.last_name
  OR OLD.title IS NOT NEW.title OR OLD.email IS NOT NEW.email
BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, first_name, last_name, title, email)
    VALUES ('delete', OLD.rowid, OLD.first_name, OLD.last_name, OLD.title, OLD.email);
    INSERT INTO contacts_fts (rowid, first_name, last_name, title, email)
    VALUES (NEW.rowid, NEW.first_name, NEW.last_name, NEW.title, NEW.email);
END;

DROP TRIGGER accounts_after_update;
CREATE TRIGGER accounts_after_update AFTER UPDATE ON accounts BEGIN
    UPDATE audit_log SET
        before = json_object(
            'name', OLD.name, 'domain', OLD.domain, 'industry', OLD.industry,
            'sub_industry', OLD.sub_industry, 'employee_count', OLD.employee_count,
            'country', OLD.country, 'timezone', OLD.timezone, 'website', OLD.website,
            'linkedin_url', OLD.linkedin_url, 'tech_stack', json(OLD.tech_stack), 'notes', OLD.notes),
        after = json_object(
            'name', NEW.name, 'domain', NEW.domain, 'industry', NEW.industry,
            'sub_industry', NEW.sub_industry, 'employee_count', NEW.employee_count,
            'country', NEW.country, 'timezone', NEW.timezone, 'website', NEW.website,
            'linkedin_url', NEW.linkedin_url, 'tech_stack', json(NEW.tech_stack), 'notes', NEW.notes)
    WHERE entity = 'account' AND entity_id = NEW.id AND before IS NULL AND after IS NULL;
END;
CREATE TRIGGER accounts_fts_after_update AFTER UPDATE OF name, domain ON accounts
WHEN OLD.name IS NOT NEW.name OR OLD.domain IS NOT NEW.domain
BEGIN
    INSERT INTO accounts_fts (accounts_fts, rowid, name, domain) VALUES ('delete', OLD.rowid, OLD.name, OLD.domain);
    INSERT INTO accounts_fts (rowid, name, domain) VALUES (NEW.rowid, NEW.name, NEW.domain);
END;
