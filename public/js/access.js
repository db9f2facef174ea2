// Who may do what, as the app shows it: the signed-in user (a hook that follows sign-in and
// sign-out) and the role checks used to hide actions a role cannot take. The server enforces
// the same rules; this only keeps people from clicking buttons that would answer 403.
import { useEffect, useState } from './preact.js';
import { getSession, onSessionChange } from './api.js';

export const ROLES = [
  { value: 'admin', label: 'Admin', hint: 'Everything, including users and settings' },
  { value: 'manager', label: 'Manager', hint: 'All data, deletes, audit log' },
  { value: 'bdr', label: 'BDR', hint: 'Creates and edits accounts' },
  { value: 'viewer', label: 'Viewer', hint: 'Reads only' },
];

export function roleLabel(role) {
  const found = ROLES.find((r) => r.value === role);
  return found ? found.label : role || 'unknown';
}

const WRITERS = ['admin', 'manager', 'bdr'];
const LEADS = ['admin', 'manager'];

function roleOf(user) {
  return user && !user.disabled ? user.role : null;
}

/** Create and edit accounts: everyone but viewers. */
export const canWriteAccounts = (user) => WRITERS.includes(roleOf(user));
/** Delete accounts: managers and admins. */
export const canDeleteAccounts = (user) => LEADS.includes(roleOf(user));
/** Read the audit log: managers and admins. */
export const canReadAudit = (user) => LEADS.includes(roleOf(user));
/** Settings → Users: admins only. */
export const canManageUsers = (user) => roleOf(user) === 'admin';

/** The signed-in user (null when signed out); re-renders the caller when it changes. */
export function useUser() {
  const [user, setUser] = useState(() => getSession().user);
  useEffect(() => onSessionChange((s) => setUser(s.user)), []);
  return user;
}
