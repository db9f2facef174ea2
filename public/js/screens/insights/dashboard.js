// Dashboard (/dashboard, the start page of managers and admins): mine or the team's, over the
// last 7, 30 or 90 days. A card per figure (sends, replies, positive replies, meetings) with the
// change against the period before and a sparkline by day; the funnel from new contacts to
// opportunities; today's pacing (each identity's sending, LinkedIn against its limits); what is
// waiting (replies, meetings this week) linking to its screen; the pipeline by stage. The scope
// and the period live in the URL.
import { html } from '../../preact.js';
import { dashboard as dashboardApi } from '../../api.js';
import { canWriteContacts } from '../../access.js';
import { navigate, withQuery } from '../../router.js';
import { useLoad } from '../../use-load.js';
import { PageHeader } from '../../components/layout.js';
import { ScopeToggle } from '../../components/scope-toggle.js';
import { ToolbarField, Updating } from '../../components/toolbar.js';
import { Empty, ErrorState, Loading } from '../../components/states.js';
import { Gauge } from '../../components/gauge.js';
import { Meter } from '../../components/meter.js';
import { Funnel, Sparkline, fillDays, formatDay } from '../../components/charts.js';
import { STAGES, labelOf } from '../../contact-meta.js';
import { formatInt } from '../../format.js';

const PERIODS = [7, 30, 90];

const LINKEDIN = {
  connection_sent: { day: 'Connection requests today', week: 'Connection requests this week' },
  message_sent: { day: 'Messages today', week: 'Messages this week' },
};

function readFilters(query) {
  const days = Number(query.get('days'));
  return {
    scope: query.get('scope') === 'team' ? 'team' : 'mine',
    days: PERIODS.includes(days) ? days : 30,
  };
}

const dashboardUrl = ({ scope, days }) => withQuery('/dashboard', { scope: scope === 'team' ? 'team' : '', days: days === 30 ? '' : days });

/**
 * The change from `previous` to `value` in words and tone: "+12%", "−3%", "new" when there was
 * nothing before, "no change", or null when both are zero.
 */
export function change(value, previous) {
  if (!previous) return value ? { text: 'new', tone: 'up', title: 'Nothing in the period before' } : null;
  const pct = Math.round(((value - previous) / previous) * 100);
  if (pct === 0) return { text: '±0%', tone: 'flat', title: `Same as the period before (${formatInt(previous)})` };
  return {
    text: `${pct > 0 ? '+' : '−'}${formatInt(Math.abs(pct))}%`,
    tone: pct > 0 ? 'up' : 'down',
    title: `${formatInt(previous)} in the period before`,
  };
}

function FigureCard({ figure, period }) {
  const delta = change(figure.value, figure.previous);
  const days = fillDays(figure.series || [], period.from, period.to, { key: (p) => String(p.day).slice(0, 10), empty: (day) => ({ day, value: 0 }) });
  const values = days.map((d) => d.value || 0);
  const peak = days.reduce((best, d) => (d.value > (best ? best.value : -1) ? d : best), null);
  return html`<section class="card card-padded dash-figure" data-testid="dash-figure" data-metric=${figure.metric} data-value=${figure.value} data-previous=${figure.previous}>
    <h2 class="dash-figure-label">${figure.label}</h2>
    <div class="dash-figure-row">
      <span class="dash-figure-value" data-testid="dash-figure-value">${formatInt(figure.value)}</span>
      ${delta
        ? html`<span class=${`dash-change dash-change-${delta.tone}`} title=${delta.title} data-testid="dash-figure-change">${delta.text}</span>`
        : html`<span class="dash-change dash-change-flat" data-testid="dash-figure-change">—</span>`}
    </div>
    <${Sparkline}
      values=${values}
      label=${`${figure.label} by day over the last ${period.days} days: ${formatInt(figure.value)} in all${peak && peak.value > 0 ? `, the most on ${formatDay(peak.day)} (${formatInt(peak.value)})` : ''}`}
    />
    <p class="dash-figure-note muted">vs ${formatInt(figure.previous)} the ${period.days} days before</p>
  </section>`;
}

function Pacing({ pacing }) {
  const identities = (pacing && pacing.identities) || [];
  const linkedin = (pacing && pacing.linkedin) || [];
  return html`<section class="card card-padded dash-pacing" aria-labelledby="dash-pacing-title" data-testid="dash-pacing">
    <h2 class="card-title" id="dash-pacing-title">Today's pacing</h2>
    <h3 class="pacing-subtitle">Identities</h3>
    ${identities.length
      ? identities.map((i) => html`<${Gauge} key=${i.identity_id} testid="dash-identity" label=${i.from_email} used=${i.used} max=${i.allowance} />`)
      : html`<p class="muted">No sender identities yet.</p>`}
    ${linkedin.length > 0 &&
    html`<h3 class="pacing-subtitle">LinkedIn</h3>
      ${linkedin.flatMap((l) => {
        const names = LINKEDIN[l.kind] || { day: `${l.kind} today`, week: `${l.kind} this week` };
        const out = [html`<${Gauge} key=${`${l.kind}-day`} name=${`dash-${l.kind}-today`} label=${names.day} used=${l.today} max=${l.daily_limit} />`];
        if (l.weekly_limit !== null && l.weekly_limit !== undefined) {
          out.push(html`<${Gauge} key=${`${l.kind}-week`} name=${`dash-${l.kind}-week`} label=${names.week} used=${l.this_week || 0} max=${l.weekly_limit} />`);
        }
        return out;
      })}`}
  </section>`;
}

