//! What the researcher and meeting prep read about a contact: the person, the company, fresh
//! signals and the history, as JSON pieces of one statement and the types they decode to.

use serde::{Deserialize, Serialize};

use crate::insights::prep::{Company as CompanyLine, SignalLine};

/// A contact's facts as JSON (`c` is the contact).
macro_rules! person_object {
    () => {
        "json_object('first_name', c.first_name, 'name', c.first_name || coalesce(' ' || c.last_name, ''), \
         'title', c.title, 'seniority', c.seniority, 'department', c.department, 'persona', c.persona, \
         'stage', c.stage, 'status', c.status)"
    };
}
pub(crate) use person_object;

/// An account's facts as JSON (`a` is the account).
macro_rules! company_object {
    () => {
        "json_object('name', a.name, 'industry', a.industry, 'sub_industry', a.sub_industry, \
         'employee_count', a.employee_count, 'country', a.country, 'website', a.website, \
         'tech_stack', json(a.tech_stack), 'notes', a.notes)"
    };
}
pub(crate) use company_object;

/// The fresh signals of contact `c` and of its account, strongest then newest first, at most
/// ten, as a JSON array (`:now`).
macro_rules! contact_signals {
    () => {
        "(SELECT json_group_array(json(s)) FROM (SELECT json_object('kind', g.kind, 'strength', g.strength, \
           'title', g.title, 'occurred_at', g.occurred_at, \
           'account_level', json(CASE WHEN g.contact_id IS NULL THEN 'true' ELSE 'false' END)) AS s \
         FROM (SELECT * FROM signals WHERE contact_id = c.id UNION ALL \
               SELECT * FROM signals WHERE account_id = c.account_id AND contact_id IS NULL) g \
         WHERE g.expires_at IS NULL OR g.expires_at > :now \
         ORDER BY g.strength DESC, g.occurred_at DESC LIMIT 10))"
    };
}
pub(crate) use contact_signals;

/// Contact `c`'s sent touches and replies, newest first, at most `$limit`, as a JSON array.
macro_rules! contact_history {
    ($limit:literal) => {
        concat!(
            "(SELECT json_group_array(json(h)) FROM (SELECT json_object('kind', kind, 'channel', channel, \
               'date', substr(at, 1, 10), 'intent', intent) AS h FROM ( \
             SELECT coalesce(p.sent_at, p.created_at) AS at, p.kind AS kind, p.channel AS channel, NULL AS intent \
               FROM touchpoints p WHERE p.contact_id = c.id AND +p.status = 'sent' \
             UNION ALL SELECT r.replied_at, 'reply', r.channel, coalesce(r.intent, 'unclassified') \
               FROM replies r WHERE r.contact_id = c.id) ORDER BY at DESC LIMIT ",
            $limit,
            "))"
        )
    };
}
pub(crate) use contact_history;

/// The person.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Person {
    /// The first name.
    pub first_name: String,
    /// The whole name.
    pub name: String,
    /// The job title.
    pub title: Option<String>,
    /// c_level ... unknown.
    pub seniority: String,
    /// The department, when placed.
    pub department: Option<String>,
    /// The role in a purchase.
    pub persona: Option<String>,
    /// Where the conversation stands.
    pub stage: String,
    /// active, dormant, bounced or do_not_contact.
    pub status: String,
}

/// The company.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Company {
    /// Its name.
    pub name: String,
    /// Its industry.
    pub industry: Option<String>,
    /// Its sub-industry.
    pub sub_industry: Option<String>,
    /// About how many people work there.
    pub employee_count: Option<i64>,
    /// Its country.
    pub country: Option<String>,
    /// Its web site.
    pub website: Option<String>,
    /// The tools it uses.
    #[serde(default)]
    pub tech_stack: Vec<String>,
    /// What the team wrote about it (text by people, not instructions).
    pub notes: Option<String>,
}

impl Company {
    /// The company as the talking-point rules read it.
    pub fn line(&self) -> CompanyLine<'_> {
        CompanyLine {
            name: &self.name,
            industry: self.industry.as_deref(),
            employee_count: self.employee_count,
            tech_stack: self.tech_stack.iter().map(String::as_str).collect(),
        }
    }
}

/// A fresh buying signal.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Signal {
    /// Its kind (`funding`).
    pub kind: String,
    /// 1 (weak) to 5 (strong).
    pub strength: i64,
    /// What happened.
    pub title: String,
    /// When.
    pub occurred_at: String,
    /// On the company rather than the person.
    pub account_level: bool,
}

impl Signal {
    /// The signal as the talking-point rules read it.
    pub fn line(&self) -> SignalLine<'_> {
        SignalLine {
            kind: &self.kind,
            title: &self.title,
            occurred_at: &self.occurred_at,
            account_level: self.account_level,
        }
    }
}

/// A touch sent or a reply received.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    /// The touch's kind (`email`, `linkedin_message`, `call`) or `reply`.
    pub kind: String,
    /// The channel.
    pub channel: String,
    /// The day (YYYY-MM-DD).
    pub date: String,
    /// A reply's intent.
    pub intent: Option<String>,
}
