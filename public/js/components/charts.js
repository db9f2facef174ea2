// The charts of the Dashboard, Analytics and Experiments screens, drawn in SVG with no library:
// rates with their 95% intervals as horizontal bars with whiskers, counts over time as lines,
// a sparkline, and a funnel. Each chart measures its box and draws in its own pixels (a viewBox
// as wide as the box, width 100%), so text stays readable from a phone to a wide screen; colours
// come from the stylesheet's variables through classes (the CSP allows no style attributes).
import { html, useEffect, useRef, useState } from '../preact.js';
import { formatInt } from '../format.js';

/** A rate (0-1) as a percentage: 0.121 → "12.1%". */
export function formatRate(rate, digits = 1) {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return null;
  return `${(rate * 100).toFixed(digits)}%`;
}

/** A round step (1, 2 or 5 times a power of ten) at or above `value`. */
function niceStep(value) {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 5, 10]) if (m * power >= value - 1e-12) return m * power;
  return 10 * power;
}

/** Round ticks from 0 past `max`, about `count` of them: `{ top, values, step }`. */
function roundTicks(max, count = 4) {
  const step = niceStep(Math.max(max, 1e-9) / count);
  const top = Math.max(step, Math.ceil(max / step - 1e-9) * step);
  const values = [];
  for (let i = 0; i * step <= top + step / 1e6; i += 1) values.push(i * step);
  return { top, values, step };
}

