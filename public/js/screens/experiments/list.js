// Experiments (/experiments): A/B tests of a sequence step's subject or body, newest first, with
// their status, metric, step and verdict in words, filtered by status (in the URL). A row opens
// the experiment; "New experiment" (managers and admins) opens the form.
import { html } from '../../preact.js';
import { experiments as experimentsApi } from '../../api.js';
import { canManageExperiments } from '../../access.js';
import { withQuery } from '../../router.js';
import { useLoad } from '../../use-load.js';
import { urlList } from '../../url-list.js';
import { PageHeader } from '../../components/layout.js';
import { DataTable, Pager } from '../../components/table.js';
import { ToolbarField, Updating } from '../../components/toolbar.js';
import { Empty, ListError, Loading } from '../../components/states.js';
import { STATUSES, StatusBadge, metricLabel, verdictShort, whereText } from './common.js';

const PAGE_SIZE = 50;

export const experimentHref = (e) => `/experiments/${encodeURIComponent(e.id)}`;

const COLUMNS = [
  { key: 'name', label: 'Name', className: 'cell-wrap', render: (e) => html`<span data-testid="experiment-name">${e.name}</span>` },
  { key: 'status', label: 'Status', render: (e) => html`<${StatusBadge} status=${e.status} />` },
  { key: 'metric', label: 'Metric', className: 'hide-xs nowrap', render: (e) => metricLabel(e.metric) },
  { key: 'step', label: 'Step', className: 'hide-sm cell-wrap', render: (e) => whereText(e) },
  { key: 'verdict', label: 'Verdict', className: 'cell-wrap', render: (e) => html`<span data-testid="experiment-verdict" data-kind=${e.verdict && e.verdict.kind}>${verdictShort(e)}</span>` },
];

function readFilters(query) {
  const status = query.get('status') || '';
  return { status: STATUSES.some((s) => s.value === status) ? status : '', cursor: query.get('cursor') || '' };
}
const listUrl = (f) => withQuery('/experiments', f);

/** "New experiment", or the same button disabled with why for the roles that cannot. */
function NewButton({ user, testid = 'new-experiment' }) {
  if (canManageExperiments(user)) return html`<a class="btn btn-primary" href="/experiments/new" data-testid=${testid}>New experiment</a>`;
  return html`<span class="exp-actions">
    <button type="button" class="btn" disabled title="Managers and admins create experiments" aria-describedby=${`${testid}-why`} data-testid=${testid}>New experiment</button>
    <span class="muted exp-actions-why" id=${`${testid}-why`}>Managers and admins create experiments.</span>
  </span>`;
}

export function ExperimentsListScreen({ location, user }) {
  const { filters, setFilter, pager } = urlList(location, readFilters, listUrl);
  const state = useLoad((signal) => experimentsApi.list({ limit: PAGE_SIZE, status: filters.status, cursor: filters.cursor }, { signal }), [filters.status, filters.cursor]);
  const items = (state.data && state.data.items) || [];

  let body;
  if (state.error) {
    body = html`<${ListError} error=${state.error} title="Could not load the experiments" cursor=${filters.cursor} onRetry=${state.retry} onRestart=${() => setFilter({})} />`;
  } else if (!state.data) {
    body = html`<${Loading} label="Loading the experiments…" />`;
  } else if (!items.length && !filters.cursor) {
    body = filters.status
      ? html`<${Empty} title="No experiments with this status" testid="experiments-empty" action=${html`<button type="button" class="btn" onClick=${() => setFilter({ status: '' })}>Show every status</button>`} />`
      : html`<${Empty} title="No experiments yet" testid="experiments-empty" action=${html`<${NewButton} user=${user} testid="experiments-empty-new" />`}>
          Test two or more subjects or bodies of a sequence step against each other; the results come with their intervals and a verdict.
        <//>`;
  } else {
    body = html`
      <${DataTable} columns=${COLUMNS} rows=${items} rowHref=${experimentHref} caption="Experiments, newest first" busy=${state.loading} testid="experiments-table" />
      <${Pager} ...${pager({ count: items.length, next: state.data.next_cursor, pageSize: PAGE_SIZE, busy: state.loading, one: 'experiment', many: 'experiments' })} />
    `;
  }

  return html`<section class="page" data-testid="experiments-screen">
    <${PageHeader} title="Experiments" actions=${html`<${NewButton} user=${user} />`} />
    <div class="toolbar" role="search" aria-label="Filter the experiments">
      <${ToolbarField} id="exp-status" label="Status" as="select" value=${filters.status} onChange=${(e) => setFilter({ status: e.currentTarget.value })} data-testid="experiments-status">
        <option value="">Any status</option>
        ${STATUSES.map((s) => html`<option key=${s.value} value=${s.value}>${s.label}</option>`)}
      <//>
      <${Updating} when=${state.loading && state.data} />
    </div>
    ${body}
  </section>`;
}
