-- Today's work, kept as it changes rather than gathered on every read: one row per item that
-- can be in someone's queue (a reply waiting, a booked meeting, a pending follow-up, a draft to
-- review, an approved email, call or LinkedIn task, a high-priority contact not yet
-- researched), with what the queue shows of it. The triggers below keep it exact in the
-- statement that changes its source, so Today reads the few rows it shows and its cost does
-- not grow with the book. What depends on the clock (a meeting in the next 24 hours, a
-- follow-up due today, a snooze) is decided when the queue is read.
--
-- Each lane's rows are defined once, by a view over the source tables; a trigger recomputes
-- the items its change touches from that view (delete, then insert what the view says now).

-- ---------------------------------------------------------------------------------------------
CREATE TABLE queue_items (
    -- The item's name in the API: reply:, meeting:, followup:, draft: or contact: and an id.
    item            TEXT PRIMARY KEY,
    lane            TEXT NOT NULL CHECK (lane IN ('reply', 'meeting', 'followup', 'review', 'ready', 'linkedin', 'research')),
    -- What the queue calls it: reply_positive, reply, meeting, followup, review, email, call,
    -- send_check, send_failed, linkedin or research.
    kind            TEXT NOT NULL,
    contact_id      TEXT NOT NULL,
    -- The contact's owner (NULL: nobody's), kept in step with contacts.owner_id.
    owner_id        TEXT,
    due_at          TEXT NOT NULL,
    priority        INTEGER NOT NULL,
    -- A lane's items are taken by order_score descending, then order_key: the time the lane
    -- is ordered by, or (research) the contact's score and id.
    order_score     INTEGER NOT NULL,
    order_key       TEXT NOT NULL,
    channel         TEXT,
    reply_id        TEXT,
    draft_id        TEXT,
    followup_id     TEXT,
    opportunity_id  TEXT,
    excerpt         TEXT,
    detail          TEXT,
    -- An approved email or call whose send is in flight: counted as ready, not offered.
    busy            INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
-- Each lane in its order (Today takes the first of each lane); the day's counts by lane.
CREATE INDEX idx_queue_items_lane ON queue_items (lane, order_score DESC, order_key);
-- A contact's items: its owner or status changed, it was deleted.
CREATE INDEX idx_queue_items_contact ON queue_items (contact_id, lane);

-- ---------------------------------------------------------------------------------------------
-- What each lane holds, from the source tables; the triggers read them one row at a time.
CREATE VIEW queue_reply_items AS
SELECT 'reply:' || r.id AS item, 'reply' AS lane,
       CASE r.intent WHEN 'positive' THEN 'reply_positive' ELSE 'reply' END AS kind,
       r.contact_id AS contact_id, c.owner_id AS owner_id, r.replied_at AS due_at,
       CASE r.intent WHEN 'positive' THEN 100 WHEN 'question' THEN 85 WHEN 'referral' THEN 80 WHEN 'neutral' THEN 75 ELSE 45 END AS priority,
       0 AS order_score, r.replied_at AS order_key, r.channel AS channel, r.id AS reply_id, NULL AS draft_id,
       NULL AS followup_id, NULL AS opportunity_id, substr(r.body, 1, 160) AS excerpt, r.intent AS detail, 0 AS busy
FROM replies r JOIN contacts c ON c.id = r.contact_id
WHERE r.handled_at IS NULL AND r.intent IN ('positive', 'question', 'referral', 'neutral', 'negative', 'not_now');

CREATE VIEW queue_meeting_items AS
SELECT 'meeting:' || o.id AS item, 'meeting' AS lane, 'meeting' AS kind, o.contact_id AS contact_id,
       c.owner_id AS owner_id, o.meeting_at AS due_at, 95 AS priority, 0 AS order_score, o.meeting_at AS order_key,
       NULL AS channel, NULL AS reply_id, NULL AS draft_id, NULL AS followup_id, o.id AS opportunity_id,
       substr(o.notes, 1, 160) AS excerpt, NULL AS detail, 0 AS busy
FROM opportunities o JOIN contacts c ON c.id = o.contact_id
WHERE o.status = 'meeting_booked' AND o.meeting_at IS NOT NULL;

