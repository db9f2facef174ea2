// A modal confirmation built on <dialog>, which traps focus and closes on Escape natively.
import { html, useEffect, useRef } from '../preact.js';

/** `id` names the dialog's title element; give each dialog on one page its own. */
export function ConfirmDialog({ id = 'confirm', open, title, children, confirmLabel = 'Confirm', danger, busy, onConfirm, onCancel }) {
  const ref = useRef(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return html`
    <dialog
      ref=${ref}
      class="dialog"
      aria-labelledby=${`${id}-title`}
      data-testid="confirm-dialog"
      onCancel=${(e) => {
        e.preventDefault();
        if (!busy) onCancel();
      }}
    >
      <form
        method="dialog"
        class="dialog-body"
        onSubmit=${(e) => {
          e.preventDefault();
          onConfirm();
        }}
      >
        <h2 id=${`${id}-title`} class="dialog-title">${title}</h2>
        <div class="dialog-text">${children}</div>
        <div class="dialog-actions">
          <button type="button" class="btn" onClick=${onCancel} disabled=${busy} data-testid="confirm-cancel">Cancel</button>
          <button type="submit" class=${`btn ${danger ? 'btn-danger' : 'btn-primary'}`} disabled=${busy} data-testid="confirm-ok">
            ${busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  `;
}
