-- Paths the benchmark found reading more than they answer: the Pipeline board's counts per
-- stage (kept by triggers, so the board reads a few dozen rows instead of counting every
-- contact), the board filtered by owner, and the replies list newest first or by intent.

-- ---------------------------------------------------------------------------------------------
-- Contacts per owner ('' for nobody) and stage. The triggers keep it exact in the statement
-- that changes a contact, so it cannot drift from the contacts table.
CREATE TABLE contact_stage_counts (
    owner_key  TEXT NOT NULL,
    stage      TEXT NOT NULL,
    n          INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (owner_key, stage)
) STRICT;

INSERT INTO contact_stage_counts (owner_key, stage, n)
SELECT ifnull(owner_id, ''), stage, count(*) FROM contacts GROUP BY ifnull(owner_id, ''), stage;

CREATE TRIGGER contact_stage_counts_after_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contact_stage_counts (owner_key, stage, n) VALUES (ifnull(NEW.owner_id, ''), NEW.stage, 1)
    ON CONFLICT (owner_key, stage) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER contact_stage_counts_after_update AFTER UPDATE OF stage, owner_id ON contacts
WHEN OLD.stage IS NOT NEW.stage OR OLD.owner_id IS NOT NEW.owner_id
BEGIN
    UPDATE contact_stage_counts SET n = n - 1 WHERE owner_key = ifnull(OLD.owner_id, '') AND stage = OLD.stage;
    INSERT INTO contact_stage_counts (owner_key, stage, n) VALUES (ifnull(NEW.owner_id, ''), NEW.stage, 1)
    ON CONFLICT (owner_key, stage) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER contact_stage_counts_after_delete AFTER DELETE ON contacts BEGIN
    UPDATE contact_stage_counts SET n = n - 1 WHERE owner_key = ifnull(OLD.owner_id, '') AND stage = OLD.stage;
END;

-- The board's columns for one owner (or nobody), best first.
CREATE INDEX idx_contacts_owner_stage ON contacts (owner_id, stage, priority_score DESC, id);

-- The replies list, newest first, and by intent.
CREATE INDEX idx_replies_replied ON replies (replied_at, id);
CREATE INDEX idx_replies_intent ON replies (intent, replied_at, id);
