DROP TRIGGER touchpoints_after_insert_sent;
DROP TRIGGER touchpoints_after_update_sent;
CREATE TRIGGER touchpoints_after_insert_sent AFTER INSERT ON touchpoints WHEN NEW.status = 'sent'
BEGIN
    UPDATE message_drafts SET approval_status = 'sent', updated_at = NEW.updated_at
    WHERE id = NEW.draft_id AND approval_status = 'approved';
    UPDATE contacts SET last_touch_at = NEW.sent_at
    WHERE id = NEW.contact_id AND (last_touch_at IS NULL OR last_touch_at < NEW.sent_at);
    INSERT INTO linkedin_events (id, kind, contact_id, touchpoint_id, user_id, note, occurred_at, created_at)
    SELECT lower(hex(randomblob(16))),
           CASE NEW.kind WHEN 'linkedin_connect' THEN 'connection_sent' WHEN 'linkedin_message' THEN 'message_sent'
                         ELSE 'inmail_sent' END,
           NEW.contact_id, NEW.id, NEW.created_by, NEW.notes, NEW.sent_at, NEW.updated_at
    WHERE NEW.channel = 'linkedin';
END;
CREATE TRIGGER touchpoints_after_update_sent AFTER UPDATE OF status ON touchpoints
WHEN NEW.status = 'sent' AND OLD.status <> 'sent'
BEGIN
    UPDATE message_drafts SET approval_status = 'sent', updated_at = NEW.updated_at
    WHERE id = NEW.draft_id AND approval_status = 'approved';
    UPDATE contacts SET last_touch_at = NEW.sent_at
    WHERE id = NEW.contact_id AND (last_touch_at IS NULL OR last_touch_at < NEW.sent_at);
    INSERT INTO linkedin_events (id, kind, contact_id, touchpoint_id, user_id, note, occurred_at, created_at)
    SELECT lower(hex(randomblob(16))),
           CASE NEW.kind WHEN 'linkedin_connect' THEN 'connection_sent' WHEN 'linkedin_message' THEN 'message_sent'
                         ELSE 'inmail_sent' END,
           NEW.contact_id, NEW.id, NEW.created_by, NEW.notes, NEW.sent_at, NEW.updated_at
    WHERE NEW.channel = 'linkedin';
END;
