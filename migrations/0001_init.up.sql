-- 0001_init: the whole OCC schema (SPEC.md section 1).
--
-- Conventions, held by every table:
-- * ids are UUIDv7 strings (time-ordered, so an id index is also a creation-time index);
-- * timestamps are RFC 3339 UTC text with milliseconds ('2026-01-31T09:30:00.000Z'), written by
--   the application, so text order is time order;
-- * every closed set of values is a CHECK constraint whose list equals the Rust enum's
--   (crates/occ-core/src/domain/enums.rs has a test that compares them);
-- * JSON columns are checked with json_valid;
-- * tables are STRICT, so a wrong type is an error rather than a silent conversion;
-- * ON DELETE rules are deliberate: CASCADE where the child means nothing without its parent,
--   SET NULL where history must survive the parent, RESTRICT where a delete must be a decision.

-- ---------------------------------------------------------------------------------------------
-- Audit log. Every mutation of an audited table is recorded here with its actor.
--
-- How a mutation is audited: the application first inserts the audit row (actor, action,
-- entity, entity id, request id) with before and after NULL, then changes the table in the same
-- transaction; the table's triggers fill before and after from the row itself, and a BEFORE
-- trigger aborts any change that has no pending audit row, so no code path can skip the audit.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
    action      TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 100),
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    before      TEXT CHECK (before IS NULL OR json_valid(before)),
    after       TEXT CHECK (after IS NULL OR json_valid(after)),
    request_id  TEXT,
    -- Why, when the actor gave a reason (a stage override, an erasure request).
    reason      TEXT CHECK (reason IS NULL OR length(reason) <= 2000),
    -- The user behind the actor (directly, or through one of their API tokens). Users are
    -- disabled, never deleted; SET NULL only guards erasure of a user record.
    user_id     TEXT REFERENCES users (id) ON DELETE SET NULL
) STRICT;
-- The audit screen: newest first, optionally by entity or by user.
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, at);
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_user_at ON audit_log (user_id, at, id);

-- ---------------------------------------------------------------------------------------------
-- Accounts: the companies OCC prospects into.
CREATE TABLE accounts (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- Normalised by the application: lower-case, no scheme, no www., no path.
    domain         TEXT UNIQUE CHECK (domain IS NULL OR (domain = lower(domain) AND length(domain) BETWEEN 3 AND 253)),
    industry       TEXT CHECK (industry IS NULL OR length(industry) BETWEEN 1 AND 100),
    sub_industry   TEXT CHECK (sub_industry IS NULL OR length(sub_industry) BETWEEN 1 AND 100),
    employee_count INTEGER CHECK (employee_count IS NULL OR employee_count BETWEEN 0 AND 10000000),
    country        TEXT CHECK (country IS NULL OR length(country) BETWEEN 1 AND 100),
    timezone       TEXT CHECK (timezone IS NULL OR length(timezone) BETWEEN 1 AND 64),
    website        TEXT CHECK (website IS NULL OR length(website) BETWEEN 1 AND 2048),
    linkedin_url   TEXT CHECK (linkedin_url IS NULL OR length(linkedin_url) BETWEEN 1 AND 2048),
    tech_stack     TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tech_stack) AND json_type(tech_stack) = 'array'),
    notes          TEXT CHECK (notes IS NULL OR length(notes) <= 20000),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) STRICT;
-- List sorts (keyset pagination on (column, id)) and the industry filter.
CREATE INDEX accounts_name ON accounts (name COLLATE NOCASE, id);
CREATE INDEX accounts_created ON accounts (created_at, id);
CREATE INDEX accounts_updated ON accounts (updated_at, id);
CREATE INDEX accounts_domain_sort ON accounts (ifnull(domain, ''), id);
CREATE INDEX accounts_industry_name ON accounts (industry COLLATE NOCASE, name COLLATE NOCASE, id);

-- Text search over name and domain (trigram: matches any substring of three or more characters).
CREATE VIRTUAL TABLE accounts_fts USING fts5 (
    name, domain, content = 'accounts', content_rowid = 'rowid', tokenize = 'trigram'
);

CREATE TRIGGER accounts_audit_guard_insert BEFORE INSERT ON accounts
WHEN NOT EXISTS (SELECT 1 FROM audit_log WHERE entity = 'account' AND entity_id = NEW.id AND before IS NULL AND after IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'audit context missing for account');
END;
CREATE TRIGGER accounts_audit_guard_update BEFORE UPDATE ON accounts
WHEN NOT EXISTS (SELECT 1 FROM audit_log WHERE entity = 'account' AND entity_id = OLD.id AND before IS NULL AND after IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'audit context missing for account');
END;
CREATE TRIGGER accounts_audit_guard_delete BEFORE DELETE ON accounts
WHEN NOT EXISTS (SELECT 1 FROM audit_log WHERE entity = 'account' AND entity_id = OLD.id AND before IS NULL AND after IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'audit context missing for account');
END;

CREATE TRIGGER accounts_after_insert AFTER INSERT ON accounts BEGIN
    INSERT INTO accounts_fts (rowid, name, domain) VALUES (NEW.rowid, NEW.name, NEW.domain);
    UPDATE audit_log SET after = json_object(
        'name', NEW.name, 'domain', NEW.domain, 'industry', NEW.industry,
        'sub_industry', NEW.sub_industry, 'employee_count', NEW.employee_count,
        'country', NEW.country, 'timezone', NEW.timezone, 'website', NEW.website,
        'linkedin_url', NEW.linkedin_url, 'tech_stack', json(NEW.tech_stack), 'notes', NEW.notes)
    WHERE entity = 'account' AND entity_id = NEW.id AND before IS NULL AND after IS NULL;
END;
CREATE TRIGGER accounts_after_update AFTER UPDATE ON accounts BEGIN
    INSERT INTO accounts_fts (accounts_fts, rowid, name, domain) VALUES ('delete', OLD.rowid, OLD.name, OLD.domain);
    INSERT INTO accounts_fts (rowid, name, domain) VALUES (NEW.rowid, NEW.name, NEW.domain);
    UPDATE audit_log SET
        before = json_object(
            'name', OLD.name, 'domain', OLD.domain, 'industry', OLD.industry,
            'sub_industry', OLD.sub_industry, 'employee_count', OLD.employee_count,
            'country', OLD.country, 'timezone', OLD.timezone, 'website', OLD.website,
            'linkedin_url', OLD.linkedin_url, 'tech_stack', json(OLD.tech_stack), 'notes', OLD.notes),
        after = json_object(
            'name', NEW.name, 'domain', NEW.domain, 'industry', NEW.industry,
            'sub_industry', NEW.sub_industry, 'employee_count', NEW.employee_count,
            'country', NEW.country, 'timezone', NEW.timezone, 'website', NEW.website,
            'linkedin_url', NEW.linkedin_url, 'tech_stack', json(NEW.tech_stack), 'notes', NEW.notes)
    WHERE entity = 'account' AND entity_id = NEW.id AND before IS NULL AND after IS NULL;
END;
CREATE TRIGGER accounts_after_delete AFTER DELETE ON accounts BEGIN
    INSERT INTO accounts_fts (accounts_fts, rowid, name, domain) VALUES ('delete', OLD.rowid, OLD.name, OLD.domain);
    UPDATE audit_log SET before = json_object(
        'name', OLD.name, 'domain', OLD.domain, 'industry', OLD.industry,
        'sub_industry', OLD.sub_industry, 'employee_count', OLD.employee_count,
        'country', OLD.country, 'timezone', OLD.timezone, 'website', OLD.website,
        'linkedin_url', OLD.linkedin_url, 'tech_stack', json(OLD.tech_stack), 'notes', OLD.notes)
    WHERE entity = 'account' AND entity_id = OLD.id AND before IS NULL AND after IS NULL;
