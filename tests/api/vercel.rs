//! vercel.json agrees with the code: every route reaches its family's function, and static
//! files get the same security headers as from `occ serve`.

use occ_core::routes::Family;
use serde_json::Value;

use crate::helpers::spawn_app;

fn vercel_json() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/vercel.json")).expect("vercel.json");
    serde_json::from_str(&text).expect("vercel.json is JSON")
}

/// Whether a Vercel `source` pattern (`/a/(.*)` or a literal) matches a route pattern.
fn source_matches(source: &str, route: &str) -> bool {
    match source.strip_suffix("/(.*)") {
        Some(prefix) => route.starts_with(&format!("{prefix}/")),
        None => source == route,
    }
}

#[test]
fn no_rewrite_hands_a_function_a_query_parameter() {
    // The build turns each named parameter of a rewrite's source (`/a/:path*`) into a query
    // parameter of its destination (`/api/f?path=$1`), which the function's strict query
    // check refuses with 422; unnamed groups (`/a/(.*)`) are matched and passed on as nothing.
    let config = vercel_json();
    for rewrite in config["rewrites"].as_array().expect("rewrites") {
        let (source, destination) = (rewrite["source"].as_str().unwrap_or_default(), &rewrite["destination"]);
        assert!(!source.contains(':'), "{source} names a parameter that would reach {destination} as a query");
        assert!(!destination.as_str().unwrap_or_default().contains(['?', '$']), "{destination}");
    }
}

#[test]
fn the_tick_is_scheduled_on_its_route() {
    let config = vercel_json();
    let crons = config["crons"].as_array().expect("a crons list");
    assert!(crons.iter().any(|c| c["path"] == "/api/cron/tick"), "{crons:?}");
    let routes = Family::Cron.routes();
    assert!(routes.patterns().any(|p| p == "/api/cron/tick"), "the scheduled path is the cron family's route");
}

#[test]
fn every_route_is_rewritten_to_its_own_function_and_each_function_exists() {
    let config = vercel_json();
    let rewrites = config["rewrites"].as_array().expect("rewrites");
    for family in Family::ALL {
        let destination = format!("/api/{}", family.function_name());
        let file = format!("{}/api/{}.rs", env!("CARGO_MANIFEST_DIR"), family.function_name());
        assert!(std::path::Path::new(&file).exists(), "{file}");
        for route in family.routes().patterns() {
            let target = rewrites
                .iter()
                .find(|r| source_matches(r["source"].as_str().unwrap_or_default(), route))
                .and_then(|r| r["destination"].as_str());
            assert_eq!(target, Some(destination.as_str()), "{route} must be rewritten to {destination}");
        }
    }
    let last = rewrites.last().expect("a fallback");
    assert_eq!(last["destination"], "/index.html", "everything outside /api falls back to the app");
}

#[tokio::test]
async fn static_files_get_the_same_headers_on_vercel_as_from_occ_serve() {
    let config = vercel_json();
    let rule = config["headers"]
        .as_array()
        .expect("headers")
        .iter()
        .find(|h| h["source"] == "/((?!api/).*)")
        .expect("a header rule for everything outside /api");
    let app = spawn_app().await;
    let served = app.send(app.client.get(app.url("/")).header("x-forwarded-proto", "https")).await;
    for header in rule["headers"].as_array().expect("header list") {
        let name = header["key"].as_str().expect("key");
        assert_eq!(served.header(name), header["value"].as_str(), "{name}");
    }
}
