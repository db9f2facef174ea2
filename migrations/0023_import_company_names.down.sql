DROP INDEX idx_import_rows_created_name;
ALTER TABLE import_rows DROP COLUMN created_name;
