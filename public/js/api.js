// The one API client: every call to /api goes through `request`, which parses JSON, turns
// every non-2xx answer (and network failures) into an `ApiError`, and keeps the request id
// the server sets on each response. It also owns the signed-in session: the user and the
// CSRF token (kept in memory only), the X-CSRF-Token header on every state-changing call, and
// what happens on 401 (go to the sign-in page) and 403 (say which role cannot do this).
import { navigate } from './router.js';

const API_BASE = '/api/v1';

/** An error answer from the API, parsed from the envelope
 *  `{"error": {"code", "message", "fields": [{field, rule, message}]}, "request_id"}`. */
export class ApiError extends Error {
  constructor({ status, code, message, fields = [], requestId = null, retryAfter = null, conflictsWith = null, detail = null }) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
    /** On a 409: `{entity, id}` of the record this one collides with, when the server says. */
    this.conflictsWith = conflictsWith;
    this.requestId = requestId;
    /** On a 429: seconds to wait, from the Retry-After header (a number, or null). */
    this.retryAfter = retryAfter;
    /** The server's own message when `message` was rewritten for people (a 403). */
    this.detail = detail;
  }

  /**
   * What the error says, for a person to read once: `message`, capitalised, and `details`, each
   * field's message the main message does not already say, named by its field.
   */
  lines() {
    const message = capitalise(this.message || 'Something went wrong');
    const said = message.toLowerCase();
    const details = [];
    for (const f of this.fields || []) {
      const text = f && (f.message || f.rule);
      if (!text || said.includes(String(text).toLowerCase())) continue;
      const line = f.field ? `${f.field}: ${text}` : text;
      if (!details.includes(line)) details.push(line);
    }
    return { message, details };
  }

  /** The field errors grouped by top-level field name: `tech_stack[2]` counts as `tech_stack`. */
  fieldErrors() {
    const out = {};
    for (const f of this.fields) {
      if (!f || typeof f.field !== 'string') continue;
      // Accepts `domain`, `tech_stack[2]`, `tech_stack.2` and JSON pointers like `/domain`.
      const key = f.field.replace(/^[$/.]+/, '').split(/[./[]/, 1)[0];
      (out[key] ||= []).push(f.message || f.rule || 'is invalid');
    }
    return out;
  }
}

/** `text` with its first letter in capitals. */
export function capitalise(text) {
  const s = String(text || '');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** `prefix: message`, unless the message already begins with what the prefix says. */
export function prefixed(prefix, message) {
  const m = String(message || '');
  return m.toLowerCase().startsWith(prefix.toLowerCase()) ? capitalise(m) : `${prefix}: ${m}`;
}

function buildUrl(path, query) {
  const url = new URL(API_BASE + path, window.location.origin);
  if (query) {
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined || value === null || value === '') continue;
      url.searchParams.set(key, String(value));
    }
  }
  return url.pathname + url.search;
}

