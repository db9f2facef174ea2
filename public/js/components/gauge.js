// Usage against a limit as a labelled bar: "used / max" over a Meter that turns red at the
// limit. Today's LinkedIn limits, and the identities' sending on Today and Settings → Pacing.
import { html } from '../preact.js';
import { Meter } from './meter.js';
import { formatInt } from '../format.js';

/** `name` makes the test id `gauge-<name>` (or pass `testid`); `children` go under the bar. */
export function Gauge({ name, label, used, max, testid, className = '', children, ...data }) {
  const full = max > 0 && used >= max;
  return html`<div class=${`today-gauge ${className}`} data-testid=${testid || `gauge-${name}`} data-used=${used} data-max=${max} ...${data}>
    <div class="today-gauge-head">
      <span class="today-gauge-label">${label}</span>
      <span class=${full ? 'today-gauge-full' : 'muted'}>${formatInt(used)} / ${formatInt(max)}</span>
    </div>
    <${Meter} value=${used} max=${max} tone=${full ? 'negative' : 'mid'} label=${`${label}: ${used} of ${max}`} className="today-gauge-meter" />
    ${children}
  </div>`;
}

/** Whether an identity is still ramping up: today's allowance below its cap. */
export const warmingUp = (identity) => identity.allowance < identity.daily_cap;

/**
 * An identity's sending today (from `GET /api/v1/pacing`): used of today's allowance; with
 * `detail`, its cap, "warming up", what is in flight and what is left.
 */
export function IdentityGauge({ identity: i, detail = false }) {
  const warming = warmingUp(i);
  return html`<${Gauge}
    testid="identity-gauge"
    label=${i.from_email}
    used=${i.used}
    max=${i.allowance}
    data-identity-email=${i.from_email}
    data-cap=${i.daily_cap}
    data-sending=${i.sending}
    data-remaining=${i.remaining}
    data-warming=${String(warming)}
    data-status=${i.status}
  >
    ${detail &&
    html`<div class="gauge-detail muted">
      ${i.status !== 'active' && html`<span class="badge badge-muted" data-testid="identity-gauge-status">${i.status}</span>`}
      <span data-testid="identity-gauge-cap">Cap ${formatInt(i.daily_cap)}</span>
      ${warming && html`<span class="badge badge-warming" data-testid="identity-gauge-warming" title=${`Allowed ${i.allowance} of its cap of ${i.daily_cap} today`}>Warming up</span>`}
      <span data-testid="identity-gauge-sending">${formatInt(i.sending)} in flight</span>
      <span data-testid="identity-gauge-remaining">${formatInt(i.remaining)} remaining</span>
    </div>`}
  <//>`;
}
