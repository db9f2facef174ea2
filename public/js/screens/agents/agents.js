// Agents (/agents): whether a model answers or every agent runs on its deterministic fallback;
// each agent's runs, fallback rate, latency (p50, p95), failures and tokens over a period (7, 30
// or 90 days); and the runs below, newest first, filtered by agent, status and who answered
// (the model or the fallback), a page at a time. A run opens on its own page. The period, the
// filters and the cursor live in the URL.
import { html } from '../../preact.js';
import { agentRuns as runsApi, agents as agentsApi } from '../../api.js';
import { navigate, withQuery } from '../../router.js';
import { useLoad } from '../../use-load.js';
import { urlList } from '../../url-list.js';
import { PageHeader } from '../../components/layout.js';
import { DataTable, Pager } from '../../components/table.js';
import { ToolbarField, Updating } from '../../components/toolbar.js';
import { Empty, ErrorState, ListError, Loading } from '../../components/states.js';
import { formatDateTime, formatInt, formatRelative, formatShortDateTime } from '../../format.js';
import { AGENTS, AgentsTabs, AnsweredBy, RunTarget, STATUSES, StatusBadge, agentLabel, formatLatency, formatRate, formatTokens } from './common.js';

const PERIODS = [7, 30, 90];
const PAGE_SIZE = 25;

function readFilters(query) {
  const days = Number(query.get('days'));
  const agent = query.get('agent') || '';
  const status = query.get('status') || '';
  const fallback = query.get('fallback') || '';
  return {
    days: PERIODS.includes(days) ? String(days) : '',
    agent: AGENTS.some((a) => a.value === agent) ? agent : '',
    status: STATUSES.some((s) => s.value === status) ? status : '',
    fallback: fallback === 'true' || fallback === 'false' ? fallback : '',
    cursor: query.get('cursor') || '',
  };
}

const agentsUrl = (filters) => withQuery('/agents', filters);

/** Whether a model is configured: said plainly either way. */
function ModelNote({ model }) {
  if (!model) {
    return html`<p class="agents-model agents-model-none card card-padded" data-testid="agents-model" data-configured="false">
      <strong>No model configured:</strong> every agent answers with its deterministic fallback.
      <span class="muted">Set a model (any OpenAI-compatible endpoint) on the server to have agents ask it first.</span>
    </p>`;
  }
  return html`<p class="agents-model card card-padded" data-testid="agents-model" data-configured="true">
    <strong>Model:</strong> <code data-testid="agents-model-name">${model.model}</code>
    ${model.base_host && html` at <code data-testid="agents-model-host">${model.base_host}</code>`}.
    <span class="muted">An agent falls back to its rules when the model fails, times out or the day's token budget is spent.</span>
  </p>`;
}

