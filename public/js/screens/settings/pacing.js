// Settings → Pacing: the team's limits (time zone, the per-recipient-domain cap and LinkedIn's
// daily and weekly limits), versioned like every setting: everyone reads them, admins save a
// new version. Under the form, today's picture read-only: each identity's sending against its
// allowance (warming up below its cap) and your LinkedIn usage against the limits.
import { html, useState } from '../../preact.js';
import { pacing as pacingApi } from '../../api.js';
import { canManageIdentities, canManageSettings } from '../../access.js';
import { useLoad } from '../../use-load.js';
import { useForm } from '../../use-form.js';
import { SettingsPage } from '../../components/settings-nav.js';
import { Field, FormError } from '../../components/field.js';
import { Gauge, IdentityGauge } from '../../components/gauge.js';
import { Empty, ErrorState, Loading } from '../../components/states.js';
import { toast } from '../../components/toast.js';
import { formatDateTime } from '../../format.js';
import { actorLabel } from './icp.js';

/** The limits, with the highest value the server takes for each. */
const LIMITS = [
  { key: 'recipient_domain_daily_cap', label: 'Emails per recipient domain a day', hint: 'Across all identities. From 0 to 10000.', max: 10_000 },
  { key: 'linkedin_connections_daily', label: 'LinkedIn connection requests a day', hint: 'Per person. From 0 to 1000.', max: 1_000 },
  { key: 'linkedin_connections_weekly', label: 'LinkedIn connection requests a week', hint: 'Per person, weeks from Monday. At least the daily limit, up to 5000.', max: 5_000 },
  { key: 'linkedin_messages_daily', label: 'LinkedIn messages a day', hint: 'Per person, InMails included. From 0 to 1000.', max: 1_000 },
];
const FIELDS = ['timezone', ...LIMITS.map((l) => l.key)];

const toForm = (value) => Object.fromEntries(FIELDS.map((k) => [k, value[k] === undefined || value[k] === null ? '' : String(value[k])]));
const toValue = (v) => ({ timezone: v.timezone.trim(), ...Object.fromEntries(LIMITS.map((l) => [l.key, Number(v[l.key])])) });

const isWhole = (text) => /^\d+$/.test(String(text).trim());

/** The checks the server makes on the numbers; the time zone is the server's to judge. */
function validate(v) {
  const errors = {};
  if (!v.timezone.trim()) errors.timezone = ['Enter an IANA time zone, such as Europe/Berlin.'];
  for (const l of LIMITS) {
    if (!isWhole(v[l.key]) || Number(v[l.key]) > l.max) errors[l.key] = [`Enter a whole number from 0 to ${l.max}.`];
  }
  if (!errors.linkedin_connections_weekly && !errors.linkedin_connections_daily) {
    if (Number(v.linkedin_connections_weekly) < Number(v.linkedin_connections_daily)) {
      errors.linkedin_connections_weekly = ['Must be at least the daily limit.'];
    }
  }
  return errors;
}

/** The time now in `zone` ("14:05"), or null when the browser does not know the zone. */
export function timeIn(zone, now = new Date()) {
  if (!zone || !zone.trim()) return null;
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone: zone.trim(), hour: '2-digit', minute: '2-digit', weekday: 'short' }).format(now);
  } catch {
    return null;
  }
}

function zoneNames() {
  try {
    return Intl.supportedValuesOf ? Intl.supportedValuesOf('timeZone') : [];
  } catch {
    return [];
  }
}

/** Live feedback on the time zone as it is typed: the local time there, or that it is unknown. */
function ZoneFeedback({ zone }) {
  const now = timeIn(zone);
  if (!zone.trim()) return null;
  if (now === null) {
    return html`<div class="field-hint zone-feedback zone-unknown" data-testid="timezone-feedback" data-known="false" aria-live="polite">
      Not a time zone this browser knows; the server checks it when you save.
    </div>`;
  }
  return html`<div class="field-hint zone-feedback" data-testid="timezone-feedback" data-known="true" aria-live="polite">
    It is ${now} there now.
  </div>`;
}

