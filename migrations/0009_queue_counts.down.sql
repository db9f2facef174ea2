DROP TRIGGER queue_counts_after_delete;
DROP TRIGGER queue_counts_after_update;
DROP TRIGGER queue_counts_after_insert;
DROP TABLE queue_counts;
