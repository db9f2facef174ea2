// Opportunities: meetings booked and what they became, latest change first, filtered by status
// and owner (in the URL). Each row moves its status to one of its `next_statuses` and opens a small dialog
// for the meeting time, amount and notes; "New opportunity" books one for a contact found by
// search. A table at 1280 px, cards on a phone.
import { html, useState } from '../../preact.js';
import { opportunities as oppApi } from '../../api.js';
import { canWriteContacts } from '../../access.js';
import { withQuery } from '../../router.js';
import { useLoad } from '../../use-load.js';
import { useMedia, PHONE_QUERY } from '../../use-media.js';
import { urlList } from '../../url-list.js';
import { PageHeader } from '../../components/layout.js';
import { Pager } from '../../components/table.js';
import { ToolbarField, Updating } from '../../components/toolbar.js';
import { Empty, ListError, Loading } from '../../components/states.js';
import { ConfirmDialog } from '../../components/confirm.js';
import { FormError } from '../../components/field.js';
import { ContactSearch } from '../../components/contact-search.js';
import { toast, toastFailure } from '../../components/toast.js';
import { contactName } from '../../contact-meta.js';
import { formatDateTime, formatShortDateTime } from '../../format.js';
import { ownerLabel, useTeam } from '../../owners.js';

const PAGE_SIZE = 50;

export const OPP_STATUSES = [
  { value: 'meeting_booked', label: 'Meeting booked' },
  { value: 'meeting_held', label: 'Meeting held' },
  { value: 'opportunity_created', label: 'Opportunity created' },
  { value: 'disqualified', label: 'Disqualified' },
  { value: 'lost', label: 'Lost' },
];
const OPEN_STATUSES = OPP_STATUSES.slice(0, 3);
const TONE = { meeting_booked: 'badge-ok', meeting_held: 'badge-ok', opportunity_created: 'badge-ok', disqualified: 'badge-bad', lost: 'badge-muted' };

const statusLabel = (s) => (OPP_STATUSES.find((o) => o.value === s) || { label: s }).label;

export function OppStatus({ status }) {
  return html`<span class=${`badge ${TONE[status] || 'badge-muted'}`} data-testid="opp-status" data-status=${status}>${statusLabel(status)}</span>`;
}

/** An amount in minor units and its currency, as the browser writes money. */
export function formatAmount(minor, currency) {
  if (minor === null || minor === undefined) return null;
  const value = minor / 100;
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: currency || 'USD' }).format(value);
  } catch {
    return `${value.toFixed(2)} ${currency || ''}`.trim();
  }
}

