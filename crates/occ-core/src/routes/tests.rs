//! The description agrees with the route table and with how the server answers.

use super::*;
use crate::access::Access;
use crate::routes::Family;

#[test]
fn every_route_is_described() {
    let doc = serde_json::to_value(document()).expect("json");
    for family in Family::ALL {
        for (method, pattern, _) in family.routes().operations() {
            let operation = &doc["paths"][pattern][method.as_str().to_ascii_lowercase()];
            assert!(operation.is_object(), "{method} {pattern} is missing from the OpenAPI document");
        }
    }
    assert_eq!(doc["info"]["version"], crate::VERSION);
}

#[test]
fn described_routes_exist() {
    let doc = serde_json::to_value(document()).expect("json");
    let routes: Vec<(String, &str)> = Family::ALL
        .iter()
        .flat_map(|f| f.routes().operations().map(|(m, p, _)| (m.as_str().to_ascii_lowercase(), p)).collect::<Vec<_>>())
        .collect();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("operations").keys() {
            assert!(
                routes.iter().any(|(m, p)| m == method && p == path),
                "{method} {path} is described but not routed"
            );
        }
    }
}

/// Every operation of the route table with its description, as JSON.
fn operations(doc: &serde_json::Value) -> Vec<(String, &'static str, Access, serde_json::Value)> {
    Family::ALL
        .iter()
        .flat_map(|f| f.routes().operations().collect::<Vec<_>>())
        .map(|(method, pattern, access)| {
            let operation = doc["paths"][pattern][method.as_str().to_ascii_lowercase()].clone();
            (method.to_string(), pattern, access, operation)
        })
        .collect()
}

/// A response, with a `$ref` to `components.responses` followed.
fn response<'a>(doc: &'a serde_json::Value, operation: &'a serde_json::Value, status: &str) -> &'a serde_json::Value {
    let response = &operation["responses"][status];
    match response["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/responses/")) {
        Some(name) => &doc["components"]["responses"][name],
        None => response,
    }
}

