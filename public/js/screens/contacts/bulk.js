// Bulk actions on the selected contacts (set stage, set status, assign owner) and the report
// of what happened: the server answers for each contact on its own, so some may fail (a stage
// not allowed from where that contact is, a contact a bdr does not own) while the rest succeed.
// Enrolling in a sequence and adding to a batch open their dialogs, which report for themselves.
import { html, useState } from '../../preact.js';
import { contacts as contactsApi } from '../../api.js';
import { canWriteContacts } from '../../access.js';
import { STAGES, STATUSES, contactName, labelOf } from '../../contact-meta.js';
import { ownerChoices } from '../../owners.js';
import { SupportDetails } from '../../components/states.js';
import { EnrollDialog } from './enroll.js';
import { AddToBatchDialog } from './batch-add.js';

const ACTIONS = [
  { value: 'stage', label: 'Set stage' },
  { value: 'status', label: 'Set status' },
  { value: 'owner', label: 'Assign owner' },
];

function choicesFor(action, me, team) {
  if (action === 'stage') return STAGES;
  if (action === 'status') return STATUSES;
  return ownerChoices(me, team);
}

/**
 * The bar over a list with selected rows. `selected`: Map of id → contact. `onDone(report)` gets
 * `{ what, todo, total, succeeded: [id], failed: [{ id, name, message }] }` or `{ what, todo, error }`.
 * `onChanged()` after enrolling or adding to a batch, whose dialogs say what happened.
 */
export function BulkBar({ selected, me, team, onDone, onClear, onChanged = () => {} }) {
  const [action, setAction] = useState('stage');
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  // The open dialog and the contacts it acts on, kept as they were when it opened.
  const [dialog, setDialog] = useState(null);
  const openDialog = (kind) => setDialog({ kind, contacts: [...selected.values()] });
  const closeDialog = () => setDialog(null);
  const choices = choicesFor(action, me, team);
  const count = selected.size;
  // Owner '' means nobody, a real choice; for stage and status '' is "choose one".
  const ready = action === 'owner' ? choices.some((c) => c.value === value) : Boolean(value);

  const changeAction = (next) => {
    setAction(next);
    setValue(next === 'owner' ? me.id : '');
  };

  const apply = async (e) => {
    e.preventDefault();
    if (!ready || busy || !count) return;
    const ids = [...selected.keys()];
    const body = { ids };
    // `what` says what was done, `todo` what could not be.
    let what;
    let todo;
    if (action === 'stage') {
      body.stage = value;
      what = `Stage set to ${labelOf(STAGES, value)}`;
      todo = `move to ${labelOf(STAGES, value)}`;
    } else if (action === 'status') {
      body.status = value;
      what = `Status set to ${labelOf(STATUSES, value)}`;
      todo = `set the status to ${labelOf(STATUSES, value)}`;
    } else {
      body.owner_id = value || null;
      const owner = choices.find((c) => c.value === value)?.label || value;
      what = `Owner set to ${owner}`;
      todo = `set the owner to ${owner}`;
    }
    setBusy(true);
    try {
      const { results = [] } = await contactsApi.bulk(body);
      const byId = new Map(results.map((r) => [r.id, r]));
      const succeeded = ids.filter((id) => byId.get(id)?.ok);
      const failed = ids
        .filter((id) => !byId.get(id)?.ok)
        .map((id) => {
          const r = byId.get(id);
          const message = r ? (r.error && r.error.message) || 'failed' : 'no answer for this contact';
          return { id, name: contactName(selected.get(id)), message };
        });
      onDone({ what, todo, total: ids.length, succeeded, failed });
    } catch (error) {
      onDone({ what, todo, error });
    } finally {
      setBusy(false);
    }
  };

  return html`
    <form class="bulk-bar" onSubmit=${apply} aria-label="Bulk actions" data-testid="bulk-bar" aria-busy=${busy ? 'true' : 'false'}>
      <span class="bulk-count" data-testid="bulk-count" role="status">${count} selected</span>
      <label class="visually-hidden" for="bulk-action">Action</label>
      <select id="bulk-action" class="control control-sm" value=${action} onChange=${(e) => changeAction(e.currentTarget.value)} data-testid="bulk-action">
        ${ACTIONS.map((a) => html`<option key=${a.value} value=${a.value}>${a.label}</option>`)}
      </select>
      <label class="visually-hidden" for="bulk-value">${ACTIONS.find((a) => a.value === action).label} to</label>
      <select id="bulk-value" class="control control-sm" value=${value} onChange=${(e) => setValue(e.currentTarget.value)} data-testid="bulk-value">
        ${action !== 'owner' && html`<option value="" disabled>Choose…</option>`}
        ${choices.map((c) => html`<option key=${c.value} value=${c.value}>${c.label}</option>`)}
      </select>
      <button type="submit" class="btn btn-sm btn-primary" disabled=${!ready || busy} data-testid="bulk-apply">
        ${busy ? 'Applying…' : `Apply to ${count}`}
      </button>
      ${canWriteContacts(me) &&
      html`<span class="bulk-more" role="group" aria-label="Outreach">
        <button type="button" class="btn btn-sm" onClick=${() => openDialog('enroll')} disabled=${busy} data-testid="bulk-enroll">Enroll in sequence</button>
        <button type="button" class="btn btn-sm" onClick=${() => openDialog('batch')} disabled=${busy} data-testid="bulk-batch">Add to batch</button>
      </span>`}
      <button type="button" class="btn btn-sm btn-ghost" onClick=${onClear} disabled=${busy} data-testid="bulk-clear">Clear selection</button>
    </form>
    <${EnrollDialog} contacts=${dialog ? dialog.contacts : []} open=${dialog?.kind === 'enroll'} onClose=${closeDialog} onDone=${onChanged} />
    <${AddToBatchDialog} contacts=${dialog ? dialog.contacts : []} open=${dialog?.kind === 'batch'} onClose=${closeDialog} onDone=${onChanged} />
  `;
}

/** What a bulk action did: how many succeeded, and each failure with its reason. */
export function BulkReport({ report, onDismiss }) {
  const { what, todo, total, succeeded = [], failed = [], error } = report;
  const tone = error || (failed.length && !succeeded.length) ? 'bad' : failed.length ? 'mixed' : 'ok';
  let summary;
  if (error) summary = `Could not ${todo}: ${error.message}`;
  else if (!failed.length) summary = `${what} for all ${total} ${total === 1 ? 'contact' : 'contacts'}.`;
  else if (!succeeded.length) summary = `Could not ${todo} for ${total === 1 ? 'the selected contact' : `any of the ${total} contacts`}.`;
  else summary = `${what} for ${succeeded.length} of ${total} contacts; ${failed.length} failed.`;
  return html`
    <div class=${`bulk-report bulk-report-${tone}`} role="status" data-testid="bulk-report">
      <div class="bulk-report-head">
        <strong data-testid="bulk-summary">${summary}</strong>
        <button type="button" class="toast-close bulk-dismiss" aria-label="Dismiss" onClick=${onDismiss} data-testid="bulk-dismiss">×</button>
      </div>
      ${failed.length > 0 &&
      html`<ul class="bulk-failures">
        ${failed.map(
          (f) => html`<li key=${f.id} data-testid="bulk-failure">
            <a href=${`/contacts/${encodeURIComponent(f.id)}`}>${f.name}</a>: <span>${f.message}</span>
          </li>`,
        )}
      </ul>`}
      ${error && html`<${SupportDetails} error=${error} />`}
    </div>
  `;
}
