//! The closed sets of the schema: one enum per CHECK (... IN (...)) list in
//! `migrations/0001_init.up.sql`, spelled exactly as the database stores them. The tests below
//! compare every enum with its CHECK constraint and fail when either side changes alone.

crate::closed_enum! {
    /// What a user may do (SPEC.md section 4).
    pub enum Role { Admin => "admin", Manager => "manager", Bdr => "bdr", Viewer => "viewer" }
}

crate::closed_enum! {
    /// A contact's seniority, from the title.
    pub enum Seniority {
        CLevel => "c_level",
        Vp => "vp",
        Director => "director",
        Manager => "manager",
        Senior => "senior",
        Entry => "entry",
        Unknown => "unknown",
    }
}

crate::closed_enum! {
    /// A contact's department, from the title.
    pub enum Department {
        Engineering => "engineering",
        Sales => "sales",
        Marketing => "marketing",
        Finance => "finance",
        Operations => "operations",
        Hr => "hr",
        It => "it",
        Product => "product",
        Executive => "executive",
        Legal => "legal",
        CustomerSuccess => "customer_success",
        Other => "other",
    }
}

crate::closed_enum! {
    /// Where a contact is in the pipeline; the allowed moves are the stage machine's.
    pub enum Stage {
        New => "new",
        Researched => "researched",
        Drafted => "drafted",
        Touched => "touched",
        Sequencing => "sequencing",
        BreakUpSent => "break_up_sent",
        Replied => "replied",
        RepliedPositive => "replied_positive",
        RepliedNegative => "replied_negative",
        Referred => "referred",
        MeetingBooked => "meeting_booked",
        MeetingHeld => "meeting_held",
        Opportunity => "opportunity",
        Dormant => "dormant",
        ReEngaged => "re_engaged",
        NotInterested => "not_interested",
    }
}

crate::closed_enum! {
    /// Whether a contact may be contacted at all (bounced and do_not_contact: never, anywhere).
    pub enum ContactStatus {
        Active => "active",
        Dormant => "dormant",
        Bounced => "bounced",
        DoNotContact => "do_not_contact",
    }
}

crate::closed_enum! {
    /// The kind of a buying signal.
    pub enum SignalKind {
        JobChange => "job_change",
        Funding => "funding",
        Hiring => "hiring",
        TechAdoption => "tech_adoption",
        News => "news",
        ContentEngagement => "content_engagement",
        WebsiteVisit => "website_visit",
        IntentTopic => "intent_topic",
        Custom => "custom",
    }
}

crate::closed_enum! {
    /// Whether a sequence's steps fire.
    pub enum SequenceStatus { Active => "active", Paused => "paused", Archived => "archived" }
}

crate::closed_enum! {
    /// The channel of a step, draft, touchpoint, reply, follow-up or experiment.
    pub enum Channel { Linkedin => "linkedin", Email => "email", Call => "call" }
}

crate::closed_enum! {
    /// What a sequence step does; it names its channel.
    pub enum StepKind {
        Email => "email",
        LinkedinConnect => "linkedin_connect",
        LinkedinMessage => "linkedin_message",
        Call => "call",
    }
}

crate::closed_enum! {
    /// The state of a contact's enrollment in a sequence.
    pub enum EnrollmentStatus {
        Active => "active",
        /// Out-of-office: until `paused_until`, then active again.
        Paused => "paused",
        /// Every step has fired.
        Completed => "completed",
        /// Left early, for an `ExitReason`.
        Exited => "exited",
    }
}

crate::closed_enum! {
    /// Why an enrollment exited (set exactly when its status is `exited`).
    pub enum ExitReason {
        Replied => "replied",
        MeetingBooked => "meeting_booked",
        Bounced => "bounced",
        Unsubscribed => "unsubscribed",
        DoNotContact => "do_not_contact",
        /// A colleague at the same account replied positively.
        ColleagueReplied => "colleague_replied",
        Manual => "manual",
    }
}

crate::closed_enum! {
    /// The rate an experiment compares its variants on.
    pub enum ExperimentMetric {
        ReplyRate => "reply_rate",
        PositiveReplyRate => "positive_reply_rate",
        MeetingRate => "meeting_rate",
    }
}

crate::closed_enum! {
    /// The state of an experiment.
    pub enum ExperimentStatus { Draft => "draft", Running => "running", Completed => "completed", Stopped => "stopped" }
}

crate::closed_enum! {
    /// The ten agents (SPEC.md section 3).
    pub enum AgentKind {
        Researcher => "researcher",
        SignalScout => "signal_scout",
        PersonaMapper => "persona_mapper",
        IcpScorer => "icp_scorer",
        Drafter => "drafter",
        Reviewer => "reviewer",
        ReplyClassifier => "reply_classifier",
        FollowupPlanner => "followup_planner",
        MeetingPrep => "meeting_prep",
        ExperimentAnalyst => "experiment_analyst",
    }
}

crate::closed_enum! {
    /// The state of an agent run or a swarm run.
    pub enum RunStatus {
        Queued => "queued",
        Running => "running",
        Succeeded => "succeeded",
        Failed => "failed",
        Cancelled => "cancelled",
    }
}

