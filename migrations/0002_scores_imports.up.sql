-- Scores follow the data, and CSV imports run as resumable jobs.

-- ---------------------------------------------------------------------------------------------
-- The ICP model version a contact's score was computed with. Rescoring everyone after a model
-- change works through the contacts still behind (idx_contacts_priority_version), in chunks, and
-- a score computed with an older model never overwrites one computed with a newer model.
ALTER TABLE contacts ADD COLUMN priority_version INTEGER NOT NULL DEFAULT 0 CHECK (priority_version >= 0);
CREATE INDEX idx_contacts_priority_version ON contacts (priority_version, id);

-- Every score a contact is given, and every change of it, is kept in icp_scores: the
-- application writes the score with the change that caused it and the history follows here.
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
