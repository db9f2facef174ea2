// Loading, empty, error and not-found states shared by every screen.
import { html } from '../preact.js';

export function Loading({ label = 'Loading…' }) {
  return html`
    <div class="state state-loading" role="status" aria-live="polite" data-testid="loading">
      <span class="spinner" aria-hidden="true"></span>
      <span>${label}</span>
    </div>
  `;
}

export function Empty({ title, children, action, testid = 'empty' }) {
  return html`
    <div class="state state-empty" data-testid=${testid}>
      <div class="state-title">${title}</div>
      ${children && html`<div class="state-text">${children}</div>`}
      ${action && html`<div class="state-action">${action}</div>`}
    </div>
  `;
}

/**
 * What support needs to find an error in the logs (its code, status and request id), folded
 * away under "Details for support" so a person reads the message first.
 */
export function SupportDetails({ error }) {
  if (!error || !(error.requestId || error.code)) return null;
  return html`<details class="support-details" data-testid="error-support">
    <summary>Details for support</summary>
    <dl class="error-meta">
      ${error.code && html`<div><dt>Code</dt><dd><code>${error.code}</code></dd></div>`}
      ${error.status ? html`<div><dt>Status</dt><dd>${error.status}</dd></div>` : null}
      ${error.requestId && html`<div><dt>Request id</dt><dd><code data-testid="error-request-id">${error.requestId}</code></dd></div>`}
    </dl>
  </details>`;
}

/** Shows an `ApiError` (or any Error): its message once, and the details for support. */
/** `action` replaces the "Try again" button when retrying cannot help. */
export function ErrorState({ error, title = 'Something went wrong', onRetry, action }) {
  const { message, details } = error && error.lines ? error.lines() : { message: (error && error.message) || 'Unknown error', details: [] };
  return html`
    <div class="state state-error" role="alert" data-testid="error-state">
      <div class="state-title">${title}</div>
      <div class="state-text" data-testid="error-message">${message}</div>
      ${details.map((d, i) => html`<div class="state-text" key=${i}>${d}</div>`)}
      <${SupportDetails} error=${error} />
      ${action
        ? html`<div class="state-action">${action}</div>`
        : onRetry && html`<div class="state-action"><button type="button" class="btn" onClick=${onRetry}>Try again</button></div>`}
    </div>
  `;
}

/**
 * The error state of a cursor-paged list. When the server refuses the `cursor` (an edited URL,
 * changed data) retrying cannot help, so it offers `onRestart`, the first page, instead.
 */
export function ListError({ error, title, cursor, onRetry, onRestart }) {
  const badCursor = cursor && error.fields.some((f) => f.field === 'cursor');
  const restart = html`<button type="button" class="btn" onClick=${onRestart}>Start from the first page</button>`;
  return html`<${ErrorState} error=${error} title=${title} onRetry=${onRetry} action=${badCursor ? restart : null} />`;
}

export function NotFound({ title = 'Page not found', children, backHref = '/accounts', backLabel = 'Go to accounts' }) {
  return html`
    <div class="state state-empty" data-testid="not-found">
      <div class="state-code" aria-hidden="true">404</div>
      <div class="state-title">${title}</div>
      <div class="state-text">${children || 'There is nothing at this address.'}</div>
      <div class="state-action"><a class="btn" href=${backHref}>${backLabel}</a></div>
    </div>
  `;
}

/** A page the signed-in user's role may not open (the server would answer 403). */
export function Forbidden({ role, children, backHref = '/accounts', backLabel = 'Go to accounts' }) {
  return html`
    <div class="state state-empty" data-testid="forbidden">
      <div class="state-code" aria-hidden="true">403</div>
      <div class="state-title">Not available for your role</div>
      <div class="state-text">${children || `Your role (${role || 'unknown'}) can't open this page.`}</div>
      <div class="state-action"><a class="btn" href=${backHref}>${backLabel}</a></div>
    </div>
  `;
}
