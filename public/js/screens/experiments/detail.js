// One experiment (/experiments/{id}): its status with Start, Pause and Complete (managers and
// admins; Complete asks whether the winner's text becomes the step's), how far each variant is
// toward the sends it needs, the variants' rates with their 95% intervals as a chart (the control
// marked) and a table (sends, replies, positive, meetings, rate, interval, difference from the
// control with its interval, p and Holm-adjusted p), the verdict in plain words, and the
// experiment analyst's recommendation, which "Ask the analyst" asks for again.
import { html, useState } from '../../preact.js';
import { agents as agentsApi, experiments as experimentsApi } from '../../api.js';
import { canManageExperiments } from '../../access.js';
import { useLoad } from '../../use-load.js';
import { PageHeader } from '../../components/layout.js';
import { ErrorState, Loading, NotFound } from '../../components/states.js';
import { ProgressBar } from '../../components/progress.js';
import { ConfirmDialog } from '../../components/confirm.js';
import { toast, toastFailure } from '../../components/toast.js';
import { IntervalChart, formatRate } from '../../components/charts.js';
import { formatDateTime, formatInt } from '../../format.js';
import { StatusBadge, formatPoints, metricLabel, progressOf, verdictText, whereText } from './common.js';

const LEADS_ONLY = 'Managers and admins start, pause and complete experiments';