/** The width of the element `ref` points at, followed as it changes (`fallback` until measured). */
function useWidth(fallback = 640) {
  const ref = useRef(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    const measure = () => {
      const w = Math.floor(el.getBoundingClientRect().width);
      if (w > 0) setWidth((prev) => (Math.abs(prev - w) >= 1 ? w : prev));
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return undefined;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

/** `text` cut to fit about `px` pixels of 13 px text, with an ellipsis. */
function fit(text, px, charPx = 7) {
  const s = String(text || '');
  const room = Math.max(3, Math.floor(px / charPx));
  return s.length > room ? `${s.slice(0, room - 1)}…` : s;
}

/** The SVG frame every chart shares: its accessible name twice (aria-label and <title>). */
function Frame({ width, height, label, className, testid, children, ...rest }) {
  return html`<svg
    class=${`chart ${className}`}
    viewBox=${`0 0 ${width} ${height}`}
    width="100%"
    role="img"
    aria-label=${label}
    focusable="false"
    data-testid=${testid}
    ...${rest}
  >
    <title>${label}</title>
    ${children}
  </svg>`;
}

/**
 * Rates with their 95% intervals, one horizontal bar per group with a whisker from `low` to
 * `high`. `rows`: [{ key, label, rate, low, high, n, tooFew, marked, note }]; a `tooFew` row is
 * greyed with no bar; a `marked` row (the control) is drawn apart and named. `reference` draws a
 * dashed line at a rate (the total), `label` names the whole chart for screen readers.
 */
export function IntervalChart({ rows, label, reference = null, referenceLabel = 'All', testid = 'interval-chart' }) {
  const [ref, width] = useWidth();
  const narrow = width < 520;
  const rowH = narrow ? 46 : 40;
  const top = 6;
  const axisH = 22;
  const height = top + rows.length * rowH + axisH;
  const labelW = narrow ? 0 : Math.min(220, Math.round(width * 0.3));
  const valueW = 58;
  const x0 = narrow ? 4 : labelW + 10;
  const x1 = width - valueW - 6;
  const highs = rows.filter((r) => !r.tooFew).map((r) => Math.max(r.high ?? 0, r.rate ?? 0));
  const axis = roundTicks(Math.max(0.01, reference ?? 0, ...highs), narrow ? 2 : 4);
  const max = axis.top;
  const tickDigits = Math.max(0, Math.min(2, -Math.floor(Math.log10(axis.step * 100) + 1e-9)));
  const x = (v) => x0 + (Math.max(0, Math.min(max, v)) / max) * (x1 - x0);
  const summary = rows
    .map((r) => (r.tooFew ? `${r.label}: too few (n = ${r.n})` : `${r.label}${r.marked ? ' (control)' : ''}: ${formatRate(r.rate)} (95% interval ${formatRate(r.low)} to ${formatRate(r.high)}, n = ${r.n})`))
    .join('; ');
  const tickValues = axis.values;

  return html`<div class="chart-box" ref=${ref}>
    <${Frame} width=${width} height=${height} label=${`${label}. ${summary || 'No groups.'}`} className="chart-intervals" testid=${testid} data-rows=${rows.length}>
      ${tickValues.map(
        (t, i) => html`<g key=${`t${i}`}>
          <line class="chart-grid" x1=${x(t)} x2=${x(t)} y1=${top} y2=${height - axisH + 4} />
          <text class="chart-tick" x=${x(t)} y=${height - 6} text-anchor=${i === 0 ? 'start' : 'middle'}>${formatRate(t, tickDigits)}</text>
        </g>`,
      )}
      ${reference !== null &&
      reference !== undefined &&
      html`<g class="chart-reference">
        <line x1=${x(reference)} x2=${x(reference)} y1=${top} y2=${height - axisH + 4} />
        <title>${referenceLabel}: ${formatRate(reference)}</title>
      </g>`}
      ${rows.map((r, i) => {
        const y = top + i * rowH;
        const name = r.marked && !/control/i.test(r.label) ? `${r.label} (control)` : r.label;
        const barY = narrow ? y + 20 : y + 7;
        const mid = barY + 8;
        const nText = `n = ${formatInt(r.n)}`;
        return html`<g
          key=${r.key}
          class=${`chart-row ${r.tooFew ? 'is-too-few' : ''} ${r.marked ? 'is-marked' : ''}`}
          data-testid="chart-row"
          data-key=${r.key}
          data-rate=${r.tooFew ? '' : r.rate}
          data-n=${r.n}
          data-too-few=${String(Boolean(r.tooFew))}
        >
          ${narrow
            ? html`<text class="chart-label" x=${x0} y=${y + 13}>${fit(name, width - 90)}<title>${name}</title></text>
                <text class="chart-n" x=${width - 4} y=${y + 13} text-anchor="end">${nText}</text>`
            : html`<text class="chart-label" x=${labelW} y=${y + 16} text-anchor="end">${fit(name, labelW - 4)}<title>${name}</title></text>
                <text class="chart-n" x=${labelW} y=${y + 31} text-anchor="end">${nText}</text>`}
          ${r.tooFew
            ? html`<text class="chart-too-few" x=${x0 + 4} y=${mid + 4}>too few (n = ${formatInt(r.n)})</text>`
            : html`<rect class="chart-bar" x=${x0} y=${barY} width=${Math.max(1, x(r.rate) - x0)} height="16" rx="2" />
                <line class="chart-whisker" x1=${x(r.low)} x2=${x(r.high)} y1=${mid} y2=${mid} />
                <line class="chart-whisker" x1=${x(r.low)} x2=${x(r.low)} y1=${mid - 6} y2=${mid + 6} />
                <line class="chart-whisker" x1=${x(r.high)} x2=${x(r.high)} y1=${mid - 6} y2=${mid + 6} />
                <text class="chart-value" x=${width - 4} y=${mid + 4} text-anchor="end">${formatRate(r.rate)}</text>`}
        </g>`;
      })}
    <//>
  </div>`;
}

const SHORT_DAY = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });
const LONG_DAY = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/** A day ("2026-11-03" or an instant) in words: "3 Nov", or with `long` "Tue, 3 Nov 2026". */
export function formatDay(day, long = false) {
  const d = new Date(String(day).length === 10 ? `${day}T00:00:00Z` : day);
  if (Number.isNaN(d.getTime())) return String(day);
  return (long ? LONG_DAY : SHORT_DAY).format(d);
}

/** "YYYY-MM-DD" of a UTC date. */
const isoDay = (d) => d.toISOString().slice(0, 10);

/**
 * Every day from `from` to `to` (YYYY-MM-DD), each with the point of `points` that starts on
 * it or `empty(day)`: days with nothing are zeros, not gaps.
 */
export function fillDays(points, from, to, { key = (p) => String(p.start).slice(0, 10), empty }) {
  if (!from || !to) return points;
  const byDay = new Map(points.map((p) => [key(p), p]));
  const out = [];
  const end = new Date(`${to}T00:00:00Z`);
  for (let d = new Date(`${from}T00:00:00Z`), guard = 0; d <= end && guard < 1000; guard += 1) {
    const day = isoDay(d);
    out.push(byDay.get(day) || empty(day));
    d = new Date(d.getTime() + 86400000);
  }
  return out;
}

/**
 * Counts over time, one line per series. `series`: [{ key, label }] (its colour follows its
 * place); `points`: [{ day, values: { [key]: n } }], one per day (see `fillDays`). Hovering,
 * tapping or the arrow keys pick a day, whose values show under the chart.
 */
export function LineChart({ series, points, label, testid = 'line-chart' }) {
  const [ref, width] = useWidth();
  const [picked, setPicked] = useState(null);
  const narrow = width < 520;
  const height = narrow ? 200 : 240;
  const left = 40;
  const right = 12;
  const top = 10;
  const bottom = 26;
  const n = points.length;
  const peak = Math.max(1, ...points.flatMap((p) => series.map((s) => p.values[s.key] || 0)));
  // Counts: whole-number ticks.
  const axis = peak <= 4 ? { top: Math.ceil(peak), values: Array.from({ length: Math.ceil(peak) + 1 }, (_, i) => i) } : roundTicks(peak, 4);
  const max = axis.top;
  const x = (i) => (n <= 1 ? left + (width - left - right) / 2 : left + (i / (n - 1)) * (width - left - right));
  const y = (v) => top + (1 - v / max) * (height - top - bottom);
  const every = Math.max(1, Math.ceil(n / Math.max(2, Math.floor((width - left) / 64))));
  const index = picked === null ? null : Math.min(picked, n - 1);
  const totals = series.map((s) => `${s.label} ${formatInt(points.reduce((sum, p) => sum + (p.values[s.key] || 0), 0))}`);
  const name = `${label}: ${n} ${n === 1 ? 'point' : 'points'}${n ? ` from ${formatDay(points[0].day)} to ${formatDay(points[n - 1].day)}` : ''}; totals ${totals.join(', ')}`;

  const pick = (event) => {
    const box = event.currentTarget.getBoundingClientRect();
    if (!box.width || !n) return;
    const px = ((event.clientX - box.left) / box.width) * width;
    const i = n <= 1 ? 0 : Math.round(((px - left) / (width - left - right)) * (n - 1));
    setPicked(Math.max(0, Math.min(n - 1, i)));
  };
  const onKey = (event) => {
    if (!n) return;
    const here = index === null ? n - 1 : index;
    if (event.key === 'ArrowLeft') setPicked(Math.max(0, here - 1));
    else if (event.key === 'ArrowRight') setPicked(Math.min(n - 1, here + 1));
    else if (event.key === 'Escape') setPicked(null);
    else return;
    event.preventDefault();
  };
  const shown = index === null ? null : points[index];

  return html`<div class="chart-box chart-lines-box" ref=${ref}>
    <${Frame}
      width=${width}
      height=${height}
      label=${name}
      className="chart-lines"
      testid=${testid}
      data-points=${n}
      tabindex="0"
      onPointerMove=${pick}
      onPointerDown=${pick}
      onPointerLeave=${(e) => e.pointerType === 'mouse' && setPicked(null)}
      onKeyDown=${onKey}
    >
      ${axis.values.map(
        (t, i) => html`<g key=${`y${i}`}>
          <line class="chart-grid" x1=${left} x2=${width - right} y1=${y(t)} y2=${y(t)} />
          <text class="chart-tick" x=${left - 6} y=${y(t) + 4} text-anchor="end">${formatInt(t)}</text>
        </g>`,
      )}
      ${points.map((p, i) =>
        i % every === 0
          ? html`<text key=${`x${i}`} class="chart-tick" x=${x(i)} y=${height - 8} text-anchor=${i === 0 ? 'start' : 'middle'}>${formatDay(p.day)}</text>`
          : null,
      )}
      ${series.map(
        (s, si) => html`<polyline
          key=${s.key}
          class=${`chart-line chart-tone-${si}`}
          data-testid="chart-line"
          data-series=${s.key}
          points=${points.map((p, i) => `${x(i).toFixed(1)},${y(p.values[s.key] || 0).toFixed(1)}`).join(' ')}
        />`,
      )}
      ${shown &&
      html`<g class="chart-pick">
        <line class="chart-guide" x1=${x(index)} x2=${x(index)} y1=${top} y2=${height - bottom} />
        ${series.map((s, si) => html`<circle key=${s.key} class=${`chart-dot chart-tone-${si}`} cx=${x(index)} cy=${y(shown.values[s.key] || 0)} r="3.5" />`)}
      </g>`}
    <//>
    <div class="chart-legend">
      ${series.map(
        (s, si) => html`<span key=${s.key} class="chart-legend-item">
          <svg class="chart-swatch" viewBox="0 0 12 12" aria-hidden="true" focusable="false"><rect class=${`chart-tone-${si}`} x="0" y="4" width="12" height="4" rx="1" /></svg>
          ${s.label}
        </span>`,
      )}
    </div>
    <p class="chart-readout muted" aria-live="polite" data-testid=${`${testid}-readout`}>
      ${shown
        ? html`<strong>${formatDay(shown.day, true)}</strong>: ${series.map((s) => `${s.label} ${formatInt(shown.values[s.key] || 0)}`).join(' · ')}`
        : 'Point at a day (or tap it, or use the arrow keys) to see its numbers.'}
    </p>
  </div>`;
}

/** A small line of `values` (oldest first) with no axes; `label` says what it shows. */
export function Sparkline({ values, label, testid = 'sparkline' }) {
  const w = 100;
  const h = 28;
  const n = values.length;
  const max = Math.max(1, ...values);
  const pts = values.map((v, i) => [n <= 1 ? w / 2 : (i / (n - 1)) * w, h - 2 - (v / max) * (h - 4)]);
  const line = pts.map(([px, py]) => `${px.toFixed(2)},${py.toFixed(2)}`).join(' ');
  return html`<svg
    class="chart sparkline"
    viewBox=${`0 0 ${w} ${h}`}
    preserveAspectRatio="none"
    width="100%"
    role="img"
    aria-label=${label}
    focusable="false"
    data-testid=${testid}
    data-values=${values.join(',')}
  >
    <title>${label}</title>
    ${n > 1 && html`<polygon class="sparkline-area" points=${`0,${h} ${line} ${w},${h}`} />`}
    ${n > 0 && html`<polyline class="sparkline-line" points=${line} vector-effect="non-scaling-stroke" />`}
  </svg>`;
}

/** A conversion between two steps in words: "42%" or "—" when there is nothing to convert from. */
const conversionText = (c) => (c === null || c === undefined ? '—' : formatRate(c, c < 0.1 ? 1 : 0));

/**
 * A funnel: `steps` [{ key, label, count, conversion }] as horizontal bars with their counts,
 * and between two bars the share of the first that reached the second.
 */
export function Funnel({ steps, label, testid = 'funnel' }) {
  const [ref, width] = useWidth();
  const narrow = width < 520;
  const rowH = narrow ? 40 : 26;
  const gap = narrow ? 8 : 18;
  const labelW = narrow ? 0 : Math.min(170, Math.round(width * 0.26));
  const countW = 60;
  const x0 = narrow ? 0 : labelW + 10;
  const x1 = width - countW;
  const max = Math.max(1, ...steps.map((s) => s.count));
  const height = steps.length * rowH + Math.max(0, steps.length - 1) * gap + 4;
  const summary = steps
    .map((s, i) => `${s.label} ${formatInt(s.count)}${i > 0 && s.conversion !== null && s.conversion !== undefined ? ` (${conversionText(s.conversion)} of the step before)` : ''}`)
    .join(', ');

  return html`<div class="chart-box" ref=${ref}>
    <${Frame} width=${width} height=${height} label=${`${label}: ${summary}`} className="chart-funnel" testid=${testid}>
      ${steps.map((s, i) => {
        const y = i * (rowH + gap);
        const barY = narrow ? y + 18 : y + 3;
        const w = (s.count / max) * (x1 - x0);
        return html`<g key=${s.key} class="funnel-step" data-testid="funnel-step" data-step=${s.key} data-count=${s.count}>
          ${i > 0 &&
          html`<text class="funnel-conversion" x=${narrow ? x1 : x0 + 4} y=${narrow ? y + 13 : y - 5} text-anchor=${narrow ? 'end' : 'start'} data-testid="funnel-conversion">
            ↓ ${conversionText(s.conversion)}${s.conversion !== null && s.conversion !== undefined ? ' of the step before' : ''}
          </text>`}
          ${narrow
            ? html`<text class="chart-label" x="0" y=${y + 13}>${s.label}</text>`
            : html`<text class="chart-label" x=${labelW} y=${y + 17} text-anchor="end">${fit(s.label, labelW)}</text>`}
          <rect class="chart-track" x=${x0} y=${barY} width=${Math.max(0, x1 - x0)} height="20" rx="3" />
          ${w > 0 && html`<rect class=${`funnel-bar funnel-bar-${Math.min(i, 6)}`} x=${x0} y=${barY} width=${Math.max(2, w)} height="20" rx="3" />`}
          <text class="chart-value" x=${width - 4} y=${barY + 15} text-anchor="end" data-testid="funnel-count">${formatInt(s.count)}</text>
        </g>`;
      })}
    <//>
  </div>`;
}
