//! The JSON schema of an answer, derived from its Rust type (utoipa's `ToSchema`), in the
//! strict form structured output asks for: every object closed (`additionalProperties: false`),
//! every property listed as required (an optional one says so by allowing `null`), nothing
//! referred to by `$ref`. The same schema is what OCC holds an answer to when the server only
//! has JSON mode: the answer is read into the type, which refuses anything else.

use serde_json::{Map, Value};
use utoipa::PartialSchema;

/// The strict schema of `T`. Panics when `T`'s schema refers to another by name: an answer's
/// nested types are written inline (`#[schema(inline)]`), which each agent's test checks.
pub fn strict_schema<T: PartialSchema>() -> Value {
    let mut schema = serde_json::to_value(T::schema()).unwrap_or(Value::Null);
    tighten(&mut schema);
    schema
}

/// Whether `schema` still names another schema (`$ref`): the strict form cannot have it.
pub fn refers_elsewhere(schema: &Value) -> bool {
    match schema {
        Value::Object(map) => map.contains_key("$ref") || map.values().any(refers_elsewhere),
        Value::Array(items) => items.iter().any(refers_elsewhere),
        _ => false,
    }
}

/// Closes every object and makes every property required, keeping an optional one's `null`.
fn tighten(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            strip_openapi_only(map);
            for (keyword, value) in map.iter_mut() {
                match (keyword.as_str(), value) {
                    // A map of names to schemas: each value is a schema, no key a keyword.
                    ("properties", Value::Object(properties)) => properties.values_mut().for_each(tighten),
                    (_, value) => tighten(value),
                }
            }
            if let Some(Value::Object(properties)) = map.get("properties") {
                let names: Vec<Value> = properties.keys().cloned().map(Value::String).collect();
                map.insert("required".to_owned(), Value::Array(names));
                map.insert("additionalProperties".to_owned(), Value::Bool(false));
            }
        }
        Value::Array(items) => items.iter_mut().for_each(tighten),
        _ => {}
    }
}

/// Keywords of OpenAPI that JSON Schema's strict subset does not take.
fn strip_openapi_only(map: &mut Map<String, Value>) {
    for keyword in ["example", "examples", "default", "format", "minLength", "maxLength", "minimum", "maximum"] {
        map.remove(keyword);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, utoipa::ToSchema)]
    #[allow(dead_code)]
    struct Inner {
        word: String,
    }

    #[derive(serde::Deserialize, utoipa::ToSchema)]
    #[allow(dead_code)]
    struct Answer {
        /// A number.
        count: u32,
        /// Perhaps a note.
        note: Option<String>,
        #[schema(inline)]
        items: Vec<Inner>,
    }

    #[test]
    fn every_object_is_closed_and_every_property_required() {
        let schema = strict_schema::<Answer>();
        assert!(!refers_elsewhere(&schema), "{schema}");
        assert_eq!(schema["additionalProperties"], false);
        let required: Vec<&str> =
            schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        assert_eq!(required, ["count", "items", "note"]);
        let note = schema["properties"]["note"].to_string();
        assert!(note.contains("null"), "an optional property allows null: {note}");
        assert_eq!(schema["properties"]["items"]["items"]["additionalProperties"], false);
        assert!(!schema.to_string().contains("minimum"), "{schema}");
    }
}
