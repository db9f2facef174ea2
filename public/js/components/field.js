// A labelled form control with its hint and its inline error, wired for screen readers:
// the error is linked with aria-describedby and the control is marked aria-invalid. And the
// error of a whole form, shown above its fields.
import { capitalise } from '../api.js';
import { html } from '../preact.js';
import { SupportDetails } from './states.js';

/**
 * `as`: 'input' (default), 'textarea' or 'select'. Other props go to the control.
 * `error`: a message or a list of messages (from `ApiError.fieldErrors()`).
 */
export function Field({ id, name, label, error, hint, required, as = 'input', className = '', children, ...control }) {
  const messages = Array.isArray(error) ? error : error ? [error] : [];
  const hintId = hint ? `${id}-hint` : null;
  const errorId = messages.length ? `${id}-error` : null;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  const props = {
    id,
    name,
    class: `control ${messages.length ? 'control-invalid' : ''}`,
    'aria-invalid': messages.length ? 'true' : undefined,
    'aria-describedby': describedBy,
    'aria-required': required ? 'true' : undefined,
    ...control,
  };
  let input;
  if (as === 'textarea') input = html`<textarea ...${props}></textarea>`;
  else if (as === 'select') input = html`<select ...${props}>${children}</select>`;
  else input = html`<input ...${props} />`;

  return html`
    <div class=${`field ${className}`} data-testid=${`field-${name}`}>
      <div class="field-label-row">
        <label class="field-label" for=${id}>${label}</label>
        ${required ? html`<span class="required" aria-hidden="true" title="Required">*</span>` : null}
      </div>
      ${input}
      ${messages.length
        ? html`<div class="field-error" id=${errorId} data-testid=${`field-error-${name}`}>
            ${messages.map((m, i) => html`<div key=${i}>${m}</div>`)}
          </div>`
        : null}
      ${hint && html`<div class="field-hint" id=${hintId}>${hint}</div>`}
    </div>
  `;
}

/**
 * The form-level error: its message, then `details` (more lines) and `children`, each said once,
 * then the details for support, folded. Focusable, so a failed submit can move focus to it.
 */
export function FormError({ error, details = [], testid = 'form-error', children }) {
  const { message, lines } = errorText(error, details);
  return html`
    <div class="form-error" role="alert" tabindex="-1" data-testid=${testid}>
      <strong>${message}</strong>
      ${lines.map((d, i) => html`<div key=${i}>${d}</div>`)}
      ${children}
      <${SupportDetails} error=${error} />
    </div>
  `;
}

/** An error's message and its lines (`extra` first), none saying again what another says. */
export function errorText(error, extra = []) {
  const own = error && error.lines ? error.lines() : { message: capitalise((error && error.message) || 'Something went wrong'), details: [] };
  const lines = [];
  for (const line of [...extra, ...own.details]) {
    const text = String(line);
    const low = text.toLowerCase();
    const repeats = own.message.toLowerCase().includes(low) || lines.some((l) => l.toLowerCase().includes(low) || low.includes(l.toLowerCase()));
    if (!repeats) lines.push(text);
  }
  return { message: own.message, lines };
}
