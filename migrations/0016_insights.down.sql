DROP TRIGGER insights_contacts_after_delete;
DROP TRIGGER insights_contacts_after_owner;
DROP TRIGGER insights_contacts_after_insert;
DROP TRIGGER insights_opportunities_after_status;
DROP TRIGGER insights_opportunities_after_insert;
DROP TRIGGER insights_replies_after_intent;
DROP TRIGGER insights_replies_after_insert;
DROP TRIGGER insights_touchpoints_after_unsent;
DROP TRIGGER insights_touchpoints_after_sent;
DROP TRIGGER insights_touchpoints_after_insert;
DROP TABLE meeting_facts;
DROP TABLE reply_facts;
DROP TABLE send_facts;
DROP TABLE activity_daily;
DROP TABLE send_rollups;

DROP TABLE experiment_assignments;
DROP TABLE experiment_variants;
DROP TABLE experiments;
CREATE TABLE experiments (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    hypothesis         TEXT CHECK (hypothesis IS NULL OR length(hypothesis) <= 5000),
    channel            TEXT NOT NULL CHECK (channel IN ('linkedin', 'email', 'call')),
    metric             TEXT NOT NULL CHECK (metric IN ('reply_rate', 'positive_reply_rate', 'meeting_rate')),
    status             TEXT NOT NULL CHECK (status IN ('draft', 'running', 'completed', 'stopped')),
    min_sample_size    INTEGER NOT NULL CHECK (min_sample_size >= 1),
    winner_variant_id  TEXT REFERENCES experiment_variants (id) ON DELETE SET NULL,
    started_at         TEXT,
    ended_at           TEXT,
    created_by         TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
) STRICT;
CREATE INDEX idx_experiments_status ON experiments (status, created_at);
CREATE INDEX idx_experiments_winner ON experiments (winner_variant_id) WHERE winner_variant_id IS NOT NULL;
CREATE TABLE experiment_variants (
    id            TEXT PRIMARY KEY,
    experiment_id TEXT NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    is_control    INTEGER NOT NULL DEFAULT 0 CHECK (is_control IN (0, 1)),
    weight        INTEGER NOT NULL CHECK (weight BETWEEN 0 AND 10000),
    instructions  TEXT CHECK (instructions IS NULL OR length(instructions) <= 20000),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (experiment_id, name),
    UNIQUE (experiment_id, id)
) STRICT;
CREATE UNIQUE INDEX idx_experiment_variants_control ON experiment_variants (experiment_id) WHERE is_control = 1;
CREATE TABLE experiment_assignments (
    experiment_id  TEXT NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    contact_id     TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    variant_id     TEXT NOT NULL,
    assigned_at    TEXT NOT NULL,
    PRIMARY KEY (experiment_id, contact_id),
    FOREIGN KEY (experiment_id, variant_id) REFERENCES experiment_variants (experiment_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX idx_experiment_assignments_variant ON experiment_assignments (experiment_id, variant_id);
CREATE INDEX idx_experiment_assignments_contact ON experiment_assignments (contact_id);
