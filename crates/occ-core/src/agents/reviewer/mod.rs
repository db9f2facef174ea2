//! The reviewer: a draft's quality report, with the judgement of a model on top of the rules
//! (`outreach::drafts::review`), and the power to send a pending draft back to its writer. It
//! works on a draft, or on a contact's newest draft waiting in Review.
//!
//! The rules' findings always stay: the report stored is the rules' report with the model's
//! flags added, and it passes only when both pass, so no answer can hide an unresolved merge
//! field or a spam phrase. A draft with merge fields left is sent back whatever the answer says,
//! as it can never be sent. The reviewer never approves: sending back moves a pending draft to
//! draft with notes saying why, and nothing else moves.

use serde::{Deserialize, Serialize};

use super::run::audited;
use super::{Agent, Applying, Gathered, Options, Target, TargetKind};
use crate::domain::enums::{AgentKind, ApprovalStatus, Channel, StepKind};
use crate::error::{AppError, AppResult};
use crate::outreach::drafts::review::{QualityReport, Recipient, review};
use crate::outreach::sequences::template::placeholders;
use crate::store::{Batch, Row, from_row};

/// The most flags an answer may raise.
const FLAGS_MAX: usize = 20;

/// The longest flag.
const FLAG_MAX: usize = 300;

/// The longest note.
const NOTE_MAX: usize = 1000;

/// The longest notes a draft keeps.
const DRAFT_NOTES_MAX: usize = 5000;

/// What the reviewer reads: the message, who it is for, and what the rules found.
#[derive(Debug, Serialize)]
pub struct Input {
    /// email, linkedin or call.
    pub channel: Channel,
    /// A LinkedIn connection request's note (at most 300 characters).
    pub connect_note: bool,
    /// The subject (email).
    pub subject: Option<String>,
    /// The message.
    pub body: String,
    /// The recipient's title.
    pub title: Option<String>,
    /// The recipient's company.
    pub company: Option<String>,
    /// The strongest fresh signal about the recipient or their company.
    pub signal: Option<String>,
    /// The rules' report on the draft.
    pub rules: QualityReport,
    /// The draft's id (not sent to the model).
    #[serde(skip)]
    pub draft_id: String,
    /// Its approval status as read.
    #[serde(skip)]
    pub status: Option<ApprovalStatus>,
}

/// The review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ReviewerOutput)]
pub struct Output {
    /// Whether the draft is fit to send as it is.
    pub passed: bool,
    /// Every problem, one short sentence each; empty when it passed.
    pub flags: Vec<String>,
    /// Whether the writer should rework it.
    pub send_back: bool,
    /// A sentence for the writer.
    pub note: String,
}

#[derive(Deserialize)]
struct Facts {
    draft_id: Option<String>,
    contact_id: String,
    owner_id: Option<String>,
    account_id: Option<String>,
    channel: Option<Channel>,
    subject: Option<String>,
    body: Option<String>,
    approval_status: Option<ApprovalStatus>,
    step_kind: Option<StepKind>,
    title: Option<String>,
    company: Option<String>,
    signal: Option<String>,
}

/// The columns the reviewer reads, from the draft `d` of the contact `c` at the account `a`.
macro_rules! reviewed_columns {
    () => {
        "SELECT d.id AS draft_id, c.id AS contact_id, c.owner_id, c.account_id, d.channel, d.subject, d.body, \
         d.approval_status, (SELECT t.kind FROM sequence_steps t WHERE t.id = d.step_id) AS step_kind, c.title, \
         a.name AS company, \
         (SELECT g.title FROM signals g WHERE (g.contact_id = c.id OR g.account_id = c.account_id) \
           AND (g.expires_at IS NULL OR g.expires_at > :now) ORDER BY g.strength DESC, g.occurred_at DESC LIMIT 1) \
           AS signal "
    };
}

/// The reviewer.
#[derive(Debug)]
pub struct Reviewer;

impl Agent for Reviewer {
    const KIND: AgentKind = AgentKind::Reviewer;
    const PROMPT: &'static str = include_str!("prompt.v1.md");
    const PROMPT_VERSION: &'static str = "v1";
    const MAX_TOKENS: u32 = 400;
    type Input = Input;
    type Output = Output;

