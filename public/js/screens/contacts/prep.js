// A contact's prep card and timeline, both from one GET /prep/{id}: the suggested next step,
// talking points, the open opportunity, the sequence, the company's facts and the buying
// signals (fresh first); and everything that happened with the contact, newest first.
import { html } from '../../preact.js';
import { prep as prepApi } from '../../api.js';
import { useLoad } from '../../use-load.js';
import { ErrorState, Loading } from '../../components/states.js';
import { SIGNAL_KINDS, labelOf } from '../../contact-meta.js';
import { formatDateTime, formatInt, formatRelative, safeHref } from '../../format.js';
import { ResearchBrief } from './ai.js';

/** The prep card of `contactId`; `retry()` reloads it keeping the shown one. */
export function usePrep(contactId) {
  return useLoad((signal) => prepApi.get(contactId, { signal }), [contactId]);
}

const ACTIONS = {
  answer_reply: 'Answer the reply',
  prepare_meeting: 'Prepare the meeting',
  review_draft: 'Review the draft',
  send_email: 'Send the email',
  do_task: 'Do the task',
  follow_up: 'Follow up',
  wait: 'Wait for the sequence',
  enroll: 'Start outreach',
  re_engage: 'Re-engage later',
  none: 'Nothing to do',
};

const OPP_LABELS = {
  meeting_booked: 'Meeting booked',
  meeting_held: 'Meeting held',
  opportunity_created: 'Opportunity',
  disqualified: 'Disqualified',
  lost: 'Lost',
};

const TIMELINE_KINDS = {
  touch: { label: 'Touch', glyph: '→' },
  reply: { label: 'Reply', glyph: '←' },
  draft: { label: 'Draft', glyph: '✎' },
  followup: { label: 'Follow-up', glyph: '↻' },
  stage: { label: 'Stage', glyph: '▸' },
  opportunity: { label: 'Opportunity', glyph: '★' },
  email_event: { label: 'Email', glyph: '✉' },
  suppression: { label: 'Suppressed', glyph: '⦸' },
};

/** What the mail provider reported, and why an address was suppressed, in words. */
const EVENT_TITLES = {
  delivered: 'Email delivered',
  bounce_hard: 'Email bounced: the address does not take mail',
  bounce_soft: 'Email bounced for now: the mailbox refused it',
  complaint: 'Marked the email as spam',
  unsubscribe: 'Unsubscribed through the mail provider',
  open: 'Opened the email',
  click: 'Clicked a link in the email',
  reply: 'Replied (reported by the mail provider)',
};
const SUPPRESSION_TITLES = {
  unsubscribe: 'Unsubscribed: never contacted again',
  hard_bounce: 'Suppressed after a hard bounce',
  soft_bounce_limit: 'Suppressed after repeated soft bounces',
  complaint: 'Suppressed after a spam complaint',
  manual: 'Added to the suppression list',
  erased: 'Erased at their request',
};
const SUPPRESSION_SOURCES = {
  unsubscribe_page: 'from the unsubscribe link',
  webhook: 'reported by the mail provider',
  mailbox: 'found in the mailbox',
  reply: 'from their reply',
  import: 'from an imported list',
};

/** An entry's title in words. */
function titleOf(e) {
  if (e.kind === 'email_event') return EVENT_TITLES[e.title] || human(e.title);
  if (e.kind === 'suppression') return SUPPRESSION_TITLES[e.title] || `Suppressed: ${human(e.title)}`;
  return human(e.title);
}

/** An entry's detail in words (a suppression's source). */
function detailOf(e) {
  if (e.kind !== 'suppression' || !e.detail) return e.detail;
  if (SUPPRESSION_SOURCES[e.detail]) return SUPPRESSION_SOURCES[e.detail];
  return e.detail.startsWith('user:') ? 'by a person in OCC' : human(e.detail);
}

const human = (text) => (text ? String(text).replace(/_/g, ' ') : text);

/** "in 2 h" with the exact time on hover. */
function When({ at, testid }) {
  if (!at) return null;
  return html`<time datetime=${at} title=${formatDateTime(at)} data-testid=${testid}>${formatRelative(at)}</time>`;
}

