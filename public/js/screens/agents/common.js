// What the Agents screens share: the agents' names in words, the Agents/Swarms tabs, a run's
// status badge, and numbers (latency, rates, tokens) as people read them.
import { html } from '../../preact.js';
import { formatInt } from '../../format.js';

/** The ten agents in the order the server lists them, with their names in words. */
export const AGENTS = [
  { value: 'researcher', label: 'Researcher' },
  { value: 'signal_scout', label: 'Signal scout' },
  { value: 'persona_mapper', label: 'Persona mapper' },
  { value: 'icp_scorer', label: 'ICP scorer' },
  { value: 'drafter', label: 'Drafter' },
  { value: 'reviewer', label: 'Reviewer' },
  { value: 'reply_classifier', label: 'Reply classifier' },
  { value: 'followup_planner', label: 'Follow-up planner' },
  { value: 'meeting_prep', label: 'Meeting prep' },
  { value: 'experiment_analyst', label: 'Experiment analyst' },
];

/** An agent's name in words ("Persona mapper"); an unknown one as the server spells it, spaced. */
export function agentLabel(agent) {
  const found = AGENTS.find((a) => a.value === agent);
  return found ? found.label : String(agent || '').replace(/_/g, ' ');
}

/** The statuses of a run or a swarm, with their badge tone. */
export const STATUSES = [
  { value: 'queued', label: 'Queued', tone: 'badge-muted' },
  { value: 'running', label: 'Running', tone: 'badge-muted' },
  { value: 'succeeded', label: 'Succeeded', tone: 'badge-ok' },
  { value: 'failed', label: 'Failed', tone: 'badge-bad' },
  { value: 'cancelled', label: 'Cancelled', tone: 'badge-muted' },
];

export function StatusBadge({ status, testid = 'run-status' }) {
  const found = STATUSES.find((s) => s.value === status) || { label: status || 'unknown', tone: 'badge-muted' };
  return html`<span class=${`badge ${found.tone}`} data-status=${status || ''} data-testid=${testid}>${found.label}</span>`;
}

/** Who answered a run: the model's name, or the fallback (its reason on hover). */
export function AnsweredBy({ run }) {
  if (run.used_fallback) {
    return html`<span class="badge badge-kind" title=${run.fallback_reason || ''} data-testid="run-answered-by" data-fallback="true">Fallback</span>`;
  }
  return html`<span class="agent-model" data-testid="run-answered-by" data-fallback="false">${run.model || 'Model'}</span>`;
}

/** A latency in ms as "840 ms" or "2.4 s"; null as a dash. */
export function formatLatency(ms) {
  if (ms === null || ms === undefined) return null;
  return ms < 1000 ? `${formatInt(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** A share (0..1) as "12%"; null as a dash. */
export function formatRate(rate) {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return null;
  return `${Math.round(rate * 100)}%`;
}

/** Tokens read and written, as "1,200 in · 300 out". */
export function formatTokens(prompt, completion) {
  if (!prompt && !completion) return null;
  return `${formatInt(prompt || 0)} in · ${formatInt(completion || 0)} out`;
}

/** The Agents screens' tabs: the agents with their runs, and the swarms. */
export function AgentsTabs({ current }) {
  const tabs = [
    { href: '/agents', label: 'Agents and runs', key: 'agents' },
    { href: '/agents/swarms', label: 'Swarms', key: 'swarms' },
  ];
  return html`<nav class="tabs" aria-label="Agents" data-testid="agents-tabs">
    ${tabs.map(
      (t) => html`<a key=${t.key} class="tab" href=${t.href} aria-current=${t.key === current ? 'page' : undefined} data-testid=${`agents-tab-${t.key}`}>${t.label}</a>`,
    )}
  </nav>`;
}

/** Where a run points: the contact (a link), or the kind of record it read. */
export function RunTarget({ run }) {
  if (run.contact_id) {
    return html`<a href=${`/contacts/${encodeURIComponent(run.contact_id)}`} data-testid="run-contact-link">Contact</a>`;
  }
  if (run.account_id) return html`<a href=${`/accounts/${encodeURIComponent(run.account_id)}`}>Account</a>`;
  return run.target_kind ? String(run.target_kind).replace(/_/g, ' ') : null;
}
