// Analytics (/analytics): a rate (reply, positive reply or meeting) broken down by one dimension
// (channel, industry, seniority, …) over a date range, optionally for one channel or sequence,
// as bars with their 95% intervals and the table under them, with groups smaller than the
// minimum size said as "too few"; the same view as CSV; and below, a count (sends, replies, …)
// over time, a line per channel, by day or week. Every filter lives in the URL, so a view can be
// shared as its link.
import { html } from '../../preact.js';
import { analytics as analyticsApi, sequences as sequencesApi } from '../../api.js';
import { navigate, withQuery } from '../../router.js';
import { useLoad } from '../../use-load.js';
import { PageHeader } from '../../components/layout.js';
import { ToolbarField } from '../../components/toolbar.js';
import { Empty, ErrorState, Loading } from '../../components/states.js';
import { IntervalChart, LineChart, fillDays, formatRate } from '../../components/charts.js';
import { formatInt } from '../../format.js';

export const METRICS = [
  { value: 'reply_rate', label: 'Reply rate', counted: 'Replied' },
  { value: 'positive_reply_rate', label: 'Positive reply rate', counted: 'Positive' },
  { value: 'meeting_rate', label: 'Meeting rate', counted: 'Meetings' },
];

const BY = [
  ['channel', 'Channel'],
  ['industry', 'Industry'],
  ['seniority', 'Seniority'],
  ['department', 'Department'],
  ['persona', 'Persona'],
  ['signal', 'Signal'],
  ['sequence', 'Sequence'],
  ['step', 'Step'],
  ['variant', 'Variant'],
  ['weekday', 'Weekday'],
  ['hour', 'Hour'],
];

const CHANNELS = [
  ['email', 'Email'],
  ['linkedin', 'LinkedIn'],
  ['call', 'Call'],
];

const SERIES_METRICS = [
  ['sends', 'Sends'],
  ['replies', 'Replies'],
  ['positive', 'Positive replies'],
  ['meetings', 'Meetings'],
  ['opportunities', 'Opportunities'],
];

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const isoDay = (d) => d.toISOString().slice(0, 10);

function defaultRange() {
  const to = new Date();
  const from = new Date(to.getTime() - 89 * 86400000);
  return { from: isoDay(from), to: isoDay(to) };
}

const oneOf = (list, value, fallback) => (list.some((item) => (item.value || item[0]) === value) ? value : fallback);

function readFilters(query) {
  const range = defaultRange();
  const from = query.get('from') || '';
  const to = query.get('to') || '';
  const minSize = query.get('min_size') || '';
  return {
    metric: oneOf(METRICS, query.get('metric'), 'reply_rate'),
    by: oneOf(BY, query.get('by'), 'channel'),
    from: DAY.test(from) ? from : range.from,
    to: DAY.test(to) ? to : range.to,
    channel: oneOf(CHANNELS, query.get('channel'), ''),
    sequence_id: query.get('sequence_id') || '',
    min_size: /^\d{1,6}$/.test(minSize) ? minSize : '',
    series: oneOf(SERIES_METRICS, query.get('series'), 'sends'),
    interval: query.get('interval') === 'week' ? 'week' : 'day',
  };
}

/** The URL of a view: the defaults left out, so a shared link stays short. */
function analyticsUrl(f) {
  const range = defaultRange();
  return withQuery('/analytics', {
    metric: f.metric === 'reply_rate' ? '' : f.metric,
    by: f.by === 'channel' ? '' : f.by,
    from: f.from === range.from ? '' : f.from,
    to: f.to === range.to ? '' : f.to,
    channel: f.channel,
    sequence_id: f.sequence_id,
    min_size: f.min_size,
    series: f.series === 'sends' ? '' : f.series,
    interval: f.interval === 'day' ? '' : f.interval,
  });
}

/** The breakdown's query for the API (and the CSV link). */
const breakdownQuery = (f) => ({ metric: f.metric, by: f.by, from: f.from, to: f.to, channel: f.channel, sequence_id: f.sequence_id, min_size: f.min_size });

/** The CSV of the breakdown: the same query with format=csv. */
export function csvHref(f) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...breakdownQuery(f), format: 'csv' })) if (v !== '' && v !== null && v !== undefined) params.set(k, String(v));
  return `/api/v1/analytics?${params}`;
}

const intervalText = (low, high) => (low === null || low === undefined ? null : `${formatRate(low)} – ${formatRate(high)}`);

