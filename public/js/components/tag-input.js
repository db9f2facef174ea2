// A list of short names edited as tags: type a name and press Enter (or a comma) to add it,
// × (or Backspace in the empty box) removes one. Duplicates, in any case, are not added twice.
import { html, useState } from '../preact.js';

/**
 * `values`: the names; `onChange(values)` gets the new list. `error`: a message or a list of
 * messages shown under the box. `max` and `maxLength` bound the list and each name.
 */
export function TagInput({ id, name, label, values, onChange, error, hint, disabled, placeholder, max = 200, maxLength = 100 }) {
  const [draft, setDraft] = useState('');
  const [note, setNote] = useState(null);
  const messages = Array.isArray(error) ? error : error ? [error] : [];
  const hintId = hint ? `${id}-hint` : null;
  const errorId = messages.length ? `${id}-error` : null;

  const add = () => {
    const text = draft.trim();
    if (!text) return;
    if (text.length > maxLength) {
      setNote(`Use at most ${maxLength} characters.`);
      return;
    }
    if (values.length >= max) {
      setNote(`At most ${max} names.`);
      return;
    }
    if (!values.some((v) => v.toLowerCase() === text.toLowerCase())) onChange([...values, text]);
    setDraft('');
    setNote(null);
  };

  const onKeyDown = (e) => {
    if (e.key === 'Enter' || e.key === ',') {
      e.preventDefault(); // Enter would submit the form
      add();
    } else if (e.key === 'Backspace' && !draft && values.length) {
      onChange(values.slice(0, -1));
    }
  };

  return html`
    <div class="field tag-field" data-testid=${`field-${name}`}>
      <label class="field-label" for=${id}>${label}</label>
      <div class=${`tag-box ${messages.length ? 'control-invalid' : ''} ${disabled ? 'is-disabled' : ''}`}>
        ${values.length > 0 &&
        html`<ul class="tag-list" aria-label=${label}>
          ${values.map(
            (v) => html`<li key=${v} class="tag" data-testid=${`${name}-tag`}>
              <span class="tag-text">${v}</span>
              ${!disabled &&
              html`<button type="button" class="tag-remove" aria-label=${`Remove ${v}`} onClick=${() => onChange(values.filter((x) => x !== v))}>
                ×
              </button>`}
            </li>`,
          )}
        </ul>`}
        ${!disabled &&
        html`<input
          id=${id}
          class="tag-entry"
          value=${draft}
          placeholder=${values.length ? '' : placeholder}
          maxlength=${maxLength + 1}
          autocomplete="off"
          aria-invalid=${messages.length ? 'true' : undefined}
          aria-describedby=${[hintId, errorId].filter(Boolean).join(' ') || undefined}
          onInput=${(e) => {
            setDraft(e.currentTarget.value);
            if (note) setNote(null);
          }}
          onKeyDown=${onKeyDown}
          onBlur=${add}
          data-testid=${`${name}-input`}
        />`}
        ${disabled && !values.length && html`<span class="muted tag-none" id=${id}>None</span>`}
      </div>
      ${(messages.length > 0 || note) &&
      html`<div class="field-error" id=${errorId || undefined} data-testid=${`field-error-${name}`}>
        ${[...messages, ...(note ? [note] : [])].map((m, i) => html`<div key=${i}>${m}</div>`)}
      </div>`}
      ${hint && html`<div class="field-hint" id=${hintId}>${hint}</div>`}
    </div>
  `;
}
