// A modal confirmation built on <dialog>, which traps focus and closes on Escape natively, and
// the state of a dialog that guards one action.
import { html, useEffect, useRef, useState } from '../preact.js';
import { toastFailure } from './toast.js';

/**
 * `ask(subject)` opens the dialog for `subject` (any value but null); `dialog` holds the
 * ConfirmDialog's open, busy, onConfirm and onCancel. Confirming runs `action(subject)` with the
 * dialog busy; a failure is said in a toast ("Could not <what>: …"); then the dialog closes.
 */
export function useConfirm(action, what) {
  const [subject, setSubject] = useState(null);
  const [busy, setBusy] = useState(false);
  const onConfirm = async () => {
    setBusy(true);
    try {
      await action(subject);
    } catch (e) {
      toastFailure(what, e);
    } finally {
      setBusy(false);
      setSubject(null);
    }
  };
  return {
    subject,
    busy,
    ask: (value = true) => setSubject(value),
    dialog: { open: subject !== null, busy, onConfirm, onCancel: () => setSubject(null) },
  };
}

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