async function readJson(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorFrom(response, body) {
  const requestId = (body && body.request_id) || response.headers.get('x-request-id');
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
  const err = body && typeof body === 'object' ? body.error : null;
  if (err && typeof err === 'object') {
    return new ApiError({
      status: response.status,
      code: err.code || `http_${response.status}`,
      message: err.message || response.statusText || `Request failed (${response.status})`,
      fields: Array.isArray(err.fields) ? err.fields : [],
      requestId,
      retryAfter,
      conflictsWith: err.conflicts_with && typeof err.conflicts_with === 'object' ? err.conflicts_with : null,
    });
  }
  return new ApiError({
    status: response.status,
    code: `http_${response.status}`,
    message: `The server answered ${response.status} ${response.statusText || ''}`.trim(),
    requestId,
    retryAfter,
  });
}

/** Retry-After is seconds or an HTTP date; either becomes whole seconds from now. */
function parseRetryAfter(value) {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

// ---- The session: who is signed in, and the CSRF token for their cookie session ----

let session = { user: null, csrfToken: null, via: null };
const sessionListeners = new Set();

/** `{ user, csrfToken, via }`; `user` is null when nobody is signed in. */
export function getSession() {
  return session;
}

/** Calls `fn(session)` on every sign-in, sign-out and refresh; returns the unsubscribe. */
export function onSessionChange(fn) {
  sessionListeners.add(fn);
  return () => sessionListeners.delete(fn);
}

function setSession(next) {
  session = next;
  for (const fn of sessionListeners) fn(session);
}

function clearSession() {
  if (session.user || session.csrfToken) setSession({ user: null, csrfToken: null, via: null });
}

/** `/login?next=<where we are>`, so signing in comes back here. */
export function loginPath(next = window.location.pathname + window.location.search) {
  return next && next !== '/' && !next.startsWith('/login') ? `/login?next=${encodeURIComponent(next)}` : '/login';
}

/** Leaves for the sign-in page (once, even when several calls fail together). */
function toLogin() {
  clearSession();
  if (window.location.pathname !== '/login') navigate(loginPath(), { replace: true });
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

function isCsrfRefusal(error) {
  return error.status === 403 && /csrf/i.test(`${error.code} ${error.message}`);
}

/** A 403 in words people understand, keeping the server's own message as `detail`. */
function forbidden(error) {
  const role = session.user && session.user.role;
  error.detail = error.message;
  error.message = role ? `Your role (${role}) can't do this.` : "You don't have permission to do this.";
  return error;
}

async function send(method, path, { query, body, raw, signal }) {
  const headers = { accept: 'application/json' };
  const init = { method, headers, signal, credentials: 'same-origin' };
  if (raw) {
    headers['content-type'] = raw.contentType;
    init.body = raw.data;
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (!SAFE_METHODS.has(method) && session.csrfToken) headers['x-csrf-token'] = session.csrfToken;
  try {
    return await fetch(buildUrl(path, query), init);
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError({
      status: 0,
      code: 'network_error',
      message: 'Could not reach the server. Check your connection and try again.',
    });
  }
}

/**
 * Calls the API. Resolves with the parsed JSON body (null for 204), rejects with `ApiError`.
 * `body` is sent as JSON; `raw: { data, contentType }` sends `data` (a string or Blob) as it is.
 * An aborted call rejects with the browser's AbortError, which callers ignore.
 *
 * On a 401 the session is over: the app goes to the sign-in page and the returned promise
 * never settles, because the screen that made the call is leaving and has nothing to show.
 * `signIn: true` marks the calls that are themselves about signing in (login, me), whose 401
 * is an answer for the caller. A 403 for a missing or stale CSRF token is retried once after
 * asking the server for the current token.
 */
export async function request(method, path, { query, body, raw, signal, signIn = false, retried = false, withStatus = false } = {}) {
  const response = await send(method, path, { query, body, raw, signal });
  const parsed = await readJson(response);
  if (!response.ok) {
    const error = errorFrom(response, parsed);
    if (error.status === 401 && !signIn) {
      toLogin();
      return new Promise(() => {});
    }
    if (isCsrfRefusal(error) && !retried && !signIn) {
      const fresh = await auth.me().catch(() => null);
      if (!fresh) {
        toLogin();
        return new Promise(() => {});
      }
      return request(method, path, { query, body, raw, signal, retried: true, withStatus });
    }
    // A 403 while signing in (a disabled user) says why in the server's words.
    if (error.status === 403 && !signIn) throw forbidden(error);
    throw error;
  }
  if (parsed === undefined) {
    throw new ApiError({
      status: response.status,
      code: 'invalid_response',
      message: 'The server sent a response that is not JSON.',
      requestId: response.headers.get('x-request-id'),
    });
  }
  // `withStatus`: for the few answers whose status says something (201 added, 200 already there).
  return withStatus ? { status: response.status, body: parsed } : parsed;
}

/** True for the error a cancelled fetch throws; such errors are not shown. */
export function isAbort(e) {
  return e && e.name === 'AbortError';
}

export const health = {
  get: (opts) => request('GET', '/health', opts),
};

export const accounts = {
  /** `params`: limit, q, industry, sort, cursor. */
  list: (params, opts = {}) => request('GET', '/accounts', { ...opts, query: params }),
  get: (id, opts) => request('GET', `/accounts/${encodeURIComponent(id)}`, opts),
  create: (body) => request('POST', '/accounts', { body }),
  update: (id, body) => request('PATCH', `/accounts/${encodeURIComponent(id)}`, { body }),
  remove: (id) => request('DELETE', `/accounts/${encodeURIComponent(id)}`),
};

export const contacts = {
  /** `params`: the list filters (lists as comma-separated text), sort, limit, cursor. */
  list: (params, opts = {}) => request('GET', '/contacts', { ...opts, query: params }),
  get: (id, opts) => request('GET', `/contacts/${encodeURIComponent(id)}`, opts),
  create: (body) => request('POST', '/contacts', { body }),
  update: (id, body) => request('PATCH', `/contacts/${encodeURIComponent(id)}`, { body }),
  remove: (id) => request('DELETE', `/contacts/${encodeURIComponent(id)}`),
  /** `body`: { stage, reason?, override? }; answers the contact. */
  setStage: (id, body) => request('POST', `/contacts/${encodeURIComponent(id)}/stage`, { body }),
  /** `body`: { ids, stage?, status?, owner_id? }; answers `{ results: [{ id, ok, error? }] }`. */
  bulk: (body) => request('POST', '/contacts/bulk', { body }),
  /** The scores computed for the contact, oldest first: `{ items: [{ score, factors, config_version, computed_at }] }`. */
  scoreHistory: (id, opts) => request('GET', `/contacts/${encodeURIComponent(id)}/score-history`, opts),
};

export const signals = {
  /** `params`: contact_id and/or account_id (both: the signals of either), people ('true' with
   *  account_id alone: its people's too, each with `contact_name`, fresh first), limit, cursor; newest first. */
  list: (params, opts = {}) => request('GET', '/signals', { ...opts, query: params }),
  create: (body) => request('POST', '/signals', { body }),
  remove: (id) => request('DELETE', `/signals/${encodeURIComponent(id)}`),
};

export const imports = {
  /** The team's recent imports, newest first: `{ items }`. */
  list: (opts) => request('GET', '/imports', opts),
  /** `body`: { filename, total_chunks, mode, mapping? }; answers the new import job. */
  create: (body) => request('POST', '/imports', { body }),
  get: (id, opts) => request('GET', `/imports/${encodeURIComponent(id)}`, opts),
  /** Sends part `n` of the file (a Blob or text: whole CSV records; part 0 starts with the header). */
  putChunk: (id, n, data, opts = {}) =>
    request('PUT', `/imports/${encodeURIComponent(id)}/chunks/${n}`, { ...opts, raw: { data, contentType: 'text/csv' } }),
  /** `body`: { mapping?, mode? }, before the real run. */
  update: (id, body) => request('PATCH', `/imports/${encodeURIComponent(id)}`, { body }),
  /** One bounded step of the dry run (`dryRun`) or the real run; answers the job. */
  run: (id, dryRun, opts = {}) => request('POST', `/imports/${encodeURIComponent(id)}/run`, { ...opts, body: { dry_run: dryRun } }),
  /** `params`: phase (dry_run | run), outcome, limit, cursor; answers `{ items, next_cursor }`. */
  rows: (id, params, opts = {}) => request('GET', `/imports/${encodeURIComponent(id)}/rows`, { ...opts, query: params }),
};

export const auth = {
  /**
   * Who is signed in; also refreshes the CSRF token. Rejects with a 401 `ApiError` when nobody
   * is, which the server says with a 200 (`user: null`), so a signed-out visit logs no failed
   * request.
   */
  me: async (opts = {}) => {
    const data = await request('GET', '/auth/session', { ...opts, signIn: true });
    if (!data || !data.user) {
      clearSession();
      throw new ApiError({ status: 401, code: 'unauthorized', message: 'Nobody is signed in.' });
    }
    setSession({ user: data.user, csrfToken: data.csrf_token || null, via: data.via || null });
    return data;
  },
  login: async (email, password) => {
    const data = await request('POST', '/auth/login', { body: { email, password }, signIn: true });
    setSession({ user: data.user, csrfToken: data.csrf_token || null, via: 'session' });
    return data;
  },
  /** Ends this session; the local session is cleared whatever the server answers. */
  logout: async () => {
    try {
      await request('POST', '/auth/logout', { signIn: true });
    } finally {
      clearSession();
    }
  },
  changePassword: (current_password, new_password) =>
    request('POST', '/auth/password', { body: { current_password, new_password } }),
  sessions: (opts) => request('GET', '/auth/sessions', opts),
  endOtherSessions: () => request('POST', '/auth/sessions/end-others'),
};

export const users = {
  /** `params`: limit, cursor. Admins only. */
  list: (params, opts = {}) => request('GET', '/users', { ...opts, query: params }),
  create: (body) => request('POST', '/users', { body }),
  /** `body`: any of name, role, disabled, password (a temporary password). */
  update: (id, body) => request('PATCH', `/users/${encodeURIComponent(id)}`, { body }),
};

export const tokens = {
  list: (opts) => request('GET', '/tokens', opts),
  /** `body`: { name, scopes, expires_at }; answers `{ token, secret }`, the secret only this once. */
  create: (body) => request('POST', '/tokens', { body }),
  revoke: (id) => request('DELETE', `/tokens/${encodeURIComponent(id)}`),
};

export const settings = {
  /** The ICP model: `{ version (0: never saved, the defaults), value, created_at, created_by }`. */
  icp: (opts) => request('GET', '/settings/icp', opts),
  /** `model`: the whole ICP model (admins); answers the new version like `icp`. */
  saveIcp: (model) => request('PUT', '/settings/icp', { body: model }),
  /** How far rescoring everyone with the current model has come: `{version, scored, total, done}`. */
  rescoreProgress: (opts) => request('GET', '/settings/icp/rescore', opts),
  /** Rescores the contacts still behind for a couple of seconds; answers the progress. */
  rescore: () => request('POST', '/settings/icp/rescore'),
};

export const audit = {
  /** `params`: entity, entity_id, actor, since, until, limit, cursor. Managers and admins. */
  list: (params, opts = {}) => request('GET', '/audit', { ...opts, query: params }),
};

export const sequences = {
  /** `params`: limit, cursor; answers `{ items, next_cursor }`, each with its steps and enrolled counts. */
  list: (params, opts = {}) => request('GET', '/sequences', { ...opts, query: params }),
  get: (id, opts) => request('GET', `/sequences/${encodeURIComponent(id)}`, opts),
  /** `body`: { name, description?, status?, steps: [{ day_offset, kind, subject?, template, is_break_up }] }. */
  create: (body) => request('POST', '/sequences', { body }),
  /** `body`: any of name, description, status, autopilot, steps (the whole list; a kept step keeps its id). */
  update: (id, body) => request('PATCH', `/sequences/${encodeURIComponent(id)}`, { body }),
  remove: (id) => request('DELETE', `/sequences/${encodeURIComponent(id)}`),
};

export const enrollments = {
  /** `params`: contact_id or sequence_id. */
  list: (params, opts = {}) => request('GET', '/enrollments', { ...opts, query: params }),
  /** `body`: { sequence_id, contact_id | contact_ids | batch_id }. */
  create: (body) => request('POST', '/enrollments', { body }),
};

export const drafts = {
  /** `body`: { contact_id, channel, subject? (email), body, notes?, submit?, reply_id? (the reply it answers) }. */
  create: (body) => request('POST', '/drafts', { body }),
  /** `params`: contact_id, approval_status (comma separated), channel, limit, cursor. Default: pending, oldest first. */
  list: (params, opts = {}) => request('GET', '/drafts', { ...opts, query: params }),
  /** `body`: any of subject, body, notes; the draft is reviewed again. */
  update: (id, body) => request('PATCH', `/drafts/${encodeURIComponent(id)}`, { body }),
  /** `action`: approve | reject | submit | archive; `body`: { notes? }. */
  act: (id, action, body = {}) => request('POST', `/drafts/${encodeURIComponent(id)}/${action}`, { body }),
  /** Sends an approved email now, under every sending rule; answers `{ status: sent | failed | unknown, touchpoint }`.
   *  409 says why it cannot go now; 503 when sending is not configured. */
  send: (id) => request('POST', `/drafts/${encodeURIComponent(id)}/send`),
  /** `body`: { ids, action: approve | reject | archive, notes? }; answers `{ results: [{ id, ok, error? }] }`. */
  bulk: (body) => request('POST', '/drafts/bulk', { body }),
};

export const pipeline = {
  /** `params`: owner (me), per_stage; answers `{ stages: [{ stage, count, contacts }], transitions: { from: [to] } }`. */
  get: (params, opts = {}) => request('GET', '/pipeline', { ...opts, query: params }),
};

export const opportunities = {
  /** `params`: status, contact_id, account_id, owner, limit, cursor; answers `{ items, next_cursor, total }`. */
  list: (params, opts = {}) => request('GET', '/opportunities', { ...opts, query: params }),
  /** `body`: { contact_id, reply_id?, status?, meeting_at?, amount_minor?, currency?, notes? }; 409 when one is open. */
  create: (body) => request('POST', '/opportunities', { body }),
  /** `body`: any of status (one of `next_statuses`), meeting_at, amount_minor, currency, notes. */
  update: (id, body) => request('PATCH', `/opportunities/${encodeURIComponent(id)}`, { body }),
};

export const batches = {
  /** `params`: status, limit, cursor; answers `{ items, next_cursor }`. */
  list: (params, opts = {}) => request('GET', '/batches', { ...opts, query: params }),
  get: (id, opts) => request('GET', `/batches/${encodeURIComponent(id)}`, opts),
  /** `body`: { name, description?, query? (a contacts-list query string), limit?, contact_ids? }. */
  create: (body) => request('POST', '/batches', { body }),
  /** `body`: any of name, description, status (one of `next_statuses`). */
  update: (id, body) => request('PATCH', `/batches/${encodeURIComponent(id)}`, { body }),
  /** `params`: limit, cursor; answers `{ items: [{ contact_id, position, first_name, … }], next_cursor }`. */
  members: (id, params, opts = {}) => request('GET', `/batches/${encodeURIComponent(id)}/members`, { ...opts, query: params }),
  /** Answers `{ results: [{ contact_id, outcome: added | already_member | not_found }] }`. */
  addMembers: (id, contactIds) => request('POST', `/batches/${encodeURIComponent(id)}/members`, { body: { contact_ids: contactIds } }),
  /** Answers `{ results: [{ contact_id, outcome: removed | not_member }] }`. */
  removeMembers: (id, contactIds) => request('DELETE', `/batches/${encodeURIComponent(id)}/members`, { body: { contact_ids: contactIds } }),
};

/** A queue item's name (`<kind>:<id>`) for a path: the server reads the colon as it is, not `%3A`. */
const itemPath = (item) => String(item).split(':').map(encodeURIComponent).join(':');

export const queue = {
  /** `params`: scope (mine | team), tz (IANA), limit; answers `{ items, counts }`, items ranked. */
  list: (params, opts = {}) => request('GET', '/queue', { ...opts, query: params }),
  /** `item`: `<kind>:<id>`; `body` (calls): { call_outcome?, duration_seconds?, notes? }; answers `{ item, outcome, touchpoint_id }`. */
  done: (item, body = {}) => request('POST', `/queue/${itemPath(item)}/done`, { body }),
  /** `body`: { hours } or { until }; answers `{ item, until }`. */
  snooze: (item, body) => request('POST', `/queue/${itemPath(item)}/snooze`, { body }),
  /** A `draft:` task or email that will not be done (its draft is archived); `body`: { reason? }.
   *  Answers `{ item, draft_id }`; 409 when the draft is not approved or its send is under way. */
  skip: (item, body = {}) => request('POST', `/queue/${itemPath(item)}/skip`, { body }),
};

export const linkedin = {
  /** `params`: scope (mine | team), days (1-90); answers `{ scope, limits, today, this_week, period, days,
   *  acceptance_rate, daily: [[day, kind, count]] }`, the counts by kind of LinkedIn event. */
  stats: (params, opts = {}) => request('GET', '/linkedin/stats', { ...opts, query: params }),
};

export const touchpoints = {
  /** A touch done by hand; `body`: { contact_id, kind, call_outcome?, duration_seconds?, notes?, idempotency_key } or { draft_id }. */
  create: (body) => request('POST', '/touchpoints', { body }),
  /** `params`: contact_id or account_id (its people's, each with `contact_name`), limit, cursor; newest first. */
  list: (params, opts = {}) => request('GET', '/touchpoints', { ...opts, query: params }),
  /** Settles an interrupted send (`unknown`); `body`: { status: sent | failed, notes? }.
   *  Answers the touchpoint; 409 when it is already settled. */
  resolve: (id, body) => request('POST', `/touchpoints/${encodeURIComponent(id)}/resolve`, { body }),
};

export const prep = {
  /** A contact's prep card: `{ contact, account, signals, enrollment, opportunity, timeline, talking_points, next_step }`. */
  get: (contactId, opts) => request('GET', `/prep/${encodeURIComponent(contactId)}`, opts),
};

export const replies = {
  /** `params`: contact_id or account_id (its people's, each with `contact_name`), intent, limit, cursor; newest first. */
  list: (params, opts = {}) => request('GET', '/replies', { ...opts, query: params }),
  /** `body`: { contact_id, channel, body, subject?, replied_at?, intent? }; answers `{ reply, effects }`. */
  create: (body) => request('POST', '/replies', { body }),
  get: (id, opts) => request('GET', `/replies/${encodeURIComponent(id)}`, opts),
  /** Waiting for a person, newest first; `params`: intent, scope (mine | team), limit, cursor;
   *  answers `{ items: [{ reply, contact: { id, name, email, company, owner_id } }], next_cursor }`. */
  waiting: (params, opts = {}) => request('GET', '/replies/waiting', { ...opts, query: params }),
  /** `{ reply, contact, messages: [{ id, direction: out | in, channel, at, subject, body }] }`, oldest first. */
  conversation: (id, opts) => request('GET', `/replies/${encodeURIComponent(id)}/conversation`, opts),
  /** `body`: { intent, return_date? }; the corrected intent's consequences follow; answers `{ reply, effects }`. */
  correct: (id, body) => request('PATCH', `/replies/${encodeURIComponent(id)}`, { body }),
};

export const identities = {
  /** Every sender mailbox, by address (the password never comes back, only `has_password`). */
  list: (opts) => request('GET', '/identities', opts),
  get: (id, opts) => request('GET', `/identities/${encodeURIComponent(id)}`, opts),
  /** 503 when the server has no OCC_SECRET_KEY to seal `smtp_password` with. */
  create: (body) => request('POST', '/identities', { body }),
  /** Absent fields stay; `smtp_password: null` removes the stored password. */
  update: (id, body) => request('PATCH', `/identities/${encodeURIComponent(id)}`, { body }),
  remove: (id) => request('DELETE', `/identities/${encodeURIComponent(id)}`),
  /** Sends a test message to `to`; answers `{ ok, code, message }` (200 also when it failed). */
  test: (id, to) => request('POST', `/identities/${encodeURIComponent(id)}/test`, { body: { to } }),
};

export const suppression = {
  /** `params`: q (a prefix), kind, reason, limit, cursor; newest first, `{ items, next_cursor }`. */
  list: (params, opts = {}) => request('GET', '/suppression', { ...opts, query: params }),
  /** `body`: one of email, domain, linkedin_url, with reason?, note?; answers `{ status, body }`:
   *  201 when added, 200 with the entry already on the list. */
  create: (body) => request('POST', '/suppression', { body, withStatus: true }),
  /** `body`: { text, reason?, note? }; answers `{ added, already_suppressed, invalid: [{ line, value, reason }] }`. */
  import: (body) => request('POST', '/suppression/import', { body }),
  /** Admins; 409 for an erased person's hash. */
  remove: (id) => request('DELETE', `/suppression/${encodeURIComponent(id)}`),
};

export const pacing = {
  /** The team's limits: `{ version (0: never saved, the defaults), value: { timezone,
   *  recipient_domain_daily_cap, linkedin_connections_daily, linkedin_connections_weekly,
   *  linkedin_messages_daily }, created_at, created_by, created_by_name }`. */
  settings: (opts) => request('GET', '/settings/pacing', opts),
  /** `value`: the whole limits object (admins); answers the new version like `settings`. */
  save: (value) => request('PUT', '/settings/pacing', { body: value }),
  /** Today: `{ settings, identities: [{ identity_id, from_email, status, day, daily_cap,
   *  allowance, used, sending, remaining }], linkedin: [{ kind, today, daily_limit, this_week,
   *  weekly_limit }] }` (LinkedIn: the caller's own). */
  today: (opts) => request('GET', '/pacing', opts),
};

export const followups = {
  /** `body`: { contact_id, channel, due_at (RFC 3339), reason? }; it belongs to the contact's owner. */
  create: (body) => request('POST', '/followups', { body }),
};

export const agents = {
  /** `params`: days (1-365); answers `{ model: null | { model, base_host }, since, agents: [{ agent, description,
   *  prompt_version, runs, fallback_runs, fallback_rate, failed_runs, p50_latency_ms, p95_latency_ms, prompt_tokens,
   *  completion_tokens, last_run_at }] }`, the ten agents in order. */
  stats: (params, opts = {}) => request('GET', '/agents', { ...opts, query: params }),
  /** Runs `agent` once; `body`: one of contact_id, account_id, reply_id, draft_id, experiment_id, with text?
   *  and channel?; answers the run (201). 503 for an agent that is not available yet. */
  run: (agent, body) => request('POST', `/agents/${encodeURIComponent(agent)}/run`, { body }),
};

export const dashboard = {
  /** `params`: scope (mine | team), days (7 | 30 | 90); answers `{ scope, period: { from, to, days }, pipeline: [{ stage, count }],
   *  pacing: { identities, linkedin }, replies_waiting, meetings_this_week, funnel: [{ step, label, count, previous, conversion }],
   *  figures: [{ metric, label, value, previous, series: [{ day, value }] }] }`. */
  get: (params, opts = {}) => request('GET', '/dashboard', { ...opts, query: params }),
};

export const analytics = {
  /** `params`: metric, by, from, to, channel, sequence_id, min_size; answers `{ metric, by, from, to, min_size,
   *  total: { numerator, denominator, rate, low, high }, groups: [{ value, label, numerator, denominator, rate, low, high, too_few }] }`. */
  breakdown: (params, opts = {}) => request('GET', '/analytics', { ...opts, query: params }),
  /** `params`: metric (sends | replies | positive | meetings | opportunities), interval (day | week), from, to, channel;
   *  answers `{ metric, interval, from, to, points: [{ start, total, by_channel: { email, linkedin, call } }] }`. */
  series: (params, opts = {}) => request('GET', '/analytics/series', { ...opts, query: params }),
};

export const experiments = {
  /** `params`: status, limit, cursor; answers `{ items, next_cursor }`. */
  list: (params, opts = {}) => request('GET', '/experiments', { ...opts, query: params }),
  /** One experiment with its variants' results, its verdict and the analyst's recommendation. */
  get: (id, opts) => request('GET', `/experiments/${encodeURIComponent(id)}`, opts),
  /** `body`: { name, hypothesis, step_id, field, metric, baseline_rate, min_effect, variants: [{ name, content, weight, is_control }] }. */
  create: (body) => request('POST', '/experiments', { body }),
  start: (id) => request('POST', `/experiments/${encodeURIComponent(id)}/start`),
  pause: (id) => request('POST', `/experiments/${encodeURIComponent(id)}/pause`),
  /** `body`: { apply_winner }: whether the winner's text becomes the step's. */
  complete: (id, body) => request('POST', `/experiments/${encodeURIComponent(id)}/complete`, { body }),
  /** `params`: baseline_rate, min_effect (0-1); answers `{ per_variant }`. */
  sampleSize: (params, opts = {}) => request('GET', '/experiments/sample-size', { ...opts, query: params }),
};

export const agentRuns = {
  /** `params`: agent, contact_id, status, used_fallback (true | false), since, limit, cursor; newest first. */
  list: (params, opts = {}) => request('GET', '/agent-runs', { ...opts, query: params }),
  /** One run with its whole input and output. */
  get: (id, opts) => request('GET', `/agent-runs/${encodeURIComponent(id)}`, opts),
};

export const swarms = {
  /** `params`: limit, cursor; answers `{ items, next_cursor }`, newest first. */
  list: (params, opts = {}) => request('GET', '/swarms', { ...opts, query: params }),
  /** `{ id, batch_id, pipeline, status, created_at, started_at, finished_at, progress: [{ agent, waiting, queued,
   *  running, succeeded, failed, cancelled }], failed_tasks: [{ id, agent, contact_id, contact_name, attempts, last_error }] }`. */
  get: (id, opts) => request('GET', `/swarms/${encodeURIComponent(id)}`, opts),
  /** `body`: { pipeline: [agent], batch_id | contact_ids }; managers and admins. */
  create: (body) => request('POST', '/swarms', { body }),
  cancel: (id) => request('POST', `/swarms/${encodeURIComponent(id)}/cancel`),
  retryFailed: (id) => request('POST', `/swarms/${encodeURIComponent(id)}/retry-failed`),
};