function BreakdownTable({ data, metric }) {
  const counted = (METRICS.find((m) => m.value === metric) || METRICS[0]).counted;
  const t = data.total;
  return html`<div class="table-wrap">
    <table class="table table-breakdown" data-testid="breakdown-table">
      <caption class="visually-hidden">${counted} of sent, by group</caption>
      <thead>
        <tr>
          <th scope="col">Group</th>
          <th scope="col" class="num">Rate</th>
          <th scope="col" class="num hide-xs">95% interval</th>
          <th scope="col" class="num">${counted} / sent</th>
        </tr>
      </thead>
      <tbody>
        ${data.groups.map(
          (g) => html`<tr key=${g.value} data-testid="breakdown-row" data-value=${g.value} data-too-few=${String(g.too_few)}>
            <td class="cell-group">${g.label}</td>
            ${g.too_few
              ? html`<td class="num muted" data-testid="breakdown-too-few">too few (n = ${formatInt(g.denominator)})</td>
                  <td class="num muted hide-xs">—</td>`
              : html`<td class="num" data-testid="breakdown-rate">${formatRate(g.rate)}</td>
                  <td class="num nowrap hide-xs">${intervalText(g.low, g.high)}</td>`}
            <td class="num nowrap">${formatInt(g.numerator)} / ${formatInt(g.denominator)}</td>
          </tr>`,
        )}
      </tbody>
      ${t &&
      html`<tfoot>
        <tr data-testid="breakdown-total">
          <td>All</td>
          <td class="num">${formatRate(t.rate) || '—'}</td>
          <td class="num nowrap hide-xs">${intervalText(t.low, t.high) || '—'}</td>
          <td class="num nowrap">${formatInt(t.numerator)} / ${formatInt(t.denominator)}</td>
        </tr>
      </tfoot>`}
    </table>
  </div>`;
}

function Breakdown({ filters }) {
  const state = useLoad((signal) => analyticsApi.breakdown(breakdownQuery(filters), { signal }), [JSON.stringify(breakdownQuery(filters))]);
  const metric = METRICS.find((m) => m.value === filters.metric) || METRICS[0];
  const byLabel = (BY.find(([v]) => v === filters.by) || BY[0])[1].toLowerCase();
  if (state.error && !state.data) return html`<${ErrorState} error=${state.error} title="Could not load the breakdown" onRetry=${state.retry} />`;
  if (!state.data) return html`<${Loading} label="Loading the breakdown…" />`;
  const data = state.data;
  if (!data.groups.length) {
    return html`<${Empty} title="Nothing sent in this range" testid="breakdown-empty">Widen the dates or clear the channel and sequence filters.<//>`;
  }
  const rows = data.groups.map((g) => ({ key: g.value, label: g.label, rate: g.rate, low: g.low, high: g.high, n: g.denominator, tooFew: g.too_few }));
  return html`<div class=${state.loading ? 'is-reloading' : ''} data-testid="breakdown" data-groups=${data.groups.length}>
    <p class="card-text muted">
      ${metric.label} by ${byLabel}, ${formatInt(data.total.denominator)} sent in all${data.total.rate !== null && data.total.rate !== undefined ? html` at <strong>${formatRate(data.total.rate)}</strong> (the dashed line)` : ''}.
      Whiskers are 95% intervals; groups under ${formatInt(data.min_size)} sends are too few to read.
    </p>
    <${IntervalChart} rows=${rows} reference=${data.total.rate} label=${`${metric.label} by ${byLabel}`} testid="breakdown-chart" />
    <${BreakdownTable} data=${data} metric=${filters.metric} />
  </div>`;
}

function Series({ filters, go }) {
  const query = { metric: filters.series, interval: filters.interval, from: filters.from, to: filters.to, channel: filters.channel };
  const state = useLoad((signal) => analyticsApi.series(query, { signal }), [JSON.stringify(query)]);
  const channels = filters.channel ? CHANNELS.filter(([v]) => v === filters.channel) : CHANNELS;
  let chart;
  if (state.error && !state.data) chart = html`<${ErrorState} error=${state.error} title="Could not load the series" onRetry=${state.retry} />`;
  else if (!state.data) chart = html`<${Loading} label="Loading the series…" />`;
  else {
    const data = state.data;
    // Weeks come as the API gives them (the first may start mid-week); days with nothing are zeros.
    const raw = data.points || [];
    const filled = filters.interval === 'week' ? raw : fillDays(raw, data.from || filters.from, data.to || filters.to, { empty: (day) => ({ start: day, total: 0, by_channel: {} }) });
    const points = filled.map((p) => ({ day: String(p.start).slice(0, 10), values: { ...(p.by_channel || {}) } }));
    const name = (SERIES_METRICS.find(([v]) => v === filters.series) || SERIES_METRICS[0])[1];
    chart = html`<div class=${state.loading ? 'is-reloading' : ''}>
      <${LineChart}
        series=${channels.map(([key, label]) => ({ key, label }))}
        points=${points}
        label=${`${name} by ${filters.interval} and channel`}
        testid="series-chart"
      />
    </div>`;
  }
  return html`<section class="card card-padded analytics-series" aria-labelledby="series-title" data-testid="analytics-series">
    <div class="card-head">
      <h2 class="card-title" id="series-title">Over time</h2>
      <div class="analytics-series-controls">
        <${ToolbarField} id="series-metric" label="What to count" as="select" value=${filters.series} onChange=${(e) => go({ series: e.currentTarget.value })} data-testid="series-metric">
          ${SERIES_METRICS.map(([v, l]) => html`<option key=${v} value=${v}>${l}</option>`)}
        <//>
        <${ToolbarField} id="series-interval" label="Interval" as="select" value=${filters.interval} onChange=${(e) => go({ interval: e.currentTarget.value })} data-testid="series-interval">
          <option value="day">By day</option>
          <option value="week">By week</option>
        <//>
      </div>
    </div>
    ${chart}
  </section>`;
}

