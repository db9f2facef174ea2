-- A search of the start of a name (text too short for the trigram index) reads the matches
-- from indexes: last names have idx_contacts_name, addresses and domains their unique
-- indexes (kept in lower case); first names get theirs here.
CREATE INDEX idx_contacts_first_name ON contacts (first_name COLLATE NOCASE);

-- A rep's Today reads its own items and nobody's, each from a range of this index in the
-- lane's order (meetings and follow-ups: order_score 0, order_key their time), however many
-- items the rest of the team has.
CREATE INDEX idx_queue_items_owner ON queue_items (lane, owner_id, order_score DESC, order_key);
