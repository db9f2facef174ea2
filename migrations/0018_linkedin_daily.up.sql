-- LinkedIn activity per UTC day, kind and person, kept by triggers in the statement that
-- changes an event, so the stats' daily series reads a period's days, not each of its events.
CREATE TABLE linkedin_daily (
    -- The UTC date of the events' occurred_at.
    day       TEXT NOT NULL,
    kind      TEXT NOT NULL,
    -- Who did them (users.id); '' for nobody (a user deleted since).
    user_key  TEXT NOT NULL,
    n         INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (day, kind, user_key)
) STRICT, WITHOUT ROWID;
-- One person's days.
CREATE INDEX idx_linkedin_daily_user ON linkedin_daily (user_key, day);

CREATE TRIGGER linkedin_daily_after_insert AFTER INSERT ON linkedin_events
BEGIN
    INSERT INTO linkedin_daily (day, kind, user_key, n)
    VALUES (substr(NEW.occurred_at, 1, 10), NEW.kind, coalesce(NEW.user_id, ''), 1)
    ON CONFLICT (day, kind, user_key) DO UPDATE SET n = n + 1;
END;

-- Also when a contact is erased or deleted (its events go by cascade).
CREATE TRIGGER linkedin_daily_after_delete AFTER DELETE ON linkedin_events
BEGIN
    UPDATE linkedin_daily SET n = n - 1
    WHERE day = substr(OLD.occurred_at, 1, 10) AND kind = OLD.kind AND user_key = coalesce(OLD.user_id, '');
END;

-- Also when its user is deleted (user_id set to NULL).
CREATE TRIGGER linkedin_daily_after_update AFTER UPDATE OF kind, user_id, occurred_at ON linkedin_events
WHEN OLD.kind IS NOT NEW.kind OR OLD.user_id IS NOT NEW.user_id OR OLD.occurred_at IS NOT NEW.occurred_at
BEGIN
    UPDATE linkedin_daily SET n = n - 1
    WHERE day = substr(OLD.occurred_at, 1, 10) AND kind = OLD.kind AND user_key = coalesce(OLD.user_id, '');
    INSERT INTO linkedin_daily (day, kind, user_key, n)
    VALUES (substr(NEW.occurred_at, 1, 10), NEW.kind, coalesce(NEW.user_id, ''), 1)
    ON CONFLICT (day, kind, user_key) DO UPDATE SET n = n + 1;
END;

INSERT INTO linkedin_daily (day, kind, user_key, n)
SELECT substr(occurred_at, 1, 10), kind, coalesce(user_id, ''), count(*) FROM linkedin_events GROUP BY 1, 2, 3;
