// LinkedIn's numbers from GET /linkedin/stats: today and this week against the limits
// (connection requests a day and a week, messages a day), the period's counts with the
// acceptance rate and what it is made of, and connection requests and acceptances by day.
import { html } from '../../preact.js';
import { Gauge } from '../../components/gauge.js';
import { formatDate, formatInt } from '../../format.js';

/** The kinds of LinkedIn event, in the order they are shown. */
export const EVENT_KINDS = [
  ['connection_sent', 'Connection requests'],
  ['connection_accepted', 'Accepted'],
  ['message_sent', 'Messages'],
  ['inmail_sent', 'InMails'],
  ['reply_received', 'Replies'],
  ['profile_viewed', 'Profile views'],
];

const n = (counts, kind) => (counts && counts[kind]) || 0;
/** Messages and InMails count against one daily limit. */
const messages = (counts) => n(counts, 'message_sent') + n(counts, 'inmail_sent');

function Counts({ counts, skip = [], testid }) {
  const shown = EVENT_KINDS.filter(([kind]) => !skip.includes(kind));
  return html`<dl class="today-counts linkedin-counts" data-testid=${testid}>
    ${shown.map(
      ([kind, label]) => html`<div key=${kind} class="today-count" data-testid=${`${testid}-${kind}`} data-value=${n(counts, kind)}>
        <dt>${label}</dt>
        <dd>${formatInt(n(counts, kind))}</dd>
      </div>`,
    )}
  </dl>`;
}

/**
 * Usage against a per-person limit: a gauge for one person's own numbers; for the team a plain
 * count, since the team's total is not held to one person's limit.
 */
function Usage({ team, name, label, used, max, per }) {
  if (!team) return html`<${Gauge} name=${name} label=${label} used=${used} max=${max} />`;
  return html`<div class="today-gauge" data-testid=${`gauge-${name}`} data-used=${used}>
    <div class="today-gauge-head">
      <span class="today-gauge-label">${label}</span>
      <strong>${formatInt(used)}</strong>
    </div>
    <div class="muted linkedin-limit-note">Limit ${formatInt(max)} ${per} per person</div>
  </div>`;
}

/** The acceptance rate as a percentage with what it is made of, or why there is none. */
function Acceptance({ stats }) {
  const sent = n(stats.period, 'connection_sent');
  const accepted = n(stats.period, 'connection_accepted');
  const rate = stats.acceptance_rate;
  return html`<div class="linkedin-rate" data-testid="linkedin-acceptance">
    <div class="linkedin-rate-value" data-testid="linkedin-acceptance-rate">
      ${rate === null || rate === undefined ? '—' : `${Math.round(rate * 100)}%`}
    </div>
    <div class="muted" data-testid="linkedin-acceptance-count">
      ${sent ? `${formatInt(accepted)} of ${formatInt(sent)} ${sent === 1 ? 'request' : 'requests'} accepted` : 'No connection requests sent in this period'}
    </div>
  </div>`;
}

/** The days of the period, oldest first, as YYYY-MM-DD (UTC, as `daily` is). */
function periodDays(days, now = new Date()) {
  const out = [];
  for (let i = days - 1; i >= 0; i -= 1) out.push(new Date(now.getTime() - i * 86_400_000).toISOString().slice(0, 10));
  return out;
}

/** Connection requests and acceptances by day, as bars. */
function ByDay({ stats }) {
  const byDay = {};
  for (const [day, kind, count] of stats.daily || []) (byDay[day] ||= {})[kind] = count;
  const days = periodDays(stats.days);
  const max = Math.max(1, ...days.map((d) => n(byDay[d], 'connection_sent')), ...days.map((d) => n(byDay[d], 'connection_accepted')));
  const sent = days.reduce((s, d) => s + n(byDay[d], 'connection_sent'), 0);
  const accepted = days.reduce((s, d) => s + n(byDay[d], 'connection_accepted'), 0);
  const width = 100 / days.length;
  const bar = (day, i, kind, offset, cls) => {
    const h = (n(byDay[day], kind) / max) * 100;
    return h > 0 ? html`<rect key=${`${day}-${kind}`} class=${cls} x=${i * width + offset * width * 0.45 + width * 0.05} y=${100 - h} width=${width * 0.42} height=${h} />` : null;
  };
  return html`<figure class="linkedin-chart" data-testid="linkedin-by-day">
    <svg viewBox="0 0 100 100" preserveAspectRatio="none" role="img"
      aria-label=${`Connection requests by day over ${stats.days} days: ${sent} sent, ${accepted} accepted`}>
      ${days.map((day, i) => [bar(day, i, 'connection_sent', 0, 'bar-sent'), bar(day, i, 'connection_accepted', 1, 'bar-accepted')])}
    </svg>
    <figcaption class="linkedin-chart-legend muted">
      <span><span class="legend-swatch bar-sent" aria-hidden="true"></span>Requests sent</span>
      <span><span class="legend-swatch bar-accepted" aria-hidden="true"></span>Accepted</span>
      <span class="linkedin-chart-range">${formatDate(`${days[0]}T12:00:00Z`)} – ${formatDate(`${days[days.length - 1]}T12:00:00Z`)}</span>
    </figcaption>
  </figure>`;
}

/** `stats`: the answer of GET /linkedin/stats. */
export function LinkedinStats({ stats }) {
  const team = stats.scope === 'team';
  const l = stats.limits;
  return html`<div class="linkedin-stats" data-testid="linkedin-stats" data-scope=${stats.scope}>
    <section class="card card-padded" aria-labelledby="li-today" data-testid="linkedin-today">
      <h2 class="card-title" id="li-today">Today</h2>
      <${Usage} team=${team} name="li-connections-today" label="Connection requests" used=${n(stats.today, 'connection_sent')}
        max=${l.linkedin_connections_daily} per="a day" />
      <${Usage} team=${team} name="li-messages-today" label="Messages and InMails" used=${messages(stats.today)}
        max=${l.linkedin_messages_daily} per="a day" />
      <${Counts} counts=${stats.today} skip=${['connection_sent', 'message_sent', 'inmail_sent']} testid="li-today" />
    </section>
    <section class="card card-padded" aria-labelledby="li-week" data-testid="linkedin-week">
      <h2 class="card-title" id="li-week">This week</h2>
      <${Usage} team=${team} name="li-connections-week" label="Connection requests" used=${n(stats.this_week, 'connection_sent')}
        max=${l.linkedin_connections_weekly} per="a week" />
      <${Counts} counts=${stats.this_week} skip=${['connection_sent']} testid="li-week" />
    </section>
    <section class="card card-padded" aria-labelledby="li-period" data-testid="linkedin-period">
      <h2 class="card-title" id="li-period">Last ${formatInt(stats.days)} days</h2>
      <${Acceptance} stats=${stats} />
      <${Counts} counts=${stats.period} testid="li-period" />
    </section>
    <section class="card card-padded linkedin-wide" aria-labelledby="li-daily">
      <h2 class="card-title" id="li-daily">Requests by day</h2>
      <${ByDay} stats=${stats} />
    </section>
  </div>`;
}
