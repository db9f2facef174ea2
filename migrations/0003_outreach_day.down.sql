DROP INDEX idx_linkedin_events_occurred;
DROP INDEX idx_pacing_linkedin_weekly_week;
DROP INDEX idx_pacing_linkedin_daily_day;
ALTER TABLE email_identities DROP COLUMN signature;

DROP INDEX idx_batch_prospects_position;
DROP INDEX idx_batches_created;

DROP INDEX idx_opportunities_updated;
DROP TRIGGER opportunities_after_insert_open;
DROP INDEX idx_opportunities_one_open;
DROP INDEX idx_opportunities_reply;
ALTER TABLE opportunities DROP COLUMN reply_id;

DROP TRIGGER touchpoints_after_update_sent;
DROP TRIGGER touchpoints_after_insert_sent;

DROP TABLE queue_snoozes;
