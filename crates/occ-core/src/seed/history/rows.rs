//! The rows a history writes, each with its values in the order its statement reads them
//! (`write.rs`).

use crate::seed::values::{Param, text};

/// A sent touch (the statement derives its channel, keys, message id and times).
#[derive(Debug)]
pub(super) struct Send {
    pub(super) id: String,
    pub(super) contact_id: String,
    /// The contact's owner ("" for nobody), as touches carry it.
    pub(super) owner_key: String,
    pub(super) kind: &'static str,
    pub(super) at: String,
    pub(super) to: Option<String>,
    pub(super) subject: Option<&'static str>,
    pub(super) body: Option<&'static str>,
    pub(super) outcome: Option<&'static str>,
    pub(super) seconds: Option<i64>,
    pub(super) variant_id: Option<String>,
}

/// A contact's variant.
#[derive(Debug)]
pub(super) struct Assignment {
    pub(super) experiment_id: String,
    pub(super) contact_id: String,
    pub(super) variant_id: String,
    pub(super) at: String,
}

/// A reply to a send, classified and handled.
#[derive(Debug)]
pub(super) struct Reply {
    pub(super) id: String,
    pub(super) audit_id: String,
    pub(super) contact_id: String,
    /// The contact's owner ("" for nobody), as replies carry it.
    pub(super) owner_key: String,
    pub(super) touchpoint_id: String,
    pub(super) channel: &'static str,
    pub(super) intent: &'static str,
    pub(super) confidence: f64,
    pub(super) subject: Option<String>,
    pub(super) body: &'static str,
    pub(super) at: String,
    pub(super) classified: String,
    pub(super) handled: String,
}

/// A meeting booked from a positive reply, and what became of it.
#[derive(Debug)]
pub(super) struct Meeting {
    pub(super) id: String,
    pub(super) audit_id: String,
    pub(super) contact_id: String,
    pub(super) reply_id: String,
    pub(super) status: &'static str,
    pub(super) meeting_at: String,
    pub(super) amount: Option<i64>,
    pub(super) at: String,
}

/// An owned text as a parameter.
fn owned(value: &str) -> Param {
    Param::Text(value.to_owned())
}

impl Send {
    /// The channel of its kind, as the statement that writes it derives it.
    pub(super) fn channel(&self) -> &'static str {
        match self.kind {
            "email" => "email",
            "call" => "call",
            _ => "linkedin",
        }
    }

    /// The values [`super::write`] reads as `column1` on.
    pub(super) fn push(&self, into: &mut Vec<Param>) {
        into.extend([
            owned(&self.id),
            owned(&self.contact_id),
            owned(&self.owner_key),
            owned(self.kind),
            owned(&self.at),
            text(self.to.as_deref()),
            text(self.subject),
            text(self.body),
            text(self.outcome),
            self.seconds.map_or(Param::Null, Param::Integer),
            text(self.variant_id.as_deref()),
        ]);
    }
}

impl Assignment {
    /// The values [`super::write`] reads as `column1` on.
    pub(super) fn push(&self, into: &mut Vec<Param>) {
        into.extend([owned(&self.experiment_id), owned(&self.contact_id), owned(&self.variant_id), owned(&self.at)]);
    }
}

impl Reply {
    /// The values [`super::write`] reads as `column1` on.
    pub(super) fn push(&self, into: &mut Vec<Param>) {
        into.extend([
            owned(&self.id),
            owned(&self.contact_id),
            owned(&self.owner_key),
            owned(&self.touchpoint_id),
            owned(self.channel),
            owned(self.intent),
            Param::Real(self.confidence),
            text(self.subject.as_deref()),
            owned(self.body),
            owned(&self.at),
            owned(&self.classified),
            owned(&self.handled),
        ]);
    }
}

impl Meeting {
    /// The values [`super::write`] reads as `column1` on.
    pub(super) fn push(&self, into: &mut Vec<Param>) {
        into.extend([
            owned(&self.id),
            owned(&self.contact_id),
            owned(&self.reply_id),
            owned(self.status),
            owned(&self.meeting_at),
            self.amount.map_or(Param::Null, Param::Integer),
            owned(&self.at),
        ]);
    }
}
