// New batch: a name, a description and the saved contact filter it is built from, either
// picked here (the simple filters of the Contacts screen) or pasted as a Contacts list link,
// plus how many contacts to take and in what order.
import { html, useRef, useState } from '../../preact.js';
import { batches as batchesApi } from '../../api.js';
import { navigate } from '../../router.js';
import { PageHeader } from '../../components/layout.js';
import { Field, FormError } from '../../components/field.js';
import { MultiSelect } from '../../components/multi-select.js';
import { toast } from '../../components/toast.js';
import { STAGES, STATUSES } from '../../contact-meta.js';
import { batchHref } from './batches-list.js';

const ORDERS = [
  { value: 'priority', label: 'Priority (highest first)' },
  { value: '-created_at', label: 'Newest first' },
  { value: '-updated_at', label: 'Recently updated' },
];
const OWNERS = [
  { value: '', label: 'Anyone' },
  { value: 'me', label: 'Me' },
  { value: 'none', label: 'Nobody' },
];
const PRIORITIES = ['', '20', '40', '50', '60', '70', '80', '90'];

/** A contacts-list query string from the filters picked here (commas left readable). */
export function filterQuery(f) {
  const params = new URLSearchParams();
  const put = (k, v) => v && params.set(k, v);
  put('q', f.q.trim());
  put('industry', f.industry.split(',').map((s) => s.trim()).filter(Boolean).join(','));
  put('stage', f.stage.join(','));
  put('status', f.status.join(','));
  put('min_priority', f.min_priority);
  put('owner', f.owner);
  put('sort', f.order);
  return params.toString().replace(/%2C/gi, ',');
}

