//! The ICP model in SQL. A write that moves a score computes it in the statement that makes the
//! change, from the rows as they stand in its transaction and the newest model in `settings`,
//! so it needs no read beforehand and no confirmation that what it read still holds: one round
//! trip, and a bulk rescore is one set-based statement. [`super::score`] is the same model in
//! Rust, kept as the reference this SQL is tested against (tests/api/scoring.rs), with the same
//! arithmetic in the same order.

/// The model in use as the one-row table `(version, model)`: the newest saved model, or the
/// defaults as version 0.
macro_rules! model_row_sql {
    () => {
        concat!(
            "(SELECT version, model FROM (SELECT st.version AS version, json(st.value) AS model FROM settings st \
             WHERE st.key = 'icp' UNION ALL SELECT 0, ",
            $crate::contacts::scoring::sql::default_model_sql!(),
            ") ORDER BY version DESC LIMIT 1)"
        )
    };
}
pub(crate) use model_row_sql;

/// The model in use worked out once for a whole statement: a `WITH` clause that names it
/// `icp_model`, its model as JSONB, for [`score_sql`]'s `model =` form to read through
/// [`model_once_row_sql`]. A statement that scores thousands of people then reads the settings
/// and parses the model once, not once a person.
macro_rules! model_once_sql {
    () => {
        concat!(
            "WITH icp_model AS MATERIALIZED (SELECT version, jsonb(model) AS model FROM ",
            $crate::contacts::scoring::sql::model_row_sql!(),
            ") "
        )
    };
}
pub(crate) use model_once_sql;

/// The model row of a statement that starts with [`model_once_sql`].
macro_rules! model_once_row_sql {
    () => {
        "(SELECT version, model FROM icp_model)"
    };
}
pub(crate) use model_once_row_sql;

/// [`super::IcpConfig::default`] as a SQL string (a test checks that they agree).
macro_rules! default_model_sql {
    () => {
        "'{\"weights\":{\"industry\":20,\"seniority\":20,\"department\":15,\"company_size\":15,\"signals\":20,\
         \"engagement\":10},\"target_industries\":[],\"target_sub_industries\":[],\
         \"target_departments\":[\"sales\",\"operations\",\"executive\"],\"seniority_fit\":{\"c_level\":100,\
         \"director\":75,\"entry\":10,\"manager\":50,\"senior\":25,\"unknown\":0,\"vp\":90},\
         \"company_size\":{\"min\":50,\"max\":1000},\"signal_half_life_days\":30.0}'"
    };
}
pub(crate) use default_model_sql;

/// The ASCII white space a target name is trimmed of before it is compared (as
/// [`super::fits`] does).
macro_rules! blank_sql {
    () => {
        "' ' || char(9, 10, 12, 13)"
    };
}

/// The signals fit of the contact `$contact` at the account `$account` under the model row `m`:
/// each fresh signal about either counts its strength out of 5, halved every half-life, and
/// the sum counts up to 1. The halving is `2^-x = 2^-n x e^(-f ln 2)` for `x = n + f` (see
/// [`super::half_life_decay`]; SQL has no `pow` everywhere OCC runs). Expects `:now`.
macro_rules! signals_fit_sql {
    ($contact:literal, $account:literal) => {
        concat!(
            "(SELECT min(1.0, coalesce(sum(strength / 5.0 * CASE WHEN n >= 60 THEN 0.0 ELSE (1.0 / (1 << n)) * \
             (1 - y + y * y / 2 - y * y / 2 * y / 3 + y * y / 2 * y / 3 * y / 4 - y * y / 2 * y / 3 * y / 4 * y / 5 \
             + y * y / 2 * y / 3 * y / 4 * y / 5 * y / 6 - y * y / 2 * y / 3 * y / 4 * y / 5 * y / 6 * y / 7 \
             + y * y / 2 * y / 3 * y / 4 * y / 5 * y / 6 * y / 7 * y / 8 \
             - y * y / 2 * y / 3 * y / 4 * y / 5 * y / 6 * y / 7 * y / 8 * y / 9 \
             + y * y / 2 * y / 3 * y / 4 * y / 5 * y / 6 * y / 7 * y / 8 * y / 9 * y / 10 \
             - y * y / 2 * y / 3 * y / 4 * y / 5 * y / 6 * y / 7 * y / 8 * y / 9 * y / 10 * y / 11) END), 0.0)) \
             FROM (SELECT strength, CAST(x AS INTEGER) AS n, (x - CAST(x AS INTEGER)) * 0.6931471805599453 AS y \
             FROM (SELECT max(0, min(5, sx.strength)) AS strength, \
             max(0.0, coalesce(unixepoch(:now) - unixepoch(sx.occurred_at), 0) / 86400.0) \
             / (m.model ->> '$.signal_half_life_days') AS x \
             FROM signals sx WHERE (sx.contact_id = (",
            $contact,
            ") OR sx.account_id = (",
            $account,
            ")) AND (sx.expires_at IS NULL OR sx.expires_at > :now) LIMIT -1 OFFSET 0) LIMIT -1 OFFSET 0))"
        )
    };
}

