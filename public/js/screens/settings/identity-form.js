// Settings → Identities, the form that creates or changes an identity: the sender, the SMTP
// server with its write-only password, the daily cap and time zone, the send window, the
// minimum spacing, the warm-up ramp, the signature, the status, and the mailbox OCC reads for
// replies and bounces (`identity-mailbox.js`). The server's field errors
// (`send_window.end_hour`, `warmup.start_date` …) show next to their own fields.
import { html, useMemo } from '../../preact.js';
import { useForm } from '../../use-form.js';
import { Field, FormError } from '../../components/field.js';
import { timezoneList } from '../accounts/form.js';
import { SECURITIES, STATUSES, WEEKDAYS, hourLabel } from './identities.js';
import { FieldErrors, PasswordField } from './identity-password.js';
import { MailboxFields, mailboxBody, mailboxValues, validateMailbox } from './identity-mailbox.js';

const START_HOURS = Array.from({ length: 24 }, (_, h) => h);
const END_HOURS = Array.from({ length: 24 }, (_, h) => h + 1);

/** The API's field names → the form's. */
const FIELD_OF = {
  'send_window.start_hour': 'start_hour',
  'send_window.end_hour': 'end_hour',
  'send_window.days': 'days',
  send_window: 'end_hour',
  'warmup.start_date': 'warmup_start_date',
  'warmup.first_day': 'warmup_first_day',
  'warmup.daily_increase': 'warmup_daily_increase',
  warmup: 'warmup_start_date',
  smtp_password: 'password',
};

const str = (n) => (n === null || n === undefined ? '' : String(n));

function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

function todayIso() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** An identity (or the defaults of a new one) as the form's values. The password is never prefilled. */
function toForm(identity) {
  const i = identity || {};
  const w = i.send_window || { start_hour: 9, end_hour: 17, days: [1, 2, 3, 4, 5] };
  return {
    from_name: i.from_name || '',
    from_email: i.from_email || '',
    smtp_host: i.smtp_host || '',
    smtp_port: str(i.smtp_port ?? 587),
    smtp_security: i.smtp_security || 'starttls',
    smtp_username: i.smtp_username || '',
    // keep (the stored one stays), replace (with `password`) or remove; a new identity only sets.
    password_mode: identity && identity.has_password ? 'keep' : 'replace',
    has_password: Boolean(identity && identity.has_password),
    password: '',
    daily_cap: str(i.daily_cap ?? 50),
    timezone: i.timezone || browserTimeZone(),
    start_hour: str(w.start_hour),
    end_hour: str(w.end_hour),
    days: [...(w.days || [])],
    min_spacing_seconds: str(i.min_spacing_seconds ?? 60),
    warmup_on: Boolean(i.warmup),
    warmup_start_date: i.warmup ? i.warmup.start_date : todayIso(),
    warmup_first_day: str(i.warmup ? i.warmup.first_day : 5),
    warmup_daily_increase: str(i.warmup ? i.warmup.daily_increase : 3),
    signature: i.signature || '',
    status: i.status || 'active',
    ...mailboxValues(identity),
  };
}

const INTEGER = /^\d+$/;
const NUMBERS = ['smtp_port', 'daily_cap', 'min_spacing_seconds'];
const WARMUP_NUMBERS = ['warmup_first_day', 'warmup_daily_increase'];

/** What the browser can tell before asking the server; ranges and order are the server's. */
function validate(v) {
  const errors = {};
  const need = (name, message) => {
    if (!String(v[name]).trim()) errors[name] = [message];
  };
  need('from_name', 'Enter the name people see as the sender.');
  need('from_email', 'Enter the address OCC sends from.');
  need('smtp_host', 'Enter the SMTP server, such as smtp.example.com.');
  need('timezone', 'Enter a time zone, such as Europe/Madrid.');
  for (const name of [...NUMBERS, ...(v.warmup_on ? WARMUP_NUMBERS : [])]) {
    if (!INTEGER.test(String(v[name]).trim())) errors[name] = ['Enter a whole number.'];
  }
  if (!v.days.length) errors.days = ['Choose at least one weekday.'];
  if (v.has_password && v.password_mode === 'replace' && !v.password) errors.password = ['Enter the new password, or keep the stored one.'];
  if (v.warmup_on && !v.warmup_start_date) errors.warmup_start_date = ['Choose the first day of the ramp.'];
  validateMailbox(v, errors);
  return errors;
}