-- Priority 70; Today makes it 72 when the follow-up was due before the day began.
CREATE VIEW queue_followup_items AS
SELECT 'followup:' || f.id AS item, 'followup' AS lane, 'followup' AS kind, f.contact_id AS contact_id,
       c.owner_id AS owner_id, f.due_at AS due_at, 70 AS priority, 0 AS order_score, f.due_at AS order_key,
       f.channel AS channel, NULL AS reply_id, NULL AS draft_id, f.id AS followup_id, NULL AS opportunity_id,
       f.reason AS excerpt, NULL AS detail, 0 AS busy
FROM followups f JOIN contacts c ON c.id = f.contact_id
WHERE f.status = 'pending' AND c.status NOT IN ('bounced', 'do_not_contact');

-- Drafts awaiting review, and approved ones: an email or call task (or, after a send whose
-- outcome is unknown or that failed every attempt, a send to check) or a LinkedIn task.
-- 3 is crate::sending::MAX_ATTEMPTS.
CREATE VIEW queue_draft_rows AS
SELECT 'draft:' || d.id AS item,
       CASE WHEN d.approval_status = 'pending' THEN 'review' WHEN d.channel = 'linkedin' THEN 'linkedin' ELSE 'ready' END AS lane,
       CASE WHEN d.approval_status = 'pending' THEN 'review'
            WHEN d.channel = 'linkedin' THEN 'linkedin'
            WHEN d.channel = 'call' THEN 'call'
            WHEN t.status = 'unknown' THEN 'send_check'
            WHEN (SELECT coalesce(sum(x.attempts), 0) FROM touchpoints x WHERE x.draft_id = d.id AND x.status = 'failed') >= 3 THEN 'send_failed'
            ELSE 'email' END AS kind,
       d.contact_id AS contact_id, c.owner_id AS owner_id,
       CASE WHEN d.approval_status = 'pending' THEN d.created_at WHEN d.channel = 'linkedin' THEN d.updated_at
            ELSE coalesce(t.updated_at, d.updated_at) END AS due_at,
       0 AS priority, 0 AS order_score, d.created_at AS order_key, d.channel AS channel, NULL AS reply_id, d.id AS draft_id,
       NULL AS followup_id, NULL AS opportunity_id,
       CASE WHEN d.approval_status = 'approved' AND d.channel = 'linkedin' THEN substr(d.body, 1, 160)
            ELSE coalesce(d.subject, substr(d.body, 1, 160)) END AS excerpt,
       CASE WHEN d.approval_status = 'pending' THEN CAST(json_array_length(d.quality_report, '$.flags') AS TEXT)
            WHEN d.channel = 'linkedin' THEN coalesce(s.kind, 'linkedin_message')
            ELSE t.id END AS detail,
       d.approval_status = 'approved' AND d.channel <> 'linkedin' AND coalesce(t.status, '') IN ('reserved', 'sending') AS busy,
       t.error AS error
FROM message_drafts d JOIN contacts c ON c.id = d.contact_id
LEFT JOIN touchpoints t ON t.id = (SELECT l.id FROM touchpoints l WHERE l.draft_id = d.id ORDER BY l.created_at DESC LIMIT 1)
LEFT JOIN sequence_steps s ON s.id = d.step_id
WHERE d.approval_status IN ('pending', 'approved');

CREATE VIEW queue_draft_items AS
SELECT item, lane, kind, contact_id, owner_id, due_at,
       CASE kind WHEN 'review' THEN 60 WHEN 'linkedin' THEN 55 WHEN 'send_check' THEN 90 WHEN 'send_failed' THEN 68
                 WHEN 'call' THEN 65 ELSE 50 END AS priority,
       order_score, order_key, channel, reply_id, draft_id, followup_id, opportunity_id,
       CASE WHEN kind IN ('send_check', 'send_failed') THEN error ELSE excerpt END AS excerpt, detail, busy
FROM queue_draft_rows;

-- 70 is crate::queue::RESEARCH_SCORE.
CREATE VIEW queue_research_items AS
SELECT 'contact:' || c.id AS item, 'research' AS lane, 'research' AS kind, c.id AS contact_id, c.owner_id AS owner_id,
       c.updated_at AS due_at, 20 + c.priority_score / 5 AS priority, c.priority_score AS order_score, c.id AS order_key,
       NULL AS channel, NULL AS reply_id, NULL AS draft_id, NULL AS followup_id, NULL AS opportunity_id,
       c.title AS excerpt, CAST(c.priority_score AS TEXT) AS detail, 0 AS busy