END;

-- ---------------------------------------------------------------------------------------------
-- Settings: tunables (ICP weights, pacing defaults, ...), versioned: a change inserts a new
-- version, so every score can name the configuration it was computed with.
CREATE TABLE settings (
    key         TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 100),
    version     INTEGER NOT NULL CHECK (version >= 1),
    value       TEXT NOT NULL CHECK (json_valid(value)),
    created_at  TEXT NOT NULL,
    created_by  TEXT,
    PRIMARY KEY (key, version)
) STRICT;

-- ---------------------------------------------------------------------------------------------
-- Users, sessions, API tokens and rate limits.
--
-- Users are disabled, never deleted (SPEC.md section 4), so the many columns elsewhere that
-- name a user (reviewer, handled_by, created_by ...) are SET NULL and carry an index only when
-- a query filters on them.
CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    name           TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    role           TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'bdr', 'viewer')),
    -- A PHC string (argon2id or similar); never the password.
    password_hash  TEXT NOT NULL CHECK (length(password_hash) BETWEEN 1 AND 500),
    disabled       INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    last_login_at  TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) STRICT;

-- Cookie sessions. Only the hash of the session secret is stored; the CSRF token is derived
-- from the secret, so it needs no column. rate_window/rate_count are the session's request
-- budget, counted in the same statement that authenticates it.
CREATE TABLE sessions (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_hash      TEXT NOT NULL UNIQUE,
    user_agent       TEXT CHECK (user_agent IS NULL OR length(user_agent) <= 500),
    expires_at       TEXT NOT NULL,
    last_seen_at     TEXT NOT NULL,
    rate_window      TEXT,
    rate_count       INTEGER NOT NULL DEFAULT 0 CHECK (rate_count >= 0),
    created_at       TEXT NOT NULL
) STRICT;
-- A user's sessions: listing them, ending the others, ending all when the user is disabled.
CREATE INDEX idx_sessions_user ON sessions (user_id, created_at);
-- Pruning expired sessions.
CREATE INDEX idx_sessions_expires ON sessions (expires_at);

-- API tokens for scripts and integrations; only the hash of the secret is stored.
CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    secret_hash   TEXT NOT NULL UNIQUE,
    scopes        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(scopes) AND json_type(scopes) = 'array'),
    expires_at    TEXT,
    last_used_at  TEXT,
    revoked_at    TEXT,
    -- The token's request budget, counted in the statement that authenticates it.
    rate_window   TEXT,
    rate_count    INTEGER NOT NULL DEFAULT 0 CHECK (rate_count >= 0),
    created_at    TEXT NOT NULL
) STRICT;
-- A user's tokens.
CREATE INDEX idx_api_tokens_user ON api_tokens (user_id, created_at);

-- Users are audited like accounts (a pending audit row per change, filled by these triggers;
-- the password hash never enters the audit log, only whether it changed).
CREATE TRIGGER users_audit_guard_insert BEFORE INSERT ON users
WHEN NOT EXISTS (SELECT 1 FROM audit_log WHERE entity = 'user' AND entity_id = NEW.id AND before IS NULL AND after IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'audit context missing for user');
END;
CREATE TRIGGER users_audit_guard_update BEFORE UPDATE OF email, name, role, password_hash, disabled ON users
WHEN NOT EXISTS (SELECT 1 FROM audit_log WHERE entity = 'user' AND entity_id = OLD.id AND before IS NULL AND after IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'audit context missing for user');
END;
-- There is always an active admin: demoting or disabling the last one is refused.
CREATE TRIGGER users_keep_an_admin BEFORE UPDATE OF role, disabled ON users
WHEN OLD.role = 'admin' AND OLD.disabled = 0 AND (NEW.role <> 'admin' OR NEW.disabled = 1)
    AND NOT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND disabled = 0 AND id <> OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'last active admin');
END;
CREATE TRIGGER users_after_insert AFTER INSERT ON users BEGIN
    UPDATE audit_log SET after = json_object(
        'email', NEW.email, 'name', NEW.name, 'role', NEW.role, 'disabled', json(iif(NEW.disabled, 'true', 'false')))
    WHERE entity = 'user' AND entity_id = NEW.id AND before IS NULL AND after IS NULL;
END;
CREATE TRIGGER users_after_update AFTER UPDATE OF email, name, role, password_hash, disabled ON users BEGIN
    UPDATE audit_log SET
        before = json_object('email', OLD.email, 'name', OLD.name, 'role', OLD.role,
            'disabled', json(iif(OLD.disabled, 'true', 'false'))),
        -- The hash itself never enters the log; a changed password shows as password_changed.
        after = json_patch(
            json_object('email', NEW.email, 'name', NEW.name, 'role', NEW.role,
                'disabled', json(iif(NEW.disabled, 'true', 'false'))),
            iif(NEW.password_hash <> OLD.password_hash, '{"password_changed": true}', '{}'))
    WHERE entity = 'user' AND entity_id = NEW.id AND before IS NULL AND after IS NULL;
END;
-- Disabling a user ends their sessions and revokes their tokens in the same write.
CREATE TRIGGER users_disabled_ends_access AFTER UPDATE OF disabled ON users
WHEN NEW.disabled = 1 AND OLD.disabled = 0
BEGIN
    DELETE FROM sessions WHERE user_id = NEW.id;
    UPDATE api_tokens SET revoked_at = NEW.updated_at WHERE user_id = NEW.id AND revoked_at IS NULL;
END;
-- Signing in records the time on the user (one write for the login; last_login_at is not audited).
CREATE TRIGGER sessions_record_login AFTER INSERT ON sessions BEGIN
    UPDATE users SET last_login_at = NEW.created_at WHERE id = NEW.user_id;
END;

-- Fixed-window counters for the login and API rate limits, held in the database so every
-- function instance shares them. Bucket is for example 'login:ip:203.0.113.7' or 'user:<id>'.
CREATE TABLE rate_limits (
    bucket        TEXT NOT NULL CHECK (length(bucket) BETWEEN 1 AND 300),
    window_start  TEXT NOT NULL,
    count         INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (bucket, window_start)
) STRICT;
-- Pruning windows that have ended.
CREATE INDEX idx_rate_limits_window ON rate_limits (window_start);