#[test]
fn no_two_types_publish_the_same_schema_name() {
    // utoipa files schemas by name: two types of one name (there were two `Counts`) leave one
    // schema, and the other type's responses are described by it. The derives (and the closed
    // sets) are found in the source, with their `#[schema(as = ...)]` if any.
    fn walk(dir: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("source folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let mut names: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("source file");
        let lines: Vec<&str> = text.lines().collect();
        for (at, line) in lines.iter().enumerate() {
            // `closed_enum!` implements ToSchema for every closed set it declares.
            let schema_derive = line.trim_start().starts_with("#[derive(") && line.contains("ToSchema");
            if !(schema_derive || line.trim_start().starts_with("crate::closed_enum! {")) {
                continue;
            }
            let mut renamed = None;
            for next in &lines[at + 1..] {
                let next = next.trim_start();
                if let Some(rest) = next.strip_prefix("#[schema(as = ") {
                    renamed = rest.split([')', ',']).next().map(str::to_owned);
                }
                let item = ["pub struct ", "pub enum ", "pub(crate) struct ", "pub(crate) enum ", "struct ", "enum "]
                    .iter()
                    .find_map(|k| next.strip_prefix(k));
                if let Some(item) = item {
                    let name = item.split(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or_default();
                    let name = renamed.take().unwrap_or_else(|| name.to_owned());
                    names.entry(name).or_default().push(format!("{}:{}", file.display(), at + 1));
                    break;
                }
            }
        }
    }
    assert!(names.len() > 50, "the scan found the schema types ({} names)", names.len());
    let shared: Vec<_> = names.iter().filter(|(_, places)| places.len() > 1).collect();
    assert!(shared.is_empty(), "schema names used by more than one type: {shared:#?}");
}

#[test]
fn public_routes_need_no_credentials_and_signed_routes_do() {
    let doc = serde_json::to_value(document()).expect("json");
    assert_eq!(doc["security"], serde_json::json!([{"bearer": []}, {"session": []}]));
    for (method, pattern, access, operation) in operations(&doc) {
        let security = &operation["security"];
        match access {
            // Nothing, or a scheme of the route's own (the cron secret), never a user's.
            Access::Public => {
                let requirements = security.as_array().unwrap_or_else(|| panic!("{method} {pattern}: no security"));
                assert!(
                    requirements.iter().all(|r| r
                        .as_object()
                        .is_some_and(|r| !r.is_empty() && !r.contains_key("bearer") && !r.contains_key("session"))),
                    "{method} {pattern} is public but its security is {security}"
                );
            }
            Access::Signed(_) => {
                assert!(security.is_null(), "{method} {pattern} is signed but its security is {security}")
            }
        }
    }
}

#[test]
fn every_operation_documents_the_errors_the_pipeline_gives() {
    let doc = serde_json::to_value(document()).expect("json");
    for (method, pattern, access, operation) in operations(&doc) {
        let params = operation["parameters"].as_array().cloned().unwrap_or_default();
        let takes_query = params.iter().any(|p| p["in"] == "query");
        let takes_body = operation["requestBody"].is_object();
        let mut expected = Vec::new();
        if matches!(access, Access::Signed(_)) {
            expected.extend(["401", "403", "429"]);
        }
        if takes_body {
            expected.extend(["400", "408", "413", "422"]);
        }
        if takes_query {
            expected.push("422");
        }
        if pattern.contains('{') {
            expected.push("404");
        }
        if pattern != "/api/v1/openapi.json" {
            expected.push("503");
        }
        for status in expected {
            assert!(
                operation["responses"][status].is_object(),
                "{method} {pattern} can answer {status}, which its description does not list"
            );
        }
    }
}

#[test]
fn every_response_is_described_and_errors_carry_the_envelope() {
    let doc = serde_json::to_value(document()).expect("json");
    let envelope = serde_json::json!({"$ref": "#/components/schemas/ErrorResponse"});
    for (method, pattern, _, operation) in operations(&doc) {
        for status in operation["responses"].as_object().expect("responses").keys() {
            let response = response(&doc, &operation, status);
            let place = format!("{method} {pattern} {status}");
            assert!(response["description"].as_str().is_some_and(|d| !d.is_empty()), "{place}: no description");
            if status.starts_with(['4', '5']) && response["content"]["text/html"].is_null() {
                assert_eq!(response["content"]["application/json"]["schema"], envelope, "{place}");
            }
            if status == "429" {
                assert_eq!(response["headers"]["Retry-After"]["required"], true, "{place}");
            }
            if status == "201" {
                assert_eq!(response["headers"]["Location"]["required"], true, "{place}");
            }
        }
    }
}

#[test]
fn list_parameters_are_declared_as_the_server_reads_them() {
    let doc = serde_json::to_value(document()).expect("json");
    let mut lists = 0;
    for (method, pattern, _, operation) in operations(&doc) {
        for param in operation["parameters"].as_array().into_iter().flatten() {
            let place = format!("{method} {pattern} {}", param["name"]);
            match param["name"].as_str() {
                Some("limit") => {
                    lists += 1;
                    let schema = &param["schema"];
                    assert_eq!(schema["type"], "integer", "{place}");
                    assert_eq!(schema["minimum"], 1, "{place}");
                    assert_eq!(schema["maximum"], crate::http::MAX_LIMIT, "{place}");
                    assert_eq!(schema["default"], crate::http::DEFAULT_LIMIT, "{place}");
                }
                Some("cursor") => assert_eq!(param["schema"]["type"], "string", "{place}"),
                _ => continue,
            }
            assert_eq!(param["in"], "query", "{place}");
            assert_eq!(param["required"], false, "{place}");
        }
    }
    assert!(lists >= 15, "the lists declare limit ({lists} found)");
}

#[test]
fn operation_ids_are_unique() {
    let doc = serde_json::to_value(document()).expect("json");
    let mut seen = std::collections::BTreeMap::new();
    for (method, pattern, _, operation) in operations(&doc) {
        let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{method} {pattern}: no operationId"));
        if let Some(other) = seen.insert(id.to_owned(), format!("{method} {pattern}")) {
            panic!("{method} {pattern} and {other} share the operationId {id}");
        }
    }
}

#[test]
fn closed_sets_are_described_with_their_values() {
    use crate::domain::enums::{Channel, Stage};
    let doc = serde_json::to_value(document()).expect("json");
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["Stage"]["enum"], serde_json::json!(Stage::names()));
    assert_eq!(schemas["Channel"]["enum"], serde_json::json!(Channel::names()));
    let stage = &doc["paths"]["/api/v1/contacts"]["get"]["parameters"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["name"] == "stage").cloned())
        .expect("the contacts list takes stage");
    assert_eq!(stage["schema"]["items"]["$ref"], "#/components/schemas/Stage");
}

#[test]
fn every_reference_resolves() {
    // A type named only in a parameter is not collected into the components by utoipa.
    fn walk(value: &serde_json::Value, doc: &serde_json::Value, broken: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(target) = map.get("$ref").and_then(|r| r.as_str()) {
                    let pointer = target.trim_start_matches('#');
                    if doc.pointer(pointer).is_none() {
                        broken.push(target.to_owned());
                    }
                }
                map.values().for_each(|v| walk(v, doc, broken));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, doc, broken)),
            _ => {}
        }
    }
    let doc = serde_json::to_value(document()).expect("json");
    let mut broken = Vec::new();
    walk(&doc, &doc, &mut broken);
    broken.sort();
    broken.dedup();
    assert!(broken.is_empty(), "references to nothing: {broken:?}");
}
