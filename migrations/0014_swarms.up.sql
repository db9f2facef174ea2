-- What a swarm records beyond the first schema: how many tasks it made (its progress is
-- counted against it) and when it was cancelled.
ALTER TABLE swarm_runs ADD COLUMN total INTEGER NOT NULL DEFAULT 0 CHECK (total >= 0);
ALTER TABLE swarm_runs ADD COLUMN cancelled_at TEXT;
-- The swarms list, newest first (keyset on created_at, id).
CREATE INDEX idx_swarm_runs_recent ON swarm_runs (created_at, id);
-- A contact's task for the agent before in the pipeline (the dependencies made at the start).
CREATE INDEX idx_swarm_tasks_run_contact ON swarm_tasks (swarm_run_id, contact_id, agent);
