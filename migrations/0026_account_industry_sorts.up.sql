-- An accounts list filtered by one or more industries reads each industry's companies from an
-- index in the list's order, a page of each, whatever the sort: by name (accounts_industry_name,
-- migration 0001), by domain, by creation and by last change. Without them a rare industry
-- walked every company in the sort's order (100,000 companies at a million contacts).

CREATE INDEX accounts_industry_domain ON accounts (industry COLLATE NOCASE, ifnull(domain, ''), id);
CREATE INDEX accounts_industry_created ON accounts (industry COLLATE NOCASE, created_at, id);
CREATE INDEX accounts_industry_updated ON accounts (industry COLLATE NOCASE, updated_at, id);
