//! Who may do what: the one permission table, the signed-in principal, and the checks every
//! route goes through (see `http::handle`). Role rules follow SPEC.md section 4; token scopes
//! narrow what a token's user may do, never widen it.
//!
//! Platform layer (see the crate's documentation): it names no feature, only other platform
//! modules; `cargo xtask layers` checks it.

mod authenticate;
pub mod cookie;
mod credential_sql;
pub mod rate_limit;
pub mod secrets;

use ::http::Request;

pub use authenticate::{API_BUDGET_PER_MINUTE, Leases, authenticate, vouched};

use crate::audit::Actor;
use crate::domain::enums::Role;
use crate::error::{AppError, AppResult};

crate::closed_enum! {
    /// What an API token may be used for: read < write < admin, each including the ones below.
    pub enum Scope { Read => "read", Write => "write", Admin => "admin" }
}

/// Everything a route can require.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read the team's data (everyone signed in sees all of it).
    ReadData,
    /// Create and change the team's data; for owned records a bdr is further limited to what
    /// it owns or nobody owns, which the handler checks on the row.
    WriteData,
    /// Delete records outright.
    DeleteData,
    /// Overrule the rules of the workflow: move a contact outside the stage table, lift a
    /// bounce or a do-not-contact.
    Override,
    /// Erase a person's data on their request.
    Erase,
    /// Read the audit log.
    ReadAudit,
    /// Create, change and disable users.
    ManageUsers,
    /// Change team-wide settings (the ICP model, pacing).
    ManageSettings,
    /// Create, change and retire sequences, and switch their autopilot.
    ManageSequences,
    /// Create and change the sender mailboxes.
    ManageIdentities,
    /// Start, cancel and retry swarms: a pipeline of agents over up to a thousand contacts,
    /// audited as its creator, whatever each contact's owner.
    StartSwarms,
    /// Take an entry off the suppression list.
    LiftSuppression,
    /// Read one's own account (`/auth/me`, own sessions, own tokens).
    ReadSelf,
    /// Change one's own account: password, sessions, tokens.
    ManageSelf,
}

use Role::{Admin, Bdr, Manager, Viewer};

/// The permission table: per action, the token scope it needs and the roles allowed.
const PERMISSIONS: &[(Action, Scope, &[Role])] = &[
    (Action::ReadData, Scope::Read, &[Admin, Manager, Bdr, Viewer]),
    (Action::WriteData, Scope::Write, &[Admin, Manager, Bdr]),
    (Action::DeleteData, Scope::Write, &[Admin, Manager]),
    (Action::Override, Scope::Write, &[Admin, Manager]),
    (Action::Erase, Scope::Admin, &[Admin]),
    (Action::ReadAudit, Scope::Read, &[Admin, Manager]),
    (Action::ManageUsers, Scope::Admin, &[Admin]),
    (Action::ManageSettings, Scope::Admin, &[Admin]),
    (Action::ManageSequences, Scope::Write, &[Admin, Manager]),
    (Action::ManageIdentities, Scope::Write, &[Admin, Manager]),
    (Action::StartSwarms, Scope::Write, &[Admin, Manager]),
    (Action::LiftSuppression, Scope::Admin, &[Admin]),
    (Action::ReadSelf, Scope::Read, &[Admin, Manager, Bdr, Viewer]),
    (Action::ManageSelf, Scope::Admin, &[Admin, Manager, Bdr, Viewer]),
];

impl Action {
    fn rule(self) -> (Scope, &'static [Role]) {
        PERMISSIONS.iter().find(|(a, _, _)| *a == self).map_or((Scope::Admin, &[][..]), |(_, s, r)| (*s, *r))
    }

    /// Whether `role` may do this at all.
    pub fn allows(self, role: Role) -> bool {
        self.rule().1.contains(&role)
    }

    /// The token scope this needs.
    pub fn scope(self) -> Scope {
        self.rule().0
    }
}

/// What a route requires of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (SPEC.md section 4's exemptions: health, openapi.json, login, ...).
    Public,
    /// A signed-in user (session or token) allowed this action.
    Signed(Action),
}

/// How the caller proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A session cookie; the secret is kept to derive the CSRF token.
    Session {
        /// The session's id.
        id: String,
        /// The cookie's secret.
        secret: String,
    },
    /// An API token with its scope.
    Token {
        /// The token's id.
        id: String,
        /// The widest scope the token carries.
        scope: Scope,
    },
}

/// The signed-in caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user's id.
    pub user_id: String,
    /// The user's email.
    pub email: String,
    /// The user's name.
    pub name: String,
    /// The user's role.
    pub role: Role,
    /// Session or token.
    pub via: Via,
}

