// Accounts list: search, industry filter, sort and cursor paging, all kept in the URL query
// (`?q=&industry=&sort=&cursor=`) so reload and Back show the same page. The cursors of the
// pages before this one live in history.state, which is what Previous follows.
import { html, useEffect, useRef, useState } from '../preact.js';
import { accounts, isAbort } from '../api.js';
import { navigate, withQuery } from '../router.js';
import { PageHeader } from '../components/layout.js';
import { DataTable, Pager } from '../components/table.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { formatDate, formatInt } from '../format.js';
import { canWriteAccounts } from '../access.js';

export const PAGE_SIZE = 25;
const DEBOUNCE_MS = 300;

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

/** A text input that updates the URL once typing pauses, and follows the URL on Back. */
export function useDebouncedParam(urlValue, apply) {
  const [value, setValue] = useState(urlValue);
  const sent = useRef(urlValue);
  useEffect(() => {
    if (urlValue !== sent.current) {
      sent.current = urlValue;
      setValue(urlValue);
    }
  }, [urlValue]);
  useEffect(() => {
    if (value === sent.current) return undefined;
    const timer = setTimeout(() => {
      sent.current = value;
      apply(value);
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [value]);
  return [value, setValue];
}

export function AccountsListScreen({ location, user }) {
  const filters = readFilters(location.query);
  const prevCursors = Array.isArray(location.state.cursors) ? location.state.cursors : [];
  const [state, setState] = useState({ loading: true, data: null, error: null });
  const [reload, setReload] = useState(0);

  // Reads the URL afresh: a debounced input applies its value after later renders.
  const setFilter = (patch, { replace = false } = {}) => {
    const now = readFilters(new URLSearchParams(window.location.search));
    navigate(listUrl({ ...now, ...patch, cursor: '' }), { replace, state: { cursors: [] } });
  };
  const [q, setQ] = useDebouncedParam(filters.q, (v) => setFilter({ q: v.trim() ? v : '' }, { replace: true }));
  const [industry, setIndustry] = useDebouncedParam(filters.industry, (v) =>
    setFilter({ industry: v.trim() ? v : '' }, { replace: true }),
  );

  useEffect(() => {
    const ctrl = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null }));
    accounts
      .list(
        { limit: PAGE_SIZE, q: filters.q.trim(), industry: filters.industry.trim(), sort: filters.sort, cursor: filters.cursor },
        { signal: ctrl.signal },
      )
      .then((data) => setState({ loading: false, data, error: null }))
      .catch((error) => {
        if (!isAbort(error)) setState({ loading: false, data: null, error });
      });
    return () => ctrl.abort();
  }, [filters.q, filters.industry, filters.sort, filters.cursor, reload]);

  const goNext = () => {
    if (!state.data || !state.data.next_cursor) return;
    navigate(listUrl({ ...filters, cursor: state.data.next_cursor }), {
      state: { cursors: [...prevCursors, filters.cursor] },
    });
  };
  const goPrev = () => {
    // Opened from a link with a cursor and no history: the first page is the safe way back.
    const cursors = prevCursors.slice(0, -1);
    const cursor = prevCursors.length ? prevCursors[prevCursors.length - 1] : '';
    navigate(listUrl({ ...filters, cursor }), { state: { cursors } });
  };

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
    // A cursor the server no longer accepts (edited URL, changed data): retrying cannot help.
    const badCursor = filters.cursor && state.error.fields.some((f) => f.field === 'cursor');
    const restart = html`<button type="button" class="btn" onClick=${() => setFilter({})}>Start from the first page</button>`;
    body = html`<${ErrorState}
      error=${state.error}
      title="Could not load accounts"
      onRetry=${() => setReload((n) => n + 1)}
      action=${badCursor ? restart : null}
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
    const pageIndex = prevCursors.length;
    const known = !filters.cursor || prevCursors.length > 0;
    const first = pageIndex * PAGE_SIZE + 1;
    const label = !items.length
      ? 'No more accounts'
      : !filters.cursor && !state.data.next_cursor
        ? `${formatInt(items.length)} account${items.length === 1 ? '' : 's'}`
        : known
        ? `${formatInt(first)}–${formatInt(first + items.length - 1)}`
        : `${items.length} accounts`;
    body = html`
      <${DataTable}
        columns=${COLUMNS}
        rows=${items}
        rowHref=${(a) => `/accounts/${encodeURIComponent(a.id)}`}
        caption="Accounts"
        busy=${state.loading}
        testid="accounts-table"
      />
      <${Pager}
        label=${label}
        hasPrev=${Boolean(filters.cursor)}
        hasNext=${Boolean(state.data.next_cursor)}
        onPrev=${goPrev}
        onNext=${goNext}
        busy=${state.loading}
      />
    `;
  }

  return html`
    <section class="page" data-testid="accounts-list">
      <${PageHeader} title="Accounts" actions=${newButton} />
      <div class="toolbar" role="search">
        <div class="toolbar-field toolbar-search">
          <label class="visually-hidden" for="accounts-q">Search accounts</label>
          <input
            id="accounts-q"
            class="control"
            type="search"
            placeholder="Search name or domain…"
            autocomplete="off"
            spellcheck="false"
            data-testid="accounts-search"
            value=${q}
            onInput=${(e) => setQ(e.currentTarget.value)}
          />
        </div>
        <div class="toolbar-field">
          <label class="visually-hidden" for="accounts-industry">Industry</label>
          <input
            id="accounts-industry"
            class="control"
            type="text"
            placeholder="Industry"
            autocomplete="off"
            data-testid="accounts-industry"
            value=${industry}
            onInput=${(e) => setIndustry(e.currentTarget.value)}
          />
        </div>
        <div class="toolbar-field">
          <label class="visually-hidden" for="accounts-sort">Sort by</label>
          <select
            id="accounts-sort"
            class="control"
            data-testid="accounts-sort"
            value=${filters.sort}
            onChange=${(e) => setFilter({ sort: e.currentTarget.value })}
          >
            ${SORTS.map((s) => html`<option key=${s.value} value=${s.value}>${s.label}</option>`)}
          </select>
        </div>
        ${state.loading && state.data ? html`<span class="spinner spinner-inline" role="status" aria-label="Updating"></span>` : null}
      </div>
      ${body}
    </section>
  `;
}
