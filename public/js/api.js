// The one API client: every call to /api goes through `request`, which parses JSON, turns
// every non-2xx answer (and network failures) into an `ApiError`, and keeps the request id
// the server sets on each response.

const API_BASE = '/api/v1';

/** An error answer from the API, parsed from the envelope
 *  `{"error": {"code", "message", "fields": [{field, rule, message}]}, "request_id"}`. */
export class ApiError extends Error {
  constructor({ status, code, message, fields = [], requestId = null, retryAfter = null, conflictsWith = null }) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
    /** On a 409: `{entity, id}` of the record this one collides with, when the server says. */
    this.conflictsWith = conflictsWith;
    this.requestId = requestId;
    this.retryAfter = retryAfter;
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
  const retryAfter = response.headers.get('retry-after');
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

/**
 * Calls the API. Resolves with the parsed JSON body (null for 204), rejects with `ApiError`.
 * An aborted call rejects with the browser's AbortError, which callers ignore.
 */
export async function request(method, path, { query, body, signal } = {}) {
  const headers = { accept: 'application/json' };
  const init = { method, headers, signal, credentials: 'same-origin' };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(buildUrl(path, query), init);
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError({
      status: 0,
      code: 'network_error',
      message: 'Could not reach the server. Check your connection and try again.',
    });
  }
  const parsed = await readJson(response);
  if (!response.ok) throw errorFrom(response, parsed);
  if (parsed === undefined) {
    throw new ApiError({
      status: response.status,
      code: 'invalid_response',
      message: 'The server sent a response that is not JSON.',
      requestId: response.headers.get('x-request-id'),
    });
  }
  return parsed;
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
