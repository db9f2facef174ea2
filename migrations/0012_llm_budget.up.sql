-- The team's daily token budget for the model, shared by every instance: one row per UTC day
-- with the tokens spent or reserved by calls in flight. A call reserves its tokens with an
-- upsert that only succeeds within the limit, then settles to what the server reported.

CREATE TABLE llm_token_days (
    day TEXT PRIMARY KEY NOT NULL,                     -- UTC day, YYYY-MM-DD
    tokens INTEGER NOT NULL DEFAULT 0 CHECK (tokens >= 0),
    updated_at TEXT NOT NULL
) STRICT;
