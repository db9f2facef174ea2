// Picks the account (company) a record belongs to: the chosen one with Change and Remove, or a
// search box whose matches (by name or domain) are buttons. Laid out and wired like a <Field>:
// label, inline error linked by aria-describedby, data-testid field-<name>.
import { html, useEffect, useRef, useState } from '../preact.js';
import { accounts, isAbort } from '../api.js';

const DEBOUNCE_MS = 250;

/** `value`: `{ id, name, domain }` or null; `onChange(account | null)`. */
export function AccountPicker({ id, name = 'account_id', label = 'Company', value, onChange, error, disabled, hint }) {
  const [searching, setSearching] = useState(!value);
  const [text, setText] = useState('');
  const [found, setFound] = useState({ loading: false, items: [], error: null });
  const inputRef = useRef(null);
  const messages = Array.isArray(error) ? error : error ? [error] : [];
  const errorId = messages.length ? `${id}-error` : null;
  const hintId = hint ? `${id}-hint` : null;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;

  useEffect(() => setSearching(!value), [value && value.id]);

  useEffect(() => {
    if (!searching || !text.trim()) {
      setFound({ loading: false, items: [], error: null });
      return undefined;
    }
    const ctrl = new AbortController();
    setFound((f) => ({ ...f, loading: true, error: null }));
    const timer = setTimeout(() => {
      accounts
        .list({ q: text.trim(), limit: 8, sort: 'name' }, { signal: ctrl.signal })
        .then((data) => setFound({ loading: false, items: data.items || [], error: null }))
        .catch((e) => !isAbort(e) && setFound({ loading: false, items: [], error: e }));
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
  }, [searching, text]);

  const choose = (a) => {
    onChange({ id: a.id, name: a.name, domain: a.domain || null });
    setText('');
  };

  return html`
    <div class="field account-picker" data-testid=${`field-${name}`}>
      <div class="field-label-row">
        <label class="field-label" for=${id}>${label}</label>
      </div>
      ${value && !searching
        ? html`<div class="picked" data-testid="account-picked">
            <span class="picked-name">${value.name}${value.domain ? html` <span class="muted">· ${value.domain}</span>` : null}</span>
            <button type="button" id=${id} class="btn btn-sm" disabled=${disabled} aria-describedby=${describedBy} onClick=${() => {
              setSearching(true);
              setTimeout(() => inputRef.current?.focus(), 0);
            }}>
              Change<span class="visually-hidden"> company</span>
            </button>
            <button type="button" class="btn btn-sm btn-ghost" disabled=${disabled} onClick=${() => onChange(null)} data-testid="account-remove">
              Remove<span class="visually-hidden"> company</span>
            </button>
          </div>`
        : html`<div class="picker-search">
            <input
              ref=${inputRef}
              id=${id}
              type="search"
              class=${`control ${messages.length ? 'control-invalid' : ''}`}
              placeholder="Search accounts by name or domain…"
              autocomplete="off"
              spellcheck=${false}
              value=${text}
              disabled=${disabled}
              aria-invalid=${messages.length ? 'true' : undefined}
              aria-describedby=${describedBy}
              aria-controls=${text.trim() ? `${id}-results` : undefined}
              onInput=${(e) => setText(e.currentTarget.value)}
              data-testid="account-search"
            />
            ${value && html`<button type="button" class="btn btn-sm btn-ghost" onClick=${() => setSearching(false)}>Keep ${value.name}</button>`}
          </div>
          ${text.trim() &&
          html`<ul class="picker-results" id=${`${id}-results`} aria-live="polite" data-testid="account-results">
            ${found.error
              ? html`<li class="muted">Could not search accounts: ${found.error.message}</li>`
              : found.items.map(
                  (a) => html`<li key=${a.id}>
                    <button type="button" class="picker-option" disabled=${disabled} onClick=${() => choose(a)} data-testid="account-option">
                      <span>${a.name}</span>${a.domain && html`<span class="muted">${a.domain}</span>`}
                    </button>
                  </li>`,
                )}
            ${!found.error && !found.loading && !found.items.length && html`<li class="muted picker-none">No account matches.</li>`}
          </ul>`}`}
      ${messages.length > 0 &&
      html`<div class="field-error" id=${errorId} data-testid=${`field-error-${name}`}>
        ${messages.map((m, i) => html`<div key=${i}>${m}</div>`)}
      </div>`}
      ${hint && html`<div class="field-hint" id=${hintId}>${hint}</div>`}
    </div>
  `;
}
