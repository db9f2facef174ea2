// What the experiments screens share: the statuses and metrics with their labels, the status
// badge, where an experiment runs, and its verdict in plain words.
import { html } from '../../preact.js';
import { formatRate } from '../../components/charts.js';
import { formatInt } from '../../format.js';

export const STATUSES = [
  { value: 'draft', label: 'Draft', tone: 'badge-muted' },
  { value: 'running', label: 'Running', tone: 'badge-ok' },
  { value: 'paused', label: 'Paused', tone: 'badge-warming' },
  { value: 'completed', label: 'Completed', tone: 'badge-kind' },
];

export const METRICS = [
  { value: 'reply_rate', label: 'Reply rate', short: 'reply rate' },
  { value: 'positive_reply_rate', label: 'Positive reply rate', short: 'positive reply rate' },
  { value: 'meeting_rate', label: 'Meeting rate', short: 'meeting rate' },
];

export const metricLabel = (m) => (METRICS.find((x) => x.value === m) || { label: m }).label;
const metricShort = (m) => (METRICS.find((x) => x.value === m) || { short: m }).short;

export function StatusBadge({ status }) {
  const s = STATUSES.find((x) => x.value === status) || { label: status, tone: 'badge-muted' };
  return html`<span class=${`badge ${s.tone}`} data-testid="experiment-status" data-status=${status}>${s.label}</span>`;
}

/** Where it runs: "Onboarding · step 2 (subject)". */
export function whereText(e) {
  const field = e.field === 'subject' ? 'subject' : 'body';
  return `${e.sequence_name || 'Sequence'} · step ${e.step_position ?? '?'} (${field})`;
}

/** A difference of two rates in percentage points: +4.1 or −2.0. */
export function formatPoints(diff) {
  if (diff === null || diff === undefined || !Number.isFinite(diff)) return null;
  const v = diff * 100;
  return `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(1)}`;
}

/** How far it is toward the sends each variant needs, 0 to 1. */
export function progressOf(e) {
  if (e.verdict && e.verdict.kind === 'collecting' && Number.isFinite(e.verdict.progress)) return Math.max(0, Math.min(1, e.verdict.progress));
  const need = e.min_sample_size || 0;
  if (!need || !e.variants || !e.variants.length) return 0;
  return Math.max(0, Math.min(1, Math.min(...e.variants.map((v) => v.n ?? v.sends ?? 0)) / need));
}

/** The verdict in plain words, as a sentence or two. */
export function verdictText(e) {
  const v = e.verdict || { kind: 'collecting' };
  const control = (e.variants || []).find((x) => x.is_control);
  if (v.kind === 'winner') {
    const w = (e.variants || []).find((x) => x.id === v.variant_id) || { name: v.variant_name };
    const c = w.comparison;
    const ci = c && c.low !== null && c.low !== undefined ? ` (95% CI ${formatPoints(c.low)} to ${formatPoints(c.high)})` : '';
    const vs = control ? ` vs ${formatRate(control.rate)}` : '';
    const diff = c ? `, difference ${formatPoints(c.diff)} points${ci}` : '';
    return `Winner: ${w.name || v.variant_name}, ${metricShort(e.metric)} ${formatRate(w.rate) || '—'}${vs}${diff}.`;
  }
  if (v.kind === 'no_difference') {
    return `No difference: with ${formatInt(e.min_sample_size)} sends or more per variant, no variant's ${metricShort(e.metric)} differs from the control's by more than chance would.`;
  }
  const pct = Math.floor(progressOf(e) * 100);
  return `Collecting: ${pct}% of the ${formatInt(e.min_sample_size)} sends each variant needs. No winner is called before that.`;
}

/** The verdict in a word or two, for the list. */
export function verdictShort(e) {
  const v = e.verdict || { kind: 'collecting' };
  if (v.kind === 'winner') return `Winner: ${v.variant_name}`;
  if (v.kind === 'no_difference') return 'No difference';
  return `Collecting (${Math.floor(progressOf(e) * 100)}%)`;
}
