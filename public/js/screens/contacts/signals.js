// A contact's buying signals and its company's (newest first; both count toward the score), a
// form to add one, and delete after a confirmation. Expired signals stay listed, dimmed: they no
// longer count. A company's signal is marked as such and is deleted from the account's page.
import { html, useEffect, useState } from '../../preact.js';
import { isAbort, signals as signalsApi } from '../../api.js';
import { useForm } from '../../use-form.js';
import { ConfirmDialog, useConfirm } from '../../components/confirm.js';
import { Field, FormError } from '../../components/field.js';
import { ErrorState, Loading } from '../../components/states.js';
import { toast } from '../../components/toast.js';
import { SIGNAL_KINDS, labelOf } from '../../contact-meta.js';
import { formatDate, formatDateTime, formatShortDateTime, safeHref } from '../../format.js';

const PAGE_SIZE = 50;
const FIELDS = ['kind', 'strength', 'title', 'detail', 'source_url', 'occurred_at', 'expires_at'];
const EMPTY = { kind: 'news', strength: '3', title: '', detail: '', source_url: '', occurred_at: '', expires_at: '' };

/**
 * The signals of `contactId` and of its account `accountId` (if any), a page at a time ("Show
 * more"), with add and remove in place.
 */
function useSignals(contactId, accountId) {
  const [state, setState] = useState({ loading: true, items: [], next: null, error: null });
  const [tick, setTick] = useState(0);
  const load = (cursor, signal) =>
    signalsApi.list({ contact_id: contactId, account_id: accountId || undefined, limit: PAGE_SIZE, cursor }, { signal }).then(
      (data) =>
        setState((s) => ({
          loading: false,
          items: cursor ? [...s.items, ...(data.items || [])] : data.items || [],
          next: data.next_cursor || null,
          error: null,
        })),
      (error) => !isAbort(error) && setState((s) => ({ ...s, loading: false, error })),
    );
  useEffect(() => {
    const ctrl = new AbortController();
    setState({ loading: true, items: [], next: null, error: null });
    load('', ctrl.signal);
    return () => ctrl.abort();
  }, [contactId, accountId, tick]);
  return {
    ...state,
    retry: () => setTick((n) => n + 1),
    more: () => {
      setState((s) => ({ ...s, loading: true }));
      load(state.next);
    },
    add: (sig) => setState((s) => ({ ...s, items: [sig, ...s.items].sort((a, b) => (a.occurred_at < b.occurred_at ? 1 : -1)) })),
    drop: (id) => setState((s) => ({ ...s, items: s.items.filter((x) => x.id !== id) })),
  };
}

function Strength({ value }) {
  const n = Math.max(0, Math.min(5, Number(value) || 0));
  return html`<span class="strength" role="img" aria-label=${`Strength ${n} of 5`} title=${`Strength ${n} of 5`} data-testid="signal-strength">
    ${[1, 2, 3, 4, 5].map((i) => html`<span key=${i} class=${`strength-dot ${i <= n ? 'on' : ''}`}></span>`)}
  </span>`;
}

function SignalForm({ contactId, onAdded, onCancel }) {
  const form = useForm(EMPTY);
  const onSubmit = form.submit({
    fields: FIELDS,
    validate: (v) => {
      const errors = {};
      if (!v.title.trim()) errors.title = ['is required'];
      if (v.source_url.trim() && !safeHref(v.source_url.trim())) errors.source_url = ['must be an http(s) URL'];
      if (v.occurred_at && Number.isNaN(new Date(v.occurred_at).getTime())) errors.occurred_at = ['is not a date and time'];
      return errors;
    },
    save: async (v) => {
      const body = { contact_id: contactId, kind: v.kind, strength: Number(v.strength), title: v.title.trim() };
      if (v.detail.trim()) body.detail = v.detail;
      if (v.source_url.trim()) body.source_url = v.source_url.trim();
      if (v.occurred_at) body.occurred_at = new Date(v.occurred_at).toISOString();
      // "Expires on" a day: the signal counts until that day is over.
      if (v.expires_at) body.expires_at = new Date(`${v.expires_at}T23:59:59`).toISOString();
      const created = await signalsApi.create(body);
      toast('Signal added');
      onAdded(created);
    },
  });
  return html`
    <form ref=${form.formRef} class="signal-form" noValidate onSubmit=${onSubmit} data-testid="signal-form" aria-label="Add a signal">
      ${form.formError && html`<${FormError} ...${form.formError} />`}
      <div class="form-grid">
        <${Field} id="signal-kind" label="Kind" as="select" required ...${form.field('kind')}>
          ${SIGNAL_KINDS.map((k) => html`<option key=${k.value} value=${k.value}>${k.label}</option>`)}
        <//>
        <${Field} id="signal-strength" label="Strength" as="select" required hint="1 weak, 5 strong." ...${form.field('strength')}>
          ${[1, 2, 3, 4, 5].map((n) => html`<option key=${n} value=${String(n)}>${n}</option>`)}
        <//>
        <${Field} id="signal-title" label="Title" required className="field-wide" placeholder="Raised a Series B" ...${form.field('title')} />
        <${Field} id="signal-detail" label="Detail" as="textarea" rows="2" className="field-wide" ...${form.field('detail')} />
        <${Field} id="signal-source_url" label="Source URL" inputMode="url" spellcheck=${false} placeholder="https://…" className="field-wide" ...${form.field('source_url')} />
        <${Field} id="signal-occurred_at" label="Happened at" type="datetime-local" hint="Empty: now." ...${form.field('occurred_at')} />
        <${Field} id="signal-expires_at" label="Expires on" type="date" hint="Optional." ...${form.field('expires_at')} />
      </div>
      <div class="form-actions">
        <button type="button" class="btn" onClick=${onCancel} disabled=${form.saving}>Cancel</button>
        <button type="submit" class="btn btn-primary" disabled=${form.saving} data-testid="signal-submit">${form.saving ? 'Adding…' : 'Add signal'}</button>
      </div>
    </form>
  `;
}

