// A modal <dialog> for a form or a result: opened and closed by `open`, Escape closes it unless
// it is busy, its title labels it.
import { html, useEffect, useRef } from '../preact.js';

/** A modal <dialog> shown while `open`; Escape calls `onClose` unless `busy`. */
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
