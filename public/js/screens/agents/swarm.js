// One swarm (/agents/swarms/{id}): a progress bar per agent of its pipeline (succeeded, failed,
// cancelled, running and queued tasks as segments, with the counts), read again every 1.5 s
// while the swarm is queued or running and no more once it has finished or the page is left;
// Cancel and Retry failed for managers and admins; the failed tasks with their errors.
import { html, useEffect, useState } from '../../preact.js';
import { batches as batchesApi, isAbort, swarms as swarmsApi } from '../../api.js';
import { useLoad } from '../../use-load.js';
import { canRunSwarms } from '../../access.js';
import { PageHeader } from '../../components/layout.js';
import { ErrorState, Loading, NotFound } from '../../components/states.js';
import { toast, toastFailure } from '../../components/toast.js';
import { formatDateTime, formatInt } from '../../format.js';
import { AgentsTabs, StatusBadge, agentLabel } from './common.js';
import { AgentProgress, SwarmLegend, SwarmTotals } from './swarm-progress.js';

const POLL_MS = 1500;
const FINISHED = ['succeeded', 'failed', 'cancelled'];

/** The swarm, read again every POLL_MS while it runs; `reload()` reads it now (and polls again). */
function useSwarm(id) {
  const [state, setState] = useState({ data: null, error: null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctrl = new AbortController();
    let timer = null;
    const load = async () => {
      try {
        const data = await swarmsApi.get(id, { signal: ctrl.signal });
        if (ctrl.signal.aborted) return;
        setState({ data, error: null });
        if (!FINISHED.includes(data.status)) timer = setTimeout(load, POLL_MS);
      } catch (error) {
        if (ctrl.signal.aborted || isAbort(error)) return;
        setState((s) => ({ data: s.data, error }));
      }
    };
    load();
    return () => {
      ctrl.abort();
      clearTimeout(timer);
    };
  }, [id, tick]);
  return { ...state, reload: () => setTick((n) => n + 1) };
}

function FailedTasks({ tasks }) {
  if (!tasks.length) return null;
  return html`<section class="card card-padded" aria-labelledby="swarm-failed-title" data-testid="swarm-failed">
    <h2 class="card-title" id="swarm-failed-title">Failed tasks (${formatInt(tasks.length)})</h2>
    <ul class="swarm-failed-list">
      ${tasks.map(
        (t) => html`<li key=${t.id} data-testid="swarm-failed-task" data-agent=${t.agent}>
          <div class="swarm-failed-head">
            <strong>${agentLabel(t.agent)}</strong>
            ${t.contact_id
              ? html`<a href=${`/contacts/${encodeURIComponent(t.contact_id)}`}>${t.contact_name || 'Contact'}</a>`
              : t.contact_name && html`<span>${t.contact_name}</span>`}
            ${t.attempts ? html`<span class="muted">${formatInt(t.attempts)} ${t.attempts === 1 ? 'attempt' : 'attempts'}</span>` : null}
          </div>
          <p class="swarm-failed-error" data-testid="swarm-failed-error">${t.last_error || 'No error was recorded.'}</p>
        </li>`,
      )}
    </ul>
  </section>`;
}

