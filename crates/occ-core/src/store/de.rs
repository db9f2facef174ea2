//! Rows decoded by name: [`from_row`] fills a `#[derive(Deserialize)]` struct from the columns of
//! the same names, so a statement's column names (with `AS` where a field is named otherwise)
//! are its decoder, and adding a column to a SELECT moves nothing else. A column the struct does
//! not name is skipped; a field no column fills is an error, unless the field is an `Option`
//! (then `None`) or has a serde default. Integers read as `bool` (0 is false), as every flag is
//! stored; a blob reads as `Vec<u8>`; JSON text columns read through [`json`] and [`json_opt`].

use std::fmt;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::value::{SeqDeserializer, StrDeserializer, U64Deserializer};
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};

use super::{FromColumn, Row, Value};
use crate::error::{AppError, AppResult};

/// Decodes `row` into `T` by column name.
pub fn from_row<T: DeserializeOwned>(row: &Row) -> AppResult<T> {
    T::deserialize(Columns::new(row))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("a row did not decode as {}: {e}", std::any::type_name::<T>())))
}

/// The value of a row of exactly one column (`SELECT count(*) ...`), which needs no name.
pub fn single<T: FromColumn>(row: &Row) -> AppResult<T> {
    if row.column_count() != 1 {
        return Err(AppError::Internal(anyhow::anyhow!(
            "a single value was read from a row of {} columns; decode it by name",
            row.column_count()
        )));
    }
    super::col(row, 0)
}

/// A column of JSON text, decoded as `T`: `#[serde(deserialize_with = "store::json")]`.
pub fn json<'de, D: de::Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<T, D::Error> {
    let text = String::deserialize(d)?;
    serde_json::from_str(&text).map_err(de::Error::custom)
}

/// As [`json`], for a column that may be NULL (`None`); pair it with `#[serde(default)]`.
pub fn json_opt<'de, D: de::Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    Option::<String>::deserialize(d)?.map(|text| serde_json::from_str(&text).map_err(de::Error::custom)).transpose()
}

/// Why a row did not decode, naming the column.
#[derive(Debug)]
pub struct DecodeError(String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeError {}

impl de::Error for DecodeError {
    fn custom<M: fmt::Display>(msg: M) -> Self {
        Self(msg.to_string())
    }
}

/// A row seen as a map from column to value. Decoding a struct, a column is named by its
/// field's index, found once per statement ([`super::row::Names::plan`]); otherwise (a map, a
/// struct with a flattened part) by its name.
struct Columns<'r> {
    row: &'r Row,
    next: i32,
    /// Decoding a struct: each column's field index, and the number of fields.
    plan: Option<(Arc<[u64]>, u64)>,
}

impl<'r> Columns<'r> {
    fn new(row: &'r Row) -> Self {
        Self { row, next: 0, plan: None }
    }
}

impl<'de> de::Deserializer<'de> for Columns<'_> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_map(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        let plan = self.row.names().plan(fields);
        visitor.visit_map(Columns { plan: Some((plan, fields.len() as u64)), ..self })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