/// Whether the trimmed, lower-case text `$value` is one of the model row `m`'s list `$list`.
macro_rules! listed_sql {
    ($list:literal, $value:literal) => {
        concat!(
            "EXISTS (SELECT 1 FROM json_each(m.model, '$.",
            $list,
            "') t WHERE lower(trim(t.value, ",
            $crate::contacts::scoring::sql::blank_sql!(),
            ")) = lower(trim(",
            $value,
            ", ",
            $crate::contacts::scoring::sql::blank_sql!(),
            ")))"
        )
    };
}

/// The score of a contact whose seniority, department, stage, account id and own id are the SQL
/// expressions given (over the row being written, or parameters), as a query of one row:
/// `score`, `factors` (the JSON stored in `priority_factors`) and `version` (the model's).
/// Each factor earns `weight x fit` points (`x1` to `x6`, in the factors' order), rounded so
/// that they add up to the rounded total: each keeps its whole points (`f`), and the spare
/// points go to the largest remainders (`r`), then to the earlier factor. Expects `:now`.
/// (`OFFSET 0` keeps SQLite from flattening the levels whose columns hold subqueries or long
/// expressions: the levels above name each column several times, and each name would be
/// compiled and run again.) The model is the newest in `settings`, or with `model = ...;` first,
/// the one-row table given ([`model_once_row_sql`] in a statement of many people).
macro_rules! score_sql {
    ($seniority:literal, $department:literal, $stage:literal, $account:literal, $contact:literal) => {
        $crate::contacts::scoring::sql::score_sql!(
            model = $crate::contacts::scoring::sql::model_row_sql!();
            $seniority, $department, $stage, $account, $contact
        )
    };
    (model = $model:expr; $seniority:literal, $department:literal, $stage:literal, $account:literal, $contact:literal) => {
        concat!(
            "SELECT total AS score, json_object(\
             'company_size', f4 + (spare > (r1 >= r4) + (r2 >= r4) + (r3 >= r4) + (r5 > r4) + (r6 > r4)), \
             'department', f3 + (spare > (r1 >= r3) + (r2 >= r3) + (r4 > r3) + (r5 > r3) + (r6 > r3)), \
             'engagement', f6 + (spare > (r1 >= r6) + (r2 >= r6) + (r3 >= r6) + (r4 >= r6) + (r5 >= r6)), \
             'industry', f1 + (spare > (r2 > r1) + (r3 > r1) + (r4 > r1) + (r5 > r1) + (r6 > r1)), \
             'seniority', f2 + (spare > (r1 >= r2) + (r3 > r2) + (r4 > r2) + (r5 > r2) + (r6 > r2)), \
             'signals', f5 + (spare > (r1 >= r5) + (r2 >= r5) + (r3 >= r5) + (r4 >= r5) + (r6 > r5))) AS factors, \
             version FROM (SELECT version, total, f1, f2, f3, f4, f5, f6, \
             x1 - f1 AS r1, x2 - f2 AS r2, x3 - f3 AS r3, x4 - f4 AS r4, x5 - f5 AS r5, x6 - f6 AS r6, \
             total - (f1 + f2 + f3 + f4 + f5 + f6) AS spare \
             FROM (SELECT version, x1, x2, x3, x4, x5, x6, \
             CAST(x1 AS INTEGER) AS f1, CAST(x2 AS INTEGER) AS f2, CAST(x3 AS INTEGER) AS f3, \
             CAST(x4 AS INTEGER) AS f4, CAST(x5 AS INTEGER) AS f5, CAST(x6 AS INTEGER) AS f6, \
             CAST(max(0, min(100, round(x1 + x2 + x3 + x4 + x5 + x6))) AS INTEGER) AS total \
             FROM (SELECT m.version, \
             (m.model ->> '$.weights.industry') * CASE \
             WHEN ti AND (ts OR json_array_length(m.model, '$.target_sub_industries') = 0) THEN 1.0 \
             WHEN ti THEN 0.7 WHEN ts THEN 0.5 ELSE 0.0 END AS x1, \
             (m.model ->> '$.weights.seniority') * (min(100, coalesce(json_extract(m.model, '$.seniority_fit.' || (",
            $seniority,
            ")), 0)) / 100.0) AS x2, \
             (m.model ->> '$.weights.department') * CASE WHEN EXISTS (SELECT 1 FROM json_each(m.model, \
             '$.target_departments') d WHERE d.value = (",
            $department,
            ")) THEN 1.0 ELSE 0.0 END AS x3, \
             (m.model ->> '$.weights.company_size') * CASE WHEN employees IS NULL THEN 0.0 \
             WHEN employees BETWEEN (m.model ->> '$.company_size.min') AND (m.model ->> '$.company_size.max') THEN 1.0 \
             WHEN employees < (m.model ->> '$.company_size.min') \
             THEN max(employees, 0) * 1.0 / max(m.model ->> '$.company_size.min', 1) \
             ELSE (m.model ->> '$.company_size.max') * 1.0 / employees END AS x4, \
             (m.model ->> '$.weights.signals') * signals AS x5, \
             (m.model ->> '$.weights.engagement') * CASE \
             WHEN (",
            $stage,
            ") IN ('replied_positive', 'meeting_booked', 'meeting_held', 'opportunity') THEN 1.0 \
             WHEN (",
            $stage,
            ") IN ('replied', 'referred', 're_engaged') THEN 0.6 \
             WHEN (",
            $stage,
            ") IN ('touched', 'sequencing', 'break_up_sent') THEN 0.3 ELSE 0.0 END AS x6 \
             FROM (SELECT m.version, m.model, ax.employee_count AS employees, ",
            $crate::contacts::scoring::sql::listed_sql!("target_industries", "ax.industry"),
            " AS ti, ",
            $crate::contacts::scoring::sql::listed_sql!("target_sub_industries", "ax.sub_industry"),
            " AS ts, ",
            $crate::contacts::scoring::sql::signals_fit_sql!($contact, $account),
            " AS signals FROM ",
            $model,
            " m LEFT JOIN accounts ax ON ax.id = (",
            $account,
            ") LIMIT 1 OFFSET 0) m LIMIT 1 OFFSET 0)))"
        )
    };
}
pub(crate) use {blank_sql, listed_sql, score_sql, signals_fit_sql};

