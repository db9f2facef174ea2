// Swarms (/agents/swarms): agents run as a pipeline over every contact of a batch. The list,
// newest first, a page at a time (the cursor in the URL); managers and admins start one here:
// a batch, and the agents in the order they run (persona mapper, researcher, ICP scorer,
// drafter and reviewer by default), each switched on or off and moved up or down.
import { html, useState } from '../../preact.js';
import { batches as batchesApi, swarms as swarmsApi } from '../../api.js';
import { canRunSwarms } from '../../access.js';
import { navigate, withQuery } from '../../router.js';
import { useLoad } from '../../use-load.js';
import { urlList } from '../../url-list.js';
import { PageHeader } from '../../components/layout.js';
import { Dialog } from '../../components/dialog.js';
import { Field, FormError } from '../../components/field.js';
import { DataTable, Pager } from '../../components/table.js';
import { Updating } from '../../components/toolbar.js';
import { Empty, ListError, Loading } from '../../components/states.js';
import { toast } from '../../components/toast.js';
import { formatDateTime, formatShortDateTime } from '../../format.js';
import { AGENTS, AgentsTabs, StatusBadge, agentLabel } from './common.js';
import { SwarmTotals } from './swarm-progress.js';

const PAGE_SIZE = 25;
/** The pipeline a swarm starts with: research, score, write and review each contact. */
export const DEFAULT_PIPELINE = ['persona_mapper', 'researcher', 'icp_scorer', 'drafter', 'reviewer'];

const readFilters = (query) => ({ cursor: query.get('cursor') || '' });
const swarmsUrl = (filters) => withQuery('/agents/swarms', filters);

/** The agents in pipeline order, the chosen ones first: `[{ agent, on }]`. */
function initialSteps() {
  const on = DEFAULT_PIPELINE.map((agent) => ({ agent, on: true }));
  const off = AGENTS.filter((a) => !DEFAULT_PIPELINE.includes(a.value)).map((a) => ({ agent: a.value, on: false }));
  return [...on, ...off];
}

/** The batches to pick from, a few pages at most, newest first. */
async function allBatches(signal) {
  const out = [];
  let cursor = '';
  for (let page = 0; page < 5; page += 1) {
    const data = await batchesApi.list({ limit: 100, cursor }, { signal });
    out.push(...((data && data.items) || []));
    if (!data || !data.next_cursor) break;
    cursor = data.next_cursor;
  }
  return out;
}

/** "Q3 fintech · 40 contacts · active". */
function batchLabel(b) {
  const n = Number.isFinite(b.member_count) ? `${b.member_count} ${b.member_count === 1 ? 'contact' : 'contacts'}` : null;
  return [b.name, n, b.status].filter(Boolean).join(' · ');
}

/** The agents of a pipeline, each on or off and moved up or down with buttons. */
function PipelineEditor({ steps, onChange, disabled }) {
  const move = (i, by) => {
    const next = [...steps];
    const [step] = next.splice(i, 1);
    next.splice(i + by, 0, step);
    onChange(next);
  };
  const toggle = (i) => onChange(steps.map((s, k) => (k === i ? { ...s, on: !s.on } : s)));
  let order = 0;
  return html`<fieldset class="pipeline-editor" data-testid="pipeline-editor">
    <legend class="field-label">Pipeline: the agents run in this order on each contact</legend>
    <ol class="pipeline-steps">
      ${steps.map((s, i) => {
        if (s.on) order += 1;
        const id = `pipeline-${s.agent}`;
        return html`<li key=${s.agent} class=${`pipeline-step ${s.on ? 'is-on' : ''}`} data-testid="pipeline-step" data-agent=${s.agent} data-on=${String(s.on)}>
          <span class="pipeline-order" aria-hidden="true">${s.on ? order : ''}</span>
          <input type="checkbox" id=${id} checked=${s.on} disabled=${disabled} onChange=${() => toggle(i)} data-testid="pipeline-toggle" />
          <label for=${id} class="pipeline-name">${agentLabel(s.agent)}</label>
          <span class="pipeline-moves">
            <button type="button" class="btn btn-sm btn-ghost" aria-label=${`Move ${agentLabel(s.agent)} up`} disabled=${disabled || i === 0} onClick=${() => move(i, -1)}>↑</button>
            <button type="button" class="btn btn-sm btn-ghost" aria-label=${`Move ${agentLabel(s.agent)} down`} disabled=${disabled || i === steps.length - 1} onClick=${() => move(i, 1)}>↓</button>
          </span>
        </li>`;
      })}
    </ol>
  </fieldset>`;
}

