-- Touches and replies carry their contact's owner ('' for nobody), so a rep's Today counts the
-- day's emails sent and replies received from two ranges of an index (theirs and nobody's)
-- instead of looking up the contact of every touch and reply the whole team had that day.
-- Writers set it; the triggers below keep it equal to the contact's owner whatever a writer
-- set, and follow the contact when its owner changes.

-- Today's table follows a touch or a reply when what its item shows changes, no longer on
-- every change of the row: its owner key moving (below) changes none of it, and a trigger
-- that fired on it while the row's insert was still being handled could enter the row's item
-- before the insert's own trigger did.
DROP TRIGGER queue_replies_after_update;
CREATE TRIGGER queue_replies_after_update AFTER UPDATE OF contact_id, channel, intent, body, replied_at, handled_at
ON replies BEGIN
    DELETE FROM queue_items WHERE item = 'reply:' || OLD.id;
    INSERT INTO queue_items SELECT * FROM queue_reply_items WHERE reply_id = NEW.id;
END;
DROP TRIGGER queue_touchpoints_after_update;
CREATE TRIGGER queue_touchpoints_after_update AFTER UPDATE OF draft_id, status, attempts, error, created_at, updated_at
ON touchpoints
WHEN OLD.draft_id IS NOT NULL OR NEW.draft_id IS NOT NULL
BEGIN
    DELETE FROM queue_items WHERE item IN ('draft:' || OLD.draft_id, 'draft:' || NEW.draft_id);
    INSERT INTO queue_items SELECT * FROM queue_draft_items WHERE draft_id IN (OLD.draft_id, NEW.draft_id);
END;

ALTER TABLE touchpoints ADD COLUMN owner_key TEXT NOT NULL DEFAULT '';
ALTER TABLE replies ADD COLUMN owner_key TEXT NOT NULL DEFAULT '';
UPDATE touchpoints SET owner_key = ifnull((SELECT c.owner_id FROM contacts c WHERE c.id = touchpoints.contact_id), '');
UPDATE replies SET owner_key = ifnull((SELECT c.owner_id FROM contacts c WHERE c.id = replies.contact_id), '');

CREATE INDEX idx_touchpoints_owner_day ON touchpoints (owner_key, channel, sent_at);
CREATE INDEX idx_replies_owner_day ON replies (owner_key, replied_at, channel);

CREATE TRIGGER touchpoints_owner_after_insert AFTER INSERT ON touchpoints
WHEN NEW.owner_key IS NOT ifnull((SELECT c.owner_id FROM contacts c WHERE c.id = NEW.contact_id), '')
BEGIN
    UPDATE touchpoints SET owner_key = ifnull((SELECT c.owner_id FROM contacts c WHERE c.id = NEW.contact_id), '')
    WHERE id = NEW.id;
END;
CREATE TRIGGER replies_owner_after_insert AFTER INSERT ON replies
WHEN NEW.owner_key IS NOT ifnull((SELECT c.owner_id FROM contacts c WHERE c.id = NEW.contact_id), '')
BEGIN
    UPDATE replies SET owner_key = ifnull((SELECT c.owner_id FROM contacts c WHERE c.id = NEW.contact_id), '')
    WHERE id = NEW.id;
END;
CREATE TRIGGER owner_keys_after_contact_owner AFTER UPDATE OF owner_id ON contacts
WHEN OLD.owner_id IS NOT NEW.owner_id
BEGIN
    UPDATE touchpoints SET owner_key = ifnull(NEW.owner_id, '') WHERE contact_id = NEW.id;
    UPDATE replies SET owner_key = ifnull(NEW.owner_id, '') WHERE contact_id = NEW.id;
END;