FROM contacts c
WHERE c.status = 'active' AND c.stage = 'new' AND c.priority_score >= 70
  AND NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.contact_id = c.id AND e.status IN ('active', 'paused'));

-- Every item, as the table should hold it (the backfill below; tests compare the two).
CREATE VIEW queue_sources AS
SELECT * FROM queue_reply_items
UNION ALL SELECT * FROM queue_meeting_items
UNION ALL SELECT * FROM queue_followup_items
UNION ALL SELECT * FROM queue_draft_items
UNION ALL SELECT * FROM queue_research_items;

INSERT INTO queue_items SELECT * FROM queue_sources;

-- ---------------------------------------------------------------------------------------------
-- Replies.
CREATE TRIGGER queue_replies_after_insert AFTER INSERT ON replies BEGIN
    INSERT INTO queue_items SELECT * FROM queue_reply_items WHERE reply_id = NEW.id;
END;
CREATE TRIGGER queue_replies_after_update AFTER UPDATE ON replies BEGIN
    DELETE FROM queue_items WHERE item = 'reply:' || OLD.id;
    INSERT INTO queue_items SELECT * FROM queue_reply_items WHERE reply_id = NEW.id;
END;
CREATE TRIGGER queue_replies_after_delete AFTER DELETE ON replies BEGIN
    DELETE FROM queue_items WHERE item = 'reply:' || OLD.id;
END;

-- Meetings.
CREATE TRIGGER queue_opportunities_after_insert AFTER INSERT ON opportunities BEGIN
    INSERT INTO queue_items SELECT * FROM queue_meeting_items WHERE opportunity_id = NEW.id;
END;
CREATE TRIGGER queue_opportunities_after_update AFTER UPDATE ON opportunities BEGIN
    DELETE FROM queue_items WHERE item = 'meeting:' || OLD.id;
    INSERT INTO queue_items SELECT * FROM queue_meeting_items WHERE opportunity_id = NEW.id;
END;
CREATE TRIGGER queue_opportunities_after_delete AFTER DELETE ON opportunities BEGIN
    DELETE FROM queue_items WHERE item = 'meeting:' || OLD.id;
END;

-- Follow-ups.
CREATE TRIGGER queue_followups_after_insert AFTER INSERT ON followups BEGIN
    INSERT INTO queue_items SELECT * FROM queue_followup_items WHERE followup_id = NEW.id;
END;
CREATE TRIGGER queue_followups_after_update AFTER UPDATE ON followups BEGIN
    DELETE FROM queue_items WHERE item = 'followup:' || OLD.id;
    INSERT INTO queue_items SELECT * FROM queue_followup_items WHERE followup_id = NEW.id;
END;
CREATE TRIGGER queue_followups_after_delete AFTER DELETE ON followups BEGIN
    DELETE FROM queue_items WHERE item = 'followup:' || OLD.id;
END;

-- Drafts, and the sends that decide what an approved one asks for.
CREATE TRIGGER queue_drafts_after_insert AFTER INSERT ON message_drafts BEGIN
    INSERT INTO queue_items SELECT * FROM queue_draft_items WHERE draft_id = NEW.id;
END;
CREATE TRIGGER queue_drafts_after_update AFTER UPDATE ON message_drafts BEGIN
    DELETE FROM queue_items WHERE item = 'draft:' || OLD.id;
    INSERT INTO queue_items SELECT * FROM queue_draft_items WHERE draft_id = NEW.id;
END;
CREATE TRIGGER queue_drafts_after_delete AFTER DELETE ON message_drafts BEGIN
    DELETE FROM queue_items WHERE item = 'draft:' || OLD.id;
END;
CREATE TRIGGER queue_touchpoints_after_insert AFTER INSERT ON touchpoints WHEN NEW.draft_id IS NOT NULL BEGIN
    DELETE FROM queue_items WHERE item = 'draft:' || NEW.draft_id;
    INSERT INTO queue_items SELECT * FROM queue_draft_items WHERE draft_id = NEW.draft_id;
