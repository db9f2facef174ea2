//! The words of the demo's outreach: two sequences' templates, the replies people send back,
//! and the buying signals their companies show. Kept apart from the logic in `outreach`.

/// A sequence step: (day offset, kind, subject template, body template, is break-up).
pub(super) type StepCopy = (i64, &'static str, Option<&'static str>, &'static str, bool);

/// A sequence: (name, description, steps in order).
pub(super) type SequenceCopy = (&'static str, &'static str, &'static [StepCopy]);

/// Both sequences share a shape (email, LinkedIn connect, email, call, break-up), so a walk's
/// step number means the same thing in either.
pub(super) const SEQUENCES: &[SequenceCopy] = &[
    (
        "Fintech revenue leaders",
        "Five touches over twelve days for revenue and payments leaders at fintech companies.",
        &[
            (
                0,
                "email",
                Some("Idea for {{company}}"),
                "Hi {{first_name}},\n\nI saw this about {{company}}: {{signal}}. Teams at that stage often find their \
                 pipeline spread across too many tools, and as {{title}} you probably feel it first.\n\nWe help \
                 fintech revenue teams see every account's next step in one place. Worth a 15-minute look next \
                 week?\n\nBest,\n\nIf you'd rather not hear from me, just reply \"stop\".",
                false,
            ),
            (
                2,
                "linkedin_connect",
                None,
                "Hi {{first_name}}, I wrote to you this week about {{company}}. I work with fintech revenue leaders \
                 and would be glad to connect.",
                false,
            ),
            (
                5,
                "email",
                Some("Re: Idea for {{company}}"),
                "Hi {{first_name}},\n\nA quick follow-up: a payments company we work with cut the time its reps \
                 spend on pipeline updates by a third in the first month. I can share how, if it is useful for \
                 {{company}}.\n\nBest,\n\nNot interested? Just say so and I will stop.",
                false,
            ),
            (
                8,
                "call",
                None,
                "Call {{first_name}} ({{title}}, {{company}}). Opener: {{signal}}. Ask how they track pipeline \
                 today and who owns that data. Goal: a 15-minute meeting next week.",
                false,
            ),
            (
                12,
                "email",
                Some("Closing the loop, {{first_name}}"),
                "Hi {{first_name}},\n\nI have not heard back, so I will assume now is not the right time for \
                 {{company}}. If that changes, reply to this email and I will pick it up from here.\n\nAll the \
                 best,\n\nIf you'd rather not hear from me at all, reply \"stop\".",
                true,
            ),
        ],
    ),
    (
        "SaaS data and engineering leaders",
        "Five touches over twelve days for data and engineering leaders at SaaS companies.",
        &[
            (
                0,
                "email",
                Some("{{company}}'s data stack"),
                "Hi {{first_name}},\n\nCongratulations on the news at {{company}} ({{signal}}). Growth like that \
                 usually means more tools, more pipelines and more questions for the {{title}}.\n\nWe give data \
                 teams one reliable view of their customer data without another migration. Open to comparing \
                 notes for 15 minutes?\n\nThanks,\n\nIf you'd rather not hear from me, reply \"stop\".",
                false,
            ),
            (
                2,
                "linkedin_connect",
                None,
                "Hi {{first_name}}, I follow what {{company}} is building in data and sent you a short note. \
                 Happy to connect here too.",
                false,
            ),
            (
                5,
                "email",
                Some("Re: {{company}}'s data stack"),
                "Hi {{first_name}},\n\nOne more thought: the SaaS teams we work with spend about half as long \
                 reconciling customer records after adopting us. I can send a two-page summary for {{company}} \
                 if that helps.\n\nThanks,\n\nNot interested? Just let me know and I will stop.",
                false,
            ),
            (
                8,
                "call",
                None,
                "Call {{first_name}} ({{title}}, {{company}}). Mention: {{signal}}. Ask where customer data \
                 breaks today and what a fix would be worth. Goal: a short discovery call.",
                false,
            ),
            (
                12,
                "email",
                Some("Should I close your file, {{first_name}}?"),
                "Hi {{first_name}},\n\nI will stop writing after this one. If a cleaner customer data setup \
                 becomes a priority at {{company}}, reply here and we can pick it up.\n\nThanks,\n\nIf you'd \
                 rather not hear from me at all, reply \"stop\".",
                true,
            ),
        ],
    ),
];

/// Replies by the intent the classifier should find: (intent, subject, body). `{back}` in an
/// out-of-office stands for the return date.
pub(super) const REPLIES: &[(&str, Option<&str>, &str)] = &[
    ("positive", None, "Sounds interesting. Could you send me a few times for a call next week?"),
    ("question", None, "How does this work with our existing Salesforce setup? Do you sync both ways?"),
    (
        "out_of_office",
        Some("Automatic reply: Out of office"),
        "I am out of the office until {back} and will reply then.",
    ),
    ("not_now", None, "Not right now, we are mid-way through a vendor review. Check back in a few months."),
    ("negative", None, "No thanks, we already use a tool for this."),
    ("positive", None, "Yes, happy to talk. Thursday afternoon works for me."),
];

/// Buying signals of a company: (kind, title).
pub(super) const SIGNALS: &[(&str, &str)] = &[
    ("funding", "raised a Series B to expand into Europe"),
    ("hiring", "hiring twelve account executives this quarter"),
    ("tech_adoption", "moved its customer data to Snowflake"),
    ("news", "named a new Chief Revenue Officer"),
    ("news", "opened a second office in London"),
    ("funding", "closed a growth round led by existing investors"),
];

/// Call outcomes for the demo's sent calls, in turn: (outcome, seconds, notes).
pub(super) const CALLS: &[(&str, i64, &str)] = &[
    ("voicemail", 41, "Left a voicemail pointing to the email."),
    ("connected", 184, "Short chat: busy this month, asked for the email again."),
    ("no_answer", 0, "No answer."),
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::domain::enums::Channel;
    use crate::outreach::drafts::review::{Recipient, review};
    use crate::outreach::replies::classify::classify;
    use crate::outreach::sequences::template::render;

    #[test]
    fn each_reply_is_classified_as_the_demo_means_it() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
        for (intent, subject, body) in REPLIES {
            let found = classify(*subject, &body.replace("{back}", "2026-12-01"), today);
            assert_eq!(found.intent.as_str(), *intent, "{body}");
        }
    }

    #[test]
    fn every_step_renders_into_a_message_that_passes_review() {
        let values: BTreeMap<&str, String> = [
            ("first_name", "Priya"),
            ("last_name", "O'Brien"),
            ("title", "Director of Revenue Operations"),
            ("company", "Summitledger 12"),
            ("signal", "closed a growth round led by existing investors"),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_owned()))
        .collect();
        let recipient = Recipient { company: Some("Summitledger 12"), title: None, signal: None };
        for (_, _, steps) in SEQUENCES {
            for (_, kind, subject, body, _) in *steps {
                let channel = match *kind {
                    "email" => Channel::Email,
                    "call" => Channel::Call,
                    _ => Channel::Linkedin,
                };
                let body = render(body, &values);
                let subject = subject.map(|s| render(s, &values).text);
                let report = review(
                    channel,
                    *kind == "linkedin_connect",
                    subject.as_deref(),
                    &body.text,
                    &body.unresolved,
                    &recipient,
                );
                assert!(report.passed, "{kind}: {:?}", report.flags);
            }
        }
    }
}
