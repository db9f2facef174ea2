-- Writes in one round trip (store/batch.rs): a batch's check is a statement that inserts a row
-- here exactly when its condition does not hold. The constraint refuses every such row, so the
-- step fails, the steps after it do not run and the batch rolls back. The table stays empty.
CREATE TABLE batch_checks (
    failed INTEGER NOT NULL,
    CONSTRAINT batch_check CHECK (failed = 0)
) STRICT;
