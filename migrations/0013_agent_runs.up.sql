-- What an agent run records beyond the first schema: the prompt's version, why the fallback
-- answered (NULL when the model did), and what the run was about (a contact, account, reply,
-- draft or experiment), so a run can be found from the record it looked at.
ALTER TABLE agent_runs ADD COLUMN prompt_version TEXT CHECK (prompt_version IS NULL OR length(prompt_version) BETWEEN 1 AND 100);
ALTER TABLE agent_runs ADD COLUMN fallback_reason TEXT CHECK (fallback_reason IS NULL OR length(fallback_reason) <= 2000);
ALTER TABLE agent_runs ADD COLUMN target_kind TEXT CHECK (target_kind IS NULL OR target_kind IN ('contact', 'account', 'reply', 'draft', 'experiment'));
ALTER TABLE agent_runs ADD COLUMN target_id TEXT CHECK (target_id IS NULL OR length(target_id) BETWEEN 1 AND 100);
-- A contact's runs, newest first, whatever the agent (the runs list filtered by contact).
CREATE INDEX idx_agent_runs_contact_recent ON agent_runs (contact_id, created_at, id) WHERE contact_id IS NOT NULL;
-- The runs about one record (a reply's classifications, a draft's reviews).
CREATE INDEX idx_agent_runs_target ON agent_runs (target_kind, target_id, created_at) WHERE target_id IS NOT NULL;
-- The runs list filtered by whether the fallback answered, newest first.
CREATE INDEX idx_agent_runs_fallback ON agent_runs (used_fallback, created_at, id);