END;
CREATE TRIGGER queue_touchpoints_after_update AFTER UPDATE ON touchpoints
WHEN OLD.draft_id IS NOT NULL OR NEW.draft_id IS NOT NULL
BEGIN
    DELETE FROM queue_items WHERE item IN ('draft:' || OLD.draft_id, 'draft:' || NEW.draft_id);
    INSERT INTO queue_items SELECT * FROM queue_draft_items WHERE draft_id IN (OLD.draft_id, NEW.draft_id);
END;
CREATE TRIGGER queue_touchpoints_after_delete AFTER DELETE ON touchpoints WHEN OLD.draft_id IS NOT NULL BEGIN
    DELETE FROM queue_items WHERE item = 'draft:' || OLD.draft_id;
    INSERT INTO queue_items SELECT * FROM queue_draft_items WHERE draft_id = OLD.draft_id;
END;
CREATE TRIGGER queue_steps_after_update AFTER UPDATE OF kind ON sequence_steps WHEN OLD.kind IS NOT NEW.kind BEGIN
    DELETE FROM queue_items WHERE item IN (SELECT 'draft:' || d.id FROM message_drafts d WHERE d.step_id = NEW.id);
    INSERT INTO queue_items SELECT * FROM queue_draft_items
    WHERE draft_id IN (SELECT d.id FROM message_drafts d WHERE d.step_id = NEW.id);
END;

-- Contacts: who owns their items, whether their follow-ups still stand, whether they are
-- worth researching.
CREATE TRIGGER queue_contacts_after_insert AFTER INSERT ON contacts
WHEN NEW.status = 'active' AND NEW.stage = 'new' AND NEW.priority_score >= 70
BEGIN
    INSERT INTO queue_items SELECT * FROM queue_research_items WHERE contact_id = NEW.id;
END;
CREATE TRIGGER queue_contacts_after_update_owner AFTER UPDATE OF owner_id ON contacts
WHEN OLD.owner_id IS NOT NEW.owner_id
BEGIN
    UPDATE queue_items SET owner_id = NEW.owner_id WHERE contact_id = NEW.id;
END;
CREATE TRIGGER queue_contacts_after_update_status AFTER UPDATE OF status ON contacts
WHEN OLD.status IS NOT NEW.status
BEGIN
    DELETE FROM queue_items WHERE contact_id = NEW.id AND lane = 'followup';
    INSERT INTO queue_items SELECT * FROM queue_followup_items WHERE contact_id = NEW.id;
END;
CREATE TRIGGER queue_contacts_after_update_research AFTER UPDATE ON contacts
WHEN (OLD.status = 'active' AND OLD.stage = 'new' AND OLD.priority_score >= 70)
  OR (NEW.status = 'active' AND NEW.stage = 'new' AND NEW.priority_score >= 70)
BEGIN
    DELETE FROM queue_items WHERE item = 'contact:' || OLD.id;
    INSERT INTO queue_items SELECT * FROM queue_research_items WHERE contact_id = NEW.id;
END;
CREATE TRIGGER queue_contacts_after_delete AFTER DELETE ON contacts BEGIN
    DELETE FROM queue_items WHERE contact_id = OLD.id;
END;

-- Enrollments: a contact being sequenced is not offered for research.
CREATE TRIGGER queue_enrollments_after_insert AFTER INSERT ON enrollments BEGIN
    DELETE FROM queue_items WHERE item = 'contact:' || NEW.contact_id;
    INSERT INTO queue_items SELECT * FROM queue_research_items WHERE contact_id = NEW.contact_id;
END;
CREATE TRIGGER queue_enrollments_after_update AFTER UPDATE OF status, contact_id ON enrollments BEGIN
    DELETE FROM queue_items WHERE item IN ('contact:' || OLD.contact_id, 'contact:' || NEW.contact_id);
    INSERT INTO queue_items SELECT * FROM queue_research_items WHERE contact_id IN (OLD.contact_id, NEW.contact_id);
END;
CREATE TRIGGER queue_enrollments_after_delete AFTER DELETE ON enrollments BEGIN
    DELETE FROM queue_items WHERE item = 'contact:' || OLD.contact_id;
    INSERT INTO queue_items SELECT * FROM queue_research_items WHERE contact_id = OLD.contact_id;
END;
