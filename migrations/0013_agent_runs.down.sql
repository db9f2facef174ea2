DROP INDEX idx_agent_runs_fallback;
DROP INDEX idx_agent_runs_target;
DROP INDEX idx_agent_runs_contact_recent;
ALTER TABLE agent_runs DROP COLUMN target_id;
ALTER TABLE agent_runs DROP COLUMN target_kind;
ALTER TABLE agent_runs DROP COLUMN fallback_reason;
ALTER TABLE agent_runs DROP COLUMN prompt_version;