/** The form of a new swarm: a batch and a pipeline; started, it opens the swarm's page. */
function StartSwarmForm({ onClose }) {
  const batches = useLoad((signal) => allBatches(signal), []);
  const [batchId, setBatchId] = useState('');
  const [steps, setSteps] = useState(initialSteps);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const pipeline = steps.filter((s) => s.on).map((s) => s.agent);
  const list = batches.data || [];
  const chosen = batchId || (list[0] && list[0].id) || '';
  const submit = async (e) => {
    e.preventDefault();
    if (!chosen || !pipeline.length) return;
    setBusy(true);
    setError(null);
    try {
      const swarm = await swarmsApi.create({ batch_id: chosen, pipeline });
      toast('Swarm started');
      onClose();
      navigate(`/agents/swarms/${encodeURIComponent(swarm.id)}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  const fields = error && error.fieldErrors ? error.fieldErrors() : {};
  return html`<form class="form" onSubmit=${submit} data-testid="swarm-form">
    ${error && html`<${FormError} error=${error} />`}
    ${batches.error
      ? html`<p class="field-error">Could not load the batches: ${batches.error.message}</p>`
      : !batches.data
        ? html`<${Loading} label="Loading batches…" />`
        : !list.length
          ? html`<p class="muted" data-testid="swarm-no-batches">There is no batch yet. <a href="/batches/new">Make one</a> from the contacts it should work on.</p>`
          : html`<${Field}
              id="swarm-batch"
              name="batch_id"
              label="Batch"
              as="select"
              required
              value=${chosen}
              error=${fields.batch_id}
              disabled=${busy}
              onChange=${(ev) => setBatchId(ev.currentTarget.value)}
              data-testid="swarm-batch"
            >
              ${list.map((b) => html`<option key=${b.id} value=${b.id}>${batchLabel(b)}</option>`)}
            <//>`}
    <${PipelineEditor} steps=${steps} onChange=${setSteps} disabled=${busy} />
    ${fields.pipeline && html`<div class="field-error">${fields.pipeline.join(' ')}</div>`}
    <p class="muted" data-testid="swarm-pipeline-summary">
      ${pipeline.length ? pipeline.map(agentLabel).join(' → ') : 'Switch on at least one agent.'}
    </p>
    <div class="form-actions">
      <button type="button" class="btn" onClick=${onClose} disabled=${busy}>Cancel</button>
      <button type="submit" class="btn btn-primary" disabled=${busy || !chosen || !pipeline.length} data-testid="swarm-start">
        ${busy ? 'Starting…' : 'Start'}
      </button>
    </div>
  </form>`;
}

const COLUMNS = [
  {
    key: 'created_at',
    label: 'Started',
    className: 'nowrap',
    render: (s) => html`<span title=${formatDateTime(s.created_at)}>${formatShortDateTime(s.created_at)}</span>`,
  },
  {
    key: 'batch',
    label: 'Batch',
    className: 'hide-xs',
    render: (s) => (s.batch_id ? html`<a href=${`/batches/${encodeURIComponent(s.batch_id)}`}>${s.batch_name || 'Batch'}</a>` : null),
  },
  {
    key: 'pipeline',
    label: 'Pipeline',
    className: 'cell-wrap',
    render: (s) => (Array.isArray(s.pipeline) ? s.pipeline.map(agentLabel).join(' → ') : null),
  },
  { key: 'progress', label: 'Progress', className: 'hide-sm swarm-list-progress', render: (s) => html`<${SwarmTotals} swarm=${s} />` },
  { key: 'status', label: 'Status', render: (s) => html`<${StatusBadge} status=${s.status} testid="swarm-status" />` },
];

export function SwarmsScreen({ location, user }) {
  const { filters, setFilter, pager } = urlList(location, readFilters, swarmsUrl);
  const [starting, setStarting] = useState(false);
  const list = useLoad((signal) => swarmsApi.list({ limit: PAGE_SIZE, cursor: filters.cursor }, { signal }), [filters.cursor]);
  const mayStart = canRunSwarms(user);
  // The batches' names, for swarms that do not carry theirs.
  const named = useLoad((signal) => allBatches(signal).catch(() => []), []);
  const names = new Map((named.data || []).map((b) => [b.id, b.name]));
  const items = ((list.data && list.data.items) || []).map((s) => (s.batch_name || !names.has(s.batch_id) ? s : { ...s, batch_name: names.get(s.batch_id) }));

  let body;
  if (list.error) {
    body = html`<${ListError} error=${list.error} title="Could not load the swarms" cursor=${filters.cursor} onRetry=${list.retry} onRestart=${() => setFilter({})} />`;
  } else if (!list.data) {
    body = html`<${Loading} label="Loading the swarms…" />`;
  } else if (!items.length && !filters.cursor) {
    body = html`<${Empty} title="No swarms yet" testid="swarms-empty">
      A swarm runs a pipeline of agents over every contact of a batch, and shows how far each agent has come.
      ${mayStart ? '' : ' Managers and admins start them.'}
    <//>`;
  } else {
    body = html`
      <${DataTable}
        columns=${COLUMNS}
        rows=${items}
        rowHref=${(s) => `/agents/swarms/${encodeURIComponent(s.id)}`}
        caption="Swarms, newest first"
        busy=${list.loading}
        testid="swarms-table"
      />
      <${Pager} ...${pager({ count: items.length, next: list.data.next_cursor, pageSize: PAGE_SIZE, busy: list.loading, one: 'swarm', many: 'swarms' })} />
    `;
  }
  const actions = html`<${Updating} when=${list.loading && list.data} />
    ${mayStart && html`<button type="button" class="btn btn-primary" onClick=${() => setStarting(true)} data-testid="swarm-new">Start a swarm</button>`}`;
  return html`<section class="page" data-testid="swarms-screen">
    <${PageHeader} title="Agents" actions=${actions} />
    <${AgentsTabs} current="swarms" />
    ${body}
    ${mayStart &&
    html`<${Dialog} id="swarm-dialog" open=${starting} title="Start a swarm" onClose=${() => setStarting(false)} testid="swarm-dialog">
      <${StartSwarmForm} onClose=${() => setStarting(false)} />
    <//>`}
  </section>`;
}