/** Each agent's figures over the period; the name filters the runs below. */
function AgentsTable({ agents, busy, onPick, current }) {
  return html`<div class=${`table-wrap ${busy ? 'is-busy' : ''}`} aria-busy=${busy ? 'true' : 'false'}>
    <table class="table table-agents" data-testid="agents-table">
      <caption class="visually-hidden">Agents over the period</caption>
      <thead>
        <tr>
          <th scope="col">Agent</th>
          <th scope="col" class="num">Runs</th>
          <th scope="col" class="num">Fallback</th>
          <th scope="col" class="num hide-xs">Failed</th>
          <th scope="col" class="num hide-xs">p50 / p95</th>
          <th scope="col" class="num hide-sm">Tokens</th>
          <th scope="col" class="hide-sm">Last run</th>
        </tr>
      </thead>
      <tbody>
        ${agents.map(
          (a) => html`<tr key=${a.agent} data-testid="agent-row" data-agent=${a.agent} class=${current === a.agent ? 'is-current' : ''}>
            <td class="agent-cell">
              <button
                type="button"
                class="link-button agent-name"
                aria-pressed=${String(current === a.agent)}
                title=${current === a.agent ? 'Show every agent’s runs' : 'Show only its runs'}
                onClick=${() => onPick(current === a.agent ? '' : a.agent)}
                data-testid="agent-name"
              >${agentLabel(a.agent)}</button>
              <span class="agent-desc muted">${a.description}</span>
            </td>
            <td class="num" data-testid="agent-runs">${formatInt(a.runs)}</td>
            <td class="num" data-testid="agent-fallback-rate" title=${`${formatInt(a.fallback_runs)} of ${formatInt(a.runs)} by the fallback`}>
              ${formatRate(a.fallback_rate) || html`<span class="muted">—</span>`}
            </td>
            <td class="num hide-xs">${a.failed_runs ? html`<span class="text-bad">${formatInt(a.failed_runs)}</span>` : '0'}</td>
            <td class="num hide-xs nowrap" data-testid="agent-latency">
              ${a.runs ? `${formatLatency(a.p50_latency_ms) || '—'} / ${formatLatency(a.p95_latency_ms) || '—'}` : html`<span class="muted">—</span>`}
            </td>
            <td class="num hide-sm nowrap">${formatTokens(a.prompt_tokens, a.completion_tokens) || html`<span class="muted">—</span>`}</td>
            <td class="hide-sm nowrap">
              ${a.last_run_at ? html`<span title=${formatDateTime(a.last_run_at)}>${formatRelative(a.last_run_at)}</span>` : html`<span class="muted">never</span>`}
            </td>
          </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

const RUN_COLUMNS = [
  {
    key: 'created_at',
    label: 'Time',
    className: 'nowrap',
    render: (r) => html`<span title=${formatDateTime(r.created_at)}>${formatShortDateTime(r.created_at)}</span>`,
  },
  { key: 'agent', label: 'Agent', render: (r) => html`<span data-testid="run-agent" data-agent=${r.agent}>${agentLabel(r.agent)}</span>` },
  { key: 'status', label: 'Status', render: (r) => html`<${StatusBadge} status=${r.status} />` },
  { key: 'answered', label: 'Answered by', className: 'hide-xs', render: (r) => html`<${AnsweredBy} run=${r} />` },
  { key: 'latency_ms', label: 'Latency', numeric: true, className: 'hide-xs nowrap', render: (r) => formatLatency(r.latency_ms) },
  { key: 'tokens', label: 'Tokens', numeric: true, className: 'hide-sm nowrap', render: (r) => formatTokens(r.prompt_tokens, r.completion_tokens) },
  { key: 'target', label: 'On', className: 'hide-sm', render: (r) => html`<${RunTarget} run=${r} />` },
];

const NO_FILTERS = { agent: '', status: '', fallback: '' };

export function AgentsScreen({ location }) {
  const { filters, setFilter, pager } = urlList(location, readFilters, agentsUrl);
  const days = Number(filters.days) || 30;
  const stats = useLoad((signal) => agentsApi.stats({ days }, { signal }), [days]);
  const runs = useLoad(
    (signal) =>
      runsApi.list(
        { agent: filters.agent, status: filters.status, used_fallback: filters.fallback, limit: PAGE_SIZE, cursor: filters.cursor },
        { signal },
      ),
    [filters.agent, filters.status, filters.fallback, filters.cursor],
  );
  // The period changes the figures only: the runs keep their page.
  const setDays = (value) => {
    const now = readFilters(new URLSearchParams(window.location.search));
    navigate(agentsUrl({ ...now, days: value === '30' ? '' : value }), { replace: true, state: window.history.state });
  };

  let figures;
  if (stats.error && !stats.data) {
    figures = html`<${ErrorState} error=${stats.error} title="Could not load the agents" onRetry=${stats.retry} />`;
  } else if (!stats.data) {
    figures = html`<${Loading} label="Loading the agents…" />`;
  } else {
    figures = html`
      <${ModelNote} model=${stats.data.model} />
      <${AgentsTable} agents=${stats.data.agents || []} busy=${stats.loading} current=${filters.agent} onPick=${(agent) => setFilter({ agent })} />
    `;
  }

  const items = (runs.data && runs.data.items) || [];
  const filtered = Boolean(filters.agent || filters.status || filters.fallback);
  let list;
  if (runs.error) {
    list = html`<${ListError} error=${runs.error} title="Could not load the runs" cursor=${filters.cursor} onRetry=${runs.retry} onRestart=${() => setFilter({})} />`;
  } else if (!runs.data) {
    list = html`<${Loading} label="Loading the runs…" />`;
  } else if (!items.length && !filters.cursor) {
    list = filtered
      ? html`<${Empty}
          title="No runs match these filters"
          testid="runs-empty"
          action=${html`<button type="button" class="btn" onClick=${() => setFilter(NO_FILTERS)}>Clear filters</button>`}
        />`
      : html`<${Empty} title="No runs yet" testid="runs-empty">Every time an agent works on a contact, reply or draft, its run shows here with what it read and what it answered.<//>`;
  } else {
    list = html`
      <${DataTable}
        columns=${RUN_COLUMNS}
        rows=${items}
        rowHref=${(r) => `/agents/runs/${encodeURIComponent(r.id)}`}
        caption="Agent runs, newest first"
        busy=${runs.loading}
        testid="runs-table"
      />
      <${Pager} ...${pager({ count: items.length, next: runs.data.next_cursor, pageSize: PAGE_SIZE, busy: runs.loading, one: 'run', many: 'runs' })} />
    `;
  }

  const period = html`<${ToolbarField}
    id="agents-days"
    label="Period"
    as="select"
    value=${String(days)}
    onChange=${(e) => setDays(e.currentTarget.value)}
    data-testid="agents-days"
  >
    ${PERIODS.map((d) => html`<option key=${d} value=${String(d)}>Last ${d} days</option>`)}
  <//>`;

  return html`<section class="page" data-testid="agents-screen">
    <${PageHeader} title="Agents" actions=${html`<div class="agents-controls">${period}<${Updating} when=${stats.loading && stats.data} /></div>`} />
    <${AgentsTabs} current="agents" />
    ${figures}
    <h2 class="section-title" id="runs-title">Runs</h2>
    <div class="toolbar" role="search" aria-label="Filter the runs">
      <${ToolbarField} id="runs-agent" label="Agent" as="select" value=${filters.agent} onChange=${(e) => setFilter({ agent: e.currentTarget.value })} data-testid="runs-agent">
        <option value="">Every agent</option>
        ${AGENTS.map((a) => html`<option key=${a.value} value=${a.value}>${a.label}</option>`)}
      <//>
      <${ToolbarField} id="runs-status" label="Status" as="select" value=${filters.status} onChange=${(e) => setFilter({ status: e.currentTarget.value })} data-testid="runs-status">
        <option value="">Any status</option>
        ${STATUSES.map((s) => html`<option key=${s.value} value=${s.value}>${s.label}</option>`)}
      <//>
      <${ToolbarField}
        id="runs-fallback"
        label="Answered by"
        as="select"
        value=${filters.fallback}
        onChange=${(e) => setFilter({ fallback: e.currentTarget.value })}
        data-testid="runs-fallback"
      >
        <option value="">Model or fallback</option>
        <option value="false">The model</option>
        <option value="true">The fallback</option>
      <//>
      ${filtered && html`<button type="button" class="btn btn-ghost" onClick=${() => setFilter(NO_FILTERS)} data-testid="runs-clear">Clear</button>`}
      <${Updating} when=${runs.loading && runs.data} />
    </div>
    ${list}
  </section>`;
}