impl Principal {
    /// A bdr works only contacts it owns or nobody owns (SPEC.md section 4); managers and admins
    /// work every contact. `owner` is the contact's owner.
    pub fn require_owner(&self, owner: Option<&str>) -> AppResult<()> {
        if self.role == Role::Bdr && owner.is_some_and(|o| o != self.user_id) {
            return Err(AppError::Forbidden("this contact belongs to another user".to_owned()));
        }
        Ok(())
    }

    /// Whether this caller may do `action`: its role must allow it, and a token's scope must
    /// reach the action's scope.
    pub fn may(&self, action: Action) -> bool {
        let scope_ok = match &self.via {
            Via::Session { .. } => true,
            Via::Token { scope, .. } => *scope >= action.scope(),
        };
        scope_ok && action.allows(self.role)
    }

    /// Fails with 403 unless this caller may do `action`.
    pub fn require(&self, action: Action) -> AppResult<()> {
        if self.may(action) {
            return Ok(());
        }
        Err(match &self.via {
            Via::Token { scope, .. } if *scope < action.scope() && action.allows(self.role) => {
                AppError::Forbidden(format!("this API token has the {} scope; this needs {}", scope, action.scope()))
            }
            _ => AppError::Forbidden(format!("your role ({}) cannot do this", self.role)),
        })
    }

    /// The audit actor for changes this caller makes.
    pub fn actor(&self, request_id: &str) -> Actor {
        let name = match &self.via {
            Via::Session { .. } => format!("user:{}", self.user_id),
            Via::Token { id, .. } => format!("token:{id}"),
        };
        Actor { name, user_id: Some(self.user_id.clone()), request_id: Some(request_id.to_owned()) }
    }

    /// The signed-in caller of a request that passed the pipeline's access check.
    pub fn of<B>(req: &Request<B>) -> AppResult<&Principal> {
        req.extensions().get::<Principal>().ok_or(AppError::Unauthorized)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Role, via: Via) -> Principal {
        Principal { user_id: "u".into(), email: "e".into(), name: "n".into(), role, via }
    }

    fn session() -> Via {
        Via::Session { id: "s".into(), secret: "x".into() }
    }

    #[test]
    fn every_action_has_exactly_one_rule() {
        let all = [
            Action::ReadData,
            Action::WriteData,
            Action::DeleteData,
            Action::Override,
            Action::Erase,
            Action::ReadAudit,
            Action::ManageUsers,
            Action::ManageSettings,
            Action::ManageSequences,
            Action::StartSwarms,
            Action::ReadSelf,
            Action::ManageSelf,
        ];
        for action in all {
            assert_eq!(PERMISSIONS.iter().filter(|(a, _, _)| *a == action).count(), 1, "{action:?}");
        }
    }

    #[test]
    fn roles_follow_the_spec() {
        let cases = [
            (Viewer, Action::ReadData, true),
            (Viewer, Action::WriteData, false),
            (Viewer, Action::ManageSelf, true),
            (Bdr, Action::WriteData, true),
            (Bdr, Action::DeleteData, false),
            (Bdr, Action::ReadAudit, false),
            (Manager, Action::DeleteData, true),
            (Manager, Action::ReadAudit, true),
            (Manager, Action::ManageUsers, false),
            (Admin, Action::ManageUsers, true),
            (Bdr, Action::ManageSequences, false),
            (Manager, Action::ManageSequences, true),
            (Bdr, Action::StartSwarms, false),
            (Manager, Action::StartSwarms, true),
        ];
        for (role, action, expected) in cases {
            assert_eq!(principal(role, session()).may(action), expected, "{role} {action:?}");
        }
    }

    #[test]
    fn token_scopes_narrow_a_role_and_never_widen_it() {
        let token = |scope| Via::Token { id: "t".into(), scope };
        assert!(principal(Admin, token(Scope::Read)).may(Action::ReadData));
        assert!(!principal(Admin, token(Scope::Read)).may(Action::WriteData));
        assert!(principal(Admin, token(Scope::Write)).may(Action::DeleteData));
        assert!(!principal(Admin, token(Scope::Write)).may(Action::ManageUsers));
        assert!(principal(Admin, token(Scope::Admin)).may(Action::ManageUsers));
        assert!(!principal(Viewer, token(Scope::Admin)).may(Action::WriteData));
        let err = principal(Admin, token(Scope::Read)).require(Action::WriteData).expect_err("403");
        assert!(err.to_string().contains("scope"), "{err}");
    }
}
