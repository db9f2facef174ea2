// Batches: named lists of contacts built from a saved filter, with their status and size,
// filtered by status (in the URL). A row opens the batch; "New batch" opens the form.
import { html } from '../../preact.js';
import { batches as batchesApi } from '../../api.js';
import { canWriteContacts } from '../../access.js';
import { withQuery } from '../../router.js';
import { useLoad } from '../../use-load.js';
import { useMedia, PHONE_QUERY } from '../../use-media.js';
import { urlList } from '../../url-list.js';
import { PageHeader } from '../../components/layout.js';
import { DataTable, Pager } from '../../components/table.js';
import { ToolbarField, Updating } from '../../components/toolbar.js';
import { Empty, ListError, Loading } from '../../components/states.js';
import { formatDateTime, formatInt, formatShortDateTime } from '../../format.js';

const PAGE_SIZE = 50;

export const BATCH_STATUSES = [
  { value: 'draft', label: 'Draft' },
  { value: 'active', label: 'Active' },
  { value: 'paused', label: 'Paused' },
  { value: 'completed', label: 'Completed' },
  { value: 'archived', label: 'Archived' },
];
const TONE = { active: 'badge-ok', completed: 'badge-ok' };

export const batchStatusLabel = (s) => (BATCH_STATUSES.find((o) => o.value === s) || { label: s }).label;

export function BatchStatus({ status }) {
  return html`<span class=${`badge ${TONE[status] || 'badge-muted'}`} data-testid="batch-status" data-status=${status}>${batchStatusLabel(status)}</span>`;
}

export const batchHref = (b) => `/batches/${encodeURIComponent(b.id)}`;

const COLUMNS = [
  { key: 'name', label: 'Name', render: (b) => html`<span data-testid="batch-name">${b.name}</span>` },
  { key: 'status', label: 'Status', render: (b) => html`<${BatchStatus} status=${b.status} />` },
  { key: 'member_count', label: 'Members', numeric: true, render: (b) => html`<span data-testid="batch-members">${formatInt(b.member_count)}</span>` },
  { key: 'description', label: 'Description', className: 'hide-md cell-wrap', render: (b) => b.description },
  { key: 'created_at', label: 'Created', className: 'nowrap', render: (b) => html`<span title=${formatDateTime(b.created_at)}>${formatShortDateTime(b.created_at)}</span>` },
];

function BatchCards({ items, busy }) {
  return html`<ul class=${`contact-cards ${busy ? 'is-busy' : ''}`} data-testid="batch-cards">
    ${items.map(
      (b) => html`<li key=${b.id} class="contact-card" data-testid="row">
        <div class="contact-card-body">
          <div class="contact-card-top">
            <a class="contact-card-name" href=${batchHref(b)} data-testid="batch-name">${b.name}</a>
            <${BatchStatus} status=${b.status} />
          </div>
          <div class="contact-card-line muted">
            <span data-testid="batch-members">${formatInt(b.member_count)}</span> ${b.member_count === 1 ? 'member' : 'members'} · created ${formatShortDateTime(b.created_at)}
          </div>
        </div>
      </li>`,
    )}
  </ul>`;
}

function readFilters(query) {
  const status = query.get('status') || '';
  return { status: BATCH_STATUSES.some((s) => s.value === status) ? status : '', cursor: query.get('cursor') || '' };
}
const listUrl = (f) => withQuery('/batches', f);

export function BatchesListScreen({ location, user }) {
  const { filters, setFilter, pager } = urlList(location, readFilters, listUrl);
  const phone = useMedia(PHONE_QUERY);
  const state = useLoad((signal) => batchesApi.list({ limit: PAGE_SIZE, status: filters.status, cursor: filters.cursor }, { signal }), [filters.status, filters.cursor]);
  const newButton = canWriteContacts(user) ? html`<a class="btn btn-primary" href="/batches/new" data-testid="new-batch">New batch</a>` : null;
  const items = (state.data && state.data.items) || [];

  let body;
  if (state.error) {
    body = html`<${ListError} error=${state.error} title="Could not load batches" cursor=${filters.cursor} onRetry=${state.retry} onRestart=${() => setFilter({})} />`;
  } else if (!state.data) {
    body = html`<${Loading} label="Loading batches…" />`;
  } else if (!items.length && !filters.cursor) {
    body = html`<${Empty} title=${filters.status ? `No ${batchStatusLabel(filters.status).toLowerCase()} batches` : 'No batches yet'} testid="batches-empty" action=${newButton}>
      A batch is a named list of contacts, such as the top 50 active fintech contacts by priority, to enroll or work together.
    <//>`;
  } else {
    body = html`
      ${phone
        ? html`<${BatchCards} items=${items} busy=${state.loading} />`
        : html`<${DataTable} columns=${COLUMNS} rows=${items} rowHref=${batchHref} caption="Batches" busy=${state.loading} testid="batches-table" />`}
      <${Pager} ...${pager({ count: items.length, next: state.data.next_cursor, total: state.data.total, pageSize: PAGE_SIZE, busy: state.loading, one: 'batch', many: 'batches' })} />
    `;
  }

  return html`
    <section class="page page-wide" data-testid="batches-list">
      <${PageHeader} title="Batches" actions=${newButton} />
      <div class="toolbar" role="search">
        <${ToolbarField} id="batches-status" label="Status" as="select" value=${filters.status} onChange=${(e) => setFilter({ status: e.currentTarget.value })} data-testid="batches-status">
          <option value="">Status: any</option>
          ${BATCH_STATUSES.map((s) => html`<option key=${s.value} value=${s.value}>Status: ${s.label}</option>`)}
        <//>
        <${Updating} when=${state.loading && state.data} />
      </div>
      ${body}
    </section>
  `;
}
