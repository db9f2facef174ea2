// A swarm's progress drawn as bars (SVG: the CSP allows no style attributes): per agent, the
// tasks succeeded, failed, cancelled, running and queued as segments of one bar, with the
// counts in words; and a swarm's totals over every agent, for the list.
import { html } from '../../preact.js';
import { formatInt } from '../../format.js';
import { agentLabel } from './common.js';

/** The segments in the order they are drawn, left to right. */
const SEGMENTS = [
  { key: 'succeeded', label: 'succeeded' },
  { key: 'failed', label: 'failed' },
  { key: 'cancelled', label: 'cancelled' },
  { key: 'running', label: 'running' },
  { key: 'queued', label: 'queued' },
  { key: 'waiting', label: 'waiting' },
];

const count = (row, key) => (row && Number.isFinite(Number(row[key])) ? Number(row[key]) : 0);

/** An agent's (or a swarm's) counts: each segment, the total, how many are finished, and whether all are. */
export function tally(row) {
  const counts = Object.fromEntries(SEGMENTS.map((s) => [s.key, count(row, s.key)]));
  const total = SEGMENTS.reduce((n, s) => n + counts[s.key], 0);
  const finished = counts.succeeded + counts.failed + counts.cancelled;
  return { counts, total, finished, done: total > 0 && finished === total };
}

/** The counts summed over every agent of a swarm. */
export function sumProgress(progress) {
  const out = {};
  for (const s of SEGMENTS) out[s.key] = (progress || []).reduce((n, row) => n + count(row, s.key), 0);
  return out;
}

/** "12 of 40 finished: 10 succeeded, 2 failed, 3 running". */
function words({ counts, total, finished }) {
  if (!total) return 'No tasks yet';
  const parts = SEGMENTS.filter((s) => s.key !== 'waiting' && counts[s.key] > 0).map((s) => `${formatInt(counts[s.key])} ${s.label}`);
  return `${formatInt(finished)} of ${formatInt(total)} finished${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

/** One bar of segments; `label` names it for screen readers. */
function Bar({ t, label, testid }) {
  let x = 0;
  const segments = [];
  for (const s of SEGMENTS) {
    const n = t.counts[s.key];
    if (!n || !t.total || s.key === 'waiting') continue;
    const width = (n / t.total) * 100;
    segments.push(html`<rect key=${s.key} class=${`swarm-seg swarm-seg-${s.key}`} x=${x.toFixed(2)} y="0" width=${width.toFixed(2)} height="8" />`);
    x += width;
  }
  const text = words(t);
  return html`<div
    role="progressbar"
    aria-label=${label}
    aria-valuemin="0"
    aria-valuemax=${t.total || undefined}
    aria-valuenow=${t.total ? t.finished : undefined}
    aria-valuetext=${text}
    data-testid=${testid}
    data-done=${String(t.done)}
    data-total=${t.total}
    data-finished=${t.finished}
  >
    <svg class="progress-bar swarm-bar" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true" focusable="false">
      <rect class="progress-track" x="0" y="0" width="100" height="8" />
      ${segments}
    </svg>
  </div>`;
}

/** One agent's row of a swarm: its name, its bar and its counts. */
export function AgentProgress({ row }) {
  const t = tally(row);
  const label = `${agentLabel(row.agent)}: ${words(t)}`;
  return html`<li class="swarm-agent" data-testid="swarm-agent" data-agent=${row.agent} data-done=${String(t.done)}>
    <div class="progress-head">
      <span class="progress-label">${agentLabel(row.agent)}</span>
      <span class="progress-text" data-testid="swarm-agent-text">${words(t)}</span>
    </div>
    <${Bar} t=${t} label=${label} testid="swarm-agent-bar" />
  </li>`;
}

/** The legend of the segments' colours. */
export function SwarmLegend() {
  return html`<div class="swarm-legend" aria-hidden="true">
    ${SEGMENTS.filter((s) => s.key !== 'waiting').map(
      (s) => html`<span key=${s.key}><span class=${`legend-swatch swarm-seg-${s.key}`}></span>${s.label}</span>`,
    )}
    <span><span class="legend-swatch swarm-seg-waiting"></span>waiting</span>
  </div>`;
}

/** A swarm's bar over every agent (from its `progress`, or its `total` and counts as lists give them),
 *  with the counts in words when `withText`; nothing without either. */
export function SwarmTotals({ swarm, withText = false }) {
  let counts;
  if (Array.isArray(swarm.progress) && swarm.progress.length) counts = sumProgress(swarm.progress);
  else if (Number.isFinite(swarm.total) && swarm.total > 0) {
    // A list's swarm carries only its totals: what has not finished yet counts as waiting.
    const finished = count(swarm, 'succeeded') + count(swarm, 'failed') + count(swarm, 'cancelled');
    counts = { succeeded: count(swarm, 'succeeded'), failed: count(swarm, 'failed'), cancelled: count(swarm, 'cancelled'), waiting: Math.max(0, swarm.total - finished) };
  } else return null;
  const t = tally(counts);
  if (!withText) return html`<${Bar} t=${t} label=${`All agents: ${words(t)}`} testid="swarm-total-bar" />`;
  return html`<div class="swarm-total" data-testid="swarm-total">
    <div class="progress-head">
      <span class="progress-label">All agents</span>
      <span class="progress-text" data-testid="swarm-total-text">${words(t)}</span>
    </div>
    <${Bar} t=${t} label=${`All agents: ${words(t)}`} testid="swarm-total-bar" />
  </div>`;
}