function VersionLine({ current, user }) {
  if (!current.version) {
    return html`<p class="icp-version" data-testid="pacing-version" data-version="0">
      <span class="badge badge-muted">Version 0</span>
      <span class="muted" data-testid="pacing-never-saved">Never saved: these are the built-in defaults.</span>
    </p>`;
  }
  const mine = user && current.created_by === `user:${user.id}`;
  const who = mine ? actorLabel(current.created_by, user, []) : current.created_by_name || actorLabel(current.created_by, user, []);
  return html`<p class="icp-version" data-testid="pacing-version" data-version=${current.version}>
    <span class="badge badge-ok">Version ${current.version}</span>
    <span class="muted">
      Saved${who ? html` by <strong class="icp-who" title=${current.created_by} data-testid="pacing-saved-by">${who}</strong>` : null}${current.created_at
        ? html` on <time datetime=${current.created_at} title=${current.created_at}>${formatDateTime(current.created_at)}</time>`
        : null}.
    </span>
  </p>`;
}

function PacingForm({ initial, user, canEdit, onSaved }) {
  const [current, setCurrent] = useState(initial);
  const form = useForm(toForm(initial.value));
  const { values, errors, saving } = form;
  const dirty = JSON.stringify(values) !== JSON.stringify(toForm(current.value));
  const zones = zoneNames();

  const onSubmit = form.submit({
    validate,
    fields: FIELDS,
    save: async (v) => {
      const saved = await pacingApi.save(toValue(v));
      setCurrent(saved);
      form.setValues(toForm(saved.value));
      toast(`Saved the pacing limits as version ${saved.version}`);
      onSaved(saved);
    },
  });

  return html`
    <div class="card card-padded">
      <${VersionLine} current=${current} user=${user} />
      <p class="card-text">
        Identities send within their own daily caps and warm-up; these limits apply on top, for everyone. LinkedIn's limits
        count per person, in days and weeks of the team's time zone.
      </p>
      ${!canEdit &&
      html`<p class="icp-readonly" data-testid="pacing-readonly">Only admins can change the pacing limits. You can read them here.</p>`}
    </div>

    <form ref=${form.formRef} noValidate onSubmit=${onSubmit} data-testid="pacing-form" aria-busy=${saving ? 'true' : 'false'}>
      ${form.formError && html`<${FormError} ...${form.formError} />`}
      <fieldset class="icp-fieldset" disabled=${!canEdit || saving}>
        <legend class="visually-hidden">Pacing limits</legend>
        <section class="card form-section" aria-labelledby="pacing-zone-title">
          <h2 class="card-title" id="pacing-zone-title">Time zone</h2>
          <${Field}
            id="pacing-timezone"
            label="Team time zone"
            hint="IANA name, such as Europe/Berlin. Contacts and accounts without a time zone use it, and LinkedIn's days start in it."
            list=${zones.length ? 'pacing-zones' : undefined}
            autocomplete="off"
            spellcheck="false"
            data-testid="pacing-timezone"
            ...${form.field('timezone')}
          />
          <${ZoneFeedback} zone=${values.timezone} />
          ${zones.length > 0 && html`<datalist id="pacing-zones">${zones.map((z) => html`<option key=${z} value=${z} />`)}</datalist>`}
        </section>
        <section class="card form-section" aria-labelledby="pacing-limits-title">
          <h2 class="card-title" id="pacing-limits-title">Limits</h2>
          <div class="form-grid">
            ${LIMITS.map(
              (l) => html`<${Field}
                key=${l.key}
                id=${`pacing-${l.key}`}
                label=${l.label}
                hint=${l.hint}
                type="number"
                inputmode="numeric"
                min="0"
                max=${l.max}
                step="1"
                data-testid=${`pacing-${l.key}`}
                ...${form.field(l.key)}
              />`,
            )}
          </div>
        </section>
      </fieldset>
      ${canEdit &&
      html`<div class="form-actions">
        <span class="form-note muted" data-testid="pacing-save-note">${dirty ? 'Unsaved changes.' : 'No changes.'}</span>
        <button type="submit" class="btn btn-primary" disabled=${saving} data-testid="pacing-save">
          ${saving ? 'Saving…' : `Save as version ${current.version + 1}`}
        </button>
      </div>`}
    </form>
  `;
}

