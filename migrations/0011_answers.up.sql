-- Answering a reply in OCC: a draft may answer a reply (it then goes out in the reply's
-- thread), and sending the answer marks the reply handled. The Replies screen lists the replies
-- waiting for a person, newest first.

ALTER TABLE message_drafts ADD COLUMN reply_id TEXT REFERENCES replies (id) ON DELETE SET NULL;
-- The answers to a reply; SET NULL when it goes.
CREATE INDEX idx_message_drafts_reply ON message_drafts (reply_id) WHERE reply_id IS NOT NULL;

-- Replies waiting for a person, newest first, whatever their intent.
CREATE INDEX idx_replies_waiting ON replies (replied_at, id) WHERE handled_at IS NULL;

-- An answer that went out (sent by the sender, or a LinkedIn message or call marked done) has
-- handled the reply it answers.
CREATE TRIGGER touchpoints_after_insert_answer AFTER INSERT ON touchpoints
WHEN NEW.status = 'sent' AND NEW.draft_id IS NOT NULL
BEGIN
    UPDATE replies SET handled_at = NEW.sent_at, handled_by = NEW.created_by, updated_at = NEW.updated_at
    WHERE id = (SELECT reply_id FROM message_drafts WHERE id = NEW.draft_id) AND handled_at IS NULL;
END;
CREATE TRIGGER touchpoints_after_update_answer AFTER UPDATE OF status ON touchpoints
WHEN NEW.status = 'sent' AND OLD.status <> 'sent' AND NEW.draft_id IS NOT NULL
BEGIN
    UPDATE replies SET handled_at = NEW.sent_at, handled_by = NEW.created_by, updated_at = NEW.updated_at
    WHERE id = (SELECT reply_id FROM message_drafts WHERE id = NEW.draft_id) AND handled_at IS NULL;
END;
