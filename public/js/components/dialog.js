// A modal dialog built on <dialog>: the browser traps focus inside it, moves focus to its first
// control on opening and back to where it was on closing, and closes it on Escape.
import { html, useEffect, useRef } from '../preact.js';

/**
 * A modal <dialog> shown while `open`; Escape calls `onClose` unless `busy`. `id` names the
 * title element (give each dialog on a page its own); `children` render only while open, so a
 * dialog opened again starts afresh.
 */
export function Dialog({ id, open, title, busy, onClose, testid, children }) {
  const ref = useRef(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return html`<dialog
    ref=${ref}
    class="dialog dialog-wide"
    aria-labelledby=${`${id}-title`}
    data-testid=${testid}
    onCancel=${(e) => {
      e.preventDefault();
      if (!busy) onClose();
    }}
  >
    <div class="dialog-body">
      <h2 id=${`${id}-title`} class="dialog-title">${title}</h2>
      ${open && children}
    </div>
  </dialog>`;
}
