DROP TRIGGER touchpoints_after_update_answer;
DROP TRIGGER touchpoints_after_insert_answer;
DROP INDEX idx_replies_waiting;
DROP INDEX idx_message_drafts_reply;
ALTER TABLE message_drafts DROP COLUMN reply_id;
