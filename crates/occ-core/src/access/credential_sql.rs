//! The SQL that authenticates a request, for each kind of credential (see authenticate.rs).

/// The two kinds of credential, as SQL: the read that authenticates a request of a lease, the
/// write that authenticates and takes a new lease, and the check that the credential still
/// holds as it was read (see `authenticate::vouched`).
pub(super) struct Kind {
    pub(super) read: &'static str,
    pub(super) lease: &'static str,
    pub(super) vouch: &'static str,
}

pub(super) const SESSION: Kind = Kind {
    read: "SELECT s.id, u.id AS user_id, u.email, u.name, u.role, NULL AS scopes FROM sessions s \
           JOIN users u ON u.id = s.user_id \
           WHERE s.secret_hash = :hash AND s.expires_at > :now AND u.disabled = 0",
    lease: "UPDATE sessions SET \
            last_seen_at = CASE WHEN last_seen_at < :minute_ago THEN :now ELSE last_seen_at END, \
            rate_count = CASE WHEN rate_window = :window THEN rate_count + :lease ELSE :lease END, \
            rate_window = :window \
            WHERE secret_hash = :hash AND expires_at > :now \
            AND EXISTS (SELECT 1 FROM users u WHERE u.id = sessions.user_id AND u.disabled = 0) \
            RETURNING id, user_id, \
            (SELECT email FROM users u WHERE u.id = sessions.user_id) AS email, \
            (SELECT name FROM users u WHERE u.id = sessions.user_id) AS name, \
            (SELECT role FROM users u WHERE u.id = sessions.user_id) AS role, NULL AS scopes, rate_count",
    // `json` of something that is not JSON fails the statement: the check fails rather than
    // answering no row, so the steps after it do not run (see store/vouch.rs).
    vouch: "SELECT json(CASE WHEN EXISTS (SELECT 1 FROM sessions s JOIN users u ON u.id = s.user_id \
            WHERE s.secret_hash = :hash AND s.expires_at > :now AND u.disabled = 0 \
            AND s.id = :id AND u.id = :user_id AND u.email = :email AND u.name = :name AND u.role = :role) \
            THEN '1' ELSE 'the credential does not hold' END)",
};

pub(super) const TOKEN: Kind = Kind {
    read: "SELECT t.id, u.id AS user_id, u.email, u.name, u.role, t.scopes FROM api_tokens t \
           JOIN users u ON u.id = t.user_id \
           WHERE t.secret_hash = :hash AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > :now) \
           AND u.disabled = 0",
    lease: "UPDATE api_tokens SET \
            last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < :minute_ago THEN :now ELSE last_used_at END, \
            rate_count = CASE WHEN rate_window = :window THEN rate_count + :lease ELSE :lease END, \
            rate_window = :window \
            WHERE secret_hash = :hash AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > :now) \
            AND EXISTS (SELECT 1 FROM users u WHERE u.id = api_tokens.user_id AND u.disabled = 0) \
            RETURNING id, user_id, \
            (SELECT email FROM users u WHERE u.id = api_tokens.user_id) AS email, \
            (SELECT name FROM users u WHERE u.id = api_tokens.user_id) AS name, \
            (SELECT role FROM users u WHERE u.id = api_tokens.user_id) AS role, scopes, rate_count",
    vouch: "SELECT json(CASE WHEN EXISTS (SELECT 1 FROM api_tokens t JOIN users u ON u.id = t.user_id \
            WHERE t.secret_hash = :hash AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > :now) \
            AND u.disabled = 0 AND t.id = :id AND u.id = :user_id AND u.email = :email AND u.name = :name \
            AND u.role = :role AND t.scopes IS :scopes) \
            THEN '1' ELSE 'the credential does not hold' END)",
};
