DROP INDEX idx_message_drafts_enrollment_step;

DROP TABLE import_rows;
DROP TABLE import_chunks;
DROP TABLE imports;

DROP TRIGGER contacts_score_history_update;
DROP TRIGGER contacts_score_history_insert;
DROP INDEX idx_contacts_priority_version;
ALTER TABLE contacts DROP COLUMN priority_version;