const LINKEDIN = {
  connection_sent: { day: 'Connection requests today', week: 'Connection requests this week' },
  message_sent: { day: 'Messages today', week: 'Messages this week' },
};

/** Today, read-only: each identity's sending and your LinkedIn usage against the limits. */
function PacingToday({ version, user }) {
  const today = useLoad((signal) => pacingApi.today({ signal }), [version]);
  let identities;
  let linkedin = null;
  if (today.error) {
    identities = html`<${ErrorState} error=${today.error} title="Could not load today's pacing" onRetry=${today.retry} />`;
  } else if (!today.data) {
    identities = html`<${Loading} label="Loading today's pacing…" />`;
  } else {
    const list = today.data.identities;
    identities = list.length
      ? html`<div class="pacing-gauges" data-testid="pacing-identities">
          ${list.map((i) => html`<${IdentityGauge} key=${i.identity_id} identity=${i} detail />`)}
        </div>`
      : html`<${Empty} title="No identities yet" testid="pacing-no-identities"
          action=${canManageIdentities(user) ? html`<a class="btn" href="/settings/identities/new">Add an identity</a>` : null}>
          Sender mailboxes show up here with what each may send today.
        <//>`;
    linkedin = html`<div class="pacing-gauges" data-testid="pacing-linkedin">
      ${today.data.linkedin.flatMap((l) => {
        const names = LINKEDIN[l.kind] || { day: `${l.kind} today`, week: `${l.kind} this week` };
        const out = [html`<${Gauge} key=${`${l.kind}-day`} name=${`${l.kind}-today`} label=${names.day} used=${l.today} max=${l.daily_limit} />`];
        if (l.weekly_limit !== null && l.weekly_limit !== undefined) {
          out.push(html`<${Gauge} key=${`${l.kind}-week`} name=${`${l.kind}-week`} label=${names.week} used=${l.this_week || 0} max=${l.weekly_limit} />`);
        }
        return out;
      })}
    </div>`;
  }
  return html`<section class="card card-padded pacing-today" aria-labelledby="pacing-today-title" data-testid="pacing-today">
    <h2 class="card-title" id="pacing-today-title">Today</h2>
    <h3 class="pacing-subtitle">Identities</h3>
    <p class="card-text muted">Used of what each may send today: its cap, or less while it warms up. In flight counts as used.</p>
    ${identities}
    ${linkedin &&
    html`<h3 class="pacing-subtitle">LinkedIn (yours)</h3>
      ${linkedin}`}
  </section>`;
}

export function PacingScreen({ user }) {
  const model = useLoad((signal) => pacingApi.settings({ signal }), []);
  const [version, setVersion] = useState(null);
  let body;
  if (model.error) {
    body = html`<${ErrorState} error=${model.error} title="Could not load the pacing limits" onRetry=${model.retry} />`;
  } else if (!model.data) {
    body = html`<${Loading} label="Loading the pacing limits…" />`;
  } else {
    body = html`
      <${PacingForm} initial=${model.data} user=${user} canEdit=${canManageSettings(user)} onSaved=${(saved) => setVersion(saved.version)} />
      <${PacingToday} version=${version ?? model.data.version} user=${user} />
    `;
  }
  return html`<${SettingsPage} user=${user} section="pacing" testid="pacing-screen">${body}<//>`;
}
