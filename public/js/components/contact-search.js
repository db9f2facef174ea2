// Finds contacts by name, title, email or company (GET /contacts?q=) and offers each match as a
// button: pick one for a form, or add several to a list. Laid out like a <Field>.
import { html, useEffect, useState } from '../preact.js';
import { contacts as contactsApi, isAbort } from '../api.js';
import { contactName } from '../contact-meta.js';

const DEBOUNCE_MS = 250;

/** `onPick(contact)` runs for the match chosen; `actionLabel` names what choosing does ("Pick", "Add"). */
export function ContactSearch({ id, label = 'Contact', actionLabel = 'Pick', onPick, disabled, exclude = [], hint, testid = 'contact-search' }) {
  const [text, setText] = useState('');
  const [found, setFound] = useState({ loading: false, items: [], error: null });

  useEffect(() => {
    if (!text.trim()) {
      setFound({ loading: false, items: [], error: null });
      return undefined;
    }
    const ctrl = new AbortController();
    setFound((f) => ({ ...f, loading: true, error: null }));
    const timer = setTimeout(() => {
      contactsApi
        .list({ q: text.trim(), limit: 8 }, { signal: ctrl.signal })
        .then((data) => setFound({ loading: false, items: data.items || [], error: null }))
        .catch((e) => !isAbort(e) && setFound({ loading: false, items: [], error: e }));
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
  }, [text]);

  const items = found.items.filter((c) => !exclude.includes(c.id));
  const hintId = hint ? `${id}-hint` : undefined;
  return html`
    <div class="field contact-search-field" data-testid=${testid}>
      <label class="field-label" for=${id}>${label}</label>
      <input
        id=${id}
        type="search"
        class="control"
        placeholder="Search name, title, email or company…"
        autocomplete="off"
        spellcheck=${false}
        value=${text}
        disabled=${disabled}
        aria-describedby=${hintId}
        aria-controls=${text.trim() ? `${id}-results` : undefined}
        onInput=${(e) => setText(e.currentTarget.value)}
        data-testid="contact-search-input"
      />
      ${hint && html`<div class="field-hint" id=${hintId}>${hint}</div>`}
      ${text.trim() &&
      html`<ul class="picker-results" id=${`${id}-results`} aria-live="polite" data-testid="contact-results">
        ${found.error
          ? html`<li class="muted picker-none">Could not search contacts: ${found.error.message}</li>`
          : items.map(
              (c) => html`<li key=${c.id}>
                <button
                  type="button"
                  class="picker-option"
                  disabled=${disabled}
                  onClick=${() => onPick(c)}
                  aria-label=${`${actionLabel} ${contactName(c)}`}
                  data-testid="contact-option"
                  data-contact-id=${c.id}
                >
                  <span>${contactName(c)}</span>
                  <span class="muted">${[c.title, c.account && c.account.name].filter(Boolean).join(' · ')}</span>
                </button>
              </li>`,
            )}
        ${!found.error && !found.loading && !items.length && html`<li class="muted picker-none">No contact matches.</li>`}
        ${found.loading && !items.length && html`<li class="muted picker-none">Searching…</li>`}
      </ul>`}
    </div>
  `;
}
