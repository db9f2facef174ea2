-- Insights: daily roll-ups kept by triggers in the statement that records each event, so the
-- dashboard, the analytics and the experiments read a few thousand small rows instead of the
-- touchpoints and replies; and experiments that vary a sequence step's subject or body.
--
-- Days are the team's (the `pacing` settings' time zone in force when the event happened,
-- from `zone_offsets`); the send hour and weekday are the recipient's (the contact's zone, else
-- the account's, else the team's). An event is recorded once as a fact with what the reports
-- break it down by as it was then (so a later change of a contact's seniority or owner does not
-- move history), and the facts' triggers keep the roll-ups: an event removed (a contact erased
-- takes its touches and replies with it) is taken out of the very rows it was added to.

-- ---------------------------------------------------------------------------------------------
-- Experiments were unused until now: made again with the step and field their variants
-- replace, pause, and what the required sample size was computed from.
DROP TABLE experiment_assignments;
DROP TABLE experiment_variants;
DROP TABLE experiments;

CREATE TABLE experiments (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    hypothesis         TEXT CHECK (hypothesis IS NULL OR length(hypothesis) <= 5000),
    -- The sequence step whose subject or body the variants replace; the experiment and its
    -- results stay when the step goes.
    step_id            TEXT REFERENCES sequence_steps (id) ON DELETE SET NULL,
    field              TEXT NOT NULL CHECK (field IN ('subject', 'body')),
    channel            TEXT NOT NULL CHECK (channel IN ('linkedin', 'email', 'call')),
    metric             TEXT NOT NULL CHECK (metric IN ('reply_rate', 'positive_reply_rate', 'meeting_rate')),
    status             TEXT NOT NULL CHECK (status IN ('draft', 'running', 'paused', 'completed')),
    -- The rate the control is expected to have and the smallest absolute lift worth detecting;
    -- min_sample_size (sends per variant, 80% power, 5% two-sided) is computed from them.
    baseline_rate      REAL NOT NULL CHECK (baseline_rate > 0 AND baseline_rate < 1),
    min_effect         REAL NOT NULL CHECK (min_effect > 0 AND baseline_rate + min_effect < 1),
    min_sample_size    INTEGER NOT NULL CHECK (min_sample_size >= 1),
    -- Declared only when significant; cleared if that variant is deleted.
    winner_variant_id  TEXT REFERENCES experiment_variants (id) ON DELETE SET NULL,
    started_at         TEXT,
    ended_at           TEXT,
    created_by         TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
) STRICT;
-- The experiments list filtered by status, newest first.
CREATE INDEX idx_experiments_status ON experiments (status, created_at, id);
CREATE INDEX idx_experiments_created ON experiments (created_at, id);
-- SET NULL when the winning variant or the step is deleted.
CREATE INDEX idx_experiments_winner ON experiments (winner_variant_id) WHERE winner_variant_id IS NOT NULL;
-- A step runs one experiment at a time (a contact's message takes one variant), even when two
-- starts race.
CREATE UNIQUE INDEX idx_experiments_one_running ON experiments (step_id) WHERE status = 'running';
CREATE INDEX idx_experiments_step ON experiments (step_id, status) WHERE step_id IS NOT NULL;

CREATE TABLE experiment_variants (
    id             TEXT PRIMARY KEY,
    experiment_id  TEXT NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    name           TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    is_control     INTEGER NOT NULL DEFAULT 0 CHECK (is_control IN (0, 1)),
    -- Relative weight of the assignment; 0 stops new assignments to the variant.
    weight         INTEGER NOT NULL CHECK (weight BETWEEN 0 AND 10000),
    -- The step's subject or body template for this variant (merge fields as in the step).
    content        TEXT NOT NULL CHECK (length(content) BETWEEN 1 AND 20000),
    -- What the drafter is told to do differently (angle, call to action ...).
    instructions   TEXT CHECK (instructions IS NULL OR length(instructions) <= 20000),
    position       INTEGER NOT NULL CHECK (position >= 0),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (experiment_id, name),
    UNIQUE (experiment_id, position),
    -- Target of experiment_assignments' composite key: a variant of that very experiment.
    UNIQUE (experiment_id, id)
) STRICT;
-- At most one control per experiment.
CREATE UNIQUE INDEX idx_experiment_variants_control ON experiment_variants (experiment_id) WHERE is_control = 1;

-- Which variant a contact got: assigned once, never changed.
CREATE TABLE experiment_assignments (
    experiment_id  TEXT NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    contact_id     TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    variant_id     TEXT NOT NULL,
    assigned_at    TEXT NOT NULL,
    PRIMARY KEY (experiment_id, contact_id),
    FOREIGN KEY (experiment_id, variant_id) REFERENCES experiment_variants (experiment_id, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
-- Assignments per variant and CASCADE from a variant.
CREATE INDEX idx_experiment_assignments_variant ON experiment_assignments (experiment_id, variant_id);
-- CASCADE when a contact is erased.
CREATE INDEX idx_experiment_assignments_contact ON experiment_assignments (contact_id);

-- ---------------------------------------------------------------------------------------------
-- The roll-ups.

-- Sends by day, channel and sequence ('' for none), broken down by one dimension at a time:
-- channel, industry, seniority, department, persona, signal (the latest signal kind of the
-- person or company in the 90 days before), sequence, step, variant, weekday (ISO, 1 = Monday)
-- and hour (the recipient's). `replied`, `positive` and `meetings` count the sends that led to
-- a reply, a positive reply, a meeting (each send at most once), so a rate is a proportion of
-- the sends of its day.
CREATE TABLE send_rollups (
    dim           TEXT NOT NULL,
    day           TEXT NOT NULL,
    channel       TEXT NOT NULL,
    sequence_key  TEXT NOT NULL,
    value         TEXT NOT NULL,
    sends         INTEGER NOT NULL,
    replied       INTEGER NOT NULL,
    positive      INTEGER NOT NULL,
    meetings      INTEGER NOT NULL,
    PRIMARY KEY (dim, day, channel, sequence_key, value)
) STRICT, WITHOUT ROWID;

-- Events by day, owner ('' for nobody) and channel ('' for none): contacts created (counted
-- for their owner now), first touches, sends, replies, positive replies, meetings booked,
-- meetings held and opportunities created. The dashboard and the time series read it.
CREATE TABLE activity_daily (
    day            TEXT NOT NULL,
    owner_key      TEXT NOT NULL,
    channel        TEXT NOT NULL,
    new_contacts   INTEGER NOT NULL DEFAULT 0,
    first_touches  INTEGER NOT NULL DEFAULT 0,
    sends          INTEGER NOT NULL DEFAULT 0,
    replies        INTEGER NOT NULL DEFAULT 0,
    positive       INTEGER NOT NULL DEFAULT 0,
    meetings       INTEGER NOT NULL DEFAULT 0,
    held           INTEGER NOT NULL DEFAULT 0,
    opportunities  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, owner_key, channel)
) STRICT, WITHOUT ROWID;

-- A sent touch, once, as it was when it went out. `first_touch`: the contact's first send.
CREATE TABLE send_facts (
    touchpoint_id  TEXT PRIMARY KEY REFERENCES touchpoints (id) ON DELETE CASCADE,
    contact_id     TEXT NOT NULL,
    sent_at        TEXT NOT NULL,
    day            TEXT NOT NULL,
    owner_key      TEXT NOT NULL,
    channel        TEXT NOT NULL,
    sequence_key   TEXT NOT NULL,
    step_key       TEXT NOT NULL,
    variant_key    TEXT NOT NULL,
    industry       TEXT NOT NULL,
    seniority      TEXT NOT NULL,
    department     TEXT NOT NULL,
    persona        TEXT NOT NULL,
    signal_kind    TEXT NOT NULL,
    weekday        TEXT NOT NULL,
    hour           TEXT NOT NULL,
    first_touch    INTEGER NOT NULL,
    -- Replies, positive replies and meetings attributed to this send.
    replies        INTEGER NOT NULL DEFAULT 0,
    positives      INTEGER NOT NULL DEFAULT 0,
    meetings       INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;
-- A contact's sends in time: the send a reply or a meeting is attributed to, first touches.
CREATE INDEX idx_send_facts_contact ON send_facts (contact_id, sent_at);

-- A reply, once, with the send it answers (the touch it names, else the contact's latest
-- send before it on its channel, else on any).
CREATE TABLE reply_facts (
    reply_id   TEXT PRIMARY KEY REFERENCES replies (id) ON DELETE CASCADE,
    send_id    TEXT REFERENCES send_facts (touchpoint_id) ON DELETE SET NULL,
    day        TEXT NOT NULL,
    owner_key  TEXT NOT NULL,
    channel    TEXT NOT NULL,
    positive   INTEGER NOT NULL CHECK (positive IN (0, 1))
) STRICT, WITHOUT ROWID;
CREATE INDEX idx_reply_facts_send ON reply_facts (send_id) WHERE send_id IS NOT NULL;

-- A meeting (an opportunity row), once, with the send it came from (its reply's, else the
-- contact's latest before it), and the days it was first held and first became an
-- opportunity (a later loss does not take those back).
CREATE TABLE meeting_facts (
    opportunity_id   TEXT PRIMARY KEY REFERENCES opportunities (id) ON DELETE CASCADE,
    send_id          TEXT REFERENCES send_facts (touchpoint_id) ON DELETE SET NULL,
    day              TEXT NOT NULL,
    owner_key        TEXT NOT NULL,
    channel          TEXT NOT NULL,
    held_day         TEXT,
    opportunity_day  TEXT
) STRICT, WITHOUT ROWID;
CREATE INDEX idx_meeting_facts_send ON meeting_facts (send_id) WHERE send_id IS NOT NULL;

-- ---------------------------------------------------------------------------------------------
-- Facts keep the roll-ups.
CREATE TRIGGER send_facts_after_insert AFTER INSERT ON send_facts BEGIN
    INSERT INTO send_rollups (dim, day, channel, sequence_key, value, sends, replied, positive, meetings)
    SELECT d.key, NEW.day, NEW.channel, NEW.sequence_key, d.value, 1, NEW.replies > 0, NEW.positives > 0, NEW.meetings > 0
    FROM json_each(json_object('channel', NEW.channel, 'industry', NEW.industry, 'seniority', NEW.seniority, 'department', NEW.department,
            'persona', NEW.persona, 'signal', NEW.signal_kind, 'sequence', NEW.sequence_key, 'step', NEW.step_key,
            'variant', NEW.variant_key, 'weekday', NEW.weekday, 'hour', NEW.hour)) AS d
    WHERE true
    ON CONFLICT (dim, day, channel, sequence_key, value) DO UPDATE SET sends = sends + excluded.sends,
        replied = replied + excluded.replied, positive = positive + excluded.positive, meetings = meetings + excluded.meetings;
    INSERT INTO activity_daily (day, owner_key, channel, sends, first_touches) VALUES (NEW.day, NEW.owner_key, NEW.channel, 1, NEW.first_touch)
    ON CONFLICT (day, owner_key, channel) DO UPDATE SET sends = sends + excluded.sends, first_touches = first_touches + excluded.first_touches;
END;
CREATE TRIGGER send_facts_after_update AFTER UPDATE OF replies, positives, meetings ON send_facts
WHEN (OLD.replies > 0) <> (NEW.replies > 0) OR (OLD.positives > 0) <> (NEW.positives > 0) OR (OLD.meetings > 0) <> (NEW.meetings > 0)
BEGIN
    INSERT INTO send_rollups (dim, day, channel, sequence_key, value, sends, replied, positive, meetings)
    SELECT d.key, NEW.day, NEW.channel, NEW.sequence_key, d.value, 0, (NEW.replies > 0) - (OLD.replies > 0), (NEW.positives > 0) - (OLD.positives > 0), (NEW.meetings > 0) - (OLD.meetings > 0)
    FROM json_each(json_object('channel', NEW.channel, 'industry', NEW.industry, 'seniority', NEW.seniority, 'department', NEW.department,
            'persona', NEW.persona, 'signal', NEW.signal_kind, 'sequence', NEW.sequence_key, 'step', NEW.step_key,
            'variant', NEW.variant_key, 'weekday', NEW.weekday, 'hour', NEW.hour)) AS d
    WHERE true
    ON CONFLICT (dim, day, channel, sequence_key, value) DO UPDATE SET sends = sends + excluded.sends,
        replied = replied + excluded.replied, positive = positive + excluded.positive, meetings = meetings + excluded.meetings;
END;
CREATE TRIGGER send_facts_after_delete AFTER DELETE ON send_facts BEGIN
    INSERT INTO send_rollups (dim, day, channel, sequence_key, value, sends, replied, positive, meetings)
    SELECT d.key, OLD.day, OLD.channel, OLD.sequence_key, d.value, -1, -(OLD.replies > 0), -(OLD.positives > 0), -(OLD.meetings > 0)
    FROM json_each(json_object('channel', OLD.channel, 'industry', OLD.industry, 'seniority', OLD.seniority, 'department', OLD.department,
            'persona', OLD.persona, 'signal', OLD.signal_kind, 'sequence', OLD.sequence_key, 'step', OLD.step_key,
            'variant', OLD.variant_key, 'weekday', OLD.weekday, 'hour', OLD.hour)) AS d
    WHERE true
    ON CONFLICT (dim, day, channel, sequence_key, value) DO UPDATE SET sends = sends + excluded.sends,
        replied = replied + excluded.replied, positive = positive + excluded.positive, meetings = meetings + excluded.meetings;
    INSERT INTO activity_daily (day, owner_key, channel, sends, first_touches) VALUES (OLD.day, OLD.owner_key, OLD.channel, -1, -OLD.first_touch)
    ON CONFLICT (day, owner_key, channel) DO UPDATE SET sends = sends + excluded.sends, first_touches = first_touches + excluded.first_touches;
END;

CREATE TRIGGER reply_facts_after_insert AFTER INSERT ON reply_facts BEGIN
    INSERT INTO activity_daily (day, owner_key, channel, replies, positive) VALUES (NEW.day, NEW.owner_key, NEW.channel, 1, NEW.positive)
    ON CONFLICT (day, owner_key, channel) DO UPDATE SET replies = replies + excluded.replies, positive = positive + excluded.positive;
    UPDATE send_facts SET replies = replies + 1, positives = positives + NEW.positive WHERE touchpoint_id = NEW.send_id;
END;
CREATE TRIGGER reply_facts_after_update AFTER UPDATE OF positive, send_id ON reply_facts
WHEN OLD.positive <> NEW.positive OR OLD.send_id IS NOT NEW.send_id
BEGIN
    INSERT INTO activity_daily (day, owner_key, channel, positive) VALUES (NEW.day, NEW.owner_key, NEW.channel, NEW.positive - OLD.positive)
    ON CONFLICT (day, owner_key, channel) DO UPDATE SET positive = positive + excluded.positive;
    UPDATE send_facts SET replies = replies - 1, positives = positives - OLD.positive WHERE touchpoint_id = OLD.send_id;
    UPDATE send_facts SET replies = replies + 1, positives = positives + NEW.positive WHERE touchpoint_id = NEW.send_id;
END;
CREATE TRIGGER reply_facts_after_delete AFTER DELETE ON reply_facts BEGIN
    INSERT INTO activity_daily (day, owner_key, channel, replies, positive) VALUES (OLD.day, OLD.owner_key, OLD.channel, -1, -OLD.positive)
    ON CONFLICT (day, owner_key, channel) DO UPDATE SET replies = replies + excluded.replies, positive = positive + excluded.positive;
    UPDATE send_facts SET replies = replies - 1, positives = positives - OLD.positive WHERE touchpoint_id = OLD.send_id;
END;

CREATE TRIGGER meeting_facts_after_insert AFTER INSERT ON meeting_facts BEGIN
    INSERT INTO activity_daily (day, owner_key, channel, meetings) VALUES (NEW.day, NEW.owner_key, NEW.channel, 1)
    ON CONFLICT (day, owner_key, channel) DO UPDATE SET meetings = meetings + excluded.meetings;
    INSERT INTO activity_daily (day, owner_key, channel, held) SELECT NEW.held_day, NEW.owner_key, NEW.channel, 1 WHERE NEW.held_day IS NOT NULL
    ON CONFLICT (day, owner_key, channel) DO UPDATE SET held = held + excluded.held;
    INSERT INTO activity_daily (day, owner_key, channel, opportunities) SELECT NEW.opportunity_day, NEW.owner_key, NEW.channel, 1 WHERE NEW.opportunity_day IS NOT NULL
    ON CONFLICT (day, owner_key, channel) DO UPDATE SET opportunities = opportunities + excluded.opportunities;
    UPDATE send_facts SET meetings = meetings + 1 WHERE touchpoint_id = NEW.send_id;
END;
CREATE TRIGGER meeting_facts_after_update AFTER UPDATE OF send_id, held_day, opportunity_day ON meeting_facts
WHEN OLD.send_id IS NOT NEW.send_id OR OLD.held_day IS NOT NEW.held_day OR OLD.opportunity_day IS NOT NEW.opportunity_day
BEGIN
    INSERT INTO activity_daily (day, owner_key, channel, held) SELECT OLD.held_day, OLD.owner_key, OLD.channel, -1 WHERE OLD.held_day IS NOT NULL AND OLD.held_day IS NOT NEW.held_day
    ON CONFLICT (day, owner_key, channel) DO UPDATE SET held = held + excluded.held;
    INSERT INTO activity_daily (day, owner_key, channel, held) SELECT NEW.held_day, NEW.owner_key, NEW.channel, 1 WHERE NEW.held_day IS NOT NULL AND OLD.held_day IS NOT NEW.held_day
    ON CONFLICT (day, owner_key, channel) DO UPDATE SET held = held + excluded.held;
    INSERT INTO activity_daily (day, owner_key, channel, opportunities) SELECT OLD.opportunity_day, OLD.owner_key, OLD.channel, -1 WHERE OLD.opportunity_day IS NOT NULL AND OLD.opportunity_day IS NOT NEW.opportunity_day
    ON CONFLICT (day, owner_key, channel) DO UPDATE SET opportunities = opportunities + excluded.opportunities;
    INSERT INTO activity_daily (day, owner_key, channel, opportunities) SELECT NEW.opportunity_day, NEW.owner_key, NEW.channel, 1 WHERE NEW.opportunity_day IS NOT NULL AND OLD.opportunity_day IS NOT NEW.opportunity_day
    ON CONFLICT (day, owner_key, channel) DO UPDATE SET opportunities = opportunities + excluded.opportunities;
    UPDATE send_facts SET meetings = meetings - 1 WHERE touchpoint_id = OLD.send_id AND OLD.send_id IS NOT NEW.send_id;
    UPDATE send_facts SET meetings = meetings + 1 WHERE touchpoint_id = NEW.send_id AND OLD.send_id IS NOT NEW.send_id;
END;
CREATE TRIGGER meeting_facts_after_delete AFTER DELETE ON meeting_facts BEGIN
    INSERT INTO activity_daily (day, owner_key, channel, meetings) VALUES (OLD.day, OLD.owner_key, OLD.channel, -1)
    ON CONFLICT (day, owner_key, channel) DO UPDATE SET meetings = meetings + excluded.meetings;
    INSERT INTO activity_daily (day, owner_key, channel, held) SELECT OLD.held_day, OLD.owner_key, OLD.channel, -1 WHERE OLD.held_day IS NOT NULL
    ON CONFLICT (day, owner_key, channel) DO UPDATE SET held = held + excluded.held;
    INSERT INTO activity_daily (day, owner_key, channel, opportunities) SELECT OLD.opportunity_day, OLD.owner_key, OLD.channel, -1 WHERE OLD.opportunity_day IS NOT NULL
    ON CONFLICT (day, owner_key, channel) DO UPDATE SET opportunities = opportunities + excluded.opportunities;
    UPDATE send_facts SET meetings = meetings - 1 WHERE touchpoint_id = OLD.send_id;
END;

-- ---------------------------------------------------------------------------------------------
-- Events record their facts.
CREATE TRIGGER insights_touchpoints_after_insert AFTER INSERT ON touchpoints WHEN NEW.status = 'sent' BEGIN
    INSERT OR IGNORE INTO send_facts (touchpoint_id, contact_id, sent_at, day, owner_key, channel, sequence_key, step_key,
        variant_key, industry, seniority, department, persona, signal_kind, weekday, hour, first_touch)
    SELECT NEW.id, NEW.contact_id, NEW.sent_at, date(NEW.sent_at, ifnull((SELECT z.offset_minutes FROM zone_offsets z WHERE z.zone = (SELECT s.value ->> '$.timezone' FROM settings s WHERE s.key = 'pacing' AND s.created_at <= NEW.sent_at ORDER BY s.version DESC LIMIT 1) AND z.since <= NEW.sent_at ORDER BY z.since DESC LIMIT 1), 0) || ' minutes'), ifnull(c.owner_id, ''), NEW.channel,
        ifnull(e.sequence_id, ''), ifnull(d.step_id, ''), ifnull(NEW.variant_id, ''), ifnull(a.industry, ''), c.seniority,
        ifnull(c.department, ''), ifnull(c.persona, ''),
        coalesce((SELECT g.kind FROM signals g WHERE g.contact_id = c.id AND g.occurred_at <= NEW.sent_at
                    AND g.occurred_at >= strftime('%Y-%m-%dT%H:%M:%fZ', NEW.sent_at, '-90 days') ORDER BY g.occurred_at DESC LIMIT 1),
                 (SELECT g.kind FROM signals g WHERE g.account_id = c.account_id AND g.occurred_at <= NEW.sent_at
                    AND g.occurred_at >= strftime('%Y-%m-%dT%H:%M:%fZ', NEW.sent_at, '-90 days') ORDER BY g.occurred_at DESC LIMIT 1), ''),
        strftime('%u', NEW.sent_at, ifnull((SELECT z.offset_minutes FROM zone_offsets z WHERE z.zone = coalesce(c.timezone, a.timezone, (SELECT s.value ->> '$.timezone' FROM settings s WHERE s.key = 'pacing' AND s.created_at <= NEW.sent_at ORDER BY s.version DESC LIMIT 1), 'UTC') AND z.since <= NEW.sent_at ORDER BY z.since DESC LIMIT 1), 0) || ' minutes'),
        strftime('%H', NEW.sent_at, ifnull((SELECT z.offset_minutes FROM zone_offsets z WHERE z.zone = coalesce(c.timezone, a.timezone, (SELECT s.value ->> '$.timezone' FROM settings s WHERE s.key = 'pacing' AND s.created_at <= NEW.sent_at ORDER BY s.version DESC LIMIT 1), 'UTC') AND z.since <= NEW.sent_at ORDER BY z.since DESC LIMIT 1), 0) || ' minutes'),
        NOT EXISTS (SELECT 1 FROM send_facts f WHERE f.contact_id = NEW.contact_id)
    FROM contacts c LEFT JOIN accounts a ON a.id = c.account_id
    LEFT JOIN enrollments e ON e.id = NEW.enrollment_id LEFT JOIN message_drafts d ON d.id = NEW.draft_id
    WHERE c.id = NEW.contact_id;
END;
CREATE TRIGGER insights_touchpoints_after_sent AFTER UPDATE OF status ON touchpoints
WHEN NEW.status = 'sent' AND OLD.status <> 'sent'
BEGIN
    INSERT OR IGNORE INTO send_facts (touchpoint_id, contact_id, sent_at, day, owner_key, channel, sequence_key, step_key,
        variant_key, industry, seniority, department, persona, signal_kind, weekday, hour, first_touch)
    SELECT NEW.id, NEW.contact_id, NEW.sent_at, date(NEW.sent_at, ifnull((SELECT z.offset_minutes FROM zone_offsets z WHERE z.zone = (SELECT s.value ->> '$.timezone' FROM settings s WHERE s.key = 'pacing' AND s.created_at <= NEW.sent_at ORDER BY s.version DESC LIMIT 1) AND z.since <= NEW.sent_at ORDER BY z.since DESC LIMIT 1), 0) || ' minutes'), ifnull(c.owner_id, ''), NEW.channel,
        ifnull(e.sequence_id, ''), ifnull(d.step_id, ''), ifnull(NEW.variant_id, ''), ifnull(a.industry, ''), c.seniority,
        ifnull(c.department, ''), ifnull(c.persona, ''),
        coalesce((SELECT g.kind FROM signals g WHERE g.contact_id = c.id AND g.occurred_at <= NEW.sent_at
                    AND g.occurred_at >= strftime('%Y-%m-%dT%H:%M:%fZ', NEW.sent_at, '-90 days') ORDER BY g.occurred_at DESC LIMIT 1),
                 (SELECT g.kind FROM signals g WHERE g.account_id = c.account_id AND g.occurred_at <= NEW.sent_at
                    AND g.occurred_at >= strftime('%Y-%m-%dT%H:%M:%fZ', NEW.sent_at, '-90 days') ORDER BY g.occurred_at DESC LIMIT 1), ''),
        strftime('%u', NEW.sent_at, ifnull((SELECT z.offset_minutes FROM zone_offsets z WHERE z.zone = coalesce(c.timezone, a.timezone, (SELECT s.value ->> '$.timezone' FROM settings s WHERE s.key = 'pacing' AND s.created_at <= NEW.sent_at ORDER BY s.version DESC LIMIT 1), 'UTC') AND z.since <= NEW.sent_at ORDER BY z.since DESC LIMIT 1), 0) || ' minutes'),
        strftime('%H', NEW.sent_at, ifnull((SELECT z.offset_minutes FROM zone_offsets z WHERE z.zone = coalesce(c.timezone, a.timezone, (SELECT s.value ->> '$.timezone' FROM settings s WHERE s.key = 'pacing' AND s.created_at <= NEW.sent_at ORDER BY s.version DESC LIMIT 1), 'UTC') AND z.since <= NEW.sent_at ORDER BY z.since DESC LIMIT 1), 0) || ' minutes'),
        NOT EXISTS (SELECT 1 FROM send_facts f WHERE f.contact_id = NEW.contact_id)
    FROM contacts c LEFT JOIN accounts a ON a.id = c.account_id
    LEFT JOIN enrollments e ON e.id = NEW.enrollment_id LEFT JOIN message_drafts d ON d.id = NEW.draft_id
    WHERE c.id = NEW.contact_id;
END;
-- A send taken back (a person's correction of an unknown outcome) leaves the reports.
CREATE TRIGGER insights_touchpoints_after_unsent AFTER UPDATE OF status ON touchpoints
WHEN OLD.status = 'sent' AND NEW.status <> 'sent'
BEGIN
    DELETE FROM send_facts WHERE touchpoint_id = OLD.id;
END;

CREATE TRIGGER insights_replies_after_insert AFTER INSERT ON replies BEGIN
    INSERT OR IGNORE INTO reply_facts (reply_id, send_id, day, owner_key, channel, positive)
    SELECT NEW.id,
        coalesce((SELECT f.touchpoint_id FROM send_facts f WHERE f.touchpoint_id = NEW.touchpoint_id),
                 (SELECT f.touchpoint_id FROM send_facts f WHERE f.contact_id = NEW.contact_id AND f.channel = NEW.channel
                    AND f.sent_at <= NEW.replied_at ORDER BY f.sent_at DESC LIMIT 1),
                 (SELECT f.touchpoint_id FROM send_facts f WHERE f.contact_id = NEW.contact_id AND f.sent_at <= NEW.replied_at ORDER BY f.sent_at DESC LIMIT 1)),
        date(NEW.replied_at, ifnull((SELECT z.offset_minutes FROM zone_offsets z WHERE z.zone = (SELECT s.value ->> '$.timezone' FROM settings s WHERE s.key = 'pacing' AND s.created_at <= NEW.replied_at ORDER BY s.version DESC LIMIT 1) AND z.since <= NEW.replied_at ORDER BY z.since DESC LIMIT 1), 0) || ' minutes'), ifnull((SELECT c.owner_id FROM contacts c WHERE c.id = NEW.contact_id), ''),
        NEW.channel, NEW.intent IS 'positive';
END;
CREATE TRIGGER insights_replies_after_intent AFTER UPDATE OF intent ON replies
WHEN (OLD.intent IS 'positive') <> (NEW.intent IS 'positive')
BEGIN
    UPDATE reply_facts SET positive = NEW.intent IS 'positive' WHERE reply_id = NEW.id;
END;

CREATE TRIGGER insights_opportunities_after_insert AFTER INSERT ON opportunities BEGIN
    INSERT OR IGNORE INTO meeting_facts (opportunity_id, send_id, day, owner_key, channel, held_day, opportunity_day)
    SELECT NEW.id, s.touchpoint_id, date(NEW.created_at, ifnull((SELECT z.offset_minutes FROM zone_offsets z WHERE z.zone = (SELECT s.value ->> '$.timezone' FROM settings s WHERE s.key = 'pacing' AND s.created_at <= NEW.created_at ORDER BY s.version DESC LIMIT 1) AND z.since <= NEW.created_at ORDER BY z.since DESC LIMIT 1), 0) || ' minutes'),
        ifnull(coalesce(NEW.owner_id, (SELECT c.owner_id FROM contacts c WHERE c.id = NEW.contact_id)), ''), ifnull(s.channel, ''),
        CASE WHEN NEW.status IN ('meeting_held', 'opportunity_created') THEN date(NEW.created_at, ifnull((SELECT z.offset_minutes FROM zone_offsets z WHERE z.zone = (SELECT s.value ->> '$.timezone' FROM settings s WHERE s.key = 'pacing' AND s.created_at <= NEW.created_at ORDER BY s.version DESC LIMIT 1) AND z.since <= NEW.created_at ORDER BY z.since DESC LIMIT 1), 0) || ' minutes') END,
        CASE WHEN NEW.status = 'opportunity_created' THEN date(NEW.created_at, ifnull((SELECT z.offset_minutes FROM zone_offsets z WHERE z.zone = (SELECT s.value ->> '$.timezone' FROM settings s WHERE s.key = 'pacing' AND s.created_at <= NEW.created_at ORDER BY s.version DESC LIMIT 1) AND z.since <= NEW.created_at ORDER BY z.since DESC LIMIT 1), 0) || ' minutes') END
    FROM (SELECT 1) AS one
    LEFT JOIN send_facts s ON s.touchpoint_id = coalesce(
        (SELECT r.send_id FROM reply_facts r WHERE r.reply_id = NEW.reply_id),
        (SELECT f.touchpoint_id FROM send_facts f WHERE f.contact_id = NEW.contact_id AND f.sent_at <= NEW.created_at ORDER BY f.sent_at DESC LIMIT 1));
END;
CREATE TRIGGER insights_opportunities_after_status AFTER UPDATE OF status ON opportunities
WHEN NEW.status IN ('meeting_held', 'opportunity_created') AND OLD.status IS NOT NEW.status
BEGIN
    UPDATE meeting_facts SET held_day = coalesce(held_day, date(NEW.updated_at, ifnull((SELECT z.offset_minutes FROM zone_offsets z WHERE z.zone = (SELECT s.value ->> '$.timezone' FROM settings s WHERE s.key = 'pacing' AND s.created_at <= NEW.updated_at ORDER BY s.version DESC LIMIT 1) AND z.since <= NEW.updated_at ORDER BY z.since DESC LIMIT 1), 0) || ' minutes')),
        opportunity_day = CASE WHEN NEW.status = 'opportunity_created' THEN coalesce(opportunity_day, date(NEW.updated_at, ifnull((SELECT z.offset_minutes FROM zone_offsets z WHERE z.zone = (SELECT s.value ->> '$.timezone' FROM settings s WHERE s.key = 'pacing' AND s.created_at <= NEW.updated_at ORDER BY s.version DESC LIMIT 1) AND z.since <= NEW.updated_at ORDER BY z.since DESC LIMIT 1), 0) || ' minutes'))
                               ELSE opportunity_day END
    WHERE opportunity_id = NEW.id;
END;

CREATE TRIGGER insights_contacts_after_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO activity_daily (day, owner_key, channel, new_contacts) VALUES (date(NEW.created_at, ifnull((SELECT z.offset_minutes FROM zone_offsets z WHERE z.zone = (SELECT s.value ->> '$.timezone' FROM settings s WHERE s.key = 'pacing' AND s.created_at <= NEW.created_at ORDER BY s.version DESC LIMIT 1) AND z.since <= NEW.created_at ORDER BY z.since DESC LIMIT 1), 0) || ' minutes'), ifnull(NEW.owner_id, ''), '', 1)
    ON CONFLICT (day, owner_key, channel) DO UPDATE SET new_contacts = new_contacts + excluded.new_contacts;
END;
CREATE TRIGGER insights_contacts_after_owner AFTER UPDATE OF owner_id ON contacts
WHEN OLD.owner_id IS NOT NEW.owner_id
BEGIN
    INSERT INTO activity_daily (day, owner_key, channel, new_contacts) VALUES (date(OLD.created_at, ifnull((SELECT z.offset_minutes FROM zone_offsets z WHERE z.zone = (SELECT s.value ->> '$.timezone' FROM settings s WHERE s.key = 'pacing' AND s.created_at <= OLD.created_at ORDER BY s.version DESC LIMIT 1) AND z.since <= OLD.created_at ORDER BY z.since DESC LIMIT 1), 0) || ' minutes'), ifnull(OLD.owner_id, ''), '', -1)
    ON CONFLICT (day, owner_key, channel) DO UPDATE SET new_contacts = new_contacts + excluded.new_contacts;
    INSERT INTO activity_daily (day, owner_key, channel, new_contacts) VALUES (date(NEW.created_at, ifnull((SELECT z.offset_minutes FROM zone_offsets z WHERE z.zone = (SELECT s.value ->> '$.timezone' FROM settings s WHERE s.key = 'pacing' AND s.created_at <= NEW.created_at ORDER BY s.version DESC LIMIT 1) AND z.since <= NEW.created_at ORDER BY z.since DESC LIMIT 1), 0) || ' minutes'), ifnull(NEW.owner_id, ''), '', 1)
    ON CONFLICT (day, owner_key, channel) DO UPDATE SET new_contacts = new_contacts + excluded.new_contacts;
END;
CREATE TRIGGER insights_contacts_after_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO activity_daily (day, owner_key, channel, new_contacts) VALUES (date(OLD.created_at, ifnull((SELECT z.offset_minutes FROM zone_offsets z WHERE z.zone = (SELECT s.value ->> '$.timezone' FROM settings s WHERE s.key = 'pacing' AND s.created_at <= OLD.created_at ORDER BY s.version DESC LIMIT 1) AND z.since <= OLD.created_at ORDER BY z.since DESC LIMIT 1), 0) || ' minutes'), ifnull(OLD.owner_id, ''), '', -1)
    ON CONFLICT (day, owner_key, channel) DO UPDATE SET new_contacts = new_contacts + excluded.new_contacts;
END;

-- ---------------------------------------------------------------------------------------------
-- Backfill from what is already recorded: the facts' triggers fill the roll-ups.
INSERT INTO activity_daily (day, owner_key, channel, new_contacts)
SELECT x.day, x.owner_key, '', count(*) FROM (SELECT date(c.created_at, ifnull((SELECT z.offset_minutes FROM zone_offsets z WHERE z.zone = (SELECT s.value ->> '$.timezone' FROM settings s WHERE s.key = 'pacing' AND s.created_at <= c.created_at ORDER BY s.version DESC LIMIT 1) AND z.since <= c.created_at ORDER BY z.since DESC LIMIT 1), 0) || ' minutes') AS day, ifnull(c.owner_id, '') AS owner_key FROM contacts c) AS x
GROUP BY x.day, x.owner_key
ON CONFLICT (day, owner_key, channel) DO UPDATE SET new_contacts = new_contacts + excluded.new_contacts;

    INSERT OR IGNORE INTO send_facts (touchpoint_id, contact_id, sent_at, day, owner_key, channel, sequence_key, step_key,
        variant_key, industry, seniority, department, persona, signal_kind, weekday, hour, first_touch)
    SELECT t.id, t.contact_id, t.sent_at, date(t.sent_at, ifnull((SELECT z.offset_minutes FROM zone_offsets z WHERE z.zone = (SELECT s.value ->> '$.timezone' FROM settings s WHERE s.key = 'pacing' AND s.created_at <= t.sent_at ORDER BY s.version DESC LIMIT 1) AND z.since <= t.sent_at ORDER BY z.since DESC LIMIT 1), 0) || ' minutes'), ifnull(c.owner_id, ''), t.channel,
        ifnull(e.sequence_id, ''), ifnull(d.step_id, ''), ifnull(t.variant_id, ''), ifnull(a.industry, ''), c.seniority,
        ifnull(c.department, ''), ifnull(c.persona, ''),
        coalesce((SELECT g.kind FROM signals g WHERE g.contact_id = c.id AND g.occurred_at <= t.sent_at
                    AND g.occurred_at >= strftime('%Y-%m-%dT%H:%M:%fZ', t.sent_at, '-90 days') ORDER BY g.occurred_at DESC LIMIT 1),
                 (SELECT g.kind FROM signals g WHERE g.account_id = c.account_id AND g.occurred_at <= t.sent_at
                    AND g.occurred_at >= strftime('%Y-%m-%dT%H:%M:%fZ', t.sent_at, '-90 days') ORDER BY g.occurred_at DESC LIMIT 1), ''),
        strftime('%u', t.sent_at, ifnull((SELECT z.offset_minutes FROM zone_offsets z WHERE z.zone = coalesce(c.timezone, a.timezone, (SELECT s.value ->> '$.timezone' FROM settings s WHERE s.key = 'pacing' AND s.created_at <= t.sent_at ORDER BY s.version DESC LIMIT 1), 'UTC') AND z.since <= t.sent_at ORDER BY z.since DESC LIMIT 1), 0) || ' minutes'),
        strftime('%H', t.sent_at, ifnull((SELECT z.offset_minutes FROM zone_offsets z WHERE z.zone = coalesce(c.timezone, a.timezone, (SELECT s.value ->> '$.timezone' FROM settings s WHERE s.key = 'pacing' AND s.created_at <= t.sent_at ORDER BY s.version DESC LIMIT 1), 'UTC') AND z.since <= t.sent_at ORDER BY z.since DESC LIMIT 1), 0) || ' minutes'),
        NOT EXISTS (SELECT 1 FROM touchpoints o WHERE o.contact_id = t.contact_id AND o.status = 'sent' AND (o.sent_at < t.sent_at OR (o.sent_at = t.sent_at AND o.id < t.id)))
    FROM touchpoints t JOIN contacts c ON c.id = t.contact_id LEFT JOIN accounts a ON a.id = c.account_id
    LEFT JOIN enrollments e ON e.id = t.enrollment_id LEFT JOIN message_drafts d ON d.id = t.draft_id
    WHERE t.status = 'sent'
ORDER BY t.sent_at;

    INSERT OR IGNORE INTO reply_facts (reply_id, send_id, day, owner_key, channel, positive)
    SELECT r.id,
        coalesce((SELECT f.touchpoint_id FROM send_facts f WHERE f.touchpoint_id = r.touchpoint_id),
                 (SELECT f.touchpoint_id FROM send_facts f WHERE f.contact_id = r.contact_id AND f.channel = r.channel
                    AND f.sent_at <= r.replied_at ORDER BY f.sent_at DESC LIMIT 1),
                 (SELECT f.touchpoint_id FROM send_facts f WHERE f.contact_id = r.contact_id AND f.sent_at <= r.replied_at ORDER BY f.sent_at DESC LIMIT 1)),
        date(r.replied_at, ifnull((SELECT z.offset_minutes FROM zone_offsets z WHERE z.zone = (SELECT s.value ->> '$.timezone' FROM settings s WHERE s.key = 'pacing' AND s.created_at <= r.replied_at ORDER BY s.version DESC LIMIT 1) AND z.since <= r.replied_at ORDER BY z.since DESC LIMIT 1), 0) || ' minutes'), ifnull((SELECT c.owner_id FROM contacts c WHERE c.id = r.contact_id), ''),
        r.channel, r.intent IS 'positive'
FROM replies r ORDER BY r.replied_at;

    INSERT OR IGNORE INTO meeting_facts (opportunity_id, send_id, day, owner_key, channel, held_day, opportunity_day)
    SELECT o.id, s.touchpoint_id, date(o.created_at, ifnull((SELECT z.offset_minutes FROM zone_offsets z WHERE z.zone = (SELECT s.value ->> '$.timezone' FROM settings s WHERE s.key = 'pacing' AND s.created_at <= o.created_at ORDER BY s.version DESC LIMIT 1) AND z.since <= o.created_at ORDER BY z.since DESC LIMIT 1), 0) || ' minutes'),
        ifnull(coalesce(o.owner_id, (SELECT c.owner_id FROM contacts c WHERE c.id = o.contact_id)), ''), ifnull(s.channel, ''),
        CASE WHEN o.status IN ('meeting_held', 'opportunity_created') THEN date(o.updated_at, ifnull((SELECT z.offset_minutes FROM zone_offsets z WHERE z.zone = (SELECT s.value ->> '$.timezone' FROM settings s WHERE s.key = 'pacing' AND s.created_at <= o.updated_at ORDER BY s.version DESC LIMIT 1) AND z.since <= o.updated_at ORDER BY z.since DESC LIMIT 1), 0) || ' minutes') END,
        CASE WHEN o.status = 'opportunity_created' THEN date(o.updated_at, ifnull((SELECT z.offset_minutes FROM zone_offsets z WHERE z.zone = (SELECT s.value ->> '$.timezone' FROM settings s WHERE s.key = 'pacing' AND s.created_at <= o.updated_at ORDER BY s.version DESC LIMIT 1) AND z.since <= o.updated_at ORDER BY z.since DESC LIMIT 1), 0) || ' minutes') END
    FROM opportunities o
    LEFT JOIN send_facts s ON s.touchpoint_id = coalesce(
        (SELECT r.send_id FROM reply_facts r WHERE r.reply_id = o.reply_id),
        (SELECT f.touchpoint_id FROM send_facts f WHERE f.contact_id = o.contact_id AND f.sent_at <= o.created_at ORDER BY f.sent_at DESC LIMIT 1))
ORDER BY o.created_at;
