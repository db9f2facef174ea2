// A progress bar for long work: a labelled role="progressbar" (screen readers hear the value),
// drawn in SVG because the CSP allows no style attributes, with "done of total" in words under it.
import { html } from '../preact.js';
import { formatInt } from '../format.js';

/**
 * `value` of `max` done; `label` names the work ("Dry run"); `unit` names what is counted
 * ("rows"); `text` replaces the words under the bar. With no `max` yet the bar is indeterminate.
 */
export function ProgressBar({ value, max, label, unit = '', text, testid = 'progress' }) {
  const known = Number.isFinite(max) && max > 0;
  const share = known ? Math.max(0, Math.min(1, value / max)) : 0;
  const percent = Math.floor(share * 100);
  const words = text || (known ? `${formatInt(value)} of ${formatInt(max)}${unit ? ` ${unit}` : ''} (${percent}%)` : 'Starting…');
  return html`
    <div class="progress" data-testid=${testid}>
      <div class="progress-head">
        <span class="progress-label" id=${`${testid}-label`}>${label}</span>
        <span class="progress-text" data-testid=${`${testid}-text`}>${words}</span>
      </div>
      <div
        role="progressbar"
        aria-labelledby=${`${testid}-label`}
        aria-valuemin="0"
        aria-valuemax=${known ? max : undefined}
        aria-valuenow=${known ? value : undefined}
        aria-valuetext=${words}
      >
        <svg class=${`progress-bar ${known ? '' : 'is-indeterminate'}`} viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true" focusable="false">
          <rect class="progress-track" x="0" y="0" width="100" height="8" />
          ${known
            ? share > 0 && html`<rect class="progress-fill" x="0" y="0" width=${(share * 100).toFixed(2)} height="8" />`
            : html`<rect class="progress-fill progress-sweep" x="0" y="0" width="30" height="8" />`}
        </svg>
      </div>
    </div>
  `;
}
