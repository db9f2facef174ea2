INSERT INTO contacts_fts (contacts_fts, rank) VALUES ('automerge', 4);
INSERT INTO accounts_fts (accounts_fts, rank) VALUES ('automerge', 4);
