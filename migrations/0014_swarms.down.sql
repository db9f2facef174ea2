DROP INDEX idx_swarm_tasks_run_contact;
DROP INDEX idx_swarm_runs_recent;
ALTER TABLE swarm_runs DROP COLUMN cancelled_at;
ALTER TABLE swarm_runs DROP COLUMN total;
