DROP TRIGGER linkedin_daily_after_update;
DROP TRIGGER linkedin_daily_after_delete;
DROP TRIGGER linkedin_daily_after_insert;
DROP TABLE linkedin_daily;
