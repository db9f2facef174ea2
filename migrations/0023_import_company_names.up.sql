-- A dry run counted a company the file names without a domain once in each step that met it:
-- a step finds the companies earlier steps created by their domain, and had nothing to find
-- the others by (the real run finds them among the accounts). Each report row that created a
-- company without a domain now keeps its name as the import matches names (lower-cased), and
-- a step looks it up here.

ALTER TABLE import_rows ADD COLUMN created_name TEXT;
CREATE INDEX idx_import_rows_created_name ON import_rows (import_id, phase, created_name) WHERE created_name IS NOT NULL;
