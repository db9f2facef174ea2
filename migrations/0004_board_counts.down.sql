DROP INDEX idx_replies_intent;
DROP INDEX idx_replies_replied;
DROP INDEX idx_contacts_owner_stage;

DROP TRIGGER contact_stage_counts_after_delete;
DROP TRIGGER contact_stage_counts_after_update;
DROP TRIGGER contact_stage_counts_after_insert;
DROP TABLE contact_stage_counts;