crate::closed_enum! {
    /// The state of one swarm task.
    pub enum SwarmTaskStatus {
        /// Some dependency has not succeeded yet.
        Waiting => "waiting",
        /// Ready for a worker once `lease_until` has passed.
        Queued => "queued",
        /// Leased by a worker until `lease_until`.
        Running => "running",
        Succeeded => "succeeded",
        Failed => "failed",
        Cancelled => "cancelled",
    }
}

crate::closed_enum! {
    /// How an identity's SMTP connection is secured.
    pub enum SmtpSecurity { Starttls => "starttls", Tls => "tls", None => "none" }
}

crate::closed_enum! {
    /// Whether an email identity sends.
    pub enum IdentityStatus { Active => "active", Paused => "paused", Disabled => "disabled" }
}

crate::closed_enum! {
    /// Who wrote a draft.
    pub enum AuthorKind { Human => "human", Agent => "agent" }
}

crate::closed_enum! {
    /// Where a draft is in review.
    pub enum ApprovalStatus {
        Draft => "draft",
        Pending => "pending",
        Approved => "approved",
        Rejected => "rejected",
        Sent => "sent",
        Archived => "archived",
    }
}

crate::closed_enum! {
    /// What a touchpoint does; it names its channel.
    pub enum TouchpointKind {
        Email => "email",
        LinkedinConnect => "linkedin_connect",
        LinkedinMessage => "linkedin_message",
        LinkedinInmail => "linkedin_inmail",
        Call => "call",
    }
}

crate::closed_enum! {
    /// The state of an outbound action; sending is at-most-once.
    pub enum TouchpointStatus {
        Scheduled => "scheduled",
        /// A pacing slot is held for it.
        Reserved => "reserved",
        /// Handed to SMTP; becomes sent, failed or unknown.
        Sending => "sending",
        Sent => "sent",
        Failed => "failed",
        /// The send may or may not have happened; a person resolves it.
        Unknown => "unknown",
        Cancelled => "cancelled",
    }
}

crate::closed_enum! {
    /// How a call went.
    pub enum CallOutcome {
        Connected => "connected",
        Voicemail => "voicemail",
        NoAnswer => "no_answer",
        WrongNumber => "wrong_number",
        MeetingBooked => "meeting_booked",
    }
}

crate::closed_enum! {
    /// What a reply means; the contact's stage, enrollment and suppression follow from it.
    pub enum ReplyIntent {
        Positive => "positive",
        Negative => "negative",
        Neutral => "neutral",
        Referral => "referral",
        OutOfOffice => "out_of_office",
        Unsubscribe => "unsubscribe",
        Question => "question",
        NotNow => "not_now",
    }
}

crate::closed_enum! {
    /// The state of a scheduled follow-up.
    pub enum FollowupStatus { Pending => "pending", Done => "done", Skipped => "skipped", Cancelled => "cancelled" }
}

crate::closed_enum! {
    /// Where a meeting or opportunity stands.
    pub enum OpportunityStatus {
        MeetingBooked => "meeting_booked",
        MeetingHeld => "meeting_held",
        OpportunityCreated => "opportunity_created",
        Disqualified => "disqualified",
        Lost => "lost",
    }
}

crate::closed_enum! {
    /// The state of a prospect batch.
    pub enum BatchStatus {
        Draft => "draft",
        Active => "active",
        Paused => "paused",
        Completed => "completed",
        Archived => "archived",
    }
}

crate::closed_enum! {
    /// What a suppression entry blocks.
    pub enum SuppressionKind { Email => "email", Domain => "domain", Linkedin => "linkedin" }
}

crate::closed_enum! {
    /// Why something is suppressed.
    pub enum SuppressionReason {
        HardBounce => "hard_bounce",
        SoftBounceLimit => "soft_bounce_limit",
        Complaint => "complaint",
        Unsubscribe => "unsubscribe",
        Manual => "manual",
        /// The person was erased; only a hash of the value is kept.
        Erased => "erased",
    }
}

crate::closed_enum! {
    /// An email provider event.
    pub enum EmailEventKind {
        Delivered => "delivered",
        BounceHard => "bounce_hard",
        BounceSoft => "bounce_soft",
        Complaint => "complaint",
        Unsubscribe => "unsubscribe",
        Open => "open",
        Click => "click",
        Reply => "reply",
    }
}

crate::closed_enum! {
    /// A LinkedIn action a BDR recorded (also the key of the LinkedIn pacing counters).
    pub enum LinkedinEventKind {
        ConnectionSent => "connection_sent",
        ConnectionAccepted => "connection_accepted",
        MessageSent => "message_sent",
        InmailSent => "inmail_sent",
        ReplyReceived => "reply_received",
        ProfileViewed => "profile_viewed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = include_str!("../../../../migrations/0001_init.up.sql");

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

    /// Every `CREATE TABLE` statement: the table's name and its text up to the closing `;`.
    fn table_blocks(code: &str) -> Vec<(&str, &str)> {
        let marker = "CREATE TABLE ";
        code.match_indices(marker)
            .map(|(at, _)| {
                let rest = &code[at..];
                let block = &rest[..rest.find(';').unwrap_or(rest.len())];
                let name = block[marker.len()..].split([' ', '(']).next().unwrap_or_default();
                (name, block)
            })
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
                panic!(
                    "a quoted IN list not written as CHECK (col IN (...)) or CHECK (col IS NULL OR col IN (...)): {e}"
                )
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
}