/** One signal; a person's signal listed on their account's page names them (`contact_name`). */
export function SignalItem({ signal: s, canEdit, onDelete }) {
  const href = safeHref(s.source_url);
  const company = !s.contact_id && Boolean(s.account_id);
  return html`<li class=${`signal ${s.expired ? 'is-expired' : ''}`} data-testid="signal" data-signal-id=${s.id}>
    <div class="signal-head">
      <span class="badge badge-kind">${labelOf(SIGNAL_KINDS, s.kind)}</span>
      ${company && html`<span class="badge badge-muted" title="A signal of the company: it counts for everyone there" data-testid="signal-company">Company</span>`}
      <${Strength} value=${s.strength} />
      <strong class="signal-title" data-testid="signal-title">${s.title}</strong>
      ${s.contact_id &&
      s.contact_name &&
      html`<a class="signal-person" href=${`/contacts/${encodeURIComponent(s.contact_id)}`} data-testid="signal-person">${s.contact_name}</a>`}
    </div>
    ${s.detail && html`<p class="signal-detail">${s.detail}</p>`}
    <div class="signal-meta muted">
      <span title=${formatDateTime(s.occurred_at)}>${formatShortDateTime(s.occurred_at)}</span>
      ${s.expired
        ? html`<span class="badge badge-muted">Expired</span>`
        : s.expires_at && html`<span>expires ${formatDate(s.expires_at)}</span>`}
      ${href
        ? html`<a href=${href} target="_blank" rel="noopener noreferrer">Source</a>`
        : s.source_url && html`<span>${s.source_url}</span>`}
      ${canEdit &&
      !company &&
      html`<button type="button" class="btn btn-sm btn-ghost btn-danger-ghost signal-delete" onClick=${() => onDelete(s)} data-testid="signal-delete">
        Delete<span class="visually-hidden"> signal ${s.title}</span>
      </button>`}
    </div>
  </li>`;
}

/** `canEdit`: this user may add and delete this contact's signals. */
export function SignalsCard({ contactId, accountId, canEdit, onChanged = () => {} }) {
  const list = useSignals(contactId, accountId);
  const [adding, setAdding] = useState(false);
  const remove = useConfirm(async (s) => {
    await signalsApi.remove(s.id);
    list.drop(s.id);
    toast('Signal deleted');
    onChanged();
  }, 'delete the signal');

  let body;
  if (list.error && !list.items.length) {
    body = html`<${ErrorState} error=${list.error} title="Could not load signals" onRetry=${list.retry} />`;
  } else if (list.loading && !list.items.length) {
    body = html`<${Loading} label="Loading signals…" />`;
  } else if (!list.items.length) {
    body = html`<p class="muted card-text" data-testid="signals-empty">
      No signals yet. Job changes, funding, hiring and intent raise the priority score.
    </p>`;
  } else {
    body = html`<ul class="signal-list" data-testid="signal-list">
        ${list.items.map((s) => html`<${SignalItem} key=${s.id} signal=${s} canEdit=${canEdit} onDelete=${(x) => remove.ask(x)} />`)}
      </ul>
      ${list.next &&
      html`<div class="signal-more">
        <button type="button" class="btn btn-sm" onClick=${list.more} disabled=${list.loading}>${list.loading ? 'Loading…' : 'Show more'}</button>
      </div>`}`;
  }

  return html`
    <section class="card card-padded" aria-labelledby="signals-title" data-testid="signals">
      <div class="card-head">
        <h2 class="card-title" id="signals-title">Signals</h2>
        ${canEdit &&
        !adding &&
        html`<button type="button" class="btn btn-sm" onClick=${() => setAdding(true)} data-testid="add-signal">Add signal</button>`}
      </div>
      ${adding &&
      html`<${SignalForm}
        contactId=${contactId}
        onCancel=${() => setAdding(false)}
        onAdded=${(s) => {
          list.add(s);
          setAdding(false);
          onChanged();
        }}
      />`}
      ${body}
      <${ConfirmDialog} id="delete-signal" title="Delete this signal?" confirmLabel="Delete signal" danger ...${remove.dialog}>
        ${remove.subject && html`<strong>${remove.subject.title}</strong> will be deleted. The score is recomputed without it.`}
      <//>
    </section>
  `;
}
