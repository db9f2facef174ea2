//! Every enum against the CHECK constraint of its column in the schema.

use super::*;

const SCHEMA: &str = concat!(
    include_str!("../../../../../migrations/0001_init.up.sql"),
    // Made again with their CHECK lists: the later definition of a table is the one in force.
    include_str!("../../../../../migrations/0016_insights.up.sql"),
);

/// Every CHECK enum of the schema: the table, the column and the enum that mirrors it.
fn schema_enums() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    vec![
        ("users", "role", Role::names()),
        ("contacts", "seniority", Seniority::names()),
        ("contacts", "department", Department::names()),
        ("contacts", "stage", Stage::names()),
        ("contacts", "status", ContactStatus::names()),
        ("signals", "kind", SignalKind::names()),
        ("sequences", "status", SequenceStatus::names()),
        ("sequence_steps", "channel", Channel::names()),
        ("sequence_steps", "kind", StepKind::names()),
        ("enrollments", "status", EnrollmentStatus::names()),
        ("enrollments", "exit_reason", ExitReason::names()),
        ("experiments", "channel", Channel::names()),
        ("experiments", "metric", ExperimentMetric::names()),
        ("experiments", "status", ExperimentStatus::names()),
        ("experiments", "field", ExperimentField::names()),
        ("agent_runs", "agent", AgentKind::names()),
        ("agent_runs", "status", RunStatus::names()),
        ("email_identities", "smtp_security", SmtpSecurity::names()),
        ("email_identities", "status", IdentityStatus::names()),
        ("message_drafts", "channel", Channel::names()),
        ("message_drafts", "author_kind", AuthorKind::names()),
        ("message_drafts", "approval_status", ApprovalStatus::names()),
        ("touchpoints", "channel", Channel::names()),
        ("touchpoints", "kind", TouchpointKind::names()),
        ("touchpoints", "status", TouchpointStatus::names()),
        ("touchpoints", "call_outcome", CallOutcome::names()),
        ("replies", "channel", Channel::names()),
        ("replies", "intent", ReplyIntent::names()),
        ("followups", "channel", Channel::names()),
        ("followups", "status", FollowupStatus::names()),
        ("opportunities", "status", OpportunityStatus::names()),
        ("batches", "status", BatchStatus::names()),
        ("swarm_runs", "status", RunStatus::names()),
        ("swarm_tasks", "agent", AgentKind::names()),
        ("swarm_tasks", "status", SwarmTaskStatus::names()),
        ("email_suppression", "kind", SuppressionKind::names()),
        ("email_suppression", "reason", SuppressionReason::names()),
        ("email_events", "kind", EmailEventKind::names()),
        ("pacing_linkedin_daily", "kind", LinkedinEventKind::names()),
        ("pacing_linkedin_weekly", "kind", LinkedinEventKind::names()),
        ("linkedin_events", "kind", LinkedinEventKind::names()),
    ]
}

/// The schema without `--` comments (no string literal in it contains `--`).
fn schema_code() -> String {
    SCHEMA.lines().map(|l| l.split("--").next().unwrap_or_default()).collect::<Vec<_>>().join("\n")
}

/// Every `CREATE TABLE` statement: the table's name and its text up to the closing `;`; of a
/// table made again by a later migration, the later statement only.
fn table_blocks(code: &str) -> Vec<(&str, &str)> {
    let marker = "CREATE TABLE ";
    let all: Vec<(&str, &str)> = code
        .match_indices(marker)
        .map(|(at, _)| {
            let rest = &code[at..];
            let block = &rest[..rest.find(';').unwrap_or(rest.len())];
            let name = block[marker.len()..].split([' ', '(']).next().unwrap_or_default();
            (name, block)
        })
        .collect();
    all.iter()
        .enumerate()
        .filter(|(i, (name, _))| !all[i + 1..].iter().any(|(n, _)| n == name))
        .map(|(_, b)| *b)
        .collect()
}

