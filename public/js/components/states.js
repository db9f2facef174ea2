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

/** Shows an `ApiError` (or any Error): its message, code and the request id to quote. */
/** `action` replaces the "Try again" button when retrying cannot help. */
export function ErrorState({ error, title = 'Something went wrong', onRetry, action }) {
  const requestId = error && error.requestId;
  return html`
    <div class="state state-error" role="alert" data-testid="error-state">
      <div class="state-title">${title}</div>
      <div class="state-text" data-testid="error-message">${(error && error.message) || 'Unknown error'}</div>
      ${(error && error.code) || requestId
        ? html`<dl class="error-meta">
            ${error.code && html`<div><dt>Code</dt><dd><code>${error.code}</code></dd></div>`}
            ${error.status ? html`<div><dt>Status</dt><dd>${error.status}</dd></div>` : null}
            ${requestId &&
            html`<div><dt>Request id</dt><dd><code data-testid="error-request-id">${requestId}</code></dd></div>`}
          </dl>`
        : null}
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
