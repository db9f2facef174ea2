-- Reads that touch few pages. On a server every write makes the other connections start their
-- next read with an empty page cache, so a read costs the pages it touches: Today ranked its
-- candidates by their contact's score, a random lookup into the contacts for each of a few
-- hundred items, the board read each card's row and its account's row, two random pages per
-- card for 400 cards, and LinkedIn's room read the week's touches row by row.

-- Today's counts of the day's touches, and LinkedIn's room under its limits, come from this
-- index alone (the touch's author and kind, within a channel's range of days).
DROP INDEX idx_touchpoints_channel_date;
CREATE INDEX idx_touchpoints_channel_date ON touchpoints (channel, sent_at, created_by, kind);

-- Today's items carry their contact's score, kept in step by the views and the trigger below,
-- so the queue ranks its candidates from its own rows and looks up only the contacts it shows.
ALTER TABLE queue_items ADD COLUMN score INTEGER NOT NULL DEFAULT 0;

DROP VIEW queue_sources;
DROP VIEW queue_research_items;
DROP VIEW queue_draft_items;
DROP VIEW queue_draft_rows;
DROP VIEW queue_followup_items;
DROP VIEW queue_meeting_items;
DROP VIEW queue_reply_items;

CREATE VIEW queue_reply_items AS
SELECT 'reply:' || r.id AS item, 'reply' AS lane,
       CASE r.intent WHEN 'positive' THEN 'reply_positive' ELSE 'reply' END AS kind,
       r.contact_id AS contact_id, c.owner_id AS owner_id, r.replied_at AS due_at,
       CASE r.intent WHEN 'positive' THEN 100 WHEN 'question' THEN 85 WHEN 'referral' THEN 80 WHEN 'neutral' THEN 75 ELSE 45 END AS priority,
       0 AS order_score, r.replied_at AS order_key, r.channel AS channel, r.id AS reply_id, NULL AS draft_id,
       NULL AS followup_id, NULL AS opportunity_id, substr(r.body, 1, 160) AS excerpt, r.intent AS detail, 0 AS busy, c.priority_score AS score
FROM replies r JOIN contacts c ON c.id = r.contact_id
WHERE r.handled_at IS NULL AND r.intent IN ('positive', 'question', 'referral', 'neutral', 'negative', 'not_now');

CREATE VIEW queue_meeting_items AS
SELECT 'meeting:' || o.id AS item, 'meeting' AS lane, 'meeting' AS kind, o.contact_id AS contact_id,
       c.owner_id AS owner_id, o.meeting_at AS due_at, 95 AS priority, 0 AS order_score, o.meeting_at AS order_key,
       NULL AS channel, NULL AS reply_id, NULL AS draft_id, NULL AS followup_id, o.id AS opportunity_id,
       substr(o.notes, 1, 160) AS excerpt, NULL AS detail, 0 AS busy, c.priority_score AS score
FROM opportunities o JOIN contacts c ON c.id = o.contact_id
WHERE o.status = 'meeting_booked' AND o.meeting_at IS NOT NULL;

-- Priority 70; Today makes it 72 when the follow-up was due before the day began.
CREATE VIEW queue_followup_items AS
SELECT 'followup:' || f.id AS item, 'followup' AS lane, 'followup' AS kind, f.contact_id AS contact_id,
       c.owner_id AS owner_id, f.due_at AS due_at, 70 AS priority, 0 AS order_score, f.due_at AS order_key,
       f.channel AS channel, NULL AS reply_id, NULL AS draft_id, f.id AS followup_id, NULL AS opportunity_id,
       f.reason AS excerpt, NULL AS detail, 0 AS busy, c.priority_score AS score
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
       t.error AS error, c.priority_score AS score
FROM message_drafts d JOIN contacts c ON c.id = d.contact_id
LEFT JOIN touchpoints t ON t.id = (SELECT l.id FROM touchpoints l WHERE l.draft_id = d.id ORDER BY l.created_at DESC LIMIT 1)
LEFT JOIN sequence_steps s ON s.id = d.step_id
WHERE d.approval_status IN ('pending', 'approved');

CREATE VIEW queue_draft_items AS
SELECT item, lane, kind, contact_id, owner_id, due_at,
       CASE kind WHEN 'review' THEN 60 WHEN 'linkedin' THEN 55 WHEN 'send_check' THEN 90 WHEN 'send_failed' THEN 68
                 WHEN 'call' THEN 65 ELSE 50 END AS priority,
       order_score, order_key, channel, reply_id, draft_id, followup_id, opportunity_id,
       CASE WHEN kind IN ('send_check', 'send_failed') THEN error ELSE excerpt END AS excerpt, detail, busy, score
FROM queue_draft_rows;

-- 70 is crate::queue::RESEARCH_SCORE.
CREATE VIEW queue_research_items AS
SELECT 'contact:' || c.id AS item, 'research' AS lane, 'research' AS kind, c.id AS contact_id, c.owner_id AS owner_id,
       c.updated_at AS due_at, 20 + c.priority_score / 5 AS priority, c.priority_score AS order_score, c.id AS order_key,
       NULL AS channel, NULL AS reply_id, NULL AS draft_id, NULL AS followup_id, NULL AS opportunity_id,
       c.title AS excerpt, CAST(c.priority_score AS TEXT) AS detail, 0 AS busy, c.priority_score AS score
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

UPDATE queue_items SET score = (SELECT c.priority_score FROM contacts c WHERE c.id = queue_items.contact_id);

CREATE TRIGGER queue_contacts_after_update_score AFTER UPDATE OF priority_score ON contacts
WHEN OLD.priority_score IS NOT NEW.priority_score
BEGIN
    UPDATE queue_items SET score = NEW.priority_score WHERE contact_id = NEW.id;
END;

-- The board's cards come from these indexes alone: a column is one range of entries that hold
-- everything a card shows but its account's name, which the account index below holds (with
-- the domain, which lists of contacts show).
DROP INDEX idx_contacts_stage_priority;
CREATE INDEX idx_contacts_stage_priority ON contacts
    (stage, priority_score DESC, id, first_name, last_name, title, account_id, owner_id, status);
DROP INDEX idx_contacts_owner_stage;
CREATE INDEX idx_contacts_owner_stage ON contacts
    (owner_id, stage, priority_score DESC, id, first_name, last_name, title, account_id, status);
CREATE INDEX idx_accounts_names ON accounts (id, name, domain);