export function formatAmount(minor, currency) {
  if (minor === null || minor === undefined) return null;
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: currency || 'USD' }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency || ''}`.trim();
  }
}

/** The next steps the page can start at once, with their button's words. */
const STARTS = { answer_reply: 'Answer', enroll: 'Enroll' };

/** The suggested next step; `onAct(action, targetId)` (when the person may act) starts it. */
function NextStep({ step, onAct }) {
  const link = step.action === 'review_draft' || step.action === 'send_email' ? '/review' : null;
  const start = onAct && STARTS[step.action];
  return html`<div class=${`prep-next prep-next-${step.action}`} data-testid="prep-next-step" data-action=${step.action}>
    <div class="prep-next-label">Next step</div>
    <strong class="prep-next-action" data-testid="prep-next-action">${ACTIONS[step.action] || human(step.action)}</strong>
    <p class="prep-next-reason" data-testid="prep-next-reason">${step.reason}</p>
    ${step.due_at && html`<div class="muted">Due <${When} at=${step.due_at} testid="prep-next-due" /></div>`}
    ${link && step.action === 'review_draft' && html`<a href=${link}>Open Review</a>`}
    ${start &&
    html`<button type="button" class="btn btn-sm btn-primary" onClick=${() => onAct(step.action, step.target_id)} data-testid="prep-next-start">${start}</button>`}
  </div>`;
}

function Opportunity({ opp }) {
  const amount = formatAmount(opp.amount_minor, opp.currency);
  return html`<div class="prep-block" data-testid="prep-opportunity" data-status=${opp.status}>
    <h3 class="prep-heading">Open opportunity</h3>
    <div><span class="badge badge-ok" data-testid="prep-opportunity-status">${OPP_LABELS[opp.status] || human(opp.status)}</span></div>
    ${opp.meeting_at &&
    html`<div class="prep-line">Meeting ${formatDateTime(opp.meeting_at)} <span class="muted">(<${When} at=${opp.meeting_at} />)</span></div>`}
    ${amount && html`<div class="prep-line">Amount <strong>${amount}</strong></div>`}
    ${opp.notes && html`<p class="prep-line notes">${opp.notes}</p>`}
  </div>`;
}

function Enrollment({ e }) {
  // `current_step` is the step that fires next (1 for a contact just enrolled).
  const step = Math.min(e.current_step, Math.max(e.steps, 1));
  return html`<div class="prep-block" data-testid="prep-enrollment" data-status=${e.status}>
    <h3 class="prep-heading">Sequence</h3>
    <div class="prep-line">
      <a href=${`/sequences/${encodeURIComponent(e.sequence_id)}`}>${e.sequence_name || 'Sequence'}</a>
      <span class="badge badge-muted">${human(e.status)}</span>
    </div>
    <div class="prep-line" data-testid="prep-enrollment-step">Step ${step} of ${e.steps}</div>
    ${e.status === 'paused' && e.paused_until
      ? html`<div class="prep-line muted">Paused until ${formatDateTime(e.paused_until)}</div>`
      : e.next_due_at && e.status === 'active' && html`<div class="prep-line muted">Next step due <${When} at=${e.next_due_at} /></div>`}
  </div>`;
}

function AccountFacts({ a }) {
  const website = safeHref(a.website);
  const stack = Array.isArray(a.tech_stack) ? a.tech_stack : [];
  const rows = [
    ['Industry', [a.industry, a.sub_industry].filter(Boolean).join(' · ')],
    ['Size', a.employee_count ? `${formatInt(a.employee_count)} people` : null],
    ['Country', a.country],
    ['Website', website ? html`<a href=${website} target="_blank" rel="noopener noreferrer">${a.website}</a>` : a.website],
  ].filter(([, v]) => v);
  return html`<div class="prep-block" data-testid="prep-account">
    <h3 class="prep-heading"><a href=${`/accounts/${encodeURIComponent(a.id)}`}>${a.name}</a></h3>
    ${rows.length > 0 &&
    html`<dl class="prep-facts">
      ${rows.map(([label, value]) => html`<div key=${label}><dt>${label}</dt><dd data-testid=${`prep-account-${label.toLowerCase()}`}>${value}</dd></div>`)}
    </dl>`}
    ${stack.length > 0 &&
    html`<ul class="chips prep-stack" aria-label="Tech stack" data-testid="prep-tech-stack">
      ${stack.map((t) => html`<li key=${t} class="chip">${t}</li>`)}
    </ul>`}
  </div>`;
}

function Signals({ signals }) {
  const shown = signals.slice(0, 6);
  return html`<div class="prep-block" data-testid="prep-signals">
    <h3 class="prep-heading">Signals</h3>
    <ul class="prep-signals">
      ${shown.map(
        (s) => html`<li key=${s.id} class=${s.fresh ? '' : 'is-expired'} data-testid="prep-signal" data-fresh=${String(s.fresh)}>
          <span class="badge badge-kind">${labelOf(SIGNAL_KINDS, s.kind)}</span>
          <span class="prep-signal-title">${s.title}</span>
          <span class="muted prep-signal-meta">
            ${s.account_level ? 'company · ' : ''}<${When} at=${s.occurred_at} />${s.fresh ? '' : ' · expired'}
          </span>
        </li>`,
      )}
    </ul>
    ${signals.length > shown.length && html`<div class="muted">${signals.length - shown.length} more below.</div>`}
  </div>`;
}

/**
 * The prep card (`id="prep"`, so /contacts/{id}#prep lands on it); `onAct` starts its next step.
 * `pendingBrief`: a brief just written on this page, shown while the card does not carry one.
 */
export function PrepCard({ state, onAct, pendingBrief = null }) {
  let body;
  if (state.error && !state.data) {
    body = html`<${ErrorState} error=${state.error} title="Could not load the prep card" onRetry=${state.retry} />`;
  } else if (!state.data) {
    body = html`<${Loading} label="Loading the prep card…" />`;
  } else {
    const p = state.data;
    const points = p.talking_points || [];
    const brief = p.brief || pendingBrief;
    body = html`
      <${NextStep} step=${p.next_step} onAct=${onAct} />
      ${brief && html`<${ResearchBrief} brief=${brief} />`}
      ${points.length > 0 &&
      html`<div class="prep-block">
        <h3 class="prep-heading">Talking points</h3>
        <ul class="prep-points" data-testid="prep-talking-points">
          ${points.map((t, i) => html`<li key=${i}>${t}</li>`)}
        </ul>
      </div>`}
      ${p.opportunity && html`<${Opportunity} opp=${p.opportunity} />`}
      ${p.enrollment && html`<${Enrollment} e=${p.enrollment} />`}
      ${p.account && html`<${AccountFacts} a=${p.account} />`}
      ${p.signals && p.signals.length > 0 && html`<${Signals} signals=${p.signals} />`}
    `;
  }
  return html`<section id="prep" class="card card-padded prep-card" aria-labelledby="prep-title" data-testid="prep-card" tabindex="-1">
    <h2 class="card-title" id="prep-title">Prep card</h2>
    ${body}
  </section>`;
}

/** One entry of a timeline; `who`, when given, is the person it is about (an account's activity);
 *  `actions(entry)`: buttons under it. */
export function TimelineEntry({ e, who, actions }) {
  const kind = TIMELINE_KINDS[e.kind] || { label: human(e.kind), glyph: '•' };
  return html`<li class=${`timeline-entry timeline-${e.kind}`} data-testid="timeline-entry" data-kind=${e.kind} data-id=${e.id}>
    <span class="timeline-icon" aria-hidden="true">${kind.glyph}</span>
    <div class="timeline-body">
      <div class="timeline-head">
        <span class=${`badge badge-kind timeline-kind-${e.kind}`}>${kind.label}</span>
        ${e.channel && html`<span class="chip">${e.channel}</span>`}
        ${who}
        <strong class="timeline-title" data-testid="timeline-title">${titleOf(e)}</strong>
        ${e.status && e.kind !== 'stage' && human(e.status) !== human(e.title) && html`<span class="muted">${human(e.status)}</span>`}
        <span class="timeline-at"><${When} at=${e.at} /></span>
      </div>
      ${e.detail && html`<p class="timeline-detail" data-testid="timeline-detail">${detailOf(e)}</p>`}
      ${actions && actions(e)}
    </div>
  </li>`;
}

/** Everything that happened with the contact, newest first; `actions(entry)`: buttons under an entry. */
export function Timeline({ state, actions }) {
  let body;
  if (state.error && !state.data) {
    body = html`<${ErrorState} error=${state.error} title="Could not load the timeline" onRetry=${state.retry} />`;
  } else if (!state.data) {
    body = html`<${Loading} label="Loading the timeline…" />`;
  } else if (!state.data.timeline.length) {
    body = html`<p class="muted card-text" data-testid="timeline-empty">Nothing has happened with this contact yet.</p>`;
  } else {
    body = html`<ol class="timeline" data-testid="timeline-list">
      ${state.data.timeline.map((e) => html`<${TimelineEntry} key=${`${e.kind}:${e.id}`} e=${e} actions=${actions} />`)}
    </ol>`;
  }
  return html`<section class="card card-padded" aria-labelledby="timeline-title" data-testid="timeline">
    <h2 class="card-title" id="timeline-title">Timeline</h2>
    ${body}
  </section>`;
}
