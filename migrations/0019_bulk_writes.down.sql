DROP TRIGGER contacts_score_history_insert;
DROP TRIGGER contacts_score_history_update;
CREATE TRIGGER contacts_score_history_insert AFTER INSERT ON contacts
WHEN NEW.priority_factors <> '{}'
BEGIN
    INSERT INTO icp_scores (id, contact_id, score, factors, config_version, computed_at)
    VALUES (lower(hex(randomblob(16))), NEW.id, NEW.priority_score, NEW.priority_factors, NEW.priority_version,
            NEW.updated_at);
END;
CREATE TRIGGER contacts_score_history_update AFTER UPDATE OF priority_score, priority_factors ON contacts
WHEN NEW.priority_score IS NOT OLD.priority_score OR NEW.priority_factors IS NOT OLD.priority_factors
BEGIN
    INSERT INTO icp_scores (id, contact_id, score, factors, config_version, computed_at)
    VALUES (lower(hex(randomblob(16))), NEW.id, NEW.priority_score, NEW.priority_factors, NEW.priority_version,
            strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

DROP INDEX idx_contacts_priority_version;
CREATE INDEX idx_contacts_priority_version ON contacts (priority_version, id);
