// Small horizontal bars drawn in SVG (the CSP allows no style attributes, and SVG geometry is
// markup): a priority score out of 100, and a score factor's share of the largest factor.
import { html } from '../preact.js';

/** The tone of a priority score: high, mid or low. */
export function scoreTone(score) {
  if (score >= 70) return 'high';
  if (score >= 40) return 'mid';
  return 'low';
}

/** A bar filled to `value` of `max`; `tone` picks its colour; `label` is what it says to screen readers. */
export function Meter({ value, max = 100, tone = 'mid', label, className = '' }) {
  const share = max > 0 ? Math.max(0, Math.min(1, Math.abs(value) / max)) : 0;
  return html`<svg
    class=${`meter meter-${tone} ${className}`}
    viewBox="0 0 100 8"
    preserveAspectRatio="none"
    role="img"
    aria-label=${label}
    focusable="false"
  >
    <rect class="meter-track" x="0" y="0" width="100" height="8" />
    ${share > 0 && html`<rect class="meter-fill" x="0" y="0" width=${(share * 100).toFixed(1)} height="8" />`}
  </svg>`;
}

/** A priority score: the number and a bar out of 100. */
export function ScoreBar({ score }) {
  const n = Number.isFinite(score) ? score : 0;
  return html`<span class="score" data-testid="priority-score" data-score=${n}>
    <span class="score-number">${n}</span>
    <${Meter} value=${n} tone=${scoreTone(n)} label=${`Priority ${n} of 100`} className="score-meter" />
  </span>`;
}