export function AnalyticsScreen({ location }) {
  const filters = readFilters(location.query);
  const sequences = useLoad((signal) => sequencesApi.list({ limit: 100 }, { signal }), []);
  const go = (patch) => navigate(analyticsUrl({ ...readFilters(new URLSearchParams(window.location.search)), ...patch }), { replace: true });
  const badRange = filters.from > filters.to;
  const seqItems = (sequences.data && (sequences.data.items || sequences.data)) || [];

  return html`<section class="page" data-testid="analytics-screen">
    <${PageHeader}
      title="Analytics"
      actions=${html`<a class="btn" href=${csvHref(filters)} download="analytics.csv" data-testid="analytics-export" title="Download this breakdown as CSV">Export CSV</a>`}
    />
    <div class="toolbar analytics-filters" role="search" aria-label="What to show">
      <${ToolbarField} id="an-metric" label="Metric" showLabel as="select" value=${filters.metric} onChange=${(e) => go({ metric: e.currentTarget.value })} data-testid="analytics-metric">
        ${METRICS.map((m) => html`<option key=${m.value} value=${m.value}>${m.label}</option>`)}
      <//>
      <${ToolbarField} id="an-by" label="By" showLabel as="select" value=${filters.by} onChange=${(e) => go({ by: e.currentTarget.value })} data-testid="analytics-by">
        ${BY.map(([v, l]) => html`<option key=${v} value=${v}>${l}</option>`)}
      <//>
      <${ToolbarField} id="an-from" label="From" showLabel type="date" className="toolbar-date" value=${filters.from} max=${filters.to} onChange=${(e) => DAY.test(e.currentTarget.value) && go({ from: e.currentTarget.value })} data-testid="analytics-from" />
      <${ToolbarField} id="an-to" label="To" showLabel type="date" className="toolbar-date" value=${filters.to} min=${filters.from} onChange=${(e) => DAY.test(e.currentTarget.value) && go({ to: e.currentTarget.value })} data-testid="analytics-to" />
      <${ToolbarField} id="an-channel" label="Channel" showLabel as="select" value=${filters.channel} onChange=${(e) => go({ channel: e.currentTarget.value })} data-testid="analytics-channel">
        <option value="">Every channel</option>
        ${CHANNELS.map(([v, l]) => html`<option key=${v} value=${v}>${l}</option>`)}
      <//>
      <${ToolbarField} id="an-sequence" label="Sequence" showLabel as="select" value=${filters.sequence_id} onChange=${(e) => go({ sequence_id: e.currentTarget.value })} data-testid="analytics-sequence">
        <option value="">Every sequence</option>
        ${seqItems.map((s) => html`<option key=${s.id} value=${s.id}>${s.name}</option>`)}
      <//>
      <${ToolbarField}
        id="an-min"
        label="Min size"
        showLabel
        type="number"
        min="1"
        inputmode="numeric"
        className="toolbar-number"
        value=${filters.min_size}
        placeholder="Default"
        onChange=${(e) => go({ min_size: e.currentTarget.value.trim() })}
        data-testid="analytics-min-size"
      />
    </div>
    ${badRange
      ? html`<p class="form-error" role="alert">The start date is after the end date.</p>`
      : html`<section class="card card-padded analytics-breakdown" aria-labelledby="breakdown-title">
            <h2 class="card-title" id="breakdown-title">Breakdown</h2>
            <${Breakdown} filters=${filters} />
          </section>
          <${Series} filters=${filters} go=${go} />`}
  </section>`;
}
