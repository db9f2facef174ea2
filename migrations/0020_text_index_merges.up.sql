-- The text indexes merge their segments eight at a time instead of four (FTS5's `automerge`):
-- every word of a person written is copied fewer times on its way to the large segments, so an
-- import into a large book spends less of each step merging, for a few more segments a search
-- looks in.

INSERT INTO contacts_fts (contacts_fts, rank) VALUES ('automerge', 8);
INSERT INTO accounts_fts (accounts_fts, rank) VALUES ('automerge', 8);