/** An RFC 3339 time as a `datetime-local` value in this browser's time zone. */
function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A `datetime-local` value (local time) as RFC 3339, or null when empty. */
function fromLocalInput(value) {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** The amount field's text ("1234.50") as minor units, null when empty, NaN when not a number. */
function parseAmount(text) {
  const t = text.trim().replace(/[\s,]/g, '');
  if (!t) return null;
  if (!/^\d+(\.\d{1,2})?$/.test(t)) return NaN;
  return Math.round(Number(t) * 100);
}

function readFilters(query) {
  const status = query.get('status') || '';
  return {
    status: OPP_STATUSES.some((s) => s.value === status) ? status : '',
    owner: query.get('owner') === 'me' ? 'me' : '',
    cursor: query.get('cursor') || '',
  };
}
const listUrl = (f) => withQuery('/opportunities', f);

/** The meeting, amount and notes fields shared by the edit and the new dialogs. */
function MoneyFields({ prefix, form, set, errors }) {
  const err = (k) => (errors[k] ? html`<div class="field-error" data-testid=${`field-error-${k}`}>${errors[k].join(' ')}</div>` : null);
  return html`
    <div class="field">
      <label class="field-label" for=${`${prefix}-meeting`}>Meeting time <span class="muted">(your time zone)</span></label>
      <input id=${`${prefix}-meeting`} class="control" type="datetime-local" value=${form.meeting} onInput=${(e) => set({ meeting: e.currentTarget.value })} data-testid="opp-meeting" />
      ${err('meeting_at')}
    </div>
    <div class="field-pair">
      <div class="field">
        <label class="field-label" for=${`${prefix}-amount`}>Amount</label>
        <input id=${`${prefix}-amount`} class="control" inputmode="decimal" placeholder="12000.00" value=${form.amount} onInput=${(e) => set({ amount: e.currentTarget.value })} data-testid="opp-amount" />
        ${err('amount_minor')}
      </div>
      <div class="field">
        <label class="field-label" for=${`${prefix}-currency`}>Currency</label>
        <input id=${`${prefix}-currency`} class="control" maxlength="3" placeholder="USD" autocomplete="off" value=${form.currency} onInput=${(e) => set({ currency: e.currentTarget.value.toUpperCase() })} data-testid="opp-currency" />
        ${err('currency')}
      </div>
    </div>
    <div class="field">
      <label class="field-label" for=${`${prefix}-notes`}>Notes</label>
      <textarea id=${`${prefix}-notes`} class="control" rows="3" value=${form.notes} onInput=${(e) => set({ notes: e.currentTarget.value })} data-testid="opp-notes"></textarea>
      ${err('notes')}
    </div>
  `;
}

/** Checks the money fields here first; returns `{ amount_minor, currency }` or throws a field error. */
function money(form) {
  const amount = parseAmount(form.amount);
  const currency = form.currency.trim().toUpperCase();
  const fields = [];
  if (Number.isNaN(amount)) fields.push({ field: 'amount_minor', message: 'Write the amount as a number, such as 12000 or 12000.50.' });
  if (amount !== null && !currency) fields.push({ field: 'currency', message: 'An amount needs its currency (such as USD).' });
  if (currency && !/^[A-Z]{3}$/.test(currency)) fields.push({ field: 'currency', message: 'Three letters, such as USD or EUR.' });
  if (fields.length) {
    const e = new Error('Check the highlighted fields.');
    e.fields = fields;
    e.fieldErrors = () => Object.fromEntries(fields.map((f) => [f.field, [f.message]]));
    throw e;
  }
  return { amount_minor: amount, currency: amount === null ? null : currency };
}

function useDialogForm(initial) {
  const [form, setForm] = useState(initial);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  return { form, set: (patch) => setForm((f) => ({ ...f, ...patch })), reset: (v) => setForm(v), error, setError, busy, setBusy };
}

function EditDialog({ opp, onClose, onSaved }) {
  const initial = {
    meeting: toLocalInput(opp.meeting_at),
    amount: opp.amount_minor === null || opp.amount_minor === undefined ? '' : (opp.amount_minor / 100).toFixed(2),
    currency: opp.currency || '',
    notes: opp.notes || '',
  };
  const d = useDialogForm(initial);
  const save = async () => {
    d.setBusy(true);
    d.setError(null);
    try {
      const body = {};
      const meeting_at = fromLocalInput(d.form.meeting);
      if (d.form.meeting !== initial.meeting) body.meeting_at = meeting_at;
      if (d.form.amount !== initial.amount || d.form.currency !== initial.currency) Object.assign(body, money(d.form));
      if (d.form.notes !== initial.notes) body.notes = d.form.notes.trim() ? d.form.notes : null;
      const saved = Object.keys(body).length ? await oppApi.update(opp.id, body) : opp;
      toast('Opportunity saved');
      onSaved(saved);
    } catch (e) {
      d.setError(e);
    } finally {
      d.setBusy(false);
    }
  };
  const errors = d.error && d.error.fieldErrors ? d.error.fieldErrors() : {};
  return html`<${ConfirmDialog} id="opp-edit" open=${true} title=${`Edit: ${opp.contact_name || 'opportunity'}`} confirmLabel="Save" busy=${d.busy} onConfirm=${save} onCancel=${onClose}>
    <div class="dialog-fields" data-testid="opp-edit">
      ${d.error && html`<${FormError} error=${d.error} testid="opp-edit-error" />`}
      <${MoneyFields} prefix="opp-edit" form=${d.form} set=${d.set} errors=${errors} />
    </div>
  <//>`;
}

function NewDialog({ onClose, onCreated }) {
  const d = useDialogForm({ contact: null, status: 'meeting_booked', meeting: '', amount: '', currency: '', notes: '' });
  const create = async () => {
    if (!d.form.contact) {
      d.setError({ message: 'Pick the contact the meeting is with.' });
      return;
    }
    d.setBusy(true);
    d.setError(null);
    try {
      const body = { contact_id: d.form.contact.id, status: d.form.status };
      const meeting_at = fromLocalInput(d.form.meeting);
      if (meeting_at) body.meeting_at = meeting_at;
      const m = money(d.form);
      if (m.amount_minor !== null) Object.assign(body, m);
      if (d.form.notes.trim()) body.notes = d.form.notes;
      const created = await oppApi.create(body);
      toast(`Opportunity created for ${created.contact_name || contactName(d.form.contact)}`);
      onCreated(created);
    } catch (e) {
      d.setError(e);
    } finally {
      d.setBusy(false);
    }
  };
  const errors = d.error && d.error.fieldErrors ? d.error.fieldErrors() : {};
  return html`<${ConfirmDialog} id="opp-new" open=${true} title="New opportunity" confirmLabel="Create" busy=${d.busy} onConfirm=${create} onCancel=${onClose}>
    <div class="dialog-fields" data-testid="opp-new">
      ${d.error && html`<${FormError} error=${d.error} testid="opp-new-error" />`}
      ${d.form.contact
        ? html`<div class="field">
            <span class="field-label">Contact</span>
            <div class="picked" data-testid="opp-contact-picked">
              <span class="picked-name">${contactName(d.form.contact)}</span>
              <button type="button" class="btn btn-sm" onClick=${() => d.set({ contact: null })}>Change<span class="visually-hidden"> contact</span></button>
            </div>
          </div>`
        : html`<${ContactSearch} id="opp-new-contact" label="Contact" actionLabel="Pick" onPick=${(c) => d.set({ contact: c })} />`}
      ${errors.contact_id && html`<div class="field-error">${errors.contact_id.join(' ')}</div>`}
      <div class="field">
        <label class="field-label" for="opp-new-status">Status</label>
        <select id="opp-new-status" class="control" value=${d.form.status} onChange=${(e) => d.set({ status: e.currentTarget.value })} data-testid="opp-new-status">
          ${OPEN_STATUSES.map((s) => html`<option key=${s.value} value=${s.value}>${s.label}</option>`)}
        </select>
      </div>
      <${MoneyFields} prefix="opp-new" form=${d.form} set=${d.set} errors=${errors} />
    </div>
  <//>`;
}

/** Moves the status to one of `next_statuses`: a select and its button. */
function StatusMove({ opp, busy, onMove }) {
  const next = opp.next_statuses || [];
  const [to, setTo] = useState('');
  if (!next.length) return null;
  const id = `opp-move-${opp.id}`;
  const chosen = next.includes(to) ? to : '';
  return html`<form
    class="row-actions"
    onSubmit=${(e) => {
      e.preventDefault();
      if (chosen) onMove(opp, chosen).then((ok) => ok && setTo(''));
    }}
  >
    <label class="visually-hidden" for=${id}>New status for ${opp.contact_name || 'this opportunity'}</label>
    <select id=${id} class="control control-sm" value=${chosen} onChange=${(e) => setTo(e.currentTarget.value)} disabled=${busy} data-testid="opp-next">
      <option value="">Move to…</option>
      ${next.map((s) => html`<option key=${s} value=${s}>${statusLabel(s)}</option>`)}
    </select>
    <button type="submit" class="btn btn-sm" disabled=${busy || !chosen} data-testid="opp-move">Move</button>
  </form>`;
}

const contactLink = (o) =>
  o.contact_id
    ? html`<a href=${`/contacts/${encodeURIComponent(o.contact_id)}`} data-testid="opp-contact">${o.contact_name || 'Unnamed contact'}</a>`
    : html`<span class="muted">Erased contact</span>`;

function Actions({ opp, canWrite, busyId, onMove, onEdit }) {
  if (!canWrite) return null;
  return html`<div class="row-actions">
    <${StatusMove} opp=${opp} busy=${busyId === opp.id} onMove=${onMove} />
    <button type="button" class="btn btn-sm btn-ghost" onClick=${() => onEdit(opp)} data-testid="opp-edit-open">
      Edit<span class="visually-hidden"> ${opp.contact_name || 'opportunity'}</span>
    </button>
  </div>`;
}

function OppTable({ items, busy, ...rest }) {
  return html`<div class=${`table-wrap ${busy ? 'is-busy' : ''}`} aria-busy=${busy ? 'true' : 'false'}>
    <table class="table table-opps" data-testid="opps-table">
      <caption class="visually-hidden">Opportunities</caption>
      <thead>
        <tr>
          <th scope="col">Contact</th>
          <th scope="col">Account</th>
          <th scope="col">Status</th>
          <th scope="col" class="nowrap">Meeting</th>
          <th scope="col" class="num">Amount</th>
          <th scope="col" class="hide-lg">Owner</th>
          <th scope="col" class="hide-lg">Updated</th>
          ${rest.canWrite && html`<th scope="col"><span class="visually-hidden">Actions</span></th>`}
        </tr>
      </thead>
      <tbody>
        ${items.map(
          (o) => html`<tr key=${o.id} data-testid="row" data-opp-id=${o.id}>
            <td>${contactLink(o)}</td>
            <td>${o.account_id ? html`<a href=${`/accounts/${encodeURIComponent(o.account_id)}`}>${o.account_name}</a>` : html`<span class="muted">—</span>`}</td>
            <td><${OppStatus} status=${o.status} /></td>
            <td class="nowrap" title=${formatDateTime(o.meeting_at) || ''} data-testid="opp-meeting-at">${formatShortDateTime(o.meeting_at) || html`<span class="muted">—</span>`}</td>
            <td class="num amount" data-testid="opp-amount-cell">${formatAmount(o.amount_minor, o.currency) || html`<span class="muted">—</span>`}</td>
            <td class="hide-lg">${ownerLabel(o.owner_id, rest.me, rest.team)}</td>
            <td class="hide-lg nowrap" title=${formatDateTime(o.updated_at)}>${formatShortDateTime(o.updated_at)}</td>
            ${rest.canWrite && html`<td class="cell-actions"><${Actions} opp=${o} ...${rest} /></td>`}
          </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

function OppCards({ items, busy, ...rest }) {
  return html`<ul class=${`contact-cards ${busy ? 'is-busy' : ''}`} data-testid="opp-cards">
    ${items.map(
      (o) => html`<li key=${o.id} class="contact-card" data-testid="row" data-opp-id=${o.id}>
        <div class="contact-card-body">
          <div class="contact-card-top">
            <span class="contact-card-name">${contactLink(o)}</span>
            <${OppStatus} status=${o.status} />
          </div>
          <div class="contact-card-line muted">${[o.account_name, formatShortDateTime(o.meeting_at)].filter(Boolean).join(' · ') || 'No account or meeting time'}</div>
          ${o.amount_minor !== null && o.amount_minor !== undefined && html`<div class="contact-card-line amount">${formatAmount(o.amount_minor, o.currency)}</div>`}
          <div class="contact-card-meta muted">${ownerLabel(o.owner_id, rest.me, rest.team)} · updated ${formatShortDateTime(o.updated_at)}</div>
          <${Actions} opp=${o} ...${rest} />
        </div>
      </li>`,
    )}
  </ul>`;
}

export function OpportunitiesScreen({ location, user }) {
  const { filters, setFilter, pager } = urlList(location, readFilters, listUrl);
  const team = useTeam(user);
  const phone = useMedia(PHONE_QUERY);
  const state = useLoad(
    (signal) =>
      oppApi.list({ limit: PAGE_SIZE, status: filters.status, owner: filters.owner, cursor: filters.cursor }, { signal }),
    [filters.status, filters.owner, filters.cursor],
  );
  const [changed, setChanged] = useState({}); // rows the server answered since the page loaded
  const [busyId, setBusyId] = useState(null);
  const [editing, setEditing] = useState(null);
  const [creating, setCreating] = useState(false);
  const canWrite = canWriteContacts(user);

  const items = ((state.data && state.data.items) || []).map((o) => changed[o.id] || o);
  const replace = (o) => setChanged((c) => ({ ...c, [o.id]: o }));

  const onMove = async (opp, to) => {
    setBusyId(opp.id);
    try {
      const updated = await oppApi.update(opp.id, { status: to });
      replace(updated);
      toast(`${updated.contact_name || 'Opportunity'}: ${statusLabel(updated.status)}`);
      return true;
    } catch (e) {
      toastFailure(`move ${opp.contact_name || 'the opportunity'} to ${statusLabel(to)}`, e);
      return false;
    } finally {
      setBusyId(null);
    }
  };

  const newButton = canWrite
    ? html`<button type="button" class="btn btn-primary" onClick=${() => setCreating(true)} data-testid="new-opportunity">New opportunity</button>`
    : null;
  const rowProps = { canWrite, busyId, onMove, onEdit: setEditing, me: user, team };

  let body;
  if (state.error) {
    body = html`<${ListError} error=${state.error} title="Could not load opportunities" cursor=${filters.cursor} onRetry=${state.retry} onRestart=${() => setFilter({})} />`;
  } else if (!state.data) {
    body = html`<${Loading} label="Loading opportunities…" />`;
  } else if (!items.length && !filters.cursor) {
    body = html`<${Empty} title=${filters.status ? `No opportunities are ${statusLabel(filters.status).toLowerCase()}` : 'No opportunities yet'} testid="opps-empty" action=${newButton}>
      An opportunity starts when a meeting is booked with a contact.
    <//>`;
  } else {
    body = html`
      ${phone ? html`<${OppCards} items=${items} busy=${state.loading} ...${rowProps} />` : html`<${OppTable} items=${items} busy=${state.loading} ...${rowProps} />`}
      <${Pager} ...${pager({ count: items.length, next: state.data.next_cursor, total: state.data.total, pageSize: PAGE_SIZE, busy: state.loading, one: 'opportunity', many: 'opportunities' })} />
    `;
  }

  return html`
    <section class="page page-wide" data-testid="opportunities">
      <${PageHeader} title="Opportunities" actions=${newButton} />
      <div class="toolbar" role="search">
        <${ToolbarField}
          id="opps-status"
          label="Status"
          as="select"
          value=${filters.status}
          onChange=${(e) => {
            setChanged({});
            setFilter({ status: e.currentTarget.value });
          }}
          data-testid="opps-status"
        >
          <option value="">Status: any</option>
          ${OPP_STATUSES.map((s) => html`<option key=${s.value} value=${s.value}>Status: ${s.label}</option>`)}
        <//>
        <${ToolbarField}
          id="opps-owner"
          label="Owner"
          as="select"
          value=${filters.owner}
          onChange=${(e) => {
            setChanged({});
            setFilter({ owner: e.currentTarget.value });
          }}
          data-testid="opps-owner"
        >
          <option value="">Owner: anyone</option>
          <option value="me">Owner: me</option>
        <//>
        <${Updating} when=${state.loading && state.data} />
      </div>
      ${body}
      ${editing &&
      html`<${EditDialog}
        key=${editing.id}
        opp=${editing}
        onClose=${() => setEditing(null)}
        onSaved=${(o) => {
          replace(o);
          setEditing(null);
        }}
      />`}
      ${creating &&
      html`<${NewDialog}
        onClose=${() => setCreating(false)}
        onCreated=${() => {
          setCreating(false);
          setChanged({});
          state.retry();
        }}
      />`}
    </section>
  `;
}
