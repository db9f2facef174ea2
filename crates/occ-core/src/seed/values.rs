//! Rows written as the parameters of a `VALUES` list. SQLite reads a bound value as it is; a
//! row read from a JSON argument was turned back into text and parsed again for its fields
//! (`json_each` answers an object as text), which took a tenth of a million-contact load.

use crate::error::AppResult;
use crate::store::Conn;

pub(super) use libsql::Value as Param;

/// The most rows of people or companies one statement carries: a libSQL server refuses a
/// request of a few megabytes.
pub(super) const ROWS_PER_STATEMENT: usize = 1_000;

/// The most parameters one statement binds (SQLite's limit).
const MAX_PARAMS: usize = 32_766;

/// A statement that writes rows read from `VALUES`: `head` reads them as `column1` on, from
/// the list put after it, and `tail` follows the list (a join, a condition). Its other
/// parameters are numbered (`?1` on, before the list) and bound first.
#[derive(Debug, Clone, Copy)]
pub(super) struct Insert<'a> {
    pub(super) head: &'a str,
    pub(super) tail: &'a str,
    /// The values in a row.
    pub(super) width: usize,
    /// The most rows a statement carries (as many as the parameters allow past it).
    pub(super) rows: usize,
}

impl Insert<'_> {
    /// Writes `values`, row after row, with `constants` as `?1` on: a statement for each
    /// `rows` rows, or fewer when their parameters would not fit. Answers the rows the
    /// statements changed.
    pub(super) async fn run(self, conn: &Conn, constants: &[Param], values: Vec<Param>) -> AppResult<u64> {
        debug_assert_eq!(values.len() % self.width, 0, "{}", self.head);
        let per_statement = self.rows.min((MAX_PARAMS - constants.len()) / self.width);
        let mut values = values.into_iter().peekable();
        let mut changed = 0;
        let mut sql = String::new();
        let mut written_rows = 0;
        while values.peek().is_some() {
            let params: Vec<Param> =
                constants.iter().cloned().chain(values.by_ref().take(per_statement * self.width)).collect();
            let rows = (params.len() - constants.len()) / self.width;
            if rows != written_rows {
                sql = self.sql(rows);
                written_rows = rows;
            }
            changed += conn.execute(&sql, params).await?;
        }
        Ok(changed)
    }

    /// The statement for `rows` rows: placeholders only, never data.
    fn sql(self, rows: usize) -> String {
        let row = format!("({})", vec!["?"; self.width].join(", "));
        format!("{} FROM (VALUES {}){}", self.head, vec![row; rows].join(", "), self.tail)
    }
}

/// A JSON value as a parameter, as `->>` reads it: a boolean as 0 or 1, an object or an array
/// as its text.
pub(super) fn param(value: &serde_json::Value) -> Param {
    use serde_json::Value;
    match value {
        Value::Null => Param::Null,
        Value::Bool(b) => Param::Integer(i64::from(*b)),
        Value::Number(n) => n.as_i64().map_or_else(|| Param::Real(n.as_f64().unwrap_or_default()), Param::Integer),
        Value::String(s) => Param::Text(s.clone()),
        other => Param::Text(other.to_string()),
    }
}

/// The `fields` of each JSON object in `rows`, row after row (a missing field is NULL).
pub(super) fn fields(rows: &[serde_json::Value], fields: &[&str]) -> Vec<Param> {
    rows.iter().flat_map(|row| fields.iter().map(move |f| param(&row[*f]))).collect()
}

/// An optional text as a parameter.
pub(super) fn text(value: Option<&str>) -> Param {
    value.map_or(Param::Null, |s| Param::Text(s.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_has_a_placeholder_for_each_value_of_each_row() {
        let insert =
            Insert { head: "INSERT INTO t (a, b) SELECT column1, column2 || ?1", tail: " WHERE 1", width: 2, rows: 2 };
        assert_eq!(
            insert.sql(2),
            "INSERT INTO t (a, b) SELECT column1, column2 || ?1 FROM (VALUES (?, ?), (?, ?)) WHERE 1"
        );
    }

    #[test]
    fn json_values_bind_as_the_arrow_operator_reads_them() {
        let row = serde_json::json!({"n": 3, "x": 1.5, "t": "a", "b": true, "o": {"k": [1]}, "z": null});
        let got = fields(&[row], &["n", "x", "t", "b", "o", "z", "missing"]);
        let want = [
            Param::Integer(3),
            Param::Real(1.5),
            Param::Text("a".to_owned()),
            Param::Integer(1),
            Param::Text(r#"{"k":[1]}"#.to_owned()),
            Param::Null,
            Param::Null,
        ];
        assert_eq!(got, want);
    }
}