-- ---------------------------------------------------------------------------------------------
-- Contacts: the people OCC prospects.
CREATE TABLE contacts (
    id                TEXT PRIMARY KEY,
    -- History of a person survives the deletion of their company record.
    account_id        TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    first_name        TEXT NOT NULL CHECK (length(first_name) BETWEEN 1 AND 100),
    last_name         TEXT CHECK (last_name IS NULL OR length(last_name) BETWEEN 1 AND 100),
    title             TEXT CHECK (title IS NULL OR length(title) BETWEEN 1 AND 200),
    seniority         TEXT NOT NULL DEFAULT 'unknown' CHECK (seniority IN ('c_level', 'vp', 'director', 'manager', 'senior', 'entry', 'unknown')),
    -- NULL until the persona mapper (or a person) has placed the title.
    department        TEXT CHECK (department IS NULL OR department IN ('engineering', 'sales', 'marketing', 'finance', 'operations', 'hr', 'it', 'product', 'executive', 'legal', 'customer_success', 'other')),
    persona           TEXT CHECK (persona IS NULL OR length(persona) BETWEEN 1 AND 100),
    -- Unique when present (idx_contacts_email), normalised to lower case by the application.
    email             TEXT CHECK (email IS NULL OR email = lower(email)),
    -- Unique when present (idx_contacts_linkedin_url).
    linkedin_url      TEXT CHECK (linkedin_url IS NULL OR length(linkedin_url) BETWEEN 1 AND 2048),
    phone             TEXT CHECK (phone IS NULL OR length(phone) BETWEEN 1 AND 50),
    -- IANA name; NULL falls back to the account's, then the team's.
    timezone          TEXT CHECK (timezone IS NULL OR length(timezone) BETWEEN 1 AND 64),
    stage             TEXT NOT NULL DEFAULT 'new' CHECK (stage IN ('new', 'researched', 'drafted', 'touched', 'sequencing', 'break_up_sent', 'replied', 'replied_positive', 'replied_negative', 'referred', 'meeting_booked', 'meeting_held', 'opportunity', 'dormant', 're_engaged', 'not_interested')),
    status            TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'dormant', 'bounced', 'do_not_contact')),
    priority_score    INTEGER NOT NULL DEFAULT 0 CHECK (priority_score BETWEEN 0 AND 100),
    -- The contribution of every factor to priority_score (see icp_scores for the history).
    priority_factors  TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(priority_factors)),
    owner_id          TEXT REFERENCES users (id) ON DELETE SET NULL,
    -- The contact who referred this one (a referral reply); the referral stays if they are erased.
    referred_by_id    TEXT REFERENCES contacts (id) ON DELETE SET NULL,
    notes             TEXT CHECK (notes IS NULL OR length(notes) <= 20000),
    last_touch_at     TEXT,
    next_action_at    TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
) STRICT;
-- Plan 2c: lookups by address (suppression checks, import de-duplication). Unique, so it also
-- makes an email unique when present (NULLs are distinct in a unique index).
CREATE UNIQUE INDEX idx_contacts_email ON contacts (email);
-- Import de-duplication by LinkedIn URL; also makes it unique when present.
CREATE UNIQUE INDEX idx_contacts_linkedin_url ON contacts (linkedin_url);
-- Plan 2c: the common filter (status, stage) sorted by priority; id makes it a keyset.
CREATE INDEX idx_contacts_active_pipeline ON contacts (status, stage, priority_score DESC, id);
-- The default list sort (priority, then id) with keyset pagination.
CREATE INDEX idx_contacts_priority ON contacts (priority_score DESC, id);
-- The Pipeline board (a column per stage) and the stage filter without a status filter.
CREATE INDEX idx_contacts_stage_priority ON contacts (stage, priority_score DESC, id);
-- An account's people (prep card, colleague auto-exit) and SET NULL when an account goes.
CREATE INDEX idx_contacts_account ON contacts (account_id);
-- The owner filter (my contacts) sorted by priority, and the bdr ownership check.
CREATE INDEX idx_contacts_owner ON contacts (owner_id, priority_score DESC, id);
-- Today: contacts whose next action is due; also the next-action sort.
CREATE INDEX idx_contacts_next_action ON contacts (next_action_at, id) WHERE next_action_at IS NOT NULL;
-- The last-touch sort; not touched for N days.
CREATE INDEX idx_contacts_last_touch ON contacts (last_touch_at, id);
-- The other list sorts (name, created, updated), as for accounts.
CREATE INDEX idx_contacts_name ON contacts (last_name COLLATE NOCASE, first_name COLLATE NOCASE, id);
CREATE INDEX idx_contacts_created ON contacts (created_at, id);
CREATE INDEX idx_contacts_updated ON contacts (updated_at, id);
-- SET NULL when the referring contact is erased.
CREATE INDEX idx_contacts_referred_by ON contacts (referred_by_id) WHERE referred_by_id IS NOT NULL;

-- Text search over name, title and address (trigram: any substring of three or more
-- characters). External content: the text lives only in contacts.
CREATE VIRTUAL TABLE contacts_fts USING fts5 (
    first_name, last_name, title, email, content = 'contacts', content_rowid = 'rowid', tokenize = 'trigram'
);
CREATE TRIGGER contacts_fts_after_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_fts (rowid, first_name, last_name, title, email)
    VALUES (NEW.rowid, NEW.first_name, NEW.last_name, NEW.title, NEW.email);
END;
-- Only when an indexed column changes: stage, score and touch times change far more often.
CREATE TRIGGER contacts_fts_after_update AFTER UPDATE OF first_name, last_name, title, email ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, first_name, last_name, title, email)
    VALUES ('delete', OLD.rowid, OLD.first_name, OLD.last_name, OLD.title, OLD.email);
    INSERT INTO contacts_fts (rowid, first_name, last_name, title, email)
    VALUES (NEW.rowid, NEW.first_name, NEW.last_name, NEW.title, NEW.email);
END;
CREATE TRIGGER contacts_fts_after_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, first_name, last_name, title, email)
    VALUES ('delete', OLD.rowid, OLD.first_name, OLD.last_name, OLD.title, OLD.email);
END;

