-- Bulk work writes where it already writes. A rescore after a model change walks the contacts
-- still behind in the order of their scores, so the entries it moves in the score indexes lie
-- together; and a score's history row gets a time-ordered id (a UUIDv7, as the application's
-- ids), so the rows of one statement go to one place in the id index instead of one page each.

DROP INDEX idx_contacts_priority_version;
CREATE INDEX idx_contacts_priority_version ON contacts (priority_version, priority_score DESC, id);

DROP TRIGGER contacts_score_history_insert;
DROP TRIGGER contacts_score_history_update;
CREATE TRIGGER contacts_score_history_insert AFTER INSERT ON contacts
WHEN NEW.priority_factors <> '{}'
BEGIN
    INSERT INTO icp_scores (id, contact_id, score, factors, config_version, computed_at)
    SELECT printf('%08x-%04x-7%s-%x%s-%s', ms >> 16, ms & 65535, substr(r, 1, 3), 8 + abs(random() % 4),
                  substr(r, 4, 3), substr(r, 7, 12)),
           NEW.id, NEW.priority_score, NEW.priority_factors, NEW.priority_version, NEW.updated_at
    FROM (SELECT CAST(unixepoch('subsec') * 1000 AS INTEGER) AS ms, lower(hex(randomblob(9))) AS r);
END;
CREATE TRIGGER contacts_score_history_update AFTER UPDATE OF priority_score, priority_factors ON contacts
WHEN NEW.priority_score IS NOT OLD.priority_score OR NEW.priority_factors IS NOT OLD.priority_factors
BEGIN
    INSERT INTO icp_scores (id, contact_id, score, factors, config_version, computed_at)
    SELECT printf('%08x-%04x-7%s-%x%s-%s', ms >> 16, ms & 65535, substr(r, 1, 3), 8 + abs(random() % 4),
                  substr(r, 4, 3), substr(r, 7, 12)),
           NEW.id, NEW.priority_score, NEW.priority_factors, NEW.priority_version,
           strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    FROM (SELECT CAST(unixepoch('subsec') * 1000 AS INTEGER) AS ms, lower(hex(randomblob(9))) AS r);
END;