/** The body for POST (`editing` false) or PATCH: every field, the password only when it changes. */
function toBody(v, editing) {
  const text = (s) => (s.trim() ? s.trim() : null);
  const body = {
    from_name: v.from_name.trim(),
    from_email: v.from_email.trim(),
    smtp_host: v.smtp_host.trim(),
    smtp_port: Number(v.smtp_port),
    smtp_security: v.smtp_security,
    smtp_username: text(v.smtp_username),
    daily_cap: Number(v.daily_cap),
    timezone: v.timezone.trim(),
    send_window: { start_hour: Number(v.start_hour), end_hour: Number(v.end_hour), days: [...v.days].sort((a, b) => a - b) },
    min_spacing_seconds: Number(v.min_spacing_seconds),
    warmup: v.warmup_on
      ? { start_date: v.warmup_start_date, first_day: Number(v.warmup_first_day), daily_increase: Number(v.warmup_daily_increase) }
      : null,
    signature: v.signature.trim() ? v.signature : null,
    status: v.status,
    ...mailboxBody(v, editing),
  };
  if (v.password_mode === 'replace' && v.password) body.smtp_password = v.password;
  else if (editing && v.password_mode === 'remove') body.smtp_password = null;
  if (!editing) {
    // A new identity leaves out what it does not set.
    for (const k of ['smtp_username', 'warmup', 'signature']) if (body[k] === null) delete body[k];
  }
  return body;
}

/** The server's errors by form field; what has no field of its own goes under the form error. */
function explain(error) {
  const inline = {};
  const details = [];
  const known = new Set(Object.keys(toForm(null)));
  for (const f of error.fields || []) {
    const name = FIELD_OF[f.field] || f.field;
    const message = f.message || f.rule || 'is invalid';
    if (known.has(name)) (inline[name] ||= []).push(message);
    else details.push(`${f.field}: ${message}`);
  }
  return { inline, details };
}

/**
 * `identity`: the identity to change, or null for a new one. `onSave(body)` saves and returns
 * the saved identity; `onSaved(identity)` follows. `cancelHref` is where Cancel leads.
 */
