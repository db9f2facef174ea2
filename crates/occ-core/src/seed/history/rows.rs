//! The rows a history writes, as its statements read them from JSON (`write.rs`).

use serde::Serialize;

/// A sent touch (the statement derives its channel, keys, message id and times).
#[derive(Debug, Serialize)]
pub(super) struct Send {
    pub(super) id: String,
    pub(super) contact_id: String,
    /// The contact's owner ("" for nobody), as touches carry it.
    pub(super) owner_key: String,
    pub(super) kind: &'static str,
    pub(super) at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) subject: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) body: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) outcome: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) variant_id: Option<String>,
}

/// A contact's variant.
#[derive(Debug, Serialize)]
pub(super) struct Assignment {
    pub(super) experiment_id: String,
    pub(super) contact_id: String,
    pub(super) variant_id: String,
    pub(super) at: String,
}

/// A reply to a send, classified and handled.
#[derive(Debug, Serialize)]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) subject: Option<String>,
    pub(super) body: &'static str,
    pub(super) at: String,
    pub(super) classified: String,
    pub(super) handled: String,
}

/// A meeting booked from a positive reply, and what became of it.
#[derive(Debug, Serialize)]
pub(super) struct Meeting {
    pub(super) id: String,
    pub(super) audit_id: String,
    pub(super) contact_id: String,
    pub(super) reply_id: String,
    pub(super) status: &'static str,
    pub(super) meeting_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) amount: Option<i64>,
    pub(super) at: String,
}
