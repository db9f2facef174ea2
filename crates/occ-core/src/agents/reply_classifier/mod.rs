//! The reply classifier: a reply's intent, confidence, out-of-office return date and referral.
//! Its fallback is the rule classifier every reply gets when it arrives
//! (`outreach::replies::classify`). When its answer differs from the reply's intent, and no
//! person has corrected that reply, the new intent has the consequences a correction has (the
//! stage, sequences, drafts, suppression); nothing else.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Agent, Applying, Gathered, Options, Target, TargetKind};
use crate::domain::enums::{AgentKind, Channel, ReplyIntent};
use crate::error::{AppError, AppResult};
use crate::outreach::replies::classify::{classify, new_text};
use crate::outreach::replies::correct::{Standing, reclassify_in};
use crate::store::{Batch, Row, from_row};

/// What the classifier reads: the prospect's own words (untrusted) and the day it came.
#[derive(Debug, Serialize)]
pub struct Input {
    /// The reply's subject.
    pub subject: Option<String>,
    /// The reply's text without the message it quotes.
    pub text: String,
    /// The day the reply arrived (a return date is after it).
    pub received_on: NaiveDate,
    /// The reply as it stands (not sent to the model).
    #[serde(skip)]
    standing: Reply,
}

/// The reply as read, to change it.
#[derive(Debug, Clone, Deserialize)]
struct Reply {
    id: String,
    contact_id: String,
    channel: Channel,
    intent: ReplyIntent,
    confidence: Option<f64>,
    subject: Option<String>,
    body: String,
    replied_at: String,
    owner_id: Option<String>,
    account_id: Option<String>,
    stage: Option<String>,
}

/// What the reply means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ReplyClassifierOutput)]
pub struct Output {
    /// The intent.
    #[schema(inline)]
    pub intent: ReplyIntent,
    /// How sure, 0 to 1.
    pub confidence: f64,
    /// Out of office: the day they are back (YYYY-MM-DD).
    #[schema(value_type = Option<String>)]
    pub return_date: Option<NaiveDate>,
    /// Referral: the person's name.
    pub referral_name: Option<String>,
    /// Referral: the person's address.
    pub referral_email: Option<String>,
}

/// The reply classifier.
#[derive(Debug)]
pub struct ReplyClassifier;

impl Agent for ReplyClassifier {
    const KIND: AgentKind = AgentKind::ReplyClassifier;
    const PROMPT: &'static str = include_str!("prompt.v1.md");
    const PROMPT_VERSION: &'static str = "v1";
    const MAX_TOKENS: u32 = 200;
    type Input = Input;
    type Output = Output;

    fn read(kind: TargetKind) -> Option<&'static str> {
        (kind == TargetKind::Reply).then_some(
            "SELECT r.id, r.contact_id, r.channel, r.intent, r.confidence, r.subject, r.body, r.replied_at, \
             c.owner_id, c.account_id, c.stage FROM replies r JOIN contacts c ON c.id = r.contact_id WHERE r.id = :id",
        )
    }

    fn gather(row: &Row, _: &Target, _: &Options, _: &str) -> AppResult<Gathered<Input>> {
        let reply: Reply = from_row(row)?;
        let received_on = chrono::DateTime::parse_from_rfc3339(&reply.replied_at)
            .map(|t| t.date_naive())
            .map_err(|e| AppError::Internal(anyhow::anyhow!("stored reply time: {e}")))?;
        Ok(Gathered {
            owner_id: reply.owner_id.clone(),
            contact_id: Some(reply.contact_id.clone()),
            account_id: reply.account_id.clone(),
            input: Input { subject: reply.subject.clone(), text: new_text(&reply.body), received_on, standing: reply },
        })
    }

    fn fallback(input: &Input) -> Output {
        let found = classify(input.subject.as_deref(), &input.standing.body, input.received_on);
        Output {
            intent: found.intent,
            confidence: found.confidence,
            return_date: found.return_date,
            referral_name: found.referral_name,
            referral_email: found.referral_email,
        }
    }

    fn check(input: &Input, output: &Output) -> Result<(), String> {
        if !(0.0..=1.0).contains(&output.confidence) {
            return Err("confidence must be from 0 to 1".to_owned());
        }
        if let Some(back) = output.return_date
            && (back < input.received_on || back > input.received_on + chrono::Duration::days(366))
        {
            return Err("return_date must be within a year after the reply".to_owned());
        }
        if output.referral_email.as_deref().is_some_and(|e| crate::domain::EmailAddress::parse(e).is_err()) {
            return Err("referral_email must be an email address".to_owned());
        }
        Ok(())
    }

    fn apply(batch: &mut Batch, run: &Applying<'_>, input: &Input, output: &Output) -> AppResult<()> {
        let reply = &input.standing;
        let corrected_by_a_person = reply.confidence.is_some_and(|c| c >= 1.0);
        if output.intent == reply.intent || corrected_by_a_person {
            return Ok(());
        }
        let standing = Standing {
            id: &reply.id,
            contact_id: &reply.contact_id,
            channel: reply.channel,
            intent: reply.intent,
            stage: reply.stage.as_deref(),
        };
        // A model's certainty stays below a person's, so a person's correction always stands.
        let confidence = output.confidence.min(0.99);
        reclassify_in(batch, run.actor, &standing, output.intent, confidence, output.return_date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(body: &str) -> Input {
        let standing = Reply {
            id: "r".to_owned(),
            contact_id: "c".to_owned(),
            channel: Channel::Email,
            intent: ReplyIntent::Neutral,
            confidence: Some(0.5),
            subject: None,
            body: body.to_owned(),
            replied_at: "2026-12-01T10:00:00.000Z".to_owned(),
            owner_id: None,
            account_id: None,
            stage: None,
        };
        Input {
            subject: None,
            text: new_text(body),
            received_on: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default(),
            standing,
        }
    }

    #[test]
    fn the_fallback_is_the_rule_classifier() {
        let out = ReplyClassifier::fallback(&input("Please remove me from your list."));
        assert_eq!(out.intent, ReplyIntent::Unsubscribe);
        assert!(ReplyClassifier::check(&input(""), &out).is_ok());
    }

    #[test]
    fn values_the_schema_cannot_hold_are_refused() {
        let i = input("Thanks");
        let ok = Output {
            intent: ReplyIntent::Neutral,
            confidence: 0.5,
            return_date: None,
            referral_name: None,
            referral_email: None,
        };
        assert!(ReplyClassifier::check(&i, &Output { confidence: 1.5, ..ok.clone() }).is_err());
        let past = NaiveDate::from_ymd_opt(2020, 1, 1);
        assert!(ReplyClassifier::check(&i, &Output { return_date: past, ..ok.clone() }).is_err());
        let email = Some("not an address".to_owned());
        assert!(ReplyClassifier::check(&i, &Output { referral_email: email, ..ok }).is_err());
    }
}
