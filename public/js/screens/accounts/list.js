// Accounts list: search, industry filter, sort and cursor paging, all kept in the URL query
// (`?q=&industry=&sort=&cursor=`) so reload and Back show the same page (see url-list.js).
import { html } from '../../preact.js';
import { accounts } from '../../api.js';
import { withQuery } from '../../router.js';
import { useLoad } from '../../use-load.js';
import { urlList } from '../../url-list.js';
import { PageHeader } from '../../components/layout.js';
import { ExportButton } from '../../export-link.js';
import { DataTable, Pager, SearchCapped } from '../../components/table.js';
import { TextFilter, ToolbarField, Updating } from '../../components/toolbar.js';
import { Empty, ListError, Loading } from '../../components/states.js';
import { formatDate, formatInt } from '../../format.js';
import { canWriteAccounts } from '../../access.js';

export const PAGE_SIZE = 25;

export const SORTS = [
  { value: 'name', label: 'Name (A–Z)' },
  { value: '-name', label: 'Name (Z–A)' },
  { value: 'domain', label: 'Domain (A–Z)' },
  { value: '-domain', label: 'Domain (Z–A)' },
  { value: '-created_at', label: 'Newest first' },
  { value: 'created_at', label: 'Oldest first' },
  { value: '-updated_at', label: 'Recently updated' },
  { value: 'updated_at', label: 'Least recently updated' },
];
const DEFAULT_SORT = 'name';

function readFilters(query) {
  const sort = query.get('sort');
  return {
    q: query.get('q') || '',
    industry: query.get('industry') || '',
    sort: SORTS.some((s) => s.value === sort) ? sort : DEFAULT_SORT,
    cursor: query.get('cursor') || '',
  };
}

function listUrl({ q, industry, sort, cursor }) {
  return withQuery('/accounts', { q, industry, sort: sort === DEFAULT_SORT ? '' : sort, cursor });
}

const COLUMNS = [
  { key: 'name', label: 'Name', className: 'col-name' },
  { key: 'domain', label: 'Domain', className: 'col-domain' },
  { key: 'industry', label: 'Industry', className: 'hide-xs' },
  { key: 'employee_count', label: 'Employees', numeric: true, className: 'hide-sm', render: (a) => formatInt(a.employee_count) },
  { key: 'country', label: 'Country', className: 'hide-sm' },
  { key: 'updated_at', label: 'Updated', className: 'hide-sm nowrap', render: (a) => formatDate(a.updated_at) },
];

export function AccountsListScreen({ location, user }) {
  const { filters, setFilter, pager } = urlList(location, readFilters, listUrl);
  const state = useLoad(
    (signal) =>
      accounts.list(
        { limit: PAGE_SIZE, q: filters.q.trim(), industry: filters.industry.trim(), sort: filters.sort, cursor: filters.cursor },
        { signal },
      ),
    [filters.q, filters.industry, filters.sort, filters.cursor],
  );

  const filtered = Boolean(filters.q || filters.industry);
  // Viewers read only: no New account button for them (the server would answer 403).
  const canWrite = canWriteAccounts(user);
  const newButton = canWrite ? html`<a class="btn btn-primary" href="/accounts/new" data-testid="new-account">New account</a>` : null;
  const emptyNewButton = canWrite
    ? html`<a class="btn btn-primary" href="/accounts/new" data-testid="empty-new-account">New account</a>`
    : null;
  const items = (state.data && state.data.items) || [];

  let body;
  if (state.error) {
    body = html`<${ListError}
      error=${state.error}
      title="Could not load accounts"
      cursor=${filters.cursor}
      onRetry=${state.retry}
      onRestart=${() => setFilter({})}
    />`;
  } else if (!state.data) {
    body = html`<${Loading} label="Loading accounts…" />`;
  } else if (!items.length && !filters.cursor) {
    body = filtered
      ? html`<${Empty}
          title="No accounts match these filters"
          testid="accounts-empty"
          action=${html`<button type="button" class="btn" onClick=${() => setFilter({ q: '', industry: '' })}>Clear filters</button> ${emptyNewButton}`}
        >
          Try a shorter search, or another industry.
        <//>`
      : html`<${Empty} title="No accounts yet" testid="accounts-empty" action=${emptyNewButton}>
          ${canWrite
            ? 'Accounts are the companies you prospect. Add the first one to get started.'
            : 'Accounts are the companies the team prospects. None have been added yet.'}
        <//>`;
  } else {
    const next = state.data.next_cursor;
    body = html`
      <${SearchCapped} cappedAt=${state.data.capped_at} many="accounts" />
      <${DataTable}
        columns=${COLUMNS}
        rows=${items}
        rowHref=${(a) => `/accounts/${encodeURIComponent(a.id)}`}
        caption="Accounts"
        busy=${state.loading}
        testid="accounts-table"
      />
      <${Pager} ...${pager({ count: items.length, next, pageSize: PAGE_SIZE, busy: state.loading, one: 'account', many: 'accounts' })} />
    `;
  }

  return html`
    <section class="page" data-testid="accounts-list">
      <${PageHeader}
        title="Accounts"
        actions=${html`<${ExportButton}
            kind="accounts"
            query=${{ q: filters.q.trim(), industry: filters.industry.trim(), sort: filters.sort }}
            filtered=${filtered}
          />${newButton}`}
      />
      <div class="toolbar" role="search">
        <${TextFilter}
          id="accounts-q"
          label="Search accounts"
          className="toolbar-search"
          type="search"
          placeholder="Search name or domain…"
          spellcheck=${false}
          data-testid="accounts-search"
          value=${filters.q}
          onApply=${(v) => setFilter({ q: v.trim() ? v : '' }, { replace: true })}
        />
        <${TextFilter}
          id="accounts-industry"
          label="Industry"
          placeholder="Industry"
          data-testid="accounts-industry"
          value=${filters.industry}
          onApply=${(v) => setFilter({ industry: v.trim() ? v : '' }, { replace: true })}
        />
        <${ToolbarField}
          id="accounts-sort"
          label="Sort by"
          as="select"
          data-testid="accounts-sort"
          value=${filters.sort}
          onChange=${(e) => setFilter({ sort: e.currentTarget.value })}
        >
          ${SORTS.map((s) => html`<option key=${s.value} value=${s.value}>${s.label}</option>`)}
        <//>
        <${Updating} when=${state.loading && state.data} />
      </div>
      ${body}
    </section>
  `;
}