/// The quoted values of `CHECK (col IN ('a', 'b'))` or `CHECK (col IS NULL OR col IN (...))`.
fn check_values<'a>(block: &'a str, column: &str) -> Option<Vec<&'a str>> {
    let shapes = [format!("CHECK ({column} IN ("), format!("CHECK ({column} IS NULL OR {column} IN (")];
    let (at, shape) = shapes.iter().find_map(|s| block.find(s.as_str()).map(|at| (at, s)))?;
    let list = &block[at + shape.len()..];
    let list = &list[..list.find(')')?];
    Some(list.split(", ").map(|v| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')).unwrap_or(v)).collect())
}

#[test]
fn every_enum_matches_its_check_constraint() {
    let code = schema_code();
    let blocks = table_blocks(&code);
    for (table, column, names) in schema_enums() {
        let (_, block) = blocks
            .iter()
            .find(|(name, _)| *name == table)
            .unwrap_or_else(|| panic!("no CREATE TABLE {table} in 0001_init.up.sql"));
        let values = check_values(block, column)
            .unwrap_or_else(|| panic!("no CHECK ({column} IN (...)) on one line in CREATE TABLE {table}"));
        assert_eq!(values, names, "{table}.{column}: the CHECK list and the Rust enum differ");
    }
}

/// Every quoted `IN (...)` list inside a `CREATE TABLE`, as the (table, column) of its
/// CHECK, or an error naming a list that is not in one of the two shapes `check_values` reads.
fn check_lists(code: &str) -> Vec<Result<(&str, &str), String>> {
    let mut lists = Vec::new();
    for (table, block) in table_blocks(code) {
        let upper = block.to_ascii_uppercase();
        for (at, _) in upper.match_indices("IN") {
            let before = at.checked_sub(1).map(|i| upper.as_bytes()[i]);
            let word_start = before.is_none_or(|b| !(b.is_ascii_alphanumeric() || b == b'_'));
            let after = upper[at + 2..].trim_start();
            let quoted_list = after.strip_prefix('(').is_some_and(|l| l.trim_start().starts_with('\''));
            if !word_start || !quoted_list {
                continue;
            }
            let check = block[..at].rfind("CHECK (").map(|c| &block[c + "CHECK (".len()..at]);
            let column = check
                .and_then(|c| c.strip_suffix(' '))
                .and_then(|c| match c.split_once(" IS NULL OR ") {
                    Some((a, b)) if a == b => Some(a),
                    Some(_) => None,
                    None => Some(c),
                })
                .filter(|c| c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_'));
            let line = block[at..].lines().next().unwrap_or_default();
            lists.push(column.map(|c| (table, c)).ok_or_else(|| format!("{table}: {line}")));
        }
    }
    lists
}

#[test]
fn every_check_list_in_the_schema_has_an_enum() {
    let code = schema_code();
    let known = schema_enums();
    let lists = check_lists(&code);
    for list in &lists {
        let (table, column) = list.as_ref().unwrap_or_else(|e| {
            panic!("a quoted IN list not written as CHECK (col IN (...)) or CHECK (col IS NULL OR col IN (...)): {e}")
        });
        assert!(
            known.iter().any(|(t, c, _)| t == table && c == column),
            "{table}.{column} has a CHECK list but no entry in schema_enums(): add a closed_enum! for it"
        );
    }
    assert_eq!(lists.len(), known.len(), "every entry of schema_enums() is exactly one CHECK list in the schema");
}

#[test]
fn the_schema_checks_catch_a_changed_list_and_an_unmirrored_one() {
    let code = schema_code();
    let blocks = table_blocks(&code);
    let (_, contacts) = blocks.iter().find(|(t, _)| *t == "contacts").expect("contacts table");
    let reordered = contacts.replace("'new', 'researched'", "'researched', 'new'");
    assert_ne!(check_values(&reordered, "stage"), Some(Stage::names()), "a reordered list is caught");
    let split = contacts.replace("'drafted', ", "'drafted',\n    ");
    assert_ne!(check_values(&split, "stage"), Some(Stage::names()), "a list over two lines is caught");

    let added = "CREATE TABLE calls (\n    mood TEXT CHECK (mood IS NULL OR mood IN ('calm', 'angry'))\n) STRICT;";
    assert_eq!(check_lists(added), vec![Ok(("calls", "mood"))]);
    let odd = "CREATE TABLE calls (\n    mood TEXT CHECK (length(mood) > 0 AND mood IN ('calm'))\n) STRICT;";
    assert!(check_lists(odd)[0].is_err(), "a list in another shape is reported");
    let booleans = "CREATE TABLE calls (\n    done INTEGER CHECK (done IN (0, 1))\n) STRICT;";
    assert!(check_lists(booleans).is_empty(), "integer lists are not enums");
}

#[test]
fn spellings_round_trip_through_parse_and_json() {
    for stage in Stage::ALL {
        assert_eq!(stage.as_str().parse::<Stage>(), Ok(*stage));
        let json = serde_json::to_string(stage).expect("serialises");
        assert_eq!(json, format!("\"{}\"", stage.as_str()));
        assert_eq!(serde_json::from_str::<Stage>(&json).expect("deserialises"), *stage);
    }
    assert!("Replied".parse::<ReplyIntent>().is_err(), "spellings are case-sensitive");
    assert!(serde_json::from_str::<Channel>("\"fax\"").is_err());
}
