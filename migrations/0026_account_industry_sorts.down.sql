DROP INDEX accounts_industry_updated;
DROP INDEX accounts_industry_created;
DROP INDEX accounts_industry_domain;