function Waiting({ data, scope }) {
  const scoped = (path) => withQuery(path, { scope: scope === 'team' ? 'team' : '' });
  return html`<section class="card card-padded dash-waiting" aria-labelledby="dash-waiting-title" data-testid="dash-waiting">
    <h2 class="card-title" id="dash-waiting-title">Waiting</h2>
    <dl class="dash-waiting-list">
      <div>
        <dt><a href=${scoped('/replies')} data-testid="dash-replies-link">Replies waiting</a></dt>
        <dd data-testid="dash-replies-waiting">${formatInt(data.replies_waiting)}</dd>
      </div>
      <div>
        <dt><a href="/opportunities" data-testid="dash-meetings-link">Meetings this week</a></dt>
        <dd data-testid="dash-meetings-week">${formatInt(data.meetings_this_week)}</dd>
      </div>
    </dl>
  </section>`;
}

function Pipeline({ pipeline }) {
  const rows = pipeline.filter((p) => p.count > 0);
  const max = Math.max(1, ...rows.map((p) => p.count));
  const total = rows.reduce((s, p) => s + p.count, 0);
  return html`<section class="card card-padded dash-pipeline" aria-labelledby="dash-pipeline-title" data-testid="dash-pipeline" data-total=${total}>
    <div class="card-head">
      <h2 class="card-title" id="dash-pipeline-title">Pipeline by stage</h2>
      <a class="btn btn-sm" href="/pipeline">Open the board</a>
    </div>
    ${rows.length
      ? html`<ul class="dash-stages">
          ${rows.map(
            (p) => html`<li key=${p.stage} class="dash-stage" data-testid="dash-stage" data-stage=${p.stage} data-count=${p.count}>
              <a class="dash-stage-name" href=${withQuery('/contacts', { stage: p.stage })}>${labelOf(STAGES, p.stage)}</a>
              <${Meter} value=${p.count} max=${max} label=${`${labelOf(STAGES, p.stage)}: ${p.count} of ${total}`} className="dash-stage-meter" />
              <span class="dash-stage-count">${formatInt(p.count)}</span>
            </li>`,
          )}
        </ul>`
      : html`<p class="muted">No contacts in the pipeline yet.</p>`}
  </section>`;
}

export function DashboardScreen({ location, user }) {
  const filters = readFilters(location.query);
  const state = useLoad((signal) => dashboardApi.get({ scope: filters.scope, days: filters.days }, { signal }), [filters.scope, filters.days]);
  const go = (patch) => navigate(dashboardUrl({ ...filters, ...patch }), { replace: true });
  const data = state.data;

  const controls = html`<div class="dash-controls">
    ${canWriteContacts(user) && html`<${ScopeToggle} scope=${filters.scope} onChange=${(scope) => go({ scope })} label="Whose numbers" />`}
    <${ToolbarField} id="dash-days" label="Period" as="select" value=${String(filters.days)} onChange=${(e) => go({ days: Number(e.currentTarget.value) })} data-testid="dash-days">
      ${PERIODS.map((d) => html`<option key=${d} value=${String(d)}>Last ${d} days</option>`)}
    <//>
    <${Updating} when=${state.loading && data} />
  </div>`;

  let body;
  if (state.error && !data) {
    body = html`<${ErrorState} error=${state.error} title="Could not load the dashboard" onRetry=${state.retry} />`;
  } else if (!data) {
    body = html`<${Loading} label="Loading the dashboard…" />`;
  } else {
    const figures = data.figures || [];
    const funnel = data.funnel || [];
    body = html`<div class=${state.loading ? 'is-reloading' : ''}>
      <p class="dash-period muted" data-testid="dash-period">
        ${data.scope === 'team' ? 'The team' : 'Yours'}, ${formatDay(data.period.from, true)} to ${formatDay(data.period.to, true)}, against the ${data.period.days} days before.
      </p>
      <div class="dash-figures">${figures.map((f) => html`<${FigureCard} key=${f.metric} figure=${f} period=${data.period} />`)}</div>
      <div class="dash-grid">
        <section class="card card-padded dash-funnel" aria-labelledby="dash-funnel-title" data-testid="dash-funnel">
          <h2 class="card-title" id="dash-funnel-title">Funnel</h2>
          <p class="card-text muted">Contacts that reached each step in the period; under each bar, the share of the step before.</p>
          ${funnel.some((s) => s.count > 0)
            ? html`<${Funnel} steps=${funnel.map((s) => ({ key: s.step, label: s.label, count: s.count, conversion: s.conversion }))} label="Funnel over the period" />`
            : html`<${Empty} title="Nothing in the funnel yet" testid="dash-funnel-empty">Contacts show up here as they are touched, reply and book meetings.<//>`}
        </section>
        <div class="dash-side">
          <${Waiting} data=${data} scope=${data.scope} />
          <${Pacing} pacing=${data.pacing} />
        </div>
      </div>
      <${Pipeline} pipeline=${data.pipeline || []} />
    </div>`;
  }

  return html`<section class="page" data-testid="dashboard">
    <${PageHeader} title="Dashboard" actions=${controls} />
    ${body}
  </section>`;
}
