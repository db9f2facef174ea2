// The stage control of a contact: move to one of the stages the stage machine allows from here
// (the contact's `next_stages`), and for managers and admins an override to any stage, which
// needs a reason (it is audited).
import { html, useState } from '../../preact.js';
import { contacts as contactsApi } from '../../api.js';
import { canOverrideStage } from '../../access.js';
import { ConfirmDialog } from '../../components/confirm.js';
import { FormError } from '../../components/field.js';
import { toast } from '../../components/toast.js';
import { STAGES, StageBadge, labelOf } from '../../contact-meta.js';

function OverrideDialog({ contact, open, onClose, onMoved }) {
  const [stage, setStage] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const others = STAGES.filter((s) => s.value !== contact.stage);

  const close = () => {
    setStage('');
    setReason('');
    setError(null);
    onClose();
  };
  const confirm = async () => {
    if (!stage || !reason.trim()) {
      setError({ message: !stage ? 'Choose the stage to move to.' : 'Say why: an override needs a reason.' });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const updated = await contactsApi.setStage(contact.id, { stage, reason: reason.trim(), override: true });
      toast(`Stage overridden to ${labelOf(STAGES, updated.stage)}`);
      onMoved(updated);
      close();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return html`<${ConfirmDialog}
    id="override"
    open=${open}
    title="Override the stage"
    confirmLabel="Override"
    busy=${busy}
    onConfirm=${confirm}
    onCancel=${close}
  >
    <p class="dialog-lead">Move to any stage, outside the usual order. The reason is kept in the audit log.</p>
    ${error && html`<${FormError} error=${error} testid="override-error" />`}
    <div class="dialog-fields">
      <div class="field">
        <label class="field-label" for="override-stage">New stage</label>
        <select id="override-stage" class="control" value=${stage} onChange=${(e) => setStage(e.currentTarget.value)} data-testid="override-stage">
          <option value="" disabled>Choose…</option>
          ${others.map((s) => html`<option key=${s.value} value=${s.value}>${s.label}</option>`)}
        </select>
      </div>
      <div class="field">
        <label class="field-label" for="override-reason">Reason</label>
        <textarea
          id="override-reason"
          class="control"
          rows="3"
          value=${reason}
          onInput=${(e) => setReason(e.currentTarget.value)}
          aria-required="true"
          data-testid="override-reason"
        ></textarea>
      </div>
    </div>
  <//>`;
}

/** `canEdit`: this user may move this contact; `onMoved(contact)` gets the contact the server answered. */
export function StageControl({ contact, user, canEdit, onMoved }) {
  const next = Array.isArray(contact.next_stages) ? contact.next_stages : [];
  const [target, setTarget] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [overriding, setOverriding] = useState(false);
  const chosen = next.includes(target) ? target : '';

  const move = async (e) => {
    e.preventDefault();
    if (!chosen || busy) return;
    setBusy(true);
    setError(null);
    try {
      const body = { stage: chosen };
      if (reason.trim()) body.reason = reason.trim();
      const updated = await contactsApi.setStage(contact.id, body);
      toast(`Moved to ${labelOf(STAGES, updated.stage)}`);
      setTarget('');
      setReason('');
      onMoved(updated);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return html`
    <section class="card card-padded" aria-labelledby="stage-title" data-testid="stage-card">
      <h2 class="card-title" id="stage-title">Stage</h2>
      <div class="stage-current" data-testid="contact-stage"><${StageBadge} stage=${contact.stage} /></div>
      ${error && html`<${FormError} error=${error} testid="stage-error" />`}
      ${canEdit
        ? html`<form class="stage-form" onSubmit=${move} data-testid="stage-form">
            ${next.length
              ? html`
                  <div class="field">
                    <label class="field-label" for="stage-next">Move to</label>
                    <select id="stage-next" class="control" value=${chosen} onChange=${(e) => setTarget(e.currentTarget.value)} data-testid="stage-select">
                      <option value="" disabled>Choose the next stage…</option>
                      ${next.map((s) => html`<option key=${s} value=${s}>${labelOf(STAGES, s)}</option>`)}
                    </select>
                  </div>
                  <div class="field">
                    <label class="field-label" for="stage-reason">Reason <span class="muted">(optional)</span></label>
                    <input id="stage-reason" class="control" value=${reason} onInput=${(e) => setReason(e.currentTarget.value)} autocomplete="off" />
                  </div>
                  <div class="stage-actions">
                    <button type="submit" class="btn btn-primary" disabled=${!chosen || busy} data-testid="stage-move">${busy ? 'Moving…' : 'Move'}</button>
                    ${canOverrideStage(user) &&
                    html`<button type="button" class="btn btn-ghost" onClick=${() => setOverriding(true)} data-testid="stage-override">Override…</button>`}
                  </div>
                `
              : html`<p class="muted card-text">No stage follows this one in the usual order.</p>
                  ${canOverrideStage(user) &&
                  html`<div class="stage-actions">
                    <button type="button" class="btn" onClick=${() => setOverriding(true)} data-testid="stage-override">Override…</button>
                  </div>`}`}
          </form>`
        : html`<p class="muted card-text">
            ${user && user.role === 'viewer' ? 'Viewers read only.' : 'Only its owner, a manager or an admin can move this contact.'}
          </p>`}
      ${canOverrideStage(user) &&
      html`<${OverrideDialog} contact=${contact} open=${overriding} onClose=${() => setOverriding(false)} onMoved=${onMoved} />`}
    </section>
  `;
}
