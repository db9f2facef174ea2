// Toast notifications: `toast('Saved')` from anywhere; <Toasts/> (in the layout) shows them.
import { html, useEffect, useState } from '../preact.js';

let items = [];
let nextId = 1;
const listeners = new Set();

function emit() {
  for (const fn of listeners) fn(items);
}

function dismiss(id) {
  items = items.filter((t) => t.id !== id);
  emit();
}

/** Shows a short message. `kind`: 'success' | 'error' | 'info'. */
export function toast(message, { kind = 'success', timeoutMs = 4000 } = {}) {
  const id = nextId;
  nextId += 1;
  items = [...items, { id, message, kind }];
  emit();
  if (timeoutMs > 0) setTimeout(() => dismiss(id), timeoutMs);
  return id;
}

/** Says in an error toast that `what` could not be done, and why (the message, said once). */
export function toastFailure(what, error) {
  const message = error && error.lines ? error.lines().message : (error && error.message) || 'something went wrong';
  return toast(`Could not ${what}: ${message.charAt(0).toLowerCase()}${message.slice(1)}`, { kind: 'error', timeoutMs: 8000 });
}

export function Toasts() {
  const [list, setList] = useState(items);
  useEffect(() => {
    listeners.add(setList);
    return () => listeners.delete(setList);
  }, []);
  return html`
    <div class="toasts" aria-live="polite" aria-atomic="false" data-testid="toasts">
      ${list.map(
        (t) => html`
          <div key=${t.id} class=${`toast toast-${t.kind}`} role=${t.kind === 'error' ? 'alert' : 'status'} data-testid="toast">
            <span class="toast-text">${t.message}</span>
            <button type="button" class="toast-close" aria-label="Dismiss" onClick=${() => dismiss(t.id)}>×</button>
          </div>
        `,
      )}
    </div>
  `;
}