-- Contacts are audited like accounts. The guard covers the fields people edit; the score,
-- touch times and the account link are left out so that scoring, sending and the SET NULL of
-- a deleted account (audited as the account's deletion) need no entry per contact.
CREATE TRIGGER contacts_audit_guard_insert BEFORE INSERT ON contacts
WHEN NOT EXISTS (SELECT 1 FROM audit_log WHERE entity = 'contact' AND entity_id = NEW.id AND before IS NULL AND after IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'audit context missing for contact');
END;
CREATE TRIGGER contacts_audit_guard_update BEFORE UPDATE OF
    first_name, last_name, title, seniority, department, persona, email, linkedin_url, phone, timezone, stage, status, owner_id, notes ON contacts
WHEN NOT EXISTS (SELECT 1 FROM audit_log WHERE entity = 'contact' AND entity_id = OLD.id AND before IS NULL AND after IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'audit context missing for contact');
END;
CREATE TRIGGER contacts_audit_guard_delete BEFORE DELETE ON contacts
WHEN NOT EXISTS (SELECT 1 FROM audit_log WHERE entity = 'contact' AND entity_id = OLD.id AND before IS NULL AND after IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'audit context missing for contact');
END;
CREATE TRIGGER contacts_audit_after_insert AFTER INSERT ON contacts BEGIN
    UPDATE audit_log SET after = json_object(
        'account_id', NEW.account_id, 'first_name', NEW.first_name, 'last_name', NEW.last_name,
        'title', NEW.title, 'seniority', NEW.seniority, 'department', NEW.department,
        'persona', NEW.persona, 'email', NEW.email, 'linkedin_url', NEW.linkedin_url,
        'phone', NEW.phone, 'timezone', NEW.timezone, 'stage', NEW.stage, 'status', NEW.status,
        'owner_id', NEW.owner_id, 'notes', NEW.notes)
    WHERE entity = 'contact' AND entity_id = NEW.id AND before IS NULL AND after IS NULL;
END;
CREATE TRIGGER contacts_audit_after_update AFTER UPDATE OF
    account_id, first_name, last_name, title, seniority, department, persona, email, linkedin_url, phone, timezone, stage, status, owner_id, notes ON contacts BEGIN
    UPDATE audit_log SET before = json_object(
        'account_id', OLD.account_id, 'first_name', OLD.first_name, 'last_name', OLD.last_name,
        'title', OLD.title, 'seniority', OLD.seniority, 'department', OLD.department,
        'persona', OLD.persona, 'email', OLD.email, 'linkedin_url', OLD.linkedin_url,
        'phone', OLD.phone, 'timezone', OLD.timezone, 'stage', OLD.stage, 'status', OLD.status,
        'owner_id', OLD.owner_id, 'notes', OLD.notes),
    after = json_object(
        'account_id', NEW.account_id, 'first_name', NEW.first_name, 'last_name', NEW.last_name,
        'title', NEW.title, 'seniority', NEW.seniority, 'department', NEW.department,
        'persona', NEW.persona, 'email', NEW.email, 'linkedin_url', NEW.linkedin_url,
        'phone', NEW.phone, 'timezone', NEW.timezone, 'stage', NEW.stage, 'status', NEW.status,
        'owner_id', NEW.owner_id, 'notes', NEW.notes)
    WHERE entity = 'contact' AND entity_id = NEW.id AND before IS NULL AND after IS NULL;
END;
CREATE TRIGGER contacts_audit_after_delete AFTER DELETE ON contacts BEGIN
    UPDATE audit_log SET before = json_object(
        'account_id', OLD.account_id, 'first_name', OLD.first_name, 'last_name', OLD.last_name,
        'title', OLD.title, 'seniority', OLD.seniority, 'department', OLD.department,
        'persona', OLD.persona, 'email', OLD.email, 'linkedin_url', OLD.linkedin_url,
        'phone', OLD.phone, 'timezone', OLD.timezone, 'stage', OLD.stage, 'status', OLD.status,
        'owner_id', OLD.owner_id, 'notes', OLD.notes)
    WHERE entity = 'contact' AND entity_id = OLD.id AND before IS NULL AND after IS NULL;
END;

-- ---------------------------------------------------------------------------------------------
-- ICP scoring history: a row every time a contact's score changes (plan 2e, option B).
-- Append-only, so no updated_at.
CREATE TABLE icp_scores (
    id              TEXT PRIMARY KEY,
    contact_id      TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    score           INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    factors         TEXT NOT NULL CHECK (json_valid(factors)),
    -- The settings version of the ICP model the score was computed with (0: the built-in
    -- defaults, before anyone saved a model).
    config_version  INTEGER NOT NULL CHECK (config_version >= 0),
    computed_at     TEXT NOT NULL
) STRICT;
-- A contact's score history, newest last.
CREATE INDEX idx_icp_scores_contact ON icp_scores (contact_id, computed_at);

-- Buying signals about a person or a company.
CREATE TABLE signals (
    id            TEXT PRIMARY KEY,
    contact_id    TEXT REFERENCES contacts (id) ON DELETE CASCADE,
    account_id    TEXT REFERENCES accounts (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('job_change', 'funding', 'hiring', 'tech_adoption', 'news', 'content_engagement', 'website_visit', 'intent_topic', 'custom')),
    strength      INTEGER NOT NULL CHECK (strength BETWEEN 1 AND 5),
    title         TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    detail        TEXT CHECK (detail IS NULL OR length(detail) <= 20000),
    source_url    TEXT CHECK (source_url IS NULL OR length(source_url) BETWEEN 1 AND 2048),
    occurred_at   TEXT NOT NULL,
    expires_at    TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    CHECK (contact_id IS NOT NULL OR account_id IS NOT NULL)
) STRICT;
-- Plan 2c: a contact's signals (prep card, scoring), fresh first.
CREATE INDEX idx_signals_contact ON signals (contact_id, occurred_at);
-- An account's signals (prep card, account page, scoring of its people).
CREATE INDEX idx_signals_account ON signals (account_id, occurred_at);
-- Fresh signals and pruning expired ones.
CREATE INDEX idx_signals_expires ON signals (expires_at) WHERE expires_at IS NOT NULL;
-- Intelligence by signal kind.
CREATE INDEX idx_signals_kind ON signals (kind, occurred_at);

-- ---------------------------------------------------------------------------------------------
-- Sequences (cadences) and their ordered steps.
CREATE TABLE sequences (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    description  TEXT CHECK (description IS NULL OR length(description) <= 5000),
    status       TEXT NOT NULL CHECK (status IN ('active', 'paused', 'archived')),
    -- Drafts of this sequence are sent without human approval; suppression and pacing still apply.
    autopilot    INTEGER NOT NULL DEFAULT 0 CHECK (autopilot IN (0, 1)),
    owner_id     TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) STRICT;

CREATE TABLE sequence_steps (
    id                TEXT PRIMARY KEY,
    sequence_id       TEXT NOT NULL REFERENCES sequences (id) ON DELETE CASCADE,
    -- 1, 2, 3 ... within the sequence.
    position          INTEGER NOT NULL CHECK (position >= 1),
    -- Days after enrollment, in the contact's time zone.
    day_offset        INTEGER NOT NULL CHECK (day_offset BETWEEN 0 AND 365),
    channel           TEXT NOT NULL CHECK (channel IN ('linkedin', 'email', 'call')),
    kind              TEXT NOT NULL CHECK (kind IN ('email', 'linkedin_connect', 'linkedin_message', 'call')),
    subject_template  TEXT CHECK (subject_template IS NULL OR length(subject_template) <= 500),
    body_template     TEXT CHECK (body_template IS NULL OR length(body_template) <= 20000),
    is_break_up       INTEGER NOT NULL DEFAULT 0 CHECK (is_break_up IN (0, 1)),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    UNIQUE (sequence_id, position),
    -- The kind names its channel; both are stored because every query filters by channel.
    CHECK (channel = CASE kind WHEN 'email' THEN 'email' WHEN 'call' THEN 'call' ELSE 'linkedin' END)
) STRICT;

-- A contact in a sequence.
CREATE TABLE enrollments (
    id            TEXT PRIMARY KEY,
    contact_id    TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    -- A sequence with enrollments is archived, not deleted.
    sequence_id   TEXT NOT NULL REFERENCES sequences (id) ON DELETE RESTRICT,
    -- The position of the next step to fire (sequence_steps.position).
    current_step  INTEGER NOT NULL DEFAULT 1 CHECK (current_step >= 1),
    next_due_at   TEXT,
    status        TEXT NOT NULL CHECK (status IN ('active', 'paused', 'completed', 'exited')),
    exit_reason   TEXT CHECK (exit_reason IS NULL OR exit_reason IN ('replied', 'meeting_booked', 'bounced', 'unsubscribed', 'do_not_contact', 'colleague_replied', 'manual')),
    -- Out-of-office: paused until the return date, then resumed.
    paused_until  TEXT,
    enrolled_by   TEXT REFERENCES users (id) ON DELETE SET NULL,
    ended_at      TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    CHECK ((status = 'exited') = (exit_reason IS NOT NULL))
) STRICT;
-- One active enrollment per contact.
-- A paused enrollment (an out-of-office reply) is still the contact's one live enrollment, so
-- it counts: a contact is never enrolled twice while one of them can resume.
CREATE UNIQUE INDEX idx_enrollments_one_active ON enrollments (contact_id) WHERE status IN ('active', 'paused');
-- The tick: active enrollments whose next step is due.
CREATE INDEX idx_enrollments_due ON enrollments (next_due_at) WHERE status = 'active';
-- The tick: paused enrollments whose return date has come.
CREATE INDEX idx_enrollments_paused ON enrollments (paused_until) WHERE status = 'paused';
-- A contact's enrollments (timeline, auto-exit) and CASCADE.
CREATE INDEX idx_enrollments_contact ON enrollments (contact_id, created_at);
-- A sequence's enrollments and their progress; RESTRICT check on delete.
CREATE INDEX idx_enrollments_sequence ON enrollments (sequence_id, status);

-- ---------------------------------------------------------------------------------------------
-- Experiments: A/B tests of message variants, with sticky deterministic assignment.
CREATE TABLE experiments (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    hypothesis         TEXT CHECK (hypothesis IS NULL OR length(hypothesis) <= 5000),
    channel            TEXT NOT NULL CHECK (channel IN ('linkedin', 'email', 'call')),
    metric             TEXT NOT NULL CHECK (metric IN ('reply_rate', 'positive_reply_rate', 'meeting_rate')),
    status             TEXT NOT NULL CHECK (status IN ('draft', 'running', 'completed', 'stopped')),
    -- Sends per variant before a winner may be declared.
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
CREATE INDEX idx_experiments_status ON experiments (status, created_at);
-- SET NULL when the winning variant is deleted.
CREATE INDEX idx_experiments_winner ON experiments (winner_variant_id) WHERE winner_variant_id IS NOT NULL;

CREATE TABLE experiment_variants (
    id            TEXT PRIMARY KEY,
    experiment_id TEXT NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    is_control    INTEGER NOT NULL DEFAULT 0 CHECK (is_control IN (0, 1)),
    -- Relative weight of the assignment; 0 stops new assignments to the variant.
    weight        INTEGER NOT NULL CHECK (weight BETWEEN 0 AND 10000),
    -- What the drafter is told to do differently (angle, subject line, call to action ...).
    instructions  TEXT CHECK (instructions IS NULL OR length(instructions) <= 20000),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (experiment_id, name),
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
) STRICT;
-- Assignments per variant (results) and CASCADE from a variant.
CREATE INDEX idx_experiment_assignments_variant ON experiment_assignments (experiment_id, variant_id);
-- CASCADE when a contact is erased.
CREATE INDEX idx_experiment_assignments_contact ON experiment_assignments (contact_id);

-- ---------------------------------------------------------------------------------------------
-- Agent runs: one row per agent call, with or without a model.
CREATE TABLE agent_runs (
    id                 TEXT PRIMARY KEY,
    agent              TEXT NOT NULL CHECK (agent IN ('researcher', 'signal_scout', 'persona_mapper', 'icp_scorer', 'drafter', 'reviewer', 'reply_classifier', 'followup_planner', 'meeting_prep', 'experiment_analyst')),
    status             TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    -- Input and output hold the person's data, so an erasure removes the run.
    contact_id         TEXT REFERENCES contacts (id) ON DELETE CASCADE,
    account_id         TEXT REFERENCES accounts (id) ON DELETE CASCADE,
    input              TEXT NOT NULL CHECK (json_valid(input)),
    output             TEXT CHECK (output IS NULL OR json_valid(output)),
    error              TEXT CHECK (error IS NULL OR length(error) <= 5000),
    -- NULL when no model was configured.
    model              TEXT CHECK (model IS NULL OR length(model) BETWEEN 1 AND 200),
    prompt_tokens      INTEGER CHECK (prompt_tokens IS NULL OR prompt_tokens >= 0),
    completion_tokens  INTEGER CHECK (completion_tokens IS NULL OR completion_tokens >= 0),
    latency_ms         INTEGER CHECK (latency_ms IS NULL OR latency_ms >= 0),
    used_fallback      INTEGER NOT NULL DEFAULT 0 CHECK (used_fallback IN (0, 1)),
    created_by         TEXT REFERENCES users (id) ON DELETE SET NULL,
    started_at         TEXT,
    finished_at        TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
) STRICT;
-- The runs list filtered by agent, newest first.
CREATE INDEX idx_agent_runs_agent ON agent_runs (agent, created_at, id);
-- The runs list filtered by status (failed runs, running runs).
CREATE INDEX idx_agent_runs_status ON agent_runs (status, created_at, id);
-- A contact's runs (prep card: researcher brief, meeting prep) and CASCADE.
CREATE INDEX idx_agent_runs_contact ON agent_runs (contact_id, agent, created_at) WHERE contact_id IS NOT NULL;
-- An account's runs and CASCADE.
CREATE INDEX idx_agent_runs_account ON agent_runs (account_id) WHERE account_id IS NOT NULL;

-- ---------------------------------------------------------------------------------------------
-- Email identities: the sender mailboxes, with their pacing rules.
CREATE TABLE email_identities (
    id                      TEXT PRIMARY KEY,
    from_name               TEXT NOT NULL CHECK (length(from_name) BETWEEN 1 AND 200),
    from_address            TEXT NOT NULL UNIQUE CHECK (from_address = lower(from_address) AND length(from_address) BETWEEN 3 AND 254),
    smtp_host               TEXT NOT NULL CHECK (length(smtp_host) BETWEEN 1 AND 253),
    smtp_port               INTEGER NOT NULL CHECK (smtp_port BETWEEN 1 AND 65535),
    smtp_security           TEXT NOT NULL CHECK (smtp_security IN ('starttls', 'tls', 'none')),
    smtp_username           TEXT CHECK (smtp_username IS NULL OR length(smtp_username) BETWEEN 1 AND 254),
    -- Encrypted by the application (AEAD, key from the environment); never plain text.
    password_encrypted      BLOB,
    status                  TEXT NOT NULL CHECK (status IN ('active', 'paused', 'disabled')),
    -- The cap once warm-up is over.
    daily_cap               INTEGER NOT NULL CHECK (daily_cap BETWEEN 0 AND 10000),
    -- Warm-up: the cap is warmup_first_day on warmup_start_date and grows by
    -- warmup_daily_increase a day until it reaches daily_cap. NULL start = no warm-up.
    warmup_start_date       TEXT CHECK (warmup_start_date IS NULL OR warmup_start_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    warmup_first_day        INTEGER NOT NULL CHECK (warmup_first_day BETWEEN 0 AND 10000),
    warmup_daily_increase   INTEGER NOT NULL CHECK (warmup_daily_increase BETWEEN 0 AND 10000),
    -- Send window in the identity's time zone: [start_hour, end_hour) on the listed ISO
    -- weekdays (1 = Monday ... 7 = Sunday).
    send_window_start_hour  INTEGER NOT NULL CHECK (send_window_start_hour BETWEEN 0 AND 23),
    send_window_end_hour    INTEGER NOT NULL CHECK (send_window_end_hour BETWEEN 1 AND 24),
    send_window_days        TEXT NOT NULL CHECK (json_valid(send_window_days) AND json_type(send_window_days) = 'array'),
    min_spacing_seconds     INTEGER NOT NULL CHECK (min_spacing_seconds BETWEEN 0 AND 86400),
    -- The most this identity may send to one recipient domain in a day; counted across all
    -- identities (pacing_domain_daily).
    per_domain_daily_cap    INTEGER NOT NULL CHECK (per_domain_daily_cap BETWEEN 0 AND 10000),
    -- IANA name: the identity's days are counted in it.
    timezone                TEXT NOT NULL CHECK (length(timezone) BETWEEN 1 AND 64),
    -- The earliest time the next send may start (last send + spacing + jitter), moved forward
    -- in the same write that reserves a slot.
    next_send_at            TEXT,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    CHECK (send_window_start_hour < send_window_end_hour)
) STRICT;

-- ---------------------------------------------------------------------------------------------
-- Message drafts, written by agents or people, approved by people.
CREATE TABLE message_drafts (
    id               TEXT PRIMARY KEY,
    contact_id       TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    channel          TEXT NOT NULL CHECK (channel IN ('linkedin', 'email', 'call')),
    -- The sequence step (and enrollment) the draft is for; NULL for a one-off message.
    step_id          TEXT REFERENCES sequence_steps (id) ON DELETE SET NULL,
    enrollment_id    TEXT REFERENCES enrollments (id) ON DELETE SET NULL,
    variant_id       TEXT REFERENCES experiment_variants (id) ON DELETE SET NULL,
    subject          TEXT CHECK (subject IS NULL OR length(subject) <= 500),
    body             TEXT NOT NULL CHECK (length(body) <= 20000),
    author_kind      TEXT NOT NULL CHECK (author_kind IN ('human', 'agent')),
    author_user_id   TEXT REFERENCES users (id) ON DELETE SET NULL,
    -- The drafter run that wrote it; the draft outlives pruned runs.
    agent_run_id     TEXT REFERENCES agent_runs (id) ON DELETE SET NULL,
    -- The reviewer agent's report (length, placeholders, spam phrases, opt-out, personalisation).
    quality_report   TEXT CHECK (quality_report IS NULL OR json_valid(quality_report)),
    approval_status  TEXT NOT NULL DEFAULT 'draft' CHECK (approval_status IN ('draft', 'pending', 'approved', 'rejected', 'sent', 'archived')),
    reviewer_id      TEXT REFERENCES users (id) ON DELETE SET NULL,
    reviewed_at      TEXT,
    notes            TEXT CHECK (notes IS NULL OR length(notes) <= 5000),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;
-- The Review queue (pending drafts, oldest first) and counts by approval status.
CREATE INDEX idx_message_drafts_status ON message_drafts (approval_status, created_at, id);
-- A contact's drafts (timeline, prep card) and CASCADE.
CREATE INDEX idx_message_drafts_contact ON message_drafts (contact_id, created_at);
-- SET NULL from steps, enrollments, variants and runs.
CREATE INDEX idx_message_drafts_step ON message_drafts (step_id) WHERE step_id IS NOT NULL;
CREATE INDEX idx_message_drafts_enrollment ON message_drafts (enrollment_id) WHERE enrollment_id IS NOT NULL;
CREATE INDEX idx_message_drafts_variant ON message_drafts (variant_id) WHERE variant_id IS NOT NULL;
CREATE INDEX idx_message_drafts_agent_run ON message_drafts (agent_run_id) WHERE agent_run_id IS NOT NULL;

-- Touchpoints: every outbound action on every channel, including LinkedIn and call tasks.
-- Sending is at-most-once: the row (with its idempotency key) is written and the pacing slot
-- reserved before the SMTP call; 'unknown' means the send may or may not have happened and a
-- person resolves it.
CREATE TABLE touchpoints (
    id                 TEXT PRIMARY KEY,
    contact_id         TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    channel            TEXT NOT NULL CHECK (channel IN ('linkedin', 'email', 'call')),
    kind               TEXT NOT NULL CHECK (kind IN ('email', 'linkedin_connect', 'linkedin_message', 'linkedin_inmail', 'call')),
    status             TEXT NOT NULL CHECK (status IN ('scheduled', 'reserved', 'sending', 'sent', 'failed', 'unknown', 'cancelled')),
    draft_id           TEXT REFERENCES message_drafts (id) ON DELETE SET NULL,
    enrollment_id      TEXT REFERENCES enrollments (id) ON DELETE SET NULL,
    -- Kept on the touchpoint (not only the draft) because experiment results count sends.
    variant_id         TEXT REFERENCES experiment_variants (id) ON DELETE SET NULL,
    -- Email only. The history survives an identity's deletion (its counters do not matter then).
    identity_id        TEXT REFERENCES email_identities (id) ON DELETE SET NULL,
    -- The address it went to, and its domain (the per-domain pacing key).
    to_address         TEXT CHECK (to_address IS NULL OR to_address = lower(to_address)),
    subject            TEXT CHECK (subject IS NULL OR length(subject) <= 500),
    body               TEXT CHECK (body IS NULL OR length(body) <= 20000),
    -- The pacing day (identity's time zone) whose slot this send reserved, to release it if
    -- the send is cancelled before it starts.
    pacing_day         TEXT CHECK (pacing_day IS NULL OR pacing_day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    -- Email threading: our Message-ID, and the headers that place a follow-up in the thread
    -- of the first message (In-Reply-To; References as a JSON array of Message-IDs).
    message_id         TEXT CHECK (message_id IS NULL OR length(message_id) BETWEEN 3 AND 998),
    in_reply_to        TEXT CHECK (in_reply_to IS NULL OR length(in_reply_to) BETWEEN 3 AND 998),
    thread_references  TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(thread_references) AND json_type(thread_references) = 'array'),
    idempotency_key    TEXT NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    scheduled_at       TEXT,
    sent_at            TEXT,
    attempts           INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    error              TEXT CHECK (error IS NULL OR length(error) <= 5000),
    call_outcome       TEXT CHECK (call_outcome IS NULL OR call_outcome IN ('connected', 'voicemail', 'no_answer', 'wrong_number', 'meeting_booked')),
    duration_seconds   INTEGER CHECK (duration_seconds IS NULL OR duration_seconds BETWEEN 0 AND 86400),
    notes              TEXT CHECK (notes IS NULL OR length(notes) <= 20000),
    created_by         TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    CHECK (channel = CASE kind WHEN 'email' THEN 'email' WHEN 'call' THEN 'call' ELSE 'linkedin' END),
    CHECK (identity_id IS NULL OR channel = 'email'),
    CHECK ((call_outcome IS NULL AND duration_seconds IS NULL) OR channel = 'call'),
    CHECK (status <> 'sent' OR sent_at IS NOT NULL)
) STRICT;
-- Plan 2c: daily activity per channel (pacing gauges, dashboard, time series).
CREATE INDEX idx_touchpoints_channel_date ON touchpoints (channel, sent_at);
-- A contact's timeline and already touched? checks; CASCADE.
CREATE INDEX idx_touchpoints_contact ON touchpoints (contact_id, created_at);
-- The sender and the task lists: scheduled items that are due, stuck 'sending'/'unknown' rows.
CREATE INDEX idx_touchpoints_status ON touchpoints (status, scheduled_at);
-- An identity's sends (spacing, daily counts, identity page); SET NULL.
CREATE INDEX idx_touchpoints_identity ON touchpoints (identity_id, sent_at) WHERE identity_id IS NOT NULL;
-- Matching an inbound reply's In-Reply-To to the message it answers.
CREATE UNIQUE INDEX idx_touchpoints_message_id ON touchpoints (message_id);
-- Experiment results (sends per variant); SET NULL.
CREATE INDEX idx_touchpoints_variant ON touchpoints (variant_id, sent_at) WHERE variant_id IS NOT NULL;
-- SET NULL from drafts and enrollments; an enrollment's touches.
CREATE INDEX idx_touchpoints_draft ON touchpoints (draft_id) WHERE draft_id IS NOT NULL;
CREATE INDEX idx_touchpoints_enrollment ON touchpoints (enrollment_id) WHERE enrollment_id IS NOT NULL;

-- Replies on every channel, classified by the reply classifier (intent NULL until then).
CREATE TABLE replies (
    id              TEXT PRIMARY KEY,
    contact_id      TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    -- The message it answers, when known; the reply survives that row.
    touchpoint_id   TEXT REFERENCES touchpoints (id) ON DELETE SET NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('linkedin', 'email', 'call')),
    intent          TEXT CHECK (intent IS NULL OR intent IN ('positive', 'negative', 'neutral', 'referral', 'out_of_office', 'unsubscribe', 'question', 'not_now')),
    confidence      REAL CHECK (confidence IS NULL OR confidence BETWEEN 0 AND 1),
    subject         TEXT CHECK (subject IS NULL OR length(subject) <= 500),
    body            TEXT NOT NULL CHECK (length(body) <= 100000),
    -- The inbound email's Message-ID, so a message ingested twice is one reply.
    message_id      TEXT CHECK (message_id IS NULL OR length(message_id) BETWEEN 3 AND 998),
    -- Out-of-office return date (YYYY-MM-DD).
    return_date     TEXT CHECK (return_date IS NULL OR return_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    -- The person a referral reply points to.
    referral_name   TEXT CHECK (referral_name IS NULL OR length(referral_name) BETWEEN 1 AND 200),
    referral_email  TEXT CHECK (referral_email IS NULL OR referral_email = lower(referral_email)),
    replied_at      TEXT NOT NULL,
    classified_at   TEXT,
    handled_at      TEXT,
    handled_by      TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;
-- Plan 2c: replies per channel and day (LinkedIn daily stats, rates by channel).
CREATE INDEX idx_replies_channel_date ON replies (channel, replied_at);
-- A contact's replies (timeline, prep card); CASCADE.
CREATE INDEX idx_replies_contact ON replies (contact_id, replied_at);
-- Today: replies waiting for a person, positive first.
CREATE INDEX idx_replies_unhandled ON replies (intent, replied_at) WHERE handled_at IS NULL;
-- The classifier's queue: replies not yet classified.
CREATE INDEX idx_replies_unclassified ON replies (replied_at) WHERE intent IS NULL;
-- Idempotent ingestion of inbound messages.
CREATE UNIQUE INDEX idx_replies_message_id ON replies (message_id);
-- SET NULL when a touchpoint goes; replies to a given send.
CREATE INDEX idx_replies_touchpoint ON replies (touchpoint_id) WHERE touchpoint_id IS NOT NULL;

-- Scheduled next actions (from the follow-up planner, a not_now reply, or a person).
CREATE TABLE followups (
    id           TEXT PRIMARY KEY,
    contact_id   TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    -- The reply that caused it (not_now: a follow-up in 90 days).
    reply_id     TEXT REFERENCES replies (id) ON DELETE SET NULL,
    channel      TEXT NOT NULL CHECK (channel IN ('linkedin', 'email', 'call')),
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'skipped', 'cancelled')),
    due_at       TEXT NOT NULL,
    reason       TEXT CHECK (reason IS NULL OR length(reason) <= 2000),
    owner_id     TEXT REFERENCES users (id) ON DELETE SET NULL,
    completed_at TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) STRICT;
-- Today: pending follow-ups that are due.
CREATE INDEX idx_followups_pending ON followups (due_at) WHERE status = 'pending';
-- A contact's follow-ups; CASCADE.
CREATE INDEX idx_followups_contact ON followups (contact_id, due_at);
-- SET NULL when a reply goes.
CREATE INDEX idx_followups_reply ON followups (reply_id) WHERE reply_id IS NOT NULL;

-- Meetings and the opportunities they become.
CREATE TABLE opportunities (
    id            TEXT PRIMARY KEY,
    -- The pipeline value survives the erasure of the person (and of the company record);
    -- erasure clears notes that name them.
    contact_id    TEXT REFERENCES contacts (id) ON DELETE SET NULL,
    account_id    TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    status        TEXT NOT NULL CHECK (status IN ('meeting_booked', 'meeting_held', 'opportunity_created', 'disqualified', 'lost')),
    meeting_at    TEXT,
    amount_minor  INTEGER CHECK (amount_minor IS NULL OR amount_minor >= 0),
    currency      TEXT CHECK (currency IS NULL OR (length(currency) = 3 AND currency = upper(currency))),
    notes         TEXT CHECK (notes IS NULL OR length(notes) <= 20000),
    owner_id      TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    CHECK ((amount_minor IS NULL) = (currency IS NULL))
) STRICT;
-- The opportunities list by status; meetings in the next 24 hours / this week.
CREATE INDEX idx_opportunities_status_meeting ON opportunities (status, meeting_at);
-- Meetings by time whatever their status (calendar, dashboard).
CREATE INDEX idx_opportunities_meeting ON opportunities (meeting_at) WHERE meeting_at IS NOT NULL;
-- A contact's (prep card: open opportunity) and an account's opportunities; SET NULL.
CREATE INDEX idx_opportunities_contact ON opportunities (contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX idx_opportunities_account ON opportunities (account_id) WHERE account_id IS NOT NULL;

-- ---------------------------------------------------------------------------------------------
-- Batches: named prospect lists, built from a saved filter.
CREATE TABLE batches (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description  TEXT CHECK (description IS NULL OR length(description) <= 5000),
    status       TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'paused', 'completed', 'archived')),
    -- The saved filter it was built from (the contacts list's query parameters).
    saved_filter TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(saved_filter)),
    owner_id     TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) STRICT;
-- The batches list filtered by status, newest first.
CREATE INDEX idx_batches_status ON batches (status, created_at);

CREATE TABLE batch_prospects (
    id          TEXT PRIMARY KEY,
    batch_id    TEXT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    contact_id  TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    -- Order within the batch (the filter's sort when it was built).
    position    INTEGER NOT NULL CHECK (position >= 0),
    created_at  TEXT NOT NULL
) STRICT;
-- Plan 2c: unique membership; also a batch's members.
CREATE UNIQUE INDEX idx_batch_prospects_unique ON batch_prospects (batch_id, contact_id);
-- A contact's batches; CASCADE.
CREATE INDEX idx_batch_prospects_contact ON batch_prospects (contact_id);

-- ---------------------------------------------------------------------------------------------
-- Swarms: a pipeline of agents over a batch, run as a durable task queue.
CREATE TABLE swarm_runs (
    id           TEXT PRIMARY KEY,
    -- The run's history survives the batch.
    batch_id     TEXT REFERENCES batches (id) ON DELETE SET NULL,
    -- The agents in order: a JSON array of agent names (persona_mapper, researcher, ...).
    pipeline     TEXT NOT NULL CHECK (json_valid(pipeline) AND json_type(pipeline) = 'array'),
    status       TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    created_by   TEXT REFERENCES users (id) ON DELETE SET NULL,
    started_at   TEXT,
    finished_at  TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) STRICT;
-- The swarms list by status, newest first.
CREATE INDEX idx_swarm_runs_status ON swarm_runs (status, created_at);
-- A batch's runs; SET NULL.
CREATE INDEX idx_swarm_runs_batch ON swarm_runs (batch_id) WHERE batch_id IS NOT NULL;

-- One agent over one contact. 'waiting' until every dependency has succeeded, then 'queued'.
CREATE TABLE swarm_tasks (
    id             TEXT PRIMARY KEY,
    swarm_run_id   TEXT NOT NULL REFERENCES swarm_runs (id) ON DELETE CASCADE,
    agent          TEXT NOT NULL CHECK (agent IN ('researcher', 'signal_scout', 'persona_mapper', 'icp_scorer', 'drafter', 'reviewer', 'reply_classifier', 'followup_planner', 'meeting_prep', 'experiment_analyst')),
    contact_id     TEXT REFERENCES contacts (id) ON DELETE CASCADE,
    status         TEXT NOT NULL CHECK (status IN ('waiting', 'queued', 'running', 'succeeded', 'failed', 'cancelled')),
    attempts       INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts   INTEGER NOT NULL CHECK (max_attempts >= 1),
    -- The earliest time a worker may claim the task: the end of the backoff while queued,
    -- the end of the lease while running (an expired lease is claimed again).
    lease_until    TEXT NOT NULL,
    leased_by      TEXT,
    -- The run of the last attempt.
    agent_run_id   TEXT REFERENCES agent_runs (id) ON DELETE SET NULL,
    last_error     TEXT CHECK (last_error IS NULL OR length(last_error) <= 5000),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) STRICT;
-- The worker: queued tasks whose backoff is over, running tasks whose lease expired.
CREATE INDEX idx_swarm_tasks_ready ON swarm_tasks (status, lease_until);
-- Progress of a run (counts by status) and CASCADE.
CREATE INDEX idx_swarm_tasks_run ON swarm_tasks (swarm_run_id, status);
-- CASCADE when a contact is erased.
CREATE INDEX idx_swarm_tasks_contact ON swarm_tasks (contact_id) WHERE contact_id IS NOT NULL;
-- SET NULL when a run is pruned.
CREATE INDEX idx_swarm_tasks_agent_run ON swarm_tasks (agent_run_id) WHERE agent_run_id IS NOT NULL;

CREATE TABLE swarm_task_deps (
    task_id        TEXT NOT NULL REFERENCES swarm_tasks (id) ON DELETE CASCADE,
    depends_on_id  TEXT NOT NULL REFERENCES swarm_tasks (id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, depends_on_id),
    CHECK (task_id <> depends_on_id)
) STRICT;
-- When a task succeeds: the tasks that waited on it.
CREATE INDEX idx_swarm_task_deps_depends_on ON swarm_task_deps (depends_on_id);

-- ---------------------------------------------------------------------------------------------
-- Suppression: who and what is never contacted. An erased person is kept only as a hash
-- (value NULL, value_hash set), so they are never imported or contacted again.
CREATE TABLE email_suppression (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('email', 'domain', 'linkedin')),
    -- Normalised by the application: lower-case address or domain, canonical profile URL.
    value       TEXT CHECK (value IS NULL OR (value = lower(value) AND length(value) BETWEEN 1 AND 2048)),
    -- Hex SHA-256 of the normalised value.
    value_hash  TEXT CHECK (value_hash IS NULL OR (length(value_hash) = 64 AND value_hash = lower(value_hash))),
    reason      TEXT NOT NULL CHECK (reason IN ('hard_bounce', 'soft_bounce_limit', 'complaint', 'unsubscribe', 'manual', 'erased')),
    -- Where it came from: 'webhook', 'unsubscribe_page', 'import', 'user:<id>' ...
    source      TEXT NOT NULL CHECK (length(source) BETWEEN 1 AND 200),
    note        TEXT CHECK (note IS NULL OR length(note) <= 2000),
    created_at  TEXT NOT NULL,
    CHECK ((value IS NULL) <> (value_hash IS NULL)),
    -- These unique keys are also the lookups of the suppression check at send time.
    UNIQUE (kind, value),
    UNIQUE (kind, value_hash)
) STRICT;
-- The suppression list filtered by reason, newest first.
CREATE INDEX idx_email_suppression_reason ON email_suppression (reason, created_at);

-- Provider events (delivery, bounces, complaints ...), ingested idempotently. Append-only.
CREATE TABLE email_events (
    id                 TEXT PRIMARY KEY,
    kind               TEXT NOT NULL CHECK (kind IN ('delivered', 'bounce_hard', 'bounce_soft', 'complaint', 'unsubscribe', 'open', 'click', 'reply')),
    provider           TEXT NOT NULL CHECK (length(provider) BETWEEN 1 AND 100),
    provider_event_id  TEXT NOT NULL UNIQUE CHECK (length(provider_event_id) BETWEEN 1 AND 500),
    email_address      TEXT NOT NULL CHECK (email_address = lower(email_address)),
    -- The event names the person, so it goes with them when they are erased.
    contact_id         TEXT REFERENCES contacts (id) ON DELETE CASCADE,
    touchpoint_id      TEXT REFERENCES touchpoints (id) ON DELETE SET NULL,
    identity_id        TEXT REFERENCES email_identities (id) ON DELETE SET NULL,
    payload            TEXT NOT NULL CHECK (json_valid(payload)),
    occurred_at        TEXT NOT NULL,
    created_at         TEXT NOT NULL
) STRICT;
-- Plan 2c: an address's events (bounce counting, suppression, erasure).
CREATE INDEX idx_email_events_email ON email_events (email_address, occurred_at);
-- Counts by kind over time (deliverability dashboard, time series).
CREATE INDEX idx_email_events_kind ON email_events (kind, occurred_at);
-- A contact's events (timeline); CASCADE.
CREATE INDEX idx_email_events_contact ON email_events (contact_id) WHERE contact_id IS NOT NULL;
-- A send's events; SET NULL.
CREATE INDEX idx_email_events_touchpoint ON email_events (touchpoint_id) WHERE touchpoint_id IS NOT NULL;
-- An identity's bounce and complaint rates; SET NULL.
CREATE INDEX idx_email_events_identity ON email_events (identity_id, occurred_at) WHERE identity_id IS NOT NULL;

-- ---------------------------------------------------------------------------------------------
-- Pacing counters. A slot is reserved atomically (an upsert that adds 1 only while under the
-- cap) in the same write that records the touchpoint. Days are 'YYYY-MM-DD' and weeks ISO
-- 'YYYY-Www' (weeks start on Monday), in the identity's time zone for identity counters and
-- in the team's for the others. The primary keys are the lookups.

-- Emails per identity per day (daily cap with warm-up ramp).
CREATE TABLE pacing_identity_daily (
    identity_id  TEXT NOT NULL REFERENCES email_identities (id) ON DELETE CASCADE,
    day          TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    count        INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (identity_id, day)
) STRICT;

-- Emails per recipient domain per day, across identities.
CREATE TABLE pacing_domain_daily (
    domain  TEXT NOT NULL CHECK (domain = lower(domain) AND length(domain) BETWEEN 1 AND 253),
    day     TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    count   INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (domain, day)
) STRICT;

-- LinkedIn actions per user (each BDR acts from their own LinkedIn account) per day.
CREATE TABLE pacing_linkedin_daily (
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind     TEXT NOT NULL CHECK (kind IN ('connection_sent', 'connection_accepted', 'message_sent', 'inmail_sent', 'reply_received', 'profile_viewed')),
    day      TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    count    INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (user_id, kind, day)
) STRICT;

-- LinkedIn actions per user per ISO week.
CREATE TABLE pacing_linkedin_weekly (
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind     TEXT NOT NULL CHECK (kind IN ('connection_sent', 'connection_accepted', 'message_sent', 'inmail_sent', 'reply_received', 'profile_viewed')),
    week     TEXT NOT NULL CHECK (week GLOB '[0-9][0-9][0-9][0-9]-W[0-5][0-9]'),
    count    INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (user_id, kind, week)
) STRICT;

-- ---------------------------------------------------------------------------------------------
-- LinkedIn events, recorded when a BDR marks a task done (OCC never automates LinkedIn).
-- Daily stats derive from these. Append-only.
CREATE TABLE linkedin_events (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('connection_sent', 'connection_accepted', 'message_sent', 'inmail_sent', 'reply_received', 'profile_viewed')),
    contact_id     TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    touchpoint_id  TEXT REFERENCES touchpoints (id) ON DELETE SET NULL,
    -- Who did it on LinkedIn.
    user_id        TEXT REFERENCES users (id) ON DELETE SET NULL,
    note           TEXT CHECK (note IS NULL OR length(note) <= 5000),
    occurred_at    TEXT NOT NULL,
    created_at     TEXT NOT NULL
) STRICT;
-- Daily stats and time series by kind.
CREATE INDEX idx_linkedin_events_kind ON linkedin_events (kind, occurred_at);
-- A contact's LinkedIn history (timeline, already connected?); CASCADE.
CREATE INDEX idx_linkedin_events_contact ON linkedin_events (contact_id, occurred_at);
-- A user's activity today against their limits.
CREATE INDEX idx_linkedin_events_user ON linkedin_events (user_id, occurred_at) WHERE user_id IS NOT NULL;
-- SET NULL when a touchpoint goes.
CREATE INDEX idx_linkedin_events_touchpoint ON linkedin_events (touchpoint_id) WHERE touchpoint_id IS NOT NULL;
