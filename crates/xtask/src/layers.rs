//! `cargo xtask layers`: the core's layers hold (see `crates/occ-core/src/lib.rs`). A platform
//! module names only platform modules; a feature module names platform and feature modules,
//! never the top (the route table, the seed). A name counts wherever code says `crate::<module>`
//! (or `$crate::<module>` in a macro), including inside `use crate::{...}`; comments do not count.
//!
//! Within the features, the families stand in an order too ([`FAMILIES`]): a family names the
//! families below it, never one above, but for the few uses listed with their reason in
//! [`UPWARDS`].
//!
//! It also checks that rows are decoded by name (`store::from_row`) outside the store: a call of
//! the store's positional `col(row, n)` elsewhere in the core is a breach too.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Where the core's modules live.
const CORE: &str = "crates/occ-core/src";

/// The layers, bottom to top. A module may name the modules of its own layer and those below.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "platform",
        &[
            "access",
            "audit",
            "config",
            "crypto",
            "domain",
            "error",
            "http",
            "lifecycle",
            "llm",
            "openapi",
            "store",
            "telemetry",
            "validate",
        ],
    ),
    (
        "feature",
        &["accounts", "agents", "auth", "channels", "contacts", "cron", "health", "insights", "outreach", "settings"],
    ),
    ("top", &["routes", "seed"]),
];

/// The feature families, bottom to top: each may name those below it.
const FAMILIES: &[&str] =
    &["health", "auth", "accounts", "contacts", "settings", "channels", "outreach", "insights", "agents", "cron"];

/// The uses of a family above, each a whole rule kept in one place: (family, the family it
/// names, why).
const UPWARDS: &[(&str, &str, &str)] = &[
    ("accounts", "contacts", "a changed account rescores its contacts (contacts::scoring)"),
    ("channels", "outreach", "a provider's reply event is ingested as outreach's replies are (outreach::replies)"),
];

/// One name that crosses a layer upwards, or a positional read outside the store.
#[derive(Debug, PartialEq, Eq)]
struct Breach {
    file: String,
    line: usize,
    what: String,
}

/// Checks every file of the core; fails, naming each breach, when a layer names one above it.
pub fn run() -> Result<()> {
    let (files, breaches) = check_tree(Path::new(CORE))?;
    if breaches.is_empty() {
        println!(
            "layers: {files} files of the core, no layer names one above it, no family one above it but for {} listed uses, rows decoded by name",
            UPWARDS.len()
        );
        return Ok(());
    }
    for b in &breaches {
        eprintln!("{CORE}/{}:{}: {}", b.file, b.line, b.what);
    }
    bail!(
        "layers: {} breaches of the core's layers, of its families' order or of decoding by name (see {CORE}/lib.rs)",
        breaches.len()
    )
}

/// The number of files under `root` and the breaches among them. A file whose module is in no
/// layer is an error: a new module must choose its layer.
fn check_tree(root: &Path) -> Result<(usize, Vec<Breach>)> {
    let mut files = Vec::new();
    walk(root, &mut files)?;
    let mut breaches = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(root).unwrap_or(file).to_string_lossy().into_owned();
        let module = top_module(&relative);
        if module == "lib" {
            continue;
        }
        let Some(layer) = layer_of(module) else {
            bail!(
                "layers: {relative} belongs to no layer; add its module `{module}` to LAYERS in crates/xtask/src/layers.rs"
            );
        };
        let text = std::fs::read_to_string(file).with_context(|| format!("while reading {}", file.display()))?;
        breaches.extend(check(&relative, layer, &text));
    }
    Ok((files.len(), breaches))
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("while listing {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    Ok(())
}

/// `contacts/imports/step.rs` → `contacts`; `error.rs` → `error`.
fn top_module(relative: &str) -> &str {
    let first = relative.split('/').next().unwrap_or(relative);
    first.strip_suffix(".rs").unwrap_or(first)
}

/// The index of the layer that holds `module`.
fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, modules)| modules.contains(&module))
}

/// The names in `text` (a file of layer `layer`) of modules in a higher layer, and its
/// positional column reads unless it is the store's.
fn check(file: &str, layer: usize, text: &str) -> Vec<Breach> {
    let in_store = top_module(file) == "store";
    let mut breaches = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        let above: Vec<&str> =
            named_modules(code).into_iter().filter(|m| layer_of(m).is_some_and(|l| l > layer)).collect();
        let mut breach = |what: String| breaches.push(Breach { file: file.to_owned(), line: index + 1, what });
        if !above.is_empty() {
            breach(format!("a {} module names {}", LAYERS[layer].0, above.join(", ")));
        }
        let family = top_module(file);
        let higher: Vec<&str> = named_modules(code).into_iter().filter(|m| family_names_above(family, m)).collect();
        if !higher.is_empty() {
            breach(format!("the {family} family names {}, a family above it", higher.join(", ")));
        }
        if !in_store && reads_by_position(code) {
            breach("a column read by position; decode the row by name (store::from_row, store::single)".to_owned());
        }
    }
    breaches
}