export function IdentityForm({ identity, onSave, onSaved, cancelHref }) {
  const editing = Boolean(identity);
  const form = useForm(useMemo(() => toForm(identity), [identity]));
  const { values, errors, saving } = form;

  const onSubmit = form.submit({
    validate,
    save: async (v) => {
      const saved = await onSave(toBody(v, editing));
      form.setValues(toForm(saved));
      onSaved(saved);
    },
    explain,
  });

  const toggleDay = (day) => (e) => {
    const on = e.currentTarget.checked;
    form.setValue('days', on ? [...values.days, day] : values.days.filter((d) => d !== day));
  };
  const select = (name) => ({ ...form.field(name), as: 'select', onChange: form.onInput(name), onInput: undefined });
  // A port still at the old security's usual number follows the new one (587 ↔ 465 ↔ 25).
  const onSecurity = (e) => {
    const next = SECURITIES.find((x) => x.value === e.currentTarget.value);
    const before = SECURITIES.find((x) => x.value === values.smtp_security);
    form.setValue('smtp_security', next.value);
    if (before && values.smtp_port === String(before.port)) form.setValue('smtp_port', String(next.port));
  };
  const security = values.smtp_security;
  const secureHint = security === 'none' ? 'None sends in the clear: only for a local test server.' : 'STARTTLS on 587 or TLS on 465; None is for local testing only.';

  return html`
    <form ref=${form.formRef} class="form" noValidate onSubmit=${onSubmit} data-testid="identity-form" aria-busy=${saving ? 'true' : 'false'}>
      ${form.formError &&
      html`<${FormError} ...${form.formError}>
        ${form.formError.error.status === 503 &&
        html`<div data-testid="secret-key-missing">The server cannot store SMTP passwords until OCC_SECRET_KEY is set. Save without a password, or ask whoever runs OCC to set it.</div>`}
      <//>`}
      <fieldset class="card form-section">
        <legend class="card-title">Sender</legend>
        <div class="form-grid">
          <${Field} id="identity-from_name" label="From name" required autocomplete="off" placeholder="Ana García" ...${form.field('from_name')} />
          <${Field} id="identity-from_email" label="From address" type="email" required autocomplete="off" spellcheck=${false} placeholder="ana@example.com" ...${form.field('from_email')} />
          <${Field} id="identity-signature" className="field-wide" label="Signature" as="textarea" rows="4" hint="Added under every email from this identity." ...${form.field('signature')} />
        </div>
      </fieldset>
      <fieldset class="card form-section">
        <legend class="card-title">SMTP server</legend>
        <div class="form-grid">
          <${Field} id="identity-smtp_host" label="SMTP host" required autocomplete="off" spellcheck=${false} placeholder="smtp.example.com" ...${form.field('smtp_host')} />
          <${Field} id="identity-smtp_port" label="Port" required inputmode="numeric" ...${form.field('smtp_port')} />
          <${Field} id="identity-smtp_security" label="Security" hint=${secureHint} ...${select('smtp_security')} onChange=${onSecurity}>
            ${SECURITIES.map((s) => html`<option key=${s.value} value=${s.value}>${s.label}${s.value === 'none' ? ' (local testing only)' : ''}</option>`)}
          <//>
          <${Field} id="identity-smtp_username" label="Username" autocomplete="off" spellcheck=${false} ...${form.field('smtp_username')} />
          <${PasswordField} form=${form} stored=${Boolean(identity && identity.has_password)} />
        </div>
      </fieldset>
      <${MailboxFields} form=${form} identity=${identity} select=${select} />
      <fieldset class="card form-section">
        <legend class="card-title">Pacing</legend>
        <div class="form-grid">
          <${Field} id="identity-daily_cap" label="Daily cap" required inputmode="numeric" hint="The most it sends a day once warmed up (0–10,000)." ...${form.field('daily_cap')} />
          <${Field} id="identity-min_spacing_seconds" label="Minimum spacing (seconds)" required inputmode="numeric" hint="The least time between two sends; a little jitter is added." ...${form.field('min_spacing_seconds')} />
          <${Field} id="identity-timezone" label="Time zone" required list="identity-timezones" spellcheck=${false} placeholder="Europe/Madrid" hint="Days and the send window count in it." ...${form.field('timezone')} />
          <datalist id="identity-timezones">${timezoneList().map((tz) => html`<option key=${tz} value=${tz}></option>`)}</datalist>
          <div class="hours-pair">
            <${Field} id="identity-start_hour" label="Window starts" ...${select('start_hour')}>
              ${START_HOURS.map((h) => html`<option key=${h} value=${String(h)}>${hourLabel(h)}</option>`)}
            <//>
            <${Field} id="identity-end_hour" label="Window ends" ...${select('end_hour')}>
              ${END_HOURS.map((h) => html`<option key=${h} value=${String(h)}>${hourLabel(h)}</option>`)}
            <//>
          </div>
          <fieldset class="field field-wide checks" data-testid="field-days" aria-describedby=${errors.days ? 'identity-days-error' : undefined}>
            <legend class="field-label">Send on</legend>
            <div class="check-row">
              ${WEEKDAYS.map(
                (d) => html`<label class="check" key=${d.value} title=${d.name}>
                  <input type="checkbox" name="days" value=${d.value} checked=${values.days.includes(d.value)} onChange=${toggleDay(d.value)} disabled=${saving} data-testid=${`day-${d.value}`} />
                  <span>${d.label}</span>
                </label>`,
              )}
            </div>
            <${FieldErrors} id="identity-days-error" name="days" messages=${errors.days} />
          </fieldset>
        </div>
      </fieldset>
      <fieldset class="card form-section">
        <legend class="card-title">Warm-up</legend>
        <label class="check">
          <input type="checkbox" checked=${values.warmup_on} onChange=${(e) => form.setValue('warmup_on', e.currentTarget.checked)} disabled=${saving} data-testid="warmup-on" />
          <span>Ramp up a new mailbox: start low and send a few more each day, up to the daily cap</span>
        </label>
        ${values.warmup_on &&
        html`<div class="form-grid warmup-grid">
          <${Field} id="identity-warmup_start_date" label="Start date" type="date" required ...${form.field('warmup_start_date')} />
          <${Field} id="identity-warmup_first_day" label="First-day volume" required inputmode="numeric" ...${form.field('warmup_first_day')} />
          <${Field} id="identity-warmup_daily_increase" label="Daily increase" required inputmode="numeric" ...${form.field('warmup_daily_increase')} />
        </div>`}
      </fieldset>
      <fieldset class="card form-section">
        <legend class="card-title">Status</legend>
        <div class="form-grid">
          <${Field} id="identity-status" label="Status" hint=${(STATUSES.find((s) => s.value === values.status) || {}).hint} ...${select('status')}>
            ${STATUSES.map((s) => html`<option key=${s.value} value=${s.value}>${s.label}</option>`)}
          <//>
        </div>
      </fieldset>
      <div class="form-actions">
        <a class="btn" href=${cancelHref} data-testid="identity-cancel">Cancel</a>
        <button type="submit" class="btn btn-primary" disabled=${saving} data-testid="identity-submit">
          ${saving ? 'Saving…' : editing ? 'Save changes' : 'Create identity'}
        </button>
      </div>
    </form>
  `;
}
