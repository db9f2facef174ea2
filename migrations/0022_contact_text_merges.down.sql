INSERT INTO contacts_fts (contacts_fts, rank) VALUES ('automerge', 8);