/** The query of a pasted Contacts link (`https://…/contacts?a=b`, `/contacts?a=b`, `?a=b` or `a=b`), without its cursor. */
export function pastedQuery(text, order) {
  const t = text.trim();
  if (!t) return '';
  let search = t;
  const q = t.indexOf('?');
  if (q >= 0) search = t.slice(q + 1);
  else if (/^https?:\/\/|^\//.test(t)) search = '';
  const params = new URLSearchParams(search.split('#')[0]);
  params.delete('cursor');
  params.delete('limit');
  if (!params.get('sort') && order) params.set('sort', order);
  return params.toString().replace(/%2C/gi, ',');
}

export function BatchCreateScreen() {
  const [f, setF] = useState({ name: '', description: '', q: '', industry: '', stage: [], status: [], min_priority: '', owner: '', order: 'priority', limit: '50', pasted: '' });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const errorRef = useRef(null);
  const set = (patch) => setF((x) => ({ ...x, ...patch }));
  const query = f.pasted.trim() ? pastedQuery(f.pasted, f.order) : filterQuery(f);
  const fieldErrors = error && error.fieldErrors ? error.fieldErrors() : {};

  const submit = async (e) => {
    e.preventDefault();
    const limit = Number(f.limit);
    const local = [];
    if (!f.name.trim()) local.push({ field: 'name', message: 'Give the batch a name.' });
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) local.push({ field: 'limit', message: 'A whole number from 1 to 1000.' });
    if (local.length) {
      setError({ message: 'Check the highlighted fields.', fields: local, fieldErrors: () => Object.fromEntries(local.map((l) => [l.field, [l.message]])) });
      setTimeout(() => errorRef.current && errorRef.current.querySelector('.form-error')?.focus(), 0);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const body = { name: f.name.trim(), query, limit };
      if (f.description.trim()) body.description = f.description.trim();
      const batch = await batchesApi.create(body);
      toast(`Batch “${batch.name}” created with ${batch.member_count} ${batch.member_count === 1 ? 'contact' : 'contacts'}`);
      navigate(batchHref(batch));
    } catch (err) {
      setError(err);
      setTimeout(() => errorRef.current && errorRef.current.querySelector('.form-error')?.focus(), 0);
    } finally {
      setBusy(false);
    }
  };

  const usingPaste = Boolean(f.pasted.trim());
  return html`
    <section class="page page-narrow" data-testid="batch-new">
      <${PageHeader} title="New batch" crumbs=${[{ href: '/batches', label: 'Batches' }, { label: 'New' }]} />
      <form class="form card card-padded" onSubmit=${submit} noValidate data-testid="batch-form">
        <div ref=${errorRef}>${error && html`<${FormError} error=${error} details=${(error.fields || []).filter((x) => x.field && x.field.startsWith('query')).map((x) => `${x.field.replace(/^query\.?/, '') || 'filter'}: ${x.message}`)} />`}</div>
        <${Field} id="batch-name" name="name" label="Name" required value=${f.name} onInput=${(e) => set({ name: e.currentTarget.value })} error=${fieldErrors.name} data-testid="batch-name-input" />
        <${Field} id="batch-description" name="description" label="Description" as="textarea" rows="2" value=${f.description} onInput=${(e) => set({ description: e.currentTarget.value })} error=${fieldErrors.description} />

        <fieldset class="form-section" disabled=${usingPaste}>
          <legend>Contacts to take</legend>
          <p class="field-hint">${usingPaste ? 'The pasted link below is used instead of these filters.' : 'The same filters as the Contacts screen; leave any empty to take everyone.'}</p>
          <div class="filter-grid">
            <${Field} id="batch-q" name="q" label="Text search" type="search" value=${f.q} onInput=${(e) => set({ q: e.currentTarget.value })} data-testid="batch-q" />
            <${Field} id="batch-industry" name="industry" label="Industries" placeholder="Fintech, SaaS" value=${f.industry} onInput=${(e) => set({ industry: e.currentTarget.value })} data-testid="batch-industry" />
            <div class="field">
              <${MultiSelect} id="batch-stage" label="Stage" options=${STAGES} value=${f.stage} onChange=${(stage) => set({ stage })} testid="batch-stage" />
            </div>
            <div class="field">
              <${MultiSelect} id="batch-status" label="Status" options=${STATUSES} value=${f.status} onChange=${(status) => set({ status })} testid="batch-status-filter" />
            </div>
            <${Field} id="batch-min-priority" name="min_priority" label="Minimum priority" as="select" value=${f.min_priority} onChange=${(e) => set({ min_priority: e.currentTarget.value })} data-testid="batch-min-priority">
              ${PRIORITIES.map((p) => html`<option key=${p} value=${p}>${p ? `≥ ${p}` : 'Any'}</option>`)}
            <//>
            <${Field} id="batch-owner" name="owner" label="Owner" as="select" value=${f.owner} onChange=${(e) => set({ owner: e.currentTarget.value })} data-testid="batch-owner">
              ${OWNERS.map((o) => html`<option key=${o.value} value=${o.value}>${o.label}</option>`)}
            <//>
          </div>
        </fieldset>

        <${Field}
          id="batch-pasted"
          name="query"
          label="Or paste a Contacts list link"
          hint="Filter the Contacts screen, copy its address and paste it here: its filters are saved with the batch."
          placeholder="https://…/contacts?industry=Fintech&status=active"
          value=${f.pasted}
          onInput=${(e) => set({ pasted: e.currentTarget.value })}
          error=${fieldErrors.query}
          data-testid="batch-pasted"
        />

        <div class="field-pair">
          <${Field} id="batch-order" name="order" label="Order" as="select" value=${f.order} onChange=${(e) => set({ order: e.currentTarget.value })} data-testid="batch-order">
            ${ORDERS.map((o) => html`<option key=${o.value} value=${o.value}>${o.label}</option>`)}
          <//>
          <${Field} id="batch-limit" name="limit" label="How many (1–1000)" type="number" min="1" max="1000" step="1" value=${f.limit} onInput=${(e) => set({ limit: e.currentTarget.value })} error=${fieldErrors.limit} data-testid="batch-limit" />
        </div>

        <p class="field-hint" data-testid="batch-query-preview">
          Saved filter: <code>${query || '(every contact)'}</code> ·
          <a href=${`/contacts${query ? `?${query}` : ''}`} target="_blank" rel="noopener">See these contacts</a>
        </p>

        <div class="form-actions">
          <a class="btn" href="/batches">Cancel</a>
          <button type="submit" class="btn btn-primary" disabled=${busy} data-testid="batch-create">${busy ? 'Creating…' : 'Create batch'}</button>
        </div>
      </form>
    </section>
  `;
}
