// Settings → Identities: the mailboxes OCC sends from, with their SMTP server, status, daily cap,
// warm-up ramp and send window. Everyone may read the list; managers and admins open an
// identity to change it, test it or delete it, and add new ones.
import { html } from '../../preact.js';
import { identities } from '../../api.js';
import { canManageIdentities } from '../../access.js';
import { useLoad } from '../../use-load.js';
import { SettingsPage } from '../../components/settings-nav.js';
import { Empty, ErrorState, Loading } from '../../components/states.js';
import { formatInt } from '../../format.js';
import { mailboxShort } from './identity-mailbox.js';

export const WEEKDAYS = [
  { value: 1, label: 'Mon', name: 'Monday' },
  { value: 2, label: 'Tue', name: 'Tuesday' },
  { value: 3, label: 'Wed', name: 'Wednesday' },
  { value: 4, label: 'Thu', name: 'Thursday' },
  { value: 5, label: 'Fri', name: 'Friday' },
  { value: 6, label: 'Sat', name: 'Saturday' },
  { value: 7, label: 'Sun', name: 'Sunday' },
];

export const STATUSES = [
  { value: 'active', label: 'Active', badge: 'badge-ok', hint: 'Sends inside its window and caps' },
  { value: 'paused', label: 'Paused', badge: 'badge-muted', hint: 'Sends nothing until it is active again' },
  { value: 'disabled', label: 'Disabled', badge: 'badge-bad', hint: 'Out of use' },
];

export const SECURITIES = [
  { value: 'starttls', label: 'STARTTLS', port: 587 },
  { value: 'tls', label: 'TLS', port: 465 },
  { value: 'none', label: 'None', port: 25 },
];

const dayLabel = (d) => (WEEKDAYS.find((w) => w.value === d) || { label: String(d) }).label;
export const hourLabel = (h) => `${String(h).padStart(2, '0')}:00`;

/** Weekdays as people write them: "Mon–Fri", "Mon, Wed, Fri", "Mon–Wed, Sat", "Every day". */
export function daysSummary(days) {
  const sorted = [...new Set(days || [])].sort((a, b) => a - b);
  if (sorted.length === 7) return 'Every day';
  const runs = [];
  for (const d of sorted) {
    const last = runs[runs.length - 1];
    if (last && d === last[1] + 1) last[1] = d;
    else runs.push([d, d]);
  }
  return runs
    .flatMap(([a, b]) => {
      if (a === b) return [dayLabel(a)];
      if (b === a + 1) return [dayLabel(a), dayLabel(b)];
      return [`${dayLabel(a)}–${dayLabel(b)}`];
    })
    .join(', ');
}

/** "Mon–Fri 08:00–18:00 Europe/Madrid". */
export function windowSummary(identity) {
  const w = identity.send_window || {};
  return `${daysSummary(w.days)} ${hourLabel(w.start_hour)}–${hourLabel(w.end_hour)} ${identity.timezone}`;
}

/** Days from `from` to `to`, both YYYY-MM-DD. */
function daysBetween(from, to) {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

function todayIso() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** "ramping: 5 → 40, +3/day from 2026-11-01", "warmed up (since 2026-11-13)", or "none". */
export function warmupSummary(identity, today = todayIso()) {
  const w = identity.warmup;
  if (!w) return 'none';
  const cap = identity.daily_cap;
  const ramp = `${formatInt(w.first_day)} → ${formatInt(cap)}, +${formatInt(w.daily_increase)}/day from ${w.start_date}`;
  if (w.first_day < cap && w.daily_increase > 0) {
    const doneOn = Math.ceil((cap - w.first_day) / w.daily_increase);
    const elapsed = daysBetween(w.start_date, today);
    if (Number.isFinite(elapsed) && elapsed >= doneOn) return `warmed up (ramp ${ramp})`;
  }
  if (w.first_day >= cap) return `no ramp needed (first day ${formatInt(w.first_day)} ≥ cap)`;
  return `ramping: ${ramp}`;
}

export function StatusBadge({ status }) {
  const s = STATUSES.find((x) => x.value === status) || { label: status, badge: 'badge-muted' };
  return html`<span class=${`badge ${s.badge}`} data-testid="identity-status">${s.label}</span>`;
}

const securityLabel = (v) => (SECURITIES.find((s) => s.value === v) || { label: v }).label;

function IdentitiesTable({ rows, canManage, busy }) {
  return html`
    <div class=${`table-wrap ${busy ? 'is-busy' : ''}`}>
      <table class="table" data-testid="identities-table">
        <caption class="visually-hidden">Sender identities</caption>
        <thead>
          <tr>
            <th scope="col">From</th>
            <th scope="col" class="hide-sm">SMTP</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">Daily cap</th>
            <th scope="col" class="hide-xs">Warm-up and send window</th>
          </tr>
        </thead>
        <tbody>
          ${rows.map(
            (i) => html`<tr key=${i.id} data-testid="identity-row" data-identity-email=${i.from_email}>
              <td class="cell-stack">
                ${canManage
                  ? html`<a class="cell-strong" href=${`/settings/identities/${encodeURIComponent(i.id)}`} data-testid="identity-link">${i.from_email}</a>`
                  : html`<span class="cell-strong">${i.from_email}</span>`}
                <span class="cell-line muted">${i.from_name}</span>
              </td>
              <td class="hide-sm cell-stack">
                <span data-testid="identity-smtp">${i.smtp_host}:${i.smtp_port}</span>
                <span class="cell-line muted">${securityLabel(i.smtp_security)}${i.has_password ? ' · password stored' : ''}</span>
                ${mailboxShort(i) && html`<span class=${`cell-line ${i.mailbox_error ? 'field-error' : 'muted'}`} data-testid="identity-mailbox">${mailboxShort(i)}</span>`}
              </td>
              <td><${StatusBadge} status=${i.status} /></td>
              <td class="num" data-testid="identity-cap">${formatInt(i.daily_cap)}</td>
              <td class="hide-xs cell-stack">
                <span data-testid="identity-warmup">${i.warmup ? warmupSummary(i) : html`<span class="muted">No warm-up</span>`}</span>
                <span class="cell-line muted" data-testid="identity-window">${windowSummary(i)}</span>
              </td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>
  `;
}

export function IdentitiesScreen({ user }) {
  const list = useLoad((signal) => identities.list({ signal }), []);
  const canManage = canManageIdentities(user);
  const actions = canManage
    ? html`<a class="btn btn-primary" href="/settings/identities/new" data-testid="new-identity">New identity</a>`
    : null;

  let body;
  if (list.error) {
    body = html`<${ErrorState} error=${list.error} title="Could not load the identities" onRetry=${list.retry} />`;
  } else if (!list.data) {
    body = html`<${Loading} label="Loading identities…" />`;
  } else if (!list.data.length) {
    body = html`<${Empty} title="No sender identities yet" testid="identities-empty">
      ${canManage ? 'Add the first mailbox OCC sends from with New identity.' : 'A manager or an admin adds the mailboxes OCC sends from.'}
    <//>`;
  } else {
    body = html`<${IdentitiesTable} rows=${list.data} canManage=${canManage} busy=${list.loading} />`;
  }

  return html`
    <${SettingsPage} user=${user} section="identities" actions=${actions} testid="settings-identities">
      <p class="muted">The mailboxes OCC sends email from. Each sends only inside its window, under its daily cap (with its warm-up ramp) and with a minimum spacing between messages.</p>
      ${!canManage && html`<p class="muted" data-testid="identities-read-only">Managers and admins change identities; you can read them.</p>`}
      ${body}
    <//>
  `;
}
