-- Today's counts of the lanes whose count does not depend on the time (replies waiting,
-- drafts to review, sends ready, LinkedIn tasks), per owner ('' for nobody), lane and channel
-- ('' for none). The triggers keep it exact in the statement that changes the queue, so the
-- counts read a few rows however many items wait (a team's review lane grows by every draft
-- written), and cannot drift from `queue_items`. Meetings and follow-ups are counted over a
-- time range, from `idx_queue_items_counts`.
CREATE TABLE queue_counts (
    lane         TEXT NOT NULL,
    owner_key    TEXT NOT NULL,
    channel_key  TEXT NOT NULL,
    n            INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (lane, owner_key, channel_key)
) STRICT, WITHOUT ROWID;

INSERT INTO queue_counts (lane, owner_key, channel_key, n)
SELECT lane, ifnull(owner_id, ''), ifnull(channel, ''), count(*) FROM queue_items
GROUP BY lane, ifnull(owner_id, ''), ifnull(channel, '');

CREATE TRIGGER queue_counts_after_insert AFTER INSERT ON queue_items BEGIN
    INSERT INTO queue_counts (lane, owner_key, channel_key, n)
    VALUES (NEW.lane, ifnull(NEW.owner_id, ''), ifnull(NEW.channel, ''), 1)
    ON CONFLICT (lane, owner_key, channel_key) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER queue_counts_after_update AFTER UPDATE OF lane, owner_id, channel ON queue_items
WHEN OLD.lane IS NOT NEW.lane OR OLD.owner_id IS NOT NEW.owner_id OR OLD.channel IS NOT NEW.channel
BEGIN
    UPDATE queue_counts SET n = n - 1
    WHERE lane = OLD.lane AND owner_key = ifnull(OLD.owner_id, '') AND channel_key = ifnull(OLD.channel, '');
    INSERT INTO queue_counts (lane, owner_key, channel_key, n)
    VALUES (NEW.lane, ifnull(NEW.owner_id, ''), ifnull(NEW.channel, ''), 1)
    ON CONFLICT (lane, owner_key, channel_key) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER queue_counts_after_delete AFTER DELETE ON queue_items BEGIN
    UPDATE queue_counts SET n = n - 1
    WHERE lane = OLD.lane AND owner_key = ifnull(OLD.owner_id, '') AND channel_key = ifnull(OLD.channel, '');
END;