/// Whether `family` naming `module` is a family naming one above it, and not one of [`UPWARDS`].
fn family_names_above(family: &str, module: &str) -> bool {
    let rank = |name: &str| FAMILIES.iter().position(|f| *f == name);
    let (Some(from), Some(to)) = (rank(family), rank(module)) else { return false };
    to > from && !UPWARDS.iter().any(|(f, m, _)| *f == family && *m == module)
}

/// Whether a line of code calls the store's positional `col(row, n)` (or `col::<T>(row, n)`).
fn reads_by_position(code: &str) -> bool {
    code.match_indices("col").any(|(at, _)| {
        let named_alone = !code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_');
        let rest = &code[at + 3..];
        named_alone && (rest.starts_with('(') || rest.starts_with("::<"))
    })
}

/// The top modules a line of code names: `crate::x`, `$crate::x`, and each of `crate::{x, y::z}`.
fn named_modules(code: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = &rest[..at];
        rest = &rest[at + "crate::".len()..];
        // `occ_crate::` or `mycrate::` are other names, not this crate.
        if before.ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let inner = group.split('}').next().unwrap_or_default();
            names.extend(inner.split(',').map(|item| item.trim().split("::").next().unwrap_or_default()));
        } else {
            names.push(rest.split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or_default());
        }
    }
    names.retain(|n| !n.is_empty());
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_from_paths_groups_and_macros() {
        assert_eq!(named_modules("use crate::store::{Conn, col};"), ["store"]);
        assert_eq!(named_modules("use crate::{outreach, error::AppResult};"), ["outreach", "error"]);
        assert_eq!(named_modules("$crate::http::Ctx and crate::routes::Family"), ["http", "routes"]);
        assert!(named_modules("use occ_crate::store; mycrate::x").is_empty());
    }

    #[test]
    fn a_platform_module_naming_a_feature_is_a_breach() {
        let text = "use crate::error::AppResult;\nuse crate::contacts::Contact;\n";
        let breaches = check("store/mod.rs", 0, text);
        assert_eq!(
            breaches,
            [Breach { file: "store/mod.rs".to_owned(), line: 2, what: "a platform module names contacts".to_owned() }]
        );
    }

    #[test]
    fn a_feature_may_name_features_and_the_platform_but_not_the_top() {
        assert!(check("outreach/drafts/mod.rs", 1, "use crate::{contacts, store::Conn};").is_empty());
        assert_eq!(check("outreach/drafts/mod.rs", 1, "crate::routes::document()").len(), 1);
    }

    #[test]
    fn a_family_names_the_families_below_it_and_only_the_listed_ones_above() {
        assert!(check("outreach/drafts/mod.rs", 1, "use crate::contacts::reach;").is_empty());
        let breaches = check("contacts/actions/events.rs", 1, "crate::outreach::enrollments::enroll(x)");
        assert_eq!(breaches.len(), 1);
        assert_eq!(breaches[0].what, "the contacts family names outreach, a family above it");
        assert!(check("accounts/repo.rs", 1, "use crate::contacts::scoring::sql::score_sql;").is_empty());
        assert_eq!(check("accounts/repo.rs", 1, "use crate::outreach::drafts;").len(), 1);
        let every: Vec<&str> = LAYERS[1].1.to_vec();
        let mut families = FAMILIES.to_vec();
        families.sort_unstable();
        assert_eq!(families, every, "every feature module is a family in the order");
    }

    #[test]
    fn a_positional_read_outside_the_store_is_a_breach() {
        // The reads are written in two pieces so that this file holds none itself.
        assert_eq!(check("contacts/repo.rs", 1, concat!("let id: String = col", "(row, 0)?;")).len(), 1);
        assert_eq!(check("contacts/repo.rs", 1, concat!("|row| Ok((col::<i64>", "(row, 1)?, x))")).len(), 1);
        assert!(check("store/column.rs", 0, "pub fn col<T>(row: &Row, idx: i32)").is_empty());
        assert!(check("contacts/repo.rs", 1, "let n = single::<i64>(row)?; protocol(x); col_count(1)").is_empty());
    }

    #[test]
    fn comments_do_not_count() {
        assert!(check("http/mod.rs", 0, "/// See [`crate::routes::Family`].\nlet x = 1; // crate::seed").is_empty());
    }

    #[test]
    fn the_core_keeps_its_layers() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../occ-core/src");
        let (files, breaches) = check_tree(&root).expect("every module has a layer");
        assert!(files > 100, "only {files} files read");
        assert_eq!(breaches, []);
    }
}