    fn read(kind: TargetKind) -> Option<&'static str> {
        match kind {
            TargetKind::Draft => Some(concat!(
                reviewed_columns!(),
                "FROM message_drafts d JOIN contacts c ON c.id = d.contact_id \
                 LEFT JOIN accounts a ON a.id = c.account_id WHERE d.id = :id"
            )),
            TargetKind::Contact => Some(concat!(
                reviewed_columns!(),
                "FROM contacts c LEFT JOIN message_drafts d ON d.id = (SELECT x.id FROM message_drafts x \
                 WHERE x.contact_id = c.id AND x.approval_status = 'pending' ORDER BY x.created_at DESC, x.id DESC LIMIT 1) \
                 LEFT JOIN accounts a ON a.id = c.account_id WHERE c.id = :id"
            )),
            _ => None,
        }
    }

    fn gather(row: &Row, _: &Target, _: &Options, _: &str) -> AppResult<Gathered<Input>> {
        let f: Facts = from_row(row)?;
        let (Some(draft_id), Some(channel), Some(body)) = (f.draft_id, f.channel, f.body) else {
            return Err(AppError::invalid("contact_id", "exists", "the contact has no draft waiting in Review"));
        };
        let connect_note = f.step_kind == Some(StepKind::LinkedinConnect);
        let recipient =
            Recipient { company: f.company.as_deref(), title: f.title.as_deref(), signal: f.signal.as_deref() };
        let rules = rules_report(channel, connect_note, f.subject.as_deref(), &body, &recipient);
        Ok(Gathered {
            input: Input {
                channel,
                connect_note,
                subject: f.subject,
                body,
                title: f.title,
                company: f.company,
                signal: f.signal,
                rules,
                draft_id,
                status: f.approval_status,
            },
            owner_id: f.owner_id,
            contact_id: Some(f.contact_id),
            account_id: f.account_id,
        })
    }

    fn fallback(input: &Input) -> Output {
        let rules = &input.rules;
        let note = if rules.passed {
            format!("Passes the checks: {} words, personalised, no spam phrases.", rules.words)
        } else {
            format!("Needs work: {}.", rules.flags.join("; "))
        };
        Output { passed: rules.passed, flags: rules.flags.clone(), send_back: !rules.passed, note }
    }

    fn check(_: &Input, output: &Output) -> Result<(), String> {
        if output.passed && !output.flags.is_empty() {
            return Err("a draft that passed raises no flags".to_owned());
        }
        if !output.passed && output.flags.is_empty() {
            return Err("a draft that did not pass names its flags".to_owned());
        }
        if output.passed && output.send_back {
            return Err("only a draft that did not pass is sent back".to_owned());
        }
        if output.flags.len() > FLAGS_MAX {
            return Err(format!("at most {FLAGS_MAX} flags"));
        }
        if output.flags.iter().any(|f| f.trim().is_empty() || f.chars().count() > FLAG_MAX) {
            return Err(format!("each flag must be 1 to {FLAG_MAX} characters"));
        }
        let note = output.note.trim();
        if note.is_empty() || note.chars().count() > NOTE_MAX {
            return Err(format!("note must be 1 to {NOTE_MAX} characters"));
        }
        Ok(())
    }

    fn apply(batch: &mut Batch, run: &Applying<'_>, input: &Input, output: &Output) -> AppResult<()> {
        let report = merged(&input.rules, output);
        let send_back = output.send_back || !input.rules.unresolved.is_empty();
        let stored =
            serde_json::to_string(&report).map_err(|e| AppError::Internal(anyhow::anyhow!("quality report: {e}")))?;
        let after = serde_json::json!({"passed": report.passed, "flags": report.flags, "send_back": send_back});
        audited(batch, run, "draft.review", "draft", &input.draft_id, &after)?;
        batch.push(
            "UPDATE message_drafts SET quality_report = :report, updated_at = :at \
             WHERE id = :id AND approval_status NOT IN ('sent', 'archived')",
            libsql::named_params! {":id": input.draft_id.as_str(), ":report": stored, ":at": run.at},
        )?;
        if send_back && input.status == Some(ApprovalStatus::Pending) {
            let why = sent_back_notes(&report, output);
            let after = serde_json::json!({"approval_status": ApprovalStatus::Draft, "notes": why});
            audited(batch, run, "draft.send_back", "draft", &input.draft_id, &after)?;
            batch.push(
                "UPDATE message_drafts SET approval_status = 'draft', \
                 notes = substr(:why || coalesce(char(10) || char(10) || notes, ''), 1, :max), updated_at = :at \
                 WHERE id = :id AND approval_status = 'pending'",
                libsql::named_params! {
                    ":id": input.draft_id.as_str(), ":why": why, ":max": DRAFT_NOTES_MAX as i64, ":at": run.at,
                },
            )?;
        }
        Ok(())
    }
}

/// The rules' report on a message as it is written: the merge fields still in its subject and
/// body are its unresolved ones.
pub(super) fn rules_report(
    channel: Channel,
    connect_note: bool,
    subject: Option<&str>,
    body: &str,
    recipient: &Recipient<'_>,
) -> QualityReport {
    let mut unresolved = placeholders(body);
    for field in subject.map(placeholders).unwrap_or_default() {
        if !unresolved.contains(&field) {
            unresolved.push(field);
        }
    }
    review(channel, connect_note, subject, body, &unresolved, recipient)
}

