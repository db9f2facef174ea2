// Today's numbers: what is waiting (replies, meetings, follow-ups, drafts, ready tasks), what
// was done today, LinkedIn's usage against its daily and weekly limits as gauges, and each
// active identity's sending against today's allowance. Beside the tasks on a wide screen; on a
// phone, what is waiting is one line above them and the rest follows them.
import { html } from '../../preact.js';
import { Gauge, IdentityGauge } from '../../components/gauge.js';
import { formatInt } from '../../format.js';

const WAITING = [
  ['replies_waiting', 'Replies waiting'],
  ['meetings_next_24h', 'Meetings next 24 h'],
  ['followups_due', 'Follow-ups due'],
  ['drafts_pending', 'Drafts pending'],
  ['emails_ready', 'Emails ready'],
  ['linkedin_ready', 'LinkedIn ready'],
  ['calls_ready', 'Calls ready'],
];

const DONE = [
  ['emails_sent_today', 'Emails'],
  ['linkedin_done_today', 'LinkedIn'],
  ['calls_done_today', 'Calls'],
  ['replies_today', 'Replies'],
];

const GAUGES = [
  ['connections_today', 'connections_daily_limit', 'Connections today'],
  ['connections_this_week', 'connections_weekly_limit', 'Connections this week'],
  ['messages_today', 'messages_daily_limit', 'Messages today'],
];

function Count({ name, label, value }) {
  return html`<div class="today-count" data-testid=${`count-${name}`} data-value=${value}>
    <dt>${label}</dt>
    <dd>${formatInt(value || 0)}</dd>
  </div>`;
}

/** What is waiting, in one line (shown on a phone, above the tasks): only what is not zero. */
export function TodayStrip({ counts }) {
  const c = counts || {};
  const waiting = WAITING.filter(([name]) => c[name] > 0);
  return html`<p class="today-strip" aria-label="Waiting" data-testid="today-strip">
    ${waiting.length
      ? waiting.map(([name, label], i) => html`<span key=${name} class="today-strip-item">${i > 0 ? ' · ' : ''}<strong>${formatInt(c[name])}</strong> ${label.toLowerCase()}</span>`)
      : html`<span class="muted">Nothing waiting</span>`}
  </p>`;
}

/** `counts`: the queue's `counts`. */
export function TodayCounts({ counts }) {
  const c = counts || {};
  return html`
    <section class="today-summary" aria-label="Today's numbers" data-testid="today-counts">
      <div class="card card-padded today-summary-card">
        <h2 class="card-title">Waiting</h2>
        <dl class="today-counts">
          ${WAITING.map(([name, label]) => html`<${Count} key=${name} name=${name} label=${label} value=${c[name]} />`)}
        </dl>
      </div>
      <div class="card card-padded today-summary-card">
        <h2 class="card-title">Done today</h2>
        <dl class="today-counts">
          ${DONE.map(([name, label]) => html`<${Count} key=${name} name=${name} label=${label} value=${c[name]} />`)}
        </dl>
      </div>
      <div class="card card-padded today-summary-card">
        <h2 class="card-title">LinkedIn limits</h2>
        ${GAUGES.map(
          ([used, max, label]) => html`<${Gauge} key=${used} name=${used} label=${label} used=${c[used] || 0} max=${c[max] || 0} />`,
        )}
      </div>
    </section>
  `;
}

/**
 * "Sending today": one gauge per active identity, used of today's allowance (from
 * `GET /api/v1/pacing`); nothing while there is none, or while it loads or failed.
 */
export function SendingToday({ pacing }) {
  const active = ((pacing && pacing.identities) || []).filter((i) => i.status === 'active');
  if (!active.length) return null;
  return html`<section class="card card-padded today-sending" aria-labelledby="today-sending-title" data-testid="today-sending">
    <h2 class="card-title" id="today-sending-title">Sending today</h2>
    <div class="today-sending-gauges">
      ${active.map((i) => html`<${IdentityGauge} key=${i.identity_id} identity=${i} />`)}
    </div>
  </section>`;
}
