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
/** Change settings such as the ICP model (everyone may read them): admins only. */
export const canManageSettings = (user) => roleOf(user) === 'admin';

/** Create contacts and edit them, signals included: everyone but viewers (see canEditContact). */
export const canWriteContacts = (user) => WRITERS.includes(roleOf(user));
/** Delete contacts: managers and admins. */
export const canDeleteContacts = (user) => LEADS.includes(roleOf(user));
/** Move a contact to any stage, with a reason: managers and admins. */
export const canOverrideStage = (user) => LEADS.includes(roleOf(user));
/** Edit this contact: managers and admins any; a bdr those it owns or nobody owns. */
export const canEditContact = (user, contact) => {
  const role = roleOf(user);
  if (LEADS.includes(role)) return true;
  return role === 'bdr' && Boolean(contact) && (!contact.owner_id || contact.owner_id === user.id);
};

/** Change this batch's members: managers and admins any; a bdr its own or nobody's. */
export const canChangeBatch = (user, batch) => {
  const role = roleOf(user);
  if (LEADS.includes(role)) return true;
  return role === 'bdr' && Boolean(batch) && (!batch.owner_id || batch.owner_id === user.id);
};

/** The signed-in user (null when signed out); re-renders the caller when it changes. */
export function useUser() {
  const [user, setUser] = useState(() => getSession().user);
  useEffect(() => onSessionChange((s) => setUser(s.user)), []);
  return user;
}

/** Review drafts (approve, reject, edit): everyone but viewers. */
export const canReviewDrafts = (user) => WRITERS.includes(roleOf(user));
/** Create and change sequences (everyone may read them): managers and admins. */
export const canWriteSequences = (user) => LEADS.includes(roleOf(user));
/** Create, change, test and delete sender identities (everyone may read them): managers and admins. */
export const canManageIdentities = (user) => LEADS.includes(roleOf(user));
/** Add to the suppression list and import into it: everyone but viewers. */
export const canWriteSuppression = (user) => WRITERS.includes(roleOf(user));
/** Lift a suppression entry: admins only. */
export const canLiftSuppression = (user) => roleOf(user) === 'admin';
/** Start, cancel and retry agent swarms over a batch: managers and admins. */
export const canRunSwarms = (user) => LEADS.includes(roleOf(user));
/** Run an agent on a contact (Research, Draft with AI): everyone but viewers, on the contacts they may edit. */
export const canRunAgents = (user) => WRITERS.includes(roleOf(user));
/** Create, start, pause and complete experiments (everyone may read them): managers and admins. */
export const canManageExperiments = (user) => LEADS.includes(roleOf(user));
