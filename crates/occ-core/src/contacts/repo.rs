//! Contact storage: small named functions over a connection, constant SQL with bound values.

use libsql::named_params;
use serde::{Deserialize, Serialize};

use super::erased::{erased_hash, erased_refusal, is_erased};
use super::{ContactChanges, ContactFields};
use crate::audit::{self, Actor};
use crate::domain::enums::{ContactStatus, Department, Seniority, Stage};
use crate::domain::{new_id, now};
use crate::error::{AppError, AppResult, EntityRef, FieldError};
use crate::lifecycle::Lifecycle;
use crate::store::{Batch, Conn, Row, from_row, single};

pub(super) const ENTITY: &str = "contact";

/// The company a contact works at, as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AccountSummary {
    /// The account's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its domain.
    pub domain: Option<String>,
}

/// A contact as the API answers it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct Contact {
    pub id: String,
    pub first_name: String,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub seniority: Seniority,
    pub department: Option<Department>,
    pub persona: Option<String>,
    pub email: Option<String>,
    pub linkedin_url: Option<String>,
    pub phone: Option<String>,
    pub timezone: Option<String>,
    pub stage: Stage,
    pub status: ContactStatus,
    /// 0-100, from the ICP model.
    pub priority_score: i64,
    /// Each factor's contribution to the score.
    #[schema(value_type = Object)]
    pub priority_factors: serde_json::Value,
    pub owner_id: Option<String>,
    pub account_id: Option<String>,
    pub account: Option<AccountSummary>,
    pub notes: Option<String>,
    pub last_touch_at: Option<String>,
    pub next_action_at: Option<String>,
    /// The stages the contact may move to without an override.
    #[schema(value_type = Vec<String>)]
    pub next_stages: &'static [Stage],
    pub created_at: String,
    pub updated_at: String,
}

/// The columns every query returns (the account's name and domain by lookups into an index
/// that holds them, migration 0008, so RETURNING can answer them too).
macro_rules! contact_columns {
    () => {
        "id, first_name, last_name, title, seniority, department, persona, email, linkedin_url, phone, timezone, \
         stage, status, priority_score, priority_factors, owner_id, account_id, notes, last_touch_at, next_action_at, \
         created_at, updated_at, \
         (SELECT a.name FROM accounts a INDEXED BY idx_accounts_names WHERE a.id = contacts.account_id) AS account_name, \
         (SELECT a.domain FROM accounts a INDEXED BY idx_accounts_names WHERE a.id = contacts.account_id) AS account_domain"
    };
}
pub(crate) use contact_columns;

/// A contact's row: the columns of [`contact_columns!`] (a statement's own columns after them
/// are read from the same row into a struct of their own).
#[derive(Deserialize)]
pub(crate) struct ContactRow {
    id: String,
    first_name: String,
    last_name: Option<String>,
    title: Option<String>,
    seniority: Seniority,
    department: Option<Department>,
    persona: Option<String>,
    email: Option<String>,
    linkedin_url: Option<String>,
    phone: Option<String>,
    timezone: Option<String>,
    stage: Stage,
    status: ContactStatus,
    priority_score: i64,
    #[serde(deserialize_with = "crate::store::json")]
    priority_factors: serde_json::Value,
    owner_id: Option<String>,
    account_id: Option<String>,
    notes: Option<String>,
    last_touch_at: Option<String>,
    next_action_at: Option<String>,
    created_at: String,
    updated_at: String,
    account_name: Option<String>,
    account_domain: Option<String>,
}

