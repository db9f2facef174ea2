-- The working day: Today's snoozed items, opportunities that remember the reply they came
-- from (one open opportunity per contact), and the lists' orders.

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
) STRICT, WITHOUT ROWID;
-- Pruning snoozes that have run out.
CREATE INDEX idx_queue_snoozes_until ON queue_snoozes (until);

-- ---------------------------------------------------------------------------------------------
-- The positive reply an opportunity was booked from.
ALTER TABLE opportunities ADD COLUMN reply_id TEXT REFERENCES replies (id) ON DELETE SET NULL;
CREATE INDEX idx_opportunities_reply ON opportunities (reply_id) WHERE reply_id IS NOT NULL;
-- A contact has at most one open opportunity (booked, held or created), even when two
-- requests race.
CREATE UNIQUE INDEX idx_opportunities_one_open ON opportunities (contact_id)
    WHERE status IN ('meeting_booked', 'meeting_held', 'opportunity_created');
-- The opportunities list, latest change first.
CREATE INDEX idx_opportunities_updated ON opportunities (updated_at, id);

-- The batches list, newest first.
CREATE INDEX idx_batches_created ON batches (created_at, id);
-- A batch's members in order.
CREATE INDEX idx_batch_prospects_position ON batch_prospects (batch_id, position);
