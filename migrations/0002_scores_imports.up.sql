-- Scores follow the data, CSV imports run as resumable jobs, and a sequence step is drafted
-- once per enrollment.

-- ---------------------------------------------------------------------------------------------
-- The ICP model version a contact's score was computed with. Rescoring everyone after a model
-- change works through the contacts still behind (idx_contacts_priority_version), in chunks, and
-- a score computed with an older model never overwrites one computed with a newer model.
ALTER TABLE contacts ADD COLUMN priority_version INTEGER NOT NULL DEFAULT 0 CHECK (priority_version >= 0);
CREATE INDEX idx_contacts_priority_version ON contacts (priority_version, id);

-- Every score a contact is given, and every change of it, is kept in icp_scores: the
-- application writes the score with the change that caused it and the history follows here.
CREATE TRIGGER contacts_score_history_insert AFTER INSERT ON contacts
WHEN NEW.priority_factors <> '{}'
BEGIN
    INSERT INTO icp_scores (id, contact_id, score, factors, config_version, computed_at)
    VALUES (lower(hex(randomblob(16))), NEW.id, NEW.priority_score, NEW.priority_factors, NEW.priority_version,
            NEW.updated_at);
END;
CREATE TRIGGER contacts_score_history_update AFTER UPDATE OF priority_score, priority_factors ON contacts
WHEN NEW.priority_score IS NOT OLD.priority_score OR NEW.priority_factors IS NOT OLD.priority_factors
BEGIN
    INSERT INTO icp_scores (id, contact_id, score, factors, config_version, computed_at)
    VALUES (lower(hex(randomblob(16))), NEW.id, NEW.priority_score, NEW.priority_factors, NEW.priority_version,
            strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

-- ---------------------------------------------------------------------------------------------
-- CSV imports as jobs: the file arrives in chunks (PUT, idempotent by number), then a dry run
-- and the real run each work through the rows in bounded steps, every step one transaction
-- that also advances the job, so a failed step is simply taken again and nothing is imported
-- twice. The report keeps one line per row and phase.
CREATE TABLE imports (
    id            TEXT PRIMARY KEY,
    filename      TEXT NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    -- create: an existing contact is skipped as a duplicate; upsert: it is updated.
    mode          TEXT NOT NULL CHECK (mode IN ('create', 'upsert')),
    total_chunks  INTEGER NOT NULL CHECK (total_chunks BETWEEN 1 AND 1000),
    -- The header row (from chunk 0) and the column mapping: header -> field, or null to ignore.
    headers       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(headers) AND json_type(headers) = 'array'),
    mapping       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(mapping) AND json_type(mapping) = 'object'),
    -- Each phase's progress, NULL until it starts: {"processed", "done", "counts"}.
    dry_run       TEXT CHECK (dry_run IS NULL OR json_valid(dry_run)),
    run           TEXT CHECK (run IS NULL OR json_valid(run)),
    created_by    TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;
-- The list of recent imports.
CREATE INDEX idx_imports_created ON imports (created_at, id);
-- SET NULL when a user record is erased.
CREATE INDEX idx_imports_created_by ON imports (created_by) WHERE created_by IS NOT NULL;

-- The file's text, chunk by chunk; deleted when the real run is done. `records` counts its data
-- rows and `lines` its physical lines, so a step can start anywhere and name the file's line.
CREATE TABLE import_chunks (
    import_id  TEXT NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    n          INTEGER NOT NULL CHECK (n >= 0),
    body       TEXT NOT NULL,
    records    INTEGER NOT NULL CHECK (records >= 0),
    lines      INTEGER NOT NULL CHECK (lines >= 0),
    PRIMARY KEY (import_id, n)
) STRICT;

-- The row-by-row report of each phase.
CREATE TABLE import_rows (
    import_id        TEXT NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    phase            TEXT NOT NULL CHECK (phase IN ('dry_run', 'run')),
    -- The data row (1: the first after the header) and its line in the file.
    row              INTEGER NOT NULL CHECK (row >= 1),
    line             INTEGER NOT NULL CHECK (line >= 1),
    outcome          TEXT NOT NULL CHECK (outcome IN ('created', 'updated', 'skipped_duplicate', 'invalid', 'suppressed')),
    reason           TEXT CHECK (reason IS NULL OR length(reason) <= 2000),
    name             TEXT,
    email            TEXT,
    linkedin_url     TEXT,
    company          TEXT,
    domain           TEXT,
    -- The row created the account of `domain` (the dry run's count of new companies).
    account_created  INTEGER NOT NULL DEFAULT 0 CHECK (account_created IN (0, 1)),
    contact_id       TEXT REFERENCES contacts (id) ON DELETE SET NULL,
    PRIMARY KEY (import_id, phase, row)
) STRICT;
-- The report filtered by outcome.
CREATE INDEX idx_import_rows_outcome ON import_rows (import_id, phase, outcome, row);
-- The dry run's duplicates within the file, which the contacts table does not show yet.
CREATE INDEX idx_import_rows_email ON import_rows (import_id, phase, email) WHERE email IS NOT NULL;
CREATE INDEX idx_import_rows_linkedin ON import_rows (import_id, phase, linkedin_url) WHERE linkedin_url IS NOT NULL;
CREATE INDEX idx_import_rows_domain ON import_rows (import_id, phase, domain) WHERE account_created = 1;
-- SET NULL when a contact is deleted, and erasure.
CREATE INDEX idx_import_rows_contact ON import_rows (contact_id) WHERE contact_id IS NOT NULL;

-- ---------------------------------------------------------------------------------------------
-- The tick drafts each step of an enrollment once, even when two ticks run at once.
CREATE UNIQUE INDEX idx_message_drafts_enrollment_step ON message_drafts (enrollment_id, step_id)
WHERE enrollment_id IS NOT NULL AND step_id IS NOT NULL;
