-- The working day: Today's snoozed items, opportunities that remember the reply they came
-- from (one open opportunity per contact), the lists' orders, and identities' signatures.

-- ---------------------------------------------------------------------------------------------
-- A Today item a user put off until later. Items are named `<kind>:<id>` (reply:…, draft:…,
-- followup:…, meeting:…, contact:…); a snooze hides the item from that user's queue until
-- `until`. Done items leave the queue through their own rows (a handled reply, a sent draft).
CREATE TABLE queue_snoozes (
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    item        TEXT NOT NULL CHECK (length(item) BETWEEN 3 AND 100),
    until       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, item)
) STRICT;
-- Pruning snoozes that have run out.
CREATE INDEX idx_queue_snoozes_until ON queue_snoozes (until);

-- ---------------------------------------------------------------------------------------------
-- A touch that went out (recorded as sent, or sent later by the sender) marks its draft sent,
-- dates the contact's last touch, and for LinkedIn records the event the daily limits count.
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

-- ---------------------------------------------------------------------------------------------
-- The positive reply an opportunity was booked from.
ALTER TABLE opportunities ADD COLUMN reply_id TEXT REFERENCES replies (id) ON DELETE SET NULL;
CREATE INDEX idx_opportunities_reply ON opportunities (reply_id) WHERE reply_id IS NOT NULL;
-- A contact has at most one open opportunity (booked, held or created), even when two
-- requests race.
CREATE UNIQUE INDEX idx_opportunities_one_open ON opportunities (contact_id)
    WHERE status IN ('meeting_booked', 'meeting_held', 'opportunity_created');
-- A booked meeting ends the contact's sequence, and nothing written for it goes out.
CREATE TRIGGER opportunities_after_insert_open AFTER INSERT ON opportunities
WHEN NEW.contact_id IS NOT NULL AND NEW.status IN ('meeting_booked', 'meeting_held', 'opportunity_created')
BEGIN
    UPDATE enrollments SET status = 'exited', exit_reason = 'meeting_booked', paused_until = NULL, next_due_at = NULL,
        ended_at = NEW.created_at, updated_at = NEW.created_at
    WHERE contact_id = NEW.contact_id AND status IN ('active', 'paused');
    UPDATE message_drafts SET approval_status = 'archived', updated_at = NEW.created_at,
        notes = coalesce(notes, 'archived: a meeting was booked')
    WHERE contact_id = NEW.contact_id AND approval_status IN ('draft', 'pending', 'approved');
END;
-- The opportunities list, latest change first.
CREATE INDEX idx_opportunities_updated ON opportunities (updated_at, id);

-- The batches list, newest first.
CREATE INDEX idx_batches_created ON batches (created_at, id);
-- A batch's members in order.
CREATE INDEX idx_batch_prospects_position ON batch_prospects (batch_id, position);

-- ---------------------------------------------------------------------------------------------
-- The signature an identity's messages end with.
ALTER TABLE email_identities ADD COLUMN signature TEXT CHECK (signature IS NULL OR length(signature) <= 5000);

-- LinkedIn's numbers: the team's day and week, and the events of a period.
CREATE INDEX idx_pacing_linkedin_daily_day ON pacing_linkedin_daily (day);
CREATE INDEX idx_pacing_linkedin_weekly_week ON pacing_linkedin_weekly (week);
CREATE INDEX idx_linkedin_events_occurred ON linkedin_events (occurred_at);
