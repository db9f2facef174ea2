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
    /// The state of an experiment: drafted, running (its step's messages take its variants),
    /// paused (they take the step's own text again) or completed.
    pub enum ExperimentStatus { Draft => "draft", Running => "running", Paused => "paused", Completed => "completed" }
}

crate::closed_enum! {
    /// The part of a sequence step an experiment's variants replace.
    pub enum ExperimentField { Subject => "subject", Body => "body" }
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
mod tests;
