DROP TRIGGER owner_keys_after_contact_owner;
DROP TRIGGER replies_owner_after_insert;
DROP TRIGGER touchpoints_owner_after_insert;
DROP INDEX idx_replies_owner_day;
DROP INDEX idx_touchpoints_owner_day;
ALTER TABLE replies DROP COLUMN owner_key;
ALTER TABLE touchpoints DROP COLUMN owner_key;
DROP TRIGGER queue_touchpoints_after_update;
CREATE TRIGGER queue_touchpoints_after_update AFTER UPDATE ON touchpoints
WHEN OLD.draft_id IS NOT NULL OR NEW.draft_id IS NOT NULL
BEGIN
    DELETE FROM queue_items WHERE item IN ('draft:' || OLD.draft_id, 'draft:' || NEW.draft_id);
    INSERT INTO queue_items SELECT * FROM queue_draft_items WHERE draft_id IN (OLD.draft_id, NEW.draft_id);
END;
DROP TRIGGER queue_replies_after_update;
CREATE TRIGGER queue_replies_after_update AFTER UPDATE ON replies BEGIN
    DELETE FROM queue_items WHERE item = 'reply:' || OLD.id;
    INSERT INTO queue_items SELECT * FROM queue_reply_items WHERE reply_id = NEW.id;
END;