/** A p-value in words: "0.003", "< 0.001", or a dash. */
function formatP(p) {
  if (p === null || p === undefined || !Number.isFinite(p)) return null;
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

const intervalText = (i) => (i && i.low !== null && i.low !== undefined ? `${formatRate(i.low)} – ${formatRate(i.high)}` : null);

function VariantsTable({ experiment }) {
  const dash = html`<span class="muted">—</span>`;
  return html`<div class="table-wrap">
    <table class="table table-variants" data-testid="variants-table">
      <caption class="visually-hidden">Each variant's results against the control</caption>
      <thead>
        <tr>
          <th scope="col">Variant</th>
          <th scope="col" class="num hide-xs">Sends</th>
          <th scope="col" class="num hide-sm">Replies</th>
          <th scope="col" class="num hide-sm">Positive</th>
          <th scope="col" class="num hide-sm">Meetings</th>
          <th scope="col" class="num">Rate</th>
          <th scope="col" class="num hide-xs">95% interval</th>
          <th scope="col" class="num">vs control</th>
          <th scope="col" class="num hide-sm">p</th>
          <th scope="col" class="num hide-sm">Adjusted p</th>
        </tr>
      </thead>
      <tbody>
        ${experiment.variants.map((v) => {
          // Nothing sent yet: no rate to show, and nothing to compare.
          const sent = (v.n ?? v.sends ?? 0) > 0;
          const c = sent ? v.comparison : null;
          return html`<tr key=${v.id} data-testid="variant-result" data-variant=${v.name} data-control=${String(Boolean(v.is_control))}>
            <td class="cell-wrap cell-variant">
              ${v.name}
              ${v.is_control && !/control/i.test(v.name) && html` <span class="badge badge-muted">control</span>`}
              ${experiment.winner_variant_id === v.id && html` <span class="badge badge-ok">winner</span>`}
            </td>
            <td class="num hide-xs" data-testid="variant-sends">${formatInt(v.sends)}</td>
            <td class="num hide-sm">${formatInt(v.replies)}</td>
            <td class="num hide-sm">${formatInt(v.positive_replies)}</td>
            <td class="num hide-sm">${formatInt(v.meetings)}</td>
            <td class="num">${(sent && formatRate(v.rate)) || dash}</td>
            <td class="num nowrap hide-xs">${(sent && intervalText(v.interval)) || dash}</td>
            <td class="num nowrap">
              ${v.is_control
                ? html`<span class="muted">control</span>`
                : c && c.diff !== null && c.diff !== undefined
                  ? html`${formatPoints(c.diff)} pts${c.low !== null && c.low !== undefined ? html`<br /><span class="muted">${formatPoints(c.low)} to ${formatPoints(c.high)}</span>` : ''}`
                  : dash}
            </td>
            <td class="num hide-sm">${(c && formatP(c.p)) || dash}</td>
            <td class="num hide-sm">${(c && formatP(c.p_adjusted)) || dash}</td>
          </tr>`;
        })}
      </tbody>
    </table>
  </div>`;
}

/** Start, Pause and Complete as the status allows; disabled, with why, for other roles. */
function Actions({ experiment, user, busy, onStart, onPause, onComplete }) {
  const allowed = canManageExperiments(user);
  const s = experiment.status;
  const props = (label) => ({ disabled: !allowed || busy, title: allowed ? label : LEADS_ONLY });
  const out = [];
  if (s === 'draft' || s === 'paused') {
    out.push(html`<button key="start" type="button" class="btn btn-primary" onClick=${onStart} data-testid="experiment-start" ...${props('Start assigning contacts to the variants')}>
      ${s === 'paused' ? 'Resume' : 'Start'}
    </button>`);
  }
  if (s === 'running') {
    out.push(html`<button key="pause" type="button" class="btn" onClick=${onPause} data-testid="experiment-pause" ...${props('Stop assigning new contacts for now')}>Pause</button>`);
  }
  if (s === 'running' || s === 'paused') {
    out.push(html`<button key="complete" type="button" class="btn" onClick=${onComplete} data-testid="experiment-complete" ...${props('End the experiment')}>Complete</button>`);
  }
  if (!out.length) return null;
  return html`<div class="exp-actions">
    ${out}
    ${!allowed && html`<span class="muted exp-actions-why" data-testid="experiment-actions-why">${LEADS_ONLY}.</span>`}
  </div>`;
}

function Recommendation({ experiment, user, onAsked }) {
  const [asking, setAsking] = useState(false);
  const [run, setRun] = useState(null);
  const ask = async () => {
    setAsking(true);
    try {
      const answer = await agentsApi.run('experiment_analyst', { experiment_id: experiment.id });
      setRun(answer);
      onAsked();
    } catch (e) {
      toastFailure('ask the analyst', e);
    } finally {
      setAsking(false);
    }
  };
  const text = (run && run.output && run.output.recommendation) || experiment.recommendation;
  const allowed = canManageExperiments(user) || (user && user.role === 'bdr');
  return html`<section class="card card-padded exp-recommendation" aria-labelledby="exp-rec-title" data-testid="experiment-recommendation">
    <div class="card-head">
      <h2 class="card-title" id="exp-rec-title">The analyst's recommendation</h2>
      <button type="button" class="btn btn-sm" onClick=${ask} disabled=${asking || !allowed} title=${allowed ? 'Run the experiment analyst on these results' : 'Viewers cannot run agents'} data-testid="ask-analyst">
        ${asking ? 'Asking…' : 'Ask the analyst'}
      </button>
    </div>
    ${text
      ? html`<p class="exp-recommendation-text" data-testid="recommendation-text">${text}</p>`
      : html`<p class="muted" data-testid="recommendation-none">No recommendation yet. Ask the analyst to read the results.</p>`}
    ${run &&
    html`<p class="muted exp-run-link">
      ${run.used_fallback ? 'Worded by the rules (no model answered).' : 'Worded by the model.'} <a href=${`/agents/runs/${encodeURIComponent(run.id)}`} data-testid="analyst-run-link">Open the run</a>
    </p>`}
  </section>`;
}

export function ExperimentScreen({ params, user }) {
  const state = useLoad((signal) => experimentsApi.get(params.id, { signal }), [params.id]);
  const [busy, setBusy] = useState(false);
  const [completing, setCompleting] = useState(false);
  const [applyWinner, setApplyWinner] = useState(true);

  if (state.error && state.error.status === 404) {
    return html`<section class="page"><${NotFound} title="No such experiment" backHref="/experiments" backLabel="Go to experiments" /></section>`;
  }
  if (state.error && !state.data) {
    return html`<section class="page"><${ErrorState} error=${state.error} title="Could not load the experiment" onRetry=${state.retry} /></section>`;
  }
  if (!state.data) return html`<section class="page"><${Loading} label="Loading the experiment…" /></section>`;
  const e = state.data;

  const act = async (call, done, what) => {
    setBusy(true);
    try {
      await call();
      toast(done);
      state.retry();
    } catch (err) {
      toastFailure(what, err);
    } finally {
      setBusy(false);
    }
  };
  const winner = e.verdict && e.verdict.kind === 'winner' ? e.variants.find((v) => v.id === e.verdict.variant_id) || { name: e.verdict.variant_name } : null;
  const control = e.variants.find((v) => v.is_control);
  const smallest = e.variants.length ? Math.min(...e.variants.map((v) => v.n ?? v.sends ?? 0)) : 0;
  const rows = e.variants.map((v) => ({
    key: v.id,
    label: v.name,
    rate: v.rate,
    low: v.interval ? v.interval.low : null,
    high: v.interval ? v.interval.high : null,
    n: v.n ?? v.sends ?? 0,
    tooFew: v.rate === null || v.rate === undefined || !(v.n ?? v.sends),
    marked: v.is_control,
  }));

  return html`<section class="page" data-testid="experiment-screen" data-status=${e.status}>
    <${PageHeader}
      title=${e.name}
      testid="experiment-title"
      crumbs=${[{ label: 'Experiments', href: '/experiments' }, { label: e.name }]}
      actions=${html`<${Actions}
        experiment=${e}
        user=${user}
        busy=${busy}
        onStart=${() => act(() => experimentsApi.start(e.id), e.status === 'paused' ? 'Experiment resumed' : 'Experiment started', 'start the experiment')}
        onPause=${() => act(() => experimentsApi.pause(e.id), 'Experiment paused', 'pause the experiment')}
        onComplete=${() => {
          setApplyWinner(Boolean(winner));
          setCompleting(true);
        }}
      />`}
    />
    <div class="exp-summary card card-padded">
      <div class="exp-summary-head">
        <${StatusBadge} status=${e.status} />
        <span class="muted">${metricLabel(e.metric)} · ${whereText(e)}</span>
      </div>
      ${e.hypothesis && html`<p class="exp-hypothesis" data-testid="experiment-hypothesis">${e.hypothesis}</p>`}
      <p class="exp-verdict" data-testid="experiment-verdict" data-kind=${(e.verdict && e.verdict.kind) || 'collecting'}>${verdictText(e)}</p>
      <${ProgressBar}
        value=${Math.min(smallest, e.min_sample_size || 0)}
        max=${e.min_sample_size || 0}
        label="Toward the sends each variant needs (the smallest variant)"
        unit="sends"
        text=${`${formatInt(smallest)} of ${formatInt(e.min_sample_size)} sends (${Math.floor(progressOf(e) * 100)}%)`}
        testid="experiment-progress"
      />
      <p class="muted exp-facts">
        Baseline ${formatRate(e.baseline_rate)}, smallest effect worth detecting ${formatPoints(e.min_effect)} points.
        ${e.started_at ? ` Started ${formatDateTime(e.started_at)}.` : ' Not started yet.'}
        ${e.ended_at ? ` Ended ${formatDateTime(e.ended_at)}.` : ''}
      </p>
    </div>
    <section class="card card-padded" aria-labelledby="exp-chart-title">
      <h2 class="card-title" id="exp-chart-title">${metricLabel(e.metric)} by variant</h2>
      <p class="card-text muted">Bars are rates, whiskers their 95% intervals; the control is grey and the dashed line its rate.</p>
      <${IntervalChart}
        rows=${rows}
        reference=${control && (control.n ?? control.sends) > 0 ? control.rate : null}
        referenceLabel="Control"
        label=${`${metricLabel(e.metric)} by variant`}
        testid="variants-chart"
      />
    </section>
    <${VariantsTable} experiment=${e} />
    <${Recommendation} experiment=${e} user=${user} onAsked=${state.retry} />
    <${ConfirmDialog}
      id="exp-complete"
      open=${completing}
      title="Complete the experiment?"
      confirmLabel="Complete"
      busy=${busy}
      onCancel=${() => setCompleting(false)}
      onConfirm=${async () => {
        await act(() => experimentsApi.complete(e.id, { apply_winner: Boolean(winner) && applyWinner }), 'Experiment completed', 'complete the experiment');
        setCompleting(false);
      }}
    >
      <p>New contacts stop being assigned to its variants; their results stay.</p>
      ${winner
        ? html`<label class="check">
            <input type="checkbox" checked=${applyWinner} onChange=${(ev) => setApplyWinner(ev.currentTarget.checked)} data-testid="apply-winner" />
            Copy the winner's text (${winner.name}) into step ${e.step_position} of ${e.sequence_name}
          </label>`
        : html`<p class="muted">There is no winner, so the step keeps its text.</p>`}
    <//>
  </section>`;
}
