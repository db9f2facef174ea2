// One agent run (/agents/runs/{id}): what the agent read and what it answered, side by side as
// formatted JSON; who answered (the model, or the fallback and why), tokens, latency, the
// prompt's version, and the record it worked on.
import { html } from '../../preact.js';
import { agentRuns as runsApi } from '../../api.js';
import { useLoad } from '../../use-load.js';
import { PageHeader } from '../../components/layout.js';
import { ErrorState, Loading, NotFound } from '../../components/states.js';
import { formatDateTime } from '../../format.js';
import { RunTarget, StatusBadge, agentLabel, formatLatency, formatTokens } from './common.js';

/** A JSON value, indented, as text (never markup). */
export function JsonBlock({ value, label, testid }) {
  const text = value === null || value === undefined ? null : JSON.stringify(value, null, 2);
  return html`<section class="card card-padded run-json" aria-label=${label} data-testid=${testid}>
    <h2 class="card-title">${label}</h2>
    ${text === null
      ? html`<p class="muted" data-testid=${`${testid}-none`}>Nothing${label === 'Output' ? ': the run gave no answer' : ''}.</p>`
      : html`<pre class="json" tabindex="0" data-testid=${`${testid}-json`}>${text}</pre>`}
  </section>`;
}

function Facts({ run, user }) {
  const rows = [
    ['Status', html`<${StatusBadge} status=${run.status} />`],
    [
      'Answered by',
      run.used_fallback
        ? html`<span data-testid="run-answered">The fallback (rules)${run.fallback_reason ? html`: <span data-testid="run-fallback-reason">${run.fallback_reason}</span>` : null}</span>`
        : html`<span data-testid="run-answered">The model <code>${run.model || 'unknown'}</code></span>`,
    ],
    ['Tokens', formatTokens(run.prompt_tokens, run.completion_tokens) || html`<span class="muted">none</span>`],
    ['Latency', formatLatency(run.latency_ms)],
    ['Prompt version', run.prompt_version && html`<code data-testid="run-prompt-version">${run.prompt_version}</code>`],
    ['On', html`<${RunTarget} run=${run} />`],
    ['Started', run.created_at && html`<span title=${run.created_at}>${formatDateTime(run.created_at)}</span>`],
    ['Finished', run.finished_at && html`<span title=${run.finished_at}>${formatDateTime(run.finished_at)}</span>`],
    ['Started by', !run.created_by ? 'A swarm or the system' : user && run.created_by === user.id ? 'You' : html`<code>${run.created_by}</code>`],
  ];
  return html`<div class="card">
    <dl class="kv" data-testid="run-facts">
      ${rows.map(
        ([label, value]) => html`<div class="kv-row" key=${label}>
          <dt>${label}</dt>
          <dd>${value === null || value === undefined || value === '' ? html`<span class="muted">—</span>` : value}</dd>
        </div>`,
      )}
    </dl>
  </div>`;
}

export function AgentRunScreen({ params, user }) {
  const run = useLoad((signal) => runsApi.get(params.id, { signal }), [params.id]);
  if (run.error && run.error.status === 404) {
    return html`<section class="page page-narrow">
      <${NotFound} title="Run not found" backHref="/agents" backLabel="Back to agents">This run does not exist.<//>
    </section>`;
  }
  if (run.error) {
    return html`<section class="page page-narrow"><${ErrorState} error=${run.error} title="Could not load this run" onRetry=${run.retry} /></section>`;
  }
  if (!run.data) return html`<section class="page"><${Loading} label="Loading the run…" /></section>`;
  const r = run.data;
  const title = `${agentLabel(r.agent)} run`;
  return html`<section class="page" data-testid="run-screen" data-run-id=${r.id}>
    <${PageHeader} title=${title} crumbs=${[{ href: '/agents', label: 'Agents' }, { href: `/agents?agent=${encodeURIComponent(r.agent)}`, label: agentLabel(r.agent) }, { label: 'Run' }]} />
    ${r.error && html`<p class="status-banner status-banner-bad" role="alert" data-testid="run-error"><span>${r.error}</span></p>`}
    <${Facts} run=${r} user=${user} />
    <div class="run-io" data-testid="run-io">
      <${JsonBlock} value=${r.input} label="Input" testid="run-input" />
      <${JsonBlock} value=${r.output} label="Output" testid="run-output" />
    </div>
    <dl class="meta-line">
      <div><dt>ID</dt><dd><code data-testid="run-id">${r.id}</code></dd></div>
    </dl>
  </section>`;
}