impl ContactRow {
    /// The contact.
    pub(crate) fn into_contact(self) -> Contact {
        let account = match (&self.account_id, self.account_name) {
            (Some(id), Some(name)) => Some(AccountSummary { id: id.clone(), name, domain: self.account_domain }),
            _ => None,
        };
        Contact {
            id: self.id,
            first_name: self.first_name,
            last_name: self.last_name,
            title: self.title,
            seniority: self.seniority,
            department: self.department,
            persona: self.persona,
            email: self.email,
            linkedin_url: self.linkedin_url,
            phone: self.phone,
            timezone: self.timezone,
            stage: self.stage,
            next_stages: self.stage.next_statuses(),
            status: self.status,
            priority_score: self.priority_score,
            priority_factors: self.priority_factors,
            owner_id: self.owner_id,
            account_id: self.account_id,
            account,
            notes: self.notes,
            last_touch_at: self.last_touch_at,
            next_action_at: self.next_action_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// Reads a contact from the columns of [`contact_columns!`].
pub(crate) fn decode(row: &Row) -> AppResult<Contact> {
    from_row::<ContactRow>(row).map(ContactRow::into_contact)
}

/// Turns a failed write into the error a person can act on: a taken email or LinkedIn URL is a
/// 409 naming the contact that has it; a missing account or owner is a 422 naming the field.
async fn explain(
    conn: &Conn,
    err: AppError,
    email: Option<&str>,
    linkedin: Option<&str>,
    account: Option<&str>,
) -> AppError {
    match &err {
        AppError::Conflict { fields, .. } if !fields.is_empty() => {
            let (field, value) = match fields[0].field.as_str() {
                "email" => ("email", email),
                "linkedin_url" => ("linkedin_url", linkedin),
                _ => return err,
            };
            let Some(value) = value else { return err };
            let existing = conn
                .query_opt("SELECT id FROM contacts WHERE email = ?1 OR linkedin_url = ?1", [value], single::<String>)
                .await
                .ok()
                .flatten();
            let message = format!("a contact with {field} {value} already exists");
            AppError::Conflict {
                fields: vec![FieldError::new(field, "unique", message.clone())],
                message,
                conflicts_with: existing.map(|id| EntityRef { entity: ENTITY, id }),
            }
        }
        AppError::Conflict { fields, .. } if fields.is_empty() => {
            // A foreign key: the account or the owner does not exist.
            let account_missing = match account {
                Some(id) => conn
                    .query_opt("SELECT 1 FROM accounts WHERE id = ?1", [id], |_| Ok(()))
                    .await
                    .is_ok_and(|found| found.is_none()),
                None => false,
            };
            if account_missing {
                AppError::invalid("account_id", "exists", "no account has this id")
            } else {
                AppError::invalid("owner_id", "exists", "no user has this id")
            }
        }
        _ => err,
    }
}

/// Inserts a contact owned by `owner`, scored as it is inserted (one round trip: the audit
/// entry and the insert with the commit).
pub async fn insert(conn: &Conn, actor: &Actor, fields: &ContactFields, owner: Option<&str>) -> AppResult<Contact> {
    let (id, at) = (new_id(), now());
    let (id, at) = (id.as_str(), at.as_str());
    let email = fields.email.as_ref().map(|e| e.as_str());
    let mut batch = Batch::new();
    audit::record_in(&mut batch, actor, "contact.create", ENTITY, id, None)?;
    let inserted = batch.push(
        concat!(
            "INSERT INTO contacts (id, account_id, first_name, last_name, title, seniority, department, persona, \
             email, linkedin_url, phone, timezone, stage, status, owner_id, notes, priority_score, priority_factors, \
             priority_version, created_at, updated_at) \
             SELECT :id, :account_id, :first_name, :last_name, :title, :seniority, :department, :persona, \
             :email, :linkedin_url, :phone, :timezone, :stage, :status, :owner_id, :notes, s.score, s.factors, \
             s.version, :now, :now FROM (",
            crate::contacts::scoring::sql::score_sql!(":seniority", ":department", ":stage", ":account_id", ":id"),
            ") s WHERE NOT EXISTS (SELECT 1 FROM email_suppression WHERE reason = 'erased' AND \
             ((kind = 'email' AND value_hash = :email_hash) OR (kind = 'linkedin' AND value_hash = :linkedin_hash))) \
             RETURNING ",
            contact_columns!()
        ),
        named_params! {
            ":id": id, ":account_id": fields.account_id.as_deref(),
            ":first_name": fields.first_name.as_str(), ":last_name": fields.last_name.as_deref(),
            ":title": fields.title.as_deref(), ":seniority": fields.seniority.as_str(),
            ":department": fields.department.map(Department::as_str), ":persona": fields.persona.as_deref(),
            ":email": email, ":linkedin_url": fields.linkedin_url.as_deref(), ":phone": fields.phone.as_deref(),
            ":timezone": fields.timezone.as_deref(), ":stage": fields.stage.as_str(),
            ":status": fields.status.as_str(), ":owner_id": owner, ":notes": fields.notes.as_deref(),
            ":now": at, ":email_hash": email.map(erased_hash),
            ":linkedin_hash": fields.linkedin_url.as_deref().map(erased_hash),
        },
    )?;
    // No row inserted: the person was erased.
    let erased = erased_refusal(if email.is_some() { "email" } else { "linkedin_url" });
    batch.require("changes() = 1", (), erased)?;
    let written = conn.batch(batch).await.map(|outcome| (outcome, inserted));
    let result = written.and_then(|(outcome, inserted)| outcome.one(ENTITY, inserted, decode));
    match result {
        Ok(contact) => Ok(contact),
        Err(err) => Err(explain(conn, err, email, fields.linkedin_url.as_deref(), fields.account_id.as_deref()).await),
    }
}

/// One contact.
pub async fn get(conn: &Conn, id: &str) -> AppResult<Contact> {
    conn.query_one(ENTITY, concat!("SELECT ", contact_columns!(), " FROM contacts WHERE id = ?1"), [id], decode).await
}

/// Who may change a contact: anyone, or (for a bdr) only when it owns it or nobody does.
#[derive(Debug, Clone, Copy)]
pub enum Editor<'a> {
    /// Managers and admins.
    Anyone,
    /// A bdr: the contact must be theirs or nobody's.
    Owner(&'a str),
}

/// The update of a contact from a [`ContactChanges`]; `$score` is empty, or sets the score when
/// the change moves it.
macro_rules! update_sql {
    ($score:expr) => {
        concat!(
            "UPDATE contacts SET \
             first_name = CASE WHEN :set_first_name THEN :first_name ELSE first_name END, \
             last_name = CASE WHEN :set_last_name THEN :last_name ELSE last_name END, \
             title = CASE WHEN :set_title THEN :title ELSE title END, \
             seniority = CASE WHEN :set_seniority THEN :seniority ELSE seniority END, \
             department = CASE WHEN :set_department THEN :department ELSE department END, \
             persona = CASE WHEN :set_persona THEN :persona ELSE persona END, \
             email = CASE WHEN :set_email THEN :email ELSE email END, \
             linkedin_url = CASE WHEN :set_linkedin_url THEN :linkedin_url ELSE linkedin_url END, \
             phone = CASE WHEN :set_phone THEN :phone ELSE phone END, \
             timezone = CASE WHEN :set_timezone THEN :timezone ELSE timezone END, \
             account_id = CASE WHEN :set_account_id THEN :account_id ELSE account_id END, \
             owner_id = CASE WHEN :set_owner_id THEN :owner_id ELSE owner_id END, \
             notes = CASE WHEN :set_notes THEN :notes ELSE notes END, \
             updated_at = :now",
            $score,
            " WHERE id = :id AND (:any OR owner_id IS NULL OR owner_id = :me) \
             AND NOT EXISTS (SELECT 1 FROM email_suppression WHERE reason = 'erased' AND \
             ((kind = 'email' AND value_hash = :email_hash) OR (kind = 'linkedin' AND value_hash = :linkedin_hash))) \
             RETURNING ",
            contact_columns!()
        )
    };
}

/// [`update_sql!`] for a change that does not move the score.
const UPDATE: &str = update_sql!("");

/// [`update_sql!`] for a change of seniority, department or account: the score as of the
/// changed row, computed by the statement.
const UPDATE_RESCORING: &str = update_sql!(concat!(
    ", (priority_score, priority_factors, priority_version) = (",
    crate::contacts::scoring::sql::score_sql!(
        "CASE WHEN :set_seniority THEN :seniority ELSE contacts.seniority END",
        "CASE WHEN :set_department THEN :department ELSE contacts.department END",
        "contacts.stage",
        "CASE WHEN :set_account_id THEN :account_id ELSE contacts.account_id END",
        "contacts.id"
    ),
    ")"
));

/// Applies `changes`, in one round trip: the audit entry and the update (rescoring the contact
/// when seniority, department or account change) with the commit. `NotFound` when there is no
/// such contact; 403 when a bdr does not own it.
pub async fn update(
    conn: &Conn,
    actor: &Actor,
    id: &str,
    changes: &ContactChanges,
    editor: Editor<'_>,
) -> AppResult<Contact> {
    let set = |present: bool| i64::from(present);
    let email = changes.email.as_ref().and_then(|e| e.as_ref().map(|e| e.as_str()));
    let (any, me) = match editor {
        Editor::Anyone => (1, None),
        Editor::Owner(user) => (0, Some(user)),
    };
    let at = now();
    let rescores = changes.seniority.is_some() || changes.department.is_some() || changes.account_id.is_some();
    let mut batch = Batch::new();
    audit::record_in(&mut batch, actor, "contact.update", ENTITY, id, None)?;
    let updated = batch.push(
        if rescores { UPDATE_RESCORING } else { UPDATE },
        named_params! {
            ":id": id, ":now": at.as_str(), ":any": any, ":me": me, ":email_hash": email.map(erased_hash),
            ":linkedin_hash": changes.linkedin_url.as_ref().and_then(|l| l.as_deref()).map(erased_hash),
            ":set_first_name": set(changes.first_name.is_some()), ":first_name": changes.first_name.as_deref(),
            ":set_last_name": set(changes.last_name.is_some()), ":last_name": changes.last_name.clone().flatten(),
            ":set_title": set(changes.title.is_some()), ":title": changes.title.clone().flatten(),
            ":set_seniority": set(changes.seniority.is_some()), ":seniority": changes.seniority.map(Seniority::as_str),
            ":set_department": set(changes.department.is_some()),
            ":department": changes.department.flatten().map(Department::as_str),
            ":set_persona": set(changes.persona.is_some()), ":persona": changes.persona.clone().flatten(),
            ":set_email": set(changes.email.is_some()), ":email": email,
            ":set_linkedin_url": set(changes.linkedin_url.is_some()),
            ":linkedin_url": changes.linkedin_url.clone().flatten(),
            ":set_phone": set(changes.phone.is_some()), ":phone": changes.phone.clone().flatten(),
            ":set_timezone": set(changes.timezone.is_some()), ":timezone": changes.timezone.clone().flatten(),
            ":set_account_id": set(changes.account_id.is_some()), ":account_id": changes.account_id.clone().flatten(),
            ":set_owner_id": set(changes.owner_id.is_some()), ":owner_id": changes.owner_id.clone().flatten(),
            ":set_notes": set(changes.notes.is_some()), ":notes": changes.notes.clone().flatten(),
        },
    )?;
    // Nothing updated: the contact is missing, another user's, or would take an erased
    // person's address; which one is found out after the rollback.
    batch.require("changes() = 1", (), AppError::NotFound(ENTITY))?;
    let written = conn.batch(batch).await.map(|outcome| (outcome, updated));
    let result = match written {
        Ok((outcome, updated)) => outcome.one(ENTITY, updated, decode),
        Err(AppError::NotFound(_)) => {
            let linkedin = changes.linkedin_url.as_ref().and_then(|l| l.as_deref());
            if is_erased(conn, email, linkedin).await? {
                return Err(erased_refusal(if email.is_some() { "email" } else { "linkedin_url" }));
            }
            let exists = conn.query_opt("SELECT 1 FROM contacts WHERE id = ?1", [id], |_| Ok(())).await?.is_some();
            Err(if exists {
                AppError::Forbidden("this contact belongs to another user".to_owned())
            } else {
                AppError::NotFound(ENTITY)
            })
        }
        Err(err) => Err(err),
    };
    match result {
        Ok(contact) => Ok(contact),
        Err(err) => {
            let linkedin = changes.linkedin_url.as_ref().and_then(|l| l.as_deref());
            let account = changes.account_id.as_ref().and_then(|a| a.as_deref());
            Err(explain(conn, err, email, linkedin, account).await)
        }
    }
}

/// Deletes a contact (four calls) and, by cascade, everything that is only about them.
pub async fn delete(conn: &Conn, actor: &Actor, id: &str) -> AppResult<()> {
    conn.immediate(async |conn| {
        audit::record(conn, actor, "contact.delete", ENTITY, id).await?;
        conn.query_one(ENTITY, "DELETE FROM contacts WHERE id = ?1 RETURNING id", [id], single::<String>).await
    })
    .await
    .map(|_| ())
}
