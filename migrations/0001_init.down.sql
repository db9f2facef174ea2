-- 0001_init, reverted: drops everything 0001_init.up.sql creates, leaving only
-- schema_migrations (which the migration runner owns).
--
-- Order: triggers first (so no trigger fires on the implicit DELETE of a dropped table), then
-- the FTS tables, then every table after the tables that reference it, so that with
-- foreign_keys=ON a DROP never trips a RESTRICT or cascades into a table already gone.
-- Indexes go with their tables.

DROP TRIGGER contacts_fts_after_delete;
DROP TRIGGER contacts_fts_after_update;
DROP TRIGGER contacts_fts_after_insert;
DROP TRIGGER accounts_after_delete;
DROP TRIGGER accounts_after_update;
DROP TRIGGER accounts_after_insert;
DROP TRIGGER accounts_audit_guard_delete;
DROP TRIGGER accounts_audit_guard_update;
DROP TRIGGER accounts_audit_guard_insert;

DROP TABLE contacts_fts;
DROP TABLE accounts_fts;

-- LinkedIn and pacing.
DROP TABLE linkedin_events;
DROP TABLE pacing_linkedin_weekly;
DROP TABLE pacing_linkedin_daily;
DROP TABLE pacing_domain_daily;
DROP TABLE pacing_identity_daily;

-- Email events and suppression.
DROP TABLE email_events;
DROP TABLE email_suppression;

-- Swarms (tasks reference agent runs, contacts and batches).
DROP TABLE swarm_task_deps;
DROP TABLE swarm_tasks;
DROP TABLE swarm_runs;

-- Batches.
DROP TABLE batch_prospects;
DROP TABLE batches;

-- Outreach, children before parents.
DROP TABLE opportunities;
DROP TABLE followups;
DROP TABLE replies;
DROP TABLE touchpoints;
DROP TABLE message_drafts;
DROP TABLE email_identities;
DROP TABLE agent_runs;

-- Experiments: experiments and experiment_variants reference each other (winner_variant_id,
-- SET NULL), so dropping the variants first only clears that column.
DROP TABLE experiment_assignments;
DROP TABLE experiment_variants;
DROP TABLE experiments;

-- Sequences.
DROP TABLE enrollments;
DROP TABLE sequence_steps;
DROP TABLE sequences;

-- Scores and signals, then the people and companies they describe.
DROP TABLE signals;
DROP TABLE icp_scores;
DROP TABLE contacts;
DROP TABLE accounts;

-- Access.
DROP TABLE rate_limits;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;

DROP TABLE settings;
DROP TABLE audit_log;
