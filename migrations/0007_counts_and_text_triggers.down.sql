DROP TRIGGER accounts_fts_after_update;
DROP TRIGGER accounts_after_update;
CREATE TRIGGER accounts_after_update AFTER UPDATE ON accounts BEGIN
    INSERT INTO accounts_fts (accounts_fts, rowid, name, domain) VALUES ('delete', OLD.rowid, OLD.name, OLD.domain);
    INSERT INTO accounts_fts (rowid, name, domain) VALUES (NEW.rowid, NEW.name, NEW.domain);
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
DROP TRIGGER contacts_fts_after_update;
CREATE TRIGGER contacts_fts_after_update AFTER UPDATE OF first_name, last_name, title, email ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, first_name, last_name, title, email)
    VALUES ('delete', OLD.rowid, OLD.first_name, OLD.last_name, OLD.title, OLD.email);
    INSERT INTO contacts_fts (rowid, first_name, last_name, title, email)
    VALUES (NEW.rowid, NEW.first_name, NEW.last_name, NEW.title, NEW.email);
END;
DROP INDEX idx_queue_items_counts;
