DROP TABLE llm_token_days;