impl<'de> MapAccess<'de> for Columns<'_> {
    type Error = DecodeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DecodeError> {
        if let Some((plan, fields)) = &self.plan {
            // A column no field takes is skipped, its value never read.
            while let Some(&field) = usize::try_from(self.next).ok().and_then(|i| plan.get(i)) {
                if field < *fields {
                    return seed.deserialize(U64Deserializer::<DecodeError>::new(field)).map(Some);
                }
                self.next += 1;
            }
            return Ok(None);
        }
        if self.next >= self.row.column_count() {
            return Ok(None);
        }
        let name = self.row.column_name(self.next).unwrap_or_default();
        seed.deserialize(StrDeserializer::<DecodeError>::new(name)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DecodeError> {
        let index = self.next;
        self.next += 1;
        let name = || self.row.column_name(index).unwrap_or_default().to_owned();
        let value = self.row.get_value(index).map_err(|e| DecodeError(format!("column {}: {e}", name())))?;
        seed.deserialize(Column(value)).map_err(|e| DecodeError(format!("column {}: {e}", name())))
    }
}

/// One column's value.
struct Column(Value);

impl<'de> de::Deserializer<'de> for Column {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Integer(n) => visitor.visit_i64(n),
            Value::Real(x) => visitor.visit_f64(x),
            Value::Text(s) => visitor.visit_string(s),
            Value::Blob(b) => visitor.visit_byte_buf(b),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.0 {
            Value::Integer(n) => visitor.visit_bool(n != 0),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        match self.0 {
            Value::Text(s) => visitor.visit_enum(s.into_deserializer()),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_newtype_struct(self)
    }

    /// A blob as a sequence of bytes, which is how serde reads a `Vec<u8>`.
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.0 {
            Value::Blob(b) => visitor.visit_seq(SeqDeserializer::new(b.into_iter())),
            _ => self.deserialize_any(visitor),
        }
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct tuple tuple_struct map struct identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::super::row::Names;
    use super::*;
    use crate::domain::enums::Stage;

    fn row(columns: &[(&str, Value)]) -> Row {
        let names = Names::new(columns.iter().map(|(n, _)| (*n).to_owned()));
        Row::values(names, columns.iter().map(|(_, v)| v.clone()).collect())
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Decoded {
        id: String,
        count: i64,
        share: f64,
        flagged: bool,
        stage: Stage,
        note: Option<String>,
        absent: Option<i64>,
        #[serde(deserialize_with = "json")]
        tags: Vec<String>,
        #[serde(default, deserialize_with = "json_opt")]
        extra: Option<Vec<i64>>,
        sealed: Option<Vec<u8>>,
    }

    #[test]
    fn columns_fill_the_fields_of_their_names_in_any_order() {
        let decoded: Decoded = from_row(&row(&[
            ("tags", Value::Text(r#"["a","b"]"#.to_owned())),
            ("stage", Value::Text("sequencing".to_owned())),
            ("id", Value::Text("c1".to_owned())),
            ("unused", Value::Integer(9)),
            ("count", Value::Integer(3)),
            ("share", Value::Integer(2)),
            ("flagged", Value::Integer(1)),
            ("note", Value::Null),
            ("extra", Value::Text("[1,2]".to_owned())),
            ("sealed", Value::Blob(vec![0, 255])),
        ]))
        .expect("decodes");
        assert_eq!(
            decoded,
            Decoded {
                id: "c1".to_owned(),
                count: 3,
                share: 2.0,
                flagged: true,
                stage: Stage::Sequencing,
                note: None,
                absent: None,
                tags: vec!["a".to_owned(), "b".to_owned()],
                extra: Some(vec![1, 2]),
                sealed: Some(vec![0, 255]),
            }
        );
    }

    #[test]
    fn a_wrong_type_or_a_missing_column_names_it() {
        let err = from_row::<Decoded>(&row(&[("id", Value::Integer(1))])).expect_err("refused");
        assert!(err.to_string().contains("column id"), "{err}");
        let err = from_row::<Decoded>(&row(&[("id", Value::Text("c1".to_owned()))])).expect_err("refused");
        assert!(err.to_string().contains("missing field `count`"), "{err}");
        let err = from_row::<Decoded>(&row(&[("stage", Value::Text("nowhere".to_owned()))])).expect_err("refused");
        assert!(err.to_string().contains("column stage"), "{err}");
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Pair {
        b: i64,
        a: String,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Other {
        a: String,
    }

    #[test]
    fn the_rows_of_one_statement_share_their_plan_and_another_struct_finds_its_own() {
        let names = Names::new(["a", "skip", "b"].map(str::to_owned));
        let rows: Vec<Row> = (0..3)
            .map(|i| Row::values(names.clone(), vec![Value::Text(format!("r{i}")), Value::Null, Value::Integer(i)]))
            .collect();
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(from_row::<Pair>(row).expect("pair"), Pair { b: i as i64, a: format!("r{i}") });
            assert_eq!(from_row::<Other>(row).expect("other"), Other { a: format!("r{i}") });
        }
        assert_eq!(&*names.plan(&["b", "a"]), &[1, 2, 0], "a, skip (no field), b");
    }

    #[test]
    fn a_single_value_needs_a_row_of_one_column() {
        assert_eq!(single::<i64>(&row(&[("n", Value::Integer(4))])).expect("one column"), 4);
        assert!(single::<i64>(&row(&[("n", Value::Integer(4)), ("m", Value::Integer(5))])).is_err());
    }
}