/// Sets the score of every contact row the statement updates, as the row stands before the
/// update (a clause of `UPDATE contacts SET …` in a statement that starts with
/// [`model_once_sql`]; expects `:now`).
macro_rules! rescore_set_sql {
    () => {
        concat!(
            "(priority_score, priority_factors, priority_version) = (",
            $crate::contacts::scoring::sql::score_sql!(
                model = $crate::contacts::scoring::sql::model_once_row_sql!();
                "contacts.seniority",
                "contacts.department",
                "contacts.stage",
                "contacts.account_id",
                "contacts.id"
            ),
            ")"
        )
    };
}
pub(crate) use rescore_set_sql;

/// Sets the stage of every contact row the statement updates to `$stage` (a SQL expression)
/// and its score at that stage (a clause of `UPDATE contacts SET …`; expects `:now`).
macro_rules! stage_set_sql {
    ($stage:literal) => {
        concat!(
            "stage = ",
            $stage,
            ", (priority_score, priority_factors, priority_version) = (",
            $crate::contacts::scoring::sql::score_sql!(
                "contacts.seniority",
                "contacts.department",
                $stage,
                "contacts.account_id",
                "contacts.id"
            ),
            ")"
        )
    };
}
pub(crate) use stage_set_sql;

/// Rescores the contacts that `$condition` (SQL over the row `contacts`) selects, with the model
/// in use, as one statement (expects `:now` and whatever `$condition` names).
macro_rules! rescore_sql {
    ($condition:literal) => {
        concat!(
            $crate::contacts::scoring::sql::model_once_sql!(),
            "UPDATE contacts SET ",
            $crate::contacts::scoring::sql::rescore_set_sql!(),
            " WHERE ",
            $condition
        )
    };
}
pub(crate) use rescore_sql;

#[cfg(test)]
mod tests {
    use super::super::IcpConfig;

    #[test]
    fn the_default_model_in_sql_is_the_default_model() {
        let text = default_model_sql!().trim_matches('\'');
        let parsed: IcpConfig = serde_json::from_str(text).expect("the SQL default parses as a model");
        assert_eq!(parsed, IcpConfig::default());
    }
}
