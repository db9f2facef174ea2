DROP INDEX idx_queue_items_owner;
DROP INDEX idx_contacts_first_name;