/// The rules' report with the answer's flags added: it passes only when both pass.
pub fn merged(rules: &QualityReport, output: &Output) -> QualityReport {
    let mut report = rules.clone();
    for flag in &output.flags {
        let flag = flag.trim();
        if !flag.is_empty() && !report.flags.iter().any(|f| f.eq_ignore_ascii_case(flag)) {
            report.flags.push(flag.to_owned());
        }
    }
    report.passed = rules.passed && output.passed && report.flags.is_empty();
    report
}

/// What a draft sent back says to its writer.
fn sent_back_notes(report: &QualityReport, output: &Output) -> String {
    let note = output.note.trim();
    let text = if report.flags.is_empty() {
        format!("Sent back by the reviewer: {note}")
    } else {
        format!("Sent back by the reviewer: {note} Flags: {}.", report.flags.join("; "))
    };
    text.chars().take(2000).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(subject: Option<&str>, body: &str) -> Input {
        let recipient = Recipient { company: Some("Acme"), title: Some("VP Sales"), signal: Some("Series B") };
        let rules = rules_report(Channel::Email, false, subject, body, &recipient);
        Input {
            channel: Channel::Email,
            connect_note: false,
            subject: subject.map(str::to_owned),
            body: body.to_owned(),
            title: Some("VP Sales".to_owned()),
            company: Some("Acme".to_owned()),
            signal: Some("Series B".to_owned()),
            rules,
            draft_id: "d".to_owned(),
            status: Some(ApprovalStatus::Pending),
        }
    }

    const GOOD: &str = "Hi Ana, congratulations on the Series B. Teams at Acme usually double outbound after a \
                        round; we help them keep reply rates up. Worth a short call next week?";

    #[test]
    fn the_fallback_is_the_rules_report_and_sends_back_what_fails() {
        let good = Reviewer::fallback(&input(Some("Acme after the Series B"), GOOD));
        assert!(good.passed && !good.send_back && good.flags.is_empty(), "{good:?}");
        assert!(Reviewer::check(&input(None, GOOD), &good).is_ok());
        let bad = input(Some("URGENT"), "Hi {{first_name}}, click here");
        let out = Reviewer::fallback(&bad);
        assert!(!out.passed && out.send_back);
        assert!(out.note.contains("unresolved merge fields: {{first_name}}"), "{}", out.note);
        assert_eq!(Reviewer::fallback(&bad), out, "deterministic");
        assert!(Reviewer::check(&bad, &out).is_ok());
    }

    #[test]
    fn a_model_cannot_hide_the_rules_findings() {
        let bad = input(Some("For you"), "Hi {{first_name}}, a short note about Acme and your Series B plans.");
        let lenient = Output { passed: true, flags: vec![], send_back: false, note: "Looks fine.".to_owned() };
        let report = merged(&bad.rules, &lenient);
        assert!(!report.passed);
        assert_eq!(report.unresolved, ["first_name"]);
        assert!(report.flags.iter().any(|f| f.starts_with("unresolved merge fields")), "{report:?}");
        let strict = Output {
            passed: false,
            flags: vec!["The ask is vague".to_owned()],
            send_back: true,
            note: "Make the ask concrete.".to_owned(),
        };
        let good = input(Some("Acme after the Series B"), GOOD);
        let report = merged(&good.rules, &strict);
        assert!(!report.passed);
        assert_eq!(report.flags, ["The ask is vague"]);
    }

    #[test]
    fn an_answer_that_contradicts_itself_is_refused() {
        let i = input(Some("Acme"), GOOD);
        let ok = Output { passed: false, flags: vec!["Vague".to_owned()], send_back: true, note: "Fix it.".to_owned() };
        assert!(Reviewer::check(&i, &ok).is_ok());
        assert!(Reviewer::check(&i, &Output { passed: true, ..ok.clone() }).is_err(), "passed with flags");
        assert!(Reviewer::check(&i, &Output { flags: vec![], ..ok.clone() }).is_err(), "failed without flags");
        let passed_and_sent_back = Output { passed: true, flags: vec![], send_back: true, note: "Hm.".to_owned() };
        assert!(Reviewer::check(&i, &passed_and_sent_back).is_err());
        assert!(Reviewer::check(&i, &Output { note: String::new(), ..ok.clone() }).is_err());
        assert!(Reviewer::check(&i, &Output { flags: vec!["x".repeat(301)], ..ok }).is_err());
    }

    #[test]
    fn the_answer_schema_is_written_inline() {
        assert!(!crate::llm::refers_elsewhere(&crate::llm::strict_schema::<Output>()));
    }
}