export function SwarmScreen({ params, user }) {
  const swarm = useSwarm(params.id);
  const [busy, setBusy] = useState(null);
  const batchId = swarm.data && swarm.data.batch_id;
  const batch = useLoad((signal) => (batchId ? batchesApi.get(batchId, { signal }).catch(() => null) : Promise.resolve(null)), [batchId]);
  if (swarm.error && !swarm.data && swarm.error.status === 404) {
    return html`<section class="page page-narrow">
      <${NotFound} title="Swarm not found" backHref="/agents/swarms" backLabel="Back to swarms">This swarm does not exist.<//>
    </section>`;
  }
  if (swarm.error && !swarm.data) {
    return html`<section class="page page-narrow"><${ErrorState} error=${swarm.error} title="Could not load this swarm" onRetry=${swarm.reload} /></section>`;
  }
  if (!swarm.data) return html`<section class="page"><${Loading} label="Loading the swarm…" /></section>`;

  const s = swarm.data;
  const finished = FINISHED.includes(s.status);
  const progress = Array.isArray(s.progress) ? s.progress : [];
  const failedTasks = Array.isArray(s.failed_tasks) ? s.failed_tasks : [];
  const failedCount = progress.reduce((n, row) => n + (Number(row.failed) || 0), 0) || failedTasks.length;
  const act = (what, call, done) => async () => {
    setBusy(what);
    try {
      await call(s.id);
      toast(done);
    } catch (err) {
      toastFailure(what === 'cancel' ? 'cancel the swarm' : 'retry the failed tasks', err);
    } finally {
      setBusy(null);
      swarm.reload();
    }
  };
  const mayAct = canRunSwarms(user);
  const actions = mayAct
    ? html`
        ${!finished &&
        html`<button type="button" class="btn btn-danger-ghost" onClick=${act('cancel', swarmsApi.cancel, 'Swarm cancelled')} disabled=${Boolean(busy)} data-testid="swarm-cancel">
          ${busy === 'cancel' ? 'Cancelling…' : 'Cancel'}
        </button>`}
        ${failedCount > 0 &&
        html`<button type="button" class="btn" onClick=${act('retry', swarmsApi.retryFailed, 'The failed tasks run again')} disabled=${Boolean(busy)} data-testid="swarm-retry">
          ${busy === 'retry' ? 'Retrying…' : 'Retry failed'}
        </button>`}
      `
    : null;
  return html`<section class="page" data-testid="swarm-screen" data-swarm-id=${s.id} data-status=${s.status}>
    <${PageHeader}
      title="Swarm"
      crumbs=${[{ href: '/agents', label: 'Agents' }, { href: '/agents/swarms', label: 'Swarms' }, { label: 'Swarm' }]}
      actions=${actions}
    />
    <${AgentsTabs} current="swarms" />
    <div class="swarm-summary">
      <${StatusBadge} status=${s.status} testid="swarm-status" />
      ${!finished && html`<span class="spinner spinner-inline" role="status" aria-label="Following its progress"></span>`}
      <span class="muted" data-testid="swarm-pipeline">${(s.pipeline || []).map(agentLabel).join(' → ')}</span>
    </div>
    ${swarm.error &&
    html`<p class="status-banner status-banner-bad" role="alert">
      Could not read its progress: ${swarm.error.message} <button type="button" class="btn btn-sm" onClick=${swarm.reload}>Try again</button>
    </p>`}
    <section class="card card-padded" aria-labelledby="swarm-progress-title" data-testid="swarm-progress">
      <h2 class="card-title" id="swarm-progress-title">Progress</h2>
      <${SwarmTotals} swarm=${s} withText />
      <ol class="swarm-agents">
        ${progress.map((row) => html`<${AgentProgress} key=${row.agent} row=${row} />`)}
      </ol>
      <${SwarmLegend} />
      <p class="swarm-runs-links">
        ${(s.pipeline || []).map(
          (agent, i) => html`${i ? ' · ' : ''}<a key=${agent} href=${`/agents?agent=${encodeURIComponent(agent)}`} data-testid="swarm-agent-runs">${agentLabel(agent)}’s runs</a>`,
        )}
      </p>
    </section>
    <${FailedTasks} tasks=${failedTasks} />
    <dl class="meta-line">
      ${s.batch_id && html`<div><dt>Batch</dt><dd><a href=${`/batches/${encodeURIComponent(s.batch_id)}`} data-testid="swarm-batch-link">${s.batch_name || (batch.data && batch.data.name) || 'Open the batch'}</a></dd></div>`}
      <div><dt>Created</dt><dd title=${s.created_at}>${formatDateTime(s.created_at)}</dd></div>
      ${s.started_at && html`<div><dt>Started</dt><dd title=${s.started_at}>${formatDateTime(s.started_at)}</dd></div>`}
      ${s.finished_at && html`<div><dt>Finished</dt><dd title=${s.finished_at}>${formatDateTime(s.finished_at)}</dd></div>`}
      <div><dt>ID</dt><dd><code>${s.id}</code></dd></div>
    </dl>
  </section>`;
}
