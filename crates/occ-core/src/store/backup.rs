//! Backups: `VACUUM INTO` a new file for the embedded database, a SQL dump for a remote one.
//!
//! A dump names tables in its statements. Those names come from the database's own schema and
//! are checked to be plain identifiers before use; no request data ever reaches this module.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context as _, bail};

use super::{Conn, Value, col};
use crate::error::AppResult;

/// Copies the embedded database, consistently, into a new file at `target` (which must not exist).
pub async fn vacuum_into(conn: &Conn, target: &Path) -> anyhow::Result<()> {
    if target.exists() {
        bail!("{} already exists; choose a new file", target.display());
    }
    let path = target.to_str().context("the backup path is not valid UTF-8")?;
    conn.execute("VACUUM INTO ?1", [path]).await?;
    Ok(())
}

#[derive(Debug)]
struct SchemaObject {
    kind: String,
    name: String,
    sql: String,
}

fn plain_identifier(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A value as an SQL literal.
fn literal(value: &Value) -> String {
    match value {
        Value::Null => "NULL".to_owned(),
        Value::Integer(n) => n.to_string(),
        Value::Real(x) if x.is_finite() => format!("{x:?}"),
        Value::Real(_) => "NULL".to_owned(),
        Value::Text(s) => format!("'{}'", s.replace('\'', "''")),
        Value::Blob(b) => {
            let mut hex = String::with_capacity(b.len() * 2 + 3);
            hex.push_str("X'");
            for byte in b {
                let _ = write!(hex, "{byte:02X}");
            }
            hex.push('\'');
            hex
        }
    }
}

/// Writes a dump of every table (schema, rows, then indexes, views and triggers, then a
/// rebuild of the search indexes) that `sqlite3` or `occ` can load into an empty database.
pub async fn dump(conn: &Conn, out: &mut impl std::io::Write) -> anyhow::Result<usize> {
    let objects: Vec<SchemaObject> = conn
        .query_all(
            "SELECT type, name, sql FROM sqlite_schema \
             WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'libsql_%' \
             ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, rowid",
            (),
            |row| Ok(SchemaObject { kind: col(row, 0)?, name: col(row, 1)?, sql: col(row, 2)? }),
        )
        .await?;
    // FTS5 keeps its index in shadow tables that its CREATE VIRTUAL TABLE recreates.
    let fts: Vec<&str> = objects
        .iter()
        .filter(|o| o.kind == "table" && o.sql.to_ascii_uppercase().contains("USING FTS5"))
        .map(|o| o.name.as_str())
        .collect();
    let is_shadow = |name: &str| fts.iter().any(|f| name.len() > f.len() + 1 && name.starts_with(&format!("{f}_")));

    writeln!(out, "PRAGMA foreign_keys = OFF;\nBEGIN;")?;
    let mut rows_written = 0;
    for table in objects.iter().filter(|o| o.kind == "table" && !is_shadow(&o.name)) {
        writeln!(out, "{};", table.sql)?;
    }
    for table in objects.iter().filter(|o| o.kind == "table" && !is_shadow(&o.name) && !fts.contains(&o.name.as_str()))
    {
        if !plain_identifier(&table.name) {
            bail!("table name {:?} is not a plain identifier", table.name);
        }
        // The one SQL text built at run time: a dump must name each table, and SQLite cannot bind
        // a table name. The name comes from sqlite_schema and was just checked to be a plain
        // identifier; no request data reaches this module.
        let select = format!("SELECT * FROM \"{}\"", table.name);
        let rows: Vec<Vec<Value>> = conn
            .query_all(&select, (), |row| {
                (0..row.column_count()).map(|i| row.get_value(i)).collect::<AppResult<Vec<_>>>()
            })
            .await?;
        for row in rows {
            let values: Vec<String> = row.iter().map(literal).collect();
            writeln!(out, "INSERT INTO \"{}\" VALUES ({});", table.name, values.join(", "))?;
            rows_written += 1;
        }
    }
    for object in objects.iter().filter(|o| o.kind != "table") {
        writeln!(out, "{};", object.sql)?;
    }
    for name in &fts {
        writeln!(out, "INSERT INTO \"{name}\" (\"{name}\") VALUES ('rebuild');")?;
    }
    writeln!(out, "COMMIT;\nPRAGMA foreign_keys = ON;")?;
    Ok(rows_written)
}
